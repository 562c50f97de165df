//! When something goes wrong: a friendly page with a reference that support can find in the
//! logs and in Sentry (scrubbed of personal data by `pocket_providers::telemetry`), never a stack
//! trace or an internal message; and the browser error beacon (`POST /beacon`), limited in size
//! and rate, that brings client-side errors into the same logs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::PortalRef;
use super::forms::Page;
use super::security::ClientAddress;

/// What a handler can fail with; every variant becomes a page a person can act on.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in (or the session ended): to the sign-in page.
    SignIn,
    /// The form's CSRF token is missing or wrong.
    Csrf,
    NotFound,
    /// Something of ours failed; the detail goes to the logs only.
    Internal(String),
}

impl WebError {
    pub fn internal(e: impl std::fmt::Display) -> WebError {
        WebError::Internal(e.to_string())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    heading: &'static str,
    message: &'static str,
    reference: Option<String>,
    next_href: &'static str,
    next_label: &'static str,
}

/// Draws a template, or the plain error page if drawing fails.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => WebError::internal(format!("template: {e}")).into_response(),
    }
}

/// Draws a template with a status (422 for a form with errors).
pub fn render_with(status: StatusCode, template: &impl Template) -> Response {
    let mut response = render(template);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading, message, reference, next_href, next_label) = match self {
            WebError::SignIn => return Redirect::to("/sign-in").into_response(),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "Please try that again",
                "The page you used was out of date, so nothing was changed. Go back, reload the page and try again.",
                None,
                "/apply",
                "Back to my application",
            ),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "We could not find that page. Check the address, or start from the home page.",
                None,
                "/",
                "Go to the home page",
            ),
            WebError::Internal(detail) => {
                let reference = reference();
                tracing::error!(reference = %reference, error = %detail, "portal request failed");
                // Scrubbed on the way out (telemetry::scrub_event is the client's before_send).
                sentry::capture_message(
                    &format!("portal request failed [{reference}]: {detail}"),
                    sentry::Level::Error,
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, something went wrong on our side",
                    "Your details are safe and nothing was lost. Please try again in a few minutes.",
                    Some(reference),
                    "/apply",
                    "Back to my application",
                )
            }
        };
        let page = ErrorPage {
            page: Page::new(heading, "", false),
            heading,
            message,
            reference,
            next_href,
            next_label,
        };
        let html = page.render().unwrap_or_else(|_| heading.to_owned());
        (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
    }
}

/// A short reference a person can read out on the phone, e.g. `E-7K3QX9M2`.
fn reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    let code: String = (0..8).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("E-{code}")
}

/// The fallback route.
pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// Per-address counters of beacon reports in the current minute.
#[derive(Debug, Default)]
pub struct BeaconLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl BeaconLimiter {
    /// Whether another report from `address` is accepted (at most `per_minute` a minute).
    pub fn allow(&self, address: &str, per_minute: u32) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = windows.entry(address.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= per_minute
    }
}

/// The largest beacon report read (the route's body limit is a little above it).
pub const BEACON_MAX_BYTES: usize = 2048;

/// `POST /beacon`: a client-side error report from the portal's own script. Logged (scrubbed
/// text only, never stored), limited per address; always answers 204 or 429 without detail.
pub async fn beacon(
    Extension(portal): Extension<PortalRef>,
    ClientAddress(address): ClientAddress,
    body: Bytes,
) -> StatusCode {
    if !portal.beacon.allow(&address, portal.limits.beacons_per_minute) {
        return StatusCode::TOO_MANY_REQUESTS;
    }
    if body.is_empty() || body.len() > BEACON_MAX_BYTES {
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    let text = String::from_utf8_lossy(&body);
    let scrubbed = pocket_providers::telemetry::scrub_text(&text);
    portal.beacon_reports.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(target: "pocket::beacon", report = %scrubbed, "client-side error");
    StatusCode::NO_CONTENT
}
