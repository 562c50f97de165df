//! A real Sentry client, started by `init_sentry` with a DSN, delivers a scrubbed event over
//! HTTP to the sandbox's envelope sink.

use std::time::{Duration, Instant};

use pocket_providers::telemetry::{SentrySettings, init_sentry};
use pocket_sandbox::SentrySink;

use crate::{EMAIL, ID_NUMBER, leaks};

#[test]
fn an_event_reaches_the_sink_over_http_scrubbed() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let sink = runtime.block_on(SentrySink::start()).expect("the sink starts");
    let guard = init_sentry(SentrySettings {
        dsn: Some(sink.dsn(42)),
        environment: Some("sandbox".to_owned()),
        release: Some("pocket@0.1.0".to_owned()),
    })
    .expect("on with a DSN");
    let event_id = sentry::capture_message(
        &format!("bureau refused {ID_NUMBER} for {EMAIL}"),
        sentry::Level::Error,
    );
    // Dropping the guard flushes the transport.
    drop(guard);

    // Bounded polling: the transport posts from its own thread.
    let deadline = Instant::now() + Duration::from_secs(10);
    let events = loop {
        let events = sink.events();
        if !events.is_empty() || Instant::now() > deadline {
            break events;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(events.len(), 1, "{:?}", sink.envelopes());
    let event = &events[0];
    assert_eq!(
        event["event_id"].as_str().map(|id| id.replace('-', "")),
        Some(event_id.simple().to_string())
    );
    assert_eq!(event["message"], "bureau refused [id-number] for [email]");
    assert_eq!(event["environment"], "sandbox");
    let envelope = &sink.envelopes()[0];
    assert_eq!(envelope.project, "42");
    assert!(envelope.auth.as_deref().is_some_and(|a| a.contains("sentry_key=")));
    assert!(leaks(&String::from_utf8_lossy(&envelope.body)).is_empty());
}
