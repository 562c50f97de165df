//! The officer's review desk, beside deciding (`review`): viewing an applicant's document (read
//! back from storage and checked against its record, every view traced), verifying a document
//! against its checklist, requesting documents from the applicant (SMS and email through the
//! outbox), and notes on an application.
//!
//! Everything runs on the signed-in officer's own connection (DESIGN.md decision 1): the grants
//! of migration 20261205000013 refuse a role without the right even if this code were bypassed.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use pocket_store::StoreError;
use pocket_store::applications::{self, ApplicationStatus};
use pocket_store::backoffice;
use pocket_store::documents::{self, Document, DocumentKind, Verification};
use pocket_store::officers::Officer;
use pocket_store::review_desk::{self, NewCheck};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::documents::{DocumentError, DocumentStore, ReadBack};
use crate::notify::{Message, NotifyError, notify};
use crate::review::{may_decide, recipient};

/// Where the applicant uploads what was asked for.
const LINK: &str = "https://pocketloans.example.co.za/a";

/// The longest note on an application, and the longest note sent with a request for documents.
pub const NOTE_MAX_CHARS: usize = 2000;
pub const REQUEST_NOTE_MAX_CHARS: usize = 1000;
/// The longest reason for rejecting a document (the schema's `document_check_reason_check`).
pub const REASON_MAX_CHARS: usize = 500;

/// What an officer confirms before a document counts as verified, per kind.
///
/// Sources: NCA Reg 23A(4) (credit-law.md: gross income validated with the latest three payslips
/// or the bank statements showing the latest three salary deposits); FICA customer due diligence
/// (credit-law.md: identity and address verified); the debit order is drawn on the applicant's
/// own account (collections.md, identity.md: the account holder matches).
pub fn checklist(kind: DocumentKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        DocumentKind::IdCopy => &[
            ("id_number_matches", "The ID number matches the applicant's"),
            ("name_matches", "The names match the applicant's"),
            ("photo_legible", "The photo and text are legible and unaltered"),
        ],
        DocumentKind::Payslip => &[
            ("employer_matches", "The employer matches the application"),
            ("income_matches", "Gross and net income match what was declared"),
            ("recent", "It is one of the latest three payslips"),
        ],
        DocumentKind::BankStatement => &[
            ("holder_matches", "The account holder is the applicant"),
            ("account_matches", "The account number matches the debit-order account"),
            ("salary_deposits", "Salary deposits match the declared income"),
            ("recent", "It covers the latest three months"),
        ],
        DocumentKind::ProofOfAddress => &[
            ("name_matches", "The name matches the applicant's"),
            ("address_matches", "The address matches the application"),
            ("recent", "It is dated within the last three months"),
        ],
        DocumentKind::Agreement | DocumentKind::Other => &[
            ("belongs_to_applicant", "It belongs to this applicant"),
            ("legible", "It is legible and complete"),
        ],
    }
}

/// The documents an officer may ask for, with the words the applicant reads.
pub const REQUESTABLE: &[(&str, &str)] = &[
    ("id_copy", "a copy of your ID"),
    ("payslip", "your latest three payslips"),
    ("bank_statement", "your latest three months of bank statements"),
    ("proof_of_address", "a proof of address not older than three months"),
    ("other", "the other document described in the note"),
];

/// Why a desk action was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The officer's group may not verify documents, request documents or write notes.
    #[error("only officers and supervisors may do this")]
    NotAllowed,
    #[error("an application that is {0} is past this step")]
    WrongStatus(ApplicationStatus),
    #[error("the document is not one of this application's")]
    UnknownDocument,
    #[error("confirm every item of the checklist before verifying")]
    ChecklistIncomplete,
    #[error("unknown checklist item {0:?}")]
    UnknownCheck(String),
    #[error("a rejected document needs a reason of at most {REASON_MAX_CHARS} characters")]
    BadReason,
    #[error("choose at least one kind of document")]
    NothingRequested,
    #[error("unknown kind of document {0:?}")]
    UnknownKind(String),
    #[error("say in the note which other document is needed")]
    DescribeOther,
    #[error("the note must have between 1 and {0} characters")]
    BadNote(usize),
    #[error("the document's file is not in storage")]
    FileMissing,
    #[error("the document is larger than any accepted file")]
    FileTooLarge,
    /// The stored bytes do not match the record (SHA-256, size or type): possibly tampered with.
    #[error("the stored file does not match its record and is not shown")]
    FileAltered,
    #[error("document storage failed")]
    Storage(#[source] DocumentError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

/// A document to show, checked against its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewed {
    pub document: Document,
    pub bytes: Bytes,
}

/// Shows a document to the signed-in login: the view is recorded (committed even when the file
/// then turns out to be missing or altered: the attempt is part of the trace), then the bytes are
/// read back and checked against the record.
pub async fn view_document(
    conn: &mut PgConnection,
    store: &DocumentStore,
    application_id: Uuid,
    document_id: Uuid,
) -> Result<Viewed, DeskError> {
    let document = documents::get_for_application(conn, application_id, document_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound { .. } => DeskError::UnknownDocument,
            e => DeskError::Store(e),
        })?;
    review_desk::record_view(conn, application_id, document_id).await?;
    match store.read_back(&document).await.map_err(DeskError::Storage)? {
        ReadBack::Intact(bytes) => Ok(Viewed { document, bytes }),
        ReadBack::Missing => Err(DeskError::FileMissing),
        ReadBack::TooLarge => Err(DeskError::FileTooLarge),
        ReadBack::Altered => {
            tracing::error!(%document_id, "a stored document does not match its record");
            Err(DeskError::FileAltered)
        }
    }
}

/// Statuses in which documents are checked and asked for: submitted, before the decision.
pub fn under_review(status: ApplicationStatus) -> bool {
    matches!(
        status,
        ApplicationStatus::Submitted
            | ApplicationStatus::PreApproved
            | ApplicationStatus::Referred
            | ApplicationStatus::DocumentsRequested
    )
}

/// An officer's verdict on a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub verified: bool,
    /// The checklist items confirmed (codes of [`checklist`]).
    pub confirmed: Vec<String>,
    /// Required to reject.
    pub reason: Option<String>,
}

/// Verifies or rejects a document: a verified document had every item of its kind's checklist
/// confirmed; a rejected one says why. The check and the document's status are written together.
pub async fn verify_document(
    conn: &mut PgConnection,
    officer: &Officer,
    application_id: Uuid,
    document_id: Uuid,
    verdict: &Verdict,
    now: DateTime<Utc>,
) -> Result<Verification, DeskError> {
    if !may_decide(officer) {
        return Err(DeskError::NotAllowed);
    }
    let reason = verdict.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > REASON_MAX_CHARS)
        || (!verdict.verified && reason.is_none())
    {
        return Err(DeskError::BadReason);
    }
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    let (status, _, _) = backoffice::lock_for_decision(&mut tx, application_id).await?;
    if !under_review(status) {
        return Err(DeskError::WrongStatus(status));
    }
    let kind = review_desk::lock_document(&mut tx, application_id, document_id)
        .await?
        .ok_or(DeskError::UnknownDocument)?;
    let kind: DocumentKind = kind.parse().map_err(StoreError::from)?;
    let items = checklist(kind);
    let mut confirmed: Vec<String> = Vec::new();
    for code in &verdict.confirmed {
        if !items.iter().any(|(c, _)| c == code) {
            return Err(DeskError::UnknownCheck(code.chars().take(40).collect()));
        }
        if !confirmed.contains(code) {
            confirmed.push(code.clone());
        }
    }
    if verdict.verified && confirmed.len() != items.len() {
        return Err(DeskError::ChecklistIncomplete);
    }
    let status = if verdict.verified { Verification::Verified } else { Verification::Rejected };
    let reason = if verdict.verified { None } else { reason };
    review_desk::add_check(
        &mut tx,
        &NewCheck {
            document_id,
            application_id,
            officer_id: officer.officer_id,
            verdict: status,
            confirmed: &confirmed,
            rejection_reason: reason,
        },
    )
    .await?;
    documents::verify(&mut tx, document_id, officer.officer_id, status, reason, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(status)
}

/// Asks the applicant for documents: the request is recorded, the application moves to
/// `documents_requested` (unless it is there already), and the SMS and email are recorded in the
/// outbox in the same transaction (DESIGN.md decision 2).
pub async fn request_documents(
    conn: &mut PgConnection,
    officer: &Officer,
    application_id: Uuid,
    kinds: &[String],
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Uuid, DeskError> {
    if !may_decide(officer) {
        return Err(DeskError::NotAllowed);
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > REQUEST_NOTE_MAX_CHARS) {
        return Err(DeskError::BadNote(REQUEST_NOTE_MAX_CHARS));
    }
    let mut wanted: Vec<String> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    for kind in kinds {
        let Some((code, plain)) = REQUESTABLE.iter().find(|(c, _)| c == kind) else {
            return Err(DeskError::UnknownKind(kind.chars().take(40).collect()));
        };
        if !wanted.iter().any(|w| w == code) {
            wanted.push((*code).to_owned());
            words.push((*plain).to_owned());
        }
    }
    if wanted.is_empty() {
        return Err(DeskError::NothingRequested);
    }
    if wanted.iter().any(|w| w == "other") && note.is_none() {
        return Err(DeskError::DescribeOther);
    }
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    let (status, _, _) = backoffice::lock_for_decision(&mut tx, application_id).await?;
    if !crate::review::decidable(status) {
        return Err(DeskError::WrongStatus(status));
    }
    let request_id =
        review_desk::add_request(&mut tx, application_id, officer.officer_id, &wanted, note)
            .await?;
    if status != ApplicationStatus::DocumentsRequested {
        applications::transition(
            &mut tx,
            application_id,
            status,
            ApplicationStatus::DocumentsRequested,
            Some(note.unwrap_or("documents requested by an officer")),
        )
        .await?;
    }
    let application = applications::get(&mut tx, application_id).await?;
    let recipient = recipient(&mut tx, application.applicant_id).await?;
    if let Some(note) = note {
        words.push(format!("(note from your officer: {note})"));
    }
    let message = Message::DocumentsRequested {
        reference: application.reference,
        documents: words,
        link: LINK.to_owned(),
    };
    notify(&mut tx, &recipient, &message, &request_id.to_string(), now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(request_id)
}

/// Adds a note to an application (officer and time; notes are never edited).
pub async fn add_note(
    conn: &mut PgConnection,
    officer: &Officer,
    application_id: Uuid,
    body: &str,
) -> Result<Uuid, DeskError> {
    if !may_decide(officer) {
        return Err(DeskError::NotAllowed);
    }
    let body = body.trim();
    if body.is_empty() || body.chars().count() > NOTE_MAX_CHARS {
        return Err(DeskError::BadNote(NOTE_MAX_CHARS));
    }
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    // The application must exist (a clear not-found rather than a foreign-key refusal).
    backoffice::lock_for_decision(&mut tx, application_id).await?;
    let id = review_desk::add_note(&mut tx, application_id, officer.officer_id, body).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_checklist_of_distinct_codes() {
        for kind in [
            DocumentKind::IdCopy,
            DocumentKind::Payslip,
            DocumentKind::BankStatement,
            DocumentKind::ProofOfAddress,
            DocumentKind::Agreement,
            DocumentKind::Other,
        ] {
            let items = checklist(kind);
            assert!(!items.is_empty());
            for (i, (code, _)) in items.iter().enumerate() {
                assert!(items[i + 1..].iter().all(|(c, _)| c != code), "{kind:?} {code}");
            }
        }
    }

    #[test]
    fn requestable_kinds_are_the_schemas() {
        // document_request_kinds_check lists the same codes.
        let codes: Vec<_> = REQUESTABLE.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, ["id_copy", "payslip", "bank_statement", "proof_of_address", "other"]);
    }
}
