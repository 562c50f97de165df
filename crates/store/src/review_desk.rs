//! The officer's review desk (migration 20261205000013): the trace of who viewed which document,
//! the verification checklists officers confirmed, requests for documents, notes on an
//! application, and the application's history from the audit log (through a SECURITY DEFINER
//! function, since officers cannot read the audit log itself).
//!
//! Every query runs as the signed-in officer's own login (DESIGN.md decision 1).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::documents::Verification;
use crate::error::Result;

/// Records that the signed-in login is about to see a document's content (POPIA s19).
pub async fn record_view(
    conn: &mut PgConnection,
    application_id: Uuid,
    document_id: Uuid,
) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"select record_document_view($1, $2) as "id!""#,
        application_id,
        document_id
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// A checklist confirmed for a document, with its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheck<'a> {
    pub document_id: Uuid,
    pub application_id: Uuid,
    pub officer_id: Uuid,
    pub verdict: Verification,
    pub confirmed: &'a [String],
    pub rejection_reason: Option<&'a str>,
}

pub async fn add_check(conn: &mut PgConnection, check: &NewCheck<'_>) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into document_check
               (document_id, application_id, officer_id, verdict, confirmed, rejection_reason)
           values ($1, $2, $3, $4, $5, $6) returning document_check_id"#,
        check.document_id,
        check.application_id,
        check.officer_id,
        check.verdict.as_str(),
        check.confirmed,
        check.rejection_reason,
    )
    .fetch_one(conn)
    .await?)
}

/// The newest check of each document of an application (by document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub document_id: Uuid,
    pub verdict: String,
    pub confirmed: Vec<String>,
    pub rejection_reason: Option<String>,
    pub officer_name: String,
    pub checked_at: DateTime<Utc>,
}

pub async fn latest_checks(conn: &mut PgConnection, application_id: Uuid) -> Result<Vec<Check>> {
    Ok(sqlx::query_as!(
        Check,
        r#"select distinct on (c.document_id) c.document_id, c.verdict, c.confirmed,
                  c.rejection_reason, o.full_name as officer_name, c.checked_at
           from document_check c join officer o on o.officer_id = c.officer_id
           where c.application_id = $1
           order by c.document_id, c.seq desc"#,
        application_id
    )
    .fetch_all(conn)
    .await?)
}

/// Locks one document of one application for a verdict; `None` when it is not that
/// application's.
pub async fn lock_document(
    conn: &mut PgConnection,
    application_id: Uuid,
    document_id: Uuid,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        r#"select kind from document where application_id = $1 and document_id = $2
           for no key update"#,
        application_id,
        document_id
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn add_request(
    conn: &mut PgConnection,
    application_id: Uuid,
    officer_id: Uuid,
    kinds: &[String],
    note: Option<&str>,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into document_request (application_id, officer_id, kinds, note)
           values ($1, $2, $3, $4) returning document_request_id"#,
        application_id,
        officer_id,
        kinds,
        note,
    )
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub document_request_id: Uuid,
    pub kinds: Vec<String>,
    pub note: Option<String>,
    pub officer_name: String,
    pub requested_at: DateTime<Utc>,
}

/// The requests for documents, newest first.
pub async fn requests(conn: &mut PgConnection, application_id: Uuid) -> Result<Vec<Request>> {
    Ok(sqlx::query_as!(
        Request,
        r#"select r.document_request_id, r.kinds, r.note, o.full_name as officer_name,
                  r.requested_at
           from document_request r join officer o on o.officer_id = r.officer_id
           where r.application_id = $1 order by r.seq desc"#,
        application_id
    )
    .fetch_all(conn)
    .await?)
}

pub async fn add_note(
    conn: &mut PgConnection,
    application_id: Uuid,
    officer_id: Uuid,
    body: &str,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into application_note (application_id, officer_id, body)
           values ($1, $2, $3) returning application_note_id"#,
        application_id,
        officer_id,
        body,
    )
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub application_note_id: Uuid,
    pub body: String,
    pub officer_name: String,
    pub written_at: DateTime<Utc>,
}

/// The notes, newest first.
pub async fn notes(conn: &mut PgConnection, application_id: Uuid) -> Result<Vec<Note>> {
    Ok(sqlx::query_as!(
        Note,
        r#"select n.application_note_id, n.body, o.full_name as officer_name, n.written_at
           from application_note n join officer o on o.officer_id = n.officer_id
           where n.application_id = $1 order by n.seq desc"#,
        application_id
    )
    .fetch_all(conn)
    .await?)
}

/// One entry of an application's history from the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailEntry {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub table_name: String,
    /// `insert`, `update`, `delete`, or `view` (a document's content was shown).
    pub action: String,
    pub login_role: String,
    /// For an update, `{column: [old, new]}` of the columns that changed; for a view, the
    /// document's id.
    pub changes: serde_json::Value,
}

/// The newest `limit` entries of the application's history (at most 1000).
pub async fn audit_trail(
    conn: &mut PgConnection,
    application_id: Uuid,
    limit: i32,
) -> Result<Vec<TrailEntry>> {
    Ok(sqlx::query_as!(
        TrailEntry,
        r#"select seq as "seq!", occurred_at as "occurred_at!", table_name as "table_name!",
                  action as "action!", login_role as "login_role!", changes as "changes!"
           from application_audit_trail($1, $2)"#,
        application_id,
        limit
    )
    .fetch_all(conn)
    .await?)
}
