//! The XDS Connect simulator over raw HTTP with hand-built envelopes (xds-connect.md).

use chrono::{NaiveDate, TimeDelta};
use pocket_domain::SaIdNumber;
use pocket_sandbox::Fault;
use pocket_sandbox::xds::{
    ADVERSE_LISTINGS_ID, DEFAULT_PASSWORD, DEFAULT_USER, GOOD_PAYER_ID, JUDGMENTS_ID, NO_MATCH_ID,
    OVER_INDEBTED_ID, THIN_FILE_ID, XdsConfig, XdsSimulator,
};

const NS: &str = "http://www.web.xds.co.za/XDSConnectWS";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date")
}

async fn simulator() -> XdsSimulator {
    XdsSimulator::start(XdsConfig::new(today())).await.expect("the simulator starts")
}

async fn post(sim: &XdsSimulator, action: &str, body: String) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(sim.url())
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", action)
        .body(body)
        .send()
        .await
        .expect("the simulator answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

fn envelope(operation: &str, params: &[(&str, &str)]) -> String {
    let mut body = format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <{operation} xmlns=\"{NS}\">"
    );
    for (name, value) in params {
        body.push_str(&format!("<{name}>{value}</{name}>"));
    }
    body.push_str(&format!("</{operation}></soap:Body></soap:Envelope>"));
    body
}

/// The result string, unescaped once (the first of the two parses).
fn result_of(operation: &str, envelope: &str) -> String {
    let open = format!("<{operation}Result>");
    let close = format!("</{operation}Result>");
    let start = envelope.find(&open).expect("a result element") + open.len();
    let end = envelope.find(&close).expect("a closed result element");
    envelope[start..end].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

async fn call(sim: &XdsSimulator, operation: &str, params: &[(&str, &str)]) -> String {
    // xds-connect.md: `"http://www.web.xds.co.za/XDSConnectWS/<Operation>"`, with the quotes.
    let action = format!("\"{NS}/{operation}\"");
    let (status, text) = post(sim, &action, envelope(operation, params)).await;
    assert_eq!(status, 200, "{text}");
    result_of(operation, &text)
}

async fn login(sim: &XdsSimulator) -> String {
    call(sim, "Login", &[("strUser", DEFAULT_USER), ("strPwd", DEFAULT_PASSWORD)]).await
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).expect("the opening tag") + open.len();
    let end = text[start..].find(close).expect("the closing tag") + start;
    &text[start..end]
}

async fn enquire(sim: &XdsSimulator, ticket: &str, id: &str) -> String {
    let matched = call(
        sim,
        "ConnectConsumerMatch",
        &[
            ("ConnectTicket", ticket),
            ("ProductId", "2"),
            ("EnquiryReason", "Application for credit"),
            ("IdNumber", id),
            ("YourReference", "C-9"),
        ],
    )
    .await;
    if matched.starts_with("<NoResult>") {
        return matched;
    }
    let enquiry = between(&matched, "<EnquiryID>", "</EnquiryID>").to_owned();
    let result = between(&matched, "<EnquiryResultID>", "</EnquiryResultID>").to_owned();
    call(
        sim,
        "ConnectGetResult",
        &[
            ("ConnectTicket", ticket),
            ("EnquiryID", &enquiry),
            ("EnquiryResultID", &result),
            ("ProductID", "2"),
        ],
    )
    .await
}

#[test]
fn every_fixture_id_number_is_a_valid_sa_id_number() {
    for id in [
        THIN_FILE_ID,
        GOOD_PAYER_ID,
        ADVERSE_LISTINGS_ID,
        JUDGMENTS_ID,
        OVER_INDEBTED_ID,
        NO_MATCH_ID,
    ] {
        SaIdNumber::parse(id, today()).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

#[tokio::test]
async fn a_login_with_the_right_password_returns_a_ticket_that_is_valid() {
    let sim = simulator().await;
    let ticket = login(&sim).await;
    assert!(!ticket.is_empty() && !ticket.starts_with('<'), "{ticket}");
    assert_eq!(call(&sim, "IsTicketValid", &[("XDSConnectTicket", &ticket)]).await, "true");
}

#[tokio::test]
async fn a_login_with_a_wrong_password_is_an_error_result() {
    let sim = simulator().await;
    let text = call(&sim, "Login", &[("strUser", DEFAULT_USER), ("strPwd", "nope")]).await;
    assert_eq!(text, "<NoResult><Error>Invalid user name or password</Error></NoResult>");
}

#[tokio::test]
async fn a_ticket_expires_after_five_hours_on_the_simulators_clock() {
    let sim = simulator().await;
    let ticket = login(&sim).await;
    sim.advance(TimeDelta::hours(4) + TimeDelta::minutes(59));
    assert_eq!(call(&sim, "IsTicketValid", &[("XDSConnectTicket", &ticket)]).await, "true");
    sim.advance(TimeDelta::minutes(1));
    assert_eq!(call(&sim, "IsTicketValid", &[("XDSConnectTicket", &ticket)]).await, "false");
    let text = enquire(&sim, &ticket, GOOD_PAYER_ID).await;
    assert_eq!(text, "<NoResult><Error>Invalid Ticket</Error></NoResult>");
}

#[tokio::test]
async fn expiring_all_tickets_from_the_handle_invalidates_them() {
    let sim = simulator().await;
    let ticket = login(&sim).await;
    sim.expire_all_tickets();
    assert_eq!(call(&sim, "IsTicketValid", &[("XDSConnectTicket", &ticket)]).await, "false");
}

#[tokio::test]
async fn the_good_payer_report_is_escaped_xml_with_score_and_instalments() {
    let sim = simulator().await;
    let ticket = login(&sim).await;
    let report = enquire(&sim, &ticket, GOOD_PAYER_ID).await;
    assert!(report.starts_with("<Consumer>"), "{report}");
    assert_eq!(between(&report, "<FinalScore>", "</FinalScore>"), "712");
    assert_eq!(report.matches("<MonthlyInstalmentAmt>").count(), 3);
    assert!(!report.contains("<ConsumerJudgement>"));
}

#[tokio::test]
async fn the_fixtures_answer_as_their_names_say() {
    let sim = simulator().await;
    let ticket = login(&sim).await;
    let thin = enquire(&sim, &ticket, THIN_FILE_ID).await;
    assert!(!thin.contains("<FinalScore>") && !thin.contains("<ConsumerAccountStatus>"));
    let adverse = enquire(&sim, &ticket, ADVERSE_LISTINGS_ID).await;
    assert_eq!(adverse.matches("<ConsumerAdverseInfo>").count(), 2);
    let judgments = enquire(&sim, &ticket, JUDGMENTS_ID).await;
    assert_eq!(judgments.matches("<ConsumerJudgement>").count(), 2);
    let over = enquire(&sim, &ticket, OVER_INDEBTED_ID).await;
    assert!(over.contains("<MonthlyInstalmentAmt>9800.00</MonthlyInstalmentAmt>"), "{over}");
    let none = enquire(&sim, &ticket, NO_MATCH_ID).await;
    assert_eq!(none, "<NoResult><NotFound>No Record Found</NotFound></NoResult>");
}

#[tokio::test]
async fn an_id_number_with_a_wrong_check_digit_is_refused() {
    let sim = simulator().await;
    let ticket = login(&sim).await;
    let text = enquire(&sim, &ticket, "9102030123083").await;
    assert_eq!(text, "<NoResult><Error>Invalid ID Number</Error></NoResult>");
    assert!(sim.enquiries().is_empty());
}

#[tokio::test]
async fn an_enquiry_is_logged_with_its_reason_and_reference() {
    let sim = simulator().await;
    let ticket = login(&sim).await;
    enquire(&sim, &ticket, JUDGMENTS_ID).await;
    let logged = sim.enquiries();
    assert_eq!(logged.len(), 1);
    assert_eq!(
        (
            logged[0].reason.as_str(),
            logged[0].your_reference.as_str(),
            logged[0].product_id.as_str()
        ),
        ("Application for credit", "C-9", "2")
    );
}

#[tokio::test]
async fn an_unknown_soap_action_is_a_client_fault_with_status_500() {
    let sim = simulator().await;
    let (status, text) =
        post(&sim, "\"http://www.web.xds.co.za/XDSConnectWS/Teleport\"", envelope("Teleport", &[]))
            .await;
    assert_eq!(status, 500);
    assert!(text.contains("<faultcode>soap:Client</faultcode>"), "{text}");
    assert!(text.contains("did not recognize the value of HTTP Header SOAPAction"));
}

#[tokio::test]
async fn an_action_without_the_quotes_is_not_recognised() {
    let sim = simulator().await;
    let (status, _) = post(&sim, &format!("{NS}/Login"), envelope("Login", &[])).await;
    assert_eq!(status, 500);
}

#[tokio::test]
async fn injected_faults_give_a_500_page_broken_xml_a_forced_error_or_no_answer() {
    let sim = simulator().await;
    sim.inject("Login", Fault::ServerErrorPage);
    let action = format!("\"{NS}/Login\"");
    let (status, text) = post(&sim, &action, envelope("Login", &[])).await;
    assert_eq!(status, 500);
    assert!(text.contains("<html>"));

    sim.clear_faults();
    sim.inject("Login", Fault::MalformedXml);
    let (status, text) = post(&sim, &action, envelope("Login", &[])).await;
    assert_eq!(status, 200);
    assert!(!text.contains("</soap:Envelope>"));

    sim.clear_faults();
    sim.inject("Login", Fault::BusinessError("Account locked".to_owned()));
    let text = call(&sim, "Login", &[]).await;
    assert_eq!(text, "<NoResult><Error>Account locked</Error></NoResult>");

    sim.clear_faults();
    sim.inject("Login", Fault::DropConnection);
    let dropped = reqwest::Client::new()
        .post(sim.url())
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", &action)
        .body(envelope("Login", &[("strUser", DEFAULT_USER), ("strPwd", DEFAULT_PASSWORD)]))
        .send()
        .await;
    assert!(dropped.is_err());
    assert_eq!(sim.received("Login"), 4);
}
