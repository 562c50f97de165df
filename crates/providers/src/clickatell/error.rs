//! What can go wrong sending an SMS through Clickatell, in classes the caller must treat
//! differently (clickatell.md, error codes), in the same shape as `NetcashError`.

use std::time::Duration;

use crate::transport::TransportFailure;

/// A Clickatell error code (clickatell.md, "Error codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 1: invalid or missing integration API key.
    InvalidApiKey,
    /// 2: account not active.
    AccountNotActive,
    /// 3: integration not active.
    IntegrationNotActive,
    /// 7: the caller's IP address is not approved.
    IpNotApproved,
    /// 18: internal error.
    InternalError,
    /// 19: internal error, retry.
    InternalErrorRetry,
    /// 20: insufficient balance.
    InsufficientBalance,
    /// 21: malformed payload.
    MalformedPayload,
    /// 22: too many messages in one request.
    TooManyMessages,
    /// 23: invalid or missing parameter (for example `to`).
    InvalidParameter,
    /// 24: content too long.
    ContentTooLong,
    /// 25: invalid recipient.
    InvalidRecipient,
    /// 26: the recipient opted out.
    RecipientOptedOut,
    /// 27: the recipient is not on the channel.
    RecipientNotOnChannel,
    /// 28: not available on the sandbox.
    NotAvailableOnSandbox,
    /// 40: charset problem.
    Charset,
    /// 41: the resource does not exist.
    ResourceDoesNotExist,
    /// 42: method not supported.
    MethodNotSupported,
    /// 43: rate limit (also HTTP 429).
    RateLimited,
    /// 44 or 45: a problem with the from-number.
    FromNumber(u16),
    /// 46: the demo account expired.
    DemoExpired,
    /// 100: too many message parts.
    TooManyParts,
    /// A code the spec does not list.
    Other(u16),
}

impl ErrorCode {
    /// The code a number stands for.
    pub fn from_code(code: u16) -> ErrorCode {
        match code {
            1 => ErrorCode::InvalidApiKey,
            2 => ErrorCode::AccountNotActive,
            3 => ErrorCode::IntegrationNotActive,
            7 => ErrorCode::IpNotApproved,
            18 => ErrorCode::InternalError,
            19 => ErrorCode::InternalErrorRetry,
            20 => ErrorCode::InsufficientBalance,
            21 => ErrorCode::MalformedPayload,
            22 => ErrorCode::TooManyMessages,
            23 => ErrorCode::InvalidParameter,
            24 => ErrorCode::ContentTooLong,
            25 => ErrorCode::InvalidRecipient,
            26 => ErrorCode::RecipientOptedOut,
            27 => ErrorCode::RecipientNotOnChannel,
            28 => ErrorCode::NotAvailableOnSandbox,
            40 => ErrorCode::Charset,
            41 => ErrorCode::ResourceDoesNotExist,
            42 => ErrorCode::MethodNotSupported,
            43 => ErrorCode::RateLimited,
            44 | 45 => ErrorCode::FromNumber(code),
            46 => ErrorCode::DemoExpired,
            100 => ErrorCode::TooManyParts,
            other => ErrorCode::Other(other),
        }
    }

    /// The number on the wire.
    pub fn code(self) -> u16 {
        match self {
            ErrorCode::InvalidApiKey => 1,
            ErrorCode::AccountNotActive => 2,
            ErrorCode::IntegrationNotActive => 3,
            ErrorCode::IpNotApproved => 7,
            ErrorCode::InternalError => 18,
            ErrorCode::InternalErrorRetry => 19,
            ErrorCode::InsufficientBalance => 20,
            ErrorCode::MalformedPayload => 21,
            ErrorCode::TooManyMessages => 22,
            ErrorCode::InvalidParameter => 23,
            ErrorCode::ContentTooLong => 24,
            ErrorCode::InvalidRecipient => 25,
            ErrorCode::RecipientOptedOut => 26,
            ErrorCode::RecipientNotOnChannel => 27,
            ErrorCode::NotAvailableOnSandbox => 28,
            ErrorCode::Charset => 40,
            ErrorCode::ResourceDoesNotExist => 41,
            ErrorCode::MethodNotSupported => 42,
            ErrorCode::RateLimited => 43,
            ErrorCode::FromNumber(code) | ErrorCode::Other(code) => code,
            ErrorCode::DemoExpired => 46,
            ErrorCode::TooManyParts => 100,
        }
    }

    /// Whether Clickatell asks for the same message to be sent again later: 19 ("internal
    /// error (retry)") and 43 ("rate limit ... back off"), both per clickatell.md. Every other
    /// code is permanent for this message: sending it again as is gives the same answer.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorCode::InternalErrorRetry | ErrorCode::RateLimited)
    }

    /// Whether the code is about the recipient (invalid, opted out, not on the channel), which
    /// the notification use case records against the person rather than the message.
    pub fn is_about_the_recipient(self) -> bool {
        matches!(
            self,
            ErrorCode::InvalidRecipient
                | ErrorCode::RecipientOptedOut
                | ErrorCode::RecipientNotOnChannel
        )
    }
}

/// An error from a Clickatell call, for one message or for the whole request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClickatellError {
    /// Clickatell answered with an error code: for one message of a 207 answer, or for the whole
    /// request (401, 429 and the like). Retryable only if [`ErrorCode::is_retryable`]; the client
    /// has already retried those with backoff when this comes back.
    #[error("Clickatell refused with code {}: {description}", code.code())]
    Refused {
        /// The code.
        code: ErrorCode,
        /// Clickatell's description.
        description: String,
        /// The `Retry-After` of a 429 answer, if any.
        retry_after: Option<Duration>,
    },
    /// The request never left: connection refused, DNS failure, TLS failure. Safe to retry.
    #[error("the request was not sent: {0}")]
    NotSent(String),
    /// The request was sent but no complete answer came back (timeout, connection dropped).
    /// Clickatell may have accepted the message: look it up before sending it again, or the
    /// applicant receives it twice.
    #[error("the outcome is unknown, reconcile before resending: {0}")]
    OutcomeUnknown(String),
    /// The answer could not be read (not JSON, not the expected shape).
    #[error("Clickatell's answer could not be read: {0}")]
    Malformed(String),
    /// A non-success HTTP status without a Clickatell error body, for example a 500 HTML page.
    #[error("Clickatell answered HTTP {status}")]
    Http {
        /// The status code.
        status: u16,
    },
}

impl ClickatellError {
    /// The error code, if Clickatell gave one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClickatellError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether sending the same request again cannot cause a second message: the request never
    /// left, or Clickatell said "later" (codes 19 and 43).
    pub fn is_safe_to_retry(&self) -> bool {
        match self {
            ClickatellError::NotSent(_) => true,
            ClickatellError::Refused { code, .. } => code.is_retryable(),
            _ => false,
        }
    }

    /// Whether the message may or may not have been accepted: the caller must look it up (its
    /// status, or the delivery callbacks) before sending it again. A malformed answer and a
    /// server error page both count: the request did reach something.
    pub fn needs_reconciliation(&self) -> bool {
        match self {
            ClickatellError::OutcomeUnknown(_) | ClickatellError::Malformed(_) => true,
            ClickatellError::Http { status } => *status >= 500,
            ClickatellError::Refused { .. } | ClickatellError::NotSent(_) => false,
        }
    }

    /// Whether no retry, now or later, can succeed without a change (a code that is not
    /// retryable, or a 4xx answer).
    pub fn is_permanent(&self) -> bool {
        match self {
            ClickatellError::Refused { code, .. } => !code.is_retryable(),
            ClickatellError::Http { status } => (400..500).contains(status) && *status != 429,
            _ => false,
        }
    }
}

impl From<TransportFailure> for ClickatellError {
    fn from(failure: TransportFailure) -> ClickatellError {
        match failure {
            TransportFailure::NotSent(message) => ClickatellError::NotSent(message),
            TransportFailure::OutcomeUnknown(message) => ClickatellError::OutcomeUnknown(message),
        }
    }
}
