//! Signing in and out, who is signed in, keeping an active session from locking, and the UI's
//! own failures reported to the logs and Sentry.

use pocket_contract::{Session, SignInRequest};
use tauri::{AppHandle, Runtime, State};

use super::Answer;
use crate::live;
use crate::session::Desktop;

/// Signs in with the officer's own PostgreSQL login (DESIGN.md decision 1) and starts the live
/// updates for the session.
#[tauri::command]
pub async fn sign_in<R: Runtime>(
    app: AppHandle<R>,
    desktop: State<'_, Desktop>,
    request: SignInRequest,
) -> Answer<Session> {
    let current = desktop.sign_in(request.login.trim(), &request.password).await?;
    desktop.set_live(live::start(app, current.pool.clone()));
    tracing::info!(login = %current.officer.login_name, "signed in");
    Ok(desktop.describe(&current))
}

/// Signs out: the live updates stop and the connections close.
#[tauri::command]
pub fn sign_out(desktop: State<'_, Desktop>) -> Answer<()> {
    if desktop.sign_out() {
        tracing::info!("signed out");
    }
    Ok(())
}

#[tauri::command]
pub fn whoami(desktop: State<'_, Desktop>) -> Answer<Session> {
    let current = desktop.current()?;
    Ok(desktop.describe(&current))
}

/// The officer is active in the window (typing, clicking): the idle lock starts over.
#[tauri::command]
pub fn touch(desktop: State<'_, Desktop>) -> Answer<()> {
    desktop.current().map(|_| ())
}

/// A failure inside the UI itself (a panic in the WebAssembly code): logged with its reference and
/// sent to Sentry, which scrubs personal data as for the shell's own events. No session needed.
#[tauri::command]
pub fn report(reference: String, message: String) -> Answer<()> {
    let reference: String =
        reference.chars().filter(char::is_ascii_alphanumeric).take(24).collect();
    let message: String = message.chars().take(4000).collect();
    tracing::error!(%reference, %message, "the UI failed");
    sentry::capture_message(&format!("UI {reference}: {message}"), sentry::Level::Error);
    Ok(())
}
