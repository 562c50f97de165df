//! `pocket worker` decides a submitted application: the `bureau.enquire` job reaches the XDS
//! simulator over HTTP with the configured login, and the application leaves `submitted`.

use chrono::Utc;
use pocket_domain::Msisdn;
use pocket_sandbox::xds::GOOD_PAYER_ID;
use pocket_store::applicants::{self, Channel, ConsentPurpose, Profile};
use pocket_store::applications::{
    self, ApplicationDetails, EmploymentType, NewApplication, PayFrequency,
};
use pocket_workflows::decide::submit;
use sqlx::PgPool;

use crate::common::{eventually, spawn_app};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_worker_enquires_at_the_bureau_and_pre_approves_a_good_payer(pool: PgPool) {
    let app = spawn_app(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    let msisdn = Msisdn::parse("0831234567").unwrap();
    let profile = Profile {
        id_number: Some(GOOD_PAYER_ID.to_owned()),
        first_names: Some("Thabo".to_owned()),
        ..Profile::default()
    };
    let applicant_id = applicants::create(&mut conn, &msisdn, &profile).await.unwrap();
    applicants::record_consent(
        &mut conn,
        applicant_id,
        ConsentPurpose::BureauEnquiry,
        "bureau-v3",
        Channel::Portal,
    )
    .await
    .unwrap();
    let product_id = applications::product_id(&mut conn, "short_term").await.unwrap();
    let created = applications::create(
        &mut conn,
        &NewApplication {
            applicant_id,
            product_id,
            channel: Channel::Portal,
            partner_id: None,
            created_by_officer_id: None,
            requested_amount_cents: 200_000,
            requested_term_days: 60,
        },
    )
    .await
    .unwrap();
    applications::update_details(
        &mut conn,
        created.application_id,
        &ApplicationDetails {
            requested_amount_cents: 200_000,
            requested_term_days: 60,
            employer_name: Some("Shoprite".to_owned()),
            employment_type: Some(EmploymentType::Permanent),
            pay_frequency: Some(PayFrequency::Monthly),
            payday: Some("last_working_day".to_owned()),
            gross_income_cents: Some(2_500_000),
            net_income_cents: Some(1_900_000),
            declared_expenses_cents: Some(600_000),
            declared_debt_cents: Some(300_000),
            bank_branch_code: Some("250655".to_owned()),
            bank_account_number: Some("62123456789".to_owned()),
            bank_account_type: Some(1),
            bank_account_holder: Some("T Nkosi".to_owned()),
        },
    )
    .await
    .unwrap();

    submit(&mut conn, created.application_id, Utc::now()).await.expect("submitted");

    eventually("the application is pre-approved", || async {
        let status: String =
            sqlx::query_scalar("select status from application where application_id = $1")
                .bind(created.application_id)
                .fetch_one(&pool)
                .await
                .unwrap();
        status == "pre_approved"
    })
    .await;
    assert_eq!(app.bureau.enquiries().len(), 1, "one enquiry at the bureau");
    app.stop().await.expect("the worker stops cleanly");
}
