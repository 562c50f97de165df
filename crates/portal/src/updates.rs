//! The desktop back office's update manifests: `GET /updates/{channel}/{target}/{arch}/{version}`
//! answers the Tauri updater of an installed app from the files that `cargo xtask release` writes
//! (README.md, "Publishing a desktop update").
//!
//! The folder (`POCKET_UPDATES_DIR`, default `.local/updates`) holds one folder per channel
//! (`stable`, `pilot`) with `latest.json` in it, and optionally `<target>-<arch>.json` beside it,
//! which wins for that platform (so IT can hold one platform back). The answer is:
//! - 200 with the manifest, its `platforms` narrowed to the caller's target and architecture,
//!   when the published version is newer than the caller's;
//! - 204 No Content when it is not, when nothing is published on the channel or nothing for the
//!   caller's platform (the Tauri updater reads 204 as "no update");
//! - 404 for a channel that does not exist, 400 for any other malformed path parameter.
//!
//! `GET /updates/artifacts/{version}/{file}` serves the signed bundles `cargo xtask release`
//! copies to `<folder>/artifacts/<version>/` (any static host can serve that folder instead:
//! the manifest's URLs say where they are; the bundles carry their own signatures).
//!
//! Path parameters are checked against fixed lists and the version must be a semantic version, so
//! no request can name a file outside the folder. The files are read on every request: IT holds a
//! release back or rolls it back by replacing or deleting the published file, with no restart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value};

/// The release channels: every officer's machine follows `stable`; the pilot branch follows
/// `pilot`, which gets each release first.
pub const CHANNELS: &[&str] = &["stable", "pilot"];
/// The operating systems as the Tauri updater names them in `{{target}}`.
pub const TARGETS: &[&str] = &["linux", "windows", "darwin"];
/// The architectures as the Tauri updater names them in `{{arch}}`.
pub const ARCHES: &[&str] = &["x86_64", "aarch64", "i686", "armv7"];
/// The environment variable naming the folder, and its default (relative to the working folder).
pub const DIR_VARIABLE: &str = "POCKET_UPDATES_DIR";
/// The default folder when `POCKET_UPDATES_DIR` is not set.
pub const DEFAULT_DIR: &str = ".local/updates";
/// A manifest larger than this is refused rather than read (a published file is a few kilobytes).
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// The folder `POCKET_UPDATES_DIR` names, or the default.
pub fn dir_from_env() -> PathBuf {
    std::env::var_os(DIR_VARIABLE)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_DIR), PathBuf::from)
}

/// The update routes over the folder that `POCKET_UPDATES_DIR` names.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    router_at(dir_from_env())
}

/// The update routes over `dir`.
pub fn router_at<S: Clone + Send + Sync + 'static>(dir: impl Into<PathBuf>) -> Router<S> {
    let dir = Arc::new(dir.into());
    Router::new()
        .route("/updates/{channel}/{target}/{arch}/{current_version}", get(manifest))
        .route("/updates/artifacts/{version}/{file}", get(artifact))
        .with_state(dir)
}

/// Why a request gets no manifest.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 404: the channel does not exist.
    UnknownChannel,
    /// 400: a parameter is not one the updater sends.
    BadParameter(&'static str),
}

/// The checked path parameters of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// One of `CHANNELS`.
    pub channel: &'static str,
    /// One of `TARGETS`.
    pub target: &'static str,
    /// One of `ARCHES`.
    pub arch: &'static str,
    /// The version the caller runs.
    pub current: semver::Version,
}

/// Checks the four path parameters; nothing else reaches the file system.
pub fn parse(channel: &str, target: &str, arch: &str, version: &str) -> Result<Query, Refusal> {
    let pick = |list: &[&'static str], value: &str| list.iter().copied().find(|c| *c == value);
    let channel = pick(CHANNELS, channel).ok_or(Refusal::UnknownChannel)?;
    let target = pick(TARGETS, target).ok_or(Refusal::BadParameter("target"))?;
    let arch = pick(ARCHES, arch).ok_or(Refusal::BadParameter("arch"))?;
    if version.len() > 64 {
        return Err(Refusal::BadParameter("version"));
    }
    let current = semver::Version::parse(version.strip_prefix('v').unwrap_or(version))
        .map_err(|_| Refusal::BadParameter("version"))?;
    Ok(Query { channel, target, arch, current })
}

/// What the folder says for `query`: `None` means no update (204).
pub fn answer(dir: &Path, query: &Query) -> anyhow::Result<Option<Value>> {
    use anyhow::Context as _;
    let channel = dir.join(query.channel);
    let specific = channel.join(format!("{}-{}.json", query.target, query.arch));
    let path = if specific.is_file() { specific } else { channel.join("latest.json") };
    let Some(text) = read_small(&path)? else {
        return Ok(None);
    };
    let mut manifest: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let object = manifest
        .as_object_mut()
        .with_context(|| format!("{} is not a JSON object", path.display()))?;
    let published = object
        .get("version")
        .and_then(Value::as_str)
        .with_context(|| format!("{} has no version", path.display()))?;
    let published = semver::Version::parse(published.strip_prefix('v').unwrap_or(published))
        .with_context(|| format!("{}: version {published:?} is not semantic", path.display()))?;
    if published <= query.current {
        return Ok(None);
    }
    let platforms = object
        .get("platforms")
        .and_then(Value::as_object)
        .with_context(|| format!("{} has no platforms", path.display()))?;
    // The updater looks up `<target>-<arch>-<installer>` first, then `<target>-<arch>`
    // (TOOLCHAIN.md): keep exactly those keys.
    let plain = format!("{}-{}", query.target, query.arch);
    let prefix = format!("{plain}-");
    let mine: Map<String, Value> = platforms
        .iter()
        .filter(|(key, _)| **key == plain || key.starts_with(&prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if mine.is_empty() {
        return Ok(None);
    }
    object.insert("platforms".to_owned(), Value::Object(mine));
    Ok(Some(manifest))
}

/// The file's text, `None` when it does not exist; a file over the size limit is an error.
fn read_small(path: &Path) -> anyhow::Result<Option<String>> {
    use anyhow::Context as _;
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if meta.len() > MAX_MANIFEST_BYTES {
        anyhow::bail!("{} is larger than {MAX_MANIFEST_BYTES} bytes", path.display());
    }
    std::fs::read_to_string(path).map(Some).with_context(|| format!("reading {}", path.display()))
}

/// Whether `name` may be served as an artifact: a plain file name of letters, digits, `.`, `_`,
/// `-` and `+` that does not start with a dot (so never `..` or a hidden file).
pub fn artifact_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'))
}

async fn artifact(
    State(dir): State<Arc<PathBuf>>,
    UrlPath((version, file)): UrlPath<(String, String)>,
) -> Response {
    let valid_version = version.len() <= 64 && semver::Version::parse(&version).is_ok();
    if !valid_version || !artifact_name_ok(&file) {
        return (StatusCode::BAD_REQUEST, "invalid artifact").into_response();
    }
    let path = dir.join("artifacts").join(&version).join(&file);
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (StatusCode::NOT_FOUND, "no such artifact").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "published artifact unreadable");
            (StatusCode::INTERNAL_SERVER_ERROR, "artifact unavailable").into_response()
        }
    }
}

async fn manifest(
    State(dir): State<Arc<PathBuf>>,
    UrlPath((channel, target, arch, version)): UrlPath<(String, String, String, String)>,
) -> Response {
    let query = match parse(&channel, &target, &arch, &version) {
        Ok(query) => query,
        Err(Refusal::UnknownChannel) => {
            return (StatusCode::NOT_FOUND, "unknown update channel").into_response();
        }
        Err(Refusal::BadParameter(what)) => {
            return (StatusCode::BAD_REQUEST, format!("invalid {what}")).into_response();
        }
    };
    let found = tokio::task::spawn_blocking(move || answer(&dir, &query)).await;
    match found {
        Ok(Ok(Some(manifest))) => {
            ([(header::CACHE_CONTROL, "no-store")], axum::Json(manifest)).into_response()
        }
        Ok(Ok(None)) => {
            (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, "no-store")]).into_response()
        }
        Ok(Err(e)) => {
            tracing::error!(error = %format!("{e:#}"), "published update manifest unusable");
            (StatusCode::INTERNAL_SERVER_ERROR, "update manifest unavailable").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "update manifest task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
