//! What can go wrong talking to XDS Connect, in the same classes as the debit-order provider's
//! errors, so callers treat both alike (xds-connect.md; netcash-niws.md, "Errors: two channels").

use crate::transport::TransportFailure;

/// An error from an XDS Connect call.
#[derive(Debug, thiserror::Error)]
pub enum XdsError {
    /// `Login` refused the user name or password. Permanent until the configuration changes.
    #[error("XDS refused the login: {0}")]
    LoginRefused(String),
    /// The bureau refused the ticket again right after it was renewed. Permanent as is.
    #[error("XDS refused a freshly issued ticket: {0}")]
    TicketRejected(String),
    /// The bureau answered with an error in the result string (`<NoResult><Error>`), for
    /// example an invalid ID number or an unknown enquiry. Permanent: do not retry as is.
    #[error("XDS refused the call: {message}")]
    Business {
        /// The bureau's error text.
        message: String,
    },
    /// A SOAP fault (HTTP 500 with a `soap:Fault` body), for example an unknown SOAPAction.
    #[error("XDS answered with a SOAP fault {code}: {message}")]
    Fault {
        /// The `faultcode`.
        code: String,
        /// The `faultstring`.
        message: String,
    },
    /// The request never left: connection refused, DNS failure, TLS failure. Safe to retry.
    #[error("the request was not sent: {0}")]
    NotSent(String),
    /// The request was sent but no complete answer came back (timeout, connection dropped). The
    /// bureau may have logged an enquiry: look it up before enquiring again.
    #[error("the outcome is unknown: {0}")]
    OutcomeUnknown(String),
    /// The answer could not be read (not XML, not the expected envelope or report).
    #[error("XDS's answer could not be read: {0}")]
    Malformed(String),
    /// A non-success HTTP status without a SOAP fault, for example a 500 HTML page.
    #[error("XDS answered HTTP {status}")]
    Http {
        /// The status code.
        status: u16,
    },
}

impl XdsError {
    /// Whether sending the same request again cannot cause a second effect.
    pub fn is_safe_to_retry(&self) -> bool {
        matches!(self, XdsError::NotSent(_))
    }

    /// Whether an enquiry may have been made although no answer arrived: a second enquiry would
    /// leave a second footprint on the consumer's record.
    pub fn needs_reconciliation(&self) -> bool {
        matches!(self, XdsError::OutcomeUnknown(_))
    }
}

pub(crate) fn malformed(why: impl std::fmt::Display) -> XdsError {
    XdsError::Malformed(why.to_string())
}

/// Sorts a transport failure by whether the request can have reached the bureau.
pub(crate) fn transport_error(error: reqwest::Error) -> XdsError {
    XdsError::from(TransportFailure::from(error))
}

impl From<TransportFailure> for XdsError {
    fn from(failure: TransportFailure) -> XdsError {
        match failure {
            TransportFailure::NotSent(message) => XdsError::NotSent(message),
            TransportFailure::OutcomeUnknown(message) => XdsError::OutcomeUnknown(message),
        }
    }
}
