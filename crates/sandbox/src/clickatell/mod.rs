//! A simulator of the Clickatell One API for SMS (clickatell.md), served over real HTTP on
//! `127.0.0.1`: `POST /v1/message` with key check, per-message validation and 207 partial
//! answers; `GET /v1/message/{id}`; status callbacks posted to a webhook when the test (or the
//! demo) advances deliveries through the handle. No timers: nothing happens unless asked.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::server::{self, Injected, InjectedFault, KillSwitch, SimServer};

/// The API key the simulator accepts unless configured otherwise.
pub const DEFAULT_API_KEY: &str = "sandbox-clickatell-key-3f9a7c21";
/// The number that answers `DELIVERY_FAILURE` unless configured otherwise.
pub const DEFAULT_FAILING_NUMBER: &str = "27820000001";
/// The number that has opted out (code 26) unless configured otherwise.
pub const DEFAULT_OPTED_OUT_NUMBER: &str = "27820000002";
/// clickatell.md: "22 too many messages"; the simulator's limit per request.
pub const MAX_MESSAGES_PER_REQUEST: usize = 100;
/// The longest content the simulator accepts (code 24 beyond it).
pub const MAX_CONTENT_CHARS: usize = 1600;

/// How the simulator starts.
#[derive(Debug, Clone)]
pub struct ClickatellConfig {
    /// The integration API key, checked against the raw `Authorization` header.
    pub api_key: String,
    /// Where status callbacks go (with the secret in its query or path), if anywhere.
    pub callback_url: Option<String>,
    /// Numbers (MSISDN digits) whose messages end in `DELIVERY_FAILURE`.
    pub failing_numbers: BTreeSet<String>,
    /// Numbers that opted out: code 26 at send time.
    pub opted_out_numbers: BTreeSet<String>,
    /// Numbers that do not exist: code 25 at send time.
    pub invalid_recipients: BTreeSet<String>,
}

impl Default for ClickatellConfig {
    fn default() -> ClickatellConfig {
        ClickatellConfig {
            api_key: DEFAULT_API_KEY.to_owned(),
            callback_url: None,
            failing_numbers: [DEFAULT_FAILING_NUMBER.to_owned()].into(),
            opted_out_numbers: [DEFAULT_OPTED_OUT_NUMBER.to_owned()].into(),
            invalid_recipients: BTreeSet::new(),
        }
    }
}

/// A fault to inject into the simulator's answers to `POST /v1/message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long before answering (then answer normally, unless another fault applies).
    Latency(Duration),
    /// Accept and record the messages, then close the connection without responding.
    DropConnection,
    /// Answer HTTP 500 with an HTML error page, as a proxy in front of the service would.
    ServerErrorPage,
    /// Answer HTTP 202 with a body that is not well-formed JSON.
    MalformedJson,
    /// Answer with this error code for the whole request (HTTP 429 for 43, 401 for 1, 503 for
    /// 18 and 19, 400 otherwise).
    ErrorCode(u16),
}

impl InjectedFault for Fault {
    type Error = u16;

    fn injected(&self) -> Injected<'_, u16> {
        match self {
            Fault::Latency(d) => Injected::Latency(*d),
            Fault::DropConnection => Injected::DropConnection,
            Fault::ServerErrorPage => Injected::ServerErrorPage,
            Fault::MalformedJson => Injected::Malformed,
            Fault::ErrorCode(code) => Injected::Error(code),
        }
    }
}

/// A message the simulator accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    /// The `apiMessageId` the simulator assigned.
    pub api_message_id: String,
    /// The recipient's MSISDN digits.
    pub to: String,
    /// The text.
    pub content: String,
    /// The sender's own id, if any.
    pub client_message_id: Option<String>,
    /// The statuses so far, the current one last.
    pub statuses: Vec<&'static str>,
}

impl ReceivedSms {
    /// The current status.
    pub fn status(&self) -> &'static str {
        self.statuses.last().copied().unwrap_or("QUEUED")
    }

    fn next_status(&self, failing: bool) -> Option<&'static str> {
        // clickatell.md statuses: QUEUED -> SENT_TO_SUPPLIER -> DEVICE_ACK, or DELIVERY_FAILURE.
        match (self.status(), failing) {
            ("QUEUED", _) => Some("SENT_TO_SUPPLIER"),
            ("SENT_TO_SUPPLIER", false) => Some("DEVICE_ACK"),
            ("SENT_TO_SUPPLIER", true) => Some("DELIVERY_FAILURE"),
            _ => None,
        }
    }
}

/// The numeric status code a callback carries with a status. The spec names none; these are
/// Clickatell's documented legacy codes as far as known (a guess for the simulator only).
fn status_code(status: &str) -> u32 {
    match status {
        "QUEUED" => 2,
        "SENT_TO_SUPPLIER" => 3,
        "DEVICE_ACK" => 4,
        "DELIVERY_FAILURE" => 5,
        _ => 1,
    }
}

#[derive(Debug)]
struct SimState {
    config: ClickatellConfig,
    messages: Vec<ReceivedSms>,
    faults: Vec<Fault>,
    rate_limit: Option<(u32, Option<u64>)>,
    requests: usize,
    sequence: u64,
    now_millis: i64,
}

type Shared = server::Shared<SimState>;

/// A running simulator; dropping it stops accepting connections.
#[derive(Debug)]
pub struct ClickatellSimulator {
    shared: Arc<Shared>,
    server: SimServer,
    http: reqwest::Client,
}

/// Why a status callback could not be delivered.
#[derive(Debug)]
pub struct CallbackError(pub String);

impl std::fmt::Display for CallbackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the status callback failed: {}", self.0)
    }
}

impl std::error::Error for CallbackError {}

impl ClickatellSimulator {
    /// Starts the simulator on `127.0.0.1` and an ephemeral port.
    pub async fn start(config: ClickatellConfig) -> std::io::Result<ClickatellSimulator> {
        ClickatellSimulator::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts the simulator on the given address.
    pub async fn start_on(
        addr: SocketAddr,
        config: ClickatellConfig,
    ) -> std::io::Result<ClickatellSimulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(
            SimState {
                config,
                messages: Vec::new(),
                faults: Vec::new(),
                rate_limit: None,
                requests: 0,
                sequence: 0,
                // 2026-01-01T00:00:00Z; advances a second with every status change.
                now_millis: 1_767_225_600_000,
            },
            format!("http://{addr}"),
        ));
        let router = Router::new()
            .route("/v1/message", post(send_messages))
            .route("/v1/message/{id}", get(message_status))
            .with_state(Arc::clone(&shared));
        let server = SimServer::serve(listener, router)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(std::io::Error::other)?;
        Ok(ClickatellSimulator { shared, server, http })
    }

    /// The base URL, `http://127.0.0.1:<port>` (the client appends `/v1/message`).
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The API key it accepts.
    pub fn api_key(&self) -> String {
        self.shared.lock().config.api_key.clone()
    }

    /// Sets (or clears) where status callbacks go.
    pub fn set_callback_url(&self, url: Option<String>) {
        self.shared.lock().config.callback_url = url;
    }

    /// Makes messages to `msisdn_digits` end in `DELIVERY_FAILURE`.
    pub fn fail_deliveries_to(&self, msisdn_digits: &str) {
        self.shared.lock().config.failing_numbers.insert(msisdn_digits.to_owned());
    }

    /// Marks `msisdn_digits` as opted out (code 26 at send time).
    pub fn opt_out(&self, msisdn_digits: &str) {
        self.shared.lock().config.opted_out_numbers.insert(msisdn_digits.to_owned());
    }

    /// Injects a fault into every following send request, until cleared.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Answers the next `requests` send requests with HTTP 429 and code 43, with a
    /// `Retry-After` of `retry_after_seconds` if given (clickatell.md: "43 rate limit (also
    /// HTTP 429: back off)").
    pub fn rate_limit(&self, requests: u32, retry_after_seconds: Option<u64>) {
        self.shared.lock().rate_limit = Some((requests, retry_after_seconds));
    }

    /// How many send requests reached the simulator.
    pub fn requests(&self) -> usize {
        self.shared.lock().requests
    }

    /// The accepted messages, in order.
    pub fn messages(&self) -> Vec<ReceivedSms> {
        self.shared.lock().messages.clone()
    }

    /// Moves every message that is not final one status on, and posts one callback per change
    /// to the callback URL (if set). Returns how many messages moved.
    pub async fn advance(&self) -> Result<usize, CallbackError> {
        let (url, updates) = {
            let mut state = self.shared.lock();
            let mut updates = Vec::new();
            let SimState { config, messages, now_millis, .. } = &mut *state;
            for message in messages.iter_mut() {
                let failing = config.failing_numbers.contains(&message.to);
                if let Some(next) = message.next_status(failing) {
                    message.statuses.push(next);
                    *now_millis += 1000;
                    updates.push(json!({
                        "channel": "sms",
                        "timestamp": *now_millis,
                        "statusCode": status_code(next),
                        "status": next,
                        "messageId": message.api_message_id,
                        "clientMessageId": message.client_message_id.clone().unwrap_or_default(),
                    }));
                }
            }
            (config.callback_url.clone(), updates)
        };
        let moved = updates.len();
        if let Some(url) = url {
            for update in updates {
                // clickatell.md: "Status callback (webhook) body".
                let body = json!({
                    "integrationId": "sandbox-integration",
                    "integrationName": "Pocket Loans sandbox",
                    "event": { "messageStatusUpdate": [update] },
                });
                let response = self
                    .http
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .map_err(|e| CallbackError(e.to_string()))?;
                if !response.status().is_success() {
                    return Err(CallbackError(format!(
                        "the webhook answered {}",
                        response.status()
                    )));
                }
            }
        }
        Ok(moved)
    }

    /// Advances until every message is final (at most three steps).
    pub async fn deliver_all(&self) -> Result<usize, CallbackError> {
        let mut total = 0;
        loop {
            let moved = self.advance().await?;
            if moved == 0 {
                return Ok(total);
            }
            total += moved;
        }
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn error_response(status: StatusCode, code: u16, description: &str) -> Response {
    json_response(status, json!({ "error": { "code": code, "description": description } }))
}

fn describe(code: u16) -> &'static str {
    match code {
        1 => "Invalid or missing integration API Key",
        18 => "Internal error",
        19 => "Internal error, please retry",
        20 => "Insufficient balance",
        21 => "Malformed payload",
        22 => "Too many messages",
        23 => "Invalid or missing parameter: to .",
        24 => "Content too long",
        25 => "Invalid recipient",
        26 => "Recipient opted out",
        41 => "Resource does not exist",
        43 => "Rate limit exceeded",
        _ => "Error",
    }
}

fn key_ok(shared: &Shared, headers: &HeaderMap) -> bool {
    let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    // clickatell.md: the raw key, no "Bearer".
    presented == Some(shared.lock().config.api_key.as_str())
}

/// clickatell.md / identity.md: MSISDN digits without a plus; SA mobiles are 27 and nine digits
/// starting with 6, 7 or 8.
fn valid_sa_mobile(to: &str) -> bool {
    to.len() == 11
        && to.bytes().all(|b| b.is_ascii_digit())
        && to.starts_with("27")
        && matches!(to.as_bytes()[2], b'6'..=b'8')
}

async fn send_messages(
    State(shared): State<Arc<Shared>>,
    Extension(kill): Extension<KillSwitch>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (latencies, fault, rate_limited) = {
        let mut state = shared.lock();
        state.requests += 1;
        let (latencies, fault) = server::pick(&state.faults);
        let rate_limited = match &mut state.rate_limit {
            Some((remaining, retry_after)) if *remaining > 0 => {
                *remaining -= 1;
                Some(*retry_after)
            }
            _ => None,
        };
        (latencies, fault, rate_limited)
    };
    server::delay(latencies.iter().sum()).await;
    if !key_ok(&shared, &headers) {
        // clickatell.md: 401 `{"error":{"code":1,"description":"Invalid or missing integration
        // API Key"}}`.
        return error_response(StatusCode::UNAUTHORIZED, 1, describe(1));
    }
    if let Some(retry_after) = rate_limited {
        let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, 43, describe(43));
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        return response;
    }
    let error_page = "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>\
                      <body><h1>Internal Server Error</h1></body></html>";
    let malformed = || {
        (
            StatusCode::ACCEPTED,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"messages\":[{\"apiMessageId\":",
        )
            .into_response()
    };
    let error = |code: &u16| {
        let status = match code {
            1 => StatusCode::UNAUTHORIZED,
            18 | 19 => StatusCode::SERVICE_UNAVAILABLE,
            43 => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        error_response(status, *code, describe(*code))
    };
    let answer = || shared.lock().accept(&body);
    server::answer_under(fault.as_ref(), &kill, error_page, malformed, error, answer).await
}

impl SimState {
    fn accept(&mut self, body: &[u8]) -> Response {
        let request: Option<Value> = serde_json::from_slice(body).ok();
        let Some(items) =
            request.as_ref().and_then(|r| r.get("messages")).and_then(Value::as_array)
        else {
            return error_response(StatusCode::BAD_REQUEST, 21, describe(21));
        };
        if items.is_empty() {
            return error_response(StatusCode::BAD_REQUEST, 21, describe(21));
        }
        if items.len() > MAX_MESSAGES_PER_REQUEST {
            return error_response(StatusCode::BAD_REQUEST, 22, describe(22));
        }
        let mut answers = Vec::new();
        let mut all_accepted = true;
        for item in items {
            let to = item.get("to").and_then(Value::as_str).unwrap_or_default();
            let content = item.get("content").and_then(Value::as_str).unwrap_or_default();
            let code = if item.get("channel").and_then(Value::as_str) != Some("sms")
                || !valid_sa_mobile(to)
            {
                Some(23)
            } else if content.is_empty() {
                Some(21)
            } else if content.chars().count() > MAX_CONTENT_CHARS {
                Some(24)
            } else if self.config.invalid_recipients.contains(to) {
                Some(25)
            } else if self.config.opted_out_numbers.contains(to) {
                Some(26)
            } else {
                None
            };
            match code {
                Some(code) => {
                    all_accepted = false;
                    // clickatell.md: 207 partial, per message `{"error":{...},"accepted":false,
                    // "to":...}`.
                    answers.push(json!({
                        "error": { "code": code, "description": describe(code) },
                        "accepted": false,
                        "to": to,
                    }));
                }
                None => {
                    self.sequence += 1;
                    let id = format!("{:032x}", 0x02ca_87d5_u128 << 96 | u128::from(self.sequence));
                    let client_message_id =
                        item.get("clientMessageId").and_then(Value::as_str).map(str::to_owned);
                    self.messages.push(ReceivedSms {
                        api_message_id: id.clone(),
                        to: to.to_owned(),
                        content: content.to_owned(),
                        client_message_id,
                        statuses: vec!["QUEUED"],
                    });
                    answers.push(json!({ "apiMessageId": id, "accepted": true, "to": to }));
                }
            }
        }
        let status = if all_accepted { StatusCode::ACCEPTED } else { StatusCode::MULTI_STATUS };
        json_response(status, json!({ "messages": answers, "error": null }))
    }
}

async fn message_status(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !key_ok(&shared, &headers) {
        return error_response(StatusCode::UNAUTHORIZED, 1, describe(1));
    }
    let state = shared.lock();
    match state.messages.iter().find(|m| m.api_message_id == id) {
        // clickatell.md: `{"sms":{"status":"QUEUED","timestamp":1506607698000}}`.
        Some(message) => json_response(
            StatusCode::OK,
            json!({ "sms": { "status": message.status(), "timestamp": state.now_millis } }),
        ),
        None => error_response(StatusCode::NOT_FOUND, 41, describe(41)),
    }
}
