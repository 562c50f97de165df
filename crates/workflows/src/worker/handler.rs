//! Job handlers: what the worker runs for each kind of job, and how a handler says whether a
//! failure is worth another attempt.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use uuid::Uuid;

use super::clock::Clock;

/// Why a job did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a timeout, a provider's 5xx): the job backs off and is retried
    /// until its attempts are used up, then it is dead.
    #[error("retryable: {0}")]
    Retryable(String),
    /// Trying again cannot help (a malformed payload, a refusal): the job is dead at once, so a
    /// person can look at it and retry it by hand.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl JobError {
    pub fn retryable(message: impl fmt::Display) -> Self {
        JobError::Retryable(message.to_string())
    }

    pub fn permanent(message: impl fmt::Display) -> Self {
        JobError::Permanent(message.to_string())
    }

    pub fn message(&self) -> &str {
        match self {
            JobError::Retryable(m) | JobError::Permanent(m) => m,
        }
    }
}

/// What a handler knows about the job it runs and the worker running it.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub job_id: Uuid,
    pub kind: String,
    /// This attempt's number, from 1.
    pub attempt: i32,
    pub max_attempts: i32,
    /// When the job was due; for a scheduled job, the occurrence it stands for.
    pub run_at: DateTime<Utc>,
    pub idempotency_key: Option<String>,
    pub worker_id: String,
    pub(crate) pool: PgPool,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hand_back: CancellationToken,
}

impl JobContext {
    /// The worker's pool, for the handler's own queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Now, by the worker's clock (a handler never reads the machine's clock itself).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether the worker is shutting down and about to hand this job back: a handler that can
    /// stop cleanly may stop early, since the job will run again elsewhere.
    pub fn is_handing_back(&self) -> bool {
        self.hand_back.is_cancelled()
    }

    /// Completes when the worker starts handing this job back. A handler that then stops with a
    /// retryable error has its job handed back, not failed.
    pub fn handing_back(&self) -> WaitForCancellationFuture<'_> {
        self.hand_back.cancelled()
    }
}

/// The future a handler returns; boxed so that handlers of different types share one registry.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

/// Runs the jobs of one kind. It must be idempotent: a job may run again after a worker died.
pub trait JobHandler: Send + Sync {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a>;
}

/// A handler made from an async closure that takes its context and payload by value.
pub struct FnHandler<F>(F);

impl<F> fmt::Debug for FnHandler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnHandler")
    }
}

/// Makes a handler of an async closure: `handler_fn(|ctx, payload| async move { .. })`.
pub fn handler_fn<F, Fut>(f: F) -> FnHandler<F>
where
    F: Fn(JobContext, serde_json::Value) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    FnHandler(f)
}

impl<F, Fut> JobHandler for FnHandler<F>
where
    F: Fn(JobContext, serde_json::Value) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a> {
        Box::pin((self.0)(ctx.clone(), payload.clone()))
    }
}

/// The handlers a worker knows, by job kind.
#[derive(Clone, Default)]
pub struct Handlers {
    by_kind: HashMap<String, Arc<dyn JobHandler>>,
}

impl fmt::Debug for Handlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kinds: Vec<&str> = self.by_kind.keys().map(String::as_str).collect();
        kinds.sort_unstable();
        f.debug_struct("Handlers").field("kinds", &kinds).finish()
    }
}

impl Handlers {
    pub fn new() -> Self {
        Handlers::default()
    }

    /// Registers the handler of `kind`, replacing any earlier one.
    pub fn register(mut self, kind: &str, handler: impl JobHandler + 'static) -> Self {
        self.by_kind.insert(kind.to_owned(), Arc::new(handler));
        self
    }

    /// The kinds with a handler, which are the kinds this worker claims.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self.by_kind.keys().cloned().collect();
        kinds.sort_unstable();
        kinds
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn JobHandler>> {
        self.by_kind.get(kind)
    }
}
