//! The reports (crates/store/src/reports.rs) and their CSV export, written by the shell to a file
//! the officer names (the webview itself cannot save files).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use pocket_contract::reports::{
    AgeingRow, BookRow, CollectionDayRow, ExportRequest, ExportResponse, FunnelStage, ReasonRow,
    Report, ReportKind, ReportRequest,
};
use pocket_domain::collections::ReasonCode;
use pocket_store::reports;
use tauri::{AppHandle, Manager, Runtime, State};

use super::Answer;
use crate::csv::{self, Cell};
use crate::error::{command_error, invalid, store};
use crate::session::Desktop;

/// The longest range a report covers.
pub const MAX_DAYS: i64 = 3 * 366;

/// Reads and checks the report's dates.
pub fn range(request: &ReportRequest) -> Result<(NaiveDate, NaiveDate), &'static str> {
    let date = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d");
    let (Ok(from), Ok(to)) = (date(&request.from), date(&request.to)) else {
        return Err("Dates are written YYYY-MM-DD.");
    };
    if from > to {
        return Err("The range ends before it starts.");
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err("A report covers at most three years.");
    }
    Ok((from, to))
}

#[tauri::command]
pub async fn run_report(desktop: State<'_, Desktop>, request: ReportRequest) -> Answer<Report> {
    let current = desktop.current()?;
    let admin = current.admin();
    let (from, to) = range(&request).map_err(|what| invalid(what, admin))?;
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let fail = |e| store(e, admin);
    let mut report = Report {
        kind: request.kind,
        from: from.to_string(),
        to: to.to_string(),
        book: Vec::new(),
        funnel: Vec::new(),
        collection_days: Vec::new(),
        reasons: Vec::new(),
        ageing: Vec::new(),
    };
    match request.kind {
        ReportKind::LoanBook => {
            report.book = reports::loan_book(&mut conn, from, to)
                .await
                .map_err(fail)?
                .into_iter()
                .map(|l| BookRow {
                    status: l.status,
                    loans: l.loans,
                    principal_cents: l.principal_cents,
                    balance_cents: l.balance_cents,
                })
                .collect();
        }
        ReportKind::Funnel => {
            let f = reports::funnel(&mut conn, from, to).await.map_err(fail)?;
            let stage = |stage: &str, label: &str, applications| FunnelStage {
                stage: stage.to_owned(),
                label: label.to_owned(),
                applications,
            };
            report.funnel = vec![
                stage("started", "Started", f.started),
                stage("submitted", "Submitted", f.submitted),
                stage("assessed", "Pre-approved or referred", f.pre_approved_or_referred),
                stage("approved", "Approved", f.approved),
                stage("signed", "Signed", f.signed),
                stage("paid_out", "Paid out", f.paid_out),
                stage("declined", "Declined", f.declined),
            ];
        }
        ReportKind::Collections => {
            report.collection_days = reports::collections_by_day(&mut conn, from, to)
                .await
                .map_err(fail)?
                .into_iter()
                .map(|d| CollectionDayRow {
                    action_date: d.action_date.to_string(),
                    successful: d.successful,
                    unpaid: d.unpaid,
                    other_failed: d.other_failed,
                    in_flight: d.in_flight,
                    collected_cents: d.collected_cents,
                    presented_cents: d.presented_cents,
                })
                .collect();
            report.reasons = reports::failures_by_reason(&mut conn, from, to)
                .await
                .map_err(fail)?
                .into_iter()
                .map(|r| ReasonRow {
                    meaning: ReasonCode::parse(&r.reason_code).meaning().to_owned(),
                    reason_code: r.reason_code,
                    presentments: r.presentments,
                    amount_cents: r.amount_cents,
                })
                .collect();
        }
        ReportKind::Arrears => {
            report.ageing = reports::arrears_ageing(&mut conn, to)
                .await
                .map_err(fail)?
                .into_iter()
                .map(|b| AgeingRow {
                    bucket: b.bucket,
                    loans: b.loans,
                    overdue_cents: b.overdue_cents,
                    balance_cents: b.balance_cents,
                })
                .collect();
        }
    }
    Ok(report)
}

/// The report as a CSV file's text.
pub fn to_csv(report: &Report) -> (String, u64) {
    let (header, rows): (&[&str], Vec<Vec<Cell>>) = match report.kind {
        ReportKind::LoanBook => (
            &["status", "loans", "principal_rands", "balance_rands"],
            report
                .book
                .iter()
                .map(|r| {
                    vec![
                        Cell::from(r.status.as_str()),
                        Cell::Number(r.loans),
                        Cell::Rands(r.principal_cents),
                        Cell::Rands(r.balance_cents),
                    ]
                })
                .collect(),
        ),
        ReportKind::Funnel => (
            &["stage", "label", "applications"],
            report
                .funnel
                .iter()
                .map(|s| {
                    vec![
                        Cell::from(s.stage.as_str()),
                        Cell::from(s.label.as_str()),
                        Cell::Number(s.applications),
                    ]
                })
                .collect(),
        ),
        ReportKind::Collections => (
            &[
                "section",
                "action_date_or_reason_code",
                "meaning",
                "successful",
                "unpaid",
                "disputed_or_rejected",
                "in_flight",
                "presentments",
                "collected_rands",
                "amount_rands",
            ],
            report
                .collection_days
                .iter()
                .map(|d| {
                    vec![
                        Cell::from("by_action_date"),
                        Cell::from(d.action_date.as_str()),
                        Cell::from(""),
                        Cell::Number(d.successful),
                        Cell::Number(d.unpaid),
                        Cell::Number(d.other_failed),
                        Cell::Number(d.in_flight),
                        Cell::Number(d.successful + d.unpaid + d.other_failed + d.in_flight),
                        Cell::Rands(d.collected_cents),
                        Cell::Rands(d.presented_cents),
                    ]
                })
                .chain(report.reasons.iter().map(|r| {
                    vec![
                        Cell::from("by_reason_code"),
                        Cell::from(r.reason_code.as_str()),
                        Cell::from(r.meaning.as_str()),
                        Cell::from(""),
                        Cell::from(""),
                        Cell::from(""),
                        Cell::from(""),
                        Cell::Number(r.presentments),
                        Cell::from(""),
                        Cell::Rands(r.amount_cents),
                    ]
                }))
                .collect(),
        ),
        ReportKind::Arrears => (
            &["days_past_due", "loans", "overdue_rands", "balance_rands"],
            report
                .ageing
                .iter()
                .map(|b| {
                    vec![
                        Cell::from(b.bucket.as_str()),
                        Cell::Number(b.loans),
                        Cell::Rands(b.overdue_cents),
                        Cell::Rands(b.balance_cents),
                    ]
                })
                .collect(),
        ),
    };
    let count = rows.len() as u64;
    (csv::write(header, &rows), count)
}

/// Where the file goes: an absolute path as given, or a bare file name in the Downloads folder.
/// The name must end in `.csv`; the folder must exist.
pub fn destination(path: &str, downloads: Option<PathBuf>) -> Result<PathBuf, &'static str> {
    let path = path.trim();
    if path.is_empty() || path.len() > 1024 || path.chars().any(char::is_control) {
        return Err("Name the file to save, for example loan-book.csv.");
    }
    let given = Path::new(path);
    let full = if given.is_absolute() {
        given.to_path_buf()
    } else {
        if given.components().count() != 1 {
            return Err("Give a file name, or a full path starting with /.");
        }
        downloads.ok_or("There is no Downloads folder: give a full path.")?.join(given)
    };
    if full.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref()
        != Some("csv")
    {
        return Err("The file name ends in .csv.");
    }
    if full.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        return Err("The path cannot go up with '..'.");
    }
    match full.parent() {
        Some(dir) if dir.is_dir() => Ok(full),
        _ => Err("That folder does not exist."),
    }
}

#[tauri::command]
pub async fn export_report<R: Runtime>(
    app: AppHandle<R>,
    desktop: State<'_, Desktop>,
    request: ExportRequest,
) -> Answer<ExportResponse> {
    let admin = desktop.current()?.admin();
    let downloads = app.path().download_dir().ok();
    let path = destination(&request.path, downloads).map_err(|what| invalid(what, admin))?;
    let report = run_report(desktop, request.report).await?;
    let (text, rows) = to_csv(&report);
    // Written beside the target and renamed, so a failure never leaves half a file.
    let partial = path.with_extension("csv.part");
    let written = tokio::fs::write(&partial, text.as_bytes()).await;
    let renamed = match written {
        Ok(()) => tokio::fs::rename(&partial, &path).await,
        Err(e) => Err(e),
    };
    if let Err(e) = renamed {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(command_error(
            pocket_contract::ErrorCode::Invalid,
            format!("The file could not be written: {}", e.kind()),
            format!("{}: {e}", path.display()),
            admin,
        ));
    }
    tracing::info!(path = %path.display(), rows, "report exported");
    Ok(ExportResponse { path: path.display().to_string(), rows, bytes: text.len() as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(from: &str, to: &str) -> ReportRequest {
        ReportRequest { kind: ReportKind::LoanBook, from: from.into(), to: to.into() }
    }

    #[test]
    fn ranges_are_checked() {
        assert!(range(&request("2026-01-01", "2026-12-31")).is_ok());
        assert!(range(&request("2026-12-31", "2026-01-01")).is_err());
        assert!(range(&request("2020-01-01", "2026-01-01")).is_err());
        assert!(range(&request("yesterday", "2026-01-01")).is_err());
        assert!(range(&request("2026-02-30", "2026-03-01")).is_err());
    }

    #[test]
    fn destinations_are_csv_files_in_existing_folders() {
        let tmp = std::env::temp_dir();
        let downloads = Some(tmp.clone());
        assert_eq!(destination("book.csv", downloads.clone()).unwrap(), tmp.join("book.csv"));
        let absolute = tmp.join("x.CSV");
        assert!(destination(absolute.to_str().unwrap(), None).is_ok());
        assert!(destination("book.xlsx", downloads.clone()).is_err());
        assert!(destination("../etc/book.csv", downloads.clone()).is_err());
        assert!(destination("a/b.csv", downloads.clone()).is_err());
        assert!(destination("/no/such/folder/b.csv", None).is_err());
        assert!(destination("/tmp/../tmp/b.csv", None).is_err());
        assert!(destination("", downloads.clone()).is_err());
        assert!(destination("book.csv", None).is_err());
        assert!(destination("bo\u{0}ok.csv", downloads).is_err());
    }
}
