//! A sink for Sentry envelopes (`POST /api/<project>/envelope/`), served over real HTTP on
//! `127.0.0.1`, that keeps what it receives so tests can read what a real `sentry` client sent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The public key in the sink's DSN.
pub const PUBLIC_KEY: &str = "0123456789abcdef0123456789abcdef";

/// One envelope as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The project id from the path.
    pub project: String,
    /// The `X-Sentry-Auth` header, if any.
    pub auth: Option<String>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Envelope {
    /// The JSON items of the envelope (header line first), skipping payloads that are not JSON.
    pub fn json_lines(&self) -> Vec<Value> {
        String::from_utf8_lossy(&self.body)
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The event payloads: JSON lines that carry an `event_id` and are not item headers.
    pub fn events(&self) -> Vec<Value> {
        let lines = self.json_lines();
        let mut events = Vec::new();
        // An envelope is a header, then pairs of item header and payload.
        let mut items = lines.iter().skip(1);
        while let Some(header) = items.next() {
            let Some(payload) = items.next() else { break };
            if header.get("type").and_then(Value::as_str) == Some("event") {
                events.push(payload.clone());
            }
        }
        events
    }
}

/// A running sink; dropping it stops it.
#[derive(Debug)]
pub struct SentrySink {
    received: Arc<Mutex<Vec<Envelope>>>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for SentrySink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SentrySink {
    /// Starts the sink on `127.0.0.1` and an ephemeral port.
    pub async fn start() -> std::io::Result<SentrySink> {
        SentrySink::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts the sink on the given address.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<SentrySink> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let router = Router::new()
            .route("/api/{project}/envelope/", post(receive))
            .with_state(Arc::clone(&received));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(SentrySink { received, addr, server })
    }

    /// A DSN that points a Sentry client at this sink, for project `project`.
    pub fn dsn(&self, project: u64) -> String {
        format!("http://{PUBLIC_KEY}@{}/{project}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The envelopes received so far.
    pub fn envelopes(&self) -> Vec<Envelope> {
        self.received.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Every event payload received so far.
    pub fn events(&self) -> Vec<Value> {
        self.envelopes().iter().flat_map(Envelope::events).collect()
    }
}

async fn receive(
    State(received): State<Arc<Mutex<Vec<Envelope>>>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let auth = headers.get("x-sentry-auth").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let envelope = Envelope { project, auth, body: body.to_vec() };
    received.lock().unwrap_or_else(|p| p.into_inner()).push(envelope);
    (StatusCode::OK, "{}")
}
