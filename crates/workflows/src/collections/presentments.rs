//! The daily cycle's first half (collections.md, "Action dates and the calendar"): post the
//! charges of instalments that fell due, create presentments for the action date whose two-day
//! cut-off is near, build the batch with its deterministic name, and record it with the job that
//! submits it in one transaction (the outbox: the batch and the job to send it exist together or
//! not at all).

use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, Utc};
use pocket_domain::BusinessCalendar;
use pocket_providers::netcash::DebitOrderProvider;
use pocket_store::collections::{self, Batch, BatchStatus, Instruction};
use pocket_store::jobs::{self, NewJob};
use sqlx::{PgConnection, PgPool};

use super::{
    Collections, LOAD_REPORT_JOB, STATEMENT_JOB, STATEMENT_LOOKBACK_DAYS, SUBMIT_JOB, arrears,
    job_date, store_error,
};
use crate::worker::{HandlerFuture, JobContext, JobHandler};

/// collections.md: a two-day batch must reach the provider at least 2 business days before its
/// action date. The daily run on `today` therefore builds the batch of this date.
pub fn two_day_action_date(calendar: &BusinessCalendar, today: NaiveDate) -> NaiveDate {
    calendar.add_business_days(today, 2)
}

/// What one preparation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub action_date: NaiveDate,
    pub charged_instalments: u64,
    pub presentments: u64,
    pub batch: Option<Batch>,
}

/// Creates the presentments of `action_date` and their batch, in the caller's transaction, with
/// the `batch.submit` job. Holding the step's lock, two workers preparing at once build one
/// batch; the partial unique index stops a second active presentment whatever happens.
pub async fn prepare(
    conn: &mut PgConnection,
    action_date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Prepared, pocket_store::StoreError> {
    collections::lock_cycle(&mut *conn, "prepare").await?;
    let presented = collections::present_due(&mut *conn, action_date, Instruction::TwoDay).await?;
    if let Some(batch) = &presented.batch {
        enqueue_submit(&mut *conn, batch, now, None).await?;
    }
    Ok(Prepared {
        action_date,
        charged_instalments: 0,
        presentments: presented.created,
        batch: presented.batch,
    })
}

/// Records the job that uploads a batch. `retry_label` makes a fresh job for a batch whose first
/// job gave up (the daily run picks up what is outstanding).
pub(crate) async fn enqueue_submit(
    conn: &mut PgConnection,
    batch: &Batch,
    now: DateTime<Utc>,
    retry_label: Option<&str>,
) -> Result<(), pocket_store::StoreError> {
    let key = match retry_label {
        Some(label) => format!("{SUBMIT_JOB}:{}:{label}", batch.name),
        None => format!("{SUBMIT_JOB}:{}", batch.name),
    };
    let job = NewJob {
        kind: SUBMIT_JOB.to_owned(),
        payload: serde_json::json!({ "collection_batch_id": batch.collection_batch_id.to_string() }),
        run_at: now,
        max_attempts: 10,
        idempotency_key: Some(key),
    };
    jobs::enqueue(conn, &job).await?;
    Ok(())
}

/// One day of the cycle, as the `collections.daily` job runs it: charges, presentments and the
/// batch for the near cut-off, loan statuses, fresh jobs for batches whose jobs gave up, and the
/// day's statement read.
pub async fn run_daily(
    pool: &PgPool,
    calendar: &BusinessCalendar,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Prepared, pocket_store::StoreError> {
    let mut tx = pool.begin().await?;
    let charged = collections::accrue_due_charges(&mut tx, today).await?;
    let mut prepared = if calendar.is_business_day(today) {
        prepare(&mut tx, two_day_action_date(calendar, today), now).await?
    } else {
        Prepared { action_date: today, charged_instalments: 0, presentments: 0, batch: None }
    };
    prepared.charged_instalments = charged;
    collections::refresh_loan_status(&mut tx, today).await?;
    let label = today.to_string();
    for batch in collections::batches_in(
        &mut tx,
        &[BatchStatus::Open, BatchStatus::Submitting, BatchStatus::Unknown],
    )
    .await?
    {
        if Some(batch.collection_batch_id) != prepared.batch.as_ref().map(|b| b.collection_batch_id)
        {
            enqueue_submit(&mut tx, &batch, now, Some(&label)).await?;
        }
    }
    for batch in collections::batches_in(&mut tx, &[BatchStatus::Submitted]).await? {
        let job = NewJob {
            kind: LOAD_REPORT_JOB.to_owned(),
            payload: serde_json::json!({ "collection_batch_id": batch.collection_batch_id.to_string() }),
            run_at: now,
            max_attempts: 10,
            idempotency_key: Some(format!("{LOAD_REPORT_JOB}:{}:{label}", batch.name)),
        };
        jobs::enqueue(&mut tx, &job).await?;
    }
    let from = today.checked_sub_days(Days::new(STATEMENT_LOOKBACK_DAYS)).unwrap_or(today);
    let poll = NewJob::now(
        STATEMENT_JOB,
        serde_json::json!({ "from": from.to_string(), "date": label }),
        now,
    )
    .with_key(format!("{STATEMENT_JOB}:{label}"));
    jobs::enqueue(&mut tx, &poll).await?;
    arrears::record_reminders(&mut tx, calendar, today, now).await?;
    tx.commit().await?;
    Ok(prepared)
}

/// The `collections.daily` job.
#[derive(Debug)]
pub struct DailyHandler<P>(pub Arc<Collections<P>>);

impl<P: DebitOrderProvider + 'static> JobHandler for DailyHandler<P> {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a> {
        Box::pin(async move {
            let today = job_date(ctx, payload)?;
            let prepared = run_daily(ctx.pool(), &self.0.calendar, today, ctx.now())
                .await
                .map_err(store_error)?;
            tracing::info!(
                %today,
                action_date = %prepared.action_date,
                presentments = prepared.presentments,
                batch = prepared.batch.as_ref().map(|b| b.name.as_str()),
                "collections prepared"
            );
            Ok(())
        })
    }
}
