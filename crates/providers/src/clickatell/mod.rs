//! SMS through the Clickatell One API (clickatell.md).
//!
//! [`SmsSender`] is what the use cases call; [`ClickatellClient`] implements it over the wire
//! with reqwest. The endpoint is a URL in [`ClickatellConfig`]: the real service or the local
//! simulator (`pocket-sandbox`), never a path that skips HTTP. The status webhook's body is read
//! by [`parse_status_callback`] after [`CallbackSecret::matches`] has accepted the request.

mod error;
mod parts;
pub mod wire;

use std::future::Future;
use std::time::Duration;

use pocket_domain::Msisdn;

use crate::backoff::Backoff;
use crate::transport::TransportFailure;
pub use error::{ClickatellError, ErrorCode};
pub use parts::{Encoding, SmsParts, fits_one_gsm7_part, sms_parts};
pub use wire::{
    DeliveryStatus, MessageStatus, StatusUpdate, parse_send_answer, parse_status_answer,
    parse_status_callback,
};

/// The real service's base URL (clickatell.md).
pub const PRODUCTION_ENDPOINT: &str = "https://platform.clickatell.com";

/// An integration API key: a secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

/// The secret that Clickatell's status callbacks carry in their URL (clickatell.md: "a secret in
/// the callback URL path or query"). It never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackSecret(String);

impl CallbackSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> CallbackSecret {
        CallbackSecret(secret.into())
    }

    /// The secret itself, to build the callback URL.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is the secret, compared in constant time: the time taken depends on
    /// the lengths only, never on where the first difference is.
    pub fn matches(&self, presented: &str) -> bool {
        let expected = self.0.as_bytes();
        let presented = presented.as_bytes();
        let mut difference = u8::from(expected.len() != presented.len() || expected.is_empty());
        for i in 0..expected.len().max(presented.len()) {
            let a = expected.get(i).copied().unwrap_or(0);
            let b = presented.get(i).copied().unwrap_or(0xff);
            difference |= a ^ b;
        }
        std::hint::black_box(difference) == 0
    }
}

impl std::fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallbackSecret([REDACTED])")
    }
}

/// How to reach Clickatell.
#[derive(Debug, Clone)]
pub struct ClickatellConfig {
    /// The base URL: [`PRODUCTION_ENDPOINT`] or a simulator's URL (no trailing `/v1`).
    pub endpoint: String,
    /// The integration API key.
    pub api_key: ApiKey,
    /// How long establishing a connection may take (failure: [`ClickatellError::NotSent`]).
    pub connect_timeout: Duration,
    /// How long a whole call may take (failure after sending:
    /// [`ClickatellError::OutcomeUnknown`]).
    pub timeout: Duration,
    /// Retries of the answers that say "later" (codes 19 and 43, HTTP 429) and of requests that
    /// never left.
    pub backoff: Backoff,
}

impl ClickatellConfig {
    /// A configuration with timeouts of 5 s to connect and 30 s a call, and the default backoff.
    pub fn new(endpoint: impl Into<String>, api_key: ApiKey) -> ClickatellConfig {
        ClickatellConfig {
            endpoint: endpoint.into(),
            api_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
        }
    }
}

/// An SMS to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// The recipient.
    pub to: Msisdn,
    /// The text; see [`sms_parts`] for its size.
    pub content: String,
    /// Our own id for the message (the notification's id), echoed in status callbacks.
    pub client_message_id: Option<String>,
}

/// The id Clickatell gave an accepted message (`apiMessageId`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageId(String);

impl MessageId {
    /// Wraps an id (for example one read back from the database).
    pub fn new(id: impl Into<String>) -> MessageId {
        MessageId(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What became of one message of a send, in the order they were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsOutcome {
    /// The recipient.
    pub to: Msisdn,
    /// The caller's id of the message, as given.
    pub client_message_id: Option<String>,
    /// The message id, or why there is none. On an error that
    /// [`needs_reconciliation`](ClickatellError::needs_reconciliation), the message may have
    /// been accepted all the same.
    pub result: Result<MessageId, ClickatellError>,
}

/// SMS as the use cases see it.
pub trait SmsSender: Send + Sync {
    /// Sends messages; one outcome per message, in order. Retryable refusals are retried with
    /// backoff before they come back.
    fn send(&self, messages: &[OutgoingSms]) -> impl Future<Output = Vec<SmsOutcome>> + Send;

    /// The current status of a message.
    fn status(
        &self,
        id: &MessageId,
    ) -> impl Future<Output = Result<MessageStatus, ClickatellError>> + Send;
}

/// The Clickatell client over HTTP.
#[derive(Debug, Clone)]
pub struct ClickatellClient {
    http: reqwest::Client,
    config: ClickatellConfig,
}

/// The answer to one request, before it is spread over the messages.
enum RequestResult {
    Answer(wire::SendAnswer),
    Failed(ClickatellError),
}

impl ClickatellClient {
    /// A client for the configured endpoint.
    pub fn new(config: ClickatellConfig) -> Result<ClickatellClient, ClickatellError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|e| ClickatellError::NotSent(format!("building the HTTP client: {e}")))?;
        Ok(ClickatellClient { http, config })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.endpoint.trim_end_matches('/'))
    }

    async fn post_messages(&self, messages: &[&OutgoingSms]) -> RequestResult {
        let body: Vec<_> = messages
            .iter()
            .map(|m| (m.to.clickatell_digits(), m.content.clone(), m.client_message_id.clone()))
            .collect();
        let response = self
            .http
            .post(self.url("/v1/message"))
            // clickatell.md: the raw key, no "Bearer"; JSON both ways.
            .header("Authorization", self.config.api_key.expose())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .body(wire::request_body(&body))
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(e) => return RequestResult::Failed(transport_error(e)),
        };
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return RequestResult::Failed(transport_error(e)),
        };
        match (status.as_u16(), wire::parse_send_answer(&bytes)) {
            (202 | 207 | 200, Ok(answer)) if answer.error.is_none() => {
                if answer.messages.len() == messages.len() {
                    RequestResult::Answer(answer)
                } else {
                    RequestResult::Failed(ClickatellError::Malformed(format!(
                        "{} answers to {} messages",
                        answer.messages.len(),
                        messages.len()
                    )))
                }
            }
            (_, Ok(wire::SendAnswer { error: Some((code, description)), .. })) => {
                RequestResult::Failed(ClickatellError::Refused { code, description, retry_after })
            }
            // clickatell.md: "43 rate limit (also HTTP 429: back off)", with or without a body.
            (429, _) => RequestResult::Failed(ClickatellError::Refused {
                code: ErrorCode::RateLimited,
                description: "HTTP 429".to_owned(),
                retry_after,
            }),
            (200..=299, Err(malformed)) => RequestResult::Failed(malformed),
            (200..=299, Ok(_)) => RequestResult::Failed(ClickatellError::Malformed(
                "a success answer without messages".to_owned(),
            )),
            (status, _) => RequestResult::Failed(ClickatellError::Http { status }),
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is ignored: the backoff applies instead).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Sorts a transport failure by whether the request can have reached Clickatell.
fn transport_error(error: reqwest::Error) -> ClickatellError {
    ClickatellError::from(TransportFailure::from(error))
}

impl SmsSender for ClickatellClient {
    async fn send(&self, messages: &[OutgoingSms]) -> Vec<SmsOutcome> {
        let mut results: Vec<Option<Result<MessageId, ClickatellError>>> =
            vec![None; messages.len()];
        // Indices of the messages still to send.
        let mut pending: Vec<usize> = (0..messages.len()).collect();
        let mut attempt = 1;
        while !pending.is_empty() {
            let batch: Vec<&OutgoingSms> = pending.iter().map(|&i| &messages[i]).collect();
            let mut again = Vec::new();
            let mut wait = None;
            match self.post_messages(&batch).await {
                RequestResult::Answer(answer) => {
                    for (&i, message) in pending.iter().zip(answer.messages) {
                        let result = match (message.accepted, message.api_message_id) {
                            (true, Some(id)) => Ok(MessageId::new(id)),
                            _ => {
                                let (code, description) = message.error.unwrap_or((
                                    ErrorCode::Other(0),
                                    "refused without an error".to_owned(),
                                ));
                                Err(ClickatellError::Refused {
                                    code,
                                    description,
                                    retry_after: None,
                                })
                            }
                        };
                        // clickatell.md: 19 and 43 are "retry"/"back off" codes, per message too.
                        if result.as_ref().is_err_and(ClickatellError::is_safe_to_retry) {
                            again.push(i);
                        }
                        results[i] = Some(result);
                    }
                }
                RequestResult::Failed(error) => {
                    if error.is_safe_to_retry() {
                        again.clone_from(&pending);
                    }
                    if let ClickatellError::Refused { retry_after, .. } = &error {
                        wait = *retry_after;
                    }
                    for &i in &pending {
                        results[i] = Some(Err(error.clone()));
                    }
                }
            }
            if again.is_empty() || !self.config.backoff.allows_another(attempt) {
                break;
            }
            tokio::time::sleep(self.config.backoff.delay(attempt, wait)).await;
            attempt += 1;
            pending = again;
        }
        messages
            .iter()
            .zip(results)
            .map(|(message, result)| SmsOutcome {
                to: message.to.clone(),
                client_message_id: message.client_message_id.clone(),
                result: result.unwrap_or_else(|| {
                    Err(ClickatellError::Malformed("BUG: no answer for the message".to_owned()))
                }),
            })
            .collect()
    }

    async fn status(&self, id: &MessageId) -> Result<MessageStatus, ClickatellError> {
        // The id is Clickatell's own (hex); anything else cannot name a message.
        if id.as_str().is_empty() || !id.as_str().bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ClickatellError::Refused {
                code: ErrorCode::ResourceDoesNotExist,
                description: format!("`{}` is not a message id", id.as_str()),
                retry_after: None,
            });
        }
        let response = self
            .http
            .get(self.url(&format!("/v1/message/{}", id.as_str())))
            .header("Authorization", self.config.api_key.expose())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport_error)?;
        match wire::parse_status_answer(&bytes) {
            Ok(answer) if status.is_success() => Ok(answer),
            Err(refused @ ClickatellError::Refused { .. }) => Err(refused),
            _ if !status.is_success() => Err(ClickatellError::Http { status: status.as_u16() }),
            other => other,
        }
    }
}
