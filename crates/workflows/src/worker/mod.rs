//! The background worker: runs jobs from the queue in PostgreSQL (DESIGN.md decision 9).
//!
//! A [`Worker`] claims due jobs with `FOR UPDATE SKIP LOCKED` (through `pocket_store::jobs`), runs
//! at most `concurrency` of them at once, dispatching each by its kind to a registered
//! [`JobHandler`], and records the outcome: done, queued again after a backoff, or dead. It wakes
//! when a job is inserted (LISTEN/NOTIFY on `pocket_change`) and on a poll timer, renews the lease
//! of a long job while it runs, and on shutdown finishes or hands back what it holds.
//!
//! Delivery is at least once: a job whose worker dies runs again once its lease runs out, so every
//! handler must be idempotent (the job's idempotency key and the provider's own keys serve that).
//! Within that, two workers never run one job at the same time, and a job is recorded done once.
//!
//! Time comes from an injected [`Clock`]: claims, leases and backoff use it, so tests move time
//! instead of sleeping. Poll, heartbeat and grace intervals are real (tokio) time, because they
//! pace the process rather than decide what is due.

mod clock;
mod handler;
mod health;
mod queue;
mod runtime;
mod schedule;

pub use clock::{Clock, SystemClock, TestClock};
pub use handler::{
    FnHandler, HandlerFuture, Handlers, JobContext, JobError, JobHandler, handler_fn,
};
pub use health::{HealthHandle, WorkerHealth};
pub use pocket_store::jobs::{Job, JobStatus, NewJob};
pub use queue::{DeadJob, enqueue_in, extend_lease, list_dead, release, retry_dead};
pub use runtime::{Worker, WorkerConfig};
pub use schedule::{Schedule, ScheduleError, ScheduledJob, Scheduler};
