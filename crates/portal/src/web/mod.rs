//! The applicant portal: server-rendered HTML that works without JavaScript, for a phone on a
//! slow connection. Every form is a plain GET or POST (POST-redirect-GET), every POST carries a
//! CSRF token, and the two small scripts (upload progress with image downscaling, and the error
//! beacon) only improve what already works.
//!
//! - [`assets`]: the stylesheet and script, served under content-hashed URLs.
//! - [`security`]: PIN hashing, sessions, CSRF tokens, cookies, client addresses.
//! - [`signin`]: sign-in by mobile number and SMS one-time PIN.
//! - [`landing`]: the loan calculator.
//! - [`journey`]: the application's steps, saved as a draft at each one.
//! - [`account`]: the application page (deciding, offer, acceptance, signing, review request,
//!   documents, loan), the agreement, uploads.
//! - [`errors`]: the friendly error page and the browser error beacon.

pub mod account;
pub mod assets;
pub mod errors;
pub mod forms;
pub mod journey;
pub mod landing;
pub mod security;
pub mod signin;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use pocket_providers::clickatell::ClickatellClient;
use pocket_workflows::documents::DocumentStore;

use crate::server::AppState;
use crate::settings::PortalSecret;

pub use errors::WebError;

/// What the portal's handlers share besides the database and the clock (an `Extension` of the
/// public router, installed by [`crate::server::serve_on`]).
#[derive(Debug)]
pub struct Portal {
    /// The key of PIN hashes and CSRF tokens.
    pub secret: PortalSecret,
    /// Plain-HTTP development: cookies without `Secure`.
    pub development: bool,
    /// The portal's public address.
    pub public_url: String,
    /// PINs go straight to Clickatell (never through the outbox, so a PIN is never stored).
    pub sms: ClickatellClient,
    /// Uploaded documents.
    pub documents: DocumentStore,
    /// Rate limits of PIN sends and beacons.
    pub limits: Limits,
    /// Per-address counters of the error beacon.
    pub beacon: errors::BeaconLimiter,
    /// Client-side errors received by the beacon since start (tests read it).
    pub beacon_reports: AtomicU64,
}

/// How often PINs may be sent and guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// PIN sends per mobile number per window.
    pub sends_per_number: i64,
    /// PIN sends per client address per window.
    pub sends_per_address: i64,
    /// The window of the send limits.
    pub send_window: chrono::Duration,
    /// How long a PIN is valid.
    pub pin_lifetime: chrono::Duration,
    /// Wrong guesses before a PIN is void.
    pub pin_attempts: i32,
    /// How long a session lasts.
    pub session_lifetime: chrono::Duration,
    /// Beacon reports per client address per minute.
    pub beacons_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            sends_per_number: 3,
            sends_per_address: 10,
            send_window: chrono::Duration::minutes(15),
            pin_lifetime: chrono::Duration::minutes(5),
            pin_attempts: 5,
            session_lifetime: chrono::Duration::hours(12),
            beacons_per_minute: 20,
        }
    }
}

/// Shared portal context, as handlers extract it.
pub type PortalRef = Arc<Portal>;

/// The applicant pages; uploads get the larger body limit of `policy`.
pub fn router(policy: &crate::ops::HttpPolicy) -> Router<AppState> {
    let upload_limit = policy.upload_body_limit();
    Router::new()
        .route("/", get(landing::page))
        .route("/static/{file}", get(assets::serve))
        .route("/sign-in", get(signin::form).post(signin::send_pin))
        .route("/sign-in/pin", get(signin::pin_form).post(signin::verify_pin))
        .route("/sign-out", post(signin::sign_out))
        .route("/apply", get(journey::resume))
        .route("/apply/{step}", get(journey::show).post(journey::save))
        .route("/apply/submit", post(journey::submit))
        .route("/application", get(account::page))
        .route("/application/accept", post(account::accept))
        .route("/application/agreement", get(account::agreement))
        .route("/application/sign/pin", post(account::send_signing_pin))
        .route("/application/sign", post(account::sign))
        .route("/application/review", post(account::request_review))
        .route(
            "/application/documents",
            get(account::documents).post(account::upload).layer(upload_limit),
        )
        .route("/beacon", post(errors::beacon).layer(DefaultBodyLimit::max(4096)))
        .fallback(errors::not_found)
}
