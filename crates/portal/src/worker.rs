//! `pocket worker`: the background worker process. It runs the jobs of the queue with the real
//! providers (aimed at the simulators by URL in development), and serves on one HTTP port what
//! Kubernetes and the providers need of it: liveness and readiness probes and the Clickatell
//! status webhook. SIGTERM stops it gracefully: no new jobs, jobs in flight finish or are handed
//! back, then the HTTP server closes.

use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use pocket_domain::BusinessCalendar;
use pocket_providers::clickatell::{CallbackSecret, ClickatellClient, parse_status_callback};
use pocket_providers::netcash::{self, NetcashClient, NetcashConfig, ServiceKey};
use pocket_providers::ses::SesClient;
use pocket_providers::xds::XdsClient;
use pocket_workflows::collections;
use pocket_workflows::decide::{BureauEnquiryHandler, ENQUIRE_JOB};
use pocket_workflows::notify::{self, SEND_JOB, SendNotification};
use pocket_workflows::worker::{
    Clock, Handlers, HealthHandle, Scheduler, SystemClock, Worker, WorkerConfig,
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::settings::Settings;

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub pool: PgPool,
    pub health: HealthHandle,
    pub callback_secret: Arc<CallbackSecret>,
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for HttpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpState").finish_non_exhaustive()
    }
}

/// The worker's HTTP routes.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready))
        .route("/webhooks/clickatell/{secret}", post(clickatell_status))
        .with_state(state)
}

/// Ready when the worker runs and the database answers; a pod that is not ready gets no traffic
/// and, during a rolling update, holds the rollout.
async fn ready(State(state): State<HttpState>) -> (StatusCode, String) {
    let health = state.health.snapshot();
    if !health.running {
        return (StatusCode::SERVICE_UNAVAILABLE, "worker stopped".into());
    }
    match sqlx::query_scalar::<_, i32>("select 1").fetch_one(&state.pool).await {
        Ok(_) => (
            StatusCode::OK,
            format!(
                "ok: {} in flight, {} done, {} failed",
                health.in_flight, health.succeeded, health.failed
            ),
        ),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable".into()),
    }
}

/// Clickatell's delivery reports (clickatell.md: authenticated by a secret in the URL, and
/// idempotent). A wrong secret is answered as an unknown page, so the endpoint reveals nothing.
async fn clickatell_status(
    State(state): State<HttpState>,
    Path(secret): Path<String>,
    body: Bytes,
) -> StatusCode {
    if !state.callback_secret.matches(&secret) {
        return StatusCode::NOT_FOUND;
    }
    let updates = match parse_status_callback(&body) {
        Ok(updates) => updates,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable Clickatell status callback");
            return StatusCode::BAD_REQUEST;
        }
    };
    let mut conn = match state.pool.acquire().await {
        Ok(conn) => conn,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    match notify::record_sms_statuses(&mut conn, &updates, state.clock.now()).await {
        Ok(changed) => {
            tracing::debug!(reports = updates.len(), changed, "delivery reports recorded");
            StatusCode::OK
        }
        // Clickatell retries a callback that failed, so a passing database fault loses nothing.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The job handlers of the worker, with the providers from the settings.
pub async fn handlers(settings: &Settings) -> Result<Handlers> {
    let sms =
        ClickatellClient::new(settings.clickatell.clone()).context("creating the SMS client")?;
    let email = SesClient::new(settings.ses.clone()).await;
    let send = SendNotification { sms, email, from: settings.email_from.clone() };
    let bureau = XdsClient::new(settings.xds.clone()).context("creating the bureau client")?;
    let handlers = Handlers::new()
        .register(SEND_JOB, send)
        .register(ENQUIRE_JOB, BureauEnquiryHandler { bureau });
    Ok(match netcash_from_env()? {
        Some(netcash) => collections::register(handlers, netcash, BusinessCalendar::south_africa()),
        None => handlers,
    })
}

/// The debit-order provider for collections (netcash-niws.md): `NETCASH_URL` (default the real
/// service), `NETCASH_DEBIT_ORDER_KEY`, `NETCASH_ACCOUNT_KEY`, `NETCASH_VENDOR_KEY`. Without the
/// keys the worker runs no collections jobs (they wait in the queue) and says so.
fn netcash_from_env() -> Result<Option<NetcashClient>> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let (Some(debit_order), Some(account), Some(vendor)) =
        (get("NETCASH_DEBIT_ORDER_KEY"), get("NETCASH_ACCOUNT_KEY"), get("NETCASH_VENDOR_KEY"))
    else {
        tracing::warn!("NETCASH_* keys not set: collections jobs are not run by this worker");
        return Ok(None);
    };
    let url = get("NETCASH_URL").unwrap_or_else(|| netcash::PRODUCTION_ENDPOINT.to_owned());
    let config =
        NetcashConfig::new(url, ServiceKey::new(debit_order), ServiceKey::new(account), vendor);
    Ok(Some(NetcashClient::new(config).context("creating the Netcash client")?))
}

/// Runs the worker and its HTTP server on the configured address until `shutdown` is cancelled.
pub async fn run(settings: Settings, shutdown: CancellationToken) -> Result<()> {
    let listener = TcpListener::bind(&settings.http_addr)
        .await
        .with_context(|| format!("listening on {}", settings.http_addr))?;
    serve(settings, listener, shutdown).await
}

/// Runs the worker, and its HTTP server on `listener`, until `shutdown` is cancelled.
pub async fn serve(
    settings: Settings,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<()> {
    let pool =
        PgPool::connect(&settings.database_url).await.context("connecting to the database")?;
    let mut config = WorkerConfig::new("worker");
    config.concurrency = settings.concurrency;
    let handlers = handlers(&settings).await?;
    let collecting = handlers.get(collections::DAILY_JOB).is_some();
    let mut worker = Worker::new(pool.clone(), config, handlers, SystemClock);
    if collecting {
        // collections.md: the daily cycle runs every day; each replica may enqueue it, once.
        worker = worker.with_scheduler(Scheduler::new(collections::scheduled_jobs()));
    }
    let state = HttpState {
        pool: pool.clone(),
        health: worker.health(),
        callback_secret: Arc::new(settings.callback_secret.clone()),
        clock: Arc::new(SystemClock),
    };
    tracing::info!(addr = %listener.local_addr()?, "worker HTTP (health, webhooks) listening");
    let http_shutdown = CancellationToken::new();
    let server = {
        let stop = http_shutdown.clone();
        tokio::spawn(async move {
            axum::serve(listener, router(state))
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        })
    };
    // The worker stops first (it hands back what it cannot finish), then the probes and the
    // webhook, so a delivery report that arrives during shutdown is still recorded.
    worker.run(shutdown).await;
    http_shutdown.cancel();
    server.await.context("the HTTP server task")??;
    pool.close().await;
    Ok(())
}
