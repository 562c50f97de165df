//! The load report of an uploaded batch (netcash-niws.md, "Load report"): `FILE NOT READY` is
//! polled again later; a loaded file moves its presentments to `loaded`, except the lines the
//! provider dropped, which become `rejected` with the provider's message (and their loans are held
//! for a person, since the bank details need fixing); an unsuccessful file rejects the whole batch,
//! and its instalments are presented again in a later batch.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pocket_providers::netcash::{
    DebitOrderProvider, FileToken, LoadReport, LoadReportStatus, LoadState,
};
use pocket_store::collections::{self, Batch, BatchStatus, PresentmentStatus};
use sqlx::PgPool;
use uuid::Uuid;

use super::{Collections, payload_id, provider_error, sast_date, store_error};
use crate::worker::{HandlerFuture, JobContext, JobError, JobHandler};

fn db(e: impl Into<pocket_store::StoreError>) -> JobError {
    store_error(e.into())
}

/// The report as stored on the batch: the state, the total and every dropped line.
fn summary(report: &LoadReport) -> String {
    let state = match report.state {
        LoadState::Successful => "SUCCESSFUL",
        LoadState::SuccessfulWithErrors => "SUCCESSFUL WITH ERRORS",
        LoadState::Unsuccessful => "UNSUCCESSFUL",
    };
    let mut out = format!("{} {state}", report.batch_name);
    if let Some(total) = report.total {
        out.push_str(&format!(" {}", total.cents()));
    }
    for e in &report.line_errors {
        out.push_str(&format!("\nAcc Ref :{} Line :{} {}", e.account_reference, e.line, e.message));
    }
    for e in &report.errors {
        out.push_str(&format!("\n###ERROR: {e}"));
    }
    out
}

/// Applies a load report to its batch in one transaction. Applying it twice changes nothing:
/// only presentments still `submitted` move.
pub async fn apply_report(
    pool: &PgPool,
    batch: &Batch,
    report: &LoadReport,
    now: DateTime<Utc>,
) -> Result<BatchStatus, JobError> {
    let mut tx = pool.begin().await.map_err(db)?;
    let today = sast_date(now);
    let text = summary(report);
    let status = match report.state {
        LoadState::Unsuccessful => {
            collections::move_batch_presentments(
                &mut tx,
                batch.collection_batch_id,
                &[
                    PresentmentStatus::Submitted,
                    PresentmentStatus::Pending,
                    PresentmentStatus::Unknown,
                ],
                PresentmentStatus::Rejected,
                None,
                &serde_json::json!({ "load_report": report.errors }),
            )
            .await
            .map_err(db)?;
            BatchStatus::Rejected
        }
        state => {
            let (refs, messages): (Vec<String>, Vec<String>) = report
                .line_errors
                .iter()
                .map(|e| (e.account_reference.clone(), e.message.clone()))
                .unzip();
            collections::reject_lines(&mut tx, batch.collection_batch_id, &refs, &messages, today)
                .await
                .map_err(db)?;
            collections::move_batch_presentments(
                &mut tx,
                batch.collection_batch_id,
                &[PresentmentStatus::Submitted],
                PresentmentStatus::Loaded,
                None,
                &serde_json::json!({ "load_report": report.batch_name }),
            )
            .await
            .map_err(db)?;
            if state == LoadState::Successful {
                BatchStatus::Loaded
            } else {
                BatchStatus::LoadedWithErrors
            }
        }
    };
    collections::set_batch_status(
        &mut tx,
        batch.collection_batch_id,
        status,
        None,
        Some(&text),
        now,
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(status)
}

/// Polls the load report of a submitted batch; `None` while the provider is still processing.
pub async fn poll<P: DebitOrderProvider>(
    pool: &PgPool,
    provider: &P,
    collection_batch_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<BatchStatus>, JobError> {
    let mut conn = pool.acquire().await.map_err(db)?;
    let batch = collections::get_batch(&mut conn, collection_batch_id).await.map_err(db)?;
    drop(conn);
    if batch.status != BatchStatus::Submitted {
        return Ok(Some(batch.status));
    }
    let Some(token) = batch.file_token.clone() else {
        return Err(JobError::permanent("a submitted batch without a file token"));
    };
    match provider.load_report(&FileToken::new(token)).await.map_err(|e| provider_error(&e))? {
        LoadReportStatus::NotReady => Ok(None),
        LoadReportStatus::Ready(report) => {
            if report.batch_name != batch.name {
                return Err(JobError::permanent(format!(
                    "the load report is for {}, not {}",
                    report.batch_name, batch.name
                )));
            }
            apply_report(pool, &batch, &report, now).await.map(Some)
        }
    }
}

/// The `batch.load_report` job: payload `collection_batch_id`.
#[derive(Debug)]
pub struct LoadReportHandler<P>(pub Arc<Collections<P>>);

impl<P: DebitOrderProvider + 'static> JobHandler for LoadReportHandler<P> {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a> {
        Box::pin(async move {
            let id = payload_id(payload, "collection_batch_id")?;
            match poll(ctx.pool(), &self.0.provider, id, ctx.now()).await? {
                Some(status) => {
                    tracing::info!(batch = %id, status = status.as_str(), "load report applied");
                    Ok(())
                }
                None => Err(JobError::retryable("FILE NOT READY")),
            }
        })
    }
}
