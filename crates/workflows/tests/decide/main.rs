//! The decision use case end to end: `submit` records the enquiry only on a consent, and the
//! `bureau.enquire` handler asks the XDS simulator over real HTTP, decides with the parameters in
//! force, and records the result, the decision, the status and the applicant's message once.

use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};
use pocket_domain::Msisdn;
use pocket_providers::xds::{Password, XdsClient, XdsConfig};
use pocket_sandbox::xds::{
    self as sim, Fault, GOOD_PAYER_ID, JUDGMENTS_ID, NO_MATCH_ID, OVER_INDEBTED_ID, XdsSimulator,
};
use pocket_store::applicants::{self, Channel, ConsentPurpose, Profile};
use pocket_store::applications::{
    self, ApplicationDetails, ApplicationStatus, EmploymentType, NewApplication, PayFrequency,
};
use pocket_store::bureau::{self, EnquiryStatus};
use pocket_store::decisions::{self, Outcome};
use pocket_store::jobs::{self, JobStatus};
use pocket_store::notifications::{self, NotificationChannel};
use pocket_workflows::decide::{
    BureauEnquiryHandler, Decided, ENQUIRE_JOB, SubmitError, Submitted, submit,
};
use pocket_workflows::worker::{Handlers, JobError, TestClock, Worker, WorkerConfig};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// 10:00 in Johannesburg on the application day.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).single().expect("BUG: a valid instant")
}

async fn bureau() -> (XdsSimulator, BureauEnquiryHandler<XdsClient>) {
    let simulator =
        XdsSimulator::start(sim::XdsConfig::new(now().date_naive())).await.expect("starts");
    let mut config = XdsConfig::new(
        simulator.url(),
        sim::DEFAULT_USER,
        Password::new(sim::DEFAULT_PASSWORD),
        "15",
    );
    config.timeout = StdDuration::from_secs(10);
    let client = XdsClient::new(config).expect("client");
    (simulator, BureauEnquiryHandler { bureau: client })
}

struct Draft {
    applicant_id: Uuid,
    application_id: Uuid,
}

/// A complete draft of R2 000 over 45 days for the person with `id_number`, earning R25 000
/// gross, with an email address, and with a bureau consent when `consent` says so.
async fn draft(pool: &PgPool, id_number: &str, mobile: &str, consent: bool) -> Draft {
    let mut conn = pool.acquire().await.unwrap();
    let msisdn = Msisdn::parse(mobile).unwrap();
    let profile = Profile {
        id_number: Some(id_number.to_owned()),
        first_names: Some("Thandi".to_owned()),
        surname: Some("Dlamini".to_owned()),
        email: Some(format!("applicant{mobile}@example.co.za")),
        ..Profile::default()
    };
    let applicant_id = applicants::create(&mut conn, &msisdn, &profile).await.unwrap();
    if consent {
        applicants::record_consent(
            &mut conn,
            applicant_id,
            ConsentPurpose::BureauEnquiry,
            "bureau-v3",
            Channel::Portal,
        )
        .await
        .unwrap();
    }
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
            requested_term_days: 45,
        },
    )
    .await
    .unwrap();
    applications::update_details(
        &mut conn,
        created.application_id,
        &ApplicationDetails {
            requested_amount_cents: 200_000,
            requested_term_days: 45,
            employer_name: Some("Shoprite".to_owned()),
            employment_type: Some(EmploymentType::Permanent),
            pay_frequency: Some(PayFrequency::Monthly),
            payday: Some("monthly:25".to_owned()),
            gross_income_cents: Some(2_500_000),
            net_income_cents: Some(1_900_000),
            declared_expenses_cents: Some(600_000),
            declared_debt_cents: Some(300_000),
            bank_branch_code: Some("250655".to_owned()),
            bank_account_number: Some("62123456789".to_owned()),
            bank_account_type: Some(1),
            bank_account_holder: Some("T Dlamini".to_owned()),
        },
    )
    .await
    .unwrap();
    Draft { applicant_id, application_id: created.application_id }
}

async fn submitted(pool: &PgPool, id_number: &str, mobile: &str) -> (Draft, Submitted) {
    let d = draft(pool, id_number, mobile, true).await;
    let mut conn = pool.acquire().await.unwrap();
    let s = submit(&mut conn, d.application_id, now()).await.expect("submitted");
    (d, s)
}

async fn status(pool: &PgPool, application_id: Uuid) -> ApplicationStatus {
    let mut conn = pool.acquire().await.unwrap();
    applications::get(&mut conn, application_id).await.unwrap().status
}

async fn decisions_of(pool: &PgPool, application_id: Uuid) -> Vec<decisions::Decision> {
    let mut conn = pool.acquire().await.unwrap();
    decisions::for_application(&mut conn, application_id).await.unwrap()
}

async fn messages(pool: &PgPool, applicant_id: Uuid) -> Vec<notifications::Notification> {
    let mut conn = pool.acquire().await.unwrap();
    notifications::for_applicant(&mut conn, applicant_id).await.unwrap()
}

async fn count(pool: &PgPool, sql: &str, application_id: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(application_id).fetch_one(pool).await.unwrap()
}

async fn run(
    pool: &PgPool,
    handler: &BureauEnquiryHandler<XdsClient>,
    s: &Submitted,
) -> Result<Decided, JobError> {
    let mut conn = pool.acquire().await.unwrap();
    handler.enquire(&mut conn, s.bureau_enquiry_id, now()).await
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_good_payer_is_pre_approved_with_an_offer_and_told_so_by_sms(pool: PgPool) {
    let (_sim, handler) = bureau().await;
    let (d, s) = submitted(&pool, GOOD_PAYER_ID, "0821234567").await;

    let decided = run(&pool, &handler, &s).await.expect("decided");

    assert_eq!(decided, Decided::Now(ApplicationStatus::PreApproved));
    assert_eq!(status(&pool, d.application_id).await, ApplicationStatus::PreApproved);
    let decisions = decisions_of(&pool, d.application_id).await;
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].outcome, Outcome::Approve);
    assert_eq!(decisions[0].approved_amount_cents, Some(200_000));
    assert_eq!(
        count(&pool, "select count(*) from quote where application_id = $1", d.application_id)
            .await,
        1
    );
    let sms = messages(&pool, d.applicant_id).await;
    assert!(sms.iter().any(|n| n.template_code == "pre_approved"), "{sms:?}");
    let mut conn = pool.acquire().await.unwrap();
    let enquiry = bureau::latest(&mut conn, d.application_id).await.unwrap().unwrap();
    assert_eq!(enquiry.status, EnquiryStatus::Completed);
    assert_eq!(enquiry.result.unwrap().score, Some(712));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_over_indebted_applicant_is_declined_for_affordability_and_told_the_reasons(
    pool: PgPool,
) {
    let (_sim, handler) = bureau().await;
    let (d, s) = submitted(&pool, OVER_INDEBTED_ID, "0821234568").await;

    let decided = run(&pool, &handler, &s).await.expect("decided");

    assert_eq!(decided, Decided::Now(ApplicationStatus::Declined));
    let decisions = decisions_of(&pool, d.application_id).await;
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].outcome, Outcome::Decline);
    assert!(decisions[0].reason_codes.contains(&"not_affordable".to_owned()), "{decisions:?}");
    let unaffordable: i64 = count(
        &pool,
        "select count(*) from affordability_assessment where application_id = $1 and not affordable",
        d.application_id,
    )
    .await;
    assert_eq!(unaffordable, 1, "the Reg 23A worksheet is kept as evidence");
    // POPIA s71: the SMS points to the reasons and a review; the email states them.
    let sent = messages(&pool, d.applicant_id).await;
    let declined: Vec<_> = sent.iter().filter(|n| n.template_code == "declined").collect();
    assert_eq!(declined.len(), 2, "an SMS and an email: {sent:?}");
    let email = declined.iter().find(|n| n.channel == NotificationChannel::Email).unwrap();
    assert!(email.body.contains("a month is affordable"), "{}", email.body);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_id_number_the_bureau_does_not_know_is_referred_to_a_person(pool: PgPool) {
    let (_sim, handler) = bureau().await;
    let (d, s) = submitted(&pool, NO_MATCH_ID, "0821234569").await;

    assert_eq!(run(&pool, &handler, &s).await, Ok(Decided::Now(ApplicationStatus::Referred)));
    let decisions = decisions_of(&pool, d.application_id).await;
    assert_eq!(decisions[0].outcome, Outcome::Refer);
    assert_eq!(decisions[0].reason_codes, vec!["bureau_no_match".to_owned()]);
    assert!(messages(&pool, d.applicant_id).await.iter().any(|n| n.template_code == "decision"));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn judgments_and_a_low_score_decline_with_both_reason_codes(pool: PgPool) {
    let (_sim, handler) = bureau().await;
    let (d, s) = submitted(&pool, JUDGMENTS_ID, "0821234570").await;

    assert_eq!(run(&pool, &handler, &s).await, Ok(Decided::Now(ApplicationStatus::Declined)));
    let codes = decisions_of(&pool, d.application_id).await.remove(0).reason_codes;
    assert!(codes.contains(&"too_many_judgments".to_owned()), "{codes:?}");
    assert!(codes.contains(&"score_below_minimum".to_owned()), "{codes:?}");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn without_a_bureau_consent_submit_is_refused_and_no_enquiry_is_recorded(pool: PgPool) {
    let d = draft(&pool, GOOD_PAYER_ID, "0821234571", false).await;
    let mut conn = pool.acquire().await.unwrap();

    let refused = submit(&mut conn, d.application_id, now()).await;

    assert!(matches!(refused, Err(SubmitError::NoBureauConsent)), "{refused:?}");
    assert_eq!(status(&pool, d.application_id).await, ApplicationStatus::Draft);
    let enquiries = count(
        &pool,
        "select count(*) from bureau_enquiry where application_id = $1",
        d.application_id,
    )
    .await;
    assert_eq!(enquiries, 0);
    let jobs: i64 = sqlx::query_scalar("select count(*) from job where kind = 'bureau.enquire'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(jobs, 0);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_dropped_connection_is_retryable_and_the_later_success_is_recorded_once(pool: PgPool) {
    let (simulator, handler) = bureau().await;
    let (d, s) = submitted(&pool, GOOD_PAYER_ID, "0821234572").await;
    simulator.inject("ConnectGetResult", Fault::DropConnection);

    let failed = run(&pool, &handler, &s).await;

    assert!(matches!(failed, Err(JobError::Retryable(_))), "{failed:?}");
    assert_eq!(status(&pool, d.application_id).await, ApplicationStatus::Submitted);
    assert!(decisions_of(&pool, d.application_id).await.is_empty());

    simulator.clear_faults();
    assert_eq!(run(&pool, &handler, &s).await, Ok(Decided::Now(ApplicationStatus::PreApproved)));
    assert_eq!(
        run(&pool, &handler, &s).await,
        Ok(Decided::Already(ApplicationStatus::PreApproved))
    );
    let results = count(
        &pool,
        "select count(*) from bureau_result r join bureau_enquiry e using (bureau_enquiry_id)
         where e.application_id = $1",
        d.application_id,
    )
    .await;
    assert_eq!(results, 1);
    assert_eq!(decisions_of(&pool, d.application_id).await.len(), 1);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_refusal_by_the_bureau_fails_the_enquiry_and_refers_the_application(pool: PgPool) {
    let (simulator, handler) = bureau().await;
    let (d, s) = submitted(&pool, GOOD_PAYER_ID, "0821234573").await;
    simulator.inject("ConnectConsumerMatch", Fault::BusinessError("Invalid ID number".into()));

    assert_eq!(run(&pool, &handler, &s).await, Ok(Decided::Now(ApplicationStatus::Referred)));
    let mut conn = pool.acquire().await.unwrap();
    let enquiry = bureau::latest(&mut conn, d.application_id).await.unwrap().unwrap();
    assert_eq!(enquiry.status, EnquiryStatus::Failed);
    let codes = decisions_of(&pool, d.application_id).await.remove(0).reason_codes;
    assert_eq!(codes, vec!["bureau_unavailable".to_owned()]);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_job_run_twice_by_the_worker_records_one_decision(pool: PgPool) {
    let (_sim, handler) = bureau().await;
    let (d, s) = submitted(&pool, GOOD_PAYER_ID, "0821234574").await;
    let clock = TestClock::new(now());
    let config = WorkerConfig {
        worker_id: "decide-test".to_owned(),
        concurrency: 2,
        poll_interval: StdDuration::from_millis(25),
        lease: chrono::Duration::minutes(5),
        heartbeat_interval: StdDuration::from_secs(3600),
        grace_period: StdDuration::from_secs(5),
        jitter: 0.0,
    };
    let worker =
        Worker::new(pool.clone(), config, Handlers::new().register(ENQUIRE_JOB, handler), clock);
    let token = CancellationToken::new();
    let task = tokio::spawn(worker.run(token.clone()));

    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(30);
    loop {
        let mut conn = pool.acquire().await.unwrap();
        if jobs::get(&mut conn, s.job_id).await.unwrap().status == JobStatus::Succeeded {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the job did not succeed in time");
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    token.cancel();
    task.await.expect("the worker stops");
    assert_eq!(status(&pool, d.application_id).await, ApplicationStatus::PreApproved);

    // At-least-once delivery (ARCHITECTURE.md): the same job again changes nothing.
    let (_sim2, again) = bureau().await;
    assert_eq!(run(&pool, &again, &s).await, Ok(Decided::Already(ApplicationStatus::PreApproved)));
    assert_eq!(decisions_of(&pool, d.application_id).await.len(), 1);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_decision_runs_with_nothing_but_the_worker_roles_privileges(pool: PgPool) {
    // DESIGN.md decision 1: the worker runs as a member of pocket_worker, not as the owner.
    let (_sim, handler) = bureau().await;
    let (d, s) = submitted(&pool, GOOD_PAYER_ID, "0821234569").await;
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("set role pocket_worker").execute(&mut *conn).await.unwrap();
    let decided = handler.enquire(&mut conn, s.bureau_enquiry_id, now()).await.expect("decided");
    sqlx::query("reset role").execute(&mut *conn).await.unwrap();
    assert_eq!(decided, Decided::Now(ApplicationStatus::PreApproved));
    assert_eq!(status(&pool, d.application_id).await, ApplicationStatus::PreApproved);
}
