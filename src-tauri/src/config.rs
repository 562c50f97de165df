//! The connection settings IT deploys with the app (README.md, "Desktop back office"): a JSON file
//! read at start-up. Officers type only their own login and password (DESIGN.md decision 1); the
//! server, the TLS mode and the idle lock come from here.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the settings are looked for, first found wins: `$POCKET_DESKTOP_CONFIG`, then the file IT
/// deploys machine-wide, then the officer's own configuration folder.
pub const SYSTEM_PATH: &str = "/etc/pocket-loans/desktop.json";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesktopConfig {
    /// The database server's host name.
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    pub database: String,
    /// `disable`, `prefer`, `require`, `verify-ca` or `verify-full`; TLS is required outside
    /// development (DESIGN.md decision 1).
    #[serde(default = "default_ssl_mode")]
    pub ssl_mode: String,
    /// A PEM file of the certificate authority for `verify-ca` and `verify-full`.
    #[serde(default)]
    pub ssl_root_cert: Option<PathBuf>,
    /// `production`, `staging` or `development`; only development may connect without TLS.
    #[serde(default = "default_environment")]
    pub environment: String,
    /// Minutes without activity after which the session locks (the connection is dropped).
    #[serde(default = "default_idle_lock_minutes")]
    pub idle_lock_minutes: u32,
    /// Sentry for crashes and errors; off when absent.
    #[serde(default)]
    pub sentry_dsn: Option<String>,
    /// Where applicants' documents are stored, as the portal's `POCKET_DOCUMENTS`: a folder the
    /// desktop can read (a network share) or `s3://bucket[/prefix]` (credentials, region and
    /// endpoint from the standard `AWS_*` variables). Without it documents are listed but not
    /// shown.
    #[serde(default)]
    pub documents: Option<String>,
}

fn default_port() -> u16 {
    5432
}

fn default_ssl_mode() -> String {
    "verify-full".to_owned()
}

fn default_environment() -> String {
    "production".to_owned()
}

fn default_idle_lock_minutes() -> u32 {
    15
}

/// Why the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no connection settings: IT deploys them to {SYSTEM_PATH}")]
    Missing,
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not valid: {source}")]
    Parse { path: String, source: serde_json::Error },
    #[error("{0}")]
    Invalid(String),
}

impl DesktopConfig {
    /// Reads and checks the first settings file found.
    pub fn load() -> Result<DesktopConfig, ConfigError> {
        let path = path().ok_or(ConfigError::Missing)?;
        DesktopConfig::read(&path)
    }

    pub fn read(path: &Path) -> Result<DesktopConfig, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
        let mut value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|source| ConfigError::Parse { path: shown.clone(), source })?;
        // The `updates` object belongs to the updater, which reads and checks it (src/updater.rs).
        if let Some(object) = value.as_object_mut() {
            object.remove(crate::updater::SETTINGS_KEY);
        }
        let config: DesktopConfig = serde_json::from_value(value)
            .map_err(|source| ConfigError::Parse { path: shown, source })?;
        config.check()?;
        Ok(config)
    }

    /// The rules a deployed file must follow.
    pub fn check(&self) -> Result<(), ConfigError> {
        let invalid = |what: &str| Err(ConfigError::Invalid(what.to_owned()));
        if self.host.trim().is_empty() || self.database.trim().is_empty() {
            return invalid("host and database must be set");
        }
        let mode: pocket_store::SslMode = match self.ssl_mode.parse() {
            Ok(mode) => mode,
            Err(_) => {
                return invalid(
                    "ssl_mode must be disable, prefer, require, verify-ca or verify-full",
                );
            }
        };
        if !matches!(self.environment.as_str(), "production" | "staging" | "development") {
            return invalid("environment must be production, staging or development");
        }
        // DESIGN.md decision 1: connections use TLS outside development.
        let encrypted = matches!(
            mode,
            pocket_store::SslMode::Require
                | pocket_store::SslMode::VerifyCa
                | pocket_store::SslMode::VerifyFull
        );
        if self.environment != "development" && !encrypted {
            return invalid(
                "outside development ssl_mode must be require, verify-ca or verify-full",
            );
        }
        if self.idle_lock_minutes == 0 || self.idle_lock_minutes > 24 * 60 {
            return invalid("idle_lock_minutes must be between 1 and 1440");
        }
        if self.documents.as_deref().is_some_and(|d| d.trim().is_empty() || d.trim() == "s3://") {
            return invalid("documents must be a folder or s3://bucket[/prefix]");
        }
        Ok(())
    }

    /// The TLS mode, checked by [`DesktopConfig::check`].
    pub fn ssl(&self) -> pocket_store::SslMode {
        self.ssl_mode.parse().unwrap_or(pocket_store::SslMode::VerifyFull)
    }
}

/// The settings file the app uses: the first of the candidates that exists.
pub fn path() -> Option<PathBuf> {
    candidates().into_iter().find(|p| p.is_file())
}

fn candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(path) = std::env::var_os("POCKET_DESKTOP_CONFIG") {
        paths.push(PathBuf::from(path));
    }
    paths.push(PathBuf::from(SYSTEM_PATH));
    let user = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(dir) = user {
        paths.push(dir.join("pocket-loans/desktop.json"));
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<DesktopConfig, ConfigError> {
        let config: DesktopConfig = serde_json::from_str(json)
            .map_err(|source| ConfigError::Parse { path: "test".into(), source })?;
        config.check()?;
        Ok(config)
    }

    #[test]
    fn production_defaults_to_verified_tls() {
        let config = parse(r#"{"host":"db.example.co.za","database":"pocket"}"#).unwrap();
        assert_eq!(config.ssl(), pocket_store::SslMode::VerifyFull);
        assert_eq!(config.port, 5432);
        assert_eq!(config.idle_lock_minutes, 15);
    }

    #[test]
    fn plain_connections_are_refused_outside_development() {
        let json = r#"{"host":"db","database":"pocket","ssl_mode":"disable"}"#;
        assert!(matches!(parse(json), Err(ConfigError::Invalid(_))));
        let json =
            r#"{"host":"db","database":"pocket","ssl_mode":"prefer","environment":"staging"}"#;
        assert!(matches!(parse(json), Err(ConfigError::Invalid(_))));
        let json =
            r#"{"host":"db","database":"pocket","ssl_mode":"disable","environment":"development"}"#;
        assert!(parse(json).is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(parse(r#"{"host":"db","database":"p","password":"x"}"#).is_err());
        assert!(parse(r#"{"host":"db","database":"p","ssl_mode":"sometimes"}"#).is_err());
        assert!(parse(r#"{"host":"db","database":"p","idle_lock_minutes":0}"#).is_err());
        assert!(parse(r#"{"host":"","database":"p"}"#).is_err());
        assert!(parse("not json").is_err());
        assert!(parse(r#"{"host":"db","database":"p","documents":""}"#).is_err());
        assert!(parse(r#"{"host":"db","database":"p","documents":"s3://"}"#).is_err());
        assert!(parse(r#"{"host":"db","database":"p","documents":7}"#).is_err());
        let config = parse(r#"{"host":"db","database":"p","documents":"s3://docs/pocket"}"#);
        assert_eq!(config.unwrap().documents.as_deref(), Some("s3://docs/pocket"));
    }
}
