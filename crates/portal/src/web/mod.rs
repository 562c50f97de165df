//! The applicant portal: server-rendered HTML that works without JavaScript.

use axum::Router;

use crate::server::AppState;

/// The applicant pages.
pub fn router() -> Router<AppState> {
    Router::new()
}
