//! Document metadata: the file itself lives in object storage (DESIGN.md decision 6); the database
//! keeps its key, size, type, SHA-256 and whether an officer verified it.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    pub enum DocumentKind {
        IdCopy => "id_copy",
        Payslip => "payslip",
        BankStatement => "bank_statement",
        ProofOfAddress => "proof_of_address",
        Agreement => "agreement",
        Other => "other",
    }
}

text_enum! {
    pub enum Verification {
        Pending => "pending",
        Verified => "verified",
        Rejected => "rejected",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub application_id: Uuid,
    pub kind: DocumentKind,
    pub storage_key: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub content_type: String,
    /// Lowercase hex.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub document_id: Uuid,
    pub application_id: Uuid,
    pub kind: DocumentKind,
    pub storage_key: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub sha256: String,
    pub verification_status: Verification,
    pub verified_by_officer_id: Option<Uuid>,
    pub verified_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    pub uploaded_at: DateTime<Utc>,
}

pub async fn add(conn: &mut PgConnection, new: &NewDocument) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into document (application_id, kind, storage_key, file_name, size_bytes, content_type, sha256)
           values ($1, $2, $3, $4, $5, $6, $7) returning document_id"#,
        new.application_id,
        new.kind.as_str(),
        new.storage_key,
        new.file_name,
        new.size_bytes,
        new.content_type,
        new.sha256,
    )
    .fetch_one(conn)
    .await?)
}

/// An officer's verdict on a document; a rejection needs its reason (CHECK constraint).
pub async fn verify(
    conn: &mut PgConnection,
    document_id: Uuid,
    officer_id: Uuid,
    verdict: Verification,
    rejection_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update document
           set verification_status = $3, verified_by_officer_id = $2, verified_at = $4, rejection_reason = $5
           where document_id = $1"#,
        document_id,
        officer_id,
        verdict.as_str(),
        now,
        rejection_reason
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "document")
}

pub async fn for_application(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Vec<Document>> {
    Ok(sqlx::query_as!(
        Document,
        r#"select document_id, application_id, kind as "kind: DocumentKind", storage_key, file_name,
                  size_bytes, content_type, sha256, verification_status as "verification_status: Verification",
                  verified_by_officer_id, verified_at, rejection_reason, uploaded_at
           from document where application_id = $1 order by uploaded_at, document_id"#,
        application_id
    )
    .fetch_all(conn)
    .await?)
}

/// What [`add_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new row.
    New(Uuid),
    /// The application already holds this file (same SHA-256): the existing row.
    Existing(Uuid),
}

/// Records a document unless the application already holds the same file (by SHA-256, the
/// `document_application_sha256_key` index), so that a repeated or resumed upload is one document.
pub async fn add_once(conn: &mut PgConnection, new: &NewDocument) -> Result<Added> {
    let inserted = sqlx::query_scalar!(
        r#"insert into document (application_id, kind, storage_key, file_name, size_bytes, content_type, sha256)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (application_id, sha256) do nothing
           returning document_id"#,
        new.application_id,
        new.kind.as_str(),
        new.storage_key,
        new.file_name,
        new.size_bytes,
        new.content_type,
        new.sha256,
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok(Added::New(id));
    }
    let existing = sqlx::query_scalar!(
        "select document_id from document where application_id = $1 and sha256 = $2",
        new.application_id,
        new.sha256
    )
    .fetch_optional(conn)
    .await?;
    found(existing, "document").map(Added::Existing)
}

/// One document of one application (`NotFound` when the document belongs to another).
pub async fn get_for_application(
    conn: &mut PgConnection,
    application_id: Uuid,
    document_id: Uuid,
) -> Result<Document> {
    let row = sqlx::query_as!(
        Document,
        r#"select document_id, application_id, kind as "kind: DocumentKind", storage_key, file_name,
                  size_bytes, content_type, sha256, verification_status as "verification_status: Verification",
                  verified_by_officer_id, verified_at, rejection_reason, uploaded_at
           from document where application_id = $1 and document_id = $2"#,
        application_id,
        document_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "document")
}
