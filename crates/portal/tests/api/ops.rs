//! The operations endpoints and the middleware: probes, readiness against the migrations,
//! metrics by route template, security headers on every answer, request ids and compression.

use pocket_portal::ops::{CONTENT_SECURITY_POLICY, HttpPolicy};
use sqlx::PgPool;

use crate::common::{partner, policy, start};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn readiness_needs_every_migration(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let live = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "{:?}", ready.text().await);

    let latest: i64 = sqlx::query_scalar("select max(version) from _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("delete from _sqlx_migrations where version = $1")
        .bind(latest)
        .execute(&pool)
        .await
        .unwrap();
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(ready.text().await.unwrap().contains(&latest.to_string()));
    assert_eq!(server.http.get(server.url("/healthz")).send().await.unwrap().status(), 200);

    // A migration whose text changed is not the one this build expects either.
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values ($1, 'changed', true, '\\x00', 0)",
    )
    .bind(latest)
    .execute(&pool)
    .await
    .unwrap();
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn metrics_count_requests_by_route_template(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let quote = server.get("/api/v1/quote?amount_cents=100000&term_days=30&first_loan=true", &key);
    assert_eq!(quote.await.status(), 200);
    assert_eq!(server.get("/api/v1/applications/PL-0000123", &key).await.status(), 404);
    let text = server.http.get(server.url("/metrics")).send().await.unwrap();
    assert!(text.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = text.text().await.unwrap();
    assert!(
        text.contains(
            "pocket_http_requests_total{method=\"GET\",route=\"/api/v1/quote\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains(
        "pocket_http_requests_total{method=\"GET\",route=\"/api/v1/applications/{reference}\",status=\"404\"} 1"
    ));
    assert!(text.contains(
        "pocket_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/quote\"} 1"
    ));
    assert!(!text.contains("PL-0000123") && !text.contains("amount_cents"), "no raw paths");
    assert!(text.contains("# TYPE pocket_jobs gauge"));
    assert!(text.contains("# TYPE pocket_decisions gauge"));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn metrics_are_not_shown_through_the_ingress(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let proxied = server
        .http
        .get(server.url("/metrics"))
        .header("X-Forwarded-For", "196.25.1.1")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 404);
    let proxied =
        server.http.get(server.url("/metrics")).header("Forwarded", "for=196.25.1.1").send();
    assert_eq!(proxied.await.unwrap().status(), 404);
    assert_eq!(server.http.get(server.url("/metrics")).send().await.unwrap().status(), 200);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn every_answer_carries_the_security_headers(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    for path in
        ["/healthz", "/api/v1/openapi.json", "/api/v1/quote", "/no/such/page", "/api/v1/nothing"]
    {
        let response = server.get(path, &key).await;
        let h = response.headers();
        assert_eq!(h["content-security-policy"], CONTENT_SECURITY_POLICY, "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h["strict-transport-security"].to_str().unwrap().contains("max-age="), "{path}");
        assert!(h.get("x-request-id").is_some_and(|v| !v.is_empty()), "{path}");
    }
    // A caller's plain request id is kept; a hostile one is replaced.
    let kept = server.http.get(server.url("/healthz")).header("x-request-id", "abc-123").send();
    assert_eq!(kept.await.unwrap().headers()["x-request-id"], "abc-123");
    let replaced = server
        .http
        .get(server.url("/healthz"))
        .header("x-request-id", "a\"b <script>")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "a\"b <script>");

    // Development (plain HTTP) has no HSTS.
    let dev = start(&pool, HttpPolicy { development: true, ..policy() }).await;
    let response = dev.http.get(dev.url("/healthz")).send().await.unwrap();
    assert!(response.headers().get("strict-transport-security").is_none());
    assert!(response.headers().get("content-security-policy").is_some());
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn answers_are_compressed_when_the_client_accepts_it(pool: PgPool) {
    let server = start(&pool, policy()).await;
    for encoding in ["gzip", "br"] {
        let response = server
            .http
            .get(server.url("/api/v1/openapi.json"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
        let compressed = response.bytes().await.unwrap().len();
        let plain = server.http.get(server.url("/api/v1/openapi.json")).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.bytes().await.unwrap().len();
        assert!(compressed < plain / 2, "{encoding}: {compressed} of {plain} bytes");
    }
}
