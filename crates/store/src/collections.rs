//! Collection batches and presentments (collections.md, netcash-niws.md). A presentment's status
//! moves only by appending an event (rule 3); the database allows one active presentment per
//! instalment (rule 1); batch names are deterministic and unique because the provider has no
//! duplicate-batch protection.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    /// netcash-niws.md batch header instruction.
    pub enum Instruction {
        SameDay => "same_day",
        TwoDay => "two_day",
        Mandates => "mandates",
    }
}

impl Instruction {
    /// The word the provider's batch header uses.
    pub fn wire_name(self) -> &'static str {
        match self {
            Instruction::SameDay => "SameDay",
            Instruction::TwoDay => "TwoDay",
            Instruction::Mandates => "Mandates",
        }
    }
}

text_enum! {
    pub enum BatchStatus {
        Open => "open",
        Submitting => "submitting",
        /// collections.md rule 2: the submission timed out; reconcile before anything else.
        Unknown => "unknown",
        Submitted => "submitted",
        Loaded => "loaded",
        LoadedWithErrors => "loaded_with_errors",
        Rejected => "rejected",
        Authorised => "authorised",
        Processed => "processed",
        Cancelled => "cancelled",
    }
}

text_enum! {
    pub enum PresentmentStatus {
        Pending => "pending",
        Submitted => "submitted",
        Unknown => "unknown",
        Loaded => "loaded",
        Successful => "successful",
        Unpaid => "unpaid",
        Disputed => "disputed",
        Rejected => "rejected",
        Cancelled => "cancelled",
    }
}

impl PresentmentStatus {
    /// Whether the presentment still occupies its instalment (the partial unique index).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            PresentmentStatus::Pending
                | PresentmentStatus::Submitted
                | PresentmentStatus::Unknown
                | PresentmentStatus::Loaded
        )
    }
}

/// `LOANS-<action date CCYYMMDD>-<sequence>` (netcash-niws.md).
pub fn batch_name(action_date: NaiveDate, sequence: i32) -> String {
    format!("LOANS-{}-{sequence}", action_date.format("%Y%m%d"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub collection_batch_id: Uuid,
    pub name: String,
    pub action_date: NaiveDate,
    pub instruction: Instruction,
    pub sequence: i32,
    pub status: BatchStatus,
    pub item_count: i32,
    pub total_cents: i64,
    pub file_token: Option<String>,
    pub load_report: Option<String>,
}

/// Opens the next batch for a date and instruction. Two callers racing for the same sequence
/// cannot both win: the name and (date, instruction, sequence) are unique.
pub async fn open_batch(
    conn: &mut PgConnection,
    action_date: NaiveDate,
    instruction: Instruction,
) -> Result<Batch> {
    let sequence = sqlx::query_scalar!(
        r#"select coalesce(max(sequence), 0) + 1 as "next!" from collection_batch where action_date = $1"#,
        action_date
    )
    .fetch_one(&mut *conn)
    .await?;
    let name = batch_name(action_date, sequence);
    Ok(sqlx::query_as!(
        Batch,
        r#"insert into collection_batch (name, action_date, instruction, sequence)
           values ($1, $2, $3, $4)
           returning collection_batch_id, name, action_date, instruction as "instruction: Instruction",
                     sequence, status as "status: BatchStatus", item_count, total_cents, file_token,
                     load_report"#,
        name,
        action_date,
        instruction.as_str(),
        sequence
    )
    .fetch_one(conn)
    .await?)
}

pub async fn get_batch(conn: &mut PgConnection, collection_batch_id: Uuid) -> Result<Batch> {
    let row = sqlx::query_as!(
        Batch,
        r#"select collection_batch_id, name, action_date, instruction as "instruction: Instruction",
                  sequence, status as "status: BatchStatus", item_count, total_cents, file_token, load_report
           from collection_batch where collection_batch_id = $1"#,
        collection_batch_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "collection batch")
}

/// Puts presentments into an open batch and recomputes its count and total (the footer record).
pub async fn assign_to_batch(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
    presentment_ids: &[Uuid],
) -> Result<()> {
    sqlx::query!(
        r#"update presentment set collection_batch_id = $1
           where presentment_id = any($2) and status = 'pending' and collection_batch_id is null"#,
        collection_batch_id,
        presentment_ids
    )
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query!(
        r#"update collection_batch b
           set item_count = t.n, total_cents = t.total
           from (select count(*)::int as n, coalesce(sum(amount_cents), 0)::bigint as total
                 from presentment where collection_batch_id = $1) t
           where b.collection_batch_id = $1 and b.status = 'open'"#,
        collection_batch_id
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "open collection batch")
}

/// Records what is known about a batch after talking to the provider.
pub async fn set_batch_status(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
    status: BatchStatus,
    file_token: Option<&str>,
    load_report: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update collection_batch
           set status = $2,
               file_token = coalesce($3, file_token),
               load_report = coalesce($4, load_report),
               submitted_at = case when $2 in ('submitted', 'unknown') then coalesce(submitted_at, $5) else submitted_at end,
               loaded_at = case when $2 in ('loaded', 'loaded_with_errors') then $5 else loaded_at end
           where collection_batch_id = $1"#,
        collection_batch_id,
        status.as_str(),
        file_token,
        load_report,
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "collection batch")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPresentment {
    pub instalment_id: Uuid,
    pub loan_id: Uuid,
    pub mandate_id: Uuid,
    pub attempt: i32,
    pub amount_cents: i64,
    pub action_date: NaiveDate,
    /// Field 101 of the batch file: 2 to 22 letters or digits.
    pub account_reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentment {
    pub presentment_id: Uuid,
    pub instalment_id: Uuid,
    pub loan_id: Uuid,
    pub mandate_id: Uuid,
    pub collection_batch_id: Option<Uuid>,
    pub attempt: i32,
    pub amount_cents: i64,
    pub action_date: NaiveDate,
    pub account_reference: String,
    pub status: PresentmentStatus,
    pub reason_code: Option<String>,
}

/// A short, unique account reference derived from the presentment key.
pub fn account_reference_for(presentment_id: Uuid) -> String {
    presentment_id.simple().to_string()[..20].to_uppercase()
}

pub async fn create_presentment(conn: &mut PgConnection, p: &NewPresentment) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into presentment (instalment_id, loan_id, mandate_id, attempt, amount_cents, action_date,
                                    account_reference)
           values ($1, $2, $3, $4, $5, $6, $7) returning presentment_id"#,
        p.instalment_id,
        p.loan_id,
        p.mandate_id,
        p.attempt,
        p.amount_cents,
        p.action_date,
        p.account_reference,
    )
    .fetch_one(conn)
    .await?)
}

/// An appended state change of a debit order (collections.md rule 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub presentment_id: Uuid,
    pub to_status: PresentmentStatus,
    pub reason_code: Option<String>,
    pub provider_reference: Option<String>,
    pub detail: serde_json::Value,
}

pub async fn record_event(conn: &mut PgConnection, e: &NewEvent) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into presentment_event (presentment_id, to_status, reason_code, provider_reference, detail)
           values ($1, $2, $3, $4, $5) returning presentment_event_id"#,
        e.presentment_id,
        e.to_status.as_str(),
        e.reason_code,
        e.provider_reference,
        e.detail,
    )
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub presentment_event_id: Uuid,
    pub seq: i64,
    pub from_status: Option<PresentmentStatus>,
    pub to_status: PresentmentStatus,
    pub reason_code: Option<String>,
    pub provider_reference: Option<String>,
    pub login_role: String,
    pub effective_role: String,
    pub occurred_at: DateTime<Utc>,
}

pub async fn events(conn: &mut PgConnection, presentment_id: Uuid) -> Result<Vec<Event>> {
    Ok(sqlx::query_as!(
        Event,
        r#"select presentment_event_id, seq, from_status as "from_status: PresentmentStatus",
                  to_status as "to_status: PresentmentStatus", reason_code, provider_reference,
                  login_role, effective_role, occurred_at
           from presentment_event where presentment_id = $1 order by seq"#,
        presentment_id
    )
    .fetch_all(conn)
    .await?)
}

pub async fn get_presentment(conn: &mut PgConnection, presentment_id: Uuid) -> Result<Presentment> {
    let row = sqlx::query_as!(
        Presentment,
        r#"select presentment_id, instalment_id, loan_id, mandate_id, collection_batch_id, attempt,
                  amount_cents, action_date, account_reference, status as "status: PresentmentStatus", reason_code
           from presentment where presentment_id = $1"#,
        presentment_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "presentment")
}

/// Matches a statement line back to its presentment (netcash-niws.md: field 101).
pub async fn find_by_account_reference(
    conn: &mut PgConnection,
    account_reference: &str,
) -> Result<Option<Presentment>> {
    Ok(sqlx::query_as!(
        Presentment,
        r#"select presentment_id, instalment_id, loan_id, mandate_id, collection_batch_id, attempt,
                  amount_cents, action_date, account_reference, status as "status: PresentmentStatus", reason_code
           from presentment where account_reference = $1"#,
        account_reference
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn for_loan(conn: &mut PgConnection, loan_id: Uuid) -> Result<Vec<Presentment>> {
    Ok(sqlx::query_as!(
        Presentment,
        r#"select presentment_id, instalment_id, loan_id, mandate_id, collection_batch_id, attempt,
                  amount_cents, action_date, account_reference, status as "status: PresentmentStatus", reason_code
           from presentment where loan_id = $1 order by action_date, attempt"#,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}

pub async fn in_batch(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
) -> Result<Vec<Presentment>> {
    Ok(sqlx::query_as!(
        Presentment,
        r#"select presentment_id, instalment_id, loan_id, mandate_id, collection_batch_id, attempt,
                  amount_cents, action_date, account_reference, status as "status: PresentmentStatus", reason_code
           from presentment where collection_batch_id = $1 order by account_reference"#,
        collection_batch_id
    )
    .fetch_all(conn)
    .await?)
}

/// Unpaids grouped by reason code, for the collections screen.
pub async fn unpaids_by_reason(conn: &mut PgConnection) -> Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query!(
        r#"select reason_code as "reason_code!", count(*) as "count!", sum(amount_cents)::bigint as "total!"
           from presentment where status in ('unpaid', 'disputed') and reason_code is not null
           group by reason_code order by reason_code"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.reason_code, r.count, r.total)).collect())
}

/// Instalments with more than one active presentment (the index makes this always empty).
pub async fn instalments_with_two_active(conn: &mut PgConnection) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from (
               select instalment_id from presentment
               where status in ('pending', 'submitted', 'unknown', 'loaded')
               group by instalment_id having count(*) > 1) t"#
    )
    .fetch_one(conn)
    .await?)
}
