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

// ---------------------------------------------------------------------------------------------
// The daily cycle, set-based: one statement per step whatever the number of instalments.
// ---------------------------------------------------------------------------------------------

/// Serialises the steps of the daily cycle that two workers must not interleave (creating
/// presentments and batches, reading a statement). The unique index on active presentments stays
/// the last word; the lock only spares the losers wasted work. Held until the transaction ends.
/// The transaction also gets the working memory a day's rows need.
pub async fn lock_cycle(conn: &mut PgConnection, step: &str) -> Result<()> {
    sqlx::query!("select pg_advisory_xact_lock(hashtext('collections:' || $1))", step)
        .execute(&mut *conn)
        .await?;
    // A step sorts and hashes a whole day's rows (a million at the largest): in memory rather
    // than in temporary files, for this transaction only.
    sqlx::query("set local work_mem = '128MB'").execute(conn).await?;
    Ok(())
}

/// Creates a presentment, in one statement, for every instalment that falls to be collected on
/// `action_date`: scheduled instalments due on or before it, and returned instalments whose
/// re-presentment day has come; only for loans that are collecting (active or in arrears, no
/// hold) on an authenticated mandate, and never past the third attempt (collections.md: 02 at
/// most 2 more times). An instalment that already has an active presentment is skipped, and the
/// partial unique index decides any race (collections.md rule 1). Returns how many were created.
pub async fn create_presentments(conn: &mut PgConnection, action_date: NaiveDate) -> Result<u64> {
    let done = sqlx::query!(
        r#"insert into presentment (instalment_id, loan_id, mandate_id, attempt, amount_cents, action_date,
                                    account_reference)
           select i.instalment_id, i.loan_id, m.mandate_id, coalesce(prev.attempts, 0) + 1,
                  i.amount_cents - i.paid_cents, $1,
                  upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 20))
           from instalment i
           join loan l on l.loan_id = i.loan_id
           join lateral (select m.mandate_id from mandate m
                         where m.loan_id = i.loan_id and m.status = 'authenticated'
                         order by m.authenticated_at desc limit 1) m on true
           left join lateral (select max(p.attempt) as attempts,
                                     bool_or(p.status in ('pending', 'submitted', 'unknown', 'loaded')) as active
                              from presentment p where p.instalment_id = i.instalment_id) prev on true
           where ((i.status = 'scheduled' and i.due_date <= $1)
                  or (i.status in ('unpaid', 'partially_paid') and i.collect_on <= $1))
             and l.status in ('active', 'in_arrears') and l.collection_hold is null
             and i.amount_cents > i.paid_cents
             and coalesce(prev.active, false) = false
             and coalesce(prev.attempts, 0) < 3
           on conflict do nothing"#,
        action_date
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// What [`present_due`] did: how many presentments it created and the batch they are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub created: u64,
    pub batch: Option<Batch>,
}

/// Creates the presentments of `action_date` and their batch in one pass: the same instalments
/// as [`create_presentments`] (collections.md rule 1: the partial unique index refuses a race),
/// written straight into a new batch of the date with its footer count and total, so that no
/// presentment is written twice. Presentments of the date still waiting for a batch (left by an
/// earlier run) join it. `None` when nothing is due and nothing waits.
///
/// At a million instalments the candidates are found with hash joins (the loans, their newest
/// authenticated mandate) and only the earlier attempts of each instalment by index, so the work
/// grows with what is due, not with the history of presentments.
pub async fn present_due(
    conn: &mut PgConnection,
    action_date: NaiveDate,
    instruction: Instruction,
) -> Result<Presented> {
    let made = sqlx::query!(
        r#"with cand as materialized (
               select i.instalment_id, i.loan_id, m.mandate_id, coalesce(prev.attempts, 0) + 1 as attempt,
                      i.amount_cents - i.paid_cents as amount_cents
               from instalment i
               join loan l on l.loan_id = i.loan_id
               join mandate m on m.loan_id = i.loan_id and m.status = 'authenticated'
               left join lateral (select max(p.attempt) as attempts,
                                         bool_or(p.status in ('pending', 'submitted', 'unknown', 'loaded')) as active
                                  from presentment p where p.instalment_id = i.instalment_id) prev on true
               where ((i.status = 'scheduled' and i.due_date <= $1)
                      or (i.status in ('unpaid', 'partially_paid') and i.collect_on <= $1))
                 and l.status in ('active', 'in_arrears') and l.collection_hold is null
                 and i.amount_cents > i.paid_cents
                 -- The newest authenticated mandate of the loan (exactly one: ties go by key).
                 and not exists (select from mandate n
                                 where n.loan_id = m.loan_id and n.status = 'authenticated'
                                   and (coalesce(n.authenticated_at, '-infinity'), n.mandate_id)
                                       > (coalesce(m.authenticated_at, '-infinity'), m.mandate_id))
                 and coalesce(prev.active, false) = false
                 and coalesce(prev.attempts, 0) < 3),
           next as (
               select coalesce(max(sequence), 0) + 1 as sequence from collection_batch where action_date = $1),
           batch as (
               insert into collection_batch (name, action_date, instruction, sequence)
               select 'LOANS-' || to_char($1::date, 'YYYYMMDD') || '-' || next.sequence, $1, $2, next.sequence
               from next where exists (select from cand)
               returning collection_batch_id),
           made as (
               insert into presentment (instalment_id, loan_id, mandate_id, attempt, amount_cents, action_date,
                                        account_reference, collection_batch_id)
               -- Field 101: `P`, the action date, the batch's sequence and the line's number (at
               -- most 22 characters while a date has fewer than 10 000 batches). Unique, since
               -- (date, sequence) names one batch, and never equal to the hexadecimal references
               -- of single presentments; ascending, so the unique index grows at its right edge.
               select c.instalment_id, c.loan_id, c.mandate_id, c.attempt, c.amount_cents, $1,
                      'P' || to_char($1::date, 'YYYYMMDD') || n.sequence
                          || lpad((row_number() over ())::text, 9, '0'),
                      b.collection_batch_id
               -- No ON CONFLICT: under the step's lock nothing else creates these presentments,
               -- and a presentment made meanwhile by hand for one of these instalments makes the
               -- partial unique index refuse the whole statement (collections.md rule 1); the
               -- job runs again and leaves that instalment out. (An ON CONFLICT insert checks
               -- every unique index once more per row.)
               from cand c cross join batch b cross join next n
               returning amount_cents)
           select (select collection_batch_id from batch) as "collection_batch_id?",
                  (select count(*) from made) as "created!",
                  (select coalesce(sum(amount_cents), 0) from made)::bigint as "total!""#,
        action_date,
        instruction.as_str()
    )
    .fetch_one(&mut *conn)
    .await?;
    let created = u64::try_from(made.created).unwrap_or(0);
    let Some(batch_id) = made.collection_batch_id else {
        let batch = build_batch(conn, action_date, instruction).await?;
        return Ok(Presented { created, batch });
    };
    // Presentments of the date that wait for a batch join this one; the footer counts what the
    // batch holds.
    sqlx::query!(
        r#"with put as (
               update presentment set collection_batch_id = $1
               where action_date = $2 and status = 'pending' and collection_batch_id is null
               returning amount_cents)
           update collection_batch
           set item_count = $3 + (select count(*) from put)::int,
               total_cents = $4 + (select coalesce(sum(amount_cents), 0) from put)::bigint
           where collection_batch_id = $1"#,
        batch_id,
        action_date,
        i32::try_from(made.created).unwrap_or(i32::MAX),
        made.total
    )
    .execute(&mut *conn)
    .await?;
    let batch = get_batch(conn, batch_id).await?;
    Ok(Presented { created, batch: Some(batch) })
}

/// Opens the next batch for the date when presentments of that date wait for one, and puts them
/// all in it with the footer's count and total. `None` when nothing waits.
pub async fn build_batch(
    conn: &mut PgConnection,
    action_date: NaiveDate,
    instruction: Instruction,
) -> Result<Option<Batch>> {
    let waiting = sqlx::query_scalar!(
        r#"select exists (select from presentment
                          where action_date = $1 and status = 'pending' and collection_batch_id is null) as "waiting!""#,
        action_date
    )
    .fetch_one(&mut *conn)
    .await?;
    if !waiting {
        return Ok(None);
    }
    let batch = open_batch(&mut *conn, action_date, instruction).await?;
    sqlx::query!(
        r#"with put as (
               update presentment set collection_batch_id = $1
               where action_date = $2 and status = 'pending' and collection_batch_id is null
               returning amount_cents)
           update collection_batch
           set item_count = (select count(*) from put)::int,
               total_cents = (select coalesce(sum(amount_cents), 0) from put)::bigint
           where collection_batch_id = $1"#,
        batch.collection_batch_id,
        action_date
    )
    .execute(&mut *conn)
    .await?;
    get_batch(conn, batch.collection_batch_id).await.map(Some)
}

/// One line of a batch file, read from the presentment and its mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchLine {
    pub account_reference: String,
    pub account_holder: String,
    pub account_type: i16,
    pub branch_code: String,
    pub account_number: String,
    pub amount_cents: i64,
}

/// The lines of a batch in file order (by account reference, so the file is deterministic).
pub async fn batch_lines(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
) -> Result<Vec<BatchLine>> {
    Ok(sqlx::query_as!(
        BatchLine,
        r#"select p.account_reference, m.account_holder, m.account_type, m.branch_code, m.account_number,
                  p.amount_cents
           from presentment p join mandate m on m.mandate_id = p.mandate_id
           where p.collection_batch_id = $1
           order by p.account_reference"#,
        collection_batch_id
    )
    .fetch_all(conn)
    .await?)
}

/// Moves a batch from one status to another if it is still in `from`; whether it moved. This is
/// how a worker claims a batch for sending: the status is the claim.
pub async fn move_batch(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
    from: &[BatchStatus],
    to: BatchStatus,
    now: DateTime<Utc>,
) -> Result<bool> {
    let from: Vec<String> = from.iter().map(|s| s.as_str().to_owned()).collect();
    let done = sqlx::query!(
        r#"update collection_batch
           set status = $3,
               submitted_at = case when $3 in ('submitting', 'submitted', 'unknown')
                                   then coalesce(submitted_at, $4) else submitted_at end
           where collection_batch_id = $1 and status = any($2)"#,
        collection_batch_id,
        &from,
        to.as_str(),
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// When a batch was (or may have been) sent: the day to ask the provider about.
pub async fn batch_submitted_at(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
) -> Result<Option<DateTime<Utc>>> {
    let row = sqlx::query_scalar!(
        "select submitted_at from collection_batch where collection_batch_id = $1",
        collection_batch_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "collection batch")
}

/// Appends the same event to every presentment of a batch that is in one of `from`
/// (collections.md rule 3); returns how many moved.
pub async fn move_batch_presentments(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
    from: &[PresentmentStatus],
    to: PresentmentStatus,
    provider_reference: Option<&str>,
    detail: &serde_json::Value,
) -> Result<u64> {
    let from: Vec<String> = from.iter().map(|s| s.as_str().to_owned()).collect();
    let done = sqlx::query!(
        r#"insert into presentment_event (presentment_id, from_status, to_status, provider_reference, detail)
           select presentment_id, status, $3, $4, $5 from presentment
           where collection_batch_id = $1 and status = any($2)
           order by presentment_id"#,
        collection_batch_id,
        &from,
        to.as_str(),
        provider_reference,
        detail
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Records the lines the provider dropped from a loaded batch (netcash-niws.md, "Load report"):
/// those presentments become `rejected` with the provider's message, and their loans are held
/// and flagged, since the bank details need a person. Returns how many were rejected.
pub async fn reject_lines(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
    account_references: &[String],
    messages: &[String],
    today: NaiveDate,
) -> Result<u64> {
    let done = sqlx::query!(
        r#"with bad as (
               -- One event per presentment even when the report names a line twice.
               select distinct on (p.presentment_id) p.presentment_id, p.loan_id, p.status, t.message
               from unnest($2::text[], $3::text[]) with ordinality as t(reference, message, n)
               join presentment p on p.account_reference = t.reference
               where p.collection_batch_id = $1 and p.status in ('pending', 'submitted', 'unknown')
               order by p.presentment_id, t.n),
           ev as (
               insert into presentment_event (presentment_id, from_status, to_status, detail)
               select presentment_id, status, 'rejected', jsonb_build_object('load_report', message) from bad
               returning presentment_id),
           held as (
               update loan l set collection_hold = 'rejected_by_provider', collection_hold_since = $4
               where l.loan_id in (select loan_id from bad) and l.collection_hold is null
               returning loan_id),
           flagged as (
               insert into collection_flag (loan_id, presentment_id, action, note, raised_on)
               select loan_id, presentment_id, 'rejected_by_provider', 'the provider dropped the line: ' || message, $4
               from bad
               on conflict do nothing
               returning collection_flag_id)
           select (select count(*) from ev) as "rejected!", (select count(*) from held) as "held!",
                  (select count(*) from flagged) as "flagged!""#,
        collection_batch_id,
        account_references,
        messages,
        today
    )
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(done.rejected).unwrap_or(0))
}

/// Batches in a status, oldest first (for the cycle to pick up what is outstanding).
pub async fn batches_in(conn: &mut PgConnection, statuses: &[BatchStatus]) -> Result<Vec<Batch>> {
    let statuses: Vec<String> = statuses.iter().map(|s| s.as_str().to_owned()).collect();
    Ok(sqlx::query_as!(
        Batch,
        r#"select collection_batch_id, name, action_date, instruction as "instruction: Instruction",
                  sequence, status as "status: BatchStatus", item_count, total_cents, file_token, load_report
           from collection_batch where status = any($1) order by action_date, sequence"#,
        &statuses
    )
    .fetch_all(conn)
    .await?)
}

/// Posts the charges of every instalment that has fallen due by `on` and was not charged yet:
/// its interest, its fees and their VAT, each a posting naming the instalment (collections.md
/// rule 5). While a loan is in default, NCA s103(5) (in duplum; credit-law.md, verify section)
/// holds back whatever would take the charges posted since the default began past the unpaid
/// balance at that time (`loan.default_limit_cents`); what is held back is never posted.
/// Returns how many instalments were charged.
pub async fn accrue_due_charges(conn: &mut PgConnection, on: NaiveDate) -> Result<u64> {
    let done = sqlx::query!(
        r#"with due as (
               update instalment i set charges_posted_on = $1
               from loan l
               where l.loan_id = i.loan_id and i.due_date <= $1 and i.charges_posted_on is null
                 and l.status in ('active', 'in_arrears')
                 and i.status not in ('waived', 'cancelled')
               returning i.instalment_id, i.loan_id, i.sequence, i.due_date, i.interest_cents, i.fee_cents,
                         i.vat_cents),
           charges as (
               select d.loan_id, d.instalment_id, d.sequence, d.due_date, c.kind, c.amount,
                      (sum(c.amount) over (partition by d.loan_id
                                           order by d.due_date, d.sequence, c.ord))::bigint as running
               from due d
               cross join lateral (values (1, 'interest', d.interest_cents), (2, 'service_fee', d.fee_cents),
                                          (3, 'vat', d.vat_cents)) as c(ord, kind, amount)
               where c.amount > 0),
           room as (
               select l.loan_id,
                      l.default_limit_cents - coalesce((
                          select sum(p.amount_cents) from ledger_posting p
                          where p.loan_id = l.loan_id and p.effective_date >= l.default_on
                            and p.kind in ('interest', 'service_fee', 'vat', 'initiation_fee',
                                           'default_charge', 'collection_cost')), 0)::bigint as room
               from loan l
               where l.default_on is not null and l.default_limit_cents is not null
                 and l.loan_id in (select loan_id from due)),
           allowed as (
               select c.*, case when r.room is null then c.amount
                                else least(c.amount, greatest(0::bigint, r.room - (c.running - c.amount))) end
                           as posted
               from charges c left join room r on r.loan_id = c.loan_id),
           posted as (
               insert into ledger_posting (loan_id, kind, amount_cents, effective_date, instalment_id, reference)
               select loan_id, kind, posted, due_date, instalment_id,
                      'instalment ' || sequence || ' due'
                      || case when posted < amount then ' (in duplum: ' || (amount - posted) || ' cents held back)'
                              else '' end
               from allowed where posted > 0
               returning 1)
           select (select count(*) from due) as "charged!", (select count(*) from posted) as "postings!""#,
        on
    )
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(done.charged).unwrap_or(0))
}

/// One line of a statement, as the cycle stores it before matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRow {
    pub line_date: NaiveDate,
    /// `collected`, `unpaid`, `disputed` or `other`.
    pub kind: &'static str,
    pub account_reference: String,
    pub reason_text: Option<String>,
    pub amount_cents: i64,
    pub transaction_id: String,
}

fn copy_text(out: &mut String, text: &str) {
    // COPY text format: backslash, tab and line breaks are escaped.
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Stores a statement's lines under a new load id with `COPY` (one round trip however long the
/// statement), and returns the load id.
pub async fn load_statement(
    conn: &mut PgConnection,
    from_date: NaiveDate,
    read_on: NaiveDate,
    rows: &[StatementRow],
) -> Result<Uuid> {
    let load_id = sqlx::query_scalar!(
        r#"insert into statement_load (from_date, read_on, line_count) values ($1, $2, $3)
           returning load_id"#,
        from_date,
        read_on,
        i32::try_from(rows.len()).unwrap_or(i32::MAX)
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut copy = conn
        .copy_in_raw(
            "copy statement_line (load_id, line_no, line_date, kind, account_reference, reason_text, \
             amount_cents, transaction_id) from stdin",
        )
        .await?;
    let mut chunk = String::with_capacity(1 << 20);
    for (n, row) in rows.iter().enumerate() {
        use std::fmt::Write as _;
        let _ = write!(chunk, "{load_id}\t{n}\t{}\t{}\t", row.line_date, row.kind);
        copy_text(&mut chunk, &row.account_reference);
        chunk.push('\t');
        match &row.reason_text {
            Some(text) => copy_text(&mut chunk, text),
            None => chunk.push_str("\\N"),
        }
        let _ = write!(chunk, "\t{}\t", row.amount_cents);
        copy_text(&mut chunk, &row.transaction_id);
        chunk.push('\n');
        if chunk.len() > (1 << 20) - 1024 {
            copy.send(chunk.as_bytes()).await?;
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        copy.send(chunk.as_bytes()).await?;
    }
    copy.finish().await?;
    // The lines just copied in are matched in the same transaction, before autovacuum could
    // sample them: without statistics the planner takes a million lines for a handful.
    sqlx::query!("select analyze_statement_lines()").execute(&mut *conn).await?;
    Ok(load_id)
}

/// Applies the collected lines of a load: every presentment still in flight whose reference
/// appears becomes `successful`, its collection is posted to the ledger and its instalment paid.
/// A presentment already settled is left alone, so a statement read twice changes nothing.
/// Returns how many presentments were collected.
pub async fn apply_collected(conn: &mut PgConnection, load_id: Uuid) -> Result<u64> {
    let done = sqlx::query!(
        r#"with hit as (
               select distinct on (p.presentment_id) p.presentment_id, p.loan_id, p.instalment_id,
                      p.amount_cents, p.account_reference, p.status, s.transaction_id, s.line_date
               from statement_line s
               -- A hash join at a million lines (load_statement analyses the lines it copied in,
               -- so the planner knows their number); a few lines are probed by index.
               join presentment p on p.account_reference = s.account_reference
               where s.load_id = $1 and s.kind = 'collected'
                 and p.status in ('submitted', 'unknown', 'loaded')
               order by p.presentment_id, s.line_no),
           ev as (
               -- from_status is checked against the presentment as it moves (migration 000012).
               insert into presentment_event (presentment_id, from_status, to_status, provider_reference, detail)
               select presentment_id, status, 'successful', transaction_id,
                      jsonb_build_object('statement_date', line_date, 'load_id', $1::uuid)
               from hit order by presentment_id
               returning 1),
           posted as (
               insert into ledger_posting (loan_id, kind, amount_cents, effective_date, instalment_id,
                                           presentment_id, reference)
               select loan_id, 'collection', -amount_cents, line_date, instalment_id, presentment_id,
                      'debit order ' || account_reference
               from hit order by loan_id
               returning 1),
           paid as (
               update instalment i
               set paid_cents = least(i.amount_cents, i.paid_cents + hit.amount_cents),
                   status = case when i.paid_cents + hit.amount_cents >= i.amount_cents then 'paid'
                                 else 'partially_paid' end,
                   collect_on = null,
                   updated_at = now()
               from hit where i.instalment_id = hit.instalment_id
               returning 1)
           select (select count(*) from ev) as "collected!", (select count(*) from posted) as "posted!",
                  (select count(*) from paid) as "paid!""#,
        load_id
    )
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(done.collected).unwrap_or(0))
}

/// An unpaid or dispute just applied, for the reason-code policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub presentment_id: Uuid,
    pub loan_id: Uuid,
    pub instalment_id: Uuid,
    pub mandate_id: Uuid,
    pub attempt: i32,
    pub action_date: NaiveDate,
    /// The code as recorded on the presentment.
    pub reason_code: String,
    /// Whether the debit had been recorded as collected (its collection is now reversed).
    pub was_collected: bool,
    pub line_date: NaiveDate,
}

/// The code to record for a statement's reason text: known shapes verbatim, anything else as
/// `UNK` (the verbatim text stays in the statement line and the event's detail).
pub fn recordable_code(text: &str) -> String {
    let t = text.trim();
    if (1..=4).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        t.to_owned()
    } else {
        "UNK".to_owned()
    }
}

/// Applies the unpaid and dispute lines of a load (collections.md rule 4: whenever they arrive,
/// even after the loan was paid up): the presentment becomes `unpaid` or `disputed` with its
/// code; a collection already posted is reversed on the ledger and the instalment owes again.
/// A presentment already returned is left alone, so a statement read twice changes nothing.
/// Returns what was applied, for the reason-code policy. (The data-modifying parts of the
/// statement run to completion whether or not the final select reads them.)
pub async fn apply_returned(conn: &mut PgConnection, load_id: Uuid) -> Result<Vec<Returned>> {
    Ok(sqlx::query_as!(
        Returned,
        r#"with hit as (
               select distinct on (p.presentment_id) p.presentment_id, p.loan_id, p.instalment_id,
                      p.mandate_id, p.attempt, p.action_date, p.amount_cents, p.account_reference,
                      p.status, p.status = 'successful' as was_collected,
                      case when s.reason_text is not null and length(btrim(s.reason_text)) between 1 and 4
                                and btrim(s.reason_text) ~ '^[0-9A-Za-z]+$'
                           then btrim(s.reason_text) else 'UNK' end as code,
                      s.kind, s.reason_text, s.transaction_id, s.line_date
               from statement_line s
               join presentment p on p.account_reference = s.account_reference
               where s.load_id = $1 and s.kind in ('unpaid', 'disputed')
                 and p.status in ('submitted', 'unknown', 'loaded', 'successful')
               order by p.presentment_id, s.line_no),
           ev as (
               insert into presentment_event (presentment_id, from_status, to_status, reason_code,
                                              provider_reference, detail)
               select presentment_id, status,
                      case when kind = 'disputed' or code in ('30', '32') then 'disputed' else 'unpaid' end,
                      code, transaction_id,
                      jsonb_build_object('statement_date', line_date, 'load_id', $1::uuid,
                                         'reason_text', reason_text, 'was_collected', was_collected)
               from hit order by presentment_id
               returning 1),
           reversed as (
               insert into ledger_posting (loan_id, kind, amount_cents, effective_date, instalment_id,
                                           presentment_id, reverses_posting_id, reference)
               select lp.loan_id, 'reversal', -lp.amount_cents, hit.line_date, lp.instalment_id,
                      lp.presentment_id, lp.ledger_posting_id,
                      'debit order ' || hit.account_reference || ' returned, code ' || hit.code
               -- Found through the loan's postings (ledger_posting_loan_idx): a loan has a few.
               from hit join ledger_posting lp on lp.loan_id = hit.loan_id
                                              and lp.presentment_id = hit.presentment_id
                                              and lp.kind = 'collection'
               where hit.was_collected
                 and not exists (select from ledger_posting r where r.reverses_posting_id = lp.ledger_posting_id)
               returning 1),
           owed as (
               update instalment i
               set paid_cents = case when hit.was_collected then greatest(0, i.paid_cents - hit.amount_cents)
                                     else i.paid_cents end,
                   status = case when hit.was_collected and i.paid_cents - hit.amount_cents > 0
                                 then 'partially_paid' else 'unpaid' end,
                   collect_on = null,
                   updated_at = now()
               from hit where i.instalment_id = hit.instalment_id
               returning 1)
           select presentment_id as "presentment_id!", loan_id as "loan_id!", instalment_id as "instalment_id!",
                  mandate_id as "mandate_id!", attempt as "attempt!", action_date as "action_date!",
                  code as "reason_code!", was_collected as "was_collected!", line_date as "line_date!"
           from hit
           order by presentment_id"#,
        load_id
    )
    .fetch_all(conn)
    .await?)
}

/// Records how many lines of a load matched a presentment.
pub async fn finish_load(conn: &mut PgConnection, load_id: Uuid) -> Result<i64> {
    let matched = sqlx::query_scalar!(
        r#"with m as (select count(*)::int as n from statement_line s
                      where s.load_id = $1
                        and exists (select from presentment p where p.account_reference = s.account_reference))
           update statement_load set matched = (select n from m) where load_id = $1
           returning matched as "matched!""#,
        load_id
    )
    .fetch_one(conn)
    .await?;
    Ok(i64::from(matched))
}

/// Sets the day returned instalments are to be presented again (the reason-code policy).
pub async fn set_collect_on(
    conn: &mut PgConnection,
    instalment_ids: &[Uuid],
    dates: &[NaiveDate],
) -> Result<u64> {
    let done = sqlx::query!(
        r#"update instalment i set collect_on = t.d
           from unnest($1::uuid[], $2::date[]) as t(id, d)
           where i.instalment_id = t.id and i.status in ('unpaid', 'partially_paid')"#,
        instalment_ids,
        dates
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A stop the reason-code policy puts on a loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub loan_id: Uuid,
    pub presentment_id: Uuid,
    pub mandate_id: Uuid,
    pub reason_code: String,
    /// A `collection_flag.action`: `new_mandate`, `legal`, `deceased`, `review`, `dispute`,
    /// `route_to_person`.
    pub action: &'static str,
    pub note: String,
    /// Whether the mandate can no longer be used (a new one is needed).
    pub suspend_mandate: bool,
    /// collections.md, code 18: no further contact by SMS.
    pub no_sms: bool,
}

/// Holds loans, flags them for the collections officer and suspends mandates, once per cause.
pub async fn apply_stops(conn: &mut PgConnection, stops: &[Stop], on: NaiveDate) -> Result<()> {
    for s in stops {
        sqlx::query!(
            r#"update loan set collection_hold = coalesce(collection_hold, $2), collection_hold_since = coalesce(collection_hold_since, $3),
                               no_sms_contact = no_sms_contact or $4
               where loan_id = $1"#,
            s.loan_id,
            s.action,
            on,
            s.no_sms
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query!(
            r#"insert into collection_flag (loan_id, presentment_id, reason_code, action, note, raised_on)
               values ($1, $2, $3, $4, $5, $6) on conflict do nothing"#,
            s.loan_id,
            s.presentment_id,
            s.reason_code,
            s.action,
            s.note,
            on
        )
        .execute(&mut *conn)
        .await?;
        if s.no_sms {
            // collections.md, code 18: no further contact by SMS, whatever the channel's job.
            sqlx::query!(
                r#"update applicant set do_not_contact = true
                   where applicant_id = (select applicant_id from loan where loan_id = $1)"#,
                s.loan_id
            )
            .execute(&mut *conn)
            .await?;
        }
        if s.suspend_mandate {
            sqlx::query!(
                "update mandate set status = 'suspended' where mandate_id = $1 and status = 'authenticated'",
                s.mandate_id
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Moves loans between active, in arrears and paid up from their ledger and instalments: paid up
/// when nothing is owed and every instalment is paid; back in arrears when a late unpaid or a
/// dispute makes a paid-up loan owe again (collections.md rule 4); in arrears while an
/// instalment is past due. Returns how many loans changed.
pub async fn refresh_loan_status(conn: &mut PgConnection, today: NaiveDate) -> Result<u64> {
    let done = sqlx::query!(
        r#"with state as (
               select l.loan_id, l.status,
                      case when l.balance_cents <= 0
                                and not exists (select from instalment i where i.loan_id = l.loan_id
                                                and i.status not in ('paid', 'waived', 'cancelled'))
                           then 'paid_up'
                           when exists (select from instalment i where i.loan_id = l.loan_id
                                        and i.status not in ('paid', 'waived', 'cancelled')
                                        and i.due_date < $1
                                        and not exists (select from presentment p
                                                        where p.instalment_id = i.instalment_id
                                                          and p.status in ('pending', 'submitted', 'unknown', 'loaded')))
                           then 'in_arrears'
                           else 'active' end as wanted
               from loan l where l.status in ('active', 'in_arrears', 'paid_up'))
           update loan l
           set status = s.wanted,
               updated_at = now(),
               paid_up_on = case when s.wanted = 'paid_up' then coalesce(l.paid_up_on, $1) else null end,
               -- NCA s103(5): default begins when the loan falls into arrears, with the unpaid
               -- balance then as the in duplum limit; it ends when the arrears are paid.
               default_on = case when s.wanted = 'in_arrears' then coalesce(l.default_on, $1) else null end,
               default_limit_cents = case when s.wanted = 'in_arrears'
                                          then coalesce(l.default_limit_cents, greatest(l.balance_cents, 0))
                                          else null end
           from state s
           where l.loan_id = s.loan_id and s.wanted <> s.status"#,
        today
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// One action date on the collections calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub action_date: NaiveDate,
    pub presentments: i64,
    pub total_cents: i64,
    pub collected: i64,
    pub returned: i64,
    pub in_flight: i64,
}

/// The collections calendar between two dates: per action date, how many debit orders and for
/// how much, and how they stand (for the desktop's collections view).
pub async fn calendar(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CalendarDay>> {
    Ok(sqlx::query_as!(
        CalendarDay,
        r#"select action_date, count(*) as "presentments!", coalesce(sum(amount_cents), 0)::bigint as "total_cents!",
                  count(*) filter (where status = 'successful') as "collected!",
                  count(*) filter (where status in ('unpaid', 'disputed', 'rejected')) as "returned!",
                  count(*) filter (where status in ('pending', 'submitted', 'unknown', 'loaded')) as "in_flight!"
           from presentment where action_date between $1 and $2
           group by action_date order by action_date"#,
        from,
        to
    )
    .fetch_all(conn)
    .await?)
}

/// Batches of one action date (the desktop's batch view).
pub async fn batches_for_date(
    conn: &mut PgConnection,
    action_date: NaiveDate,
) -> Result<Vec<Batch>> {
    Ok(sqlx::query_as!(
        Batch,
        r#"select collection_batch_id, name, action_date, instruction as "instruction: Instruction",
                  sequence, status as "status: BatchStatus", item_count, total_cents, file_token, load_report
           from collection_batch where action_date = $1 order by sequence"#,
        action_date
    )
    .fetch_all(conn)
    .await?)
}

/// An open flag for the collections officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub collection_flag_id: Uuid,
    pub loan_id: Uuid,
    pub presentment_id: Option<Uuid>,
    pub reason_code: Option<String>,
    pub action: String,
    pub note: String,
    pub raised_on: NaiveDate,
}

/// Open flags, oldest first (unpaids by reason with the next action, for the desktop).
pub async fn open_flags(conn: &mut PgConnection) -> Result<Vec<Flag>> {
    Ok(sqlx::query_as!(
        Flag,
        r#"select collection_flag_id, loan_id, presentment_id, reason_code, action, note, raised_on
           from collection_flag where resolved_at is null order by created_at, collection_flag_id"#
    )
    .fetch_all(conn)
    .await?)
}

/// Flags of one loan, oldest first.
pub async fn flags_for_loan(conn: &mut PgConnection, loan_id: Uuid) -> Result<Vec<Flag>> {
    Ok(sqlx::query_as!(
        Flag,
        r#"select collection_flag_id, loan_id, presentment_id, reason_code, action, note, raised_on
           from collection_flag where loan_id = $1 order by created_at, collection_flag_id"#,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}
