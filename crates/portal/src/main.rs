//! `pocket`: the server binary. It wires configuration, logging and error tracking, then runs one
//! subcommand; everything else lives in the library.

use anyhow::{Context, Result, bail};
use pocket_portal::settings::{PortalSettings, Settings};
use pocket_providers::telemetry::{SentrySettings, init_sentry};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

const USAGE: &str =
    "usage: pocket serve | pocket worker | pocket migrate   (settings: environment, see README.md)";

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let command = std::env::args().nth(1).unwrap_or_default();
    // Sentry starts before the runtime so that a panic anywhere is reported (sentry.md).
    let _sentry = init_sentry(SentrySettings::from_env());
    let runtime = tokio::runtime::Runtime::new().context("starting tokio")?;
    runtime.block_on(async {
        match command.as_str() {
            "worker" => {
                let settings = Settings::from_env()?;
                let shutdown = CancellationToken::new();
                tokio::spawn(stop_on_signal(shutdown.clone()));
                pocket_portal::worker::run(settings, shutdown).await
            }
            "partner" => pocket_portal::api::admin::run(std::env::args().skip(2).collect()).await,
            "serve" => {
                let settings = PortalSettings::from_env()?;
                let shutdown = CancellationToken::new();
                tokio::spawn(stop_on_signal(shutdown.clone()));
                pocket_portal::server::serve(settings, shutdown).await
            }
            "migrate" => {
                let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
                let pool = sqlx::PgPool::connect(&url).await.context("connecting")?;
                pocket_store::migrate(&pool).await.context("migrating")?;
                tracing::info!("migrations applied");
                Ok(())
            }
            _ => bail!("{USAGE}"),
        }
    })
}

/// Cancels `shutdown` on SIGTERM (Kubernetes stopping the pod) or SIGINT (Ctrl-C).
async fn stop_on_signal(shutdown: CancellationToken) {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for SIGTERM");
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C: stopping"),
    }
    shutdown.cancel();
}
