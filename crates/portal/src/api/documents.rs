//! `POST /api/v1/applications/{reference}/documents`: a partner uploads an applicant's ID copy,
//! payslip, bank statement or proof of address, either as the raw body (`?kind=payslip`, the
//! file's own media type or `application/octet-stream`) or as `multipart/form-data` with a `kind`
//! field before a `file` field. The bytes stream into `pocket_workflows::documents::DocumentStore`,
//! which detects the type from the content, enforces the size limit, hashes on the way and keeps
//! one document per application and SHA-256 (a repeated upload answers 200 with the first one).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pocket_store::documents::DocumentKind;
use pocket_store::partners;
use pocket_workflows::documents::{DocumentError, Upload};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::auth::Partner;
use crate::api::problem::{Problem, store_failure};
use crate::server::AppState;
use crate::web::PortalRef;

/// A stored document, as the partner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DocumentResponse {
    pub document_id: uuid::Uuid,
    pub kind: String,
    /// The type found in the content (`application/pdf`, `image/jpeg`, ...).
    pub content_type: String,
    pub size_bytes: u64,
    /// Lowercase hex.
    pub sha256: String,
    /// False when the application already held this very file.
    pub created: bool,
}

/// The multipart form of an upload (for the description).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// `id_copy`, `payslip`, `bank_statement`, `proof_of_address` or `other`; before `file`.
    kind: String,
    /// The file (PDF, JPEG, PNG, WebP or HEIC).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn kind(text: &str) -> Result<DocumentKind, Problem> {
    match text.trim() {
        "id_copy" => Ok(DocumentKind::IdCopy),
        "payslip" => Ok(DocumentKind::Payslip),
        "bank_statement" => Ok(DocumentKind::BankStatement),
        "proof_of_address" => Ok(DocumentKind::ProofOfAddress),
        "other" => Ok(DocumentKind::Other),
        _ => Err(Problem::invalid_field(
            "kind",
            "must be id_copy, payslip, bank_statement, proof_of_address or other",
        )),
    }
}

fn document_problem(error: DocumentError) -> Problem {
    match &error {
        DocumentError::Empty => Problem::invalid_field("file", "is empty"),
        DocumentError::TooLarge { limit } => {
            Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "The file is too large")
                .with_detail(format!("files of at most {limit} bytes are accepted"))
        }
        DocumentError::UnsupportedType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-file-type",
            "The file is not a PDF, JPEG, PNG, WebP or HEIC file",
        ),
        DocumentError::Unreadable(_) => Problem::invalid_field("file", error.to_string()),
        DocumentError::Interrupted(_) => Problem::malformed("the upload was interrupted"),
        DocumentError::Storage(e) => {
            tracing::error!(error = %e, "document storage");
            Problem::unavailable()
        }
        DocumentError::Store(e) => store_failure("recording a document", e),
    }
}

/// Uploads a document of an application this partner created.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{reference}/documents",
    tag = "applications",
    security(("partner_key" = [])),
    params(
        ("reference" = String, Path, description = "The application's reference"),
        ("kind" = Option<String>, Query, description = "For a raw body: id_copy, payslip, bank_statement, proof_of_address or other"),
        ("file_name" = Option<String>, Query, description = "For a raw body: the file's name, shown to officers"),
    ),
    request_body(
        description = "The file as the raw body (with `?kind=`), or a multipart form with `kind` then `file`",
        content(
            (String = "application/octet-stream"),
            (UploadForm = "multipart/form-data"),
        )
    ),
    responses(
        (status = 201, description = "Stored", body = DocumentResponse),
        (status = 200, description = "The application already held this file: the first document", body = DocumentResponse),
        (status = 400, description = "The upload was interrupted or the form is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No key, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No application with this reference was created by this partner", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The file is not a PDF or a photo", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No or an unknown kind, an empty or damaged file", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Try again shortly", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    axum::Extension(portal): axum::Extension<PortalRef>,
    partner: Partner,
    Path(reference): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Result<Response, Problem> {
    let application = {
        let mut conn = state.db.acquire().await.map_err(|e| store_failure("upload", &e.into()))?;
        partners::application(&mut conn, partner.partner_id, &reference)
            .await
            .map_err(|e| store_failure("upload", &e))?
            .ok_or_else(Problem::not_found)?
    };
    let documents = &portal.documents;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("multipart/form-data"));
    let (stored, kind) = if multipart {
        let mut form = Multipart::from_request(request, &state)
            .await
            .map_err(|_| Problem::malformed("the multipart form is not readable"))?;
        let mut chosen = query.get("kind").map(|k| kind(k)).transpose()?;
        let mut stored = None;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|_| Problem::malformed("the multipart form is not readable"))?
        {
            match field.name() {
                Some("kind") => {
                    let text = field
                        .text()
                        .await
                        .map_err(|_| Problem::malformed("the kind field is not readable"))?;
                    chosen = Some(kind(&text)?);
                }
                Some("file") if stored.is_none() => {
                    let kind = chosen.ok_or_else(|| {
                        Problem::invalid_field("kind", "must come before the file")
                    })?;
                    let chosen_kind = kind;
                    let upload = Upload {
                        application_id: application.application_id,
                        kind,
                        file_name: field.file_name().unwrap_or("upload").to_owned(),
                    };
                    stored = Some((
                        documents
                            .store(&state.db, &upload, field)
                            .await
                            .map_err(document_problem)?,
                        chosen_kind,
                    ));
                }
                _ => {}
            }
        }
        stored.ok_or_else(|| Problem::invalid_field("file", "is required"))?
    } else {
        let kind = kind(query.get("kind").map(String::as_str).unwrap_or_default())?;
        let upload = Upload {
            application_id: application.application_id,
            kind,
            file_name: query.get("file_name").cloned().unwrap_or_else(|| "upload".to_owned()),
        };
        let body = request.into_body().into_data_stream();
        (documents.store(&state.db, &upload, body).await.map_err(document_problem)?, kind)
    };
    let status = if stored.created { StatusCode::CREATED } else { StatusCode::OK };
    let response = DocumentResponse {
        document_id: stored.document_id,
        kind: kind.as_str().to_owned(),
        content_type: stored.file_type.media_type().to_owned(),
        size_bytes: stored.size_bytes,
        sha256: stored.sha256,
        created: stored.created,
    };
    Ok((status, Json(response)).into_response())
}
