//! Every error class, produced by the simulator's fault injection (netcash-niws.md, "Errors: two
//! channels").

use std::time::Duration;

use pocket_providers::netcash::{
    DebitOrderProvider, FileToken, NetcashClient, NetcashConfig, NetcashError, ServiceKey,
};
use pocket_sandbox::Fault;
use pocket_sandbox::netcash::DEFAULT_ACCOUNT_KEY;

use crate::{batch, config_for, spawn, today};

#[tokio::test]
async fn a_connection_dropped_after_the_upload_was_received_is_an_unknown_outcome_to_reconcile() {
    let (sim, client) = spawn().await;
    sim.inject("BatchFileUpload", Fault::DropConnection);
    let batch = batch(&[("P-1", 10_000)]);
    let error = client.upload_batch(&batch).await.expect_err("the answer is lost");
    assert!(matches!(error, NetcashError::OutcomeUnknown(_)), "{error:?}");
    assert!(error.needs_reconciliation() && !error.is_safe_to_retry());
    assert_eq!(sim.received("BatchFileUpload"), 1);

    // collections.md rule 2: reconcile with the upload report of the date, do not resend.
    sim.clear_faults();
    let uploads = client.uploads_for_date(today()).await.expect("the day's uploads");
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].batch_name, batch.name());
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_an_unknown_outcome() {
    let (sim, _) = spawn().await;
    let mut config = config_for(&sim.url());
    config.timeout = Duration::from_millis(200);
    let client = NetcashClient::new(config).expect("a client");
    sim.inject("RetrieveBatchStatus", Fault::Latency(Duration::from_secs(2)));
    let error = client.batch_status().await.expect_err("times out");
    assert!(matches!(error, NetcashError::OutcomeUnknown(_)), "{error:?}");
}

#[tokio::test]
async fn a_slow_answer_within_the_timeout_still_succeeds() {
    let (sim, client) = spawn().await;
    sim.inject("RetrieveBatchStatus", Fault::Latency(Duration::from_millis(50)));
    assert_eq!(client.batch_status().await.expect("answered"), []);
}

#[tokio::test]
async fn a_closed_port_is_not_sent_and_safe_to_retry() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("an address");
    drop(listener);
    let client = NetcashClient::new(config_for(&format!("http://{addr}/NIWS/NIWS_NIF.svc")))
        .expect("a client");
    let error = client.batch_status().await.expect_err("nobody listens");
    assert!(matches!(error, NetcashError::NotSent(_)), "{error:?}");
    assert!(error.is_safe_to_retry());
}

#[tokio::test]
async fn an_html_error_page_with_status_500_is_an_http_error() {
    let (sim, client) = spawn().await;
    sim.inject_everywhere(Fault::ServerErrorPage);
    let error = client.batch_status().await.expect_err("a 500 page");
    assert!(matches!(error, NetcashError::Http { status: 500 }), "{error:?}");
}

#[tokio::test]
async fn a_body_that_is_not_well_formed_xml_is_malformed() {
    let (sim, client) = spawn().await;
    sim.inject("RequestFileUploadReport", Fault::MalformedXml);
    let error = client.load_report(&FileToken::new("1.2.3")).await.expect_err("broken XML");
    assert!(matches!(error, NetcashError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn an_unknown_operation_is_a_soap_fault_naming_the_contract_filter_mismatch() {
    let (_sim, client) = spawn().await;
    let error = client.call("Teleport", &[("ServiceKey", "x")]).await.expect_err("unknown");
    let NetcashError::Fault { code, message } = error else { panic!("a fault: {error:?}") };
    assert_eq!(code, "a:ActionNotSupported");
    assert!(message.contains("ContractFilter mismatch"), "{message}");
}

#[tokio::test]
async fn an_unknown_service_key_is_business_error_100() {
    let (sim, _) = spawn().await;
    let mut config = config_for(&sim.url());
    config.debit_order_key = ServiceKey::new("00000000-0000-0000-0000-000000000000");
    let client = NetcashClient::new(config).expect("a client");
    let error = client.batch_status().await.expect_err("refused");
    assert!(matches!(&error, NetcashError::Business { code, .. } if code == "100"), "{error:?}");
}

#[tokio::test]
async fn the_account_key_used_for_debit_orders_is_business_error_311() {
    let (sim, _) = spawn().await;
    let mut config = config_for(&sim.url());
    config.debit_order_key = ServiceKey::new(DEFAULT_ACCOUNT_KEY);
    let client = NetcashClient::new(config).expect("a client");
    let error = client.upload_batch(&batch(&[("P-1", 100)])).await.expect_err("refused");
    assert!(matches!(&error, NetcashError::Business { code, .. } if code == "311"), "{error:?}");
}

#[tokio::test]
async fn a_forced_business_code_comes_back_as_that_business_error() {
    let (sim, client) = spawn().await;
    sim.inject("RequestMerchantStatement", Fault::BusinessError("201".to_owned()));
    let error = client.request_statement(today()).await.expect_err("locked");
    let NetcashError::Business { code, message } = error else { panic!("business: {error:?}") };
    assert_eq!((code.as_str(), message.as_str()), ("201", "account locked"));
}

#[tokio::test]
async fn an_unknown_file_token_is_business_error_202() {
    let (_sim, client) = spawn().await;
    let error = client.load_report(&FileToken::new("nope")).await.expect_err("not found");
    assert!(matches!(&error, NetcashError::Business { code, .. } if code == "202"), "{error:?}");
}

#[test]
fn the_service_keys_never_print_in_debug() {
    let config = NetcashConfig::new(
        "http://127.0.0.1:1/NIWS/NIWS_NIF.svc",
        ServiceKey::new("secret-debit-order-key"),
        ServiceKey::new("secret-account-key"),
        "vendor",
    );
    let printed = format!("{config:?}");
    assert!(!printed.contains("secret"), "{printed}");
    assert!(printed.contains("REDACTED"));
}
