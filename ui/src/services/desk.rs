//! The review desk: a document's content for the viewer, the checklist and verdict, requests for
//! documents, notes, and the history (crates/contract/src/review.rs).

use pocket_contract::CommandError;
use pocket_contract::review::{
    AddNoteRequest, AddNoteResponse, Casework, CaseworkRequest, DocumentRef,
    RequestDocumentsRequest, RequestDocumentsResponse, VerifyDocumentRequest,
    VerifyDocumentResponse,
};
use serde::Serialize;

use crate::bridge::{invoke, invoke_bytes};

#[derive(Serialize)]
struct Args<'a, T> {
    request: &'a T,
}

pub async fn casework(application_id: String) -> Result<Casework, CommandError> {
    invoke("casework", &Args { request: &CaseworkRequest { application_id } }).await
}

/// The document's bytes, as recorded (the shell checked size, SHA-256 and type).
pub async fn view_document(request: &DocumentRef) -> Result<js_sys::Uint8Array, CommandError> {
    invoke_bytes("view_document", &Args { request }).await
}

pub async fn verify_document(
    request: &VerifyDocumentRequest,
) -> Result<VerifyDocumentResponse, CommandError> {
    invoke("verify_document", &Args { request }).await
}

pub async fn request_documents(
    request: &RequestDocumentsRequest,
) -> Result<RequestDocumentsResponse, CommandError> {
    invoke("request_documents", &Args { request }).await
}

pub async fn add_note(request: &AddNoteRequest) -> Result<AddNoteResponse, CommandError> {
    invoke("add_note", &Args { request }).await
}
