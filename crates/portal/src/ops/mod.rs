//! Operations: health and readiness probes, Prometheus metrics, and the middleware every response
//! passes through (security headers, limits, timeouts, compression, request logs).

use axum::Router;

use crate::server::AppState;

/// The operations endpoints.
pub fn router() -> Router<AppState> {
    Router::new()
}
