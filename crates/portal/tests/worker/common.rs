//! A worker process started in the test, aimed at the simulators by URL, on a fresh database.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use pocket_domain::Msisdn;
use pocket_portal::settings::Settings;
use pocket_sandbox::ClickatellSimulator;
use pocket_sandbox::clickatell::ClickatellConfig as SimConfig;
use pocket_sandbox::xds::GOOD_PAYER_ID;
use pocket_sandbox::xds::{self as xds_sim, XdsSimulator};
use pocket_store::applicants::{self, Channel, ConsentPurpose, Profile};
use pocket_store::applications::{
    self, ApplicationDetails, EmploymentType, NewApplication, PayFrequency,
};
use pocket_workflows::decide::submit;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const SECRET: &str = "webhook-secret-for-tests";

/// A running worker with its simulators.
pub struct App {
    pub addr: SocketAddr,
    pub sms: ClickatellSimulator,
    pub bureau: XdsSimulator,
    pub shutdown: CancellationToken,
    pub task: JoinHandle<anyhow::Result<()>>,
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the worker as SIGTERM would and waits for it.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.task.await.expect("the worker task does not panic")
    }
}

/// The URL of the test's own database (the pool's), for a server's settings.
pub async fn database_url(pool: &PgPool) -> String {
    let name: String =
        sqlx::query_scalar("select current_database()").fetch_one(pool).await.expect("db name");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for the tests");
    PgConnectOptions::from_str(&base).expect("DATABASE_URL parses");
    let (head, tail) = base.rsplit_once('/').expect("DATABASE_URL names a database");
    let query = tail.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    format!("{head}/{name}{query}")
}

/// The worker's environment: the test's database and the simulators, the webhook at `addr`.
pub async fn worker_env(
    pool: &PgPool,
    sms: &ClickatellSimulator,
    bureau: &XdsSimulator,
    addr: SocketAddr,
) -> Vec<(&'static str, String)> {
    sms.set_callback_url(Some(format!("http://{addr}/webhooks/clickatell/{SECRET}")));
    vec![
        ("DATABASE_URL", database_url(pool).await),
        ("POCKET_WORKER_CONCURRENCY", "4".to_string()),
        ("POCKET_HTTP_ADDR", addr.to_string()),
        ("CLICKATELL_URL", sms.url()),
        ("CLICKATELL_API_KEY", sms.api_key()),
        ("CLICKATELL_CALLBACK_SECRET", SECRET.to_string()),
        // No email is sent in these tests; the SES client is aimed at a closed port so that an
        // attempt would fail loudly instead of reaching anything real.
        ("SES_ENDPOINT_URL", "http://127.0.0.1:9".to_string()),
        ("SES_ACCESS_KEY_ID", "test".to_string()),
        ("SES_SECRET_ACCESS_KEY", "test".to_string()),
        ("EMAIL_FROM", "loans@pocketloans.example.co.za".to_string()),
        ("XDS_URL", bureau.url()),
        ("XDS_USER", xds_sim::DEFAULT_USER.to_string()),
        ("XDS_PASSWORD", xds_sim::DEFAULT_PASSWORD.to_string()),
        ("XDS_PRODUCT_ID", "15".to_string()),
    ]
}

/// Both simulators, started fresh.
pub async fn simulators() -> (ClickatellSimulator, XdsSimulator) {
    let sms = ClickatellSimulator::start(SimConfig::default()).await.expect("simulator starts");
    let today = chrono::Utc::now().date_naive();
    let bureau =
        XdsSimulator::start(xds_sim::XdsConfig::new(today)).await.expect("simulator starts");
    (sms, bureau)
}

pub async fn spawn_app(pool: &PgPool) -> App {
    let (sms, bureau) = simulators().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("address");
    let env = worker_env(pool, &sms, &bureau, addr).await;
    let settings =
        Settings::from_lookup(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()))
            .expect("settings");
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(pocket_portal::worker::serve(settings, listener, shutdown.clone()));
    App { addr, sms, bureau, shutdown, task }
}

/// A complete application from a good payer with consent to the bureau enquiry, submitted.
pub async fn submitted_application(pool: &PgPool) -> Uuid {
    let mut conn = pool.acquire().await.expect("connection");
    let msisdn = Msisdn::parse("0831234567").expect("a valid mobile number");
    let profile = Profile {
        id_number: Some(GOOD_PAYER_ID.to_owned()),
        first_names: Some("Thabo".to_owned()),
        ..Profile::default()
    };
    let applicant_id = applicants::create(&mut conn, &msisdn, &profile).await.expect("applicant");
    applicants::record_consent(
        &mut conn,
        applicant_id,
        ConsentPurpose::BureauEnquiry,
        "bureau-v3",
        Channel::Portal,
    )
    .await
    .expect("consent");
    let product_id = applications::product_id(&mut conn, "short_term").await.expect("product");
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
    .expect("application");
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
    .expect("details");
    submit(&mut conn, created.application_id, chrono::Utc::now()).await.expect("submitted");
    created.application_id
}

pub async fn application_status(pool: &PgPool, application_id: Uuid) -> String {
    sqlx::query_scalar("select status from application where application_id = $1")
        .bind(application_id)
        .fetch_one(pool)
        .await
        .expect("application")
}

/// An applicant with a mobile number and no email address.
pub async fn applicant(pool: &PgPool, mobile: &str) -> (Uuid, Msisdn) {
    let msisdn = Msisdn::parse(mobile).expect("a valid mobile number");
    let mut conn = pool.acquire().await.expect("connection");
    let profile = Profile { first_names: Some("Thandi".into()), ..Profile::default() };
    let id = applicants::create(&mut conn, &msisdn, &profile).await.expect("applicant");
    (id, msisdn)
}

/// Waits (up to 20 s, checking every 50 ms) until `check` holds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

pub async fn notification_status(pool: &PgPool, id: Uuid) -> String {
    sqlx::query_scalar("select status from notification where notification_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("notification")
}
