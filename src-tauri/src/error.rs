//! How failures cross the Tauri boundary (DESIGN.md decision 8): a code from the closed set of
//! `pocket_contract::ErrorCode`, a plain message, a reference that finds the event in the logs and
//! in Sentry, and the technical detail only when the signed-in officer is an administrator.

use pocket_contract::{CommandError, ErrorCode};
use pocket_store::StoreError;
use pocket_workflows::review::ReviewError;
use rand::Rng;

/// A short reference an officer can read out over the phone.
pub fn reference() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let code: String = (0..8).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("E-{code}")
}

/// Builds the error, logs it with its reference (and sends the unexpected ones to Sentry, which
/// scrubs personal data), and keeps the detail for administrators only.
pub fn command_error(
    code: ErrorCode,
    message: impl Into<String>,
    detail: impl std::fmt::Display,
    admin: bool,
) -> CommandError {
    let reference = reference();
    let message = message.into();
    let detail = detail.to_string();
    if code == ErrorCode::Internal || code == ErrorCode::Unavailable {
        tracing::error!(%reference, code = code.as_str(), %detail, "command failed");
        sentry::capture_message(
            &format!("{}: {detail} (ref. {reference})", code.as_str()),
            sentry::Level::Error,
        );
    } else {
        tracing::info!(%reference, code = code.as_str(), %detail, "command refused");
    }
    CommandError { code, message, reference, detail: admin.then_some(detail) }
}

/// A store failure, classified by what the database said.
pub fn store(error: StoreError, admin: bool) -> CommandError {
    let (code, message) = match &error {
        StoreError::Forbidden { .. } => (ErrorCode::Forbidden, "Your role does not allow this."),
        StoreError::NotFound { .. } => (
            ErrorCode::NotFound,
            "It is not there, or it changed meanwhile. Refresh and try again.",
        ),
        StoreError::Conflict { .. } => {
            (ErrorCode::Conflict, "Someone else changed this meanwhile. Refresh and try again.")
        }
        StoreError::Rejected { constraint } if constraint == "decision_second_approver_limit" => {
            (ErrorCode::Forbidden, "Your approval limit does not cover this amount.")
        }
        StoreError::Rejected { .. } => (ErrorCode::Invalid, "The database refused these values."),
        StoreError::Database(e) if unreachable(e) => {
            (ErrorCode::Unavailable, "The database cannot be reached. Try again in a moment.")
        }
        _ => (ErrorCode::Internal, "Something went wrong. Quote the reference to IT."),
    };
    command_error(code, message, error, admin)
}

/// Whether the failure is the connection rather than the request.
pub fn unreachable(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    )
}

/// A refused review action.
pub fn review(error: ReviewError, admin: bool) -> CommandError {
    let message = error.to_string();
    match error {
        ReviewError::Store(e) => store(e, admin),
        ReviewError::NotADecider | ReviewError::AboveLimit { .. } => {
            command_error(ErrorCode::Forbidden, capitalized(&message), &message, admin)
        }
        ReviewError::NotDecidable(_)
        | ReviewError::AwaitingAnotherOfficer
        | ReviewError::NotPayable(_)
        | ReviewError::NotSigned
        | ReviewError::DocumentsNotVerified(_)
        | ReviewError::IdNotVerified
        | ReviewError::NoCollectionDetails
        | ReviewError::ScheduleChanged(_) => {
            command_error(ErrorCode::Conflict, capitalized(&message), &message, admin)
        }
        ReviewError::AmountOutOfRange { .. }
        | ReviewError::TermOutOfRange { .. }
        | ReviewError::NoReasons
        | ReviewError::UnknownReason(_)
        | ReviewError::NoteTooLong
        | ReviewError::BadPayOutReference => {
            command_error(ErrorCode::Invalid, capitalized(&message), &message, admin)
        }
        ReviewError::Notify(e) => command_error(
            ErrorCode::Internal,
            "The applicant's message could not be prepared; nothing was saved.",
            e,
            admin,
        ),
    }
}

/// A malformed request from the UI.
pub fn invalid(what: &str, admin: bool) -> CommandError {
    command_error(ErrorCode::Invalid, what, what, admin)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_reaches_administrators_only() {
        let refused = StoreError::Forbidden { constraint: Some("application".into()) };
        let officer = store(refused, false);
        assert_eq!(officer.code, ErrorCode::Forbidden);
        assert_eq!(officer.detail, None);
        let refused = StoreError::Forbidden { constraint: Some("application".into()) };
        let admin = store(refused, true);
        assert!(admin.detail.as_deref().is_some_and(|d| d.contains("application")));
    }

    #[test]
    fn references_are_short_and_distinct() {
        let a = reference();
        let b = reference();
        assert_eq!(a.len(), 10);
        assert_ne!(a, b);
    }

    #[test]
    fn a_second_approvers_low_limit_is_forbidden_not_invalid() {
        let e = StoreError::Rejected { constraint: "decision_second_approver_limit".into() };
        assert_eq!(store(e, false).code, ErrorCode::Forbidden);
    }
}
