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

/// The whole public router with its middleware, limits from the environment
/// (`crate::ops::HttpPolicy::from_env`; an unreadable setting falls back to the defaults).
pub fn router(state: AppState) -> Router {
    let policy = crate::ops::HttpPolicy::from_env().unwrap_or_else(|e| {
        tracing::error!(error = %e, "HTTP settings unreadable: using the defaults");
        crate::ops::HttpPolicy::default()
    });
    router_with(state, &policy)
}

/// The whole public router with its middleware (security headers, limits, timeouts,
/// compression, request logs and metrics) under `policy`.
pub fn router_with(state: AppState, policy: &crate::ops::HttpPolicy) -> Router {
    let routes = Router::new()
        .merge(crate::web::router(policy))
        .nest("/api/v1", crate::api::router(&state, policy))
        .merge(crate::ops::router())
        .merge(crate::updates::router())
        .with_state(state);
    crate::ops::apply(routes, policy, crate::ops::Metrics::new())
}

/// Runs `pocket serve` on the configured address until `shutdown` is cancelled.
pub async fn serve(
    settings: crate::settings::PortalSettings,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let listener = tokio::net::TcpListener::bind(&settings.listen_addr)
        .await
        .with_context(|| format!("listening on {}", settings.listen_addr))?;
    serve_on(settings, listener, shutdown).await
}

/// The applicant portal's shared context from its settings.
pub fn portal(settings: &crate::settings::PortalSettings) -> anyhow::Result<crate::web::Portal> {
    use anyhow::Context as _;
    let sms = pocket_providers::clickatell::ClickatellClient::new(settings.clickatell.clone())
        .context("building the Clickatell client")?;
    let documents = pocket_workflows::documents::DocumentStore::from_location(&settings.documents)
        .with_context(|| format!("opening the document store at {}", settings.documents))?;
    Ok(crate::web::Portal {
        secret: settings.secret.clone(),
        development: settings.development,
        public_url: settings.public_url.clone(),
        sms,
        documents,
        limits: crate::web::Limits::default(),
        beacon: crate::web::errors::BeaconLimiter::default(),
        beacon_reports: std::sync::atomic::AtomicU64::new(0),
    })
}

/// Runs the public server on `listener` with `portal` (tests adjust its limits) and `clock`
/// (tests move time) until `shutdown` is cancelled; requests in flight finish first.
pub async fn serve_portal(
    settings: crate::settings::PortalSettings,
    portal: Arc<crate::web::Portal>,
    clock: Arc<dyn Clock>,
    listener: tokio::net::TcpListener,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect(&settings.database_url)
        .await
        .context("connecting to the database")?;
    let state = AppState { db, clock };
    let mut policy = crate::ops::HttpPolicy::from_env()?;
    policy.development = policy.development || settings.development;
    let app = router_with(state, &policy).layer(axum::Extension(portal));
    tracing::info!(addr = %listener.local_addr().context("address")?, url = %settings.public_url, "portal listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .context("serving")
}

/// Runs the public server on `listener` until `shutdown` is cancelled.
pub async fn serve_on(
    settings: crate::settings::PortalSettings,
    listener: tokio::net::TcpListener,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let portal = Arc::new(portal(&settings)?);
    let clock = Arc::new(pocket_workflows::worker::SystemClock);
    serve_portal(settings, portal, clock, listener, shutdown).await
}
