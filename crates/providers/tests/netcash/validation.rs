//! Bank account validation (AVS-R) against the simulator's `NIWS_Validation.svc` (identity.md,
//! "Bank accounts"; netcash-niws.md, "Transport" and "Errors: two channels").

use pocket_domain::{
    AccountNumber, AccountType, BankAccount, BankAccountWarning, BranchCode, SaIdNumber,
};
use pocket_providers::netcash::{
    AccountHolder, AccountRejection, AccountValidator, NetcashError, NetcashValidationClient,
    ServiceKey, ValidationConfig, parse_validation_result,
};
use pocket_sandbox::netcash::{AccountFacts, DEFAULT_ACCOUNT_KEY, DEFAULT_VALIDATION_KEY};
use pocket_sandbox::{Fault, NetcashConfig as SimulatorConfig, NetcashSimulator};
use proptest::prelude::*;

use crate::today;

async fn spawn_validation() -> (NetcashSimulator, NetcashValidationClient) {
    let sim = NetcashSimulator::start(SimulatorConfig::new(today())).await.expect("starts");
    let config =
        ValidationConfig::new(sim.validation_url(), ServiceKey::new(DEFAULT_VALIDATION_KEY));
    let client = NetcashValidationClient::new(config).expect("a client");
    (sim, client)
}

fn account(branch: &str, number: &str, account_type: AccountType) -> BankAccount {
    BankAccount::new(
        BranchCode::parse(branch).expect("a branch code"),
        AccountNumber::parse(number).expect("an account number"),
        account_type,
    )
}

fn holder() -> AccountHolder {
    AccountHolder {
        id_number: SaIdNumber::parse("7503305044089", today()).expect("an ID number"),
        initials: "T".to_owned(),
        surname: "Nkosi".to_owned(),
    }
}

#[tokio::test]
async fn an_existing_current_account_at_fnb_passes_every_check_without_warnings() {
    let (_sim, client) = spawn_validation().await;
    let account = account("250655", "62001234567", AccountType::Current);
    let result = client.validate_account(&account, &holder()).await.expect("validated");
    assert!(result.passed(), "{result:?}");
    assert_eq!(result.rejection, None);
    assert!(result.account_exists && result.check_digits_valid);
    assert_eq!(result.id_number_matches, Some(true));
    assert_eq!(result.name_matches, Some(true));
    assert_eq!(result.accepts_debits, Some(true));
    assert_eq!(result.account_open_longer_than_3_months, Some(true));
    assert_eq!(result.warnings, []);
}

#[tokio::test]
async fn an_account_number_ending_in_0000_does_not_exist_and_does_not_pass() {
    let (_sim, client) = spawn_validation().await;
    let account = account("632005", "4070000000", AccountType::Current);
    let result = client.validate_account(&account, &holder()).await.expect("validated");
    assert!(!result.account_exists && !result.passed(), "{result:?}");
    assert_eq!(result.id_number_matches, None);
}

#[tokio::test]
async fn a_branch_code_that_is_no_known_universal_code_is_rejected_as_an_invalid_branch() {
    let (_sim, client) = spawn_validation().await;
    let account = account("123456", "62001234567", AccountType::Current);
    let result = client.validate_account(&account, &holder()).await.expect("validated");
    assert_eq!(result.rejection, Some(AccountRejection::InvalidBranchCode));
    assert!(!result.passed());
    assert!(result.warnings.contains(&BankAccountWarning::UnknownBranchCode));
}

#[tokio::test]
async fn an_account_number_failing_the_check_digits_is_rejected_with_code_2() {
    let (sim, client) = spawn_validation().await;
    sim.fail_check_digits("62001234567");
    let account = account("250655", "62001234567", AccountType::Current);
    let result = client.validate_account(&account, &holder()).await.expect("validated");
    assert_eq!(result.rejection, Some(AccountRejection::CheckDigitsFailed));
    assert!(!result.check_digits_valid && !result.passed());
}

#[tokio::test]
async fn an_account_registered_to_another_id_number_and_surname_does_not_match_the_holder() {
    let (sim, client) = spawn_validation().await;
    sim.set_account(
        "1234567890",
        AccountFacts {
            id_number: Some("8001015009087".to_owned()),
            surname: Some("DLAMINI".to_owned()),
            ..AccountFacts::default()
        },
    );
    let account = account("470010", "1234567890", AccountType::Current);
    let result = client.validate_account(&account, &holder()).await.expect("validated");
    assert!(result.account_exists);
    assert_eq!(result.id_number_matches, Some(false));
    assert_eq!(result.name_matches, Some(false));
    assert!(!result.passed());
}

#[tokio::test]
async fn the_registered_holder_matches_regardless_of_the_surnames_case() {
    let (sim, client) = spawn_validation().await;
    let facts = AccountFacts {
        id_number: Some("7503305044089".to_owned()),
        surname: Some("NKOSI".to_owned()),
        ..AccountFacts::default()
    };
    sim.set_account("1234567890", facts);
    let account = account("470010", "1234567890", AccountType::Current);
    let result = client.validate_account(&account, &holder()).await.expect("validated");
    assert_eq!((result.id_number_matches, result.name_matches), (Some(true), Some(true)));
    assert!(result.passed());
}

#[tokio::test]
async fn a_savings_account_that_accepts_debits_passes_with_the_savings_warning() {
    let (_sim, client) = spawn_validation().await;
    let account = account("051001", "0012345678", AccountType::Savings);
    let result = client.validate_account(&account, &holder()).await.expect("validated");
    assert!(result.passed(), "{result:?}");
    assert_eq!(result.warnings, [BankAccountWarning::SavingsAccountMayRefuseDebits]);
}

#[tokio::test]
async fn a_savings_account_the_provider_says_refuses_debits_fails_instead_of_warning() {
    let (_sim, client) = spawn_validation().await;
    // The simulator's documented rule: savings accounts at African Bank refuse debits.
    let account = account("430000", "0012345678", AccountType::Savings);
    let result = client.validate_account(&account, &holder()).await.expect("validated");
    assert_eq!(result.accepts_debits, Some(false));
    assert!(!result.passed());
    assert_eq!(result.warnings, []);
}

#[tokio::test]
async fn an_unknown_validation_key_is_business_error_100() {
    let (sim, _) = spawn_validation().await;
    let config = ValidationConfig::new(
        sim.validation_url(),
        ServiceKey::new("00000000-0000-0000-0000-000000000000"),
    );
    let client = NetcashValidationClient::new(config).expect("a client");
    let account = account("250655", "62001234567", AccountType::Current);
    let error = client.validate_account(&account, &holder()).await.expect_err("refused");
    assert!(matches!(&error, NetcashError::Business { code, .. } if code == "100"), "{error:?}");
}

#[tokio::test]
async fn the_account_key_used_for_validation_is_business_error_311() {
    let (sim, _) = spawn_validation().await;
    let config = ValidationConfig::new(sim.validation_url(), ServiceKey::new(DEFAULT_ACCOUNT_KEY));
    let client = NetcashValidationClient::new(config).expect("a client");
    let account = account("250655", "62001234567", AccountType::Current);
    let error = client.validate_account(&account, &holder()).await.expect_err("refused");
    assert!(matches!(&error, NetcashError::Business { code, .. } if code == "311"), "{error:?}");
}

#[tokio::test]
async fn a_connection_dropped_after_the_validation_was_received_is_an_unknown_outcome() {
    let (sim, client) = spawn_validation().await;
    sim.inject("ValidateBankAccount", Fault::DropConnection);
    let account = account("250655", "62001234567", AccountType::Current);
    let error = client.validate_account(&account, &holder()).await.expect_err("the answer is lost");
    assert!(matches!(error, NetcashError::OutcomeUnknown(_)), "{error:?}");
    assert_eq!(sim.received("ValidateBankAccount"), 1);
}

#[tokio::test]
async fn an_html_error_page_from_the_validation_service_is_an_http_error() {
    let (sim, client) = spawn_validation().await;
    sim.inject_everywhere(Fault::ServerErrorPage);
    let account = account("250655", "62001234567", AccountType::Current);
    let error = client.validate_account(&account, &holder()).await.expect_err("a 500 page");
    assert!(matches!(error, NetcashError::Http { status: 500 }), "{error:?}");
}

#[tokio::test]
async fn an_unknown_validation_operation_is_a_contract_filter_mismatch_fault() {
    let (_sim, client) = spawn_validation().await;
    let error = client.call("Teleport", &[("ServiceKey", "x")]).await.expect_err("unknown");
    let NetcashError::Fault { code, message } = error else { panic!("a fault: {error:?}") };
    assert_eq!(code, "a:ActionNotSupported");
    assert!(message.contains("ContractFilter mismatch"), "{message}");
}

#[tokio::test]
async fn a_closed_validation_port_is_not_sent_and_safe_to_retry() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("an address");
    drop(listener);
    let endpoint = format!("http://{addr}/NIWS/NIWS_Validation.svc");
    let config = ValidationConfig::new(endpoint, ServiceKey::new(DEFAULT_VALIDATION_KEY));
    let client = NetcashValidationClient::new(config).expect("a client");
    let account = account("250655", "62001234567", AccountType::Current);
    let error = client.validate_account(&account, &holder()).await.expect_err("nobody listens");
    assert!(matches!(error, NetcashError::NotSent(_)) && error.is_safe_to_retry(), "{error:?}");
}

#[test]
fn the_validation_key_never_prints_in_debug() {
    let config = ValidationConfig::production(ServiceKey::new("secret-validation-key"));
    let printed = format!("{config:?}");
    assert!(!printed.contains("secret") && printed.contains("REDACTED"), "{printed}");
    assert!(printed.contains("https://ws.netcash.co.za/NIWS/NIWS_Validation.svc"));
}

/// Text built from the pieces the validation result parser looks for.
fn validation_result_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("0".to_owned()),
        Just("1".to_owned()),
        Just("4".to_owned()),
        Just("|".to_owned()),
        Just("Y".to_owned()),
        Just("N".to_owned()),
        Just("U".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        ".{0,4}",
    ];
    prop::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

/// Only `Malformed`, or the business error code 4 ("input data incorrect").
fn only_malformed_or_code_4(text: &str) {
    let savings = account("430000", "0012345678", AccountType::Savings);
    if let Err(error) = parse_validation_result(text, &savings) {
        let code_4 = matches!(&error, NetcashError::Business { code, .. } if code == "4");
        assert!(code_4 || matches!(error, NetcashError::Malformed(_)), "{error:?}");
    }
}

proptest! {
    #[test]
    fn the_validation_result_parser_never_panics_on_result_like_text(text in validation_result_like()) {
        only_malformed_or_code_4(&text);
    }

    #[test]
    fn the_validation_result_parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        only_malformed_or_code_4(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn a_well_formed_result_line_with_unanswered_checks_reads_as_unknown_not_as_no() {
    let current = account("250655", "62001234567", AccountType::Current);
    let result = parse_validation_result("0|Y|U|U|U|U\r\n", &current).expect("read");
    assert!(result.account_exists && result.passed(), "{result:?}");
    assert_eq!((result.id_number_matches, result.accepts_debits), (None, None));
    let error = parse_validation_result("0|Y|Y", &current).expect_err("too short");
    assert!(matches!(error, NetcashError::Malformed(_)), "{error:?}");
}
