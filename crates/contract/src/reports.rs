//! The reports screen: one request (which report, over which dates) and one answer per report,
//! each with the rows its chart and its table show; the same rows go to the CSV export.

use serde::{Deserialize, Serialize};

/// The four reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Loans paid out in the range, by their status now.
    LoanBook,
    /// How far the applications created in the range got.
    Funnel,
    /// Debit orders of the range by action date, and the failures by reason code.
    Collections,
    /// Loans in arrears on the last day of the range, by age.
    Arrears,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] =
        [ReportKind::LoanBook, ReportKind::Funnel, ReportKind::Collections, ReportKind::Arrears];

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::LoanBook => "Loan book",
            ReportKind::Funnel => "Application funnel",
            ReportKind::Collections => "Collection success",
            ReportKind::Arrears => "Arrears ageing",
        }
    }

    /// The word used in routes, element ids and file names.
    pub fn slug(self) -> &'static str {
        match self {
            ReportKind::LoanBook => "loan_book",
            ReportKind::Funnel => "funnel",
            ReportKind::Collections => "collections",
            ReportKind::Arrears => "arrears",
        }
    }
}

/// A report over business dates `from` to `to` (`YYYY-MM-DD`, both included; at most 3 years).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    pub kind: ReportKind,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookRow {
    pub status: String,
    pub loans: i64,
    pub principal_cents: i64,
    pub balance_cents: i64,
}

/// One stage of the funnel: how many applications reached it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelStage {
    pub stage: String,
    pub label: String,
    pub applications: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionDayRow {
    pub action_date: String,
    pub successful: i64,
    pub unpaid: i64,
    pub other_failed: i64,
    pub in_flight: i64,
    pub collected_cents: i64,
    pub presented_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonRow {
    pub reason_code: String,
    /// What the bank's code means (collections.md).
    pub meaning: String,
    pub presentments: i64,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeingRow {
    pub bucket: String,
    pub loans: i64,
    pub overdue_cents: i64,
    pub balance_cents: i64,
}

/// A report's rows (only the lists of its kind are filled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub kind: ReportKind,
    pub from: String,
    pub to: String,
    pub book: Vec<BookRow>,
    pub funnel: Vec<FunnelStage>,
    pub collection_days: Vec<CollectionDayRow>,
    pub reasons: Vec<ReasonRow>,
    pub ageing: Vec<AgeingRow>,
}

/// Export a report as CSV to a file the officer names: an absolute path, or a file name that
/// goes into their Downloads folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub report: ReportRequest,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportResponse {
    /// Where the file was written.
    pub path: String,
    /// Data rows written (the header not counted).
    pub rows: u64,
    pub bytes: u64,
}
