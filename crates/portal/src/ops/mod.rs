//! Operations: health and readiness probes, Prometheus metrics, and the middleware every response
//! passes through (request ids, structured request logs, metrics, security headers, body limits,
//! timeouts, compression).
//!
//! - `/healthz`: the process answers (liveness).
//! - `/readyz`: the database answers and every migration this build embeds is applied with the
//!   same checksum (a database ahead of this build, during a rolling update, is still ready).
//! - `/metrics`: Prometheus text (see [`metrics`]).

pub mod metrics;

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

pub use self::metrics::Metrics;
use crate::server::AppState;

/// The Content-Security-Policy of every response: no inline scripts or styles, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// HSTS outside development: a year, subdomains included.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The limits and switches of the public server's middleware and of the partner API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPolicy {
    /// Development (plain HTTP on a laptop): no HSTS header.
    pub development: bool,
    /// Longest time to answer a request before 408.
    pub request_timeout: Duration,
    /// Largest form or JSON body.
    pub body_limit: usize,
    /// Largest body of an upload route (a document plus its multipart framing).
    pub upload_limit: usize,
    /// Partner API requests per minute per key (also the burst).
    pub partner_requests_per_minute: u32,
    /// How long a partner's submission waits for the decision before answering "deciding".
    pub decision_wait: Duration,
}

impl Default for HttpPolicy {
    fn default() -> HttpPolicy {
        HttpPolicy {
            development: false,
            request_timeout: Duration::from_secs(30),
            body_limit: 64 * 1024,
            // The document store's limit and room for the multipart framing.
            upload_limit: usize::try_from(pocket_workflows::documents::SCHEMA_MAX_BYTES)
                .unwrap_or(usize::MAX)
                + 64 * 1024,
            partner_requests_per_minute: 120,
            decision_wait: Duration::from_secs(5),
        }
    }
}

impl HttpPolicy {
    /// From the process environment (see [`HttpPolicy::from_lookup`]).
    pub fn from_env() -> anyhow::Result<HttpPolicy> {
        HttpPolicy::from_lookup(|name| std::env::var(name).ok())
    }

    /// `POCKET_DEV_MODE` (`true` turns HSTS off), `POCKET_REQUEST_TIMEOUT_SECS` (30),
    /// `POCKET_BODY_LIMIT_BYTES` (65536), `POCKET_UPLOAD_LIMIT_BYTES` (21037056),
    /// `POCKET_API_REQUESTS_PER_MINUTE` (120), `POCKET_API_DECISION_WAIT_SECS` (5).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<HttpPolicy> {
        use anyhow::Context as _;
        let get = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let number = |name: &str| -> anyhow::Result<Option<u64>> {
            get(name)
                .map(|v| v.parse::<u64>().with_context(|| format!("{name} is not a number")))
                .transpose()
        };
        let mut policy = HttpPolicy::default();
        if let Some(v) = get("POCKET_DEV_MODE") {
            policy.development = matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = number("POCKET_REQUEST_TIMEOUT_SECS")? {
            policy.request_timeout = Duration::from_secs(v.max(1));
        }
        if let Some(v) = number("POCKET_BODY_LIMIT_BYTES")? {
            policy.body_limit = usize::try_from(v).context("POCKET_BODY_LIMIT_BYTES")?;
        }
        if let Some(v) = number("POCKET_UPLOAD_LIMIT_BYTES")? {
            policy.upload_limit = usize::try_from(v).context("POCKET_UPLOAD_LIMIT_BYTES")?;
        }
        if let Some(v) = number("POCKET_API_REQUESTS_PER_MINUTE")? {
            policy.partner_requests_per_minute =
                u32::try_from(v).context("POCKET_API_REQUESTS_PER_MINUTE")?.max(1);
        }
        if let Some(v) = number("POCKET_API_DECISION_WAIT_SECS")? {
            policy.decision_wait = Duration::from_secs(v);
        }
        Ok(policy)
    }

    /// The body limit of an upload route: add it as a layer of that route, inside the global
    /// limit, which it then replaces for that route only.
    pub fn upload_body_limit(&self) -> DefaultBodyLimit {
        DefaultBodyLimit::max(self.upload_limit)
    }
}

/// The id of a request: the caller's `X-Request-Id` when it is short and plain, else a new one.
/// It is in the request's extensions, the response's header and the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The operations endpoints.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_text))
}

/// Wraps every route of `router` in the middleware, outermost last: panics become 500, then the
/// timeout, compression, security headers, the body limit, the request id, and the request log
/// with the metrics (which needs the matched route, so it runs per route).
pub fn apply(router: Router, policy: &HttpPolicy, metrics: Metrics) -> Router {
    let development = policy.development;
    router
        .layer(middleware::from_fn(observe))
        .layer(middleware::from_fn(request_id))
        .layer(Extension(metrics))
        .layer(DefaultBodyLimit::max(policy.body_limit))
        .layer(middleware::map_response(move |response: Response| async move {
            security_headers(response, development)
        }))
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, policy.request_timeout))
        .layer(CatchPanicLayer::new())
}

async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    response
}

/// The request log and the metrics: method, route template, status, latency and request id;
/// never the raw path, the query string or a body (they may hold personal data).
async fn observe(Extension(metrics): Extension<Metrics>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let id = request.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let started = Instant::now();
    let response = next.run(request).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    metrics.observe(&method, &route, status, latency);
    tracing::info!(
        target: "pocket::http",
        method = %method,
        route = %route,
        status,
        latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        request_id = %id,
        "request"
    );
    response
}

fn security_headers(mut response: Response, development: bool) -> Response {
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    if !development {
        set(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
    }
    response
}

/// Ready when the database answers and has every migration of this build.
async fn ready(State(state): State<AppState>) -> (StatusCode, String) {
    let mut conn = match state.db.acquire().await {
        Ok(conn) => conn,
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable".into()),
    };
    let applied = match pocket_store::api_audit::applied_migrations(&mut conn).await {
        Ok(applied) => applied,
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read the applied migrations");
            return (StatusCode::SERVICE_UNAVAILABLE, "migrations unreadable".into());
        }
    };
    let missing: Vec<i64> = pocket_store::MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .filter(|m| {
            !applied.iter().any(|a| {
                a.version == m.version && a.success && a.checksum.as_slice() == &*m.checksum
            })
        })
        .map(|m| m.version)
        .collect();
    if missing.is_empty() {
        (StatusCode::OK, "ready".into())
    } else {
        let list: Vec<String> = missing.iter().map(i64::to_string).collect();
        (StatusCode::SERVICE_UNAVAILABLE, format!("migrations not applied: {}", list.join(", ")))
    }
}

async fn metrics_text(
    State(state): State<AppState>,
    Extension(metrics): Extension<Metrics>,
    headers: axum::http::HeaderMap,
) -> Response {
    // Metrics are for the scraper inside the cluster, which reaches the pod directly. A request
    // that came through the ingress (or any proxy) carries a forwarding header: it is not shown
    // that the route exists.
    if headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut out = String::new();
    metrics.render_requests(&mut out);
    match state.db.acquire().await {
        Ok(mut conn) => {
            match pocket_store::api_audit::job_counts(&mut conn).await {
                Ok(jobs) => metrics::render_jobs(&mut out, &jobs),
                Err(e) => tracing::warn!(error = %e, "metrics: job counts"),
            }
            match pocket_store::api_audit::decision_counts(&mut conn).await {
                Ok(decisions) => metrics::render_decisions(&mut out, &decisions),
                Err(e) => tracing::warn!(error = %e, "metrics: decision counts"),
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: no database connection"),
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_reads_its_settings_and_refuses_nonsense() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(HttpPolicy::from_lookup(env(&[])).unwrap(), HttpPolicy::default());
        let p = HttpPolicy::from_lookup(env(&[
            ("POCKET_DEV_MODE", "true"),
            ("POCKET_REQUEST_TIMEOUT_SECS", "5"),
            ("POCKET_API_REQUESTS_PER_MINUTE", "7"),
            ("POCKET_API_DECISION_WAIT_SECS", "0"),
            ("POCKET_BODY_LIMIT_BYTES", "1024"),
        ]))
        .unwrap();
        assert!(p.development);
        assert_eq!(p.request_timeout, Duration::from_secs(5));
        assert_eq!(p.partner_requests_per_minute, 7);
        assert_eq!(p.decision_wait, Duration::ZERO);
        assert_eq!(p.body_limit, 1024);
        assert!(HttpPolicy::from_lookup(env(&[("POCKET_BODY_LIMIT_BYTES", "lots")])).is_err());
    }
}
