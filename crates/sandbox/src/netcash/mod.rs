//! A faithful simulator of the Netcash NIWS debit-order service (netcash-niws.md, "What the
//! simulator must do"), served over real HTTP on `127.0.0.1`.
//!
//! Time is injected: the simulator's "today" is a value the test sets, never the clock. Faults
//! are injected per operation through the handle ([`NetcashSimulator::inject`]).

mod batch;
mod soap;
mod validation;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use pocket_domain::{BusinessCalendar, ReasonCode};
use tokio::net::TcpListener;

use crate::server::{self, Injected, InjectedFault, KillSwitch, SimServer};
use crate::soap::{operation_of, soap_action, xml};

pub use validation::{
    AccountFacts, DEFAULT_VALIDATION_KEY, SAVINGS_REFUSE_DEBITS_AT, VALIDATION_PATH,
};

/// The path of the service (netcash-niws.md, "Transport").
pub const PATH: &str = "/NIWS/NIWS_NIF.svc";
/// The debit order service key the simulator accepts unless configured otherwise.
pub const DEFAULT_DEBIT_ORDER_KEY: &str = "5a0e1c3b-7d24-4f6e-9b8a-2c1d0e9f7a61";
/// The account service key (statements) the simulator accepts unless configured otherwise.
pub const DEFAULT_ACCOUNT_KEY: &str = "9b3f6d2a-1e8c-4a7b-8d5e-0f4c3b2a1e97";
/// The software vendor key the batch header must carry unless configured otherwise.
pub const DEFAULT_VENDOR_KEY: &str = "24ade73c-98cf-47b3-99be-cc7b867b3080";

/// The operations the simulator implements and their parameters (also its WSDL).
const OPERATIONS: &[(&str, &[&str])] = &[
    ("BatchFileUpload", &["ServiceKey", "File"]),
    ("RequestFileUploadReport", &["ServiceKey", "FileToken"]),
    ("RetrieveBatchStatus", &["ServiceKey"]),
    ("RequestCombinedUploadReportForDate", &["ServiceKey", "Date"]),
    ("RequestMerchantStatement", &["ServiceKey", "FromActionDate"]),
    ("RetrieveMerchantStatement", &["ServiceKey", "PollingId"]),
];

/// How the simulator starts.
#[derive(Debug, Clone)]
pub struct NetcashConfig {
    /// The debit order service key: batch upload, load reports, batch status.
    pub debit_order_key: String,
    /// The account service key: merchant statements.
    pub account_key: String,
    /// The software vendor key the batch header must carry.
    pub vendor_key: String,
    /// The simulator's "today" (Africa/Johannesburg civil date).
    pub today: NaiveDate,
    /// The business calendar for action-date lead times.
    pub calendar: BusinessCalendar,
}

impl NetcashConfig {
    /// The default keys, the South African calendar, and the given "today".
    pub fn new(today: NaiveDate) -> NetcashConfig {
        NetcashConfig {
            debit_order_key: DEFAULT_DEBIT_ORDER_KEY.to_owned(),
            account_key: DEFAULT_ACCOUNT_KEY.to_owned(),
            vendor_key: DEFAULT_VENDOR_KEY.to_owned(),
            today,
            calendar: BusinessCalendar::south_africa(),
        }
    }
}

/// A fault to inject into the simulator's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long before answering (then answer normally, unless another fault applies).
    Latency(Duration),
    /// Process the request, then close the connection without responding.
    DropConnection,
    /// Answer HTTP 500 with an HTML error page, as a proxy in front of the service would.
    ServerErrorPage,
    /// Answer HTTP 200 with a body that is not well-formed XML.
    MalformedXml,
    /// Answer HTTP 200 with this business error code as the result string.
    BusinessError(String),
}

impl InjectedFault for Fault {
    type Error = str;

    fn injected(&self) -> Injected<'_, str> {
        match self {
            Fault::Latency(d) => Injected::Latency(*d),
            Fault::DropConnection => Injected::DropConnection,
            Fault::ServerErrorPage => Injected::ServerErrorPage,
            Fault::MalformedXml => Injected::Malformed,
            Fault::BusinessError(code) => Injected::Error(code),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    DebitOrder,
    Account,
}

#[derive(Debug)]
struct Upload {
    token: String,
    uploaded_on: NaiveDate,
    uploaded_at: NaiveDateTime,
    loaded: batch::Loaded,
    polls: u32,
}

#[derive(Debug)]
struct StatementRequest {
    from: NaiveDate,
    polls: u32,
    text: Option<String>,
}

#[derive(Debug)]
struct LateUnpaid {
    account_reference: String,
    code: String,
    on: NaiveDate,
}

#[derive(Debug)]
struct SimState {
    config: NetcashConfig,
    now: NaiveDateTime,
    uploads: Vec<Upload>,
    statements: BTreeMap<String, StatementRequest>,
    late_unpaids: Vec<LateUnpaid>,
    /// Debits that come back unpaid on their action date with a chosen code, by reference.
    returns: BTreeMap<String, String>,
    failing_check_digits: Vec<String>,
    validation: validation::ValidationState,
    faults: Vec<(Option<String>, Fault)>,
    received: BTreeMap<String, usize>,
    sequence: u64,
}

type Shared = server::Shared<SimState>;

/// A running simulator; dropping it stops accepting connections.
#[derive(Debug)]
pub struct NetcashSimulator {
    shared: Arc<Shared>,
    server: SimServer,
}

impl NetcashSimulator {
    /// Starts the simulator on `127.0.0.1` and an ephemeral port.
    pub async fn start(config: NetcashConfig) -> std::io::Result<NetcashSimulator> {
        NetcashSimulator::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts the simulator on the given address.
    pub async fn start_on(
        addr: SocketAddr,
        config: NetcashConfig,
    ) -> std::io::Result<NetcashSimulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let now = config.today.and_time(NaiveTime::from_hms_opt(13, 29, 0).expect("BUG: a time"));
        let shared = Arc::new(Shared::new(
            SimState {
                config,
                now,
                uploads: Vec::new(),
                statements: BTreeMap::new(),
                late_unpaids: Vec::new(),
                returns: BTreeMap::new(),
                failing_check_digits: Vec::new(),
                validation: validation::ValidationState::default(),
                faults: Vec::new(),
                received: BTreeMap::new(),
                sequence: 0,
            },
            format!("http://{addr}{PATH}"),
        ));
        let router = Router::new()
            .route(PATH, post(soap_call).get(get_wsdl))
            .route(validation::VALIDATION_PATH, post(validation::soap_call))
            .with_state(Arc::clone(&shared));
        let server = SimServer::serve(listener, router)?;
        Ok(NetcashSimulator { shared, server })
    }

    /// The service endpoint, `http://127.0.0.1:<port>/NIWS/NIWS_NIF.svc`.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Moves the simulator's "today" (the time of day stays).
    pub fn set_today(&self, today: NaiveDate) {
        let mut state = self.shared.lock();
        state.now = today.and_time(state.now.time());
        state.config.today = today;
    }

    /// Sets the simulator's clock (the date becomes "today"; the time shows in load reports).
    pub fn set_now(&self, now: NaiveDateTime) {
        let mut state = self.shared.lock();
        state.now = now;
        state.config.today = now.date();
    }

    /// The simulator's "today".
    pub fn today(&self) -> NaiveDate {
        self.shared.lock().config.today
    }

    /// Injects a fault into every call of `operation` (for example `"BatchFileUpload"`) until
    /// [`NetcashSimulator::clear_faults`].
    pub fn inject(&self, operation: &str, fault: Fault) {
        self.shared.lock().faults.push((Some(operation.to_owned()), fault));
    }

    /// Injects a fault into every call of every operation.
    pub fn inject_everywhere(&self, fault: Fault) {
        self.shared.lock().faults.push((None, fault));
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// How many calls of `operation` reached the simulator (with a valid SOAPAction).
    pub fn received(&self, operation: &str) -> usize {
        self.shared.lock().received.get(operation).copied().unwrap_or(0)
    }

    /// Makes lines with this account number fail the bank's check-digit verification at load.
    pub fn fail_check_digits(&self, account_number: &str) {
        self.shared.lock().failing_check_digits.push(account_number.to_owned());
    }

    /// Makes a debit that succeeded come back unpaid later: a `DRU` line with `code` dated
    /// `on_date` appears in statements that cover that date (collections.md rule 4).
    pub fn inject_late_unpaid(&self, account_reference: &str, code: &str, on_date: NaiveDate) {
        self.shared.lock().late_unpaids.push(LateUnpaid {
            account_reference: account_reference.to_owned(),
            code: code.to_owned(),
            on: on_date,
        });
    }

    /// Makes the debit with this account reference come back unpaid with `code` on its action
    /// date (a `DRU` line instead of the collection), whatever its amount.
    pub fn return_unpaid(&self, account_reference: &str, code: &str) {
        self.shared.lock().returns.insert(account_reference.to_owned(), code.to_owned());
    }

    /// The account references of every debit order loaded from every upload, in upload order
    /// (a reference twice means the same debit order went to the bank twice).
    pub fn loaded_references(&self) -> Vec<String> {
        let state = self.shared.lock();
        state
            .uploads
            .iter()
            .filter(|u| u.loaded.fatal.is_none() && !u.loaded.mandates)
            .flat_map(|u| u.loaded.transactions.iter().map(|t| t.account_reference.clone()))
            .collect()
    }

    /// A dispute (collections.md: code 30, no authority to debit) arriving on `on_date`.
    pub fn inject_dispute(&self, account_reference: &str, on_date: NaiveDate) {
        self.inject_late_unpaid(account_reference, "30", on_date);
    }
}

async fn get_wsdl(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    if query.as_deref().is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
        let wsdl = soap::wsdl(&shared.url, OPERATIONS);
        ([(header::CONTENT_TYPE, "text/xml; charset=UTF-8")], wsdl).into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>NIWS_NIF Service</body></html>",
        )
            .into_response()
    }
}

/// The NIF service's contract on the simulator.
const NIF: Service = Service {
    // netcash-niws.md: `SOAPAction: "http://tempuri.org/INIWS_NIF/<Operation>"`, with the quotes.
    action_prefix: "http://tempuri.org/INIWS_NIF/",
    is_operation: |op| OPERATIONS.iter().any(|(known, _)| *known == op),
    mismatch_detail: " This may be because of either a contract mismatch (mismatched Actions \
                      between sender and receiver) or a binding/security mismatch between the \
                      sender and the receiver.",
    malformed: "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><Resp",
    dispatch: SimState::dispatch,
};

/// The handler of `POST /NIWS/NIWS_NIF.svc`.
async fn soap_call(
    State(shared): State<Arc<Shared>>,
    Extension(kill): Extension<KillSwitch>,
    headers: HeaderMap,
    body: String,
) -> Response {
    niws_call(&NIF, &shared, &kill, &headers, &body).await
}

/// One NIWS service on the simulator: how its SOAPAction reads and what answers its
/// operations. The NIF and validation services share one transport (netcash-niws.md,
/// "Transport": sibling services), so they answer through the same steps.
struct Service {
    /// What the quoted SOAPAction holds before the operation name.
    action_prefix: &'static str,
    /// Whether the service has an operation of this name.
    is_operation: fn(&str) -> bool,
    /// What the ContractFilter fault adds after its first sentence.
    mismatch_detail: &'static str,
    /// The cut-off body [`Fault::MalformedXml`] answers.
    malformed: &'static str,
    /// The result string of one call to an operation.
    dispatch: fn(&mut SimState, &str, &Call) -> String,
}

/// Answers one SOAP call to `service`, with the faults injected for its operation.
async fn niws_call(
    service: &Service,
    shared: &Shared,
    kill: &KillSwitch,
    headers: &HeaderMap,
    body: &str,
) -> Response {
    let action = soap_action(headers);
    let operation =
        operation_of(action, service.action_prefix).filter(|op| (service.is_operation)(op));
    let Some(operation) = operation else {
        // netcash-niws.md: an unknown SOAPAction gives `s:Fault`, "ContractFilter mismatch".
        let message = format!(
            "The message with Action '{action}' cannot be processed at the receiver, due to a \
             ContractFilter mismatch at the EndpointDispatcher.{}",
            service.mismatch_detail
        );
        return xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            soap::fault_envelope("a:ActionNotSupported", &message),
        );
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if !content_type.is_some_and(|c| c.starts_with("text/xml")) {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }

    // The simulator's fault mechanism: faults injected for this operation or everywhere.
    let (latencies, fault) = {
        let mut state = shared.lock();
        *state.received.entry(operation.to_owned()).or_default() += 1;
        let applying =
            state.faults.iter().filter(|(op, _)| op.as_deref().is_none_or(|op| op == operation));
        server::pick(applying.map(|(_, f)| f))
    };
    server::delay(latencies.iter().sum()).await;
    let error_page = "<!DOCTYPE html><html><head><title>Runtime Error</title></head><body>\
                      <h1>Server Error in '/' Application.</h1></body></html>";
    let malformed = || xml(StatusCode::OK, service.malformed.to_owned());
    let error = |code: &str| xml(StatusCode::OK, soap::result_envelope(operation, code));
    let answer = || match soap::parse_request(body) {
        Ok(call) if call.operation != operation => xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            soap::fault_envelope(
                "a:DeserializationFailed",
                &format!(
                    "The body element {} does not match the action {operation}",
                    call.operation
                ),
            ),
        ),
        Ok(call) => {
            let result = (service.dispatch)(&mut shared.lock(), operation, &call);
            xml(StatusCode::OK, soap::result_envelope(operation, &result))
        }
        Err(why) => xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            soap::fault_envelope(
                "a:DeserializationFailed",
                &format!(
                    "The formatter threw an exception while trying to deserialize the message: {why}"
                ),
            ),
        ),
    };
    server::answer_under(fault.as_ref(), kill, error_page, malformed, error, answer).await
}

/// Amounts whose cents are a reason code come back unpaid with that code (netcash-niws.md: "a
/// rule such as 'amount ending in 02 cents returns code 02' keeps tests readable").
fn unpaid_code_by_cents(amount_cents: i64) -> Option<String> {
    let cents = format!("{:02}", amount_cents.rem_euclid(100));
    match ReasonCode::parse(&cents) {
        ReasonCode::Unknown(_) => None,
        _ => Some(cents),
    }
}

fn rands(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, (cents % 100).abs())
}

impl SimState {
    fn next(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    /// The key check (netcash-niws.md: 100 authentication failure, 311 service key not valid
    /// for this service).
    fn check_key(&self, call: &Call, wanted: Key) -> Result<(), String> {
        let given = call.param("ServiceKey").unwrap_or("").trim();
        let which = if given == self.config.debit_order_key {
            Key::DebitOrder
        } else if given == self.config.account_key {
            Key::Account
        } else {
            return Err("100".to_owned());
        };
        if which == wanted { Ok(()) } else { Err("311".to_owned()) }
    }

    fn dispatch(&mut self, operation: &str, call: &Call) -> String {
        let result = match operation {
            "BatchFileUpload" => self.upload(call),
            "RequestFileUploadReport" => self.upload_report(call),
            "RetrieveBatchStatus" => self.batch_status(call),
            "RequestCombinedUploadReportForDate" => self.combined_report(call),
            "RequestMerchantStatement" => self.request_statement(call),
            "RetrieveMerchantStatement" => self.retrieve_statement(call),
            _ => Err("200".to_owned()),
        };
        result.unwrap_or_else(|code| code)
    }

    fn upload(&mut self, call: &Call) -> Result<String, String> {
        self.check_key(call, Key::DebitOrder)?;
        let file = call.param("File").ok_or("102")?;
        let rules = batch::Rules {
            service_key: &self.config.debit_order_key,
            vendor_key: &self.config.vendor_key,
            today: self.config.today,
            calendar: &self.config.calendar,
            failing_check_digits: &self.failing_check_digits,
        };
        let loaded = batch::load(file, &rules).map_err(|refused| refused.0.to_owned())?;
        let n = self.next();
        let token = format!("10028929.{:010}.{}.63807.011", 1_000_711_980 + n, 5684 + n);
        self.uploads.push(Upload {
            token: token.clone(),
            uploaded_on: self.config.today,
            uploaded_at: self.now,
            loaded,
            polls: 0,
        });
        Ok(token)
    }

    fn upload_report(&mut self, call: &Call) -> Result<String, String> {
        self.check_key(call, Key::DebitOrder)?;
        let token = call.param("FileToken").unwrap_or("").trim();
        let upload = self.uploads.iter_mut().find(|u| u.token == token).ok_or("202")?;
        upload.polls += 1;
        // netcash-niws.md: `FILE NOT READY` while processing (here: on the first poll).
        if upload.polls == 1 {
            return Ok("FILE NOT READY".to_owned());
        }
        Ok(batch::report(&upload.loaded, upload.uploaded_at))
    }

    fn batch_status(&mut self, call: &Call) -> Result<String, String> {
        self.check_key(call, Key::DebitOrder)?;
        // netcash-niws.md: 1 unauthorised, 2 authorised, 3 locked, 4 processed. The simulated
        // profile authorises loaded batches automatically; they are processed after the action date.
        let lines: Vec<String> = self
            .uploads
            .iter()
            .filter(|u| u.loaded.fatal.is_none())
            .map(|u| {
                let action = u.loaded.action_date.expect("BUG: a loaded batch has a date");
                let status = if action < self.config.today { 4 } else { 2 };
                let total: i64 = u.loaded.transactions.iter().map(|t| t.amount_cents).sum();
                format!(
                    "{}\t{}\t{}\t{status}\t{}\t{total}",
                    u.token,
                    u.loaded.name,
                    action.format("%Y%m%d"),
                    u.loaded.transactions.len()
                )
            })
            .collect();
        Ok(if lines.is_empty() { "NO CHANGE".to_owned() } else { lines.join("\r\n") })
    }

    fn combined_report(&mut self, call: &Call) -> Result<String, String> {
        self.check_key(call, Key::DebitOrder)?;
        let date = call.param("Date").unwrap_or("").trim();
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| "101")?;
        let reports: Vec<String> = self
            .uploads
            .iter()
            .filter(|u| u.uploaded_on == date)
            .map(|u| batch::report(&u.loaded, u.uploaded_at))
            .collect();
        Ok(if reports.is_empty() { "NO CHANGE".to_owned() } else { reports.join("\r\n") })
    }

    fn request_statement(&mut self, call: &Call) -> Result<String, String> {
        self.check_key(call, Key::Account)?;
        let from = call.param("FromActionDate").unwrap_or("").trim();
        let from = NaiveDate::parse_from_str(from, "%Y%m%d").map_err(|_| "101")?;
        if from >= self.config.today {
            return Err("102".to_owned());
        }
        let n = self.next();
        let id = format!("{n:08X}-5E1D-4C2A-9B7F-{:012X}", n * 7919);
        self.statements.insert(id.clone(), StatementRequest { from, polls: 0, text: None });
        Ok(id)
    }

    fn retrieve_statement(&mut self, call: &Call) -> Result<String, String> {
        self.check_key(call, Key::Account)?;
        let id = call.param("PollingId").unwrap_or("").trim().to_owned();
        let request = self.statements.get(&id).ok_or("202")?;
        let (from, polls, ready) = (request.from, request.polls + 1, request.text.clone());
        let text = match ready {
            Some(text) => Some(text),
            None if polls > 1 => Some(self.statement(from)),
            None => None,
        };
        let request = self.statements.get_mut(&id).expect("BUG: found above");
        request.polls = polls;
        request.text = text.clone();
        Ok(text.unwrap_or_else(|| "FILE NOT READY".to_owned()))
    }

    /// A statement from `from` up to yesterday (netcash-niws.md: a day's full statement is
    /// available the next morning): `date, type, id, description, amount, +/-, VAT, extra1,
    /// extra2, extra3, ledger description`, with the account reference in extra1.
    fn statement(&mut self, from: NaiveDate) -> String {
        let today = self.config.today;
        let covered = |d: NaiveDate| from <= d && d < today;
        // (date, type, description, cents, sign, reference, batch)
        let mut items: Vec<(NaiveDate, &str, String, i64, char, String, String)> = Vec::new();
        // Mandate requests are not debits: they never appear on the statement.
        for upload in self.uploads.iter().filter(|u| u.loaded.fatal.is_none() && !u.loaded.mandates)
        {
            let Some(date) = upload.loaded.action_date.filter(|d| covered(*d)) else { continue };
            for t in &upload.loaded.transactions {
                let code = self
                    .returns
                    .get(&t.account_reference)
                    .cloned()
                    .or_else(|| unpaid_code_by_cents(t.amount_cents));
                let (kind, description, sign) = match code {
                    Some(code) => ("DRU", format!("Debit order unpaid - Code: {code}"), '-'),
                    None if upload.loaded.same_day => ("SDD", t.account_name.clone(), '+'),
                    None => ("TDD", t.account_name.clone(), '+'),
                };
                items.push((
                    date,
                    kind,
                    description,
                    t.amount_cents,
                    sign,
                    t.account_reference.clone(),
                    upload.loaded.name.clone(),
                ));
            }
        }
        for late in self.late_unpaids.iter().filter(|l| covered(l.on)) {
            let original = self.uploads.iter().rev().find_map(|u| {
                u.loaded
                    .transactions
                    .iter()
                    .find(|t| t.account_reference == late.account_reference)
                    .map(|t| (t.amount_cents, u.loaded.name.clone()))
            });
            let (cents, batch) = original.unwrap_or((0, String::new()));
            items.push((
                late.on,
                "DRU",
                format!("Debit order unpaid - Code: {}", late.code),
                cents,
                '-',
                late.account_reference.clone(),
                batch,
            ));
        }
        items.sort_by_key(|i| i.0);
        let mut balance: i64 = 0;
        let mut out = format!(
            "{}\tOBL\t0\tOpening balance\t0.00\t+\t0.00\t\t\t\tBalance\r\n",
            from.format("%Y%m%d")
        );
        for (date, kind, description, cents, sign, reference, batch) in items {
            let id = self.next();
            balance += if sign == '+' { cents } else { -cents };
            out.push_str(&format!(
                "{}\t{kind}\t{id}\t{description}\t{}\t{sign}\t0.00\t{reference}\t{batch}\t\tDebit orders\r\n",
                date.format("%Y%m%d"),
                rands(cents)
            ));
        }
        let last = today.pred_opt().unwrap_or(today).max(from);
        out.push_str(&format!(
            "{}\tCBL\t0\tClosing balance\t{}\t{}\t0.00\t\t\t\tBalance",
            last.format("%Y%m%d"),
            rands(balance.abs()),
            if balance < 0 { '-' } else { '+' }
        ));
        out
    }
}

use soap::Call;
