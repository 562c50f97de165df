//! Partner authentication, rate limiting and the audit of every call.
//!
//! A key reads `<prefix>.<secret>`: twelve letters or digits that find the row, a dot, and forty
//! more that only the partner knows. The database keeps the prefix and the SHA-256 of the whole
//! key; the hashes are compared in constant time. Each key has its own token bucket (a burst of
//! one minute's allowance, refilled continuously); an empty bucket is 429 with `Retry-After`.
//! The audit middleware records every call of the API (partner, key prefix, method, route
//! template, status, duration, request id) and nothing about the applicant.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use pocket_store::api_audit::{self, ApiCall};
use pocket_store::partners;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::api::problem::{Problem, store_failure};
use crate::ops::RequestId;
use crate::server::AppState;

// Keys are made and checked by the shared use case, so the desktop's administration screen and
// `pocket partner` issue the same keys the API accepts.
pub use pocket_workflows::partner_keys::{NewKey, PREFIX_LEN, generate_key, hash_key, key_prefix};

/// A token bucket per key.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// What the API's handlers share beyond the application state: its limits and the buckets.
#[derive(Debug)]
pub struct ApiRuntime {
    /// Requests per minute per key (also the burst).
    pub requests_per_minute: u32,
    /// How long a submission waits for the worker's decision before answering "deciding".
    pub decision_wait: Duration,
    buckets: Mutex<HashMap<Uuid, Bucket>>,
    /// When each key's `last_used_at` was last written (at most once a minute per key).
    touched: Mutex<HashMap<Uuid, Instant>>,
}

impl ApiRuntime {
    pub fn new(requests_per_minute: u32, decision_wait: Duration) -> ApiRuntime {
        ApiRuntime {
            requests_per_minute: requests_per_minute.max(1),
            decision_wait,
            buckets: Mutex::new(HashMap::new()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token of `key`'s bucket, or says how many whole seconds until one is there.
    fn take(&self, key: Uuid, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(self.requests_per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(key).or_insert(Bucket { tokens: capacity, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / per_second).ceil();
            // A float of a few seconds at most (one token at no less than one a minute).
            Err((wait as u64).max(1))
        }
    }

    /// Whether `last_used_at` of this key is due a write.
    fn due_touch(&self, key: Uuid, now: Instant) -> bool {
        let mut touched = self.touched.lock().unwrap_or_else(|e| e.into_inner());
        match touched.get(&key) {
            Some(at) if now.saturating_duration_since(*at) < Duration::from_secs(60) => false,
            _ => {
                touched.insert(key, now);
                true
            }
        }
    }
}

/// Who called, filled in by [`Partner`] for the audit middleware.
#[derive(Debug, Clone, Default)]
pub struct CallerSlot(Arc<Mutex<Caller>>);

#[derive(Debug, Clone, Default)]
struct Caller {
    partner_id: Option<Uuid>,
    key_prefix: Option<String>,
}

impl CallerSlot {
    fn set_prefix(&self, prefix: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).key_prefix = Some(prefix.to_owned());
    }

    fn set_partner(&self, partner_id: Uuid) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).partner_id = Some(partner_id);
    }

    fn get(&self) -> Caller {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// An authenticated partner (the extractor answers 401 or 429 itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub partner_id: Uuid,
    pub partner_api_key_id: Uuid,
}

impl FromRequestParts<AppState> for Partner {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let runtime = parts
            .extensions
            .get::<Arc<ApiRuntime>>()
            .cloned()
            .expect("BUG: the API router adds its runtime");
        let slot = parts.extensions.get::<CallerSlot>().cloned().unwrap_or_default();
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, key) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| key.trim().to_owned())
            })
            .ok_or_else(Problem::unauthorized)?;
        let prefix = key_prefix(&presented).ok_or_else(Problem::unauthorized)?;
        slot.set_prefix(prefix);
        let mut conn = state
            .db
            .acquire()
            .await
            .map_err(|e| store_failure("authenticating a partner", &e.into()))?;
        let found = partners::find_key(&mut conn, prefix)
            .await
            .map_err(|e| store_failure("authenticating a partner", &e))?
            .ok_or_else(Problem::unauthorized)?;
        let presented_hash = hash_key(&presented);
        if !bool::from(presented_hash.as_bytes().ct_eq(found.key_hash.as_bytes())) {
            return Err(Problem::unauthorized());
        }
        slot.set_partner(found.partner_id);
        let now = Instant::now();
        runtime.take(found.partner_api_key_id, now).map_err(Problem::too_many_requests)?;
        if runtime.due_touch(found.partner_api_key_id, now) {
            let at = state.clock.now();
            if let Err(e) = partners::touch_key(&mut conn, found.partner_api_key_id, at).await {
                tracing::warn!(error = %e, "could not record a key's last use");
            }
        }
        Ok(Partner { partner_id: found.partner_id, partner_api_key_id: found.partner_api_key_id })
    }
}

/// Records every call of the API in the audit, after the answer is made.
pub async fn audit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let slot = CallerSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/api/v1/{unmatched}".to_owned());
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
    let started = Instant::now();
    let response = next.run(request).await;
    let caller = slot.get();
    let call = ApiCall {
        partner_id: caller.partner_id,
        key_prefix: caller.key_prefix,
        method,
        route,
        status: i16::try_from(response.status().as_u16()).unwrap_or(i16::MAX),
        duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        request_id,
    };
    match state.db.acquire().await {
        Ok(mut conn) => {
            if let Err(e) = api_audit::record_call(&mut conn, &call).await {
                tracing::error!(error = %e, route = %call.route, "could not audit an API call");
            }
        }
        Err(e) => tracing::error!(error = %e, "could not audit an API call: no connection"),
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_a_minute_s_burst_then_says_when_to_retry() {
        let runtime = ApiRuntime::new(3, Duration::ZERO);
        let key = Uuid::new_v4();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(runtime.take(key, t0), Ok(()));
        }
        assert_eq!(runtime.take(key, t0), Err(20));
        assert_eq!(runtime.take(key, t0 + Duration::from_secs(20)), Ok(()));
        assert_eq!(runtime.take(Uuid::new_v4(), t0), Ok(()), "another key has its own bucket");
    }
}
