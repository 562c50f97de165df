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
