//! Submitting a batch and reconciling an unknown outcome (collections.md rule 2; netcash-niws.md,
//! "Errors: two channels").
//!
//! The batch's status is the claim and the record: `open` -> `submitting` is committed before the
//! upload, so a worker killed while sending leaves `submitting` behind; a timeout after sending
//! leaves `unknown`. Either is reconciled before anything is sent again: the provider's batch
//! status (by name, with the file token) and the upload reports of the days it may have arrived.
//! Only when the provider has no trace of the name is the batch sent again, under the same name.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pocket_domain::{AccountNumber, AccountType, BranchCode, Money};
use pocket_providers::netcash::{
    self, AccountReference, DebitOrder, DebitOrderProvider, LoadReport, LoadState, NetcashError,
};
use pocket_store::collections::{self, Batch, BatchStatus, PresentmentStatus};
use pocket_store::jobs::{self, NewJob};
use sqlx::PgPool;
use uuid::Uuid;

use super::load_report::apply_report;
use super::{Collections, LOAD_REPORT_JOB, payload_id, provider_error, sast_date, store_error};
use crate::worker::{HandlerFuture, JobContext, JobError, JobHandler};

/// How a submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Sent now (or found on the provider by reconciliation) with this file token.
    Sent { token: String, reconciled: bool },
    /// The provider had already reported on it (found by reconciliation in the upload reports).
    Reported,
    /// Nothing to do: the batch is past submission.
    AlreadyDone(BatchStatus),
}

fn db(e: impl Into<pocket_store::StoreError>) -> JobError {
    store_error(e.into())
}

/// The provider's batch, built from the recorded presentments (deterministic: by reference).
async fn provider_batch(pool: &PgPool, batch: &Batch) -> Result<netcash::Batch, JobError> {
    let mut conn = pool.acquire().await.map_err(db)?;
    let lines = collections::batch_lines(&mut conn, batch.collection_batch_id).await.map_err(db)?;
    let sequence = u32::try_from(batch.sequence).unwrap_or(1);
    let mut file = netcash::Batch::new(netcash::Instruction::TwoDay, batch.action_date, sequence);
    for l in lines {
        let order = (|| {
            Some(DebitOrder {
                account_reference: AccountReference::parse(&l.account_reference).ok()?,
                account_name: l.account_holder.clone(),
                holder: l.account_holder.clone(),
                account_type: AccountType::from_code(u8::try_from(l.account_type).ok()?).ok()?,
                branch_code: BranchCode::parse(&l.branch_code).ok()?,
                account_number: AccountNumber::parse(&l.account_number).ok()?,
                amount: Money::from_cents(l.amount_cents),
            })
        })();
        let pushed = order.map(|o| file.push(o));
        if !matches!(pushed, Some(Ok(()))) {
            // The database checks these shapes, so this is stored data gone wrong: stop.
            return Err(JobError::permanent(format!(
                "presentment {} cannot be written to the batch file",
                l.account_reference
            )));
        }
    }
    if file.name() != batch.name {
        return Err(JobError::permanent("BUG: the batch file name differs from the recorded name"));
    }
    Ok(file)
}

/// Records a batch as sent with its token, moves its presentments to `submitted`, and queues the
/// load report poll, all in one transaction.
async fn record_sent(
    pool: &PgPool,
    batch: &Batch,
    token: &str,
    now: DateTime<Utc>,
    how: &str,
) -> Result<(), JobError> {
    let mut tx = pool.begin().await.map_err(db)?;
    collections::set_batch_status(
        &mut tx,
        batch.collection_batch_id,
        BatchStatus::Submitted,
        Some(token),
        None,
        now,
    )
    .await
    .map_err(db)?;
    collections::move_batch_presentments(
        &mut tx,
        batch.collection_batch_id,
        &[PresentmentStatus::Pending, PresentmentStatus::Unknown],
        PresentmentStatus::Submitted,
        Some(token),
        &serde_json::json!({ "batch": batch.name, "how": how }),
    )
    .await
    .map_err(db)?;
    let job = NewJob {
        kind: LOAD_REPORT_JOB.to_owned(),
        payload: serde_json::json!({ "collection_batch_id": batch.collection_batch_id.to_string() }),
        run_at: now,
        max_attempts: 10,
        idempotency_key: Some(format!("{LOAD_REPORT_JOB}:{}", batch.name)),
    };
    jobs::enqueue(&mut tx, &job).await.map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// What the provider knows of a batch name.
enum Trace {
    Token(String),
    Report(LoadReport),
    Nothing,
}

/// Asks the provider what became of the batch (collections.md rule 2): its recent batches by
/// name, then the upload reports of the day it was sent and of today.
async fn reconcile<P: DebitOrderProvider>(
    provider: &P,
    batch: &Batch,
    sent_on: Vec<chrono::NaiveDate>,
) -> Result<Trace, JobError> {
    let statuses = provider.batch_status().await.map_err(|e| provider_error(&e))?;
    if let Some(found) = statuses.iter().find(|s| s.batch_name == batch.name) {
        return Ok(Trace::Token(found.token.as_str().to_owned()));
    }
    for day in sent_on {
        let reports = provider.uploads_for_date(day).await.map_err(|e| provider_error(&e))?;
        if let Some(report) = reports.into_iter().find(|r| r.batch_name == batch.name) {
            return Ok(Trace::Report(report));
        }
    }
    Ok(Trace::Nothing)
}

/// Submits one recorded batch, reconciling first if an earlier attempt's outcome is unknown.
pub async fn submit_batch<P: DebitOrderProvider>(
    pool: &PgPool,
    provider: &P,
    collection_batch_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Submitted, JobError> {
    // A transaction-scoped lock held while this attempt talks to the provider: a second attempt
    // on the same batch (a fresh job from the daily run, another worker) waits its turn instead
    // of mistaking an upload in flight for an unknown outcome. A killed attempt's lock goes with
    // its connection.
    let mut guard = pool.begin().await.map_err(db)?;
    let locked: bool = sqlx::query_scalar("select pg_try_advisory_xact_lock(hashtext($1))")
        .bind(format!("batch.submit:{collection_batch_id}"))
        .fetch_one(&mut *guard)
        .await
        .map_err(db)?;
    if !locked {
        return Err(JobError::retryable("another attempt is submitting this batch"));
    }
    let result = submit_locked(pool, provider, collection_batch_id, now).await;
    guard.commit().await.map_err(db)?;
    result
}

async fn submit_locked<P: DebitOrderProvider>(
    pool: &PgPool,
    provider: &P,
    collection_batch_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Submitted, JobError> {
    let mut conn = pool.acquire().await.map_err(db)?;
    let batch = collections::get_batch(&mut conn, collection_batch_id).await.map_err(db)?;
    match batch.status {
        BatchStatus::Open => {}
        BatchStatus::Submitting | BatchStatus::Unknown => {
            let sent_at = collections::batch_submitted_at(&mut conn, collection_batch_id)
                .await
                .map_err(db)?;
            let mut days = vec![sast_date(now)];
            if let Some(at) = sent_at {
                days.insert(0, sast_date(at));
            }
            days.dedup();
            match reconcile(provider, &batch, days).await? {
                Trace::Token(token) => {
                    tracing::warn!(batch = %batch.name, "found on the provider after an unknown outcome");
                    record_sent(pool, &batch, &token, now, "reconciled").await?;
                    return Ok(Submitted::Sent { token, reconciled: true });
                }
                Trace::Report(report) => {
                    tracing::warn!(batch = %batch.name, "the provider reported on it already");
                    let token = format!("reconciled:{}", batch.name);
                    record_sent(pool, &batch, &token, now, "reconciled from the upload report")
                        .await?;
                    apply_report(pool, &batch, &report, now).await?;
                    return Ok(Submitted::Reported);
                }
                Trace::Nothing => {
                    tracing::warn!(batch = %batch.name, "not on the provider: sending again");
                    collections::move_batch(
                        &mut conn,
                        collection_batch_id,
                        &[BatchStatus::Submitting, BatchStatus::Unknown],
                        BatchStatus::Open,
                        now,
                    )
                    .await
                    .map_err(db)?;
                }
            }
        }
        done => return Ok(Submitted::AlreadyDone(done)),
    }
    let file = provider_batch(pool, &batch).await?;
    let claimed = collections::move_batch(
        &mut conn,
        collection_batch_id,
        &[BatchStatus::Open],
        BatchStatus::Submitting,
        now,
    )
    .await
    .map_err(db)?;
    if !claimed {
        return Err(JobError::retryable("the batch moved while preparing to send it"));
    }
    drop(conn);
    match provider.upload_batch(&file).await {
        Ok(token) => {
            record_sent(pool, &batch, token.as_str(), now, "uploaded").await?;
            Ok(Submitted::Sent { token: token.as_str().to_owned(), reconciled: false })
        }
        Err(e) => {
            let mut conn = pool.acquire().await.map_err(db)?;
            let next = match &e {
                // Never left: safe to send again. A SOAP fault is the service refusing the call.
                NetcashError::NotSent(_) | NetcashError::Fault { .. } => BatchStatus::Open,
                // Refused with a business code (for example 102, a footer mismatch): nothing
                // was loaded. The batch is cancelled and its presentments with it, so that the
                // instalments are presented again in a later batch.
                NetcashError::Business { .. } => BatchStatus::Cancelled,
                // Sent, no readable answer: unknown until reconciled.
                NetcashError::OutcomeUnknown(_)
                | NetcashError::Http { .. }
                | NetcashError::Malformed(_) => BatchStatus::Unknown,
            };
            collections::move_batch(
                &mut conn,
                collection_batch_id,
                &[BatchStatus::Submitting],
                next,
                now,
            )
            .await
            .map_err(db)?;
            if next == BatchStatus::Cancelled {
                collections::move_batch_presentments(
                    &mut conn,
                    collection_batch_id,
                    &[PresentmentStatus::Pending],
                    PresentmentStatus::Cancelled,
                    None,
                    &serde_json::json!({ "refused": e.to_string() }),
                )
                .await
                .map_err(db)?;
            }
            tracing::warn!(batch = %batch.name, error = %e, status = next.as_str(), "batch upload failed");
            Err(provider_error(&e))
        }
    }
}

/// Whether a load report says the file was loaded (in whole or in part).
pub fn loaded(report: &LoadReport) -> bool {
    report.state != LoadState::Unsuccessful
}

/// The `batch.submit` job: payload `collection_batch_id`.
#[derive(Debug)]
pub struct SubmitHandler<P>(pub Arc<Collections<P>>);

impl<P: DebitOrderProvider + 'static> JobHandler for SubmitHandler<P> {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a> {
        Box::pin(async move {
            let id = payload_id(payload, "collection_batch_id")?;
            let outcome = submit_batch(ctx.pool(), &self.0.provider, id, ctx.now()).await?;
            tracing::info!(batch = %id, ?outcome, "batch submission");
            Ok(())
        })
    }
}
