//! Load reports (netcash-niws.md, "Load report") and batch status lines.

use chrono::NaiveDate;
use pocket_domain::Money;

use super::{FileToken, NetcashError};

/// The state of a loaded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadState {
    /// Every line loaded.
    Successful,
    /// Bad lines were dropped, the rest loaded.
    SuccessfulWithErrors,
    /// Nothing loaded.
    Unsuccessful,
}

/// A line the provider dropped: `Acc Ref :XI5 Line :3 message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// Field 101 of the dropped line (the presentment id).
    pub account_reference: String,
    /// The line number in the file.
    pub line: u32,
    /// Why.
    pub message: String,
}

/// A parsed load report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// The batch name from the `###BEGIN` line.
    pub batch_name: String,
    /// The state.
    pub state: LoadState,
    /// The total loaded, when the report states it (`R1.00`).
    pub total: Option<Money>,
    /// The action date, when the report states it.
    pub action_date: Option<NaiveDate>,
    /// Dropped lines.
    pub line_errors: Vec<LineError>,
    /// `###ERROR:` lines (why an `UNSUCCESSFUL` file failed).
    pub errors: Vec<String>,
    /// Lines of the report this parser does not know, kept verbatim.
    pub other_lines: Vec<String>,
}

fn malformed(why: impl Into<String>) -> NetcashError {
    NetcashError::Malformed(why.into())
}

/// Reads `R1.00` or `1.00` (rands and cents) as money.
pub(crate) fn parse_rands(text: &str) -> Option<Money> {
    let text = text.strip_prefix('R').unwrap_or(text);
    let (rands, cents) = text.split_once('.').unwrap_or((text, "00"));
    if rands.is_empty()
        || rands.len() > 15
        || cents.len() != 2
        || !rands.bytes().all(|b| b.is_ascii_digit())
        || !cents.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let rands: i64 = rands.parse().ok()?;
    let cents: i64 = cents.parse().ok()?;
    Some(Money::from_cents(rands.checked_mul(100)?.checked_add(cents)?))
}

fn parse_begin(rest: &str) -> Result<LoadReport, NetcashError> {
    // netcash-niws.md: `###BEGIN LOANS-20261201-1 SUCCESSFUL WITH ERRORS 01:29 PM R1.00 20261201`.
    let states = [
        (" SUCCESSFUL WITH ERRORS", LoadState::SuccessfulWithErrors),
        (" UNSUCCESSFUL", LoadState::Unsuccessful),
        (" SUCCESSFUL", LoadState::Successful),
    ];
    let (batch_name, state, tail) = states
        .iter()
        .find_map(|(word, state)| {
            let at = rest.find(word)?;
            let tail = &rest[at + word.len()..];
            (tail.is_empty() || tail.starts_with(' ')).then(|| (&rest[..at], *state, tail))
        })
        .ok_or_else(|| malformed(format!("no load state in `###BEGIN {rest}`")))?;
    let mut total = None;
    let mut action_date = None;
    for token in tail.split_whitespace() {
        if token.starts_with('R') {
            total = parse_rands(token);
        } else if token.len() == 8 {
            action_date = NaiveDate::parse_from_str(token, "%Y%m%d").ok();
        }
    }
    Ok(LoadReport {
        batch_name: batch_name.trim().to_owned(),
        state,
        total,
        action_date,
        line_errors: Vec::new(),
        errors: Vec::new(),
        other_lines: Vec::new(),
    })
}

fn parse_line_error(rest: &str) -> Option<LineError> {
    // netcash-niws.md: `Acc Ref :XI5 Line :3 Bank account number has incorrect length ...`.
    let (reference, after) = rest.split_once(" Line :")?;
    let after = after.trim_start();
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    let line = after[..digits].parse().ok()?;
    Some(LineError {
        account_reference: reference.trim().to_owned(),
        line,
        message: after[digits..].trim().to_owned(),
    })
}

/// Reads every report in `text` (the combined upload report of a date holds several).
pub fn parse_load_reports(text: &str) -> Result<Vec<LoadReport>, NetcashError> {
    let mut reports = Vec::new();
    let mut current: Option<LoadReport> = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("###BEGIN ") {
            if current.is_some() {
                return Err(malformed("a report begins before the previous one ended"));
            }
            current = Some(parse_begin(rest)?);
            continue;
        }
        let Some(report) = current.as_mut() else {
            return Err(malformed(format!("text outside a report: `{line}`")));
        };
        if line.starts_with("###END") {
            reports.push(current.take().expect("BUG: matched above"));
        } else if let Some(rest) = line.strip_prefix("###ERROR:") {
            report.errors.push(rest.trim().to_owned());
        } else if let Some(error) = line.strip_prefix("Acc Ref :").and_then(parse_line_error) {
            report.line_errors.push(error);
        } else {
            report.other_lines.push(line.to_owned());
        }
    }
    if current.is_some() {
        return Err(malformed("the report has no ###END"));
    }
    Ok(reports)
}

/// Reads exactly one load report.
pub fn parse_load_report(text: &str) -> Result<LoadReport, NetcashError> {
    let mut reports = parse_load_reports(text)?;
    if reports.len() != 1 {
        return Err(malformed(format!("expected one load report, found {}", reports.len())));
    }
    Ok(reports.remove(0))
}

/// netcash-niws.md: 1 unauthorised, 2 authorised, 3 locked, 4 processed, 5 insufficient funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    /// 1.
    Unauthorised,
    /// 2.
    Authorised,
    /// 3.
    Locked,
    /// 4.
    Processed,
    /// 5.
    InsufficientFunds,
    /// A status code the spec does not list, kept verbatim.
    Other(u8),
}

impl BatchState {
    fn from_code(code: u8) -> BatchState {
        match code {
            1 => BatchState::Unauthorised,
            2 => BatchState::Authorised,
            3 => BatchState::Locked,
            4 => BatchState::Processed,
            5 => BatchState::InsufficientFunds,
            other => BatchState::Other(other),
        }
    }
}

/// One recent batch from `RetrieveBatchStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStatus {
    /// The file token of the upload.
    pub token: FileToken,
    /// The batch name.
    pub batch_name: String,
    /// The action date.
    pub action_date: NaiveDate,
    /// The state.
    pub state: BatchState,
    /// How many transactions loaded.
    pub count: u32,
    /// Their total.
    pub total: Money,
}

/// Reads `RetrieveBatchStatus` lines: token, name, action date, status, count, total cents,
/// tab-separated. The spec gives no layout; this is the simulator's, to be checked against real
/// traffic. `NO CHANGE` means no batches.
pub fn parse_batch_statuses(text: &str) -> Result<Vec<BatchStatus>, NetcashError> {
    if text.trim() == "NO CHANGE" {
        return Ok(Vec::new());
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').map(str::trim).collect();
            let bad = || malformed(format!("batch status line `{line}`"));
            if f.len() != 6 {
                return Err(bad());
            }
            Ok(BatchStatus {
                token: FileToken::new(f[0]),
                batch_name: f[1].to_owned(),
                action_date: NaiveDate::parse_from_str(f[2], "%Y%m%d").map_err(|_| bad())?,
                state: BatchState::from_code(f[3].parse().map_err(|_| bad())?),
                count: f[4].parse().map_err(|_| bad())?,
                total: Money::from_cents(f[5].parse().map_err(|_| bad())?),
            })
        })
        .collect()
}
