//! Sign-in by mobile number and SMS one-time PIN (PRODUCT.md journey step 2): the mobile number
//! is the login. PINs are sent straight through Clickatell (never through the outbox, so a PIN
//! is never stored in clear), kept only as a keyed hash, expire in minutes, allow a few guesses,
//! and sends are limited per number and per client address.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use pocket_domain::Msisdn;
use pocket_providers::clickatell::{OutgoingSms, SmsSender};
use pocket_store::StoreError;
use pocket_store::applicants;
use pocket_store::portal::{self, OtpPurpose};
use serde::Deserialize;
use uuid::Uuid;

use super::errors::{render, render_with};
use super::forms::{Field, Form as Fields, Kind, Page};
use super::security::{
    self, CSRF_FIELD, ClientAddress, SESSION_COOKIE, VISITOR_COOKIE, check_csrf, csrf_token,
    visitor,
};
use super::{Portal, PortalRef, WebError};
use crate::server::AppState;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn {
    page: Page,
    form: Fields,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "pin.html")]
struct PinPage {
    page: Page,
    form: Fields,
    action: &'static str,
    challenge: String,
    heading: &'static str,
    intro: String,
    resend_action: &'static str,
}

fn mobile_form() -> Fields {
    Fields::new(vec![
        Field::new("mobile", "Cellphone number", Kind::Tel)
            .hint("We send a 6-digit PIN to this number. For example 082 123 4567.")
            .autocomplete("tel"),
    ])
}

/// A PIN is six digits.
fn is_pin(pin: &str) -> bool {
    pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit())
}

fn pin_fields() -> Fields {
    Fields::new(vec![
        Field::new("pin", "PIN", Kind::Digits)
            .hint("The 6 digits in the SMS we sent you.")
            .autocomplete("one-time-code"),
    ])
}

/// `GET /sign-in`.
pub async fn form(
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
) -> (CookieJar, Response) {
    let (jar, basis) = visitor(&portal, jar);
    let page = SignIn {
        page: Page::new("Sign in", csrf_token(&portal, &basis), false),
        form: mobile_form(),
        notice: None,
    };
    (jar, render(&page))
}

/// What sending a PIN may answer besides success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefused {
    /// Too many PINs for this number or address in the window.
    TooMany,
    /// Clickatell refused or could not be reached.
    NotSent,
}

/// Creates a PIN challenge and sends the PIN by SMS, within the send limits.
pub async fn issue_pin(
    state: &AppState,
    portal: &Portal,
    msisdn: &Msisdn,
    purpose: OtpPurpose,
    client_address: &str,
) -> Result<Result<Uuid, SendRefused>, WebError> {
    let now = state.clock.now();
    let since = now - portal.limits.send_window;
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let to_number =
        portal::otp_sends_to(&mut conn, msisdn, since).await.map_err(WebError::internal)?;
    let from_address = portal::otp_sends_from(&mut conn, client_address, since)
        .await
        .map_err(WebError::internal)?;
    if to_number >= portal.limits.sends_per_number
        || from_address >= portal.limits.sends_per_address
    {
        tracing::warn!(purpose = purpose.as_str(), "PIN send refused by the rate limit");
        return Ok(Err(SendRefused::TooMany));
    }
    let pin = security::new_pin();
    let hash = security::hash_pin(portal, purpose.as_str(), &msisdn.as_e164(), &pin);
    let challenge = portal::create_otp_from(
        &mut conn,
        msisdn,
        purpose,
        &hash,
        now + portal.limits.pin_lifetime,
        portal.limits.pin_attempts,
        Some(client_address),
    )
    .await
    .map_err(WebError::internal)?;
    drop(conn);
    let minutes = portal.limits.pin_lifetime.num_minutes();
    let text = match purpose {
        OtpPurpose::SignIn => format!(
            "Your Pocket Loans sign-in PIN is {pin}. It expires in {minutes} minutes. Never share it."
        ),
        OtpPurpose::SignAgreement => format!(
            "Your Pocket Loans PIN to sign your loan agreement is {pin}. It expires in {minutes} minutes. Never share it."
        ),
    };
    if portal.development {
        // Development only (POCKET_DEV_MODE): the simulator keeps SMS to itself, so the PIN is
        // shown in the portal's log to let a developer sign in. Never in production.
        tracing::info!(to = %msisdn.as_e164(), %pin, "development PIN");
    }
    let message = OutgoingSms {
        to: msisdn.clone(),
        content: text,
        client_message_id: Some(challenge.to_string()),
    };
    let outcomes = portal.sms.send(std::slice::from_ref(&message)).await;
    match outcomes.into_iter().next().map(|o| o.result) {
        Some(Ok(_)) => Ok(Ok(challenge)),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "the PIN SMS was not accepted");
            Ok(Err(SendRefused::NotSent))
        }
        None => Ok(Err(SendRefused::NotSent)),
    }
}

/// `POST /sign-in`: sends a PIN to the number given.
pub async fn send_pin(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(values): Form<HashMap<String, String>>,
) -> Result<(CookieJar, Response), WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let (jar, basis) = visitor(&portal, jar);
    let csrf = csrf_token(&portal, &basis);
    let mut form = mobile_form().fill(&values);
    form.require();
    let msisdn = match Msisdn::parse(form.get("mobile")) {
        Ok(m) => Some(m),
        Err(e) => {
            form.error("mobile", capitalise(&e.to_string()));
            None
        }
    };
    let Some(msisdn) = msisdn.filter(|_| !form.has_errors()) else {
        let page = SignIn { page: Page::new("Sign in", csrf, false), form, notice: None };
        return Ok((jar, render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)));
    };
    match issue_pin(&state, &portal, &msisdn, OtpPurpose::SignIn, &address).await? {
        Ok(challenge) => {
            Ok((jar, Redirect::to(&format!("/sign-in/pin?challenge={challenge}")).into_response()))
        }
        Err(refused) => {
            let message = match refused {
                SendRefused::TooMany => {
                    "We have sent this number several PINs already. Wait 15 minutes and try again."
                }
                SendRefused::NotSent => {
                    "We could not send the SMS just now. Please try again in a minute."
                }
            };
            form.error("mobile", message);
            let page = SignIn { page: Page::new("Sign in", csrf, false), form, notice: None };
            Ok((jar, render_with(StatusCode::TOO_MANY_REQUESTS, &page)))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ChallengeQuery {
    challenge: Option<String>,
}

/// `GET /sign-in/pin?challenge=...`.
pub async fn pin_form(
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Query(q): Query<ChallengeQuery>,
) -> Result<(CookieJar, Response), WebError> {
    let challenge = q.challenge.and_then(|c| Uuid::parse_str(&c).ok()).ok_or(WebError::SignIn)?;
    let (jar, basis) = visitor(&portal, jar);
    let page = sign_in_pin_page(csrf_token(&portal, &basis), challenge, pin_fields());
    Ok((jar, render(&page)))
}

fn sign_in_pin_page(csrf: String, challenge: Uuid, form: Fields) -> PinPage {
    PinPage {
        page: Page::new("Enter your PIN", csrf, false),
        form,
        action: "/sign-in/pin",
        challenge: challenge.to_string(),
        heading: "Enter the PIN we sent you",
        intro: "We sent a 6-digit PIN by SMS. It may take a minute to arrive.".to_owned(),
        resend_action: "/sign-in",
    }
}

/// The result of checking a PIN against its challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinCheck {
    Right {
        msisdn: Msisdn,
    },
    Wrong {
        tries_left: i32,
    },
    /// Expired, used, or out of guesses.
    Void,
}

/// Counts a guess and checks it (the attempt is counted before the comparison, in a locked
/// update, so parallel guesses cannot exceed the limit).
pub async fn check_pin(
    state: &AppState,
    portal: &Portal,
    challenge_id: Uuid,
    purpose: OtpPurpose,
    pin: &str,
) -> Result<PinCheck, WebError> {
    let now = state.clock.now();
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let challenge = match portal::record_otp_attempt(&mut conn, challenge_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return Ok(PinCheck::Void),
        Err(e) => return Err(WebError::internal(e)),
    };
    if challenge.purpose != purpose || now >= challenge.expires_at {
        return Ok(PinCheck::Void);
    }
    if !security::pin_matches(portal, &challenge.pin_hash, purpose.as_str(), &challenge.msisdn, pin)
    {
        let left = challenge.max_attempts - challenge.attempts;
        return Ok(if left > 0 { PinCheck::Wrong { tries_left: left } } else { PinCheck::Void });
    }
    match portal::mark_otp_verified(&mut conn, challenge_id, now).await {
        Ok(()) => {}
        Err(StoreError::NotFound { .. }) => return Ok(PinCheck::Void),
        Err(e) => return Err(WebError::internal(e)),
    }
    let msisdn = Msisdn::parse(&challenge.msisdn).map_err(WebError::internal)?;
    Ok(PinCheck::Right { msisdn })
}

/// The plain message for a wrong or void PIN.
pub fn pin_message(check: &PinCheck) -> String {
    match check {
        PinCheck::Wrong { tries_left: 1 } => "That PIN is not right. You have 1 more try.".to_owned(),
        PinCheck::Wrong { tries_left } => format!("That PIN is not right. You have {tries_left} more tries."),
        _ => "This PIN can no longer be used (it expired or was entered wrongly too often). Ask for a new PIN.".to_owned(),
    }
}

/// `POST /sign-in/pin`: checks the PIN and starts a session.
pub async fn verify_pin(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Form(values): Form<HashMap<String, String>>,
) -> Result<(CookieJar, Response), WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    let challenge = values
        .get("challenge")
        .and_then(|c| Uuid::parse_str(c.trim()).ok())
        .ok_or(WebError::SignIn)?;
    let mut form = pin_fields().fill(&values);
    form.require();
    let pin = form.get("pin").to_owned();
    if !form.has_errors() && !is_pin(&pin) {
        form.error("pin", "A PIN is 6 digits, like 123456");
    }
    let (jar, basis) = visitor(&portal, jar);
    if form.has_errors() {
        let page = sign_in_pin_page(csrf_token(&portal, &basis), challenge, form);
        return Ok((jar, render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)));
    }
    let check = check_pin(&state, &portal, challenge, OtpPurpose::SignIn, &pin).await?;
    let PinCheck::Right { msisdn } = check else {
        form.error("pin", pin_message(&check));
        let page = sign_in_pin_page(csrf_token(&portal, &basis), challenge, form);
        return Ok((jar, render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)));
    };
    let now = state.clock.now();
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let applicant_id =
        applicants::upsert_by_msisdn(&mut conn, &msisdn).await.map_err(WebError::internal)?;
    let token = security::new_token();
    portal::create_session(
        &mut conn,
        &security::token_hash(&token),
        &msisdn,
        Some(applicant_id),
        now + portal.limits.session_lifetime,
    )
    .await
    .map_err(WebError::internal)?;
    let jar = jar
        .add(security::cookie(&portal, SESSION_COOKIE, token, portal.limits.session_lifetime))
        .add(security::removal(&portal, VISITOR_COOKIE));
    Ok((jar, Redirect::to("/apply").into_response()))
}

/// `POST /sign-out`.
pub async fn sign_out(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Form(values): Form<HashMap<String, String>>,
) -> Result<(CookieJar, Response), WebError> {
    check_csrf(&portal, &jar, values.get(CSRF_FIELD).map(String::as_str))?;
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
        portal::revoke_session(&mut conn, &security::token_hash(&token), state.clock.now())
            .await
            .map_err(WebError::internal)?;
    }
    let jar = jar.add(security::removal(&portal, SESSION_COOKIE));
    Ok((jar, Redirect::to("/").into_response()))
}

/// A sentence starts with a capital.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The PIN page for signing the agreement.
pub fn signing_pin_page(csrf: String, challenge: Uuid, form: Option<Fields>) -> impl Template {
    PinPage {
        page: Page::new("Sign your agreement", csrf, true),
        form: form.unwrap_or_else(pin_fields),
        action: "/application/sign",
        challenge: challenge.to_string(),
        heading: "Sign your agreement with a PIN",
        intro: "We sent a 6-digit PIN by SMS. Entering it signs your loan agreement, as a signature on paper would.".to_owned(),
        resend_action: "/application/sign/pin",
    }
}

/// The PIN form, filled, for the signing step.
pub fn filled_pin_form(values: &HashMap<String, String>) -> Fields {
    let mut form = pin_fields().fill(values);
    form.require();
    let pin = form.get("pin").to_owned();
    if !form.has_errors() && !is_pin(&pin) {
        form.error("pin", "A PIN is 6 digits, like 123456");
    }
    form
}
