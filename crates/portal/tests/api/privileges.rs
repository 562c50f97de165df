//! The partner API and the operations endpoints work with nothing but the privileges of
//! `pocket_portal`, the role of the public server (migration 20261125000010 grants what they
//! need: the audit, the idempotency keys, the queue's kinds, the applied migrations).

use pocket_sandbox::xds::GOOD_PAYER_ID;
use serde_json::Value;
use sqlx::PgPool;

use crate::common::{application, partner, policy, portal_role_pool, start_on};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn everything_runs_as_the_portal_role(pool: PgPool) {
    let portal = portal_role_pool(&pool).await;
    let acting: String =
        sqlx::query_scalar("select current_role::text").fetch_one(&portal).await.unwrap();
    assert_eq!(acting, "pocket_portal");
    let server = start_on(&portal, policy()).await;
    let key = partner(&pool, "Leads Inc").await;

    let quote = server.get("/api/v1/quote?amount_cents=100000&term_days=30&first_loan=true", &key);
    assert_eq!(quote.await.status(), 200);
    let submit = server
        .http
        .post(server.url("/api/v1/applications"))
        .bearer_auth(&key)
        .header("Idempotency-Key", "portal-role-1")
        .json(&application(GOOD_PAYER_ID, "0831234567"));
    let response = submit.try_clone().unwrap().send().await.unwrap();
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let replay = submit.send().await.unwrap();
    assert_eq!(replay.status(), 201);
    let created: Value = replay.json().await.unwrap();
    let reference = created["reference"].as_str().unwrap();
    let status = server.get(&format!("/api/v1/applications/{reference}"), &key).await;
    assert_eq!(status.status(), 200);
    let upload = server
        .http
        .post(server.url(&format!("/api/v1/applications/{reference}/documents?kind=id_copy")))
        .bearer_auth(&key)
        .body(b"%PDF-1.4\n% an ID copy\n%%EOF\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201, "{:?}", upload.text().await);

    for path in ["/readyz", "/metrics"] {
        let r = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        if path == "/metrics" {
            let text = r.text().await.unwrap();
            assert!(
                text.contains("pocket_jobs{kind=\"bureau.enquire\",state=\"queued\"} 1"),
                "{text}"
            );
        }
    }
    let audited: i64 =
        sqlx::query_scalar("select count(*) from partner_api_call").fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 5, "every API call is audited (not the probes)");
    let used: bool = sqlx::query_scalar("select last_used_at is not null from partner_api_key")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(used);
    let _ = std::fs::remove_dir_all(&server.documents);
}
