//! Schemathesis (an independent property-based tester) against `/api/v1/openapi.json` on a real
//! server and database: any server error or any answer that the description does not allow fails
//! the test. `cargo xtask test` names the tool in `POCKET_SCHEMATHESIS`; without it the test fails
//! under CI and is skipped (saying so) elsewhere.

use std::time::Duration;

use pocket_portal::ops::HttpPolicy;
use serde_json::Value;
use sqlx::PgPool;

use crate::common::{partner, policy, start};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn schemathesis_finds_no_server_error_and_no_schema_violation(pool: PgPool) {
    let Some(st) = std::env::var_os("POCKET_SCHEMATHESIS") else {
        if std::env::var_os("CI").is_some() {
            panic!("POCKET_SCHEMATHESIS is not set: run the tests through `cargo xtask test`");
        }
        eprintln!(
            "skipped: POCKET_SCHEMATHESIS is not set (`cargo xtask test` installs schemathesis and sets it)"
        );
        return;
    };
    let server =
        start(&pool, HttpPolicy { partner_requests_per_minute: 100_000, ..policy() }).await;
    let key = partner(&pool, "Contract Tests").await;

    // The description itself is served and names every operation.
    let doc: Value = server
        .http
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{doc}");
    for path in ["/api/v1/quote", "/api/v1/applications", "/api/v1/applications/{reference}"] {
        assert!(doc["paths"].get(path).is_some(), "{path} is described");
    }

    let reports = tempdir();
    let mut command = tokio::process::Command::new(&st);
    command
        .arg("run")
        .arg(server.url("/api/v1/openapi.json"))
        .args(["--header", &format!("Authorization: Bearer {key}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance",
        ])
        .args(["--max-examples", "40", "--seed", "20261125", "--workers", "2"])
        .args(["--generation-database", "none", "--no-color"])
        .arg("--report-dir")
        .arg(&reports)
        .current_dir(&reports)
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(600), command.output())
        .await
        .expect("schemathesis finishes within 10 minutes")
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n{stderr}");
    assert!(output.status.success(), "schemathesis found problems:\n{stdout}\n{stderr}");
    // It really exercised the operations.
    let calls: i64 =
        sqlx::query_scalar("select count(*) from partner_api_call").fetch_one(&pool).await.unwrap();
    assert!(calls > 50, "only {calls} calls were made");
    let _ = std::fs::remove_dir_all(&reports);
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pocket-schemathesis-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}
