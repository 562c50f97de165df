//! The review desk beside the decision (crates/workflows/src/desk.rs): a document's content for
//! the inline viewer (raw bytes, checked against the record, the view traced), the verification
//! checklist and verdict, requests for documents, notes, and the history from the audit log.

use std::collections::HashMap;

use pocket_contract::review::{
    AddNoteRequest, AddNoteResponse, Casework, CaseworkRequest, CheckItem, DocumentChecklist,
    DocumentRef, DocumentRequestRow, NoteRow, RequestDocumentsRequest, RequestDocumentsResponse,
    Requestable, TrailRow, VerifyDocumentRequest, VerifyDocumentResponse,
};
use pocket_contract::{CommandError, ErrorCode};
use pocket_store::{applications, documents, review_desk};
use pocket_workflows::desk::{self, DeskError, Verdict};
use pocket_workflows::review;
use tauri::State;
use tauri::ipc::Response;

use super::{Answer, uuid};
use crate::error::{command_error, invalid, store};
use crate::session::Desktop;

/// How many history entries the page shows.
pub const TRAIL_LIMIT: i32 = 300;
/// The most checklist items, kinds or characters a request may carry before it is refused
/// unread (the use case checks the exact rules).
const MAX_ITEMS: usize = 20;
const MAX_TEXT_CHARS: usize = 4000;

/// A document's bytes for the viewer, as they were recorded (same size, SHA-256 and type); the
/// view is recorded first (POPIA s19). The UI shows them with the content type of the record.
#[tauri::command]
pub async fn view_document(desktop: State<'_, Desktop>, request: DocumentRef) -> Answer<Response> {
    let current = desktop.current()?;
    let admin = current.admin();
    let application_id = uuid(&request.application_id, admin)?;
    let document_id = uuid(&request.document_id, admin)?;
    let store_ = desktop.documents()?;
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let viewed = desk::view_document(&mut conn, store_, application_id, document_id)
        .await
        .map_err(|e| desk_error(e, admin))?;
    tracing::info!(%document_id, login = %current.officer.login_name, "document viewed");
    Ok(Response::new(viewed.bytes.to_vec()))
}

#[tauri::command]
pub async fn casework(desktop: State<'_, Desktop>, request: CaseworkRequest) -> Answer<Casework> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.application_id, admin)?;
    let fail = |e| store(e, admin);
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let application = applications::get(&mut conn, id).await.map_err(fail)?;
    let docs = documents::for_application(&mut conn, id).await.map_err(fail)?;
    let checks = review_desk::latest_checks(&mut conn, id).await.map_err(fail)?;
    let requests = review_desk::requests(&mut conn, id).await.map_err(fail)?;
    let notes = review_desk::notes(&mut conn, id).await.map_err(fail)?;
    let trail = review_desk::audit_trail(&mut conn, id, TRAIL_LIMIT).await.map_err(fail)?;
    drop(conn);

    let names: HashMap<String, String> =
        docs.iter().map(|d| (d.document_id.to_string(), d.file_name.clone())).collect();
    let checks: HashMap<_, _> = checks.into_iter().map(|c| (c.document_id, c)).collect();
    let decider = review::may_decide(&current.officer);
    Ok(Casework {
        checklists: docs
            .iter()
            .map(|d| {
                let check = checks.get(&d.document_id);
                DocumentChecklist {
                    document_id: d.document_id.to_string(),
                    items: desk::checklist(d.kind)
                        .iter()
                        .map(|(code, label)| CheckItem {
                            code: (*code).to_owned(),
                            label: (*label).to_owned(),
                            confirmed: check.is_some_and(|c| c.confirmed.iter().any(|x| x == code)),
                        })
                        .collect(),
                    verdict: check.map(|c| c.verdict.clone()),
                    reason: check.and_then(|c| c.rejection_reason.clone()),
                    checked_by: check.map(|c| c.officer_name.clone()),
                    checked_at: check.map(|c| c.checked_at.to_rfc3339()),
                }
            })
            .collect(),
        requests: requests
            .into_iter()
            .map(|r| DocumentRequestRow {
                document_request_id: r.document_request_id.to_string(),
                kinds: r.kinds,
                note: r.note,
                requested_by: r.officer_name,
                requested_at: r.requested_at.to_rfc3339(),
            })
            .collect(),
        notes: notes
            .into_iter()
            .map(|n| NoteRow {
                note_id: n.application_note_id.to_string(),
                body: n.body,
                written_by: n.officer_name,
                written_at: n.written_at.to_rfc3339(),
            })
            .collect(),
        trail: trail
            .into_iter()
            .map(|t| {
                let changes = if t.action == "view" {
                    let document = t.changes["document_id"].as_str().unwrap_or_default();
                    vec![names.get(document).cloned().unwrap_or_else(|| document.to_owned())]
                } else {
                    t.changes
                        .as_object()
                        .map(|o| {
                            o.iter()
                                .map(|(column, pair)| {
                                    format!("{column}: {} → {}", shown(&pair[0]), shown(&pair[1]))
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                };
                TrailRow {
                    at: t.occurred_at.to_rfc3339(),
                    who: t.login_role,
                    subject: t.table_name,
                    action: t.action,
                    changes,
                }
            })
            .collect(),
        requestable: desk::REQUESTABLE
            .iter()
            .map(|(code, _)| Requestable {
                code: (*code).to_owned(),
                label: label(code).to_owned(),
            })
            .collect(),
        viewer_ready: desktop.documents_ready(),
        can_verify: decider && desk::under_review(application.status),
        can_request: decider && review::decidable(application.status),
        can_note: decider,
    })
}

/// A value of the audit log as the history shows it: text without quotes, at most 80 characters.
fn shown(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut cut: String = text.chars().take(80).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// The officer's words for a kind of document.
fn label(code: &str) -> &'static str {
    match code {
        "id_copy" => "ID copy",
        "payslip" => "Payslips (latest three)",
        "bank_statement" => "Bank statements (three months)",
        "proof_of_address" => "Proof of address",
        _ => "Other (describe in the note)",
    }
}

#[tauri::command]
pub async fn verify_document(
    desktop: State<'_, Desktop>,
    request: VerifyDocumentRequest,
) -> Answer<VerifyDocumentResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let application_id = uuid(&request.application_id, admin)?;
    let document_id = uuid(&request.document_id, admin)?;
    if request.confirmed.len() > MAX_ITEMS {
        return Err(invalid("Too many checklist items.", admin));
    }
    if request.reason.as_deref().is_some_and(|r| r.chars().count() > MAX_TEXT_CHARS) {
        return Err(invalid("The reason is too long.", admin));
    }
    let verdict = Verdict {
        verified: request.verified,
        confirmed: request.confirmed,
        reason: request.reason,
    };
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let status = desk::verify_document(
        &mut conn,
        &current.officer,
        application_id,
        document_id,
        &verdict,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| desk_error(e, admin))?;
    Ok(VerifyDocumentResponse { verification_status: status.as_str().to_owned() })
}

#[tauri::command]
pub async fn request_documents(
    desktop: State<'_, Desktop>,
    request: RequestDocumentsRequest,
) -> Answer<RequestDocumentsResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.application_id, admin)?;
    if request.kinds.len() > MAX_ITEMS {
        return Err(invalid("Too many kinds of document.", admin));
    }
    if request.note.as_deref().is_some_and(|n| n.chars().count() > MAX_TEXT_CHARS) {
        return Err(invalid("The note is too long.", admin));
    }
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let request_id = desk::request_documents(
        &mut conn,
        &current.officer,
        id,
        &request.kinds,
        request.note.as_deref(),
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| desk_error(e, admin))?;
    Ok(RequestDocumentsResponse {
        document_request_id: request_id.to_string(),
        status: "documents_requested".to_owned(),
    })
}

#[tauri::command]
pub async fn add_note(
    desktop: State<'_, Desktop>,
    request: AddNoteRequest,
) -> Answer<AddNoteResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.application_id, admin)?;
    if request.body.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid("The note is longer than 2000 characters.", admin));
    }
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let note_id = desk::add_note(&mut conn, &current.officer, id, &request.body)
        .await
        .map_err(|e| desk_error(e, admin))?;
    Ok(AddNoteResponse { note_id: note_id.to_string() })
}

/// A refused desk action, by what the officer can do about it.
fn desk_error(error: DeskError, admin: bool) -> CommandError {
    let error = match error {
        DeskError::Store(e) => return store(e, admin),
        other => other,
    };
    let message = sentence(&error.to_string());
    let code = match &error {
        DeskError::Store(_) => ErrorCode::Internal,
        DeskError::NotAllowed => ErrorCode::Forbidden,
        DeskError::WrongStatus(_) => ErrorCode::Conflict,
        DeskError::UnknownDocument => ErrorCode::NotFound,
        DeskError::ChecklistIncomplete
        | DeskError::UnknownCheck(_)
        | DeskError::BadReason
        | DeskError::NothingRequested
        | DeskError::UnknownKind(_)
        | DeskError::DescribeOther
        | DeskError::BadNote(_) => ErrorCode::Invalid,
        DeskError::FileMissing | DeskError::FileTooLarge | DeskError::FileAltered => {
            ErrorCode::Internal
        }
        DeskError::Storage(_) => ErrorCode::Unavailable,
        DeskError::Notify(_) => {
            return command_error(
                ErrorCode::Internal,
                "The applicant's message could not be prepared; nothing was saved.",
                &error,
                admin,
            );
        }
    };
    let message = match &error {
        DeskError::FileMissing | DeskError::FileAltered | DeskError::FileTooLarge => {
            format!("{message} Quote the reference to IT.")
        }
        DeskError::Storage(_) => "The document store cannot be reached. Try again.".to_owned(),
        _ => message,
    };
    command_error(code, message, format!("{error}: {error:?}"), admin)
}

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}
