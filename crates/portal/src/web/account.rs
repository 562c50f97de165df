//! The applicant's own page after submitting (PRODUCT.md journey steps 5 to 7): the "deciding"
//! page that refreshes itself until the decision is there; the pre-approved offer with its
//! quote to accept (NCA s92); the agreement to read, print and sign with an SMS one-time PIN
//! (s93); a decline with its reasons and a button to ask for a human review (POPIA s71); the
//! status timeline, documents (with uploads, also those an officer asks for), and once paid out
//! the loan: balance, schedule, next debit date, settlement figure and statement.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use chrono::{DateTime, FixedOffset, Utc};
use futures_util::stream;
use pocket_domain::Msisdn;
use pocket_store::applicants::Channel;
use pocket_store::applications::{self, ApplicationStatus};
use pocket_store::documents::DocumentKind;
use pocket_store::portal::{self as store_portal, OtpPurpose};
use pocket_store::quotes::{self, QuoteStatus};
use pocket_workflows::apply::{self, ApplyError};
use pocket_workflows::documents::{DocumentError, Upload};

use super::errors::{render, render_with};
use super::forms::{Page, money};
use super::journey::{Context, context, documents_page, today, upload_form};
use super::security::{CSRF_FIELD, check_csrf};
use super::signin::{
    PinCheck, SendRefused, check_pin, filled_pin_form, issue_pin, pin_message, signing_pin_page,
};
use super::{PortalRef, WebError};
use crate::server::AppState;
use crate::web::security::ClientAddress;

fn local(at: DateTime<Utc>) -> String {
    let sast = FixedOffset::east_opt(2 * 3600).expect("BUG: UTC+2 is a valid offset");
    at.with_timezone(&sast).format("%-d %B %Y, %H:%M").to_string()
}

fn status_words(status: ApplicationStatus) -> &'static str {
    match status {
        ApplicationStatus::Draft => "Started",
        ApplicationStatus::Submitted => "Submitted",
        ApplicationStatus::PreApproved => "Pre-approved",
        ApplicationStatus::Referred => "With a loan officer",
        ApplicationStatus::DocumentsRequested => "Documents requested",
        ApplicationStatus::Declined => "Declined",
        ApplicationStatus::Approved => "Approved",
        ApplicationStatus::Signed => "Agreement signed",
        ApplicationStatus::PaidOut => "Paid out",
        ApplicationStatus::Cancelled => "Cancelled",
        ApplicationStatus::Expired => "Expired",
    }
}

/// The plain-language reason for a stored reason code (the policy's `DecisionReason::describe`
/// words, without the figures, which are not stored with the code).
pub fn reason_text(code: &str) -> &'static str {
    match code {
        "under_age" => "You are younger than the age from which we lend.",
        "income_below_minimum" => "Your take-home pay is below the minimum we lend on.",
        "bureau_no_match" => {
            "The credit bureau has no record for your ID number, so a person must check it."
        }
        "bureau_unavailable" => {
            "The credit bureau could not be reached, so a person must check your application."
        }
        "score_below_minimum" => "Your credit score is below the score we lend on.",
        "score_in_refer_band" => "Your credit score is in the range a person reviews.",
        "too_many_adverse_listings" => {
            "Your credit record has more adverse listings than we can accept."
        }
        "too_many_judgments" => "Your credit record has court judgments against it.",
        "affordability_input_invalid" => {
            "The income and expense figures could not be assessed as given."
        }
        "not_affordable" => {
            "After your expenses and debts, even our smallest loan would not be affordable for you (National Credit Act, section 81)."
        }
        "request_out_of_range" => "The amount or term asked for is outside what we lend.",
        "no_payday_in_term" => "None of your paydays falls within the term you chose.",
        "pricing_failed" => "We could not price the loan, so a person will look at it.",
        "reduced_offer" => "We can offer a smaller amount than you asked for.",
        _ => "A rule of our lending policy applied.",
    }
}

/// A line of the timeline.
#[derive(Debug, Clone)]
pub struct Event {
    pub when: String,
    pub what: &'static str,
}

/// The quote as the pages show it.
#[derive(Debug, Clone)]
pub struct QuoteView {
    pub principal: String,
    pub term_days: i32,
    pub rate: String,
    pub interest: String,
    pub initiation_fee: String,
    pub service_fees: String,
    pub vat: String,
    pub cost_of_credit: String,
    pub total_repayable: String,
    pub instalments: i32,
    pub first_instalment: String,
    pub valid_until: String,
    pub accepted: bool,
}

impl QuoteView {
    fn of(q: &quotes::Quote) -> QuoteView {
        let cost = q.interest_cents + q.initiation_fee_cents + q.service_fee_cents + q.vat_cents;
        QuoteView {
            principal: money(q.principal_cents),
            term_days: q.term_days,
            rate: format!("{}.{:02}%", q.interest_rate_bp / 100, q.interest_rate_bp % 100),
            interest: money(q.interest_cents),
            initiation_fee: money(q.initiation_fee_cents),
            service_fees: money(q.service_fee_cents),
            vat: money(q.vat_cents),
            cost_of_credit: money(cost),
            total_repayable: money(q.total_repayable_cents),
            instalments: q.instalment_count,
            first_instalment: q.first_instalment_date.format("%-d %B %Y").to_string(),
            valid_until: q.valid_until.format("%-d %B %Y").to_string(),
            accepted: q.status == QuoteStatus::Accepted,
        }
    }
}

/// A loan as the page shows it.
#[derive(Debug, Clone)]
pub struct LoanView {
    pub reference: String,
    pub status: String,
    pub principal: String,
    pub total_repayable: String,
    pub balance: String,
    pub next_debit: String,
    pub schedule: Vec<(i32, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    page: Page,
    reference: String,
    status: ApplicationStatus,
    status_text: &'static str,
    deciding: bool,
    quote: Option<QuoteView>,
    signed: Option<(String, String)>,
    reasons: Vec<&'static str>,
    review_requested: Option<String>,
    can_review: bool,
    timeline: Vec<Event>,
    documents: usize,
    loans: Vec<LoanView>,
    notice: Option<&'static str>,
}

impl ApplicationPage {
    fn is(&self, name: &str) -> bool {
        self.status.as_str() == name
    }
}

async fn application_page(
    state: &AppState,
    portal: &super::Portal,
    ctx: &Context,
    notice: Option<&'static str>,
) -> Result<Response, WebError> {
    let a = &ctx.application;
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let id = a.application_id;
    let history = applications::history(&mut conn, id).await.map_err(WebError::internal)?;
    let decision =
        applications::latest_decision(&mut conn, id).await.map_err(WebError::internal)?;
    let quote = quotes::current_for_application(&mut conn, id).await.map_err(WebError::internal)?;
    let agreement = quotes::signed_agreement(&mut conn, id).await.map_err(WebError::internal)?;
    let review =
        applications::review_requested_at(&mut conn, id).await.map_err(WebError::internal)?;
    let summaries = store_portal::loan_summary(&mut conn, &ctx.who.token_hash)
        .await
        .map_err(WebError::internal)?;
    let mut loans = Vec::new();
    for l in summaries {
        let schedule = store_portal::loan_schedule(&mut conn, &ctx.who.token_hash, l.loan_id)
            .await
            .map_err(WebError::internal)?;
        loans.push(LoanView {
            reference: l.application_reference,
            status: l.status,
            principal: money(l.principal_cents),
            total_repayable: money(l.total_repayable_cents),
            balance: money(l.balance_cents),
            next_debit: match (l.next_due_date, l.next_due_cents) {
                (Some(d), Some(c)) => format!("{} on {}", money(c), d.format("%-d %B %Y")),
                _ => "none".to_owned(),
            },
            schedule: schedule
                .into_iter()
                .map(|i| {
                    (
                        i.sequence,
                        i.due_date.format("%-d %b %Y").to_string(),
                        money(i.amount_cents),
                        money(i.paid_cents),
                        i.status,
                    )
                })
                .collect(),
        });
    }
    drop(conn);
    let documents = super::journey::document_lines(state, id).await?.len();
    let mut timeline: Vec<Event> = history
        .iter()
        .map(|h| Event { when: local(h.changed_at), what: status_words(h.to_status) })
        .collect();
    if let Some(q) = quote.as_ref().and_then(|q| q.accepted_at) {
        timeline.push(Event { when: local(q), what: "Quote accepted" });
    }
    if let Some(s) = &agreement {
        timeline.push(Event { when: local(s.signed_at), what: "Agreement signed with your PIN" });
    }
    if let Some(r) = review {
        timeline.push(Event { when: local(r), what: "Human review asked for" });
    }
    let reasons = decision
        .as_ref()
        .filter(|d| d.outcome != "approve" || a.status == ApplicationStatus::PreApproved)
        .map(|d| d.reason_codes.iter().map(|c| reason_text(c)).collect())
        .unwrap_or_default();
    let page = ApplicationPage {
        page: Page::new("Your application", ctx.who.csrf(portal), true),
        reference: a.reference.clone(),
        status: a.status,
        status_text: status_words(a.status),
        deciding: a.status == ApplicationStatus::Submitted,
        quote: quote.map(|q| QuoteView::of(&q)),
        signed: agreement
            .map(|s| (local(s.signed_at), s.cooling_off_until.format("%-d %B %Y").to_string())),
        reasons,
        can_review: review.is_none()
            && matches!(a.status, ApplicationStatus::Declined | ApplicationStatus::Referred),
        review_requested: review.map(local),
        timeline,
        documents,
        loans,
        notice,
    };
    Ok(render(&page))
}

/// `GET /application`.
pub async fn page(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let ctx = context(&state, &jar).await?;
    if ctx.application.status == ApplicationStatus::Draft {
        return Ok(Redirect::to("/apply").into_response());
    }
    application_page(&state, &portal, &ctx, None).await
}

/// `POST /application/accept`: accepts the quote (the pre-agreement statement).
pub async fn accept(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let ctx = context(&state, &jar).await?;
    if !matches!(
        ctx.application.status,
        ApplicationStatus::PreApproved | ApplicationStatus::Approved
    ) {
        return Ok(Redirect::to("/application").into_response());
    }
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    match apply::accept_quote(
        &mut conn,
        ctx.application.application_id,
        today(&state),
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/application/agreement").into_response()),
        Err(ApplyError::NoOpenQuote) => {
            drop(conn);
            application_page(&state, &portal, &ctx, Some("This quote is no longer open: it lapses after 5 business days. Call us for a new one.")).await
        }
        Err(e) => Err(WebError::internal(e)),
    }
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    page: Page,
    reference: String,
    name: String,
    id_number: String,
    mobile: String,
    address: String,
    bank: String,
    quote: QuoteView,
    signed: Option<(String, String)>,
    version: &'static str,
}

/// `GET /application/agreement`: the agreement to read, print and sign.
pub async fn agreement(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let ctx = context(&state, &jar).await?;
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let id = ctx.application.application_id;
    let quote = quotes::current_for_application(&mut conn, id)
        .await
        .map_err(WebError::internal)?
        .filter(|q| q.status == QuoteStatus::Accepted);
    let Some(quote) = quote else { return Ok(Redirect::to("/application").into_response()) };
    let signed = quotes::signed_agreement(&mut conn, id).await.map_err(WebError::internal)?;
    let p = &ctx.applicant;
    let a = &ctx.application;
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    let address = [&p.address_line1, &p.address_line2, &p.suburb, &p.city, &p.postal_code]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join(", ");
    let page = AgreementPage {
        page: Page::new("Your loan agreement", ctx.who.csrf(&portal), true),
        reference: a.reference.clone(),
        name: format!("{} {}", field(&p.first_names), field(&p.surname)).trim().to_owned(),
        id_number: field(&p.id_number),
        mobile: p.msisdn.clone(),
        address,
        bank: format!(
            "account {} at branch {}",
            field(&a.bank_account_number),
            field(&a.bank_branch_code)
        ),
        quote: QuoteView::of(&quote),
        signed: signed
            .map(|s| (local(s.signed_at), s.cooling_off_until.format("%-d %B %Y").to_string())),
        version: apply::AGREEMENT_VERSION,
    };
    Ok(render(&page))
}

/// `POST /application/sign/pin`: sends the signing PIN and shows its form.
pub async fn send_signing_pin(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let ctx = context(&state, &jar).await?;
    let msisdn = Msisdn::parse(&ctx.applicant.msisdn).map_err(WebError::internal)?;
    match issue_pin(&state, &portal, &msisdn, OtpPurpose::SignAgreement, &address).await? {
        Ok(challenge) => Ok(render(&signing_pin_page(ctx.who.csrf(&portal), challenge, None))),
        Err(refused) => {
            let notice = match refused {
                SendRefused::TooMany => {
                    "We have sent you several PINs already. Wait 15 minutes and try again."
                }
                SendRefused::NotSent => {
                    "We could not send the SMS just now. Please try again in a minute."
                }
            };
            application_page(&state, &portal, &ctx, Some(notice)).await
        }
    }
}

/// `POST /application/sign`: checks the signing PIN and signs the agreement.
pub async fn sign(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let ctx = context(&state, &jar).await?;
    let challenge = values
        .get("challenge")
        .and_then(|c| uuid::Uuid::parse_str(c.trim()).ok())
        .ok_or(WebError::NotFound)?;
    let mut form = filled_pin_form(&values);
    let csrf = ctx.who.csrf(&portal);
    if form.has_errors() {
        return Ok(render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &signing_pin_page(csrf, challenge, Some(form)),
        ));
    }
    let pin = form.get("pin").to_owned();
    let check = check_pin(&state, &portal, challenge, OtpPurpose::SignAgreement, &pin).await?;
    match check {
        PinCheck::Right { msisdn } if msisdn.as_e164() == ctx.applicant.msisdn => {}
        PinCheck::Right { .. } => return Err(WebError::NotFound),
        other => {
            form.error("pin", pin_message(&other));
            return Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &signing_pin_page(csrf, challenge, Some(form)),
            ));
        }
    }
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let calendar =
        pocket_store::parameters::calendar(&mut conn).await.map_err(WebError::internal)?;
    match apply::sign(
        &mut conn,
        ctx.application.application_id,
        challenge,
        &calendar,
        today(&state),
        state.clock.now(),
    )
    .await
    {
        Ok(_) | Err(ApplyError::AlreadySigned) => {
            Ok(Redirect::to("/application/agreement").into_response())
        }
        Err(ApplyError::QuoteNotAccepted) => Ok(Redirect::to("/application").into_response()),
        Err(e) => Err(WebError::internal(e)),
    }
}

/// `POST /application/review`: asks for a human review of the decision (POPIA s71).
pub async fn request_review(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let ctx = context(&state, &jar).await?;
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    match apply::request_review(&mut conn, ctx.application.application_id, Channel::Portal).await {
        Ok(_) | Err(ApplyError::NotDecided) => Ok(Redirect::to("/application").into_response()),
        Err(e) => Err(WebError::internal(e)),
    }
}

/// `GET /application/documents`.
pub async fn documents(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let ctx = context(&state, &jar).await?;
    documents_page(&state, &portal, &ctx, None, StatusCode::OK).await
}

fn uploads_allowed(status: ApplicationStatus) -> bool {
    !matches!(
        status,
        ApplicationStatus::Declined
            | ApplicationStatus::Cancelled
            | ApplicationStatus::Expired
            | ApplicationStatus::PaidOut
    )
}

/// The plain message for a refused upload.
fn upload_message(e: &DocumentError) -> String {
    match e {
        DocumentError::Empty => "The file is empty. Choose the file again.".to_owned(),
        DocumentError::TooLarge { limit } => format!(
            "The file is larger than {} MB. Take the photo again at a lower size, or upload a smaller PDF.",
            limit / (1024 * 1024)
        ),
        DocumentError::UnsupportedType => "The file must be a PDF or a photo (JPEG, PNG or HEIC). Other kinds of file are not accepted, whatever their name.".to_owned(),
        DocumentError::Unreadable(t) => format!("The {} is damaged or incomplete. Save or scan it again and upload it once more.", t.label()),
        DocumentError::Interrupted(_) => "The upload was interrupted or too large. Check your connection and try again.".to_owned(),
        DocumentError::Storage(_) | DocumentError::Store(_) => "We could not save the file just now. Please try again.".to_owned(),
    }
}

/// `POST /application/documents` (multipart: `csrf`, `back`, `kind`, then `file`): streams the
/// file into the document store, never holding it whole in memory. The CSRF token and the
/// document kind must come before the file.
pub async fn upload(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let ctx = context(&state, &jar).await?;
    let mut values: HashMap<String, String> = HashMap::new();
    let mut outcome: Option<Result<(), DocumentError>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                outcome = Some(Err(DocumentError::Interrupted(Box::new(e))));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            // Small text fields only.
            let text = field.text().await.unwrap_or_default();
            if text.len() <= 256 {
                values.insert(name, text);
            }
            continue;
        }
        check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
        let Some(kind) =
            values.get("kind").and_then(|k| k.parse::<DocumentKind>().ok()).filter(|k| {
                matches!(
                    k,
                    DocumentKind::IdCopy
                        | DocumentKind::Payslip
                        | DocumentKind::BankStatement
                        | DocumentKind::ProofOfAddress
                )
            })
        else {
            break;
        };
        if !uploads_allowed(ctx.application.status) {
            return Ok(Redirect::to("/application").into_response());
        }
        let file_name = field.file_name().unwrap_or("upload").to_owned();
        let body = stream::unfold(field, |mut field| async move {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    Some((Ok::<Bytes, axum::extract::multipart::MultipartError>(chunk), field))
                }
                Ok(None) => None,
                Err(e) => Some((Err(e), field)),
            }
        });
        let upload = Upload { application_id: ctx.application.application_id, kind, file_name };
        outcome = Some(portal.documents.store(&state.db, &upload, body).await.map(|stored| {
            tracing::info!(document_id = %stored.document_id, created = stored.created, "document uploaded");
        }));
        break;
    }
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let back = match values.get("back").map(String::as_str) {
        Some("/apply/documents") => "/apply/documents",
        _ => "/application/documents",
    };
    let mut form = upload_form().fill(&values);
    match outcome {
        Some(Ok(())) => return Ok(Redirect::to(back).into_response()),
        Some(Err(e)) => {
            if !e.is_applicants() {
                tracing::error!(error = %e, "storing a document failed");
            }
            form.error("file", upload_message(&e));
        }
        None => {
            form.require();
            if !form.has_errors() {
                form.error("file", "Choose a file to upload");
            }
        }
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    documents_page(&state, &portal, &ctx, Some(form), status).await
}
