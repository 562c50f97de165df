//! Portal sign-in: SMS one-time PIN challenges (only a hash of the PIN is kept), web sessions (only
//! a hash of the cookie token is kept), and the portal's narrow window on an applicant's own loans
//! through SECURITY DEFINER functions (the portal role cannot read loan tables).

use chrono::{DateTime, NaiveDate, Utc};
use pocket_domain::Msisdn;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    /// What a one-time PIN is for.
    pub enum OtpPurpose {
        SignIn => "sign_in",
        SignAgreement => "sign_agreement",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpChallenge {
    pub otp_challenge_id: Uuid,
    pub msisdn: String,
    pub purpose: OtpPurpose,
    pub pin_hash: String,
    pub expires_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub verified_at: Option<DateTime<Utc>>,
}

impl OtpChallenge {
    /// Whether another guess may still be made at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.verified_at.is_none() && self.attempts < self.max_attempts && now < self.expires_at
    }
}

pub async fn create_otp(
    conn: &mut PgConnection,
    msisdn: &Msisdn,
    purpose: OtpPurpose,
    pin_hash: &str,
    expires_at: DateTime<Utc>,
    max_attempts: i32,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into otp_challenge (msisdn, purpose, pin_hash, expires_at, max_attempts)
           values ($1, $2, $3, $4, $5) returning otp_challenge_id"#,
        msisdn.as_e164(),
        purpose.as_str(),
        pin_hash,
        expires_at,
        max_attempts
    )
    .fetch_one(conn)
    .await?)
}

/// Counts one guess and returns the challenge as it now stands; the row is locked so that two
/// concurrent guesses cannot both pass the attempt limit.
pub async fn record_otp_attempt(
    conn: &mut PgConnection,
    otp_challenge_id: Uuid,
) -> Result<OtpChallenge> {
    let row = sqlx::query_as!(
        OtpChallenge,
        r#"update otp_challenge set attempts = attempts + 1
           where otp_challenge_id = $1 and attempts < max_attempts and verified_at is null
           returning otp_challenge_id, msisdn, purpose as "purpose: OtpPurpose", pin_hash,
                     expires_at, attempts, max_attempts, verified_at"#,
        otp_challenge_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "open one-time PIN challenge")
}

pub async fn mark_otp_verified(
    conn: &mut PgConnection,
    otp_challenge_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update otp_challenge set verified_at = $2
           where otp_challenge_id = $1 and verified_at is null and expires_at > $2"#,
        otp_challenge_id,
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "open one-time PIN challenge")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    pub portal_session_id: Uuid,
    pub msisdn: String,
    pub applicant_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

pub async fn create_session(
    conn: &mut PgConnection,
    token_hash: &str,
    msisdn: &Msisdn,
    applicant_id: Option<Uuid>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into portal_session (token_hash, msisdn, applicant_id, expires_at)
           values ($1, $2, $3, $4) returning portal_session_id"#,
        token_hash,
        msisdn.as_e164(),
        applicant_id,
        expires_at
    )
    .fetch_one(conn)
    .await?)
}

/// The live session for a token hash, touching its last-seen time.
pub async fn find_session(
    conn: &mut PgConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<PortalSession>> {
    Ok(sqlx::query_as!(
        PortalSession,
        r#"update portal_session set last_seen_at = $2
           where token_hash = $1 and revoked_at is null and expires_at > $2
           returning portal_session_id, msisdn, applicant_id, expires_at"#,
        token_hash,
        now
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn revoke_session(
    conn: &mut PgConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "update portal_session set revoked_at = $2 where token_hash = $1 and revoked_at is null",
        token_hash,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One of the signed-in applicant's loans, as the portal may show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalLoan {
    pub loan_id: Uuid,
    pub application_reference: String,
    pub status: String,
    pub principal_cents: i64,
    pub total_repayable_cents: i64,
    pub balance_cents: i64,
    pub disbursed_on: NaiveDate,
    pub next_due_date: Option<NaiveDate>,
    pub next_due_cents: Option<i64>,
}

pub async fn loan_summary(conn: &mut PgConnection, token_hash: &str) -> Result<Vec<PortalLoan>> {
    Ok(sqlx::query_as!(
        PortalLoan,
        r#"select loan_id as "loan_id!", application_reference as "application_reference!",
                  status as "status!", principal_cents as "principal_cents!",
                  total_repayable_cents as "total_repayable_cents!", balance_cents as "balance_cents!",
                  disbursed_on as "disbursed_on!", next_due_date, next_due_cents
           from portal_loan_summary($1)"#,
        token_hash
    )
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalInstalment {
    pub sequence: i32,
    pub due_date: NaiveDate,
    pub amount_cents: i64,
    pub paid_cents: i64,
    pub status: String,
}

pub async fn loan_schedule(
    conn: &mut PgConnection,
    token_hash: &str,
    loan_id: Uuid,
) -> Result<Vec<PortalInstalment>> {
    Ok(sqlx::query_as!(
        PortalInstalment,
        r#"select sequence as "sequence!", due_date as "due_date!", amount_cents as "amount_cents!",
                  paid_cents as "paid_cents!", status as "status!"
           from portal_loan_schedule($1, $2)"#,
        token_hash,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}

/// A PIN challenge with the client address that asked for it (PIN sends are rate-limited per
/// mobile number and per address).
#[allow(clippy::too_many_arguments)]
pub async fn create_otp_from(
    conn: &mut PgConnection,
    msisdn: &Msisdn,
    purpose: OtpPurpose,
    pin_hash: &str,
    expires_at: DateTime<Utc>,
    max_attempts: i32,
    client_address: Option<&str>,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into otp_challenge (msisdn, purpose, pin_hash, expires_at, max_attempts, client_address)
           values ($1, $2, $3, $4, $5, $6) returning otp_challenge_id"#,
        msisdn.as_e164(),
        purpose.as_str(),
        pin_hash,
        expires_at,
        max_attempts,
        client_address
    )
    .fetch_one(conn)
    .await?)
}

/// How many PINs were sent to a mobile number since `since`.
pub async fn otp_sends_to(
    conn: &mut PgConnection,
    msisdn: &Msisdn,
    since: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from otp_challenge where msisdn = $1 and created_at >= $2"#,
        msisdn.as_e164(),
        since
    )
    .fetch_one(conn)
    .await?)
}

/// How many PINs a client address asked for since `since`.
pub async fn otp_sends_from(
    conn: &mut PgConnection,
    client_address: &str,
    since: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from otp_challenge
           where client_address = $1 and created_at >= $2"#,
        client_address,
        since
    )
    .fetch_one(conn)
    .await?)
}

pub async fn get_otp(conn: &mut PgConnection, otp_challenge_id: Uuid) -> Result<OtpChallenge> {
    let row = sqlx::query_as!(
        OtpChallenge,
        r#"select otp_challenge_id, msisdn, purpose as "purpose: OtpPurpose", pin_hash,
                  expires_at, attempts, max_attempts, verified_at
           from otp_challenge where otp_challenge_id = $1"#,
        otp_challenge_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "one-time PIN challenge")
}
