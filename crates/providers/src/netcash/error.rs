//! What can go wrong talking to Netcash, in classes the caller must treat differently
//! (netcash-niws.md, "Errors: two channels").

use crate::transport::TransportFailure;

/// An error from a Netcash call.
#[derive(Debug, thiserror::Error)]
pub enum NetcashError {
    /// A business error code as the result string of an HTTP 200 answer. Permanent: show it,
    /// do not retry as is.
    #[error("Netcash refused the call with code {code}: {message}")]
    Business {
        /// The code, for example `100` or `311`.
        code: String,
        /// What the spec says the code means.
        message: String,
    },
    /// A SOAP fault (HTTP 500 with an `s:Fault` body), for example "ContractFilter mismatch".
    #[error("Netcash answered with a SOAP fault {code}: {message}")]
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
    /// provider may or may not have acted: reconcile before sending again (collections.md rule 2).
    #[error("the outcome is unknown, reconcile before resending: {0}")]
    OutcomeUnknown(String),
    /// The answer could not be read (not XML, not the expected envelope, not the expected text).
    #[error("Netcash's answer could not be read: {0}")]
    Malformed(String),
    /// A non-success HTTP status without a SOAP fault, for example a 500 HTML page.
    #[error("Netcash answered HTTP {status}")]
    Http {
        /// The status code.
        status: u16,
    },
}

impl NetcashError {
    /// Whether sending the same request again cannot cause a second effect.
    pub fn is_safe_to_retry(&self) -> bool {
        matches!(self, NetcashError::NotSent(_))
    }

    /// Whether the caller must reconcile with the provider before anything is sent again.
    pub fn needs_reconciliation(&self) -> bool {
        matches!(self, NetcashError::OutcomeUnknown(_))
    }
}

impl From<TransportFailure> for NetcashError {
    fn from(failure: TransportFailure) -> NetcashError {
        match failure {
            TransportFailure::NotSent(message) => NetcashError::NotSent(message),
            TransportFailure::OutcomeUnknown(message) => NetcashError::OutcomeUnknown(message),
        }
    }
}

// netcash-niws.md, "Errors: two channels": the business codes and their meaning.
const BUSINESS_CODES: &[(&str, &str)] = &[
    ("100", "authentication failure"),
    ("101", "date format error"),
    ("102", "parameter error or invalid date"),
    ("200", "general exception"),
    ("201", "account locked"),
    ("202", "item not found"),
    ("203", "failed"),
    ("301", "duplicate merchant reference"),
    ("311", "service key not valid for this service"),
];

/// The business error a result string stands for, if it is a code rather than a value.
pub(crate) fn business_error(result: &str) -> Option<NetcashError> {
    let code = result.trim();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let message = BUSINESS_CODES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m);
    let number: u16 = code.parse().ok()?;
    // netcash-niws.md: 316-329 batch authorisation limits, insufficient funds, DebiCheck errors.
    let message = match message {
        Some(m) => m.to_owned(),
        None if (316..=329).contains(&number) => {
            "batch authorisation limit, insufficient funds or DebiCheck error".to_owned()
        }
        None => return None,
    };
    Some(NetcashError::Business { code: code.to_owned(), message })
}
