//! Reading the provider's statement (netcash-niws.md, "Statement"; collections.md rules 3-5):
//! lines are stored as read, matched to presentments by account reference (field 101) in
//! set-based statements, applied as appended events, and posted to the ledger: collections when
//! paid, reversals when a collected debit comes back later (a late unpaid or a dispute, whenever
//! it arrives, even after the loan was paid up). A presentment already settled by an earlier
//! reading is left alone, so the same statement read twice changes nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, NaiveDate, Utc};
use pocket_domain::BusinessCalendar;
use pocket_providers::netcash::{DebitOrderProvider, Statement, StatementStatus, TransactionKind};
use pocket_store::StoreError;
use pocket_store::collections::{self, StatementRow, Stop};
use pocket_store::mandates;
use sqlx::{PgConnection, PgPool};

use super::policy::{self, Decision, PaydayTerms};
use super::{Collections, arrears, job_date, provider_error, store_error};
use crate::worker::{HandlerFuture, JobContext, JobError, JobHandler};

/// What one reading did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    pub lines: usize,
    pub matched: i64,
    pub collected: u64,
    pub returned: usize,
    pub reversed: usize,
    pub re_presented: usize,
    pub stopped: usize,
}

/// The rows to store for a statement: debit results only, balances and other lines as `other`.
pub fn rows(statement: &Statement) -> Vec<StatementRow> {
    statement
        .lines
        .iter()
        .map(|l| {
            let (kind, reason) = match &l.kind {
                TransactionKind::TwoDayDebit
                | TransactionKind::SameDayDebit
                | TransactionKind::DebiCheckSuccess => ("collected", None),
                TransactionKind::Unpaid(code) => ("unpaid", Some(code.code().to_owned())),
                // netcash-niws.md: DCX DebiCheck unpaid and DCD DebiCheck dispute; their reason
                // code is read from the description like DRU's (verify with real statements).
                TransactionKind::DebiCheckUnpaid => ("unpaid", Some(code_in(&l.description))),
                TransactionKind::DebiCheckDispute => ("disputed", Some(code_in(&l.description))),
                _ => ("other", None),
            };
            StatementRow {
                line_date: l.date,
                kind,
                account_reference: l.account_reference.clone(),
                reason_text: reason,
                amount_cents: l.amount.cents().abs(),
                transaction_id: l.transaction_id.clone(),
            }
        })
        .collect()
}

fn code_in(description: &str) -> String {
    match description.rsplit_once("Code:") {
        Some((_, code)) => code.trim().to_owned(),
        None => description.trim().to_owned(),
    }
}

/// Applies a statement's rows in the caller's transaction, then the reason-code policy, and
/// refreshes the loans' statuses. Two readers at once are serialised by the step's lock.
pub async fn ingest(
    conn: &mut PgConnection,
    calendar: &BusinessCalendar,
    from: NaiveDate,
    today: NaiveDate,
    rows: &[StatementRow],
    now: DateTime<Utc>,
) -> Result<Ingested, StoreError> {
    collections::lock_cycle(&mut *conn, "statement").await?;
    let load_id = collections::load_statement(&mut *conn, from, today, rows).await?;
    let collected = collections::apply_collected(&mut *conn, load_id).await?;
    let returned = collections::apply_returned(&mut *conn, load_id).await?;
    let matched = collections::finish_load(&mut *conn, load_id).await?;

    let mandate_ids: Vec<uuid::Uuid> = returned.iter().map(|r| r.mandate_id).collect();
    let terms: HashMap<uuid::Uuid, PaydayTerms> = mandates::payday_terms(&mut *conn, &mandate_ids)
        .await?
        .into_iter()
        .map(|(id, frequency, collection_day, first_collection_date)| {
            (id, PaydayTerms { frequency, collection_day, first_collection_date })
        })
        .collect();
    let earliest = super::presentments::two_day_action_date(calendar, today);
    let mut again_ids = Vec::new();
    let mut again_on = Vec::new();
    let mut stops: Vec<Stop> = Vec::new();
    for r in &returned {
        let Some(t) = terms.get(&r.mandate_id) else { continue };
        match policy::decide(calendar, r, t, earliest) {
            Decision::RePresent { instalment_id, on } => {
                again_ids.push(instalment_id);
                again_on.push(on);
            }
            Decision::Stop(stop) => stops.push(stop),
        }
    }
    collections::set_collect_on(&mut *conn, &again_ids, &again_on).await?;
    collections::apply_stops(&mut *conn, &stops, today).await?;
    collections::refresh_loan_status(&mut *conn, today).await?;
    let failed: Vec<uuid::Uuid> = returned.iter().map(|r| r.presentment_id).collect();
    arrears::record_failure_messages(&mut *conn, &failed, now).await?;
    Ok(Ingested {
        lines: rows.len(),
        matched,
        collected,
        returned: returned.len(),
        reversed: returned.iter().filter(|r| r.was_collected).count(),
        re_presented: again_ids.len(),
        stopped: stops.len(),
    })
}

/// Asks the provider for the statement from `from` and waits for it (a few polls); `None` when it
/// is not ready yet.
pub async fn fetch<P: DebitOrderProvider>(
    provider: &P,
    from: NaiveDate,
) -> Result<Option<Statement>, JobError> {
    let id = provider.request_statement(from).await.map_err(|e| provider_error(&e))?;
    for attempt in 0..8u32 {
        match provider.retrieve_statement(&id).await.map_err(|e| provider_error(&e))? {
            StatementStatus::Ready(statement) => return Ok(Some(statement)),
            StatementStatus::NotReady => {
                tokio::time::sleep(StdDuration::from_millis(50 << attempt.min(5))).await;
            }
        }
    }
    Ok(None)
}

/// Reads and applies the statement from `from`, as the `statement.poll` job does.
pub async fn read<P: DebitOrderProvider>(
    pool: &PgPool,
    provider: &P,
    calendar: &BusinessCalendar,
    from: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Ingested, JobError> {
    let Some(statement) = fetch(provider, from).await? else {
        return Err(JobError::retryable("the statement is not ready yet"));
    };
    let rows = rows(&statement);
    let mut tx = pool.begin().await.map_err(|e| store_error(e.into()))?;
    let done = ingest(&mut tx, calendar, from, today, &rows, now).await.map_err(store_error)?;
    tx.commit().await.map_err(|e| store_error(e.into()))?;
    Ok(done)
}

/// The `statement.poll` job: payload `from` (YYYY-MM-DD) and optional `date`.
#[derive(Debug)]
pub struct StatementHandler<P>(pub Arc<Collections<P>>);

impl<P: DebitOrderProvider + 'static> JobHandler for StatementHandler<P> {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a> {
        Box::pin(async move {
            let today = job_date(ctx, payload)?;
            let from = match payload.get("from").and_then(|v| v.as_str()) {
                Some(text) => text.parse::<NaiveDate>().map_err(|_| {
                    JobError::permanent(format!("`{text}` is not a date (YYYY-MM-DD)"))
                })?,
                None => return Err(JobError::permanent("the payload has no `from` date")),
            };
            // netcash-niws.md: a day's statement is complete the next morning; asking from today
            // is refused, so a reading covers up to yesterday.
            let from = from.min(today.pred_opt().unwrap_or(today));
            let done = read(ctx.pool(), &self.0.provider, &self.0.calendar, from, today, ctx.now())
                .await?;
            tracing::info!(
                %from,
                lines = done.lines,
                collected = done.collected,
                returned = done.returned,
                reversed = done.reversed,
                "statement applied"
            );
            Ok(())
        })
    }
}
