//! The desktop's reads for the loans and collections screens: the loans list (search, status
//! filter, pages; fast at 100 000 loans with the indexes of migration 20261205000014), a loan's
//! header, ledger with running balance, mandate and presentments with their results, the
//! statement of account for a period, a date's batch lines with the provider's messages, open
//! flags with the loan they concern, and the collections runs asked for.
//!
//! Every query runs as the signed-in officer's own login (DESIGN.md decision 1).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::backoffice::contains_pattern;
use crate::collections::PresentmentStatus;
use crate::error::{Result, found};
use crate::loans::LoanStatus;
use crate::mandates::MandateStatus;

/// What the loans list shows: every filter is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanFilter {
    pub status: Option<LoanStatus>,
    /// A reference, a name or an ID number (part of one).
    pub search: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A line of the loans list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanLine {
    pub loan_id: Uuid,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub id_number: Option<String>,
    pub status: LoanStatus,
    pub principal_cents: i64,
    pub balance_cents: i64,
    pub disbursed_on: NaiveDate,
    pub collection_hold: Option<String>,
}

/// One page of loans, newest pay-out first, and the number of loans over all pages.
pub async fn loans(conn: &mut PgConnection, filter: &LoanFilter) -> Result<(Vec<LoanLine>, i64)> {
    let pattern =
        filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(contains_pattern);
    let status = filter.status.map(|s| s.as_str());
    let lines = sqlx::query_as!(
        LoanLine,
        r#"select l.loan_id, a.reference, nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                  p.id_number, l.status as "status: LoanStatus", l.principal_cents, l.balance_cents,
                  l.disbursed_on, l.collection_hold
           from loan l
           join application a on a.application_id = l.application_id
           join applicant p on p.applicant_id = l.applicant_id
           where ($1::text is null or l.status = $1)
             and ($2::text is null
                  or l.application_id in (select s.application_id from application s where s.reference ilike $2)
                  or l.applicant_id in (
                      select s.applicant_id from applicant s
                      where s.id_number like $2
                         or lower(coalesce(s.first_names, '') || ' ' || coalesce(s.surname, '')) like lower($2)))
           order by l.disbursed_on desc, l.loan_id desc
           limit $3 offset $4"#,
        status,
        pattern,
        filter.limit,
        filter.offset,
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from loan l
           where ($1::text is null or l.status = $1)
             and ($2::text is null
                  or l.application_id in (select s.application_id from application s where s.reference ilike $2)
                  or l.applicant_id in (
                      select s.applicant_id from applicant s
                      where s.id_number like $2
                         or lower(coalesce(s.first_names, '') || ' ' || coalesce(s.surname, '')) like lower($2)))"#,
        status,
        pattern,
    )
    .fetch_one(conn)
    .await?;
    Ok((lines, total))
}

/// Loans per status over the whole book.
pub async fn loan_counts(conn: &mut PgConnection) -> Result<Vec<(LoanStatus, i64)>> {
    let rows = sqlx::query!(
        r#"select status as "status: LoanStatus", count(*) as "n!" from loan group by status order by status"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
}

/// The top of the loan page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanHeader {
    pub loan_id: Uuid,
    pub application_id: Uuid,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub id_number: Option<String>,
    pub msisdn: String,
    pub status: LoanStatus,
    pub principal_cents: i64,
    pub total_repayable_cents: i64,
    pub balance_cents: i64,
    pub term_days: i32,
    pub interest_rate_bp: i32,
    pub disbursed_on: NaiveDate,
    pub paid_up_on: Option<NaiveDate>,
    pub written_off_on: Option<NaiveDate>,
    pub written_off_reason: Option<String>,
    pub default_on: Option<NaiveDate>,
    pub collection_hold: Option<String>,
    pub collection_hold_since: Option<NaiveDate>,
    pub no_sms_contact: bool,
}

pub async fn loan_header(conn: &mut PgConnection, loan_id: Uuid) -> Result<LoanHeader> {
    let row = sqlx::query_as!(
        LoanHeader,
        r#"select l.loan_id, l.application_id, a.reference,
                  nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                  p.id_number, p.msisdn, l.status as "status: LoanStatus", l.principal_cents,
                  l.total_repayable_cents, l.balance_cents, l.term_days, l.interest_rate_bp,
                  l.disbursed_on, l.paid_up_on, l.written_off_on, l.written_off_reason, l.default_on,
                  l.collection_hold, l.collection_hold_since, l.no_sms_contact
           from loan l
           join application a on a.application_id = l.application_id
           join applicant p on p.applicant_id = l.applicant_id
           where l.loan_id = $1"#,
        loan_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "loan")
}

/// A ledger posting with the balance after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    pub ledger_posting_id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub amount_cents: i64,
    pub effective_date: NaiveDate,
    pub reference: String,
    pub reverses_posting_id: Option<Uuid>,
    pub login_role: String,
    pub posted_at: DateTime<Utc>,
    pub balance_cents: i64,
}

/// Every posting of a loan in statement order (effective date, then the order posted), each with
/// the running balance.
pub async fn ledger(conn: &mut PgConnection, loan_id: Uuid) -> Result<Vec<LedgerLine>> {
    Ok(sqlx::query_as!(
        LedgerLine,
        r#"select ledger_posting_id, seq, kind, amount_cents, effective_date, reference,
                  reverses_posting_id, login_role, posted_at,
                  (sum(amount_cents) over (order by effective_date, seq))::bigint as "balance_cents!"
           from ledger_posting where loan_id = $1
           order by effective_date, seq"#,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}

/// The statement of account for a period: the balance brought forward, the postings of the
/// period with their running balance, and the balance carried forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub opening_cents: i64,
    pub lines: Vec<LedgerLine>,
    pub closing_cents: i64,
}

pub async fn statement(
    conn: &mut PgConnection,
    loan_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Statement> {
    let opening = sqlx::query_scalar!(
        r#"select coalesce((select sum(amount_cents) from ledger_posting
                            where loan_id = l.loan_id and effective_date < $2), 0)::bigint as "opening!"
           from loan l where l.loan_id = $1"#,
        loan_id,
        from
    )
    .fetch_optional(&mut *conn)
    .await?;
    let opening = found(opening, "loan")?;
    let lines = sqlx::query_as!(
        LedgerLine,
        r#"select ledger_posting_id, seq, kind, amount_cents, effective_date, reference,
                  reverses_posting_id, login_role, posted_at,
                  ($4::bigint + sum(amount_cents) over (order by effective_date, seq))::bigint as "balance_cents!"
           from ledger_posting where loan_id = $1 and effective_date between $2 and $3
           order by effective_date, seq"#,
        loan_id,
        from,
        to,
        opening
    )
    .fetch_all(conn)
    .await?;
    let closing = lines.last().map_or(opening, |l| l.balance_cents);
    Ok(Statement { opening_cents: opening, lines, closing_cents: closing })
}

/// The loan's DebiCheck mandate as the loan page shows it (the bank account is masked to its
/// last four digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateLine {
    pub mandate_id: Uuid,
    pub contract_reference: String,
    pub status: MandateStatus,
    pub frequency: String,
    pub collection_day: i32,
    pub instalment_cents: i64,
    pub max_collection_cents: i64,
    pub first_collection_date: NaiveDate,
    pub date_adjustment_allowed: bool,
    pub tracking_days: i32,
    pub authentication_type: String,
    pub account_holder: String,
    pub account_last_digits: String,
    pub branch_code: String,
    pub authenticated_at: Option<DateTime<Utc>>,
}

/// The loan's mandates, newest first.
pub async fn mandates(conn: &mut PgConnection, loan_id: Uuid) -> Result<Vec<MandateLine>> {
    Ok(sqlx::query_as!(
        MandateLine,
        r#"select mandate_id, contract_reference, status as "status: MandateStatus", frequency,
                  collection_day, instalment_cents, max_collection_cents, first_collection_date,
                  date_adjustment_allowed, tracking_days, authentication_type, account_holder,
                  right(account_number, 4) as "account_last_digits!", branch_code, authenticated_at
           from mandate where loan_id = $1 order by created_at desc, mandate_id"#,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}

/// A debit order with its result: the batch it went in, the reason code of a return, and the
/// provider's message when the line was dropped from the load report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentmentLine {
    pub presentment_id: Uuid,
    pub loan_id: Uuid,
    pub instalment_id: Uuid,
    pub instalment_sequence: i32,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub attempt: i32,
    pub amount_cents: i64,
    pub action_date: NaiveDate,
    pub account_reference: String,
    pub status: PresentmentStatus,
    pub reason_code: Option<String>,
    pub batch_name: Option<String>,
    pub message: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
}

/// Every presentment of a loan, newest action date first.
pub async fn presentments_for_loan(
    conn: &mut PgConnection,
    loan_id: Uuid,
) -> Result<Vec<PresentmentLine>> {
    Ok(sqlx::query_as!(
        PresentmentLine,
        r#"select p.presentment_id, p.loan_id, p.instalment_id, i.sequence as instalment_sequence,
                  a.reference, nullif(concat_ws(' ', ap.first_names, ap.surname), '') as applicant_name,
                  p.attempt, p.amount_cents, p.action_date, p.account_reference,
                  p.status as "status: PresentmentStatus", p.reason_code, b.name as "batch_name?",
                  e.detail ->> 'load_report' as message, e.occurred_at as "changed_at?"
           from presentment p
           join instalment i on i.instalment_id = p.instalment_id
           join loan l on l.loan_id = p.loan_id
           join application a on a.application_id = l.application_id
           join applicant ap on ap.applicant_id = l.applicant_id
           left join collection_batch b on b.collection_batch_id = p.collection_batch_id
           left join lateral (select detail, occurred_at from presentment_event
                              where presentment_id = p.presentment_id order by seq desc limit 1) e on true
           where p.loan_id = $1
           order by p.action_date desc, p.attempt desc, p.presentment_id"#,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}

/// The lines of one batch in file order, with their results.
pub async fn batch_presentments(
    conn: &mut PgConnection,
    collection_batch_id: Uuid,
) -> Result<Vec<PresentmentLine>> {
    Ok(sqlx::query_as!(
        PresentmentLine,
        r#"select p.presentment_id, p.loan_id, p.instalment_id, i.sequence as instalment_sequence,
                  a.reference, nullif(concat_ws(' ', ap.first_names, ap.surname), '') as applicant_name,
                  p.attempt, p.amount_cents, p.action_date, p.account_reference,
                  p.status as "status: PresentmentStatus", p.reason_code, b.name as "batch_name?",
                  e.detail ->> 'load_report' as message, e.occurred_at as "changed_at?"
           from presentment p
           join instalment i on i.instalment_id = p.instalment_id
           join loan l on l.loan_id = p.loan_id
           join application a on a.application_id = l.application_id
           join applicant ap on ap.applicant_id = l.applicant_id
           left join collection_batch b on b.collection_batch_id = p.collection_batch_id
           left join lateral (select detail, occurred_at from presentment_event
                              where presentment_id = p.presentment_id order by seq desc limit 1) e on true
           where p.collection_batch_id = $1
           order by p.account_reference"#,
        collection_batch_id
    )
    .fetch_all(conn)
    .await?)
}

/// Presentments of a date that no batch holds yet (the daily run puts them in the next batch).
pub async fn unbatched_on(conn: &mut PgConnection, action_date: NaiveDate) -> Result<(i64, i64)> {
    let row = sqlx::query!(
        r#"select count(*) as "n!", coalesce(sum(amount_cents), 0)::bigint as "total!"
           from presentment where action_date = $1 and collection_batch_id is null
             and status in ('pending', 'submitted', 'unknown', 'loaded')"#,
        action_date
    )
    .fetch_one(conn)
    .await?;
    Ok((row.n, row.total))
}

/// Instalments that fall due on a date and will be presented by the daily run (not yet
/// presented): what the calendar shows for dates whose batch does not exist yet.
pub async fn scheduled_between(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, i64, i64)>> {
    let rows = sqlx::query!(
        r#"select coalesce(i.collect_on, i.due_date) as "on!", count(*) as "n!",
                  sum(i.amount_cents - i.paid_cents)::bigint as "total!"
           from instalment i join loan l on l.loan_id = i.loan_id
           where ((i.status = 'scheduled' and i.due_date between $1 and $2)
                  or (i.status in ('unpaid', 'partially_paid') and i.collect_on between $1 and $2))
             and l.status in ('active', 'in_arrears') and l.collection_hold is null
             and not exists (select from presentment p where p.instalment_id = i.instalment_id
                             and p.status in ('pending', 'submitted', 'unknown', 'loaded'))
           group by 1 order by 1"#,
        from,
        to
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.on, r.n, r.total)).collect())
}

/// An open flag with the loan it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagLine {
    pub collection_flag_id: Uuid,
    pub loan_id: Uuid,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub presentment_id: Option<Uuid>,
    pub reason_code: Option<String>,
    pub action: String,
    pub note: String,
    pub raised_on: NaiveDate,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Open flags, oldest first, at most `limit`, and how many are open in all.
pub async fn open_flags(conn: &mut PgConnection, limit: i64) -> Result<(Vec<FlagLine>, i64)> {
    let lines = sqlx::query_as!(
        FlagLine,
        r#"select f.collection_flag_id, f.loan_id, a.reference,
                  nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                  f.presentment_id, f.reason_code, f.action, f.note, f.raised_on, f.resolved_at
           from collection_flag f
           join loan l on l.loan_id = f.loan_id
           join application a on a.application_id = l.application_id
           join applicant p on p.applicant_id = l.applicant_id
           where f.resolved_at is null
           order by f.created_at, f.collection_flag_id
           limit $1"#,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from collection_flag where resolved_at is null"#
    )
    .fetch_one(conn)
    .await?;
    Ok((lines, total))
}

/// Flags of one loan (open and resolved), oldest first.
pub async fn flags_for_loan(conn: &mut PgConnection, loan_id: Uuid) -> Result<Vec<FlagLine>> {
    Ok(sqlx::query_as!(
        FlagLine,
        r#"select f.collection_flag_id, f.loan_id, a.reference,
                  nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                  f.presentment_id, f.reason_code, f.action, f.note, f.raised_on, f.resolved_at
           from collection_flag f
           join loan l on l.loan_id = f.loan_id
           join application a on a.application_id = l.application_id
           join applicant p on p.applicant_id = l.applicant_id
           where f.loan_id = $1
           order by f.created_at, f.collection_flag_id"#,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}

/// A run of the daily collections job (scheduled or asked for from the desktop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLine {
    pub job_id: Uuid,
    pub status: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub manual: bool,
}

/// The latest runs of the daily collections job, newest first.
pub async fn recent_runs(conn: &mut PgConnection, limit: i64) -> Result<Vec<RunLine>> {
    Ok(sqlx::query_as!(
        RunLine,
        r#"select job_id, status, run_at, attempts, last_error, completed_at,
                  coalesce(idempotency_key like 'collections.daily:manual:%', false) as "manual!"
           from job where kind = 'collections.daily'
           order by created_at desc, job_id desc limit $1"#,
        limit
    )
    .fetch_all(conn)
    .await?)
}

/// Asks for the daily collections run for a day (the worker performs it); collections and
/// supervisors only (the function of migration 20261205000014 checks). Returns the job.
pub async fn trigger_run(
    conn: &mut PgConnection,
    day: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Uuid> {
    let job = sqlx::query_scalar!(r#"select trigger_collections_run($1, $2) as "job!""#, day, at)
        .fetch_one(conn)
        .await?;
    Ok(job)
}

/// What an action on a loan checks first, read under the row lock so that two payments at once
/// are weighed one after the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanState {
    pub status: LoanStatus,
    pub balance_cents: i64,
    pub disbursed_on: NaiveDate,
    pub active_presentments: i64,
}

pub async fn lock_loan(conn: &mut PgConnection, loan_id: Uuid) -> Result<LoanState> {
    let row = sqlx::query!(
        r#"select status as "status: LoanStatus", balance_cents, disbursed_on
           from loan where loan_id = $1 for update"#,
        loan_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let row = found(row, "loan")?;
    let active = sqlx::query_scalar!(
        r#"select count(*) as "n!" from presentment
           where loan_id = $1 and status in ('pending', 'submitted', 'unknown', 'loaded')"#,
        loan_id
    )
    .fetch_one(conn)
    .await?;
    Ok(LoanState {
        status: row.status,
        balance_cents: row.balance_cents,
        disbursed_on: row.disbursed_on,
        active_presentments: active,
    })
}

/// The loan an instalment belongs to and its status, with the loan's pay-out day.
pub async fn instalment_loan(
    conn: &mut PgConnection,
    instalment_id: Uuid,
) -> Result<(Uuid, LoanStatus, NaiveDate, String)> {
    let row = sqlx::query!(
        r#"select l.loan_id, l.status as "status: LoanStatus", l.disbursed_on, i.status as instalment_status
           from instalment i join loan l on l.loan_id = i.loan_id where i.instalment_id = $1"#,
        instalment_id
    )
    .fetch_optional(conn)
    .await?;
    let row = found(row, "instalment")?;
    Ok((row.loan_id, row.status, row.disbursed_on, row.instalment_status))
}

/// The day each returned instalment of a loan is presented again (`collect_on`), by instalment.
pub async fn collect_on(
    conn: &mut PgConnection,
    loan_id: Uuid,
) -> Result<Vec<(Uuid, Option<NaiveDate>)>> {
    let rows = sqlx::query!(
        "select instalment_id, collect_on from instalment where loan_id = $1 order by sequence",
        loan_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.instalment_id, r.collect_on)).collect())
}
