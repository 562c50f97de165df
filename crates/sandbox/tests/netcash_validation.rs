//! The simulated `NIWS_Validation.svc` over raw HTTP with hand-built envelopes (netcash-niws.md,
//! "Transport"; identity.md, "Bank accounts").

use chrono::NaiveDate;
use pocket_sandbox::netcash::{AccountFacts, DEFAULT_DEBIT_ORDER_KEY, DEFAULT_VALIDATION_KEY};
use pocket_sandbox::{Fault, NetcashConfig, NetcashSimulator};

const ACTION: &str = "\"http://tempuri.org/INIWS_Validation/ValidateBankAccount\"";

async fn simulator() -> NetcashSimulator {
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date");
    NetcashSimulator::start(NetcashConfig::new(today)).await.expect("the simulator starts")
}

async fn post(sim: &NetcashSimulator, action: &str, body: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(sim.validation_url())
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", action)
        .body(body.to_owned())
        .send()
        .await
        .expect("the simulator answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// A hand-built request: key, account number, branch code, account type, ID number, surname.
fn envelope(key: &str, number: &str, branch: &str, account_type: &str, surname: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:tem=\"http://tempuri.org/\">\n <soapenv:Body>\n  <tem:ValidateBankAccount>\n   \
         <tem:ServiceKey>{key}</tem:ServiceKey>\n   \
         <tem:AccountNumber>{number}</tem:AccountNumber>\n   \
         <tem:BranchCode>{branch}</tem:BranchCode>\n   \
         <tem:AccountType>{account_type}</tem:AccountType>\n   \
         <tem:IdNumber>7503305044089</tem:IdNumber>\n   <tem:Initials>T</tem:Initials>\n   \
         <tem:Surname>{surname}</tem:Surname>\n  </tem:ValidateBankAccount>\n </soapenv:Body>\n\
         </soapenv:Envelope>"
    )
}

async fn validate(sim: &NetcashSimulator, body: &str) -> String {
    let (status, text) = post(sim, ACTION, body).await;
    assert_eq!(status, 200, "{text}");
    let open = "<ValidateBankAccountResult>";
    let start = text.find(open).expect("a result element") + open.len();
    let end = text.find("</ValidateBankAccountResult>").expect("a closed result element");
    text[start..end].to_owned()
}

#[tokio::test]
async fn a_current_account_at_a_universal_branch_code_is_valid_with_every_check_answered_yes() {
    let sim = simulator().await;
    let body = envelope(DEFAULT_VALIDATION_KEY, "62001234567", "250655", "1", "NKOSI");
    assert_eq!(validate(&sim, &body).await, "0|Y|Y|Y|Y|Y");
    assert_eq!(sim.received("ValidateBankAccount"), 1);
}

#[tokio::test]
async fn the_bank_account_check_codes_follow_the_documented_rules() {
    let sim = simulator().await;
    let key = DEFAULT_VALIDATION_KEY;
    // Account numbers ending in 0000 do not exist.
    assert_eq!(
        validate(&sim, &envelope(key, "4070000000", "632005", "1", "X")).await,
        "0|N|U|U|U|U"
    );
    // Six digits that are no known universal branch code: code 1.
    assert_eq!(validate(&sim, &envelope(key, "62001234567", "123456", "1", "X")).await, "1");
    // Account type 7: code 3.
    assert_eq!(validate(&sim, &envelope(key, "62001234567", "250655", "7", "X")).await, "3");
    // A three-digit account number: code 4, input data incorrect.
    assert_eq!(validate(&sim, &envelope(key, "123", "250655", "1", "X")).await, "4");
    // Savings accounts refuse debits at African Bank only (the simulator's documented rule).
    assert_eq!(
        validate(&sim, &envelope(key, "0012345678", "430000", "2", "X")).await,
        "0|Y|Y|Y|N|Y"
    );
    assert_eq!(
        validate(&sim, &envelope(key, "0012345678", "470010", "2", "X")).await,
        "0|Y|Y|Y|Y|Y"
    );
    // Check digits marked failing: code 2.
    sim.fail_check_digits("62001234567");
    assert_eq!(validate(&sim, &envelope(key, "62001234567", "250655", "1", "X")).await, "2");
}

#[tokio::test]
async fn a_registered_account_matches_its_own_surname_only_and_reports_its_own_facts() {
    let sim = simulator().await;
    let facts = AccountFacts {
        surname: Some("Dlamini".to_owned()),
        accepts_debits: None,
        open_longer_than_3_months: Some(false),
        ..AccountFacts::default()
    };
    sim.set_account("1234567890", facts);
    let key = DEFAULT_VALIDATION_KEY;
    let other = envelope(key, "1234567890", "198765", "1", "NKOSI");
    assert_eq!(validate(&sim, &other).await, "0|Y|Y|N|U|N");
    let own = envelope(key, "1234567890", "198765", "1", "DLAMINI");
    assert_eq!(validate(&sim, &own).await, "0|Y|Y|Y|U|N");
}

#[tokio::test]
async fn an_unknown_key_is_100_and_the_debit_order_key_is_311() {
    let sim = simulator().await;
    let unknown = envelope("nope", "62001234567", "250655", "1", "X");
    assert_eq!(validate(&sim, &unknown).await, "100");
    let wrong_service = envelope(DEFAULT_DEBIT_ORDER_KEY, "62001234567", "250655", "1", "X");
    assert_eq!(validate(&sim, &wrong_service).await, "311");
}

#[tokio::test]
async fn a_nif_action_on_the_validation_service_is_a_contract_filter_mismatch_with_http_500() {
    let sim = simulator().await;
    let body = envelope(DEFAULT_VALIDATION_KEY, "62001234567", "250655", "1", "X");
    let (status, text) =
        post(&sim, "\"http://tempuri.org/INIWS_NIF/ValidateBankAccount\"", &body).await;
    assert_eq!(status, 500);
    assert!(text.contains("ContractFilter mismatch") && text.contains("s:Fault"), "{text}");
    assert_eq!(sim.received("ValidateBankAccount"), 0);
}

#[tokio::test]
async fn an_injected_business_error_is_the_result_string() {
    let sim = simulator().await;
    sim.inject("ValidateBankAccount", Fault::BusinessError("200".to_owned()));
    let body = envelope(DEFAULT_VALIDATION_KEY, "62001234567", "250655", "1", "X");
    assert_eq!(validate(&sim, &body).await, "200");
}

#[tokio::test]
async fn the_validation_service_is_served_beside_the_nif_service() {
    let sim = simulator().await;
    assert!(sim.validation_url().ends_with("/NIWS/NIWS_Validation.svc"));
    assert_eq!(sim.validation_url().replace("NIWS_Validation", "NIWS_NIF"), sim.url());
}
