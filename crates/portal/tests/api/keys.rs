//! Partner keys: made and revoked by `pocket partner`, stored only as a prefix and a hash; a
//! missing, malformed, unknown or revoked key is 401; each key has a rate limit (429 with
//! Retry-After); every call is audited without personal data.

use pocket_portal::api::admin;
use pocket_portal::ops::HttpPolicy;
use pocket_store::api_audit;
use sqlx::PgPool;

use crate::common::{add_key, partner, policy, problem, start};

const QUOTE: &str = "/api/v1/quote?amount_cents=100000&term_days=30&first_loan=true";

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn keys_are_stored_hashed_and_a_revoked_key_is_refused(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let (prefix, _) = key.split_once('.').expect("prefix.secret");
    let stored: (String, String) =
        sqlx::query_as("select key_prefix, key_hash from partner_api_key")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored.0, prefix);
    assert_ne!(stored.1, key, "the key itself is never stored");
    assert!(!stored.1.contains(&key[prefix.len() + 1..]));

    assert_eq!(server.get(QUOTE, &key).await.status(), 200);
    let out = admin::execute(&pool, &["revoke-key".into(), prefix.into()]).await.unwrap();
    assert!(out.contains("revoked"), "{out}");
    let p = problem(server.get(QUOTE, &key).await, 401).await;
    assert!(p["detail"].as_str().is_some(), "{p}");
    // Revoking again, or an unknown prefix, is an error of the command.
    assert!(admin::execute(&pool, &["revoke-key".into(), prefix.into()]).await.is_err());

    // A second key of the same partner still works.
    let other = add_key(&pool, "Leads Inc").await;
    assert_eq!(server.get(QUOTE, &other).await.status(), 200);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn missing_malformed_and_unknown_keys_are_401(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let (prefix, secret) = key.split_once('.').unwrap();

    let none = server.http.get(server.url(QUOTE)).send().await.unwrap();
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    problem(none, 401).await;
    let basic = server.http.get(server.url(QUOTE)).basic_auth("a", Some("b")).send().await.unwrap();
    problem(basic, 401).await;
    for bad in [
        "nonsense".to_owned(),
        format!("{prefix}.{}", "x".repeat(secret.len())),
        format!("{}.{secret}", "Z".repeat(prefix.len())),
        format!("{prefix}.{secret}x"),
        format!("{prefix}' or '1'='1.{secret}"),
    ] {
        problem(server.get(QUOTE, &bad).await, 401).await;
    }
    assert_eq!(server.get(QUOTE, &key).await.status(), 200);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn too_many_requests_is_429_with_retry_after_per_key(pool: PgPool) {
    let server = start(&pool, HttpPolicy { partner_requests_per_minute: 3, ..policy() }).await;
    let key = partner(&pool, "Leads Inc").await;
    let other = add_key(&pool, "Leads Inc").await;
    for _ in 0..3 {
        assert_eq!(server.get(QUOTE, &key).await.status(), 200);
    }
    let limited = server.get(QUOTE, &key).await;
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    problem(limited, 429).await;
    assert_eq!(server.get(QUOTE, &other).await.status(), 200, "each key has its own limit");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn every_call_is_audited_without_personal_data(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let (prefix, _) = key.split_once('.').unwrap();
    assert_eq!(server.get(QUOTE, &key).await.status(), 200);
    assert_eq!(server.get("/api/v1/applications/PL-0000001", &key).await.status(), 404);
    assert_eq!(server.get(QUOTE, "unknown").await.status(), 401);

    let mut conn = pool.acquire().await.unwrap();
    let calls = api_audit::calls(&mut conn).await.unwrap();
    let partner_id: uuid::Uuid =
        sqlx::query_scalar("select partner_id from partner").fetch_one(&pool).await.unwrap();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[0].route, "/api/v1/quote", "the template, no query string");
    assert_eq!(calls[0].status, 200);
    assert_eq!(calls[0].partner_id, Some(partner_id));
    assert_eq!(calls[0].key_prefix.as_deref(), Some(prefix));
    assert_eq!(calls[1].route, "/api/v1/applications/{reference}", "never the raw path");
    assert_eq!(calls[1].status, 404);
    assert_eq!(calls[2].partner_id, None);
    assert_eq!(calls[2].status, 401);
    let text: String =
        sqlx::query_scalar("select string_agg(t::text, ' ') from partner_api_call t")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!text.contains("amount_cents") && !text.contains("PL-0000001"), "{text}");
    // Nobody edits the audit.
    assert!(sqlx::query("delete from partner_api_call").execute(&pool).await.is_err());
}
