//! Lead-generation partners and their API keys. Only the SHA-256 of a key is stored; its first
//! characters (the prefix) find the row.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

pub async fn create(
    conn: &mut PgConnection,
    name: &str,
    contact_email: Option<&str>,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        "insert into partner (name, contact_email) values ($1, $2) returning partner_id",
        name,
        contact_email
    )
    .fetch_one(conn)
    .await?)
}

pub async fn add_key(
    conn: &mut PgConnection,
    partner_id: Uuid,
    key_prefix: &str,
    key_hash: &str,
    label: &str,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into partner_api_key (partner_id, key_prefix, key_hash, label)
           values ($1, $2, $3, $4) returning partner_api_key_id"#,
        partner_id,
        key_prefix,
        key_hash,
        label
    )
    .fetch_one(conn)
    .await?)
}

/// A live key found by its prefix: the caller compares `key_hash` in constant time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub partner_api_key_id: Uuid,
    pub partner_id: Uuid,
    pub key_hash: String,
}

pub async fn find_key(conn: &mut PgConnection, key_prefix: &str) -> Result<Option<ApiKey>> {
    Ok(sqlx::query_as!(
        ApiKey,
        r#"select k.partner_api_key_id, k.partner_id, k.key_hash
           from partner_api_key k join partner p on p.partner_id = k.partner_id
           where k.key_prefix = $1 and k.revoked_at is null and p.active"#,
        key_prefix
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn touch_key(
    conn: &mut PgConnection,
    partner_api_key_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "update partner_api_key set last_used_at = $2 where partner_api_key_id = $1",
        partner_api_key_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn revoke_key(
    conn: &mut PgConnection,
    partner_api_key_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "update partner_api_key set revoked_at = $2 where partner_api_key_id = $1 and revoked_at is null",
        partner_api_key_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A partner by its unique name.
pub async fn id_by_name(conn: &mut PgConnection, name: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!("select partner_id from partner where name = $1", name)
        .fetch_optional(conn)
        .await?)
}

/// Revokes the live key with this prefix; false when there is none (unknown or revoked before).
pub async fn revoke_key_by_prefix(
    conn: &mut PgConnection,
    key_prefix: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query!(
        "update partner_api_key set revoked_at = $2 where key_prefix = $1 and revoked_at is null",
        key_prefix,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a partner may see of an application it created: its status and the policy's outcome,
/// nothing of the applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerApplication {
    pub application_id: Uuid,
    pub reference: String,
    pub status: String,
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The latest decision's outcome (`approve`, `refer`, `decline`), if any.
    pub outcome: Option<String>,
    pub approved_amount_cents: Option<i64>,
    pub approved_term_days: Option<i32>,
}

/// The application with this reference, only when `partner_id` created it (another partner's
/// application is as absent as one that does not exist).
pub async fn application(
    conn: &mut PgConnection,
    partner_id: Uuid,
    reference: &str,
) -> Result<Option<PartnerApplication>> {
    Ok(sqlx::query_as!(
        PartnerApplication,
        r#"select a.application_id, a.reference, a.status, a.requested_amount_cents,
                  a.requested_term_days, a.submitted_at, a.decided_at,
                  d.outcome as "outcome?", d.approved_amount_cents as "approved_amount_cents?",
                  d.approved_term_days as "approved_term_days?"
           from application a
           left join lateral (
               select outcome, approved_amount_cents, approved_term_days from decision
               where decision.application_id = a.application_id
               order by decided_at desc, created_at desc limit 1
           ) d on true
           where a.reference = $1 and a.partner_id = $2 and a.channel = 'partner'"#,
        reference,
        partner_id
    )
    .fetch_optional(conn)
    .await?)
}

/// The same, by the application's key (after a submission).
pub async fn application_by_id(
    conn: &mut PgConnection,
    partner_id: Uuid,
    application_id: Uuid,
) -> Result<Option<PartnerApplication>> {
    let reference = sqlx::query_scalar!(
        "select reference from application where application_id = $1 and partner_id = $2",
        application_id,
        partner_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    match reference {
        Some(reference) => application(conn, partner_id, &reference).await,
        None => Ok(None),
    }
}
