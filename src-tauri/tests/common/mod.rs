//! Helpers shared by the desktop's tests: a demo data set in the test's fresh database, the demo
//! officers' logins, applications put in a known state, and the connection settings for it.

#![allow(dead_code)]

pub mod driver;
pub mod files;

use chrono::Utc;
use pocket_desktop::config::DesktopConfig;
use pocket_store::demo::{self, DemoOptions};
use sqlx::PgPool;

pub const PASSWORD: &str = pocket_store::demo::DEMO_PASSWORD;

/// Seeds the demo data set (officers in every group, applications in every status). Logins left
/// behind by an earlier failed run of the same test (same database name, so same login tag) are
/// dropped first: roles outlive databases.
pub async fn seed(pool: &PgPool, applicants: usize) {
    let leftovers: Vec<String> = sqlx::query_scalar(
        "select rolname::text from pg_roles where rolname like
           'demo\\_' || substr(encode(sha256(current_database()::bytea), 'hex'), 1, 6) || '\\_%'",
    )
    .fetch_all(pool)
    .await
    .expect("listing leftover demo logins");
    for login in leftovers {
        sqlx::query(&format!("drop role if exists \"{login}\""))
            .execute(pool)
            .await
            .expect("dropping a leftover demo login");
    }
    let today = Utc::now().date_naive();
    demo::seed(pool, DemoOptions { applicants, seed: 2026, today }).await.expect("demo seed");
}

/// The login of the demo officer with this first name (`demo_<tag>_<name>`).
pub async fn login(pool: &PgPool, name: &str) -> String {
    sqlx::query_scalar::<_, String>("select login_name from officer where login_name like $1")
        .bind(format!("demo\\_%\\_{name}"))
        .fetch_one(pool)
        .await
        .expect("a demo officer by that name")
}

/// Puts an application in the `referred` status with the given amount (test arrangement, as the
/// superuser): returns its id and reference.
pub async fn referred_application(pool: &PgPool, amount_cents: i64, skip: i64) -> (String, String) {
    let (id, reference): (uuid::Uuid, String) = sqlx::query_as(
        "select application_id, reference from application
         where status in ('referred', 'pre_approved', 'documents_requested')
         order by reference offset $1 limit 1",
    )
    .bind(skip)
    .fetch_one(pool)
    .await
    .expect("a decidable application in the demo data");
    sqlx::query(
        "update application set status = 'referred', requested_amount_cents = $2
         where application_id = $1",
    )
    .bind(id)
    .bind(amount_cents)
    .execute(pool)
    .await
    .expect("arranging the application");
    (id.to_string(), reference)
}

/// Connection settings for the test's database (loopback, development: no TLS).
pub fn config(pool: &PgPool) -> DesktopConfig {
    let options = pool.connect_options();
    DesktopConfig {
        host: options.get_host().to_owned(),
        port: options.get_port(),
        database: options.get_database().expect("the test pool names its database").to_owned(),
        ssl_mode: "disable".to_owned(),
        ssl_root_cert: None,
        environment: "development".to_owned(),
        idle_lock_minutes: 15,
        sentry_dsn: None,
        documents: None,
    }
}

/// Drops the demo logins (roles outlive the test's database).
pub async fn drop_logins(pool: &PgPool) {
    demo::drop_demo_logins(pool).await.expect("dropping the demo logins");
}

/// The same settings as the JSON file IT deploys.
pub fn config_json(pool: &PgPool) -> serde_json::Value {
    let c = config(pool);
    serde_json::json!({
        "host": c.host, "port": c.port, "database": c.database, "ssl_mode": c.ssl_mode,
        "environment": c.environment, "idle_lock_minutes": c.idle_lock_minutes,
    })
}
