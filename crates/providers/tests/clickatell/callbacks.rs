//! Status callbacks from the simulator to a webhook that checks the secret and parses the body
//! as the portal's endpoint will (clickatell.md, "Status callback").

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use pocket_providers::clickatell::{
    CallbackSecret, DeliveryStatus, SmsSender, StatusUpdate, parse_status_callback,
};
use pocket_sandbox::clickatell::DEFAULT_FAILING_NUMBER;

use crate::{sms, spawn};

#[derive(Clone)]
struct Webhook {
    secret: CallbackSecret,
    updates: Arc<Mutex<Vec<StatusUpdate>>>,
}

#[derive(serde::Deserialize)]
struct SecretQuery {
    secret: Option<String>,
}

async fn receive(
    State(hook): State<Webhook>,
    Query(query): Query<SecretQuery>,
    body: Bytes,
) -> StatusCode {
    // clickatell.md: "The endpoint that receives it must authenticate it (a secret in the
    // callback URL path or query)".
    if !query.secret.is_some_and(|s| hook.secret.matches(&s)) {
        return StatusCode::UNAUTHORIZED;
    }
    match parse_status_callback(&body) {
        Ok(updates) => {
            hook.updates.lock().expect("not poisoned").extend(updates);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

async fn webhook(secret: &str) -> (String, Arc<Mutex<Vec<StatusUpdate>>>) {
    let updates = Arc::new(Mutex::new(Vec::new()));
    let hook = Webhook { secret: CallbackSecret::new(secret), updates: Arc::clone(&updates) };
    let router = Router::new().route("/webhooks/clickatell", post(receive)).with_state(hook);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/webhooks/clickatell"), updates)
}

#[tokio::test]
async fn deliveries_and_failures_arrive_at_the_webhook_in_order() {
    let (sim, client) = spawn().await;
    let (url, updates) = webhook("s3cret-9f2").await;
    sim.set_callback_url(Some(format!("{url}?secret=s3cret-9f2")));
    let outcomes = client.send(&[sms("0821234567", "ok"), sms(DEFAULT_FAILING_NUMBER, "no")]).await;
    let delivered = outcomes[0].result.clone().expect("accepted");
    let failed = outcomes[1].result.clone().expect("accepted");

    assert_eq!(sim.deliver_all().await.expect("callbacks posted"), 4);
    let updates = updates.lock().expect("not poisoned").clone();
    let trail = |id: &str| -> Vec<DeliveryStatus> {
        updates.iter().filter(|u| u.message_id == id).map(|u| u.status.clone()).collect()
    };
    assert_eq!(
        trail(delivered.as_str()),
        [DeliveryStatus::SentToSupplier, DeliveryStatus::DeviceAck]
    );
    assert_eq!(
        trail(failed.as_str()),
        [DeliveryStatus::SentToSupplier, DeliveryStatus::DeliveryFailure]
    );
    assert!(trail(failed.as_str())[1].is_failed());
    let first = updates.iter().find(|u| u.message_id == delivered.as_str()).expect("an update");
    assert_eq!(first.client_message_id.as_deref(), Some("notification-0821234567"));
    assert!(first.timestamp.is_some());
}

#[tokio::test]
async fn a_callback_with_the_wrong_secret_is_refused() {
    let (sim, client) = spawn().await;
    let (url, updates) = webhook("s3cret-9f2").await;
    sim.set_callback_url(Some(format!("{url}?secret=s3cret-9f3")));
    let _ = client.send(&[sms("0821234567", "ok")]).await;
    let error = sim.advance().await.expect_err("the webhook refuses");
    assert!(error.to_string().contains("401"), "{error}");
    assert!(updates.lock().expect("not poisoned").is_empty());
}

#[test]
fn the_secret_comparison_accepts_only_the_exact_secret() {
    let secret = CallbackSecret::new("s3cret-9f2");
    assert!(secret.matches("s3cret-9f2"));
    for wrong in ["", "s3cret-9f", "s3cret-9f22", "S3cret-9f2", "x3cret-9f2"] {
        assert!(!secret.matches(wrong), "{wrong}");
    }
    assert!(!CallbackSecret::new("").matches(""), "an empty secret authenticates nothing");
    assert!(!format!("{secret:?}").contains("s3cret"));
}
