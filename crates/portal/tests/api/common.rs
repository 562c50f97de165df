//! The public server started in the test on 127.0.0.1, partners and keys made through the
//! `pocket partner` commands, and a valid application body.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::Extension;
use pocket_portal::settings::PortalSecret;
use pocket_portal::web::errors::BeaconLimiter;
use pocket_portal::web::{Limits, Portal};
use pocket_providers::clickatell::{ApiKey, ClickatellClient, ClickatellConfig};
use pocket_workflows::documents::DocumentStore;

use pocket_portal::api::admin;
use pocket_portal::ops::HttpPolicy;
use pocket_portal::server::{AppState, router_with};
use pocket_workflows::worker::SystemClock;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;

/// A running public server.
pub struct Server {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    /// Where the server's document store keeps files.
    pub documents: std::path::PathBuf,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str, key: &str) -> reqwest::Response {
        self.http.get(self.url(path)).bearer_auth(key).send().await.expect("the server answers")
    }

    pub async fn post_json(&self, path: &str, key: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }
}

/// The application state over the test's database.
pub fn state(pool: &PgPool) -> AppState {
    AppState { db: pool.clone(), clock: Arc::new(SystemClock) }
}

/// The default policy with a short decision wait (no worker runs unless the test starts one).
pub fn policy() -> HttpPolicy {
    HttpPolicy { decision_wait: std::time::Duration::from_millis(200), ..HttpPolicy::default() }
}

/// The portal's shared context as `pocket serve` installs it; the partner API stores uploads
/// through its document store (a fresh folder per server). SMS are never sent here: the client
/// is aimed at a closed port.
pub fn portal(documents: &std::path::Path) -> Portal {
    let sms = ClickatellClient::new(ClickatellConfig::new("http://127.0.0.1:9", ApiKey::new("x")))
        .expect("an SMS client");
    Portal {
        secret: PortalSecret::new("a-test-secret-of-enough-length-0123456789"),
        development: false,
        public_url: "http://localhost".to_owned(),
        sms,
        documents: DocumentStore::from_location(&documents.to_string_lossy())
            .expect("a document folder"),
        limits: Limits::default(),
        beacon: BeaconLimiter::default(),
        beacon_reports: AtomicU64::new(0),
    }
}

/// A scratch folder for one server's documents.
pub fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pocket-api-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

pub async fn start(pool: &PgPool, policy: HttpPolicy) -> Server {
    start_on(pool, policy).await
}

/// A pool over the test's database whose connections act as `pocket_portal`, the role
/// `pocket serve` logs in with in production (DESIGN.md decision 1).
pub async fn portal_role_pool(pool: &PgPool) -> PgPool {
    let options = (*pool.connect_options()).clone();
    PgPoolOptions::new()
        .max_connections(8)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::query("set role pocket_portal").execute(conn).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .expect("a pool acting as pocket_portal")
}

/// The server over `pool` (which may act as another role than the test's).
pub async fn start_on(pool: &PgPool, policy: HttpPolicy) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("address");
    let documents = scratch();
    let app = router_with(state(pool), &policy).layer(Extension(Arc::new(portal(&documents))));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::builder().build().expect("client");
    Server { addr, http, documents }
}

/// A partner with one live key (made as an administrator would); returns the key.
pub async fn partner(pool: &PgPool, name: &str) -> String {
    admin::execute(pool, &["create".to_owned(), name.to_owned()]).await.expect("partner created");
    add_key(pool, name).await
}

pub async fn add_key(pool: &PgPool, name: &str) -> String {
    let out =
        admin::execute(pool, &["add-key".to_owned(), name.to_owned()]).await.expect("key added");
    out.lines().last().expect("the key is printed").trim().to_owned()
}

/// A complete application that the policy can decide.
pub fn application(id_number: &str, mobile: &str) -> Value {
    json!({
        "applicant": {
            "id_number": id_number,
            "first_names": "Thabo",
            "surname": "Nkosi",
            "mobile": mobile,
            "email": "thabo@example.co.za"
        },
        "loan": { "amount_cents": 200000, "term_days": 60 },
        "employment": {
            "employer_name": "Shoprite",
            "employment_type": "permanent",
            "pay_frequency": "monthly",
            "payday": "last_working_day",
            "gross_income_cents": 2500000,
            "net_income_cents": 1900000
        },
        "expenses": { "declared_expenses_cents": 600000, "declared_debt_cents": 300000 },
        "bank": {
            "branch_code": "250655",
            "account_number": "62123456789",
            "account_type": 1,
            "account_holder": "T Nkosi"
        },
        "consents": [
            { "purpose": "bureau_enquiry", "text_version": "bureau-v3" },
            { "purpose": "processing", "text_version": "processing-v2" }
        ]
    })
}

/// The body of a problem answer, checking its media type and status member.
pub async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("a JSON problem");
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().is_some_and(|t| t.starts_with("https://")), "{body}");
    assert!(body["title"].is_string(), "{body}");
    body
}

/// The fields named in a problem's `errors`.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors.iter().filter_map(|e| e["field"].as_str().map(str::to_owned)).collect()
        })
        .unwrap_or_default()
}
