//! The Sentry envelope sink: a real `sentry` client delivers to it over HTTP.

use std::time::{Duration, Instant};

use pocket_sandbox::SentrySink;

#[test]
fn a_real_client_delivers_an_event_envelope_to_the_sink() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let sink = runtime.block_on(SentrySink::start()).expect("the sink starts");
    // `apply_defaults` adds the default (reqwest) transport, as `sentry::init` does.
    let options = sentry::apply_defaults((sink.dsn(7).as_str(), Default::default()).into());
    let client = sentry::Client::from(options);
    let hub = sentry::Hub::new(Some(std::sync::Arc::new(client)), Default::default());
    hub.capture_message("the worker lost its database connection", sentry::Level::Warning);
    assert!(hub.client().expect("a client").flush(Some(Duration::from_secs(5))));

    let deadline = Instant::now() + Duration::from_secs(10);
    while sink.events().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let envelopes = sink.envelopes();
    assert_eq!(envelopes.len(), 1);
    assert_eq!(envelopes[0].project, "7");
    let events = sink.events();
    assert_eq!(events[0]["message"], "the worker lost its database connection");
    assert_eq!(events[0]["level"], "warning");
}

#[tokio::test]
async fn an_envelope_posted_by_hand_is_stored_as_sent() {
    let sink = SentrySink::start().await.expect("the sink starts");
    let body = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n\
                {\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"message\":\"hi\"}\n";
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/3/envelope/", sink.addr()))
        .header("X-Sentry-Auth", "Sentry sentry_key=abc, sentry_version=7")
        .body(body)
        .send()
        .await
        .expect("the sink answers");
    assert_eq!(response.status().as_u16(), 200);
    let envelopes = sink.envelopes();
    assert_eq!(envelopes[0].body, body.as_bytes());
    assert_eq!(envelopes[0].auth.as_deref(), Some("Sentry sentry_key=abc, sentry_version=7"));
    assert_eq!(sink.events()[0]["message"], "hi");
}
