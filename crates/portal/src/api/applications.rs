//! `POST /api/v1/applications` and `GET /api/v1/applications/{reference}`: a partner submits an
//! application for an applicant who consented through the partner, and follows its status.
//!
//! A submission records the applicant (or finds the one on record with the same ID and mobile
//! numbers), the consents (POPIA s11 and s69: purpose, text version, time, channel `partner`),
//! the application with its details, and submits it through `pocket_workflows::decide::submit`,
//! which refuses without a credit-enquiry consent and queues the bureau enquiry for the worker.
//! The answer waits a few seconds for the worker's decision; if there is none yet it says
//! `deciding`, and the GET shows the decision later. An application is visible only to the
//! partner that created it: to anyone else it does not exist (404, not 403).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use pocket_domain::{AccountNumber, BranchCode, Msisdn, PaydayRule, SaIdNumber};
use pocket_store::StoreError;
use pocket_store::api_audit::{self, Claim};
use pocket_store::applicants::{self, Channel, ConsentPurpose, Profile};
use pocket_store::applications::{
    self, ApplicationDetails, EmploymentType, NewApplication, PayFrequency,
};
use pocket_store::partners::{self, PartnerApplication};
use pocket_workflows::decide::{self, SubmitError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::Connection;
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::auth::{ApiRuntime, Partner};
use crate::api::problem::{FieldError, Problem, store_failure};
use crate::api::quote::{johannesburg_date, pricing_on, quote_error};
use crate::server::AppState;

/// The header that makes a submission safe to repeat.
pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The longest free text accepted in a name field.
const MAX_TEXT: usize = 100;

/// A new application, as a partner sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    pub applicant: ApplicantInput,
    pub loan: LoanInput,
    pub employment: EmploymentInput,
    pub expenses: ExpensesInput,
    pub bank: BankInput,
    /// The consents the applicant gave on the partner's site; `bureau_enquiry` is required.
    #[schema(min_items = 1)]
    pub consents: Vec<ConsentInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// The 13-digit South African ID number.
    #[schema(example = "8001015009087", pattern = "^[0-9]{13}$")]
    pub id_number: String,
    #[schema(min_length = 1, max_length = 100)]
    pub first_names: String,
    #[schema(min_length = 1, max_length = 100)]
    pub surname: String,
    /// A South African mobile number in any common spelling (`082 123 4567`, `+27821234567`).
    #[schema(example = "0821234567")]
    pub mobile: String,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoanInput {
    /// The amount asked for, in cents (the product's and the law's limits apply: 422 names them).
    #[schema(minimum = 1)]
    pub amount_cents: i64,
    /// Days from payout to the last repayment.
    #[schema(minimum = 1)]
    pub term_days: i32,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentTypeInput {
    Permanent,
    Contract,
    SelfEmployed,
    Grant,
    Other,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayFrequencyInput {
    Monthly,
    Fortnightly,
    Weekly,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmploymentInput {
    #[schema(min_length = 1, max_length = 100)]
    pub employer_name: String,
    pub employment_type: EmploymentTypeInput,
    pub pay_frequency: PayFrequencyInput,
    /// `last_working_day`, `friday_before_25th`, `monthly:<day>`, `weekly:<weekday>` or
    /// `fortnightly:<weekday>:<a payday, YYYY-MM-DD>`.
    #[schema(
        example = "monthly:25",
        pattern = "^(last_working_day|friday_before_25th|monthly:([1-9]|[12][0-9]|3[01])|weekly:[A-Za-z]{3,9}|fortnightly:[A-Za-z]{3,9}:[0-9]{4}-[0-9]{2}-[0-9]{2})$"
    )]
    pub payday: String,
    /// Gross monthly income in cents.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub gross_income_cents: i64,
    /// Net monthly income in cents (at most the gross).
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub net_income_cents: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpensesInput {
    /// Monthly living expenses declared, in cents.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub declared_expenses_cents: i64,
    /// Monthly debt repayments declared, in cents.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub declared_debt_cents: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankInput {
    /// The 6-digit branch code.
    #[schema(example = "250655", pattern = "^[0-9]{6}$")]
    pub branch_code: String,
    #[schema(example = "62123456789", pattern = "^[0-9]{4,16}$")]
    pub account_number: String,
    /// 1 current (cheque), 2 savings, 3 transmission.
    #[schema(minimum = 1, maximum = 3)]
    pub account_type: i16,
    #[schema(min_length = 1, max_length = 100)]
    pub account_holder: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurposeInput {
    BureauEnquiry,
    Processing,
    Marketing,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub purpose: ConsentPurposeInput,
    /// The version of the consent text the applicant was shown.
    #[schema(example = "bureau-v3", min_length = 1, max_length = 50)]
    pub text_version: String,
}

/// Where an application stands, as a partner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApplicationResponse {
    /// The application's reference, for the GET and for the applicant.
    #[schema(example = "PL-0000042")]
    pub reference: String,
    /// The application's status (`submitted`, `pre_approved`, `referred`, `declined`, ...).
    pub status: String,
    /// `deciding` until the decision is made, then `pre_approved`, `referred` or `declined`.
    pub decision: DecisionView,
    /// The amount and term offered, when pre-approved.
    pub offer: Option<OfferView>,
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionView {
    Deciding,
    PreApproved,
    Referred,
    Declined,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OfferView {
    pub amount_cents: i64,
    pub term_days: i32,
}

impl From<PartnerApplication> for ApplicationResponse {
    fn from(a: PartnerApplication) -> ApplicationResponse {
        let decision = match a.outcome.as_deref() {
            Some("approve") => DecisionView::PreApproved,
            Some("refer") => DecisionView::Referred,
            Some("decline") => DecisionView::Declined,
            _ => DecisionView::Deciding,
        };
        let offer = match (decision, a.approved_amount_cents, a.approved_term_days) {
            (DecisionView::PreApproved, Some(amount_cents), Some(term_days)) => {
                Some(OfferView { amount_cents, term_days })
            }
            _ => None,
        };
        ApplicationResponse {
            reference: a.reference,
            status: a.status,
            decision,
            offer,
            requested_amount_cents: a.requested_amount_cents,
            requested_term_days: a.requested_term_days,
            submitted_at: a.submitted_at,
            decided_at: a.decided_at,
        }
    }
}

/// Submits an application for an applicant.
#[utoipa::path(
    post,
    path = "/api/v1/applications",
    tag = "applications",
    security(("partner_key" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes the request safe to repeat: the same key with the same body returns the first application; with another body it is refused (422). 1 to 255 printable ASCII characters.")
    ),
    request_body(content = ApplicationRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Submitted. The answer waits a few seconds for the credit decision; when the worker has not decided yet, `decision` is `deciding` and GET /api/v1/applications/{reference} shows the decision later. A repeated Idempotency-Key returns the first application (with `Idempotent-Replayed: true`).", body = ApplicationResponse,
            headers(("Location" = String, description = "The application's URL"))),
        (status = 400, description = "The body is not a JSON object", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No key, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (listed in `errors`), or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Try again shortly", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(runtime): axum::Extension<Arc<ApiRuntime>>,
    partner: Partner,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = body.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(status, "too-large", "The request body is too large")
        } else {
            Problem::malformed("the body could not be read")
        }
    })?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        });
    if !is_json {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "The body must be application/json",
        ));
    }
    let idempotency_key = match headers.get(&IDEMPOTENCY_KEY) {
        None => None,
        Some(v) => {
            let key = v.to_str().ok().filter(|k| {
                (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x21..=0x7e).contains(&b))
            });
            Some(key.ok_or_else(|| {
                Problem::invalid_field(
                    "Idempotency-Key",
                    "must be 1 to 255 printable characters without spaces",
                )
            })?)
        }
    };
    let value: Value =
        serde_json::from_slice(&body).map_err(|e| Problem::malformed(format!("not JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Problem::malformed("the body must be a JSON object"));
    };
    let now = state.clock.now();
    let today = johannesburg_date(now);
    let input = validate(map, today)?;

    let mut conn = state.db.acquire().await.map_err(|e| store_failure("submission", &e.into()))?;
    // The amount and term against the limits in force today (credit-law.md).
    let (regulations, product) =
        pricing_on(&mut conn, today).await.map_err(|e| store_failure("submission", &e))?;
    pocket_domain::quote(
        &regulations,
        &product,
        pocket_domain::Money::from_cents(input.amount_cents),
        u32::try_from(input.term_days).unwrap_or(0),
        true,
        None,
    )
    .map_err(|e| Problem::invalid(vec![quote_error(&e, "loan.amount_cents", "loan.term_days")]))?;

    let request_sha256 = hex::encode(Sha256::digest(&body));
    let mut tx = conn.begin().await.map_err(|e| store_failure("submission", &e.into()))?;
    if let Some(key) = idempotency_key {
        match api_audit::claim_idempotency_key(&mut tx, partner.partner_id, key, &request_sha256)
            .await
            .map_err(|e| store_failure("idempotency", &e))?
        {
            Claim::New => {}
            Claim::Used { request_sha256: first, application_id } => {
                if first != request_sha256 {
                    return Err(Problem::invalid_field(
                        "Idempotency-Key",
                        "was used before with a different body",
                    ));
                }
                drop(tx);
                let Some(application_id) = application_id else {
                    return Err(Problem::internal());
                };
                let found =
                    partners::application_by_id(&mut conn, partner.partner_id, application_id)
                        .await
                        .map_err(|e| store_failure("idempotent replay", &e))?
                        .ok_or_else(Problem::internal)?;
                return Ok(created(found.into(), true));
            }
        }
    }
    let application_id = record(&mut tx, &partner, &input, now).await?;
    if let Some(key) = idempotency_key {
        api_audit::complete_idempotency_key(&mut tx, partner.partner_id, key, application_id)
            .await
            .map_err(|e| store_failure("idempotency", &e))?;
    }
    tx.commit().await.map_err(|e| store_failure("submission", &e.into()))?;
    drop(conn);

    // Wait (bounded) for the worker's decision, holding no connection between looks.
    let deadline = tokio::time::Instant::now() + runtime.decision_wait;
    loop {
        let found = {
            let mut conn =
                state.db.acquire().await.map_err(|e| store_failure("status", &e.into()))?;
            partners::application_by_id(&mut conn, partner.partner_id, application_id)
                .await
                .map_err(|e| store_failure("submission status", &e))?
                .ok_or_else(Problem::internal)?
        };
        let decided = found.outcome.is_some() && found.status != "submitted";
        if decided || tokio::time::Instant::now() >= deadline {
            return Ok(created(found.into(), false));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn created(body: ApplicationResponse, replayed: bool) -> Response {
    let location = format!("/api/v1/applications/{}", body.reference);
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    if replayed {
        response.headers_mut().insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// The status of an application this partner created.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{reference}",
    tag = "applications",
    security(("partner_key" = [])),
    params(("reference" = String, Path, description = "The application's reference")),
    responses(
        (status = 200, description = "The application's status and decision", body = ApplicationResponse),
        (status = 401, description = "No key, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No application with this reference was created by this partner", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Try again shortly", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    partner: Partner,
    Path(reference): Path<String>,
) -> Result<Json<ApplicationResponse>, Problem> {
    let mut conn = state.db.acquire().await.map_err(|e| store_failure("status", &e.into()))?;
    let found = partners::application(&mut conn, partner.partner_id, &reference)
        .await
        .map_err(|e| store_failure("status", &e))?
        .ok_or_else(Problem::not_found)?;
    Ok(Json(found.into()))
}

/// A submission that passed validation.
#[derive(Debug, Clone)]
struct Valid {
    msisdn: Msisdn,
    profile: Profile,
    amount_cents: i64,
    term_days: i32,
    details: ApplicationDetails,
    consents: Vec<(ConsentPurpose, String)>,
}

/// Records the applicant, the consents and the application, and submits it, in the caller's
/// transaction.
async fn record(
    tx: &mut sqlx::PgConnection,
    partner: &Partner,
    input: &Valid,
    now: DateTime<Utc>,
) -> Result<Uuid, Problem> {
    let fail = |e: StoreError| store_failure("recording a submission", &e);
    // Two submissions for one new applicant may race to create them: the loser (refused by the
    // unique keys once the winner commits) looks again and finds the winner's row.
    let applicant_id = match applicant(tx, input, true).await? {
        Some(id) => id,
        None => applicant(tx, input, false).await?.ok_or_else(Problem::internal)?,
    };
    for (purpose, text_version) in &input.consents {
        applicants::record_consent(tx, applicant_id, *purpose, text_version, Channel::Partner)
            .await
            .map_err(fail)?;
    }
    let product_id =
        applications::product_id(tx, crate::api::quote::PRODUCT).await.map_err(fail)?;
    let created = applications::create(
        tx,
        &NewApplication {
            applicant_id,
            product_id,
            channel: Channel::Partner,
            partner_id: Some(partner.partner_id),
            created_by_officer_id: None,
            requested_amount_cents: input.amount_cents,
            requested_term_days: input.term_days,
        },
    )
    .await
    .map_err(fail)?;
    applications::update_details(tx, created.application_id, &input.details).await.map_err(
        |e| match e {
            StoreError::Rejected { constraint } => Problem::invalid_field(
                "body",
                format!("the details were refused by the rule {constraint}"),
            ),
            other => fail(other),
        },
    )?;
    decide::submit(tx, created.application_id, now).await.map_err(|e| match e {
        SubmitError::NoBureauConsent => Problem::invalid_field(
            "consents",
            "must include the applicant's consent to a credit bureau enquiry",
        ),
        SubmitError::Incomplete { constraint } => {
            Problem::invalid_field("body", format!("details are missing ({constraint})"))
        }
        SubmitError::NotADraft => Problem::internal(),
        SubmitError::Store(e) => fail(e),
        SubmitError::Notify(e) => {
            tracing::error!(error = %e, "the application-received message");
            Problem::internal()
        }
    })?;
    Ok(created.application_id)
}

/// The applicant on record with this ID and mobile number, completed or created as needed;
/// `None` when creating collided with a concurrent creation (look again, with `create` false).
async fn applicant(
    tx: &mut sqlx::PgConnection,
    input: &Valid,
    create: bool,
) -> Result<Option<Uuid>, Problem> {
    let fail = |e: StoreError| store_failure("recording an applicant", &e);
    let id_number = input.profile.id_number.as_deref().unwrap_or_default();
    let by_id = applicants::find_by_id_number(tx, id_number).await.map_err(fail)?;
    let by_mobile = applicants::find_by_msisdn(tx, &input.msisdn).await.map_err(fail)?;
    match (by_id, by_mobile) {
        (Some(a), Some(b)) if a.applicant_id == b.applicant_id => Ok(Some(a.applicant_id)),
        // Each lookup reads what was committed when it ran: a concurrent submission that created
        // this applicant between the two shows up by mobile number only, with this ID number.
        (None, Some(b)) if b.id_number.as_deref() == Some(id_number) => Ok(Some(b.applicant_id)),
        (Some(_), _) => Err(Problem::invalid_field(
            "applicant.mobile",
            "is not the mobile number on record for this ID number; the applicant can update it on the portal",
        )),
        (None, Some(b)) if b.id_number.is_none() => {
            // Known by mobile number only (a portal sign-in that went no further): complete it.
            applicants::update_profile(tx, b.applicant_id, &input.profile).await.map_err(fail)?;
            Ok(Some(b.applicant_id))
        }
        (None, Some(_)) => {
            Err(Problem::invalid_field("applicant.mobile", "is registered to another applicant"))
        }
        (None, None) if create => {
            let mut savepoint = tx.begin().await.map_err(|e| fail(e.into()))?;
            match applicants::create(&mut savepoint, &input.msisdn, &input.profile).await {
                Ok(id) => {
                    savepoint.commit().await.map_err(|e| fail(e.into()))?;
                    Ok(Some(id))
                }
                Err(StoreError::Conflict { .. }) => {
                    savepoint.rollback().await.map_err(|e| fail(e.into()))?;
                    Ok(None)
                }
                Err(e) => Err(fail(e)),
            }
        }
        (None, None) => Err(Problem::unavailable()),
    }
}

/// Reads the members of one JSON object, collecting an error per bad field.
struct Fields<'e> {
    map: Map<String, Value>,
    path: String,
    errors: &'e mut Vec<FieldError>,
}

impl<'e> Fields<'e> {
    fn name(&self, field: &str) -> String {
        if self.path.is_empty() { field.to_owned() } else { format!("{}.{field}", self.path) }
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        let name = self.name(field);
        self.errors.push(FieldError::new(name, message));
    }

    /// A required member of type `T`.
    fn take<T: serde::de::DeserializeOwned>(&mut self, field: &str, expected: &str) -> Option<T> {
        match self.map.remove(field) {
            None | Some(Value::Null) => {
                self.error(field, "is required");
                None
            }
            Some(v) => match serde_json::from_value(v) {
                Ok(v) => Some(v),
                Err(_) => {
                    self.error(field, format!("must be {expected}"));
                    None
                }
            },
        }
    }

    /// An optional member of type `T`.
    fn optional<T: serde::de::DeserializeOwned>(
        &mut self,
        field: &str,
        expected: &str,
    ) -> Option<T> {
        match self.map.get(field) {
            None | Some(Value::Null) => {
                self.map.remove(field);
                None
            }
            Some(_) => self.take(field, expected),
        }
    }

    /// Text: trimmed, not empty, at most `max` characters, no control characters.
    fn text(&mut self, field: &str, max: usize) -> Option<String> {
        let v: String = self.take(field, "text")?;
        self.check_text(field, v, max)
    }

    fn check_text(&mut self, field: &str, v: String, max: usize) -> Option<String> {
        let v = v.trim().to_owned();
        if v.is_empty() {
            self.error(field, "must not be empty");
            None
        } else if v.chars().count() > max {
            self.error(field, format!("must be at most {max} characters"));
            None
        } else if v.chars().any(char::is_control) {
            self.error(field, "must not contain control characters");
            None
        } else {
            Some(v)
        }
    }

    /// A member that is itself an object.
    fn object(&mut self, field: &str) -> Option<Fields<'_>> {
        match self.map.remove(field) {
            None | Some(Value::Null) => {
                self.error(field, "is required");
                None
            }
            Some(Value::Object(map)) => {
                let path = self.name(field);
                Some(Fields { map, path, errors: self.errors })
            }
            Some(_) => {
                self.error(field, "must be an object");
                None
            }
        }
    }

    /// Every member not read is unknown.
    fn finish(self) {
        let path = self.path;
        for key in self.map.keys() {
            let name = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            self.errors.push(FieldError::new(name, "is not a field of this request"));
        }
    }
}

fn money(f: &mut Fields<'_>, field: &str) -> Option<i64> {
    let v: i64 = f.take(field, "a whole number of cents")?;
    // Up to R10 million: far above any income or loan here, far below any overflow.
    if !(0..=1_000_000_000).contains(&v) {
        f.error(field, "must be between 0 and 1000000000 cents");
        return None;
    }
    Some(v)
}

fn payday_valid(payday: &str) -> bool {
    let parts: Vec<&str> = payday.split(':').collect();
    let weekday = |s: &str| s.parse::<chrono::Weekday>().is_ok();
    match parts.as_slice() {
        ["last_working_day"] | ["friday_before_25th"] => true,
        ["monthly", day] => day.parse().ok().is_some_and(|d| PaydayRule::fixed_day(d).is_ok()),
        ["weekly", day] => weekday(day),
        ["fortnightly", day, anchor] => weekday(day) && anchor.parse::<NaiveDate>().is_ok(),
        _ => false,
    }
}

/// Checks every field, collecting all the errors before answering.
fn validate(map: Map<String, Value>, today: NaiveDate) -> Result<Valid, Problem> {
    let mut errors = Vec::new();
    let mut root = Fields { map, path: String::new(), errors: &mut errors };

    let mut profile = Profile::default();
    let mut msisdn = None;
    if let Some(mut a) = root.object("applicant") {
        if let Some(id) = a.take::<String>("id_number", "text") {
            match SaIdNumber::parse(id.trim(), today) {
                Ok(id) => profile.id_number = Some(id.to_string()),
                Err(e) => a.error("id_number", e.to_string()),
            }
        }
        profile.first_names = a.text("first_names", MAX_TEXT);
        profile.surname = a.text("surname", MAX_TEXT);
        if let Some(m) = a.take::<String>("mobile", "text") {
            match Msisdn::parse(&m) {
                Ok(m) => msisdn = Some(m),
                Err(e) => a.error("mobile", e.to_string()),
            }
        }
        if let Some(email) = a.optional::<String>("email", "text") {
            let email = email.trim().to_owned();
            let shaped = email.len() <= 254
                && !email.chars().any(char::is_whitespace)
                && email.split_once('@').is_some_and(|(user, host)| {
                    !user.is_empty()
                        && host.contains('.')
                        && !host.contains('@')
                        && !host.starts_with('.')
                        && !host.ends_with('.')
                });
            if shaped {
                profile.email = Some(email);
            } else {
                a.error("email", "is not an email address");
            }
        }
        a.finish();
    }

    let mut loan = None;
    if let Some(mut l) = root.object("loan") {
        let amount = l.take::<i64>("amount_cents", "a whole number of cents");
        let term = l.take::<i32>("term_days", "a whole number of days");
        loan = amount.zip(term);
        l.finish();
    }

    let mut employment = None;
    if let Some(mut e) = root.object("employment") {
        let employer = e.text("employer_name", MAX_TEXT);
        let kind = e.take::<EmploymentTypeInput>(
            "employment_type",
            "one of permanent, contract, self_employed, grant, other",
        );
        let frequency =
            e.take::<PayFrequencyInput>("pay_frequency", "one of monthly, fortnightly, weekly");
        let payday = e.take::<String>("payday", "text").and_then(|p| {
            if payday_valid(p.trim()) {
                Some(p.trim().to_owned())
            } else {
                e.error("payday", "must be last_working_day, friday_before_25th, monthly:<day>, weekly:<weekday> or fortnightly:<weekday>:<YYYY-MM-DD>");
                None
            }
        });
        let gross = money(&mut e, "gross_income_cents");
        let net = money(&mut e, "net_income_cents");
        if let (Some(g), Some(n)) = (gross, net)
            && n > g
        {
            e.error("net_income_cents", "must not be more than the gross income");
        }
        employment = Some((employer, kind, frequency, payday, gross, net));
        e.finish();
    }

    let mut expenses = None;
    if let Some(mut x) = root.object("expenses") {
        expenses =
            Some((money(&mut x, "declared_expenses_cents"), money(&mut x, "declared_debt_cents")));
        x.finish();
    }

    let mut bank = None;
    if let Some(mut b) = root.object("bank") {
        let branch =
            b.take::<String>("branch_code", "text").and_then(|v| {
                match BranchCode::parse(v.trim()) {
                    Ok(c) => Some(c.as_str().to_owned()),
                    Err(e) => {
                        b.error("branch_code", e.to_string());
                        None
                    }
                }
            });
        let account = b.take::<String>("account_number", "text").and_then(|v| {
            match AccountNumber::parse(v.trim()) {
                Ok(n) => Some(n.as_str().to_owned()),
                Err(e) => {
                    b.error("account_number", e.to_string());
                    None
                }
            }
        });
        let kind = b
            .take::<i16>("account_type", "1 (current), 2 (savings) or 3 (transmission)")
            .and_then(|t| {
                if (1..=3).contains(&t) {
                    Some(t)
                } else {
                    b.error("account_type", "must be 1 (current), 2 (savings) or 3 (transmission)");
                    None
                }
            });
        let holder = b.text("account_holder", MAX_TEXT);
        bank = Some((branch, account, kind, holder));
        b.finish();
    }

    let mut consents = Vec::new();
    match root.map.remove("consents") {
        None | Some(Value::Null) => root.error("consents", "is required"),
        Some(Value::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                let Value::Object(map) = item else {
                    root.error(&format!("consents[{i}]"), "must be an object");
                    continue;
                };
                let mut c = Fields { map, path: format!("consents[{i}]"), errors: root.errors };
                let purpose = c.take::<ConsentPurposeInput>(
                    "purpose",
                    "one of bureau_enquiry, processing, marketing",
                );
                let version = c.text("text_version", 50);
                c.finish();
                if let (Some(p), Some(v)) = (purpose, version) {
                    consents.push((p, v));
                }
            }
            if !consents.iter().any(|(p, _)| *p == ConsentPurposeInput::BureauEnquiry) {
                root.error(
                    "consents",
                    "must include the applicant's consent to a credit bureau enquiry (bureau_enquiry)",
                );
            }
        }
        Some(_) => root.error("consents", "must be an array"),
    }
    root.finish();

    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    // Every field was read without error, so every part is there.
    let (
        Some(msisdn),
        Some((amount_cents, term_days)),
        Some(employment),
        Some(expenses),
        Some(bank),
    ) = (msisdn, loan, employment, expenses, bank)
    else {
        return Err(Problem::internal());
    };
    let (employer, kind, frequency, payday, gross, net) = employment;
    let (branch, account, account_type, holder) = bank;
    let details = ApplicationDetails {
        requested_amount_cents: amount_cents,
        requested_term_days: term_days,
        employer_name: employer,
        employment_type: kind.map(|k| match k {
            EmploymentTypeInput::Permanent => EmploymentType::Permanent,
            EmploymentTypeInput::Contract => EmploymentType::Contract,
            EmploymentTypeInput::SelfEmployed => EmploymentType::SelfEmployed,
            EmploymentTypeInput::Grant => EmploymentType::Grant,
            EmploymentTypeInput::Other => EmploymentType::Other,
        }),
        pay_frequency: frequency.map(|f| match f {
            PayFrequencyInput::Monthly => PayFrequency::Monthly,
            PayFrequencyInput::Fortnightly => PayFrequency::Fortnightly,
            PayFrequencyInput::Weekly => PayFrequency::Weekly,
        }),
        payday,
        gross_income_cents: gross,
        net_income_cents: net,
        declared_expenses_cents: expenses.0,
        declared_debt_cents: expenses.1,
        bank_branch_code: branch,
        bank_account_number: account,
        bank_account_type: account_type,
        bank_account_holder: holder,
    };
    let consents = consents
        .into_iter()
        .map(|(p, v)| {
            let purpose = match p {
                ConsentPurposeInput::BureauEnquiry => ConsentPurpose::BureauEnquiry,
                ConsentPurposeInput::Processing => ConsentPurpose::Processing,
                ConsentPurposeInput::Marketing => ConsentPurpose::Marketing,
            };
            (purpose, v)
        })
        .collect();
    Ok(Valid { msisdn, profile, amount_cents, term_days, details, consents })
}
