//! Fixtures shared by the tests: a whole loan built through the store's own functions.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use pocket_store::applicants::{self, Channel, ConsentPurpose, Profile};
use pocket_store::applications::{
    self, ApplicationDetails, ApplicationStatus, EmploymentType, NewApplication, PayFrequency,
};
use pocket_store::collections::{self, NewPresentment};
use pocket_store::decisions::{self, DecisionSource, NewDecision, Outcome};
use pocket_store::ledger::{self, NewPosting, PostingKind};
use pocket_store::loans::{self, NewInstalment, NewLoan};
use pocket_store::mandates::{self, AuthenticationType, NewMandate};
use pocket_store::portal::{self, OtpPurpose};
use pocket_store::quotes::{self, NewAgreement, NewQuote};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("BUG: test dates are valid")
}

pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).single().expect("BUG: test instants are valid")
}

/// An officer row without a login role (roles are cluster-wide; most tests do not need one).
pub async fn officer(conn: &mut PgConnection, limit_cents: i64) -> Uuid {
    let login = format!("t{}", &Uuid::new_v4().simple().to_string()[..12]);
    sqlx::query_scalar!(
        r#"insert into officer (login_name, full_name, email, group_role, approval_limit_cents)
           values ($1, 'Test Officer', 'officer@example.co.za', 'pocket_supervisor', $2)
           returning officer_id"#,
        login,
        limit_cents
    )
    .fetch_one(conn)
    .await
    .unwrap()
}

pub fn msisdn(n: u32) -> String {
    format!("+2782{:07}", n)
}

pub fn mobile(n: u32) -> pocket_domain::Msisdn {
    pocket_domain::Msisdn::parse(&msisdn(n)).expect("BUG: test numbers are valid")
}

/// Everything a paid-out loan has.
#[derive(Debug, Clone)]
pub struct LoanFixture {
    pub applicant_id: Uuid,
    pub application_id: Uuid,
    pub officer_id: Uuid,
    pub loan_id: Uuid,
    pub mandate_id: Uuid,
    pub instalments: Vec<Uuid>,
}

/// Builds an applicant, a submitted and approved application, a quote, a signed agreement, a loan
/// with three instalments, the disbursement postings and an authenticated mandate.
pub async fn loan(conn: &mut PgConnection, n: u32) -> LoanFixture {
    let now = at(2026, 11, 2);
    let applicant_id = applicants::create(
        conn,
        &mobile(n),
        &Profile {
            first_names: Some("Thandi".into()),
            surname: Some("Nkosi".into()),
            email: Some(format!("thandi{n}@example.co.za")),
            ..Profile::default()
        },
    )
    .await
    .unwrap();
    applicants::record_consent(
        conn,
        applicant_id,
        ConsentPurpose::Processing,
        "v1",
        Channel::Portal,
    )
    .await
    .unwrap();
    let product_id = applications::product_id(conn, "short_term").await.unwrap();
    let created = applications::create(
        conn,
        &NewApplication {
            applicant_id,
            product_id,
            channel: Channel::Portal,
            partner_id: None,
            created_by_officer_id: None,
            requested_amount_cents: 300_000,
            requested_term_days: 90,
        },
    )
    .await
    .unwrap();
    let application_id = created.application_id;
    applications::update_details(conn, application_id, &details()).await.unwrap();
    applications::submit(conn, application_id, now).await.unwrap();
    applications::transition(
        conn,
        application_id,
        ApplicationStatus::Submitted,
        ApplicationStatus::PreApproved,
        None,
    )
    .await
    .unwrap();
    let officer_id = officer(conn, 500_000).await;
    let decision_id = decisions::record(
        conn,
        &NewDecision {
            application_id,
            source: DecisionSource::Officer,
            outcome: Outcome::Approve,
            reason_codes: vec![],
            approved_amount_cents: Some(300_000),
            approved_term_days: Some(90),
            decided_by_officer_id: Some(officer_id),
            policy_version: None,
            note: None,
            affordability_assessment_id: None,
        },
    )
    .await
    .unwrap();
    applications::transition(
        conn,
        application_id,
        ApplicationStatus::PreApproved,
        ApplicationStatus::Approved,
        None,
    )
    .await
    .unwrap();
    let quote_id = quotes::offer(
        conn,
        &NewQuote {
            application_id,
            principal_cents: 300_000,
            term_days: 90,
            first_loan: true,
            interest_rate_bp: 500,
            interest_cents: 45_000,
            initiation_fee_cents: 36_500,
            service_fee_cents: 18_000,
            vat_cents: 8_175,
            total_repayable_cents: 407_675,
            instalment_count: 3,
            first_instalment_date: day(2026, 11, 25),
            valid_until: day(2026, 11, 9),
        },
    )
    .await
    .unwrap();
    quotes::accept(conn, quote_id, day(2026, 11, 2), now).await.unwrap();
    let otp = portal::create_otp(
        conn,
        &mobile(n),
        OtpPurpose::SignAgreement,
        &"0".repeat(64),
        at(2026, 11, 3),
        3,
    )
    .await
    .unwrap();
    let agreement_id = quotes::sign(
        conn,
        &NewAgreement {
            application_id,
            quote_id,
            text_version: "agreement-v1".into(),
            otp_challenge_id: otp,
            document_storage_key: None,
            signed_at: now,
            cooling_off_until: day(2026, 11, 7),
        },
    )
    .await
    .unwrap();
    let loan_id = loans::create(
        conn,
        &NewLoan {
            application_id,
            applicant_id,
            agreement_id,
            decision_id,
            principal_cents: 300_000,
            term_days: 90,
            interest_rate_bp: 500,
            first_loan: true,
            total_repayable_cents: 407_675,
            disbursed_on: day(2026, 11, 2),
            disbursement_reference: None,
        },
    )
    .await
    .unwrap();
    let schedule: Vec<NewInstalment> =
        [(1, day(2026, 11, 25)), (2, day(2026, 12, 24)), (3, day(2027, 1, 25))]
            .into_iter()
            .map(|(sequence, due_date)| NewInstalment {
                sequence,
                due_date,
                principal_cents: 100_000,
                interest_cents: 15_000,
                fee_cents: 6_000,
                vat_cents: 900,
            })
            .collect();
    let instalments = loans::add_instalments(conn, loan_id, &schedule).await.unwrap();
    for (kind, cents) in [
        (PostingKind::Principal, 300_000),
        (PostingKind::InitiationFee, 36_500),
        (PostingKind::Vat, 5_475),
    ] {
        ledger::post(
            conn,
            &NewPosting {
                loan_id,
                kind,
                amount: pocket_domain::Money::from_cents(cents),
                effective_date: day(2026, 11, 2),
                instalment_id: None,
                presentment_id: None,
                reference: "disbursement".into(),
            },
        )
        .await
        .unwrap();
    }
    let mandate_id = mandates::create(
        conn,
        &NewMandate {
            application_id,
            loan_id: Some(loan_id),
            contract_reference: format!("PL{n:08}"),
            frequency: "monthly".into(),
            collection_day: 25,
            instalment_cents: 121_900,
            first_collection_cents: 121_900,
            first_collection_date: day(2026, 11, 25),
            max_collection_cents: 182_850,
            date_adjustment_allowed: true,
            tracking_days: 3,
            authentication_type: AuthenticationType::Tt1,
            branch_code: "470010".into(),
            account_number: "1234567890".into(),
            account_type: 1,
            account_holder: "T Nkosi".into(),
        },
    )
    .await
    .unwrap();
    mandates::set_status(conn, mandate_id, mandates::MandateStatus::Authenticated, now)
        .await
        .unwrap();
    LoanFixture { applicant_id, application_id, officer_id, loan_id, mandate_id, instalments }
}

pub fn details() -> ApplicationDetails {
    ApplicationDetails {
        requested_amount_cents: 300_000,
        requested_term_days: 90,
        employer_name: Some("Shoprite".into()),
        employment_type: Some(EmploymentType::Permanent),
        pay_frequency: Some(PayFrequency::Monthly),
        payday: Some("monthly:25".into()),
        gross_income_cents: Some(1_500_000),
        net_income_cents: Some(1_200_000),
        declared_expenses_cents: Some(400_000),
        declared_debt_cents: Some(100_000),
        bank_branch_code: Some("470010".into()),
        bank_account_number: Some("1234567890".into()),
        bank_account_type: Some(1),
        bank_account_holder: Some("T Nkosi".into()),
    }
}

/// A new pending presentment of one instalment.
pub async fn present(
    conn: &mut PgConnection,
    f: &LoanFixture,
    instalment: usize,
    attempt: i32,
) -> Result<Uuid, pocket_store::StoreError> {
    collections::create_presentment(
        conn,
        &NewPresentment {
            instalment_id: f.instalments[instalment],
            loan_id: f.loan_id,
            mandate_id: f.mandate_id,
            attempt,
            amount_cents: 121_900,
            action_date: day(2026, 11, 25),
            account_reference: collections::account_reference_for(Uuid::new_v4()),
        },
    )
    .await
}

/// Runs one SQL statement as `role` inside a transaction that is rolled back.
pub async fn as_role(pool: &PgPool, role: &str, sql: &str) -> Result<(), pocket_store::StoreError> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(&format!("set local role {role}")).execute(&mut *tx).await.unwrap();
    let result = sqlx::raw_sql(sql).execute(&mut *tx).await.map(|_| ()).map_err(Into::into);
    tx.rollback().await.unwrap();
    result
}

/// Whether a result is a permission failure.
pub fn forbidden<T: std::fmt::Debug>(result: Result<T, pocket_store::StoreError>) -> bool {
    matches!(result, Err(pocket_store::StoreError::Forbidden { .. }))
}

/// Drops login roles that a test created (roles outlive the test's database).
pub async fn drop_logins(pool: &PgPool, logins: &[&str]) {
    for login in logins {
        sqlx::query(&format!("drop role if exists {login}")).execute(pool).await.unwrap();
    }
}

/// The server the tests run on (from `DATABASE_URL`), as settings for connecting other logins.
pub fn server_settings() -> pocket_store::DbSettings {
    use std::str::FromStr as _;
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for the store tests");
    let options = sqlx::postgres::PgConnectOptions::from_str(&url).expect("DATABASE_URL parses");
    let mut settings = pocket_store::DbSettings::local(
        options.get_username(),
        options.get_database().unwrap_or("postgres"),
    );
    settings.host = options.get_host().to_owned();
    settings.port = options.get_port();
    settings
}
