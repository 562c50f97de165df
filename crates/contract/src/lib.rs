//! The contract between the desktop shell and its UI: every request and response of the Tauri
//! commands, the events the shell emits, and the error that crosses the boundary (DESIGN.md
//! decision 8: a closed set of codes, a plain message, the detail only for administrators).
//!
//! Serde only and no I/O, so the same types compile into the WebAssembly UI and the shell.
//! Identifiers cross as strings (UUIDs in text form), money as integer cents, instants as RFC 3339
//! text and business dates as `YYYY-MM-DD`: the UI shows them and sends them back, it does not
//! compute with them.

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod admin;
pub mod collections;
pub mod loans;
pub mod reports;
pub mod review;

/// The name of the event the shell emits when a row the back office shows has changed
/// (LISTEN/NOTIFY on the database, `pocket_change`).
pub const CHANGE_EVENT: &str = "pocket://change";
/// The name of the event the shell emits when the session has locked after idling.
pub const LOCKED_EVENT: &str = "pocket://locked";

/// The closed set of error codes a command can answer with. The UI decides what to show from the
/// code, never from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No officer is signed in (or the session locked): sign in again.
    NotSignedIn,
    /// The login name or password was not accepted by the database.
    BadCredentials,
    /// The database could not be reached.
    Unavailable,
    /// The signed-in officer's role does not allow this.
    Forbidden,
    /// The thing asked for does not exist.
    NotFound,
    /// The request is malformed or a value is out of range.
    Invalid,
    /// The thing is not in a state that allows this (already decided, changed meanwhile).
    Conflict,
    /// Anything else: a bug or an unexpected failure; the reference finds it in the logs.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotSignedIn => "not_signed_in",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The error of every command: the code, a plain message for the officer, a short reference to
/// quote to IT, and the technical detail only when the signed-in officer is an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    pub reference: String,
    pub detail: Option<String>,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (ref. {})", self.message, self.reference)
    }
}

/// Sign in with the officer's own database login (DESIGN.md decision 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRequest {
    pub login: String,
    pub password: String,
}

/// The officer's job, as their group role says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Officer,
    Supervisor,
    Collections,
    Admin,
    Auditor,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Officer => "Officer",
            Role::Supervisor => "Supervisor",
            Role::Collections => "Collections",
            Role::Admin => "Administrator",
            Role::Auditor => "Auditor",
        }
    }

    /// Whether the role may decide applications (the database has the last word).
    pub fn may_decide(self) -> bool {
        matches!(self, Role::Officer | Role::Supervisor)
    }
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub officer_id: String,
    pub login: String,
    pub full_name: String,
    pub role: Role,
    pub approval_limit_cents: i64,
    /// Minutes without activity after which the session locks.
    pub idle_lock_minutes: u32,
    /// The database the app is connected to, as `host:port/database`.
    pub database: String,
}

/// Application statuses, in the order of the journey; the same words as the database.
pub const STATUSES: &[&str] = &[
    "submitted",
    "pre_approved",
    "referred",
    "documents_requested",
    "approved",
    "signed",
    "paid_out",
    "declined",
    "cancelled",
    "expired",
    "draft",
];

/// A plain label for a status word.
pub fn status_label(status: &str) -> &str {
    match status {
        "draft" => "Draft",
        "submitted" => "Submitted",
        "pre_approved" => "Pre-approved",
        "referred" => "Referred",
        "documents_requested" => "Documents requested",
        "declined" => "Declined",
        "approved" => "Approved",
        "signed" => "Signed",
        "paid_out" => "Paid out",
        "cancelled" => "Cancelled",
        "expired" => "Expired",
        other => other,
    }
}

/// The column the queue is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueSort {
    /// Longest waiting first (the order the work is done in).
    #[default]
    Waiting,
    /// Most recently changed first.
    Recent,
    /// Largest requested amount first.
    Amount,
    /// By reference.
    Reference,
}

/// One page of the queue. `status` None means every status; `search` matches a name, an ID
/// number, a mobile number or a reference.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QueueRequest {
    pub status: Option<String>,
    pub search: Option<String>,
    pub channel: Option<String>,
    pub min_amount_cents: Option<i64>,
    pub max_amount_cents: Option<i64>,
    pub sort: QueueSort,
    /// Zero-based page number.
    pub page: u32,
    /// Rows per page, 1 to 200.
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub application_id: String,
    pub reference: String,
    pub status: String,
    pub applicant_name: Option<String>,
    pub id_number: Option<String>,
    pub msisdn: String,
    pub channel: String,
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    /// Counts per status over every application (the tabs), not only this page.
    pub counts: Vec<StatusCount>,
    pub rows: Vec<QueueRow>,
    /// Rows matching the filters, over all pages.
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRequest {
    pub application_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub date_of_birth: Option<String>,
    pub msisdn: String,
    pub email: Option<String>,
    pub address: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    pub employer_name: Option<String>,
    pub employment_type: Option<String>,
    pub pay_frequency: Option<String>,
    pub payday: Option<String>,
    pub bank_branch_code: Option<String>,
    /// The last four digits only: the full number is not needed to review.
    pub bank_account_last4: Option<String>,
    pub bank_account_holder: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRow {
    pub document_id: String,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub verification_status: String,
    pub rejection_reason: Option<String>,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BureauSummary {
    pub status: String,
    pub requested_at: String,
    pub matched: Option<bool>,
    pub score: Option<i32>,
    pub adverse_listings: Option<i32>,
    pub judgments: Option<i32>,
    pub monthly_obligations_cents: Option<i64>,
    pub error: Option<String>,
}

/// NCA Reg 23A: the worksheet as it was assessed (declared vs norm vs bureau).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affordability {
    pub gross_income_cents: i64,
    pub statutory_deductions_cents: i64,
    pub declared_expenses_cents: i64,
    pub norm_expenses_cents: i64,
    pub expenses_used_cents: i64,
    pub declared_debt_cents: i64,
    pub bureau_debt_cents: i64,
    pub debt_used_cents: i64,
    pub discretionary_income_cents: i64,
    pub proposed_instalment_cents: i64,
    pub affordable: bool,
    pub norm_effective_from: String,
    pub assessed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRow {
    pub decision_id: String,
    pub source: String,
    pub outcome: String,
    pub reason_codes: Vec<String>,
    pub approved_amount_cents: Option<i64>,
    pub approved_term_days: Option<i32>,
    pub decided_by: Option<String>,
    pub second_approver: Option<String>,
    /// An officer's approval above their limit that still needs a second approver.
    pub awaiting_second_approval: bool,
    pub note: Option<String>,
    pub decided_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub at: String,
    pub what: String,
    pub who: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub application_id: String,
    pub reference: String,
    pub status: String,
    pub channel: String,
    pub product: String,
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
    pub gross_income_cents: Option<i64>,
    pub net_income_cents: Option<i64>,
    pub declared_expenses_cents: Option<i64>,
    pub declared_debt_cents: Option<i64>,
    pub submitted_at: Option<String>,
    pub updated_at: String,
    pub applicant: Applicant,
    pub employment: Employment,
    pub documents: Vec<DocumentRow>,
    pub bureau: Option<BureauSummary>,
    pub affordability: Option<Affordability>,
    pub decisions: Vec<DecisionRow>,
    pub history: Vec<HistoryRow>,
    /// Whether the application waits for an officer's decision (whoever may take it).
    pub open_for_decision: bool,
    /// What the signed-in officer may do now, so the UI marks the actions that would be refused
    /// (the shell and the database still have the last word).
    pub can_approve: bool,
    pub can_second_approve: bool,
    pub can_decline: bool,
}

/// Approve an application: `amount_cents` and `term_days` default to what was requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveRequest {
    pub application_id: String,
    pub amount_cents: Option<i64>,
    pub term_days: Option<i32>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApproveOutcome {
    /// The application is approved.
    Approved,
    /// Recorded, but above the officer's limit: a second officer must approve (maker-checker).
    AwaitingSecondApproval,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveResponse {
    pub outcome: ApproveOutcome,
    pub decision_id: String,
}

/// The reasons an officer may give for a decline (NCA s62: the consumer is told why).
pub const DECLINE_REASONS: &[(&str, &str)] = &[
    ("unaffordable", "Not affordable"),
    ("adverse_credit", "Adverse credit record"),
    ("documents_invalid", "Documents invalid or not provided"),
    ("identity_unverified", "Identity could not be verified"),
    ("income_unverified", "Income could not be verified"),
    ("fraud_suspected", "Information inconsistent"),
    ("other", "Other (see note)"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclineRequest {
    pub application_id: String,
    pub reasons: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclineResponse {
    pub decision_id: String,
    pub status: String,
}

/// A change announced by the database: the shell forwards it as [`CHANGE_EVENT`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    pub table: String,
    pub id: String,
    pub op: String,
}

/// The name of the event the shell emits when a newer signed release of the app is published
/// (the payload is an [`UpdateInfo`]); the officer chooses when to install it.
pub const UPDATE_EVENT: &str = "pocket://update";

/// A newer release of the desktop app, found by the updater (src-tauri/src/updater.rs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateInfo {
    /// The version on offer.
    pub version: String,
    /// The version running now.
    pub current_version: String,
    /// The release notes, if the release has any.
    pub notes: Option<String>,
    /// When it was published (RFC 3339), if the manifest says.
    pub date: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_cross_as_snake_case_words() {
        let error = CommandError {
            code: ErrorCode::NotSignedIn,
            message: "Sign in again.".into(),
            reference: "E-1".into(),
            detail: None,
        };
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["code"], "not_signed_in");
        assert_eq!(json["detail"], serde_json::Value::Null);
        let back: CommandError = serde_json::from_value(json).unwrap();
        assert_eq!(back, error);
    }

    #[test]
    fn an_unknown_error_code_is_refused_not_guessed() {
        let json = r#"{"code":"teapot","message":"x","reference":"r","detail":null}"#;
        assert!(serde_json::from_str::<CommandError>(json).is_err());
    }

    #[test]
    fn as_str_matches_the_wire_form() {
        for code in [
            ErrorCode::NotSignedIn,
            ErrorCode::BadCredentials,
            ErrorCode::Unavailable,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Invalid,
            ErrorCode::Conflict,
            ErrorCode::Internal,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    #[test]
    fn a_queue_request_with_missing_fields_is_refused() {
        assert!(serde_json::from_str::<QueueRequest>(r#"{"status":"submitted"}"#).is_err());
    }
}
