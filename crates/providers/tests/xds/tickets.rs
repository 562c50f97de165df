//! Login and the ticket: kept while valid, renewed once when the bureau refuses it
//! (xds-connect.md: "A ticket that expired is renewed once and the call retried").

use chrono::TimeDelta;
use pocket_providers::xds::{CreditBureau, Password, XdsClient, XdsConfig, XdsError};
use pocket_sandbox::Fault;
use pocket_sandbox::xds::{GOOD_PAYER_ID, INVALID_TICKET};

use crate::{config_for, enquiry, spawn};

#[tokio::test]
async fn a_second_enquiry_reuses_the_ticket_without_logging_in_again() {
    let (sim, client) = spawn().await;
    client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect("a report");
    client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect("a report");
    assert_eq!(sim.received("Login"), 1);
    assert_eq!(sim.received("ConnectConsumerMatch"), 2);
}

#[tokio::test]
async fn an_expired_ticket_is_renewed_once_and_the_call_succeeds() {
    let (sim, client) = spawn().await;
    client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect("a report");
    // xds-connect.md: a ticket is valid for about 5 hours.
    sim.advance(TimeDelta::hours(5));
    client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect("a report after renewal");
    assert_eq!(sim.received("Login"), 2);
    assert_eq!(sim.received("ConnectConsumerMatch"), 3);
}

#[tokio::test]
async fn tickets_expired_by_the_handle_are_renewed_once() {
    let (sim, client) = spawn().await;
    client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect("a report");
    sim.expire_all_tickets();
    client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect("a report after renewal");
    assert_eq!(sim.received("Login"), 2);
}

#[tokio::test]
async fn a_ticket_refused_again_after_renewal_is_a_typed_error_not_a_loop() {
    let (sim, client) = spawn().await;
    sim.inject("ConnectConsumerMatch", Fault::BusinessError(INVALID_TICKET.to_owned()));
    let error = client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect_err("refused twice");
    assert!(matches!(error, XdsError::TicketRejected(_)), "{error:?}");
    assert_eq!(sim.received("Login"), 2);
    assert_eq!(sim.received("ConnectConsumerMatch"), 2);
}

#[tokio::test]
async fn a_wrong_password_is_a_refused_login() {
    let (sim, _) = spawn().await;
    let mut config = config_for(&sim.url());
    config.password = Password::new("not-the-password");
    let client = XdsClient::new(config).expect("a client");
    let error = client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect_err("refused");
    assert!(matches!(error, XdsError::LoginRefused(_)), "{error:?}");
    assert_eq!(sim.received("ConnectConsumerMatch"), 0);
}

#[tokio::test]
async fn is_ticket_valid_tells_a_fresh_ticket_from_an_expired_one() {
    let (sim, client) = spawn().await;
    let ticket = client.login().await.expect("a ticket");
    assert!(client.is_ticket_valid(&ticket).await.expect("an answer"));
    sim.advance(TimeDelta::hours(5));
    assert!(!client.is_ticket_valid(&ticket).await.expect("an answer"));
}

#[test]
fn the_password_and_the_ticket_never_print_in_debug() {
    let config = XdsConfig::new("http://127.0.0.1:1/x", "user", Password::new("s3cret-pw"), "2");
    let printed = format!("{config:?}");
    assert!(!printed.contains("s3cret"), "{printed}");
    assert!(printed.contains("REDACTED"));
    let client = XdsClient::new(config).expect("a client");
    assert!(!format!("{client:?}").contains("s3cret"));
}

#[tokio::test]
async fn a_kept_ticket_never_prints_in_debug() {
    let (_sim, client) = spawn().await;
    let ticket = client.login().await.expect("a ticket");
    assert_eq!(format!("{ticket:?}"), "Ticket([REDACTED])");
    assert!(!format!("{client:?}").contains(ticket.expose()));
}
