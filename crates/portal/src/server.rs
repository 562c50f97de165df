//! `pocket serve`: the public HTTP server. It assembles the applicant portal (`web`), the partner
//! API (`api`, under `/api/v1`) and the operations endpoints and middleware (`ops`) over one shared
//! state, and stops gracefully on SIGTERM.

use std::sync::Arc;

use axum::Router;
use pocket_workflows::worker::Clock;
use sqlx::PgPool;

/// What every handler of the public server shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The portal's own login (a member of `pocket_portal`).
    pub db: PgPool,
    /// Injected so that tests can move time (DESIGN.md decision 4).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// The whole public router with its middleware.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::web::router())
        .nest("/api/v1", crate::api::router())
        .merge(crate::ops::router())
        .with_state(state)
}
