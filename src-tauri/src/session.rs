//! The signed-in officer's session: their own connection pool to PostgreSQL (DESIGN.md decision
//! 1), who they are, when they last did something (the session locks after the configured idle
//! time), and the task that turns the database's change notifications into Tauri events.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use pocket_contract::{CommandError, ErrorCode, Role, Session};
use pocket_store::officers::{self, Officer, OfficerGroup};
use pocket_store::{DbSettings, Password};
use pocket_workflows::documents::DocumentStore;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::config::DesktopConfig;
use crate::error::{command_error, unreachable};

/// What the shell keeps between commands (Tauri managed state).
#[derive(Debug)]
pub struct Desktop {
    config: Result<DesktopConfig, String>,
    /// The applicants' documents (`documents` in the settings), opened once at start.
    documents: Option<Result<DocumentStore, String>>,
    session: Mutex<Option<SignedIn>>,
    idle_limit: Duration,
}

#[derive(Debug)]
struct SignedIn {
    pool: PgPool,
    officer: Officer,
    last_active: Instant,
    live: Option<tauri::async_runtime::JoinHandle<()>>,
}

/// What a command works with: the officer's pool and who they are.
#[derive(Debug, Clone)]
pub struct Current {
    pub pool: PgPool,
    pub officer: Officer,
}

impl Current {
    /// Administrators see the technical detail of errors (DESIGN.md decision 8).
    pub fn admin(&self) -> bool {
        self.officer.group == OfficerGroup::Admin
    }
}

impl Desktop {
    /// The shell's state from the deployed settings; without them the app still opens and says
    /// what is missing when the officer signs in.
    pub fn new(config: Result<DesktopConfig, String>) -> Desktop {
        let minutes = config.as_ref().map_or(15, |c| c.idle_lock_minutes);
        let idle_limit = Duration::from_secs(u64::from(minutes) * 60);
        let documents =
            config.as_ref().ok().and_then(|c| c.documents.as_deref()).map(|at| {
                DocumentStore::from_location(at.trim()).map_err(|e| format!("{e}: {e:?}"))
            });
        Desktop { config, documents, session: Mutex::new(None), idle_limit }
    }

    /// The document store, or why documents cannot be shown.
    pub fn documents(&self) -> Result<&DocumentStore, CommandError> {
        match &self.documents {
            Some(Ok(store)) => Ok(store),
            Some(Err(e)) => Err(command_error(
                ErrorCode::Unavailable,
                "The document store cannot be opened. Quote the reference to IT.",
                e,
                false,
            )),
            None => Err(command_error(
                ErrorCode::Unavailable,
                "Documents cannot be shown: IT has not set where they are stored.",
                "no `documents` in the settings",
                false,
            )),
        }
    }

    /// Whether documents can be shown at all.
    pub fn documents_ready(&self) -> bool {
        matches!(self.documents, Some(Ok(_)))
    }

    /// The same state with another idle limit (the settings count in minutes; tests need less).
    pub fn with_idle_limit(mut self, limit: Duration) -> Desktop {
        self.idle_limit = limit;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<SignedIn>> {
        // A panic while holding the lock leaves plain data behind: keep going with it.
        self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn idle_limit(&self) -> Duration {
        self.idle_limit
    }

    /// Connects as the officer and checks that the login is an active officer.
    pub async fn sign_in(&self, login: &str, password: &str) -> Result<Current, CommandError> {
        let config = self.config.as_ref().map_err(|e| {
            command_error(ErrorCode::Unavailable, format!("The app is not set up: {e}"), e, false)
        })?;
        // create_officer (migration 20261125000006) allows exactly these login names.
        let valid_login = login.len() >= 3
            && login.len() <= 63
            && login.starts_with(|c: char| c.is_ascii_lowercase())
            && login.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_login || password.is_empty() || password.len() > 1024 {
            return Err(command_error(
                ErrorCode::BadCredentials,
                "The login or password is not correct.",
                "malformed login or password",
                false,
            ));
        }
        let mut settings = DbSettings::local(login, &config.database);
        settings.host = config.host.clone();
        settings.port = config.port;
        settings.password = Password::new(password);
        settings.ssl_mode = config.ssl();
        settings.ssl_root_cert = config.ssl_root_cert.clone();
        settings.application_name = "pocket-desktop".to_owned();
        // The queue's optional filters (`$1 is null or ...`) need a plan per call to use their
        // indexes; a cached generic plan would scan.
        let options =
            settings.connect_options().options([("plan_cache_mode", "force_custom_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(sign_in_error)?;
        // A second connection opened at the same time: the live updates take one for LISTEN,
        // and the first page should not wait for another connection (TLS and SCRAM each time).
        let (first, spare) = tokio::join!(pool.acquire(), pool.acquire());
        let mut conn = first.map_err(sign_in_error)?;
        drop(spare);
        let officer = officers::current(&mut conn).await.map_err(|e| {
            command_error(
                ErrorCode::Internal,
                "Signing in failed. Quote the reference to IT.",
                e,
                false,
            )
        })?;
        drop(conn);
        let Some(officer) = officer.filter(|o| o.active) else {
            pool.close().await;
            return Err(command_error(
                ErrorCode::Forbidden,
                "This login is not an active officer of the back office.",
                format!("{login} has no active officer row"),
                false,
            ));
        };
        let current = Current { pool: pool.clone(), officer: officer.clone() };
        let previous = self.lock().replace(SignedIn {
            pool,
            officer,
            last_active: Instant::now(),
            live: None,
        });
        if let Some(previous) = previous {
            previous.end();
        }
        Ok(current)
    }

    /// Keeps the task that forwards change notifications, to stop it at sign-out.
    pub fn set_live(&self, task: tauri::async_runtime::JoinHandle<()>) {
        match self.lock().as_mut() {
            Some(signed_in) => {
                if let Some(old) = signed_in.live.replace(task) {
                    old.abort();
                }
            }
            None => task.abort(),
        }
    }

    /// The signed-in officer, counting this as activity; locks an idle session instead.
    pub fn current(&self) -> Result<Current, CommandError> {
        let mut guard = self.lock();
        let limit = self.idle_limit();
        match guard.as_mut() {
            Some(s) if s.last_active.elapsed() <= limit => {
                s.last_active = Instant::now();
                Ok(Current { pool: s.pool.clone(), officer: s.officer.clone() })
            }
            Some(_) => {
                if let Some(s) = guard.take() {
                    s.end();
                }
                Err(not_signed_in("The session locked after being idle. Sign in again."))
            }
            None => Err(not_signed_in("Sign in first.")),
        }
    }

    /// Locks the session when it has been idle too long; true when it did.
    pub fn lock_if_idle(&self) -> bool {
        let mut guard = self.lock();
        let idle = guard.as_ref().is_some_and(|s| s.last_active.elapsed() > self.idle_limit());
        if idle && let Some(s) = guard.take() {
            s.end();
        }
        idle
    }

    /// Ends the session: the live task stops and the connections close.
    pub fn sign_out(&self) -> bool {
        let ended = self.lock().take();
        let was = ended.is_some();
        if let Some(s) = ended {
            s.end();
        }
        was
    }

    /// The session as the UI shows it.
    pub fn describe(&self, current: &Current) -> Session {
        let (database, minutes) = match &self.config {
            Ok(c) => (format!("{}:{}/{}", c.host, c.port, c.database), c.idle_lock_minutes),
            Err(_) => (String::new(), 15),
        };
        let officer = &current.officer;
        Session {
            officer_id: officer.officer_id.to_string(),
            login: officer.login_name.clone(),
            full_name: officer.full_name.clone(),
            role: role(officer.group),
            approval_limit_cents: officer.approval_limit_cents,
            idle_lock_minutes: minutes,
            database,
        }
    }
}

impl SignedIn {
    /// Stops the live task and closes the pool in the background (sign-out drops the connection).
    fn end(self) {
        if let Some(task) = self.live {
            task.abort();
        }
        let pool = self.pool;
        tauri::async_runtime::spawn(async move { pool.close().await });
    }
}

pub fn role(group: OfficerGroup) -> Role {
    match group {
        OfficerGroup::Officer => Role::Officer,
        OfficerGroup::Supervisor => Role::Supervisor,
        OfficerGroup::Collections => Role::Collections,
        OfficerGroup::Admin => Role::Admin,
        OfficerGroup::Auditor => Role::Auditor,
    }
}

fn not_signed_in(message: &str) -> CommandError {
    command_error(ErrorCode::NotSignedIn, message, message, false)
}

/// Wrong password, unknown login and a login that may not connect all read the same to the
/// officer (no hint which part was wrong); an unreachable server says so.
fn sign_in_error(error: sqlx::Error) -> CommandError {
    if let sqlx::Error::Database(db) = &error
        && matches!(db.code().as_deref(), Some("28P01" | "28000"))
    {
        return command_error(
            ErrorCode::BadCredentials,
            "The login or password is not correct.",
            &error,
            false,
        );
    }
    if unreachable(&error) {
        return command_error(
            ErrorCode::Unavailable,
            "The database cannot be reached. Check the network, or ask IT.",
            &error,
            false,
        );
    }
    command_error(
        ErrorCode::Internal,
        "Signing in failed. Quote the reference to IT.",
        &error,
        false,
    )
}
