//! Quotes (NCA s92, Reg 28: the itemised pre-agreement statement, binding until it lapses) and
//! agreements (s93, Reg 30: accepted electronically with a one-time PIN).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    pub enum QuoteStatus {
        Offered => "offered",
        Accepted => "accepted",
        Expired => "expired",
        Superseded => "superseded",
        Declined => "declined",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuote {
    pub application_id: Uuid,
    pub principal_cents: i64,
    pub term_days: i32,
    pub first_loan: bool,
    pub interest_rate_bp: i32,
    pub interest_cents: i64,
    pub initiation_fee_cents: i64,
    pub service_fee_cents: i64,
    pub vat_cents: i64,
    pub total_repayable_cents: i64,
    pub instalment_count: i32,
    pub first_instalment_date: NaiveDate,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub quote_id: Uuid,
    pub application_id: Uuid,
    pub principal_cents: i64,
    pub term_days: i32,
    pub first_loan: bool,
    pub interest_rate_bp: i32,
    pub interest_cents: i64,
    pub initiation_fee_cents: i64,
    pub service_fee_cents: i64,
    pub vat_cents: i64,
    pub total_repayable_cents: i64,
    pub instalment_count: i32,
    pub first_instalment_date: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: QuoteStatus,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// Offers a quote and supersedes the application's earlier open offers.
pub async fn offer(conn: &mut PgConnection, q: &NewQuote) -> Result<Uuid> {
    sqlx::query!(
        "update quote set status = 'superseded' where application_id = $1 and status = 'offered'",
        q.application_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar!(
        r#"insert into quote (application_id, principal_cents, term_days, first_loan, interest_rate_bp,
                              interest_cents, initiation_fee_cents, service_fee_cents, vat_cents,
                              total_repayable_cents, instalment_count, first_instalment_date, valid_until)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning quote_id"#,
        q.application_id,
        q.principal_cents,
        q.term_days,
        q.first_loan,
        q.interest_rate_bp,
        q.interest_cents,
        q.initiation_fee_cents,
        q.service_fee_cents,
        q.vat_cents,
        q.total_repayable_cents,
        q.instalment_count,
        q.first_instalment_date,
        q.valid_until,
    )
    .fetch_one(conn)
    .await?)
}

/// Accepts an open quote on or before its last valid day.
pub async fn accept(
    conn: &mut PgConnection,
    quote_id: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update quote set status = 'accepted', accepted_at = $3
           where quote_id = $1 and status = 'offered' and valid_until >= $2"#,
        quote_id,
        today,
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "open quote")
}

/// Lapses every offer whose validity ended before `today`; returns how many.
pub async fn expire(conn: &mut PgConnection, today: NaiveDate) -> Result<u64> {
    Ok(sqlx::query!(
        "update quote set status = 'expired' where status = 'offered' and valid_until < $1",
        today
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn get(conn: &mut PgConnection, quote_id: Uuid) -> Result<Quote> {
    let row = sqlx::query_as!(
        Quote,
        r#"select quote_id, application_id, principal_cents, term_days, first_loan, interest_rate_bp,
                  interest_cents, initiation_fee_cents, service_fee_cents, vat_cents, total_repayable_cents,
                  instalment_count, first_instalment_date, valid_until, status as "status: QuoteStatus",
                  accepted_at
           from quote where quote_id = $1"#,
        quote_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "quote")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgreement {
    pub application_id: Uuid,
    pub quote_id: Uuid,
    pub text_version: String,
    pub otp_challenge_id: Uuid,
    pub document_storage_key: Option<String>,
    pub signed_at: DateTime<Utc>,
    pub cooling_off_until: NaiveDate,
}

pub async fn sign(conn: &mut PgConnection, a: &NewAgreement) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into agreement (application_id, quote_id, text_version, otp_challenge_id,
                                  document_storage_key, signed_at, cooling_off_until)
           values ($1, $2, $3, $4, $5, $6, $7) returning agreement_id"#,
        a.application_id,
        a.quote_id,
        a.text_version,
        a.otp_challenge_id,
        a.document_storage_key,
        a.signed_at,
        a.cooling_off_until,
    )
    .fetch_one(conn)
    .await?)
}

/// The application's newest offered or accepted quote.
pub async fn current_for_application(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Option<Quote>> {
    Ok(sqlx::query_as!(
        Quote,
        r#"select quote_id, application_id, principal_cents, term_days, first_loan, interest_rate_bp,
                  interest_cents, initiation_fee_cents, service_fee_cents, vat_cents, total_repayable_cents,
                  instalment_count, first_instalment_date, valid_until, status as "status: QuoteStatus",
                  accepted_at
           from quote where application_id = $1 and status in ('offered', 'accepted')
           order by (status = 'accepted') desc, created_at desc limit 1"#,
        application_id
    )
    .fetch_optional(conn)
    .await?)
}

/// A signed agreement as the applicant may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub agreement_id: Uuid,
    pub quote_id: Uuid,
    pub text_version: String,
    pub signed_at: DateTime<Utc>,
    pub cooling_off_until: NaiveDate,
}

pub async fn signed_agreement(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Option<Agreement>> {
    Ok(sqlx::query_as!(
        Agreement,
        r#"select agreement_id, quote_id, text_version, signed_at, cooling_off_until
           from agreement where application_id = $1 and status = 'signed'"#,
        application_id
    )
    .fetch_optional(conn)
    .await?)
}
