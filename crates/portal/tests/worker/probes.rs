//! What Kubernetes and Clickatell see of the worker: probes, the webhook's guard, and a clean
//! stop on the shutdown signal.

use sqlx::PgPool;

use crate::common::{SECRET, eventually, spawn_app};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_probes_answer_and_the_worker_stops_cleanly_when_told(pool: PgPool) {
    let app = spawn_app(&pool).await;
    let http = reqwest::Client::new();
    let live = http.get(app.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    eventually("the worker is ready", || async {
        let ready = http.get(app.url("/health/ready")).send().await;
        ready.is_ok_and(|r| r.status() == 200)
    })
    .await;
    let addr = app.addr;
    app.stop().await.expect("a clean stop");
    assert!(
        reqwest::get(format!("http://{addr}/health/live")).await.is_err(),
        "nothing listens after the stop"
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_webhook_refuses_a_wrong_secret_and_an_unreadable_body(pool: PgPool) {
    let app = spawn_app(&pool).await;
    let http = reqwest::Client::new();
    let post = |path: String, body: &'static str| {
        let http = http.clone();
        async move { http.post(path).body(body).send().await.unwrap().status().as_u16() }
    };
    let report = r#"{"integrationId":"1","integrationName":"t","event":{"messageStatusUpdate":[
        {"channel":"sms","timestamp":1767225600000,"statusCode":4,"status":"DELIVERED_TO_GATEWAY",
         "messageId":"not-ours","clientMessageId":null}]}}"#;
    assert_eq!(post(app.url("/webhooks/clickatell/wrong"), report).await, 404);
    assert_eq!(post(app.url(&format!("/webhooks/clickatell/{SECRET}")), "{not json").await, 400);
    assert_eq!(post(app.url(&format!("/webhooks/clickatell/{SECRET}")), report).await, 200);
    app.stop().await.unwrap();
}
