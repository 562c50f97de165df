//! The portal's secrets at work: one-time PINs (only a keyed hash is stored), session tokens
//! (the cookie holds a random token, the database its SHA-256), CSRF tokens (a keyed hash of the
//! visitor's cookie, checked on every POST), cookies and the client's address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use pocket_store::portal::{self, PortalSession};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{Portal, WebError};
use crate::server::AppState;

/// The session cookie (a random token; the database keeps its SHA-256).
pub const SESSION_COOKIE: &str = "pl_session";
/// The anonymous visitor's cookie, the basis of CSRF tokens before sign-in.
pub const VISITOR_COOKIE: &str = "pl_visitor";
/// The hidden form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

type HmacSha256 = Hmac<Sha256>;

fn keyed(portal: &Portal, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac =
        HmacSha256::new_from_slice(portal.secret.expose()).expect("BUG: HMAC takes any key");
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// A random 6-digit PIN.
pub fn new_pin() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

/// The stored form of a PIN: a random salt and HMAC-SHA256 under the portal's key over the
/// salt, the purpose, the mobile number and the PIN. Without the key, a stolen table does not
/// give the PINs away (a plain hash of six digits would fall to a million guesses).
pub fn hash_pin(portal: &Portal, purpose: &str, msisdn_e164: &str, pin: &str) -> String {
    let salt: [u8; 16] = rand::thread_rng().r#gen();
    let salt = hex::encode(salt);
    let mac = keyed(
        portal,
        &[b"pin", salt.as_bytes(), purpose.as_bytes(), msisdn_e164.as_bytes(), pin.as_bytes()],
    );
    format!("{salt}:{}", hex::encode(mac))
}

/// Whether `pin` matches a stored hash (constant time).
pub fn pin_matches(
    portal: &Portal,
    stored: &str,
    purpose: &str,
    msisdn_e164: &str,
    pin: &str,
) -> bool {
    let Some((salt, expected)) = stored.split_once(':') else { return false };
    let Ok(expected) = hex::decode(expected) else { return false };
    let pin: String = pin.chars().filter(|c| !c.is_whitespace()).collect();
    let mac = keyed(
        portal,
        &[b"pin", salt.as_bytes(), purpose.as_bytes(), msisdn_e164.as_bytes(), pin.as_bytes()],
    );
    mac.ct_eq(expected.as_slice()).into()
}

/// A new random token for a cookie (256 bits, hex).
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

/// The SHA-256 (hex) under which a session token is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a visitor: a keyed hash of their session or visitor cookie, so a page of
/// another site can neither read nor forge it.
pub fn csrf_token(portal: &Portal, basis: &str) -> String {
    hex::encode(keyed(portal, &[b"csrf", basis.as_bytes()]))
}

/// Checks the form's CSRF token against the visitor's cookies.
pub fn check_csrf(
    portal: &Portal,
    jar: &CookieJar,
    submitted: Option<&str>,
) -> Result<(), WebError> {
    let basis = jar
        .get(SESSION_COOKIE)
        .or_else(|| jar.get(VISITOR_COOKIE))
        .map(|c| c.value().to_owned())
        .ok_or(WebError::Csrf)?;
    let expected = csrf_token(portal, &basis);
    let submitted = submitted.ok_or(WebError::Csrf)?;
    if expected.as_bytes().ct_eq(submitted.as_bytes()).into() {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// A cookie of the portal: HttpOnly, SameSite=Lax, Secure outside development, whole site.
pub fn cookie(
    portal: &Portal,
    name: &'static str,
    value: String,
    max_age: chrono::Duration,
) -> Cookie<'static> {
    let secure = if portal.development { "" } else { "; Secure" };
    let text = format!(
        "{name}={value}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        max_age.num_seconds().max(0)
    );
    Cookie::parse(text).unwrap_or_else(|_| Cookie::new(name, ""))
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(portal: &Portal, name: &'static str) -> Cookie<'static> {
    cookie(portal, name, String::new(), chrono::Duration::zero())
}

/// The visitor's CSRF basis before sign-in: their visitor cookie, or a new one to set.
pub fn visitor(portal: &Portal, jar: CookieJar) -> (CookieJar, String) {
    if let Some(session) = jar.get(SESSION_COOKIE) {
        let basis = session.value().to_owned();
        return (jar, basis);
    }
    if let Some(v) = jar.get(VISITOR_COOKIE) {
        let basis = v.value().to_owned();
        return (jar, basis);
    }
    let token = new_token();
    let jar = jar.add(cookie(portal, VISITOR_COOKIE, token.clone(), chrono::Duration::days(1)));
    (jar, token)
}

/// The client's address: the connection's peer, or the first `X-Forwarded-For` hop when the
/// portal runs behind the cluster's ingress (which sets it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty() && v.len() <= 64);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        Ok(ClientAddress(forwarded.or(peer).unwrap_or_else(|| "unknown".to_owned())))
    }
}

/// A signed-in applicant.
#[derive(Debug, Clone)]
pub struct Applicant {
    /// The cookie's token (the basis of the CSRF token).
    pub token: String,
    pub token_hash: String,
    pub session: PortalSession,
    pub applicant_id: Uuid,
}

impl Applicant {
    /// The CSRF token for this applicant's forms.
    pub fn csrf(&self, portal: &Portal) -> String {
        csrf_token(portal, &self.token)
    }
}

/// The signed-in applicant of a request, or a redirect to the sign-in page.
pub async fn applicant(
    state: &AppState,
    jar: &CookieJar,
    now: DateTime<Utc>,
) -> Result<Applicant, WebError> {
    let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).ok_or(WebError::SignIn)?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::SignIn);
    }
    let hash = token_hash(&token);
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let session = portal::find_session(&mut conn, &hash, now)
        .await
        .map_err(WebError::internal)?
        .ok_or(WebError::SignIn)?;
    let applicant_id = session.applicant_id.ok_or(WebError::SignIn)?;
    Ok(Applicant { token, token_hash: hash, session, applicant_id })
}
