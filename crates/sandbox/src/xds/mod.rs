//! A simulator of the XDS Connect credit bureau (xds-connect.md), served over real HTTP on
//! `127.0.0.1`: login and tickets that expire on a settable clock, consumer match and report
//! retrieval with deterministic answers per ID number ([`fixtures`]), and fault injection per
//! operation with the same [`Fault`] values as the Netcash simulator.

pub mod fixtures;
mod soap;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Extension, Router};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use pocket_domain::SaIdNumber;
use tokio::net::TcpListener;

use crate::server::{self, KillSwitch, SimServer};
use crate::soap::{operation_of, soap_action, xml};

pub use crate::netcash::Fault;
pub use fixtures::{
    ADVERSE_LISTINGS_ID, GOOD_PAYER_ID, JUDGMENTS_ID, NO_MATCH_ID, OVER_INDEBTED_ID, THIN_FILE_ID,
};
use soap::Call;

/// The path of the service (xds-connect.md: `.../xdsconnect/XDSConnectWS.asmx`).
pub const PATH: &str = "/xdsconnect/XDSConnectWS.asmx";
/// The user the simulator accepts unless configured otherwise.
pub const DEFAULT_USER: &str = "pocketloans";
/// The password the simulator accepts unless configured otherwise.
pub const DEFAULT_PASSWORD: &str = "sandbox-xds-password";
/// The error text of a ticket that expired or was never issued (a guess: the spec is silent).
pub const INVALID_TICKET: &str = "Invalid Ticket";

/// The operations the simulator implements.
const OPERATIONS: &[&str] = &["Login", "IsTicketValid", "ConnectConsumerMatch", "ConnectGetResult"];

/// How the simulator starts.
#[derive(Debug, Clone)]
pub struct XdsConfig {
    /// The accepted user (`strUser`).
    pub user: String,
    /// The accepted password (`strPwd`).
    pub password: String,
    /// How long a ticket lives (xds-connect.md: about 5 hours).
    pub ticket_lifetime: TimeDelta,
    /// The simulator's clock at start.
    pub now: NaiveDateTime,
}

impl XdsConfig {
    /// The default user and password, 5-hour tickets, and the clock at 08:00 on `today`.
    pub fn new(today: NaiveDate) -> XdsConfig {
        XdsConfig {
            user: DEFAULT_USER.to_owned(),
            password: DEFAULT_PASSWORD.to_owned(),
            ticket_lifetime: TimeDelta::hours(5),
            now: today.and_time(NaiveTime::from_hms_opt(8, 0, 0).expect("BUG: a time")),
        }
    }
}

/// An enquiry as the simulated bureau logged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEnquiry {
    /// The ID number enquired about.
    pub id_number: String,
    /// The `EnquiryReason` sent.
    pub reason: String,
    /// The `YourReference` sent (the product sends its consent reference).
    pub your_reference: String,
    /// The product asked for.
    pub product_id: String,
}

#[derive(Debug)]
struct SimState {
    config: XdsConfig,
    tickets: BTreeMap<String, NaiveDateTime>,
    /// EnquiryResultID -> (EnquiryID, ID number).
    results: BTreeMap<u64, (u64, String)>,
    enquiries: Vec<LoggedEnquiry>,
    faults: Vec<(Option<String>, Fault)>,
    received: BTreeMap<String, usize>,
    sequence: u64,
}

type Shared = server::Shared<SimState>;

/// A running simulator; dropping it stops accepting connections.
#[derive(Debug)]
pub struct XdsSimulator {
    shared: Arc<Shared>,
    server: SimServer,
}

impl XdsSimulator {
    /// Starts the simulator on `127.0.0.1` and an ephemeral port.
    pub async fn start(config: XdsConfig) -> std::io::Result<XdsSimulator> {
        XdsSimulator::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts the simulator on the given address.
    pub async fn start_on(addr: SocketAddr, config: XdsConfig) -> std::io::Result<XdsSimulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(
            SimState {
                config,
                tickets: BTreeMap::new(),
                results: BTreeMap::new(),
                enquiries: Vec::new(),
                faults: Vec::new(),
                received: BTreeMap::new(),
                sequence: 0,
            },
            format!("http://{addr}{PATH}"),
        ));
        let router = Router::new().route(PATH, post(soap_call)).with_state(Arc::clone(&shared));
        let server = SimServer::serve(listener, router)?;
        Ok(XdsSimulator { shared, server })
    }

    /// The service endpoint, `http://127.0.0.1:<port>/xdsconnect/XDSConnectWS.asmx`.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The simulator's clock.
    pub fn now(&self) -> NaiveDateTime {
        self.shared.lock().config.now
    }

    /// Sets the simulator's clock (tickets older than their lifetime expire).
    pub fn set_now(&self, now: NaiveDateTime) {
        self.shared.lock().config.now = now;
    }

    /// Moves the simulator's clock forward.
    pub fn advance(&self, by: TimeDelta) {
        let mut state = self.shared.lock();
        state.config.now += by;
    }

    /// Makes every ticket issued so far invalid, as if all had expired.
    pub fn expire_all_tickets(&self) {
        self.shared.lock().tickets.clear();
    }

    /// Injects a fault into every call of `operation` (for example `"ConnectGetResult"`) until
    /// [`XdsSimulator::clear_faults`]. [`Fault::BusinessError`] answers
    /// `<NoResult><Error>text</Error></NoResult>` with the given text.
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

    /// Every enquiry (consumer match) logged so far, oldest first.
    pub fn enquiries(&self) -> Vec<LoggedEnquiry> {
        self.shared.lock().enquiries.clone()
    }
}

fn no_result_error(message: &str) -> String {
    format!("<NoResult><Error>{}</Error></NoResult>", soap::escape(message))
}

async fn soap_call(
    State(shared): State<Arc<Shared>>,
    Extension(kill): Extension<KillSwitch>,
    headers: HeaderMap,
    body: String,
) -> Response {
    // xds-connect.md: `SOAPAction: "http://www.web.xds.co.za/XDSConnectWS/<Operation>"`, quoted.
    let action = soap_action(&headers);
    let operation = operation_of(action, soap::NAMESPACE)
        .and_then(|a| a.strip_prefix('/'))
        .filter(|op| OPERATIONS.contains(op));
    let Some(operation) = operation else {
        // ASMX answers an unknown SOAPAction with a client fault naming the header.
        let message = format!(
            "System.Web.Services.Protocols.SoapException: Server did not recognize the \
                     value of HTTP Header SOAPAction: {action}."
        );
        return xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            soap::fault_envelope("soap:Client", &message),
        );
    };

    let (latencies, fault) = {
        let mut state = shared.lock();
        *state.received.entry(operation.to_owned()).or_insert(0) += 1;
        let applying =
            state.faults.iter().filter(|(op, _)| op.as_deref().is_none_or(|o| o == operation));
        server::pick(applying.map(|(_, f)| f))
    };
    // Only the first latency injected counts here (the Netcash simulator adds them up).
    if let Some(delay) = latencies.first() {
        tokio::time::sleep(*delay).await;
    }
    let error_page = "<!DOCTYPE html><html><head><title>Runtime Error</title></head><body>\
                      <h1>Server Error in '/xdsconnect' Application.</h1></body></html>";
    let malformed = || {
        xml(
            StatusCode::OK,
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Bo"
                .to_owned(),
        )
    };
    let error =
        |text: &str| xml(StatusCode::OK, soap::result_envelope(operation, &no_result_error(text)));
    let answer = || match soap::parse_request(&body) {
        Ok(call) if call.operation != operation => xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            soap::fault_envelope(
                "soap:Client",
                &format!(
                    "The body element {} does not match the action {operation}",
                    call.operation
                ),
            ),
        ),
        Ok(call) => {
            let result = shared.lock().dispatch(operation, &call);
            xml(StatusCode::OK, soap::result_envelope(operation, &result))
        }
        Err(why) => xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            soap::fault_envelope(
                "soap:Client",
                &format!("Server was unable to read request: {why}"),
            ),
        ),
    };
    server::answer_under(fault.as_ref(), &kill, error_page, malformed, error, answer).await
}

impl SimState {
    fn next(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    fn dispatch(&mut self, operation: &str, call: &Call) -> String {
        let result = match operation {
            "Login" => self.login(call),
            "IsTicketValid" => Ok(self.ticket_valid(call.value("XDSConnectTicket")).to_string()),
            "ConnectConsumerMatch" => self.consumer_match(call),
            "ConnectGetResult" => self.get_result(call),
            _ => Err("Unknown operation".to_owned()),
        };
        result.unwrap_or_else(|message| no_result_error(&message))
    }

    fn ticket_valid(&self, ticket: &str) -> bool {
        // xds-connect.md: a ticket is valid for about 5 hours.
        self.tickets
            .get(ticket)
            .is_some_and(|issued| self.config.now < *issued + self.config.ticket_lifetime)
    }

    fn check_ticket(&self, call: &Call) -> Result<(), String> {
        if self.ticket_valid(call.value("ConnectTicket")) {
            Ok(())
        } else {
            Err(INVALID_TICKET.to_owned())
        }
    }

    fn login(&mut self, call: &Call) -> Result<String, String> {
        if call.value("strUser") != self.config.user || call.value("strPwd") != self.config.password
        {
            return Err("Invalid user name or password".to_owned());
        }
        let n = self.next();
        let ticket =
            format!("{:08x}-{:04x}-4a1b-9c3d-{:012x}", n * 2_654_435_761 % (1 << 32), n, n * 7919);
        self.tickets.insert(ticket.clone(), self.config.now);
        Ok(ticket)
    }

    fn consumer_match(&mut self, call: &Call) -> Result<String, String> {
        self.check_ticket(call)?;
        let product = call.value("ProductId");
        if product.is_empty() || !product.bytes().all(|b| b.is_ascii_digit()) {
            return Err("Invalid ProductId".to_owned());
        }
        // xds-connect.md: an enquiry is logged with its reason.
        if call.value("EnquiryReason").is_empty() {
            return Err("EnquiryReason is required".to_owned());
        }
        let id = call.value("IdNumber");
        if SaIdNumber::parse(id, self.config.now.date()).is_err() {
            return Err("Invalid ID Number".to_owned());
        }
        self.enquiries.push(LoggedEnquiry {
            id_number: id.to_owned(),
            reason: call.value("EnquiryReason").to_owned(),
            your_reference: call.value("YourReference").to_owned(),
            product_id: product.to_owned(),
        });
        let Some(profile) = fixtures::profile(id) else {
            return Ok("<NoResult><NotFound>No Record Found</NotFound></NoResult>".to_owned());
        };
        let enquiry_id = 40_000_000 + self.next();
        let result_id = 90_000_000 + self.next();
        self.results.insert(result_id, (enquiry_id, id.to_owned()));
        Ok(fixtures::match_xml(id, &profile, enquiry_id, result_id))
    }

    fn get_result(&mut self, call: &Call) -> Result<String, String> {
        self.check_ticket(call)?;
        let enquiry_id: u64 = call.value("EnquiryID").parse().map_err(|_| "Invalid EnquiryID")?;
        let result_id: u64 =
            call.value("EnquiryResultID").parse().map_err(|_| "Invalid EnquiryResultID")?;
        let (expected, id) = self.results.get(&result_id).ok_or("Invalid EnquiryResultID")?;
        if *expected != enquiry_id {
            return Err("EnquiryID does not match EnquiryResultID".to_owned());
        }
        let profile = fixtures::profile(id).ok_or("Invalid EnquiryResultID")?;
        Ok(fixtures::report_xml(id, &profile, enquiry_id))
    }
}
