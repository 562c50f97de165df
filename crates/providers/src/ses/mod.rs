//! Email through AWS SES v2 (ses.md), with `aws-sdk-sesv2`.
//!
//! [`EmailSender`] is what the use cases call; [`SesClient`] implements it. The endpoint is
//! configurable ([`SesConfig::endpoint_url`]) so tests aim it at `moto`, an independent SES
//! implementation, never at a path that skips HTTP. The SDK's own retries are turned off: the
//! policy is ours and visible here (throttling retried with backoff, rejections never).

use std::future::Future;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::backoff::Backoff;

/// ses.md: "The region for South African data is `af-south-1`."
pub const DEFAULT_REGION: &str = "af-south-1";

/// Where the credentials come from.
#[derive(Clone)]
pub enum SesCredentials {
    /// The SDK's default chain: environment, profile, web identity, container, instance.
    DefaultChain,
    /// Fixed keys (tests, moto).
    Static {
        /// The access key id.
        access_key_id: String,
        /// The secret access key; never printed.
        secret_access_key: String,
    },
}

impl std::fmt::Debug for SesCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SesCredentials::DefaultChain => f.write_str("DefaultChain"),
            SesCredentials::Static { access_key_id, .. } => f
                .debug_struct("Static")
                .field("access_key_id", access_key_id)
                .field("secret_access_key", &"[REDACTED]")
                .finish(),
        }
    }
}

/// How to reach SES.
#[derive(Debug, Clone)]
pub struct SesConfig {
    /// The region, [`DEFAULT_REGION`] unless configured otherwise.
    pub region: String,
    /// Another endpoint than AWS's (moto in tests).
    pub endpoint_url: Option<String>,
    /// The credentials.
    pub credentials: SesCredentials,
    /// Retries of throttled sends.
    pub backoff: Backoff,
    /// How long a connection may take to establish.
    pub connect_timeout: Duration,
    /// How long one attempt may take.
    pub attempt_timeout: Duration,
}

impl Default for SesConfig {
    /// `af-south-1`, AWS's endpoint, the default credential chain, the default backoff.
    fn default() -> SesConfig {
        SesConfig {
            region: DEFAULT_REGION.to_owned(),
            endpoint_url: None,
            credentials: SesCredentials::DefaultChain,
            backoff: Backoff::default(),
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

/// An email with a text and an optional HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The sender, a verified SES identity (`Pocket Loans <noreply@pocketloans.co.za>`).
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, if any.
    pub html: Option<String>,
}

/// The id SES gave a sent message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailMessageId(String);

impl EmailMessageId {
    /// Wraps an id.
    pub fn new(id: impl Into<String>) -> EmailMessageId {
        EmailMessageId(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why SES refused a message for good (ses.md: never retried).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// `MessageRejected`: for example an unverified sender in the sandbox, or a virus.
    MessageRejected,
    /// `MailFromDomainNotVerifiedException`.
    MailFromDomainNotVerified,
    /// `AccountSuspendedException`.
    AccountSuspended,
    /// `SendingPausedException`.
    SendingPaused,
    /// `LimitExceededException`: a quota, not a rate; it does not pass within a retry.
    LimitExceeded,
    /// `NotFoundException`: a configuration set or template that does not exist.
    NotFound,
    /// `BadRequestException`: the request itself is wrong.
    BadRequest,
}

/// An error sending an email.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SesError {
    /// SES refused the message for good. Never retried.
    #[error("SES rejected the message ({reason:?}): {message}")]
    Rejected {
        /// The class of refusal.
        reason: Rejection,
        /// SES's message.
        message: String,
    },
    /// SES throttled every attempt (`TooManyRequestsException`, HTTP 429). Safe to try later.
    #[error("SES throttled the message on every attempt: {0}")]
    Throttled(String),
    /// Another error answer from SES (an internal failure, an unknown code).
    #[error("SES answered with an error {code:?} (HTTP {status:?}): {message}")]
    Service {
        /// The error code (`x-amzn-ErrorType`), if any.
        code: Option<String>,
        /// The message.
        message: String,
        /// The HTTP status.
        status: Option<u16>,
    },
    /// The request never left (it could not be built or signed, or the connection was refused).
    /// Safe to retry.
    #[error("the request was not sent: {0}")]
    NotSent(String),
    /// The request may have reached SES but no answer came back (timeout, broken connection):
    /// sending again may deliver the email twice.
    #[error("the outcome is unknown: {0}")]
    OutcomeUnknown(String),
    /// The answer could not be read.
    #[error("SES's answer could not be read: {0}")]
    Malformed(String),
}

impl SesError {
    /// Whether sending the same email again cannot deliver it twice.
    pub fn is_safe_to_retry(&self) -> bool {
        matches!(self, SesError::Throttled(_) | SesError::NotSent(_))
    }

    /// Whether no retry can succeed without a change.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SesError::Rejected { .. })
    }
}

/// Email as the use cases see it.
pub trait EmailSender: Send + Sync {
    /// Sends an email and returns SES's message id.
    fn send(&self, email: &Email) -> impl Future<Output = Result<EmailMessageId, SesError>> + Send;
}

/// The SES v2 client.
#[derive(Debug, Clone)]
pub struct SesClient {
    sdk: aws_sdk_sesv2::Client,
    backoff: Backoff,
}

impl SesClient {
    /// A client for the configuration (reads the credential chain if asked to).
    pub async fn new(config: SesConfig) -> SesClient {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            // Our retry policy, not the SDK's: see the module documentation.
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(config.connect_timeout)
                    .operation_attempt_timeout(config.attempt_timeout)
                    .build(),
            );
        if let Some(url) = &config.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let SesCredentials::Static { access_key_id, secret_access_key } = &config.credentials {
            loader = loader.credentials_provider(aws_sdk_sesv2::config::Credentials::new(
                access_key_id,
                secret_access_key,
                None,
                None,
                "pocket-static",
            ));
        }
        let sdk_config = loader.load().await;
        SesClient { sdk: aws_sdk_sesv2::Client::new(&sdk_config), backoff: config.backoff }
    }

    /// The SDK client underneath, for operations this client does not wrap (identities, in
    /// tests and setup).
    pub fn sdk(&self) -> &aws_sdk_sesv2::Client {
        &self.sdk
    }

    async fn send_once(&self, email: &Email) -> Result<EmailMessageId, SendAttemptError> {
        let build = |e: aws_sdk_sesv2::error::BuildError| SesError::NotSent(e.to_string());
        let subject = Content::builder().data(&email.subject).charset("UTF-8").build();
        let text = Content::builder().data(&email.text).charset("UTF-8").build();
        let mut body = Body::builder().text(text.map_err(build)?);
        if let Some(html) = &email.html {
            let html = Content::builder().data(html).charset("UTF-8").build();
            body = body.html(html.map_err(build)?);
        }
        let message =
            Message::builder().subject(subject.map_err(build)?).body(body.build()).build();
        let output = self
            .sdk
            .send_email()
            .from_email_address(&email.from)
            .destination(Destination::builder().set_to_addresses(Some(email.to.clone())).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(classify)?;
        output
            .message_id()
            .filter(|id| !id.is_empty())
            .map(EmailMessageId::new)
            .ok_or_else(|| SesError::Malformed("no MessageId".to_owned()).into())
    }
}

/// One attempt's failure: throttled (try again after a wait) or final.
enum SendAttemptError {
    Throttled(String),
    Final(SesError),
}

impl From<SesError> for SendAttemptError {
    fn from(error: SesError) -> SendAttemptError {
        SendAttemptError::Final(error)
    }
}

fn classify(
    error: SdkError<SendEmailError, aws_sdk_sesv2::config::http::HttpResponse>,
) -> SendAttemptError {
    let status = error.raw_response().map(|r| r.status().as_u16());
    match error {
        SdkError::ServiceError(service) => {
            let error = service.into_err();
            let message = error.message().unwrap_or_default().to_owned();
            let reason = match &error {
                // ses.md: throttling (429) is retried with backoff, never a rejection.
                SendEmailError::TooManyRequestsException(_) => {
                    return SendAttemptError::Throttled(message);
                }
                SendEmailError::MessageRejected(_) => Rejection::MessageRejected,
                SendEmailError::MailFromDomainNotVerifiedException(_) => {
                    Rejection::MailFromDomainNotVerified
                }
                SendEmailError::AccountSuspendedException(_) => Rejection::AccountSuspended,
                SendEmailError::SendingPausedException(_) => Rejection::SendingPaused,
                SendEmailError::LimitExceededException(_) => Rejection::LimitExceeded,
                SendEmailError::NotFoundException(_) => Rejection::NotFound,
                SendEmailError::BadRequestException(_) => Rejection::BadRequest,
                _ if status == Some(429) => return SendAttemptError::Throttled(message),
                other => {
                    let code = other.code().map(str::to_owned);
                    return SesError::Service { code, message, status }.into();
                }
            };
            SesError::Rejected { reason, message }.into()
        }
        SdkError::ConstructionFailure(e) => SesError::NotSent(format!("{e:?}")).into(),
        SdkError::DispatchFailure(e) => {
            let refused = e.as_connector_error().is_some_and(connection_refused);
            let detail = format!("{e:?}");
            if refused { SesError::NotSent(detail) } else { SesError::OutcomeUnknown(detail) }
                .into()
        }
        SdkError::TimeoutError(e) => SesError::OutcomeUnknown(format!("timeout: {e:?}")).into(),
        SdkError::ResponseError(e) => SesError::Malformed(format!("{e:?}")).into(),
        other => SesError::OutcomeUnknown(other.to_string()).into(),
    }
}

/// Whether the connection was refused (or never established), so no byte of the request left.
fn connection_refused(error: &aws_sdk_sesv2::error::ConnectorError) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{AddrNotAvailable, ConnectionRefused, NotFound};
            if matches!(io.kind(), ConnectionRefused | AddrNotAvailable | NotFound) {
                return true;
            }
        }
        source = cause.source();
    }
    false
}

impl EmailSender for SesClient {
    async fn send(&self, email: &Email) -> Result<EmailMessageId, SesError> {
        let mut attempt = 1;
        loop {
            match self.send_once(email).await {
                Ok(id) => return Ok(id),
                Err(SendAttemptError::Final(error)) => return Err(error),
                Err(SendAttemptError::Throttled(message)) => {
                    if !self.backoff.allows_another(attempt) {
                        return Err(SesError::Throttled(message));
                    }
                    tokio::time::sleep(self.backoff.delay(attempt, None)).await;
                    attempt += 1;
                }
            }
        }
    }
}
