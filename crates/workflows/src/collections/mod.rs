//! Collections end to end (collections.md, netcash-niws.md): from a paid-out loan to money
//! collected, or a clear reason why not.
//!
//! The daily cycle runs as jobs of the worker, each idempotent because a job may run again after
//! a worker died:
//!
//! * [`payout`]: the loan, its fixed schedule and the principal on the ledger; a DebiCheck
//!   mandate requested through the provider ([`mandate`], job `mandate.request`).
//! * [`presentments`]: every business day (job `collections.daily`), the charges of instalments
//!   that fell due are posted, presentments are created for the action date whose two-day cut-off
//!   is near, and they are put in a batch with a deterministic, unique name; the batch is recorded
//!   with a `batch.submit` job in the same transaction (the outbox).
//! * [`submit`]: `batch.submit` claims the batch by its status, uploads it, and records the token.
//!   A submission whose outcome is unknown (a timeout, a worker killed between sending and
//!   recording) is reconciled with the provider (batch status, uploads of the date) before
//!   anything is sent again (collections.md rule 2).
//! * [`load_report`]: `batch.load_report` polls the load report and records the lines the
//!   provider dropped, with their messages.
//! * [`statement`]: `statement.poll` reads the statement, matches lines to presentments by
//!   account reference, appends the events, and posts collections and reversals to the ledger in
//!   set-based statements; [`policy`] then acts on the reason codes.
//! * [`arrears`]: days past due and ageing buckets; [`manual`]: what an officer does from the
//!   desktop through the same store functions.
//!
//! The database has the last word on rule 1 (one active presentment per instalment): every step
//! that could race another worker either holds the step's advisory lock or relies on the partial
//! unique index and the batch status as a claim.

pub mod arrears;
pub mod load_report;
pub mod mandate;
pub mod manual;
pub mod payout;
pub mod policy;
pub mod presentments;
pub mod statement;
pub mod submit;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use pocket_domain::BusinessCalendar;
use pocket_providers::netcash::{DebitOrderProvider, NetcashError};
use pocket_store::StoreError;

use crate::worker::{Handlers, JobContext, JobError, Schedule, ScheduledJob};

/// The daily cycle: accrue, present, batch, and schedule the statement.
pub const DAILY_JOB: &str = "collections.daily";
/// Upload one recorded batch (payload `collection_batch_id`).
pub const SUBMIT_JOB: &str = "batch.submit";
/// Poll one batch's load report (payload `collection_batch_id`).
pub const LOAD_REPORT_JOB: &str = "batch.load_report";
/// Read the statement from a date (payload `from`, optional `date`).
pub const STATEMENT_JOB: &str = "statement.poll";
/// Request one DebiCheck mandate (payload `mandate_id`).
pub const MANDATE_JOB: &str = "mandate.request";

/// collections.md: disputes may arrive within 40 days of the action date, so every statement
/// read looks back this far; reading a line twice changes nothing.
pub const STATEMENT_LOOKBACK_DAYS: u64 = 45;

/// What the collections jobs share: the provider and the business calendar.
pub struct Collections<P> {
    pub provider: P,
    pub calendar: BusinessCalendar,
}

impl<P> std::fmt::Debug for Collections<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collections").finish_non_exhaustive()
    }
}

/// Registers every collections job with a worker's handlers.
pub fn register<P>(handlers: Handlers, provider: P, calendar: BusinessCalendar) -> Handlers
where
    P: DebitOrderProvider + 'static,
{
    let shared = Arc::new(Collections { provider, calendar });
    handlers
        .register(DAILY_JOB, presentments::DailyHandler(Arc::clone(&shared)))
        .register(SUBMIT_JOB, submit::SubmitHandler(Arc::clone(&shared)))
        .register(LOAD_REPORT_JOB, load_report::LoadReportHandler(Arc::clone(&shared)))
        .register(STATEMENT_JOB, statement::StatementHandler(Arc::clone(&shared)))
        .register(MANDATE_JOB, mandate::MandateHandler(shared))
}

/// The recurring collections jobs: the daily cycle at 06:00 Johannesburg time, well before the
/// provider's cut-off for two-day batches.
pub fn scheduled_jobs() -> Vec<ScheduledJob> {
    let mut daily =
        ScheduledJob::new(DAILY_JOB, Schedule::daily_at(6, 0).expect("BUG: 06:00 is a time"));
    daily.max_attempts = 10;
    vec![daily]
}

/// The civil date in Johannesburg (UTC+2 all year) of an instant.
pub fn sast_date(at: DateTime<Utc>) -> NaiveDate {
    let sast = FixedOffset::east_opt(2 * 3600).expect("BUG: UTC+2 is a valid offset");
    at.with_timezone(&sast).date_naive()
}

/// The day a job acts for: the payload's `date` when given, else today in Johannesburg.
pub(crate) fn job_date(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<NaiveDate, JobError> {
    match payload.get("date").and_then(|d| d.as_str()) {
        Some(text) => text
            .parse()
            .map_err(|_| JobError::permanent(format!("`{text}` is not a date (YYYY-MM-DD)"))),
        None => Ok(sast_date(ctx.now())),
    }
}

/// A uuid field of a payload.
pub(crate) fn payload_id(payload: &serde_json::Value, field: &str) -> Result<uuid::Uuid, JobError> {
    payload
        .get(field)
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| JobError::permanent(format!("the payload has no valid `{field}`")))
}

/// Database failures pass (a restart, a lost connection, a lost race): try again.
pub(crate) fn store_error(e: StoreError) -> JobError {
    JobError::retryable(format!("database: {e}"))
}

/// A provider failure as a job outcome: transient classes retry, refusals do not.
pub(crate) fn provider_error(e: &NetcashError) -> JobError {
    match e {
        NetcashError::Business { .. } => JobError::permanent(e),
        _ => JobError::retryable(e),
    }
}
