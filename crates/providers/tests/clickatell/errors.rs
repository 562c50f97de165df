//! Every error class, produced by the simulator's fault injection, and the retry policy
//! (clickatell.md, "Error codes").

use std::time::{Duration, Instant};

use pocket_providers::clickatell::{
    ApiKey, ClickatellClient, ClickatellConfig, ClickatellError, ErrorCode, SmsSender,
};
use pocket_sandbox::clickatell::Fault;

use crate::{config_for, quick_backoff, sms, spawn};

#[tokio::test]
async fn a_wrong_api_key_is_refused_with_code_1_and_not_retried() {
    let (sim, _) = spawn().await;
    let client = ClickatellClient::new(ClickatellConfig {
        backoff: quick_backoff(),
        ..ClickatellConfig::new(sim.url(), ApiKey::new("not-the-key"))
    })
    .expect("a client");
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("refused");
    // clickatell.md: 401 `{"error":{"code":1,...}}`.
    assert_eq!(error.code(), Some(ErrorCode::InvalidApiKey), "{error:?}");
    assert!(error.is_permanent());
    assert_eq!(sim.requests(), 1);
    assert!(sim.messages().is_empty());
}

#[test]
fn the_api_key_never_prints() {
    let config = ClickatellConfig::new("http://x", ApiKey::new("very-secret-key"));
    assert!(!format!("{config:?}").contains("very-secret-key"));
}

#[tokio::test]
async fn a_rate_limit_is_retried_with_backoff_until_it_passes() {
    let (sim, client) = spawn().await;
    // clickatell.md: "43 rate limit (also HTTP 429: back off)".
    sim.rate_limit(2, None);
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    assert!(outcomes[0].result.is_ok(), "{:?}", outcomes[0].result);
    assert_eq!(sim.requests(), 3);
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn a_rate_limit_that_outlasts_the_attempts_comes_back_as_retryable() {
    let (sim, client) = spawn().await;
    sim.rate_limit(10, None);
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("still limited");
    assert_eq!(error.code(), Some(ErrorCode::RateLimited));
    assert!(error.is_safe_to_retry() && !error.is_permanent());
    // Bounded: four attempts, no more.
    assert_eq!(sim.requests(), 4);
}

#[tokio::test]
async fn retry_after_from_the_provider_is_honoured() {
    let (sim, _) = spawn().await;
    let mut config = config_for(&sim);
    config.backoff.max_delay = Duration::from_secs(5);
    let client = ClickatellClient::new(config).expect("a client");
    sim.rate_limit(1, Some(1));
    let started = Instant::now();
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    assert!(outcomes[0].result.is_ok());
    assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}", started.elapsed());
    assert_eq!(sim.requests(), 2);
}

#[tokio::test]
async fn an_internal_error_marked_retry_is_retried_and_other_codes_are_not() {
    let (sim, client) = spawn().await;
    // clickatell.md: "19 internal error (retry)".
    sim.inject(Fault::ErrorCode(19));
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("still failing");
    assert_eq!(error.code(), Some(ErrorCode::InternalErrorRetry));
    assert_eq!(sim.requests(), 4);

    sim.clear_faults();
    // clickatell.md: "20 insufficient balance" is permanent.
    sim.inject(Fault::ErrorCode(20));
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("refused");
    assert_eq!(error.code(), Some(ErrorCode::InsufficientBalance));
    assert!(error.is_permanent());
    assert_eq!(sim.requests(), 5);
}

#[tokio::test]
async fn a_connection_dropped_after_the_request_was_received_is_an_unknown_outcome() {
    let (sim, client) = spawn().await;
    sim.inject(Fault::DropConnection);
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("the answer is lost");
    assert!(matches!(error, ClickatellError::OutcomeUnknown(_)), "{error:?}");
    assert!(error.needs_reconciliation() && !error.is_safe_to_retry());
    // The simulator did accept it: resending blindly would send it twice.
    assert_eq!(sim.messages().len(), 1);
    assert_eq!(sim.requests(), 1);
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_an_unknown_outcome() {
    let (sim, _) = spawn().await;
    let mut config = config_for(&sim);
    config.timeout = Duration::from_millis(200);
    let client = ClickatellClient::new(config).expect("a client");
    sim.inject(Fault::Latency(Duration::from_secs(2)));
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("times out");
    assert!(matches!(error, ClickatellError::OutcomeUnknown(_)), "{error:?}");
}

#[tokio::test]
async fn an_html_error_page_is_an_http_error_to_reconcile() {
    let (sim, client) = spawn().await;
    sim.inject(Fault::ServerErrorPage);
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("a 500");
    assert_eq!(error, ClickatellError::Http { status: 500 });
    assert!(error.needs_reconciliation());
    assert_eq!(sim.requests(), 1);
}

#[tokio::test]
async fn a_malformed_answer_is_malformed_and_not_retried() {
    let (sim, client) = spawn().await;
    sim.inject(Fault::MalformedJson);
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("unreadable");
    assert!(matches!(error, ClickatellError::Malformed(_)), "{error:?}");
    assert!(error.needs_reconciliation());
    assert_eq!(sim.requests(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_not_sent_and_safe_to_retry() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("an address")
    };
    let mut config = ClickatellConfig::new(format!("http://{addr}"), ApiKey::new("k"));
    config.backoff.max_attempts = 1;
    let client = ClickatellClient::new(config).expect("a client");
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let error = outcomes[0].result.clone().expect_err("nobody listens");
    assert!(matches!(error, ClickatellError::NotSent(_)), "{error:?}");
    assert!(error.is_safe_to_retry());
}
