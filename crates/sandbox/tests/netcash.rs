//! The Netcash simulator against the spec's examples, over raw HTTP (netcash-niws.md).

use chrono::NaiveDate;
use pocket_sandbox::netcash::{DEFAULT_ACCOUNT_KEY, DEFAULT_DEBIT_ORDER_KEY, DEFAULT_VENDOR_KEY};
use pocket_sandbox::{NetcashConfig, NetcashSimulator};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

/// A Thursday, three business days before the spec's action date of 2026-12-01.
fn today() -> NaiveDate {
    date(2026, 11, 26)
}

async fn simulator() -> NetcashSimulator {
    NetcashSimulator::start(NetcashConfig::new(today())).await.expect("the simulator starts")
}

async fn post(sim: &NetcashSimulator, action: &str, body: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(sim.url())
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", action)
        .body(body.to_owned())
        .send()
        .await
        .expect("the simulator answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

async fn call(sim: &NetcashSimulator, operation: &str, params: &[(&str, &str)]) -> String {
    let mut body = String::from(
        "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:tns=\"http://tempuri.org/\"><env:Body>",
    );
    body.push_str(&format!("<tns:{operation}>"));
    for (name, value) in params {
        body.push_str(&format!("<tns:{name}>{value}</tns:{name}>"));
    }
    body.push_str(&format!("</tns:{operation}></env:Body></env:Envelope>"));
    let action = format!("\"http://tempuri.org/INIWS_NIF/{operation}\"");
    let (status, text) = post(sim, &action, &body).await;
    assert_eq!(status, 200, "{text}");
    result_of(operation, &text)
}

/// The result string, with the `&#xD;` the simulator writes turned back into line breaks.
fn result_of(operation: &str, envelope: &str) -> String {
    let open = format!("<{operation}Result>");
    let close = format!("</{operation}Result>");
    let start = envelope.find(&open).expect("a result element") + open.len();
    let end = envelope.find(&close).expect("a closed result element");
    envelope[start..end].replace("&#xD;", "").replace("&amp;", "&").replace("&lt;", "<")
}

/// netcash-niws.md, "Request envelope shape", with the service key filled in and five T lines
/// that add up to the footer's 25000 cents.
fn spec_envelope(lines: &[&str], footer: &str) -> String {
    let mut file = format!(
        "H&#9;{DEFAULT_DEBIT_ORDER_KEY}&#9;1&#9;TwoDay&#9;LOANS-20261201-1&#9;20261201&#9;\
         {DEFAULT_VENDOR_KEY}\nK&#9;101&#9;102&#9;131&#9;132&#9;133&#9;134&#9;135&#9;136&#9;162\n"
    );
    for line in lines {
        file.push_str(&line.replace('\t', "&#9;"));
        file.push('\n');
    }
    file.push_str(footer);
    format!(
        "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:tns=\"http://tempuri.org/\">\n <env:Body><tns:BatchFileUpload>\n   \
         <tns:ServiceKey>{DEFAULT_DEBIT_ORDER_KEY}</tns:ServiceKey>\n   <tns:File>{file}</tns:File>\n \
         </tns:BatchFileUpload></env:Body></env:Envelope>"
    )
}

const UPLOAD: &str = "\"http://tempuri.org/INIWS_NIF/BatchFileUpload\"";

fn five_lines() -> Vec<String> {
    (1..=5)
        .map(|n| format!("T\tP-{n}\tThandi Nkosi\t1\tT NKOSI\t1\t250655\t0\t6200123456{n}\t5000"))
        .collect()
}

#[tokio::test]
async fn the_spec_envelope_gets_a_file_token_then_file_not_ready_then_a_successful_report() {
    let sim = simulator().await;
    let lines = five_lines();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (status, text) =
        post(&sim, UPLOAD, &spec_envelope(&lines, "F&#9;5&#9;25000&#9;9999")).await;
    assert_eq!(status, 200, "{text}");
    let token = result_of("BatchFileUpload", &text);
    assert!(token.split('.').count() == 5, "a token like the spec's: {token}");

    let params = [("ServiceKey", DEFAULT_DEBIT_ORDER_KEY), ("FileToken", token.as_str())];
    assert_eq!(call(&sim, "RequestFileUploadReport", &params).await, "FILE NOT READY");
    let report = call(&sim, "RequestFileUploadReport", &params).await;
    assert_eq!(
        report,
        "###BEGIN LOANS-20261201-1 SUCCESSFUL 01:29 PM R250.00 20261201\n###END 01:29 PM"
    );
}

#[tokio::test]
async fn the_spec_example_file_with_one_elided_line_and_a_footer_of_five_is_refused_with_102() {
    // netcash-niws.md: the example's footer says 5 lines and 25000 cents; its body has one `T...`.
    let sim = simulator().await;
    let (status, text) =
        post(&sim, UPLOAD, &spec_envelope(&["T\t..."], "F&#9;5&#9;25000&#9;9999")).await;
    assert_eq!(status, 200);
    assert_eq!(result_of("BatchFileUpload", &text), "102");
}

#[tokio::test]
async fn a_footer_sum_that_does_not_match_the_lines_is_refused_with_102() {
    let sim = simulator().await;
    let lines = five_lines();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (_, text) = post(&sim, UPLOAD, &spec_envelope(&lines, "F&#9;5&#9;25001&#9;9999")).await;
    assert_eq!(result_of("BatchFileUpload", &text), "102");
}

#[tokio::test]
async fn a_short_account_number_is_reported_against_its_account_reference_and_line() {
    let sim = simulator().await;
    let lines = [
        "T\tXI5\tThandi Nkosi\t1\tT NKOSI\t1\t250655\t0\t123\t100",
        "T\tXI6\tSipho Dlamini\t1\tS DLAMINI\t2\t470010\t0\t1234567890\t200",
    ];
    let (_, text) = post(&sim, UPLOAD, &spec_envelope(&lines, "F&#9;2&#9;300&#9;9999")).await;
    let token = result_of("BatchFileUpload", &text);
    let params = [("ServiceKey", DEFAULT_DEBIT_ORDER_KEY), ("FileToken", token.as_str())];
    call(&sim, "RequestFileUploadReport", &params).await;
    let report = call(&sim, "RequestFileUploadReport", &params).await;
    // netcash-niws.md, "Load report": the example's line, word for word.
    assert_eq!(
        report,
        "###BEGIN LOANS-20261201-1 SUCCESSFUL WITH ERRORS 01:29 PM R2.00 20261201\n\
         Acc Ref :XI5 Line :3 Bank account number has incorrect length (min 4, max 11 characters)\n\
         ###END 01:29 PM"
    );
}

#[tokio::test]
async fn a_two_day_batch_with_less_than_two_business_days_of_lead_time_is_unsuccessful() {
    let sim = simulator().await;
    // Friday 2026-11-27 to Tuesday 2026-12-01 is two business days; Monday the 30th is one.
    sim.set_today(date(2026, 11, 30));
    let lines = five_lines();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (_, text) = post(&sim, UPLOAD, &spec_envelope(&lines, "F&#9;5&#9;25000&#9;9999")).await;
    let token = result_of("BatchFileUpload", &text);
    let params = [("ServiceKey", DEFAULT_DEBIT_ORDER_KEY), ("FileToken", token.as_str())];
    call(&sim, "RequestFileUploadReport", &params).await;
    let report = call(&sim, "RequestFileUploadReport", &params).await;
    assert!(report.contains(" UNSUCCESSFUL "), "{report}");
    assert!(report.contains("###ERROR: Action date"), "{report}");
}

#[tokio::test]
async fn an_unknown_soap_action_is_a_contract_filter_mismatch_fault_with_http_500() {
    let sim = simulator().await;
    let (status, text) =
        post(&sim, "\"http://tempuri.org/INIWS_NIF/Teleport\"", &spec_envelope(&[], "F")).await;
    assert_eq!(status, 500);
    assert!(text.contains("<s:Fault>"), "{text}");
    assert!(text.contains("ContractFilter mismatch"), "{text}");
}

#[tokio::test]
async fn a_soap_action_without_its_quotes_is_not_understood() {
    let sim = simulator().await;
    let (status, text) =
        post(&sim, "http://tempuri.org/INIWS_NIF/BatchFileUpload", &spec_envelope(&[], "F")).await;
    assert_eq!(status, 500);
    assert!(text.contains("ContractFilter mismatch"), "{text}");
}

#[tokio::test]
async fn an_unknown_key_is_100_and_the_account_key_used_for_batches_is_311() {
    let sim = simulator().await;
    let unknown = [("ServiceKey", "00000000-0000-0000-0000-000000000000")];
    assert_eq!(call(&sim, "RetrieveBatchStatus", &unknown).await, "100");
    let wrong_service = [("ServiceKey", DEFAULT_ACCOUNT_KEY)];
    assert_eq!(call(&sim, "RetrieveBatchStatus", &wrong_service).await, "311");
    let right = [("ServiceKey", DEFAULT_DEBIT_ORDER_KEY)];
    assert_eq!(call(&sim, "RetrieveBatchStatus", &right).await, "NO CHANGE");
}

#[tokio::test]
async fn a_statement_shows_amounts_ending_in_a_reason_code_as_unpaid_with_that_code() {
    let sim = simulator().await;
    let lines = [
        "T\tP-1\tThandi Nkosi\t1\tT NKOSI\t1\t250655\t0\t62001234561\t50000",
        "T\tP-2\tSipho Dlamini\t1\tS DLAMINI\t1\t250655\t0\t62001234562\t50002",
    ];
    let (_, text) = post(&sim, UPLOAD, &spec_envelope(&lines, "F&#9;2&#9;100002&#9;9999")).await;
    assert!(!result_of("BatchFileUpload", &text).is_empty());
    sim.set_today(date(2026, 12, 2));
    let from = [("ServiceKey", DEFAULT_ACCOUNT_KEY), ("FromActionDate", "20261201")];
    let id = call(&sim, "RequestMerchantStatement", &from).await;
    let poll = [("ServiceKey", DEFAULT_ACCOUNT_KEY), ("PollingId", id.as_str())];
    assert_eq!(call(&sim, "RetrieveMerchantStatement", &poll).await, "FILE NOT READY");
    let statement = call(&sim, "RetrieveMerchantStatement", &poll).await;
    let lines: Vec<Vec<&str>> = statement.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 4, "{statement}");
    assert_eq!(lines[0][1], "OBL");
    assert_eq!((lines[1][1], lines[1][4], lines[1][5], lines[1][7]), ("TDD", "500.00", "+", "P-1"));
    assert_eq!(
        (lines[2][1], lines[2][3], lines[2][4], lines[2][7]),
        ("DRU", "Debit order unpaid - Code: 02", "500.02", "P-2")
    );
    assert_eq!(lines[3][1], "CBL");
    assert!(lines.iter().all(|l| l.len() == 11), "eleven fields a line");
}

#[tokio::test]
async fn the_wsdl_lists_every_implemented_operation_with_its_soap_action() {
    let sim = simulator().await;
    let wsdl = reqwest::get(format!("{}?wsdl", sim.url())).await.expect("an answer");
    let wsdl = wsdl.text().await.expect("a body");
    for op in ["BatchFileUpload", "RequestFileUploadReport", "RetrieveMerchantStatement"] {
        let action = format!("soapAction=\"http://tempuri.org/INIWS_NIF/{op}\"");
        assert!(wsdl.contains(&action), "{op} missing from the WSDL");
    }
    assert!(wsdl.contains(&sim.url()));
}

#[tokio::test]
async fn a_dropped_connection_gives_no_answer_yet_the_upload_was_kept() {
    let sim = simulator().await;
    sim.inject("BatchFileUpload", pocket_sandbox::Fault::DropConnection);
    let lines = five_lines();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let sent = reqwest::Client::new()
        .post(sim.url())
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", UPLOAD)
        .body(spec_envelope(&lines, "F&#9;5&#9;25000&#9;9999"))
        .send()
        .await;
    let error = sent.expect_err("the connection closes without an answer");
    assert!(!error.is_connect(), "the request was sent: {error}");
    assert_eq!(sim.received("BatchFileUpload"), 1);

    sim.clear_faults();
    let uploads = call(
        &sim,
        "RequestCombinedUploadReportForDate",
        &[("ServiceKey", DEFAULT_DEBIT_ORDER_KEY), ("Date", "20261126")],
    )
    .await;
    assert!(uploads.starts_with("###BEGIN LOANS-20261201-1 SUCCESSFUL "), "{uploads}");
}

#[tokio::test]
async fn the_load_report_shows_the_time_of_the_upload_on_the_simulator_clock() {
    let sim = simulator().await;
    sim.set_now(today().and_hms_opt(8, 5, 0).expect("a time"));
    let lines = five_lines();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (_, text) = post(&sim, UPLOAD, &spec_envelope(&lines, "F&#9;5&#9;25000&#9;9999")).await;
    let token = result_of("BatchFileUpload", &text);
    let params = [("ServiceKey", DEFAULT_DEBIT_ORDER_KEY), ("FileToken", token.as_str())];
    call(&sim, "RequestFileUploadReport", &params).await;
    let report = call(&sim, "RequestFileUploadReport", &params).await;
    assert!(report.contains(" SUCCESSFUL 08:05 AM R250.00 "), "{report}");
}
