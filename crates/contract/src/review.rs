//! The officer's review desk beside the decision: documents viewed inline (the `view_document`
//! command answers with the file's raw bytes, not JSON), the verification checklist of each
//! document, requests for documents, notes, and the application's history from the audit log.

use serde::{Deserialize, Serialize};

/// One document of one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub application_id: String,
    pub document_id: String,
}

/// Everything on the desk for one application (loaded beside [`crate::ApplicationView`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseworkRequest {
    pub application_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    pub code: String,
    pub label: String,
    /// Confirmed in the newest check of the document.
    pub confirmed: bool,
}

/// A document's checklist and its newest check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentChecklist {
    pub document_id: String,
    pub items: Vec<CheckItem>,
    pub verdict: Option<String>,
    pub reason: Option<String>,
    pub checked_by: Option<String>,
    pub checked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRequestRow {
    pub document_request_id: String,
    pub kinds: Vec<String>,
    pub note: Option<String>,
    pub requested_by: String,
    pub requested_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRow {
    pub note_id: String,
    pub body: String,
    pub written_by: String,
    pub written_at: String,
}

/// One entry of the history from the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailRow {
    pub at: String,
    /// The login that did it.
    pub who: String,
    /// What it touched (`application`, `document`, `decision`, ...).
    pub subject: String,
    /// `insert`, `update`, `delete`, or `view` (a document's content was shown).
    pub action: String,
    /// For an update, `column: old → new` for each changed column.
    pub changes: Vec<String>,
}

/// A kind of document an officer may ask for, with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requestable {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Casework {
    pub checklists: Vec<DocumentChecklist>,
    pub requests: Vec<DocumentRequestRow>,
    pub notes: Vec<NoteRow>,
    pub trail: Vec<TrailRow>,
    pub requestable: Vec<Requestable>,
    /// Whether the document store is set up in the app's settings (else documents cannot be
    /// shown).
    pub viewer_ready: bool,
    /// What the signed-in officer may do now (the shell and the database have the last word).
    pub can_verify: bool,
    pub can_request: bool,
    pub can_note: bool,
}

/// Verify (every checklist item confirmed) or reject (with a reason) a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyDocumentRequest {
    pub application_id: String,
    pub document_id: String,
    pub verified: bool,
    pub confirmed: Vec<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyDocumentResponse {
    pub verification_status: String,
}

/// Ask the applicant for documents (SMS and email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDocumentsRequest {
    pub application_id: String,
    pub kinds: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDocumentsResponse {
    pub document_request_id: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddNoteRequest {
    pub application_id: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddNoteResponse {
    pub note_id: String,
}

/// Paying out an approved application whose agreement is signed (the `pay_out` command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayOutRequest {
    pub application_id: String,
    /// The reference of the bank transfer that paid the money out.
    pub disbursement_reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayOutResponse {
    pub loan_id: String,
    /// The first debit order's date (the signed schedule's first instalment).
    pub first_debit_date: String,
    pub instalments: u32,
    pub total_repayable_cents: i64,
}
