//! The server's settings, read from the environment (the same names in development, CI and on
//! Kubernetes, where they come from a ConfigMap and Secrets). Secrets never print: `Debug` shows
//! whether they are set, not what they are.

use std::fmt;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use pocket_providers::clickatell::{self, ApiKey, CallbackSecret, ClickatellConfig};
use pocket_providers::ses::{SesConfig, SesCredentials};
use pocket_providers::telemetry::SentrySettings;
use pocket_providers::xds::{self, Password, XdsConfig};

/// Everything the worker needs.
#[derive(Clone)]
pub struct Settings {
    /// `DATABASE_URL`: the worker's own login (a member of `pocket_worker`).
    pub database_url: String,
    /// `POCKET_WORKER_CONCURRENCY`, default 8: jobs run at once by one process.
    pub concurrency: usize,
    /// `POCKET_HTTP_ADDR`, default `0.0.0.0:8080`: health probes and provider webhooks.
    pub http_addr: String,
    /// `CLICKATELL_URL` (default the real service), `CLICKATELL_API_KEY`.
    pub clickatell: ClickatellConfig,
    /// `CLICKATELL_CALLBACK_SECRET`: the path secret of the status webhook (clickatell.md: the
    /// endpoint must authenticate the callback).
    pub callback_secret: CallbackSecret,
    /// `SES_REGION` (default af-south-1), `SES_ENDPOINT_URL` (a test peer), credentials from the
    /// AWS default chain or `SES_ACCESS_KEY_ID` with `SES_SECRET_ACCESS_KEY`.
    pub ses: SesConfig,
    /// `EMAIL_FROM`: the verified sender address.
    pub email_from: String,
    /// `XDS_URL` (default the production service), `XDS_USER`, `XDS_PASSWORD`,
    /// `XDS_PRODUCT_ID`: the credit bureau (xds-connect.md).
    pub xds: XdsConfig,
    /// `SENTRY_DSN`, `SENTRY_ENVIRONMENT`, `SENTRY_RELEASE`.
    pub sentry: SentrySettings,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &"[set]")
            .field("concurrency", &self.concurrency)
            .field("http_addr", &self.http_addr)
            .field("clickatell", &self.clickatell)
            .field("callback_secret", &self.callback_secret)
            .field("ses", &self.ses)
            .field("email_from", &self.email_from)
            .field("xds", &self.xds)
            .field("sentry", &self.sentry.dsn.as_ref().map(|_| "[set]"))
            .finish()
    }
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Settings> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `var`, so tests can supply their own environment.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Settings> {
        let get = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let required =
            |name: &str| get(name).with_context(|| format!("{name} is not set (see README.md)"));
        let concurrency = match get("POCKET_WORKER_CONCURRENCY") {
            Some(v) => v.parse().context("POCKET_WORKER_CONCURRENCY is not a number")?,
            None => 8,
        };
        if concurrency == 0 {
            bail!("POCKET_WORKER_CONCURRENCY must be at least 1");
        }
        let clickatell_url =
            get("CLICKATELL_URL").unwrap_or_else(|| clickatell::PRODUCTION_ENDPOINT.to_string());
        let mut clickatell =
            ClickatellConfig::new(clickatell_url, ApiKey::new(required("CLICKATELL_API_KEY")?));
        clickatell.timeout = Duration::from_secs(30);
        let mut ses = SesConfig::default();
        if let Some(region) = get("SES_REGION") {
            ses.region = region;
        }
        ses.endpoint_url = get("SES_ENDPOINT_URL");
        if let (Some(access_key_id), Some(secret_access_key)) =
            (get("SES_ACCESS_KEY_ID"), get("SES_SECRET_ACCESS_KEY"))
        {
            ses.credentials = SesCredentials::Static { access_key_id, secret_access_key };
        }
        let xds = XdsConfig::new(
            get("XDS_URL").unwrap_or_else(|| xds::PRODUCTION_ENDPOINT.to_string()),
            required("XDS_USER")?,
            Password::new(required("XDS_PASSWORD")?),
            required("XDS_PRODUCT_ID")?,
        );
        Ok(Settings {
            database_url: required("DATABASE_URL")?,
            concurrency,
            http_addr: get("POCKET_HTTP_ADDR").unwrap_or_else(|| "0.0.0.0:8080".to_string()),
            clickatell,
            callback_secret: CallbackSecret::new(required("CLICKATELL_CALLBACK_SECRET")?),
            ses,
            email_from: required("EMAIL_FROM")?,
            xds,
            sentry: SentrySettings {
                dsn: get("SENTRY_DSN"),
                environment: get("SENTRY_ENVIRONMENT"),
                release: get("SENTRY_RELEASE")
                    .or_else(|| Some(format!("pocket@{}", env!("CARGO_PKG_VERSION")))),
            },
        })
    }
}

/// Everything `pocket serve` (the applicant portal and the partner API) needs.
#[derive(Clone)]
pub struct PortalSettings {
    /// `DATABASE_URL`: the portal's own login (a member of `pocket_portal`).
    pub database_url: String,
    /// `POCKET_PORTAL_ADDR`, default `0.0.0.0:8000`: where the public server listens.
    pub listen_addr: String,
    /// `POCKET_PUBLIC_URL`, default `http://localhost:8000`: the portal's address as applicants
    /// see it (links in messages).
    pub public_url: String,
    /// `POCKET_DEV_MODE` (`true` on a laptop): session cookies without `Secure`, so plain HTTP
    /// works; never in production.
    pub development: bool,
    /// `POCKET_DOCUMENTS`, default `.local/documents`: a local folder or `s3://bucket[/prefix]`
    /// (S3 credentials, region and endpoint from the standard `AWS_*` variables).
    pub documents: String,
    /// `POCKET_PORTAL_SECRET`: the key of the PIN hashes and CSRF tokens (at least 32
    /// characters; keep it secret and stable across replicas).
    pub secret: PortalSecret,
    /// `CLICKATELL_URL` (default the real service), `CLICKATELL_API_KEY`: PINs are sent directly.
    pub clickatell: ClickatellConfig,
    /// `SENTRY_DSN`, `SENTRY_ENVIRONMENT`, `SENTRY_RELEASE`.
    pub sentry: SentrySettings,
}

/// The portal's key; never printed.
#[derive(Clone)]
pub struct PortalSecret(String);

impl PortalSecret {
    /// Wraps a key (tests build their own).
    pub fn new(secret: impl Into<String>) -> PortalSecret {
        PortalSecret(secret.into())
    }

    /// The key's bytes, for HMAC only.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for PortalSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PortalSecret([redacted])")
    }
}

impl fmt::Debug for PortalSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalSettings")
            .field("database_url", &"[set]")
            .field("listen_addr", &self.listen_addr)
            .field("public_url", &self.public_url)
            .field("development", &self.development)
            .field("documents", &self.documents)
            .field("secret", &self.secret)
            .field("clickatell", &self.clickatell)
            .field("sentry", &self.sentry.dsn.as_ref().map(|_| "[set]"))
            .finish()
    }
}

impl PortalSettings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<PortalSettings> {
        PortalSettings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `var`, so tests can supply their own environment.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<PortalSettings> {
        let get = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let required =
            |name: &str| get(name).with_context(|| format!("{name} is not set (see README.md)"));
        let secret = required("POCKET_PORTAL_SECRET")?;
        if secret.len() < 32 {
            bail!("POCKET_PORTAL_SECRET must be at least 32 characters");
        }
        let development = get("POCKET_DEV_MODE")
            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
            .unwrap_or(false);
        let clickatell_url =
            get("CLICKATELL_URL").unwrap_or_else(|| clickatell::PRODUCTION_ENDPOINT.to_string());
        let mut clickatell =
            ClickatellConfig::new(clickatell_url, ApiKey::new(required("CLICKATELL_API_KEY")?));
        // A PIN that arrives after a minute is useless: fail fast and let the applicant retry.
        clickatell.timeout = Duration::from_secs(15);
        Ok(PortalSettings {
            database_url: required("DATABASE_URL")?,
            listen_addr: get("POCKET_PORTAL_ADDR").unwrap_or_else(|| "0.0.0.0:8000".to_string()),
            public_url: get("POCKET_PUBLIC_URL")
                .unwrap_or_else(|| "http://localhost:8000".to_string()),
            development,
            documents: get("POCKET_DOCUMENTS").unwrap_or_else(|| ".local/documents".to_string()),
            secret: PortalSecret::new(secret),
            clickatell,
            sentry: SentrySettings {
                dsn: get("SENTRY_DSN"),
                environment: get("SENTRY_ENVIRONMENT"),
                release: get("SENTRY_RELEASE")
                    .or_else(|| Some(format!("pocket@{}", env!("CARGO_PKG_VERSION")))),
            },
        })
    }
}
