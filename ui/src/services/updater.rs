//! The shell's updater commands: is a newer signed release published, and install it now (only
//! ever called from the officer's click on the update banner).

use pocket_contract::{CommandError, UpdateInfo};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct NoArgs {}

/// Asks the update server now; `None` when the app is up to date.
pub async fn check() -> Result<Option<UpdateInfo>, CommandError> {
    invoke("update_check", &NoArgs {}).await
}

/// Downloads, verifies and installs the pending update; the app restarts when it succeeds, so
/// an answer means it failed or there was nothing to install.
pub async fn install() -> Result<(), CommandError> {
    invoke("update_install", &NoArgs {}).await
}
