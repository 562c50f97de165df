//! The partner API, versioned under `/api/v1`: JSON for lead-generation partners.
//!
//! Every route but the OpenAPI description needs `Authorization: Bearer <key>` (see [`auth`]);
//! every call is audited; errors are `application/problem+json` ([`problem`]). The OpenAPI 3
//! description at `/api/v1/openapi.json` is generated from the handlers' annotations.

pub mod admin;
pub mod applications;
pub mod auth;
pub mod documents;
pub mod problem;
pub mod quote;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::ops::HttpPolicy;
use crate::server::AppState;

/// The OpenAPI description of the partner API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Pocket Loans partner API",
        version = "1",
        description = "Quotes and applications for lead-generation partners. Keys are issued by Pocket Loans (`pocket partner add-key`) and sent as `Authorization: Bearer <key>`. Each key may make a limited number of requests a minute (429 with Retry-After beyond it). Submitting an application waits a few seconds for the credit decision; if it is not made in that time the answer says `deciding` and GET /api/v1/applications/{reference} shows the decision when it is made. Errors are RFC 9457 problem details."
    ),
    paths(quote::quote, applications::create, applications::status, documents::upload),
    components(schemas(problem::Problem, problem::FieldError)),
    modifiers(&BearerKey),
    tags(
        (name = "quotes", description = "Itemised quotes within the National Credit Act's caps"),
        (name = "applications", description = "Submitting applications and following their decisions"),
    )
)]
pub struct ApiDoc;

#[derive(Debug)]
struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "partner_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The partner API's routes, relative to `/api/v1`, with their audit.
pub fn router(state: &AppState, policy: &HttpPolicy) -> Router<AppState> {
    let runtime =
        Arc::new(auth::ApiRuntime::new(policy.partner_requests_per_minute, policy.decision_wait));
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/quote", get(quote::quote))
        .route("/applications", post(applications::create))
        .route("/applications/{reference}", get(applications::status))
        .route(
            "/applications/{reference}/documents",
            post(documents::upload).layer(policy.upload_body_limit()),
        )
        .fallback(|| async { problem::Problem::not_found() })
        .method_not_allowed_fallback(|| async {
            problem::Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "This route does not take that method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::audit))
        .layer(Extension(runtime))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
