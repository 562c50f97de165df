//! The desktop back office's shell: a Tauri v2 app whose window shows the Yew UI (ui/, embedded
//! from ui/dist) and whose commands ([`commands`]) work on the central PostgreSQL as the signed-in
//! officer (DESIGN.md decision 1). Live updates come from LISTEN/NOTIFY ([`live`]); Sentry is on
//! only with a DSN and scrubs personal data like the server does.
//!
//! [`builder`] wires the state and the commands onto any Tauri runtime, so the tests drive the
//! same commands on tauri's mock runtime without a window.

pub mod commands;
pub mod config;
pub mod csv;
pub mod error;
pub mod live;
pub mod session;
pub mod updater;

use pocket_providers::telemetry::{SentrySettings, init_sentry};
use tauri::{Builder, Runtime};

pub use session::Desktop;

/// Adds the shell's state and every command to a builder (the real one or the mock runtime's).
pub fn builder<R: Runtime>(builder: Builder<R>, desktop: Desktop) -> Builder<R> {
    builder.manage(desktop).invoke_handler(tauri::generate_handler![
        commands::session::sign_in,
        commands::session::sign_out,
        commands::session::whoami,
        commands::session::touch,
        commands::session::report,
        commands::queue::queue,
        commands::application::application,
        commands::decide::approve,
        commands::decide::decline,
        updater::update_check,
        updater::update_install,
        commands::loans::loans,
        commands::loans::loan,
        commands::loans::record_payment,
        commands::loans::move_collection_date,
        commands::loans::settlement_quote,
        commands::loans::statement,
        commands::loans::write_off,
        commands::collections::collections_calendar,
        commands::collections::collections_batches,
        commands::collections::collections_trigger,
        commands::collections::collections_overview,
        commands::reports::run_report,
        commands::reports::export_report,
        commands::admin::admin_officers,
        commands::admin::admin_create_officer,
        commands::admin::admin_change_officer,
        commands::admin::admin_disable_officer,
        commands::admin::admin_pricing,
        commands::admin::admin_add_price,
        commands::admin::admin_add_regulatory,
        commands::admin::admin_policy,
        commands::admin::admin_add_policy,
        commands::admin::admin_templates,
        commands::admin::admin_preview_template,
        commands::admin::admin_publish_template,
        commands::admin::admin_holidays,
        commands::admin::admin_add_holiday,
        commands::admin::admin_remove_holiday,
        commands::admin::admin_partners,
        commands::admin::admin_create_partner,
        commands::admin::admin_issue_key,
        commands::admin::admin_revoke_key,
        commands::admin::admin_audit,
        commands::review::view_document,
        commands::review::casework,
        commands::review::verify_document,
        commands::review::request_documents,
        commands::review::add_note,
        commands::decide::pay_out,
    ])
}

/// Starts the app: settings, logs, Sentry, the updater (src/updater.rs), then the window.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = config::DesktopConfig::load();
    if let Err(e) = &config {
        tracing::warn!(error = %e, "no usable connection settings");
    }
    let mut sentry = SentrySettings::from_env();
    if let Ok(c) = &config {
        if sentry.dsn.is_none() {
            sentry.dsn = c.sentry_dsn.clone();
        }
        if sentry.environment.is_none() {
            sentry.environment = Some(c.environment.clone());
        }
    }
    sentry.release.get_or_insert_with(|| format!("pocket-desktop@{}", env!("CARGO_PKG_VERSION")));
    let _sentry = init_sentry(sentry);
    let desktop = Desktop::new(config.map_err(|e| e.to_string()));
    builder(tauri::Builder::default(), desktop)
        .plugin(updater::plugin())
        .manage(updater::Updates::new(updater::UpdateSettings::load()))
        .setup(|app| {
            updater::start(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!("tauri.conf.json"))
        .unwrap_or_else(|e| panic!("the app failed to start: {e}"));
}
