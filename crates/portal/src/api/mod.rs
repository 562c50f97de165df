//! The partner API, versioned under `/api/v1`: JSON for lead-generation partners.

use axum::Router;

use crate::server::AppState;

/// The partner API's routes, relative to `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
}
