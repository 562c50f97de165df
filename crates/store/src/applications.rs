//! Applications: creation from any channel, the details of the journey, status changes (each one
//! appended to the history by a trigger), the officers' queue and search.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::applicants::Channel;
use crate::error::{Result, StoreError, found};

text_enum! {
    /// Where an application stands; the CHECK constraint lists the same words.
    pub enum ApplicationStatus {
        Draft => "draft",
        Submitted => "submitted",
        PreApproved => "pre_approved",
        Referred => "referred",
        DocumentsRequested => "documents_requested",
        Declined => "declined",
        Approved => "approved",
        Signed => "signed",
        PaidOut => "paid_out",
        Cancelled => "cancelled",
        Expired => "expired",
    }
}

text_enum! {
    pub enum EmploymentType {
        Permanent => "permanent",
        Contract => "contract",
        SelfEmployed => "self_employed",
        Grant => "grant",
        Other => "other",
    }
}

text_enum! {
    pub enum PayFrequency {
        Monthly => "monthly",
        Fortnightly => "fortnightly",
        Weekly => "weekly",
    }
}

/// What starts an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub applicant_id: Uuid,
    pub product_id: Uuid,
    pub channel: Channel,
    pub partner_id: Option<Uuid>,
    pub created_by_officer_id: Option<Uuid>,
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
}

/// Employment, income, expenses, debts and bank details (steps 3 and 4 of the journey).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDetails {
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
    pub employer_name: Option<String>,
    pub employment_type: Option<EmploymentType>,
    pub pay_frequency: Option<PayFrequency>,
    pub payday: Option<String>,
    pub gross_income_cents: Option<i64>,
    pub net_income_cents: Option<i64>,
    pub declared_expenses_cents: Option<i64>,
    pub declared_debt_cents: Option<i64>,
    pub bank_branch_code: Option<String>,
    pub bank_account_number: Option<String>,
    pub bank_account_type: Option<i16>,
    pub bank_account_holder: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub application_id: Uuid,
    pub reference: String,
    pub applicant_id: Uuid,
    pub product_id: Uuid,
    pub channel: Channel,
    pub partner_id: Option<Uuid>,
    pub status: ApplicationStatus,
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
    pub employer_name: Option<String>,
    pub employment_type: Option<EmploymentType>,
    pub pay_frequency: Option<PayFrequency>,
    pub payday: Option<String>,
    pub gross_income_cents: Option<i64>,
    pub net_income_cents: Option<i64>,
    pub declared_expenses_cents: Option<i64>,
    pub declared_debt_cents: Option<i64>,
    pub bank_branch_code: Option<String>,
    pub bank_account_number: Option<String>,
    pub bank_account_type: Option<i16>,
    pub bank_account_holder: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The identity of a new application: its key and its human-readable reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub application_id: Uuid,
    pub reference: String,
}

pub async fn product_id(conn: &mut PgConnection, code: &str) -> Result<Uuid> {
    let row = sqlx::query_scalar!("select product_id from product where code = $1", code)
        .fetch_optional(conn)
        .await?;
    found(row, "product")
}

pub async fn create(conn: &mut PgConnection, new: &NewApplication) -> Result<Created> {
    Ok(sqlx::query_as!(
        Created,
        r#"insert into application (applicant_id, product_id, channel, partner_id, created_by_officer_id,
                                    requested_amount_cents, requested_term_days)
           values ($1, $2, $3, $4, $5, $6, $7)
           returning application_id, reference"#,
        new.applicant_id,
        new.product_id,
        new.channel.as_str(),
        new.partner_id,
        new.created_by_officer_id,
        new.requested_amount_cents,
        new.requested_term_days,
    )
    .fetch_one(conn)
    .await?)
}

/// Saves the details of a draft (a half-finished application can be resumed another day).
pub async fn update_details(
    conn: &mut PgConnection,
    application_id: Uuid,
    d: &ApplicationDetails,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update application
           set requested_amount_cents = $2, requested_term_days = $3, employer_name = $4,
               employment_type = $5, pay_frequency = $6, payday = $7, gross_income_cents = $8,
               net_income_cents = $9, declared_expenses_cents = $10, declared_debt_cents = $11,
               bank_branch_code = $12, bank_account_number = $13, bank_account_type = $14,
               bank_account_holder = $15
           where application_id = $1 and status = 'draft'"#,
        application_id,
        d.requested_amount_cents,
        d.requested_term_days,
        d.employer_name,
        d.employment_type.map(|e| e.as_str()),
        d.pay_frequency.map(|p| p.as_str()),
        d.payday,
        d.gross_income_cents,
        d.net_income_cents,
        d.declared_expenses_cents,
        d.declared_debt_cents,
        d.bank_branch_code,
        d.bank_account_number,
        d.bank_account_type,
        d.bank_account_holder,
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "draft application")
}

/// Moves a draft to submitted; the CHECK constraint refuses it if details are missing.
pub async fn submit(
    conn: &mut PgConnection,
    application_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update application set status = 'submitted', submitted_at = $2
           where application_id = $1 and status = 'draft'"#,
        application_id,
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "draft application")
}

/// Moves an application from `from` to `to` (optimistically: it fails with `NotFound` if another
/// change got there first). The note goes into the status history through a transaction-local
/// setting that the history trigger reads.
pub async fn transition(
    conn: &mut PgConnection,
    application_id: Uuid,
    from: ApplicationStatus,
    to: ApplicationStatus,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query!("select set_config('pocket.status_note', $1, true)", note.unwrap_or(""))
        .fetch_one(&mut *conn)
        .await?;
    let decided = matches!(
        to,
        ApplicationStatus::PreApproved
            | ApplicationStatus::Referred
            | ApplicationStatus::Declined
            | ApplicationStatus::Approved
    );
    let done = sqlx::query!(
        r#"update application
           set status = $3, decided_at = case when $4 then now() else decided_at end
           where application_id = $1 and status = $2"#,
        application_id,
        from.as_str(),
        to.as_str(),
        decided
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("select set_config('pocket.status_note', '', true)").fetch_one(&mut *conn).await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound { what: "application in the expected status" })
    }
}

pub async fn get(conn: &mut PgConnection, application_id: Uuid) -> Result<Application> {
    let row = sqlx::query_as!(
        Application,
        r#"select application_id, reference, applicant_id, product_id, channel as "channel: Channel",
                  partner_id, status as "status: ApplicationStatus", requested_amount_cents,
                  requested_term_days, employer_name,
                  employment_type as "employment_type: EmploymentType",
                  pay_frequency as "pay_frequency: PayFrequency", payday, gross_income_cents,
                  net_income_cents, declared_expenses_cents, declared_debt_cents, bank_branch_code,
                  bank_account_number, bank_account_type, bank_account_holder, submitted_at,
                  decided_at, created_at, updated_at
           from application where application_id = $1"#,
        application_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "application")
}

pub async fn id_by_reference(conn: &mut PgConnection, reference: &str) -> Result<Uuid> {
    let row = sqlx::query_scalar!(
        "select application_id from application where reference = $1",
        reference
    )
    .fetch_optional(conn)
    .await?;
    found(row, "application")
}

/// A line of the officers' queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    pub application_id: Uuid,
    pub reference: String,
    pub status: ApplicationStatus,
    pub applicant_name: Option<String>,
    pub msisdn: String,
    pub requested_amount_cents: i64,
    pub updated_at: DateTime<Utc>,
}

/// Applications in a status, oldest change first (the queue works in order of waiting).
pub async fn queue(
    conn: &mut PgConnection,
    status: ApplicationStatus,
    limit: i64,
) -> Result<Vec<QueueItem>> {
    Ok(sqlx::query_as!(
        QueueItem,
        r#"select a.application_id, a.reference, a.status as "status: ApplicationStatus",
                  nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                  p.msisdn, a.requested_amount_cents, a.updated_at
           from application a join applicant p on p.applicant_id = a.applicant_id
           where a.status = $1
           order by a.updated_at, a.application_id
           limit $2"#,
        status.as_str(),
        limit
    )
    .fetch_all(conn)
    .await?)
}

/// Search by name, ID number, mobile number or reference (PRODUCT.md: the officer's queue).
pub async fn search(conn: &mut PgConnection, term: &str, limit: i64) -> Result<Vec<QueueItem>> {
    let pattern =
        format!("%{}%", term.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    Ok(sqlx::query_as!(
        QueueItem,
        r#"select a.application_id, a.reference, a.status as "status: ApplicationStatus",
                  nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                  p.msisdn, a.requested_amount_cents, a.updated_at
           from application a join applicant p on p.applicant_id = a.applicant_id
           where a.reference ilike $1 or p.id_number like $1 or p.msisdn like $1
              or concat_ws(' ', p.first_names, p.surname) ilike $1
           order by a.updated_at desc
           limit $2"#,
        pattern,
        limit
    )
    .fetch_all(conn)
    .await?)
}

pub async fn for_applicant(conn: &mut PgConnection, applicant_id: Uuid) -> Result<Vec<Created>> {
    Ok(sqlx::query_as!(
        Created,
        r#"select application_id, reference from application
           where applicant_id = $1 order by created_at"#,
        applicant_id
    )
    .fetch_all(conn)
    .await?)
}

/// Counts per status, for the funnel report and the demo summary.
pub async fn count_by_status(conn: &mut PgConnection) -> Result<Vec<(ApplicationStatus, i64)>> {
    let rows = sqlx::query!(
        r#"select status as "status: ApplicationStatus", count(*) as "count!"
           from application group by status order by status"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.count)).collect())
}

/// One line of the status history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub from_status: Option<ApplicationStatus>,
    pub to_status: ApplicationStatus,
    pub login_role: String,
    pub effective_role: String,
    pub note: Option<String>,
    pub changed_at: DateTime<Utc>,
}

pub async fn history(conn: &mut PgConnection, application_id: Uuid) -> Result<Vec<StatusChange>> {
    Ok(sqlx::query_as!(
        StatusChange,
        r#"select from_status as "from_status: ApplicationStatus",
                  to_status as "to_status: ApplicationStatus", login_role, effective_role, note, changed_at
           from application_status_history where application_id = $1 order by seq"#,
        application_id
    )
    .fetch_all(conn)
    .await?)
}

/// The applicant's newest application, if any (the portal resumes it on any device).
pub async fn latest_for_applicant(
    conn: &mut PgConnection,
    applicant_id: Uuid,
) -> Result<Option<Application>> {
    let id = sqlx::query_scalar!(
        r#"select application_id from application where applicant_id = $1
           order by created_at desc, application_id desc limit 1"#,
        applicant_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => Ok(Some(get(conn, id).await?)),
        None => Ok(None),
    }
}

/// The newest decision on an application as the applicant sees it: outcome and reason codes.
/// (Reads only the decision table, which the portal may read.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionSummary {
    pub outcome: String,
    pub reason_codes: Vec<String>,
    pub approved_amount_cents: Option<i64>,
    pub decided_at: DateTime<Utc>,
}

pub async fn latest_decision(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Option<DecisionSummary>> {
    Ok(sqlx::query_as!(
        DecisionSummary,
        r#"select outcome, reason_codes, approved_amount_cents, decided_at from decision
           where application_id = $1 order by decided_at desc, created_at desc limit 1"#,
        application_id
    )
    .fetch_optional(conn)
    .await?)
}

/// POPIA s71 (credit-law.md): the applicant asks a person to review an automated decision.
/// Returns false when a review was already asked for (one request per application).
pub async fn request_review(
    conn: &mut PgConnection,
    application_id: Uuid,
    channel: Channel,
) -> Result<bool> {
    let done = sqlx::query!(
        r#"insert into review_request (application_id, channel) values ($1, $2)
           on conflict (application_id) do nothing"#,
        application_id,
        channel.as_str()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn review_requested_at(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar!(
        "select requested_at from review_request where application_id = $1",
        application_id
    )
    .fetch_optional(conn)
    .await?)
}
