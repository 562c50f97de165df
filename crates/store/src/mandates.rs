//! DebiCheck mandates (collections.md; SARB Directive 1 of 2017): the authenticated authority to
//! debit, with its maximum amount, date adjustment and tracking.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    pub enum MandateStatus {
        Pending => "pending",
        Requested => "requested",
        Authenticated => "authenticated",
        /// Registered but not authenticated (RMS): collections stay disputable.
        RegisteredUnauthenticated => "registered_unauthenticated",
        Rejected => "rejected",
        Cancelled => "cancelled",
        Suspended => "suspended",
    }
}

text_enum! {
    /// collections.md: TT1 real time, TT2 batch, TT3 card and PIN at a terminal.
    pub enum AuthenticationType {
        Tt1 => "tt1",
        Tt2 => "tt2",
        Tt3 => "tt3",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMandate {
    pub application_id: Uuid,
    pub loan_id: Option<Uuid>,
    pub contract_reference: String,
    /// `monthly`, `fortnightly` or `weekly`.
    pub frequency: String,
    pub collection_day: i32,
    pub instalment_cents: i64,
    pub first_collection_cents: i64,
    pub first_collection_date: NaiveDate,
    pub max_collection_cents: i64,
    pub date_adjustment_allowed: bool,
    pub tracking_days: i32,
    pub authentication_type: AuthenticationType,
    pub branch_code: String,
    pub account_number: String,
    pub account_type: i16,
    pub account_holder: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    pub mandate_id: Uuid,
    pub loan_id: Option<Uuid>,
    pub application_id: Uuid,
    pub contract_reference: String,
    pub instalment_cents: i64,
    pub max_collection_cents: i64,
    pub status: MandateStatus,
    pub authenticated_at: Option<DateTime<Utc>>,
}

pub async fn create(conn: &mut PgConnection, m: &NewMandate) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into mandate (application_id, loan_id, contract_reference, frequency, collection_day,
                                instalment_cents, first_collection_cents, first_collection_date,
                                max_collection_cents, date_adjustment_allowed, tracking_days,
                                authentication_type, branch_code, account_number, account_type,
                                account_holder)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           returning mandate_id"#,
        m.application_id,
        m.loan_id,
        m.contract_reference,
        m.frequency,
        m.collection_day,
        m.instalment_cents,
        m.first_collection_cents,
        m.first_collection_date,
        m.max_collection_cents,
        m.date_adjustment_allowed,
        m.tracking_days,
        m.authentication_type.as_str(),
        m.branch_code,
        m.account_number,
        m.account_type,
        m.account_holder,
    )
    .fetch_one(conn)
    .await?)
}

pub async fn attach_to_loan(
    conn: &mut PgConnection,
    mandate_id: Uuid,
    loan_id: Uuid,
) -> Result<()> {
    let done =
        sqlx::query!("update mandate set loan_id = $2 where mandate_id = $1", mandate_id, loan_id)
            .execute(conn)
            .await?;
    found((done.rows_affected() == 1).then_some(()), "mandate")
}

pub async fn set_status(
    conn: &mut PgConnection,
    mandate_id: Uuid,
    status: MandateStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update mandate
           set status = $2,
               authenticated_at = case when $2 = 'authenticated' then $3 else authenticated_at end
           where mandate_id = $1"#,
        mandate_id,
        status.as_str(),
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "mandate")
}

/// The mandate a loan collects on: the newest authenticated one.
pub async fn active_for_loan(conn: &mut PgConnection, loan_id: Uuid) -> Result<Option<Mandate>> {
    Ok(sqlx::query_as!(
        Mandate,
        r#"select mandate_id, loan_id, application_id, contract_reference, instalment_cents,
                  max_collection_cents, status as "status: MandateStatus", authenticated_at
           from mandate where loan_id = $1 and status = 'authenticated'
           order by authenticated_at desc limit 1"#,
        loan_id
    )
    .fetch_optional(conn)
    .await?)
}

/// What a mandate request to the provider carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateRequest {
    pub mandate_id: Uuid,
    pub loan_id: Option<Uuid>,
    pub contract_reference: String,
    /// `monthly`, `fortnightly` or `weekly`.
    pub frequency: String,
    /// The day of the month (monthly) or of the week, 1 Monday to 7 Sunday.
    pub collection_day: i32,
    pub first_collection_date: NaiveDate,
    pub max_collection_cents: i64,
    pub branch_code: String,
    pub account_number: String,
    pub account_type: i16,
    pub account_holder: String,
    pub status: MandateStatus,
    /// The provider's file token once the request was uploaded.
    pub provider_reference: Option<String>,
}

pub async fn request(conn: &mut PgConnection, mandate_id: Uuid) -> Result<MandateRequest> {
    let row = sqlx::query_as!(
        MandateRequest,
        r#"select mandate_id, loan_id, contract_reference, frequency, collection_day, first_collection_date,
                  max_collection_cents,
                  branch_code, account_number, account_type, account_holder,
                  status as "status: MandateStatus", provider_reference
           from mandate where mandate_id = $1"#,
        mandate_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "mandate")
}

/// Records that the request went to the provider (`requested`, with the file token).
pub async fn mark_requested(
    conn: &mut PgConnection,
    mandate_id: Uuid,
    provider_reference: &str,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update mandate set status = 'requested', provider_reference = $2
           where mandate_id = $1 and status in ('pending', 'requested')"#,
        mandate_id,
        provider_reference
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "pending mandate")
}

/// The payday terms of mandates: (mandate, frequency, collection day, first collection date).
pub async fn payday_terms(
    conn: &mut PgConnection,
    mandate_ids: &[Uuid],
) -> Result<Vec<(Uuid, String, i32, NaiveDate)>> {
    let rows = sqlx::query!(
        r#"select mandate_id, frequency, collection_day, first_collection_date
           from mandate where mandate_id = any($1)"#,
        mandate_ids
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.mandate_id, r.frequency, r.collection_day, r.first_collection_date))
        .collect())
}
