//! Every error class, produced by the simulator's fault injection; the classes are those of the
//! debit-order client (netcash-niws.md, "Errors: two channels").

use std::time::Duration;

use pocket_domain::policy::BureauResult;
use pocket_providers::xds::{CreditBureau, XdsClient, XdsError, bureau_result};
use pocket_sandbox::Fault;
use pocket_sandbox::xds::GOOD_PAYER_ID;

use crate::{config_for, enquiry, spawn};

#[tokio::test]
async fn a_connection_dropped_after_the_match_was_received_is_an_unknown_outcome() {
    let (sim, client) = spawn().await;
    sim.inject("ConnectConsumerMatch", Fault::DropConnection);
    let outcome = client.enquire(&enquiry(GOOD_PAYER_ID)).await;
    let error = outcome.as_ref().expect_err("the answer is lost");
    assert!(matches!(error, XdsError::OutcomeUnknown(_)), "{error:?}");
    assert!(error.needs_reconciliation() && !error.is_safe_to_retry());
    assert_eq!(sim.enquiries().len(), 1, "the bureau logged the enquiry");
    assert_eq!(bureau_result(&outcome), BureauResult::Unavailable);
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_an_unknown_outcome() {
    let (sim, _) = spawn().await;
    let mut config = config_for(&sim.url());
    config.timeout = Duration::from_millis(200);
    let client = XdsClient::new(config).expect("a client");
    sim.inject("ConnectGetResult", Fault::Latency(Duration::from_secs(2)));
    let error = client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect_err("times out");
    assert!(matches!(error, XdsError::OutcomeUnknown(_)), "{error:?}");
}

#[tokio::test]
async fn a_slow_answer_within_the_timeout_still_succeeds() {
    let (sim, client) = spawn().await;
    sim.inject_everywhere(Fault::Latency(Duration::from_millis(30)));
    client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect("answered");
}

#[tokio::test]
async fn a_closed_port_is_not_sent_and_safe_to_retry() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("an address");
    drop(listener);
    let client = XdsClient::new(config_for(&format!("http://{addr}/xdsconnect/XDSConnectWS.asmx")))
        .expect("a client");
    let error = client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect_err("nobody listens");
    assert!(matches!(error, XdsError::NotSent(_)), "{error:?}");
    assert!(error.is_safe_to_retry());
}

#[tokio::test]
async fn an_html_error_page_with_status_500_is_an_http_error() {
    let (sim, client) = spawn().await;
    sim.inject_everywhere(Fault::ServerErrorPage);
    let error = client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect_err("a 500 page");
    assert!(matches!(error, XdsError::Http { status: 500 }), "{error:?}");
}

#[tokio::test]
async fn a_body_that_is_not_well_formed_xml_is_malformed() {
    let (sim, client) = spawn().await;
    sim.inject("ConnectGetResult", Fault::MalformedXml);
    let error = client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect_err("broken XML");
    assert!(matches!(error, XdsError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn an_unknown_operation_is_a_soap_fault_naming_the_soap_action() {
    let (_sim, client) = spawn().await;
    let error = client.call("Teleport", &[("x", "y")]).await.expect_err("unknown");
    let XdsError::Fault { code, message } = error else { panic!("a fault: {error:?}") };
    assert_eq!(code, "soap:Client");
    assert!(message.contains("did not recognize the value of HTTP Header SOAPAction"), "{message}");
}

#[tokio::test]
async fn a_forced_bureau_error_comes_back_as_a_business_error_with_its_text() {
    let (sim, client) = spawn().await;
    sim.inject("ConnectGetResult", Fault::BusinessError("Service unavailable".to_owned()));
    let error = client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect_err("refused");
    let XdsError::Business { message } = error else { panic!("business: {error:?}") };
    assert_eq!(message, "Service unavailable");
}

#[tokio::test]
async fn a_product_id_the_bureau_does_not_know_is_a_business_error() {
    let (sim, _) = spawn().await;
    let mut config = config_for(&sim.url());
    config.product_id = "not-a-product".to_owned();
    let client = XdsClient::new(config).expect("a client");
    let error = client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect_err("refused");
    assert!(matches!(&error, XdsError::Business { message } if message == "Invalid ProductId"));
}
