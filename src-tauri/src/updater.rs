//! Self-updating builds (README.md, "Publishing a desktop update"): tauri-plugin-updater asks the
//! portal's `/updates/{channel}/{target}/{arch}/{version}` (crates/portal/src/updates.rs) at
//! start-up and then on a timer; when a newer release is published the shell emits
//! [`UPDATE_EVENT`] and the UI shows a banner. Nothing is installed until the officer clicks
//! "Install now" (`update_install`), and the plugin installs only bytes whose minisign signature
//! verifies against the public key built into the app (tauri.conf.json `plugins.updater.pubkey`).
//!
//! The channel (`stable` or `pilot`) and the interval come from the `updates` object of the
//! settings file IT deploys (src/config.rs), e.g. `"updates": {"channel": "pilot",
//! "check_minutes": 60}`.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pocket_contract::{CommandError, ErrorCode, UPDATE_EVENT, UpdateInfo};
use serde::Deserialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State, Url};
use tauri_plugin_updater::{Update, Updater, UpdaterExt};

use crate::commands::Answer;
use crate::error::command_error;

/// The key of the updater's settings in the settings file.
pub const SETTINGS_KEY: &str = "updates";
/// The channel every machine follows unless IT puts it in the pilot group.
pub const DEFAULT_CHANNEL: &str = "stable";
/// The channels the portal serves.
pub const CHANNELS: &[&str] = &["stable", "pilot"];

/// The updater's part of the settings file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    /// `stable` (default) or `pilot`.
    #[serde(default = "default_channel")]
    pub channel: String,
    /// Minutes between checks after the one at start-up; 0 checks at start-up only. Default 240.
    #[serde(default = "default_check_minutes")]
    pub check_minutes: u32,
}

fn default_channel() -> String {
    DEFAULT_CHANNEL.to_owned()
}

fn default_check_minutes() -> u32 {
    240
}

impl Default for UpdateSettings {
    fn default() -> Self {
        UpdateSettings { channel: default_channel(), check_minutes: default_check_minutes() }
    }
}

impl UpdateSettings {
    /// Reads the `updates` object of a settings file's JSON (absent: the defaults).
    pub fn from_settings(settings: &serde_json::Value) -> Result<UpdateSettings, String> {
        let parsed: UpdateSettings = match settings.get(SETTINGS_KEY) {
            None | Some(serde_json::Value::Null) => UpdateSettings::default(),
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|e| format!("{SETTINGS_KEY} is not valid: {e}"))?,
        };
        if !CHANNELS.contains(&parsed.channel.as_str()) {
            return Err(format!("{SETTINGS_KEY}.channel must be one of {CHANNELS:?}"));
        }
        if parsed.check_minutes > 7 * 24 * 60 {
            return Err(format!("{SETTINGS_KEY}.check_minutes must be at most 10080 (a week)"));
        }
        Ok(parsed)
    }

    /// Reads them from the settings file at `path`.
    pub fn read(path: &Path) -> Result<UpdateSettings, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not valid: {e}", path.display()))?;
        UpdateSettings::from_settings(&value)
    }

    /// From the settings file the app uses; the defaults (with a warning) when it is missing or
    /// its `updates` object is wrong: updates must keep working on a misconfigured machine.
    pub fn load() -> UpdateSettings {
        let Some(path) = crate::config::path() else {
            return UpdateSettings::default();
        };
        UpdateSettings::read(&path).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "update settings unusable: using the defaults");
            UpdateSettings::default()
        })
    }

    /// The interval of the timer, if there is one.
    pub fn interval(&self) -> Option<Duration> {
        (self.check_minutes > 0).then(|| Duration::from_secs(u64::from(self.check_minutes) * 60))
    }
}

/// The updater's state in the app: its settings, the update found last (what "Install now"
/// installs), and whether an installation is running.
#[derive(Default)]
pub struct Updates {
    pub settings: UpdateSettings,
    pending: tokio::sync::Mutex<Option<Update>>,
    installing: AtomicBool,
}

impl std::fmt::Debug for Updates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Updates").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl Updates {
    pub fn new(settings: UpdateSettings) -> Updates {
        Updates { settings, ..Updates::default() }
    }

    /// The update found by the last check, if it found one.
    pub async fn pending(&self) -> Option<Update> {
        self.pending.lock().await.clone()
    }
}

/// The plugin, configured from tauri.conf.json `plugins.updater` (the public key, the endpoints).
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new().build()
}

/// The configured endpoints with the channel segment replaced by `channel`: the configuration
/// names the stable channel (`/updates/stable/...`).
pub fn channel_endpoints(configured: &[Url], channel: &str) -> Vec<Url> {
    configured
        .iter()
        .map(|url| {
            let mut url = url.clone();
            let path = url.path().replacen("/updates/stable/", &format!("/updates/{channel}/"), 1);
            url.set_path(&path);
            url
        })
        .collect()
}

/// The configured endpoints (tauri.conf.json `plugins.updater.endpoints`).
fn configured_endpoints<R: Runtime>(app: &AppHandle<R>) -> Vec<Url> {
    app.config()
        .plugins
        .0
        .get("updater")
        .and_then(|c| c.get("endpoints"))
        .and_then(|e| serde_json::from_value::<Vec<Url>>(e.clone()).ok())
        .unwrap_or_default()
}

/// The updater for this machine's channel.
pub fn updater<R: Runtime>(
    app: &AppHandle<R>,
    settings: &UpdateSettings,
) -> Result<Updater, tauri_plugin_updater::Error> {
    let endpoints = channel_endpoints(&configured_endpoints(app), &settings.channel);
    app.updater_builder().endpoints(endpoints)?.timeout(Duration::from_secs(120)).build()
}

/// What the UI shows about an update.
pub fn describe(update: &Update) -> UpdateInfo {
    UpdateInfo {
        version: update.version.clone(),
        current_version: update.current_version.clone(),
        notes: update.body.clone().filter(|n| !n.trim().is_empty()),
        date: update.raw_json.get("pub_date").and_then(|d| d.as_str()).map(str::to_owned),
    }
}

/// Asks the endpoint; a newer release is kept as the pending one and described.
pub async fn check<R: Runtime>(
    app: &AppHandle<R>,
    updates: &Updates,
) -> Result<Option<UpdateInfo>, tauri_plugin_updater::Error> {
    let found = updater(app, &updates.settings)?.check().await?;
    let info = found.as_ref().map(describe);
    *updates.pending.lock().await = found;
    Ok(info)
}

/// Downloads the update and checks its signature: the bytes come back only if they verify
/// against the app's public key (and, with `requireSignedVersion`, were signed for that version).
pub async fn download(update: &Update) -> Result<Vec<u8>, tauri_plugin_updater::Error> {
    update.download(|_, _| {}, || {}).await
}

/// Whether the failure is the signature check (the update was refused, not just unreachable).
pub fn is_signature_failure(error: &tauri_plugin_updater::Error) -> bool {
    use tauri_plugin_updater::Error as E;
    matches!(
        error,
        E::Minisign(_)
            | E::Base64(_)
            | E::SignatureUtf8(_)
            | E::SignedVersionMismatch { .. }
            | E::MissingSignedVersion
    )
}

/// The plain error the officer sees.
fn refusal(error: &tauri_plugin_updater::Error) -> CommandError {
    use tauri_plugin_updater::Error as E;
    if is_signature_failure(error) {
        return command_error(
            ErrorCode::Invalid,
            "The update did not pass its signature check, so it was not installed. Tell IT.",
            error,
            false,
        );
    }
    match error {
        E::Reqwest(_) | E::Network(_) | E::ReleaseNotFound => command_error(
            ErrorCode::Unavailable,
            "The update server cannot be reached. Try again later.",
            error,
            false,
        ),
        E::AuthenticationFailed => command_error(
            ErrorCode::Forbidden,
            "The update needs an administrator's password; it was not installed.",
            error,
            false,
        ),
        _ => command_error(
            ErrorCode::Internal,
            "The update could not be installed. Quote the reference to IT.",
            error,
            false,
        ),
    }
}

/// Checks for a newer release now (the banner's own check, or a menu's "Check for updates").
#[tauri::command]
pub async fn update_check<R: Runtime>(
    app: AppHandle<R>,
    updates: State<'_, Updates>,
) -> Answer<Option<UpdateInfo>> {
    check(&app, &updates).await.map_err(|e| refusal(&e))
}

/// Installs the pending update after the officer clicked "Install now": download, signature
/// check, install, restart. Refused when nothing is pending or an installation is running.
#[tauri::command]
pub async fn update_install<R: Runtime>(
    app: AppHandle<R>,
    updates: State<'_, Updates>,
) -> Answer<()> {
    let Some(update) = updates.pending.lock().await.clone() else {
        return Err(command_error(
            ErrorCode::Conflict,
            "There is no update to install. Check again later.",
            "no pending update",
            false,
        ));
    };
    if updates.installing.swap(true, Ordering::SeqCst) {
        return Err(command_error(
            ErrorCode::Conflict,
            "The update is already being installed.",
            "installation running",
            false,
        ));
    }
    let result = async {
        let bytes = download(&update).await?;
        tracing::info!(version = %update.version, bytes = bytes.len(), "update verified; installing");
        update.install(&bytes)
    }
    .await;
    updates.installing.store(false, Ordering::SeqCst);
    match result {
        Ok(()) => {
            tracing::info!(version = %update.version, "update installed; restarting");
            app.restart()
        }
        Err(e) => {
            tracing::warn!(error = %e, version = %update.version, "update not installed");
            Err(refusal(&e))
        }
    }
}

/// Checks at start-up and then every `check_minutes`, telling the UI about each newer release.
/// Failures (offline, server down) are logged and retried at the next tick.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let updates = app.state::<Updates>();
            match check(&app, &updates).await {
                Ok(Some(info)) => {
                    tracing::info!(version = %info.version, "update available");
                    if let Err(e) = app.emit(UPDATE_EVENT, &info) {
                        tracing::warn!(error = %e, "could not tell the window about the update");
                    }
                }
                Ok(None) => tracing::debug!("no update"),
                Err(e) => tracing::warn!(error = %e, "update check failed"),
            }
            let Some(interval) = updates.settings.interval() else { break };
            tokio::time::sleep(interval).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_and_validate() {
        let none = serde_json::json!({"host": "db"});
        assert_eq!(UpdateSettings::from_settings(&none).unwrap(), UpdateSettings::default());
        let pilot = serde_json::json!({"updates": {"channel": "pilot", "check_minutes": 0}});
        let pilot = UpdateSettings::from_settings(&pilot).unwrap();
        assert_eq!(pilot.channel, "pilot");
        assert_eq!(pilot.interval(), None);
        for bad in [
            serde_json::json!({"updates": {"channel": "nightly"}}),
            serde_json::json!({"updates": {"check_minutes": 20000}}),
            serde_json::json!({"updates": {"check_minutes": -1}}),
            serde_json::json!({"updates": {"url": "http://evil"}}),
            serde_json::json!({"updates": "pilot"}),
        ] {
            assert!(UpdateSettings::from_settings(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_channel_replaces_the_stable_segment_only() {
        let configured = vec![
            Url::parse(
                "https://portal.example/updates/stable/{{target}}/{{arch}}/{{current_version}}",
            )
            .unwrap(),
        ];
        let pilot = channel_endpoints(&configured, "pilot");
        assert_eq!(
            pilot[0].as_str(),
            "https://portal.example/updates/pilot/%7B%7Btarget%7D%7D/%7B%7Barch%7D%7D/%7B%7Bcurrent_version%7D%7D"
        );
        assert_eq!(channel_endpoints(&configured, "stable"), configured);
    }
}
