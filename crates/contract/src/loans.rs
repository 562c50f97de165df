//! The loans screens' requests and answers: the loans list, a loan's page (schedule, ledger with
//! running balance, mandate, presentments with their results, flags), and its actions (a payment
//! received by EFT, moving a collection date, the settlement quote, the statement of account, a
//! write-off). Money in integer cents, dates as `YYYY-MM-DD`, identifiers as text.

use serde::{Deserialize, Serialize};

/// Loan statuses, in the order the list's tabs show them; the same words as the database.
pub const LOAN_STATUSES: &[&str] = &["active", "in_arrears", "paid_up", "written_off", "cancelled"];

/// One page of the loans list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoansRequest {
    /// One of [`LOAN_STATUSES`], or every status.
    pub status: Option<String>,
    /// A reference, a name or an ID number (part of one).
    pub search: Option<String>,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanStatusCount {
    pub status: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanRow {
    pub loan_id: String,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub id_number: Option<String>,
    pub status: String,
    pub principal_cents: i64,
    pub balance_cents: i64,
    pub disbursed_on: String,
    /// Why collection stopped (`new_mandate`, `legal`, ...), if it did.
    pub collection_hold: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoansPage {
    pub counts: Vec<LoanStatusCount>,
    pub rows: Vec<LoanRow>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanRequest {
    pub loan_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalmentRow {
    pub instalment_id: String,
    pub sequence: i32,
    pub due_date: String,
    /// The day a returned instalment is presented again, if set.
    pub collect_on: Option<String>,
    pub principal_cents: i64,
    pub interest_cents: i64,
    pub fee_cents: i64,
    pub vat_cents: i64,
    pub amount_cents: i64,
    pub paid_cents: i64,
    pub status: String,
    /// Whether a debit order for it is in flight (then its date cannot move).
    pub in_flight: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingRow {
    pub ledger_posting_id: String,
    pub kind: String,
    pub amount_cents: i64,
    pub effective_date: String,
    pub reference: String,
    /// The balance after this posting.
    pub balance_cents: i64,
    pub posted_by: String,
    pub posted_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateView {
    pub contract_reference: String,
    pub status: String,
    pub frequency: String,
    pub collection_day: i32,
    pub instalment_cents: i64,
    pub max_collection_cents: i64,
    pub first_collection_date: String,
    pub date_adjustment_allowed: bool,
    pub tracking_days: i32,
    pub authentication_type: String,
    pub account_holder: String,
    /// The account number's last four digits only.
    pub account_last_digits: String,
    pub branch_code: String,
    pub authenticated_at: Option<String>,
}

/// A debit order and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentmentRow {
    pub presentment_id: String,
    pub loan_id: String,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub instalment_sequence: i32,
    pub attempt: i32,
    pub amount_cents: i64,
    pub action_date: String,
    pub account_reference: String,
    pub status: String,
    pub reason_code: Option<String>,
    /// What the reason code means (collections.md table).
    pub reason: Option<String>,
    pub batch_name: Option<String>,
    /// The provider's message when it dropped the line from the load report.
    pub message: Option<String>,
    pub changed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagRow {
    pub collection_flag_id: String,
    pub loan_id: String,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub reason_code: Option<String>,
    pub action: String,
    pub note: String,
    pub raised_on: String,
    pub resolved: bool,
}

/// What the signed-in officer may do on this loan now (the database has the last word).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanActions {
    pub record_payment: bool,
    pub move_date: bool,
    pub write_off: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanView {
    pub loan_id: String,
    pub application_id: String,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub id_number: Option<String>,
    pub msisdn: String,
    pub status: String,
    pub principal_cents: i64,
    pub total_repayable_cents: i64,
    pub balance_cents: i64,
    pub term_days: i32,
    pub interest_rate_bp: i32,
    pub disbursed_on: String,
    pub paid_up_on: Option<String>,
    pub written_off_on: Option<String>,
    pub written_off_reason: Option<String>,
    pub default_on: Option<String>,
    pub collection_hold: Option<String>,
    pub no_sms_contact: bool,
    pub instalments: Vec<InstalmentRow>,
    pub postings: Vec<PostingRow>,
    pub mandates: Vec<MandateView>,
    pub presentments: Vec<PresentmentRow>,
    pub flags: Vec<FlagRow>,
    pub actions: LoanActions,
    /// Today (Johannesburg), and the first and last dates a collection may be moved to.
    pub today: String,
    pub earliest_move: String,
    pub latest_move: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    pub loan_id: String,
    pub amount_cents: i64,
    pub received_on: String,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResponse {
    pub ledger_posting_id: String,
    pub balance_cents: i64,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveDateRequest {
    pub instalment_id: String,
    pub on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveDateResponse {
    pub instalment_id: String,
    pub on: String,
}

/// NCA s125(2): what settling the loan today costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementQuote {
    pub loan_id: String,
    pub on: String,
    pub amount_cents: i64,
    pub charges_not_due_cents: i64,
    pub valid_until: Option<String>,
    pub in_flight: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRequest {
    pub loan_id: String,
    pub from: String,
    pub to: String,
}

/// The statement of account for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    pub loan_id: String,
    pub reference: String,
    pub applicant_name: Option<String>,
    pub id_number: Option<String>,
    pub from: String,
    pub to: String,
    pub opening_cents: i64,
    pub lines: Vec<PostingRow>,
    pub closing_cents: i64,
    pub charges_cents: i64,
    pub credits_cents: i64,
    pub printed_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOffRequest {
    pub loan_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOffResponse {
    pub ledger_posting_id: Option<String>,
    pub status: String,
}

/// A plain label for a loan status word.
pub fn loan_status_label(status: &str) -> &str {
    match status {
        "active" => "Active",
        "in_arrears" => "In arrears",
        "paid_up" => "Paid up",
        "written_off" => "Written off",
        "cancelled" => "Cancelled",
        other => other,
    }
}
