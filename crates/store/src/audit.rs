//! The audit log, written only by triggers: who (the real login and the role in effect), what
//! (table, key, old and new row), when and in which transaction.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub audit_log_id: Uuid,
    pub seq: i64,
    pub table_name: String,
    pub row_key: Option<String>,
    pub action: String,
    pub old_row: Option<serde_json::Value>,
    pub new_row: Option<serde_json::Value>,
    pub login_role: String,
    pub effective_role: String,
    pub txid: i64,
    pub occurred_at: DateTime<Utc>,
}

/// The history of one row, oldest first.
pub async fn for_row(
    conn: &mut PgConnection,
    table_name: &str,
    row_key: &str,
) -> Result<Vec<AuditEntry>> {
    Ok(sqlx::query_as!(
        AuditEntry,
        r#"select audit_log_id, seq, table_name, row_key, action, old_row, new_row, login_role,
                  effective_role, txid, occurred_at
           from audit_log where table_name = $1 and row_key = $2 order by seq"#,
        table_name,
        row_key
    )
    .fetch_all(conn)
    .await?)
}

/// The newest entries, optionally before a sequence number (for paging backwards).
pub async fn recent(
    conn: &mut PgConnection,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    Ok(sqlx::query_as!(
        AuditEntry,
        r#"select audit_log_id, seq, table_name, row_key, action, old_row, new_row, login_role,
                  effective_role, txid, occurred_at
           from audit_log where $1::bigint is null or seq < $1
           order by seq desc limit $2"#,
        before_seq,
        limit
    )
    .fetch_all(conn)
    .await?)
}
