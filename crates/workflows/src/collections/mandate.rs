//! Requesting the DebiCheck mandate through the provider (collections.md, "Schemes"): collections
//! wait for an authenticated mandate.
//!
//! The request is a `Mandates` batch of one line named after the contract reference
//! (netcash-niws.md: `Mandates` for electronic / DebiCheck mandate batches). Like any upload, its
//! outcome may be unknown, so the provider's batch status is asked for the name before every
//! upload. A successful load report is taken as the mandate's authentication (verify: the real
//! service reports the consumer's TT1/TT2 authentication separately, which is not simulated).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pocket_domain::{AccountNumber, AccountType, BranchCode, Money};
use pocket_providers::netcash::{
    self, AccountReference, DebitOrder, DebitOrderProvider, FileToken, LoadReportStatus, LoadState,
};
use pocket_store::mandates::{self, MandateStatus};
use sqlx::PgPool;
use uuid::Uuid;

use super::{Collections, payload_id, provider_error, store_error};
use crate::worker::{HandlerFuture, JobContext, JobError, JobHandler};

fn db(e: impl Into<pocket_store::StoreError>) -> JobError {
    store_error(e.into())
}

/// The batch name of a mandate request: deterministic, so a repeated request is recognised.
pub fn request_name(contract_reference: &str) -> String {
    format!("MANDATE-{contract_reference}")
}

/// Where a mandate request stands after one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MandateProgress {
    Authenticated,
    Rejected(String),
    /// Sent; the provider is still processing it.
    Waiting,
}

/// Moves a mandate request one step: upload it (after asking whether it arrived already), then
/// read its load report.
pub async fn advance<P: DebitOrderProvider>(
    pool: &PgPool,
    provider: &P,
    mandate_id: Uuid,
    now: DateTime<Utc>,
) -> Result<MandateProgress, JobError> {
    let mut conn = pool.acquire().await.map_err(db)?;
    let m = mandates::request(&mut conn, mandate_id).await.map_err(db)?;
    match m.status {
        MandateStatus::Authenticated => return Ok(MandateProgress::Authenticated),
        MandateStatus::Pending | MandateStatus::Requested => {}
        other => return Ok(MandateProgress::Rejected(other.as_str().to_owned())),
    }
    let name = request_name(&m.contract_reference);
    let token = match m.provider_reference.clone() {
        Some(token) => token,
        None => {
            // collections.md rule 2: ask before sending again.
            let known = provider.batch_status().await.map_err(|e| provider_error(&e))?;
            let token = match known.into_iter().find(|b| b.batch_name == name) {
                Some(found) => found.token.as_str().to_owned(),
                None => {
                    let order = DebitOrder {
                        account_reference: AccountReference::parse(&m.contract_reference)
                            .map_err(JobError::permanent)?,
                        account_name: m.account_holder.clone(),
                        holder: m.account_holder.clone(),
                        account_type: AccountType::from_code(
                            u8::try_from(m.account_type).unwrap_or(0),
                        )
                        .map_err(JobError::permanent)?,
                        branch_code: BranchCode::parse(&m.branch_code)
                            .map_err(JobError::permanent)?,
                        account_number: AccountNumber::parse(&m.account_number)
                            .map_err(JobError::permanent)?,
                        // The mandate's maximum collection amount (verify the field).
                        amount: Money::from_cents(m.max_collection_cents),
                    };
                    let mut file = netcash::Batch::named(
                        name.clone(),
                        netcash::Instruction::Mandates,
                        m.first_collection_date,
                    );
                    file.push(order).map_err(JobError::permanent)?;
                    let token =
                        provider.upload_batch(&file).await.map_err(|e| provider_error(&e))?;
                    token.as_str().to_owned()
                }
            };
            mandates::mark_requested(&mut conn, mandate_id, &token).await.map_err(db)?;
            token
        }
    };
    match provider.load_report(&FileToken::new(token)).await.map_err(|e| provider_error(&e))? {
        LoadReportStatus::NotReady => Ok(MandateProgress::Waiting),
        LoadReportStatus::Ready(report) if report.state == LoadState::Successful => {
            mandates::set_status(&mut conn, mandate_id, MandateStatus::Authenticated, now)
                .await
                .map_err(db)?;
            Ok(MandateProgress::Authenticated)
        }
        LoadReportStatus::Ready(report) => {
            mandates::set_status(&mut conn, mandate_id, MandateStatus::Rejected, now)
                .await
                .map_err(db)?;
            let why = report
                .line_errors
                .iter()
                .map(|e| e.message.clone())
                .chain(report.errors.iter().cloned())
                .collect::<Vec<_>>()
                .join("; ");
            Ok(MandateProgress::Rejected(why))
        }
    }
}

/// The `mandate.request` job: payload `mandate_id`.
#[derive(Debug)]
pub struct MandateHandler<P>(pub Arc<Collections<P>>);

impl<P: DebitOrderProvider + 'static> JobHandler for MandateHandler<P> {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a> {
        Box::pin(async move {
            let id = payload_id(payload, "mandate_id")?;
            match advance(ctx.pool(), &self.0.provider, id, ctx.now()).await? {
                MandateProgress::Authenticated => Ok(()),
                MandateProgress::Waiting => {
                    Err(JobError::retryable("mandate load report not ready"))
                }
                MandateProgress::Rejected(why) => {
                    tracing::warn!(mandate = %id, %why, "mandate refused");
                    Ok(())
                }
            }
        })
    }
}
