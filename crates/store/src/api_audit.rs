//! The partner API's records: one audit row per call (who, which key prefix, route template,
//! status, time; never personal data), the idempotency keys of submissions, and the counts the
//! operations endpoints report (jobs by kind and state, decisions by outcome, applied migrations).

use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

/// One call of the partner API as the audit keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    /// The authenticated partner, or `None` for an unknown, revoked or missing key.
    pub partner_id: Option<Uuid>,
    /// The prefix of the key presented, when it has the shape of one.
    pub key_prefix: Option<String>,
    pub method: String,
    /// The route template (`/api/v1/applications/{reference}`), never the raw path.
    pub route: String,
    pub status: i16,
    pub duration_ms: i32,
    pub request_id: Option<String>,
}

pub async fn record_call(conn: &mut PgConnection, call: &ApiCall) -> Result<()> {
    sqlx::query!(
        r#"insert into partner_api_call
               (partner_id, key_prefix, method, route, status, duration_ms, request_id)
           values ($1, $2, $3, $4, $5, $6, $7)"#,
        call.partner_id,
        call.key_prefix,
        call.method,
        call.route,
        call.status,
        call.duration_ms,
        call.request_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An audit row as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedCall {
    pub partner_id: Option<Uuid>,
    pub key_prefix: Option<String>,
    pub method: String,
    pub route: String,
    pub status: i16,
}

/// The audit, oldest first.
pub async fn calls(conn: &mut PgConnection) -> Result<Vec<AuditedCall>> {
    Ok(sqlx::query_as!(
        AuditedCall,
        r#"select partner_id, key_prefix, method, route, status
           from partner_api_call order by seq"#
    )
    .fetch_all(conn)
    .await?)
}

/// What an idempotency key was found to mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new and now belongs to this request (within the caller's transaction).
    New,
    /// The key was used before, with a body of this SHA-256, for this application.
    Used { request_sha256: String, application_id: Option<Uuid> },
}

/// Claims `key` for a request whose body hashes to `request_sha256`. Inside a transaction, a
/// concurrent claim of the same key waits for this one to commit or roll back, so two requests
/// with one key never both create an application.
pub async fn claim_idempotency_key(
    conn: &mut PgConnection,
    partner_id: Uuid,
    key: &str,
    request_sha256: &str,
) -> Result<Claim> {
    let inserted = sqlx::query_scalar!(
        r#"insert into partner_idempotency (partner_id, idempotency_key, request_sha256)
           values ($1, $2, $3)
           on conflict (partner_id, idempotency_key) do nothing
           returning true as "inserted!""#,
        partner_id,
        key,
        request_sha256
    )
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_some() {
        return Ok(Claim::New);
    }
    let row = sqlx::query!(
        r#"select request_sha256, application_id from partner_idempotency
           where partner_id = $1 and idempotency_key = $2"#,
        partner_id,
        key
    )
    .fetch_one(conn)
    .await?;
    Ok(Claim::Used { request_sha256: row.request_sha256, application_id: row.application_id })
}

/// Records the application a claimed key produced.
pub async fn complete_idempotency_key(
    conn: &mut PgConnection,
    partner_id: Uuid,
    key: &str,
    application_id: Uuid,
) -> Result<()> {
    sqlx::query!(
        r#"update partner_idempotency set application_id = $3
           where partner_id = $1 and idempotency_key = $2"#,
        partner_id,
        key,
        application_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A count of jobs of one kind in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCount {
    pub kind: String,
    pub status: String,
    pub count: i64,
}

pub async fn job_counts(conn: &mut PgConnection) -> Result<Vec<JobCount>> {
    Ok(sqlx::query_as!(
        JobCount,
        r#"select kind, status, count(*) as "count!" from job group by kind, status
           order by kind, status"#
    )
    .fetch_all(conn)
    .await?)
}

/// Decisions by outcome (`approve`, `refer`, `decline`).
pub async fn decision_counts(conn: &mut PgConnection) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"select outcome, count(*) as "count!" from decision group by outcome order by outcome"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.outcome, r.count)).collect())
}

/// A migration as the database recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    pub version: i64,
    pub checksum: Vec<u8>,
    pub success: bool,
}

/// The migrations applied to this database (sqlx's own table).
pub async fn applied_migrations(conn: &mut PgConnection) -> Result<Vec<AppliedMigration>> {
    Ok(sqlx::query_as!(
        AppliedMigration,
        "select version, checksum, success from _sqlx_migrations order by version"
    )
    .fetch_all(conn)
    .await?)
}
