//! The application as a few short steps (PRODUCT.md journey step 3): personal details,
//! employment and income, expenses and debts, bank, the loan, the consents, documents, and a
//! last look before submitting. Every step is saved to the draft when it is sent, so the
//! applicant can stop and carry on later on another device; errors are per field, in plain
//! language, from the domain's parsers.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::{FixedOffset, NaiveDate};
use pocket_domain::{AccountNumber, AccountType, BranchCode, Money, SaIdNumber};
use pocket_store::StoreError;
use pocket_store::applicants::{self, Applicant, Channel, ConsentPurpose, Profile};
use pocket_store::applications::{
    self, Application, ApplicationDetails, ApplicationStatus, EmploymentType, PayFrequency,
};
use pocket_store::documents::{self, DocumentKind};
use pocket_workflows::apply::{self, Consents};
use pocket_workflows::decide::{self, SubmitError};

use super::errors::{render, render_with};
use super::forms::{Field, Form as Fields, Kind, Page, money, rand_value};
use super::landing::{Costs, calculate};
use super::security::{self, CSRF_FIELD, check_csrf};
use super::signin::capitalise;
use super::{PortalRef, WebError};
use crate::server::AppState;

/// The civil date in Africa/Johannesburg (UTC+2 all year) by the state's clock.
pub fn today(state: &AppState) -> NaiveDate {
    let sast = FixedOffset::east_opt(2 * 3600).expect("BUG: UTC+2 is a valid offset");
    state.clock.now().with_timezone(&sast).date_naive()
}

/// The steps in order: (path, short name).
pub const STEPS: [(&str, &str); 8] = [
    ("personal", "You"),
    ("employment", "Income"),
    ("expenses", "Expenses"),
    ("bank", "Bank"),
    ("loan", "Loan"),
    ("consents", "Consents"),
    ("documents", "Documents"),
    ("review", "Submit"),
];

/// One item of the step list.
#[derive(Debug, Clone)]
pub struct StepLink {
    pub label: &'static str,
    pub current: bool,
}

fn step_links(current: &str) -> Vec<StepLink> {
    STEPS.iter().map(|(path, label)| StepLink { label, current: *path == current }).collect()
}

fn next_step(current: &str) -> &'static str {
    let i = STEPS.iter().position(|(p, _)| *p == current).unwrap_or(0);
    STEPS.get(i + 1).map(|(p, _)| *p).unwrap_or("review")
}

#[derive(Template)]
#[template(path = "step.html")]
struct StepPage {
    page: Page,
    steps: Vec<StepLink>,
    heading: &'static str,
    intro: &'static str,
    action: String,
    form: Fields,
    costs: Option<Costs>,
    button: &'static str,
}

/// The signed-in applicant's profile and current application (a draft is started when there
/// is none).
#[derive(Debug)]
pub struct Context {
    pub who: security::Applicant,
    pub applicant: Applicant,
    pub application: Application,
}

pub async fn context(state: &AppState, jar: &CookieJar) -> Result<Context, WebError> {
    let who = security::applicant(state, jar, state.clock.now()).await?;
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let applicant =
        applicants::get(&mut conn, who.applicant_id).await.map_err(WebError::internal)?;
    let application = apply::current_or_new(&mut conn, who.applicant_id, 200_000, 30)
        .await
        .map_err(WebError::internal)?;
    Ok(Context { who, applicant, application })
}

/// `GET /apply`: the first step not yet done, or the application page once submitted.
pub async fn resume(State(state): State<AppState>, jar: CookieJar) -> Result<Redirect, WebError> {
    let ctx = context(&state, &jar).await?;
    if ctx.application.status != ApplicationStatus::Draft {
        return Ok(Redirect::to("/application"));
    }
    let a = &ctx.application;
    let p = &ctx.applicant;
    let step = if p.id_number.is_none() || p.surname.is_none() {
        "personal"
    } else if a.net_income_cents.is_none() || a.payday.is_none() {
        "employment"
    } else if a.declared_expenses_cents.is_none() {
        "expenses"
    } else if a.bank_account_number.is_none() {
        "bank"
    } else {
        "loan"
    };
    Ok(Redirect::to(&format!("/apply/{step}")))
}

const EMPLOYMENT: [(&str, &str); 5] = [
    ("permanent", "Permanent"),
    ("contract", "Contract"),
    ("self_employed", "Self-employed"),
    ("grant", "Social grant"),
    ("other", "Other"),
];
const FREQUENCY: [(&str, &str); 3] =
    [("monthly", "Monthly"), ("fortnightly", "Every two weeks"), ("weekly", "Weekly")];
const PAYDAY: [(&str, &str); 8] = [
    ("last_working_day", "Last working day of the month"),
    ("friday_before_25th", "Friday before the 25th"),
    ("monthly:25", "The 25th of the month"),
    ("monthly:15", "The 15th of the month"),
    ("monthly:1", "The 1st of the month"),
    ("monthly:7", "The 7th of the month"),
    ("weekly:fri", "Every Friday"),
    ("fortnightly:fri:2026-01-02", "Every second Friday (from 2 January 2026)"),
];
const ACCOUNT_TYPE: [(&str, &str); 3] =
    [("1", "Cheque or current"), ("2", "Savings"), ("3", "Transmission")];

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// The form of a step, filled from what is stored.
fn stored_form(step: &str, ctx: &Context, consents: &[applicants::Consent]) -> Option<Fields> {
    let p = &ctx.applicant;
    let a = &ctx.application;
    let fields = match step {
        "personal" => vec![
            Field::new("first_names", "First names", Kind::Text)
                .autocomplete("given-name")
                .value(opt(&p.first_names)),
            Field::new("surname", "Surname", Kind::Text)
                .autocomplete("family-name")
                .value(opt(&p.surname)),
            Field::new("id_number", "South African ID number", Kind::Digits)
                .hint("13 digits, as in your ID book or on your smart ID card.")
                .value(opt(&p.id_number)),
            Field::new("email", "Email address", Kind::Email)
                .optional()
                .autocomplete("email")
                .value(opt(&p.email)),
            Field::new("address_line1", "Street address", Kind::Text)
                .autocomplete("address-line1")
                .value(opt(&p.address_line1)),
            Field::new("address_line2", "Address line 2", Kind::Text)
                .optional()
                .autocomplete("address-line2")
                .value(opt(&p.address_line2)),
            Field::new("suburb", "Suburb", Kind::Text)
                .optional()
                .autocomplete("address-level3")
                .value(opt(&p.suburb)),
            Field::new("city", "Town or city", Kind::Text)
                .autocomplete("address-level2")
                .value(opt(&p.city)),
            Field::new("postal_code", "Postal code", Kind::Digits)
                .autocomplete("postal-code")
                .value(opt(&p.postal_code)),
        ],
        "employment" => vec![
            Field::new("employer_name", "Employer", Kind::Text)
                .hint("Who pays you. For a grant, write SASSA.")
                .value(opt(&a.employer_name)),
            Field::new("employment_type", "Kind of work", Kind::Select)
                .choices(&EMPLOYMENT)
                .value(a.employment_type.map(|e| e.as_str()).unwrap_or("")),
            Field::new("pay_frequency", "How often you are paid", Kind::Select)
                .choices(&FREQUENCY)
                .value(a.pay_frequency.map(|e| e.as_str()).unwrap_or("")),
            Field::new("payday", "Payday", Kind::Select)
                .hint("We collect repayments on your payday.")
                .choices(&PAYDAY)
                .value(opt(&a.payday)),
            Field::new("gross_income", "Monthly income before deductions (rand)", Kind::Rand)
                .hint("As on your payslip, before tax and deductions.")
                .value(rand_value(a.gross_income_cents)),
            Field::new("net_income", "Monthly take-home pay (rand)", Kind::Rand)
                .hint("What reaches your bank account.")
                .value(rand_value(a.net_income_cents)),
        ],
        "expenses" => vec![
            Field::new("declared_expenses", "Monthly living expenses (rand)", Kind::Rand)
                .hint("Rent, food, transport, school fees, electricity, phone.")
                .value(rand_value(a.declared_expenses_cents)),
            Field::new("declared_debt", "Monthly debt repayments (rand)", Kind::Rand)
                .hint("Other loans, store cards, credit cards, car payments. Enter 0 if none.")
                .value(rand_value(a.declared_debt_cents)),
        ],
        "bank" => vec![
            Field::new("account_holder", "Account holder's name", Kind::Text)
                .hint("The account must be in your own name.")
                .value(opt(&a.bank_account_holder)),
            Field::new("branch_code", "Branch code", Kind::Digits)
                .hint("6 digits. Most banks use one code for all branches, e.g. Capitec 470010.")
                .value(opt(&a.bank_branch_code)),
            Field::new("account_number", "Account number", Kind::Digits)
                .value(opt(&a.bank_account_number)),
            Field::new("account_type", "Account type", Kind::Select)
                .choices(&ACCOUNT_TYPE)
                .value(a.bank_account_type.map(|t| t.to_string()).unwrap_or_default()),
        ],
        "loan" => vec![
            Field::new("amount", "How much do you want to borrow? (rand)", Kind::Rand)
                .value(rand_value(Some(a.requested_amount_cents))),
            Field::new("term", "For how many days?", Kind::Digits)
                .hint("You repay on your paydays within this time.")
                .value(a.requested_term_days.to_string()),
        ],
        "consents" => {
            let has = |purpose| consents.iter().any(|c| c.purpose == purpose && c.is_active());
            vec![
                Field::new("bureau_enquiry", "I agree that Pocket Loans may get my credit report from a credit bureau to assess this application.", Kind::Checkbox)
                    .hint("Required. We look at your credit record only for this application (POPIA section 11).")
                    .checked(has(ConsentPurpose::BureauEnquiry)),
                Field::new("processing", "I agree that Pocket Loans may process my personal information to assess and manage my loan.", Kind::Checkbox)
                    .hint("Required. See our privacy notice for what we keep and for how long.")
                    .checked(has(ConsentPurpose::Processing)),
                Field::new("marketing", "Send me offers from Pocket Loans by SMS and email.", Kind::Checkbox)
                    .optional()
                    .hint("Optional. You can stop them at any time.")
                    .checked(has(ConsentPurpose::Marketing)),
            ]
        }
        _ => return None,
    };
    Some(Fields::new(fields))
}

fn step_text(step: &str) -> (&'static str, &'static str) {
    match step {
        "personal" => {
            ("About you", "We need these to identify you and to send you your agreement.")
        }
        "employment" => {
            ("Your work and income", "This helps us check that the loan is affordable for you.")
        }
        "expenses" => (
            "Your expenses and debts",
            "Be as accurate as you can: we compare these with national norms and your credit record.",
        ),
        "bank" => (
            "Your bank account",
            "We pay the loan into this account and collect repayments from it by debit order.",
        ),
        "loan" => {
            ("Your loan", "Choose the amount and how long you need it. The cost is shown below.")
        }
        "consents" => (
            "Your consent",
            "We record what you agree to, when, and the version of the text you saw.",
        ),
        _ => ("", ""),
    }
}

async fn draw_step(
    state: &AppState,
    portal: &super::Portal,
    ctx: &Context,
    step: &str,
    form: Fields,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (heading, intro) = step_text(step);
    let costs = if step == "loan" {
        let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
        let amount = Money::from_cents(ctx.application.requested_amount_cents);
        let term = u32::try_from(ctx.application.requested_term_days).unwrap_or(30);
        calculate(&mut conn, amount, term, today(state))
            .await?
            .0
            .ok()
            .map(|q| Costs::from_quote(&q))
    } else {
        None
    };
    let page = StepPage {
        page: Page::new(heading, ctx.who.csrf(portal), true),
        steps: step_links(step),
        heading,
        intro,
        action: format!("/apply/{step}"),
        form,
        costs,
        button: "Save and continue",
    };
    Ok(render_with(status, &page))
}

/// `GET /apply/{step}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Path(step): Path<String>,
) -> Result<Response, WebError> {
    let ctx = context(&state, &jar).await?;
    if ctx.application.status != ApplicationStatus::Draft {
        return Ok(Redirect::to("/application").into_response());
    }
    match step.as_str() {
        "documents" => return documents_page(&state, &portal, &ctx, None, StatusCode::OK).await,
        "review" => return review_page(&state, &portal, &ctx, None).await,
        _ => {}
    }
    let consents = {
        let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
        applicants::consents(&mut conn, ctx.applicant.applicant_id)
            .await
            .map_err(WebError::internal)?
    };
    let form = stored_form(&step, &ctx, &consents).ok_or(WebError::NotFound)?;
    draw_step(&state, &portal, &ctx, &step, form, StatusCode::OK).await
}

/// Limits of free text: a name or address line is at most this long.
const MAX_TEXT: usize = 120;

/// `POST /apply/{step}`: validates, saves the draft, and goes to the next step.
pub async fn save(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Path(step): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let ctx = context(&state, &jar).await?;
    if ctx.application.status != ApplicationStatus::Draft {
        return Ok(Redirect::to("/application").into_response());
    }
    let mut form = stored_form(&step, &ctx, &[]).ok_or(WebError::NotFound)?.fill(&values);
    form.require();
    for f in form.fields.clone() {
        if f.value.chars().count() > MAX_TEXT {
            form.error(f.name, format!("{} must be {MAX_TEXT} characters or fewer", f.label));
        }
    }
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let mut details = details_of(&ctx.application);
    match step.as_str() {
        "personal" => {
            let id = match SaIdNumber::parse(form.get("id_number"), today(&state)) {
                Ok(id) => Some(id),
                Err(e) if !form.get("id_number").is_empty() => {
                    form.error("id_number", format!("Enter a valid South African ID number: {e}"));
                    None
                }
                Err(_) => None,
            };
            let email = form.optional("email");
            if let Some(e) = &email {
                let valid = e.split_once('@').is_some_and(|(user, domain)| {
                    !user.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }) && !e.chars().any(char::is_whitespace)
                    && e.matches('@').count() == 1;
                if !valid {
                    form.error(
                        "email",
                        "Enter an email address like name@example.co.za, or leave it empty",
                    );
                }
            }
            let postal = form.get("postal_code").to_owned();
            let four_digits = postal.len() == 4 && postal.bytes().all(|b| b.is_ascii_digit());
            if !postal.is_empty() && !four_digits {
                form.error("postal_code", "A postal code has 4 digits, like 2001");
            }
            if !form.has_errors() {
                let id = id.expect("BUG: no error means the ID number parsed");
                let profile = Profile {
                    id_number: Some(id.to_string()),
                    first_names: form.optional("first_names"),
                    surname: form.optional("surname"),
                    email,
                    date_of_birth: Some(id.birth_date()),
                    address_line1: form.optional("address_line1"),
                    address_line2: form.optional("address_line2"),
                    suburb: form.optional("suburb"),
                    city: form.optional("city"),
                    postal_code: form.optional("postal_code"),
                };
                match applicants::update_profile(&mut conn, ctx.applicant.applicant_id, &profile).await {
                    Ok(()) => {}
                    Err(StoreError::Conflict { .. }) => form.error(
                        "id_number",
                        "This ID number is already registered with another cellphone number. Sign in with that number, or call us.",
                    ),
                    Err(e) => return Err(WebError::internal(e)),
                }
            }
        }
        "employment" => {
            details.employer_name = form.optional("employer_name");
            details.employment_type = form.get("employment_type").parse::<EmploymentType>().ok();
            details.pay_frequency = form.get("pay_frequency").parse::<PayFrequency>().ok();
            let payday = form.get("payday").to_owned();
            if !payday.is_empty() && !PAYDAY.iter().any(|(v, _)| *v == payday) {
                form.error("payday", "Choose your payday from the list");
            }
            if !form.get("employment_type").is_empty() && details.employment_type.is_none() {
                form.error("employment_type", "Choose your kind of work from the list");
            }
            let frequency = form.get("pay_frequency").to_owned();
            if !frequency.is_empty() && details.pay_frequency.is_none() {
                form.error("pay_frequency", "Choose how often you are paid from the list");
            }
            let fits = match frequency.as_str() {
                "weekly" => payday.starts_with("weekly:"),
                "fortnightly" => payday.starts_with("fortnightly:"),
                _ => !payday.starts_with("weekly:") && !payday.starts_with("fortnightly:"),
            };
            if !payday.is_empty() && !frequency.is_empty() && !fits {
                form.error("payday", "This payday does not match how often you are paid");
            }
            details.payday = Some(payday).filter(|p| !p.is_empty());
            details.gross_income_cents = form.rand("gross_income");
            details.net_income_cents = form.rand("net_income");
            if let (Some(g), Some(n)) = (details.gross_income_cents, details.net_income_cents)
                && n > g
            {
                form.error(
                    "net_income",
                    "Take-home pay cannot be more than income before deductions",
                );
            }
        }
        "expenses" => {
            details.declared_expenses_cents = form.rand("declared_expenses");
            details.declared_debt_cents = form.rand("declared_debt");
        }
        "bank" => {
            details.bank_account_holder = form.optional("account_holder");
            match BranchCode::parse(form.get("branch_code")) {
                Ok(b) => details.bank_branch_code = Some(b.as_str().to_owned()),
                Err(e) if !form.get("branch_code").is_empty() => {
                    form.error("branch_code", capitalise(&e.to_string()))
                }
                Err(_) => {}
            }
            match AccountNumber::parse(form.get("account_number")) {
                Ok(a) => details.bank_account_number = Some(a.as_str().to_owned()),
                Err(e) if !form.get("account_number").is_empty() => {
                    form.error("account_number", capitalise(&e.to_string()))
                }
                Err(_) => {}
            }
            match AccountType::parse(form.get("account_type")) {
                Ok(t) => details.bank_account_type = Some(i16::from(t.code())),
                Err(_) if !form.get("account_type").is_empty() => {
                    form.error("account_type", "Choose the account type from the list")
                }
                Err(_) => {}
            }
        }
        "loan" => {
            let amount = form.rand("amount");
            let term = form.get("term").parse::<u32>();
            if term.is_err() && !form.get("term").is_empty() {
                form.error("term", "Enter the number of days, like 30");
            }
            if let (Some(amount), Ok(term)) = (amount, term) {
                let (priced, _) =
                    calculate(&mut conn, Money::from_cents(amount), term, today(&state)).await?;
                match priced {
                    Ok(_) => {
                        details.requested_amount_cents = amount;
                        details.requested_term_days = i32::try_from(term).unwrap_or(i32::MAX);
                    }
                    Err(e) if e.to_lowercase().contains("days") => form.error("term", e),
                    Err(e) => form.error("amount", e),
                }
            }
        }
        "consents" => {
            if !form.has_errors() {
                let consents = Consents {
                    bureau_enquiry: form.is_checked("bureau_enquiry"),
                    processing: form.is_checked("processing"),
                    marketing: form.is_checked("marketing"),
                };
                apply::record_consents(
                    &mut conn,
                    ctx.applicant.applicant_id,
                    consents,
                    Channel::Portal,
                )
                .await
                .map_err(WebError::internal)?;
            }
        }
        _ => return Err(WebError::NotFound),
    }
    if matches!(step.as_str(), "employment" | "expenses" | "bank" | "loan") && !form.has_errors() {
        match applications::update_details(&mut conn, ctx.application.application_id, &details)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Rejected { constraint }) => {
                tracing::info!(constraint = %constraint, "a step was refused by a constraint");
                let first = form
                    .fields
                    .iter()
                    .find(|f| f.kind != Kind::Select)
                    .map(|f| f.name)
                    .unwrap_or("amount");
                form.error(first, "Please check these details: one of them is not possible");
            }
            Err(e) => return Err(WebError::internal(e)),
        }
    }
    drop(conn);
    if form.has_errors() {
        return draw_step(&state, &portal, &ctx, &step, form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    }
    Ok(Redirect::to(&format!("/apply/{}", next_step(&step))).into_response())
}

fn details_of(a: &Application) -> ApplicationDetails {
    ApplicationDetails {
        requested_amount_cents: a.requested_amount_cents,
        requested_term_days: a.requested_term_days,
        employer_name: a.employer_name.clone(),
        employment_type: a.employment_type,
        pay_frequency: a.pay_frequency,
        payday: a.payday.clone(),
        gross_income_cents: a.gross_income_cents,
        net_income_cents: a.net_income_cents,
        declared_expenses_cents: a.declared_expenses_cents,
        declared_debt_cents: a.declared_debt_cents,
        bank_branch_code: a.bank_branch_code.clone(),
        bank_account_number: a.bank_account_number.clone(),
        bank_account_type: a.bank_account_type,
        bank_account_holder: a.bank_account_holder.clone(),
    }
}

/// One uploaded document as the pages list it.
#[derive(Debug, Clone)]
pub struct DocumentLine {
    pub kind: &'static str,
    pub file_name: String,
    pub size: String,
    pub status: &'static str,
}

pub const DOCUMENT_KINDS: [(&str, &str); 4] = [
    ("id_copy", "Copy of your ID"),
    ("payslip", "Payslip"),
    ("bank_statement", "Bank statement"),
    ("proof_of_address", "Proof of address"),
];

pub fn kind_label(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::IdCopy => "Copy of your ID",
        DocumentKind::Payslip => "Payslip",
        DocumentKind::BankStatement => "Bank statement",
        DocumentKind::ProofOfAddress => "Proof of address",
        DocumentKind::Agreement => "Agreement",
        DocumentKind::Other => "Other",
    }
}

pub async fn document_lines(
    state: &AppState,
    application_id: uuid::Uuid,
) -> Result<Vec<DocumentLine>, WebError> {
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let docs =
        documents::for_application(&mut conn, application_id).await.map_err(WebError::internal)?;
    Ok(docs
        .into_iter()
        .map(|d| DocumentLine {
            kind: kind_label(d.kind),
            file_name: d.file_name,
            size: if d.size_bytes >= 1024 * 1024 {
                format!("{:.1} MB", d.size_bytes as f64 / (1024.0 * 1024.0))
            } else {
                format!("{} KB", (d.size_bytes + 1023) / 1024)
            },
            status: match d.verification_status {
                documents::Verification::Pending => "received",
                documents::Verification::Verified => "checked",
                documents::Verification::Rejected => "not accepted, please upload again",
            },
        })
        .collect())
}

#[derive(Debug, Template)]
#[template(path = "documents.html")]
pub struct DocumentsPage {
    pub page: Page,
    pub steps: Vec<StepLink>,
    pub form: Fields,
    pub documents: Vec<DocumentLine>,
    pub back_to: &'static str,
    pub max_mb: u64,
    pub in_journey: bool,
}

pub fn upload_form() -> Fields {
    Fields::new(vec![
        Field::new("kind", "Which document is this?", Kind::Select).choices(&DOCUMENT_KINDS),
        Field::new("file", "File", Kind::File).hint("Take a clear photo, or choose a PDF."),
    ])
}

/// The documents step (or the documents part of the application page, `back_to` says which).
pub async fn documents_page(
    state: &AppState,
    portal: &super::Portal,
    ctx: &Context,
    form: Option<Fields>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let in_journey = ctx.application.status == ApplicationStatus::Draft;
    let page = DocumentsPage {
        page: Page::new("Your documents", ctx.who.csrf(portal), true),
        steps: step_links("documents"),
        form: form.unwrap_or_else(upload_form),
        documents: document_lines(state, ctx.application.application_id).await?,
        back_to: if in_journey { "/apply/documents" } else { "/application" },
        max_mb: portal.documents.max_bytes() / (1024 * 1024),
        in_journey,
    };
    Ok(render_with(status, &page))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    page: Page,
    steps: Vec<StepLink>,
    problem: Option<(String, &'static str)>,
    rows: Vec<(&'static str, String, &'static str)>,
    documents: usize,
}

async fn review_page(
    state: &AppState,
    portal: &super::Portal,
    ctx: &Context,
    problem: Option<(&'static str, String)>,
) -> Result<Response, WebError> {
    let p = &ctx.applicant;
    let a = &ctx.application;
    let name = format!("{} {}", opt(&p.first_names), opt(&p.surname)).trim().to_owned();
    let rows = vec![
        ("Name", name, "personal"),
        ("ID number", opt(&p.id_number), "personal"),
        ("Cellphone", p.msisdn.clone(), "personal"),
        ("Employer", opt(&a.employer_name), "employment"),
        ("Take-home pay", a.net_income_cents.map(money).unwrap_or_default(), "employment"),
        ("Living expenses", a.declared_expenses_cents.map(money).unwrap_or_default(), "expenses"),
        ("Debt repayments", a.declared_debt_cents.map(money).unwrap_or_default(), "expenses"),
        ("Bank account", opt(&a.bank_account_number), "bank"),
        (
            "Loan",
            format!("{} for {} days", money(a.requested_amount_cents), a.requested_term_days),
            "loan",
        ),
    ];
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let problem = problem.map(|(step, message)| (message, step));
    let documents = document_lines(state, a.application_id).await?.len();
    let page = ReviewPage {
        page: Page::new("Check and submit", ctx.who.csrf(portal), true),
        steps: step_links("review"),
        problem,
        rows,
        documents,
    };
    Ok(render_with(status, &page))
}

/// `POST /apply/submit`: submits the draft; the decision follows in seconds.
pub async fn submit(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let ctx = context(&state, &jar).await?;
    if ctx.application.status != ApplicationStatus::Draft {
        return Ok(Redirect::to("/application").into_response());
    }
    let p = &ctx.applicant;
    if p.id_number.is_none() || p.surname.is_none() {
        return review_page(
            &state,
            &portal,
            &ctx,
            Some(("personal", "Fill in your personal details first".to_owned())),
        )
        .await;
    }
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let processing =
        applicants::active_consent(&mut conn, p.applicant_id, ConsentPurpose::Processing)
            .await
            .map_err(WebError::internal)?;
    if processing.is_none() {
        drop(conn);
        return review_page(
            &state,
            &portal,
            &ctx,
            Some((
                "consents",
                "Give your consent on the consents step before you submit".to_owned(),
            )),
        )
        .await;
    }
    let outcome =
        decide::submit(&mut conn, ctx.application.application_id, state.clock.now()).await;
    drop(conn);
    match outcome {
        Ok(_) => Ok(Redirect::to("/application").into_response()),
        Err(SubmitError::NoBureauConsent) => {
            review_page(&state, &portal, &ctx, Some(("consents", "We need your consent to a credit bureau enquiry before we can assess your application".to_owned()))).await
        }
        Err(SubmitError::Incomplete { .. }) => {
            review_page(&state, &portal, &ctx, Some(("employment", "Some details are missing: check your income, expenses and bank details".to_owned()))).await
        }
        Err(SubmitError::NotADraft) => Ok(Redirect::to("/application").into_response()),
        Err(e) => Err(WebError::internal(e)),
    }
}

impl IntoResponse for DocumentsPage {
    fn into_response(self) -> Response {
        render(&self)
    }
}
