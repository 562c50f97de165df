//! Sorting a failed HTTP exchange by whether the request can have reached the service, shared
//! by every client so that all of them draw the line in the same place (netcash-niws.md,
//! "Errors: two channels"; collections.md rule 2).

/// A transport failure, sorted by whether the service may have acted on the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TransportFailure {
    /// No byte of the request left: safe to send again.
    NotSent(String),
    /// The request may have arrived and been acted on: reconcile before sending again.
    OutcomeUnknown(String),
}

impl From<reqwest::Error> for TransportFailure {
    fn from(error: reqwest::Error) -> TransportFailure {
        // A connect error (refused, DNS, TLS, connect timeout) means no byte of the request left.
        if error.is_connect() || error.is_builder() {
            return TransportFailure::NotSent(error.to_string());
        }
        // Timeouts and broken connections after the request went out: the service may have
        // acted (collections.md rule 2). The causes are kept because reqwest's own message
        // rarely says what broke.
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        TransportFailure::OutcomeUnknown(message)
    }
}
