//! The collections screen's requests and answers: the calendar of action dates with counts and
//! totals, a date's batches with their lines, load reports and results, the manual trigger of
//! the daily run, unpaids grouped by reason code with the next action the rules allow, and open
//! flags. Money in integer cents, dates as `YYYY-MM-DD`, identifiers as text.

use serde::{Deserialize, Serialize};

use crate::loans::{FlagRow, PresentmentRow};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarRequest {
    /// The first day shown; today when absent.
    pub from: Option<String>,
    /// How many days from `from` (1 to 92).
    pub days: u32,
}

/// One action date: the debit orders presented for it and the instalments still to be presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDayRow {
    pub action_date: String,
    pub business_day: bool,
    pub presentments: i64,
    pub presented_cents: i64,
    pub collected: i64,
    pub returned: i64,
    pub in_flight: i64,
    /// Instalments falling due on the date that no debit order holds yet.
    pub scheduled: i64,
    pub scheduled_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarView {
    pub today: String,
    /// The action date whose batch the next daily run on a business day builds.
    pub next_batch_date: String,
    pub days: Vec<CalendarDayRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchesRequest {
    pub action_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    pub collection_batch_id: String,
    pub name: String,
    pub instruction: String,
    pub status: String,
    pub item_count: i32,
    pub total_cents: i64,
    pub file_token: Option<String>,
    pub load_report: Option<String>,
    pub lines: Vec<PresentmentRow>,
    /// Lines the provider dropped, with its message.
    pub rejected: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateBatches {
    pub action_date: String,
    pub batches: Vec<BatchView>,
    /// Debit orders of the date that no batch holds yet.
    pub unbatched: i64,
    pub unbatched_cents: i64,
}

/// The manual trigger asks for today's run; it has no parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerRequest {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerResponse {
    pub job_id: String,
    pub for_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRow {
    pub job_id: String,
    pub status: String,
    pub run_at: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub completed_at: Option<String>,
    pub manual: bool,
}

/// Unpaids of one reason code and what the rules allow next (collections.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnpaidGroup {
    pub reason_code: String,
    pub meaning: String,
    pub count: i64,
    pub total_cents: i64,
    /// The next action the rules allow, in words.
    pub next_action: String,
    /// Whether the engine presents such debits again by itself.
    pub re_presented: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionsOverview {
    pub unpaids: Vec<UnpaidGroup>,
    pub flags: Vec<FlagRow>,
    pub open_flags: i64,
    pub runs: Vec<RunRow>,
    /// Whether the signed-in officer may ask for the run.
    pub may_trigger: bool,
}
