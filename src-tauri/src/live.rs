//! Live updates: the database announces changes on `pocket_change` (the notify_change trigger,
//! crates/store/src/listen.rs); this task listens on the officer's own pool and emits each change
//! as the `pocket://change` Tauri event, so a queue or an application page refreshes when another
//! officer, the portal or the worker changes it. It also locks the session after idling.

use std::time::Duration;

use pocket_contract::{CHANGE_EVENT, ChangeEvent, LOCKED_EVENT};
use pocket_store::listen::{self, Change};
use sqlx::PgPool;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::session::Desktop;

/// Tables whose changes the back office shows; the job queue's own churn is left out.
const SHOWN: &[&str] = &[
    "application",
    "loan",
    "presentment",
    "collection_batch",
    "collection_flag",
    "application_note",
    "document_check",
    "document_request",
];

/// How often the idle lock is checked.
const IDLE_CHECK: Duration = Duration::from_secs(15);

/// Starts forwarding changes for the signed-in session.
pub fn start<R: Runtime>(app: AppHandle<R>, pool: PgPool) -> tauri::async_runtime::JoinHandle<()> {
    tauri::async_runtime::spawn(async move {
        let mut listener = loop {
            match listen::listener(&pool).await {
                Ok(listener) => break listener,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for changes yet; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        };
        let mut idle_check = tokio::time::interval(IDLE_CHECK);
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(Some(notification)) => {
                        if let Some(change) = Change::parse(&notification) {
                            forward(&app, change);
                        }
                    }
                    // The connection dropped and sqlx reconnects on the next call; missed
                    // changes are not replayed, so the pages refresh as if everything changed.
                    Ok(None) => forward(&app, Change {
                        table: "*".to_owned(),
                        id: String::new(),
                        op: listen::ChangeOp::Update,
                    }),
                    Err(e) => {
                        tracing::warn!(error = %e, "change listener failed; retrying");
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                },
                _ = idle_check.tick() => {
                    if app.state::<Desktop>().lock_if_idle() {
                        if let Err(e) = app.emit(LOCKED_EVENT, ()) {
                            tracing::warn!(error = %e, "could not announce the lock");
                        }
                        return;
                    }
                }
            }
        }
    })
}

fn forward<R: Runtime>(app: &AppHandle<R>, change: Change) {
    if change.table != "*" && !SHOWN.contains(&change.table.as_str()) {
        return;
    }
    let event =
        ChangeEvent { table: change.table, id: change.id, op: change.op.as_str().to_owned() };
    if let Err(e) = app.emit(CHANGE_EVENT, event) {
        tracing::warn!(error = %e, "could not emit a change");
    }
}
