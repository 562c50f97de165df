//! Connection settings as a typed struct (STYLE.md: `connect_options()` instead of URL strings),
//! with the password kept out of every `Debug` and `Display`.

use std::fmt;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};

/// A password that never prints.
#[derive(Clone, Default)]
pub struct Password(String);

impl Password {
    pub fn new(secret: impl Into<String>) -> Self {
        Password(secret.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

text_enum! {
    /// How the connection uses TLS (DESIGN.md decision 1: TLS outside development).
    pub enum SslMode {
        Disable => "disable",
        Prefer => "prefer",
        Require => "require",
        VerifyCa => "verify-ca",
        VerifyFull => "verify-full",
    }
}

impl From<SslMode> for PgSslMode {
    fn from(mode: SslMode) -> Self {
        match mode {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Prefer => PgSslMode::Prefer,
            SslMode::Require => PgSslMode::Require,
            SslMode::VerifyCa => PgSslMode::VerifyCa,
            SslMode::VerifyFull => PgSslMode::VerifyFull,
        }
    }
}

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Password,
    pub database: String,
    pub ssl_mode: SslMode,
    /// A PEM file of the certificate authority, for `verify-ca` and `verify-full`.
    pub ssl_root_cert: Option<std::path::PathBuf>,
    /// Shown in `pg_stat_activity`, which helps an administrator see who is connected.
    pub application_name: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl DbSettings {
    /// Settings for a local development server: no TLS, a small pool.
    pub fn local(username: &str, database: &str) -> Self {
        DbSettings {
            host: "127.0.0.1".to_owned(),
            port: 5432,
            username: username.to_owned(),
            password: Password::default(),
            database: database.to_owned(),
            ssl_mode: SslMode::Disable,
            ssl_root_cert: None,
            application_name: "pocket-loans".to_owned(),
            max_connections: 5,
            acquire_timeout: Duration::from_secs(10),
        }
    }

    /// Options built from the parts, for a server without choosing a database.
    pub fn without_db(&self) -> PgConnectOptions {
        let mut options = PgConnectOptions::new_without_pgpass()
            .host(&self.host)
            .port(self.port)
            .username(&self.username)
            .ssl_mode(self.ssl_mode.into())
            .application_name(&self.application_name);
        if !self.password.is_empty() {
            options = options.password(self.password.expose());
        }
        if let Some(cert) = &self.ssl_root_cert {
            options = options.ssl_root_cert(cert);
        }
        options
    }

    /// Options for the configured database.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.without_db().database(&self.database)
    }

    /// A pool that connects lazily, so a process can start while the database is still coming up.
    pub fn pool_lazy(&self) -> PgPool {
        self.pool_options().connect_lazy_with(self.connect_options())
    }

    /// A pool with one connection made now, so a wrong setting fails at start-up.
    pub async fn pool(&self) -> crate::Result<PgPool> {
        Ok(self.pool_options().connect_with(self.connect_options()).await?)
    }

    fn pool_options(&self) -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout)
    }
}

impl fmt::Display for DbSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "postgres://{}@{}:{}/{} (sslmode={})",
            self.username, self.host, self.port, self.database, self.ssl_mode
        )
    }
}
