//! The collections screen: the calendar of action dates, a date's batches with their lines and
//! load reports, the manual trigger of the daily run (recorded as a job for the worker, DESIGN.md
//! decision 2), and the overview of unpaids by reason code with the next action the rules allow
//! (`pocket_domain::ReasonCode`, collections.md) and the open flags.

use std::collections::BTreeMap;

use chrono::{Days, Utc};
use pocket_contract::collections::{
    BatchView, BatchesRequest, CalendarDayRow, CalendarRequest, CalendarView, CollectionsOverview,
    DateBatches, RunRow, TriggerRequest, TriggerResponse, UnpaidGroup,
};
use pocket_domain::{NextAction, ReasonCode};
use pocket_store::collections::{self, PresentmentStatus};
use pocket_store::loan_desk as reads;
use pocket_store::parameters;
use pocket_workflows::collections::presentments::two_day_action_date;
use pocket_workflows::loan_desk;
use tauri::State;

use super::Answer;
use super::loans::{collects, date, desk, flag_row, presentment_row, today};
use crate::error::{invalid, store};
use crate::session::Desktop;

/// The most days one calendar request covers (about three months).
pub const MAX_CALENDAR_DAYS: u32 = 92;
/// How many open flags the overview lists (the count covers them all).
pub const FLAGS_SHOWN: i64 = 200;

/// The next action the rules allow after an unpaid with this code, in words (collections.md
/// table, as `ReasonCode::next_action` encodes it).
pub fn next_action_words(action: NextAction) -> String {
    match action {
        NextAction::RePresent { further_attempts, on_later_payday: true } => {
            format!("Presented again on a later payday, at most {further_attempts} more times")
        }
        NextAction::RePresent { further_attempts, on_later_payday: false } => {
            format!("Presented again at most {further_attempts} more time(s)")
        }
        NextAction::StopNewMandate { bank_details_wrong: true, .. } => {
            "Stop: the bank details were wrong; a new mandate is needed".to_owned()
        }
        NextAction::StopNewMandate { flag_for_officer: true, .. } => {
            "Stop: a new mandate is needed; contact the client".to_owned()
        }
        NextAction::StopNewMandate { .. } => "Stop: a new mandate is needed".to_owned(),
        NextAction::StopLegal => "Stop: legal (estate); refer for write-off or claim".to_owned(),
        NextAction::StopDeceased => "Stop: deceased; no further SMS contact".to_owned(),
        NextAction::StopReview => "Stop: review the recall".to_owned(),
        NextAction::ReverseAndFlag => "Dispute: collection reversed; review the mandate".to_owned(),
        NextAction::RouteToPerson => "Unknown code: a person decides".to_owned(),
    }
}

#[tauri::command]
pub async fn collections_calendar(
    desktop: State<'_, Desktop>,
    request: CalendarRequest,
) -> Answer<CalendarView> {
    let current = desktop.current()?;
    let admin = current.admin();
    if request.days == 0 || request.days > MAX_CALENDAR_DAYS {
        return Err(invalid("Show between 1 and 92 days.", admin));
    }
    let today = today();
    let from = match request.from.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(text) => date(text, "first day", admin)?,
        None => today,
    };
    let to = from
        .checked_add_days(Days::new(u64::from(request.days) - 1))
        .ok_or_else(|| invalid("That period is out of range.", admin))?;
    let fail = |e| store(e, admin);
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let calendar = parameters::calendar(&mut conn).await.map_err(fail)?;
    let presented = collections::calendar(&mut conn, from, to).await.map_err(fail)?;
    let scheduled = reads::scheduled_between(&mut conn, from, to).await.map_err(fail)?;
    let mut days: BTreeMap<_, CalendarDayRow> = BTreeMap::new();
    let blank = |d: chrono::NaiveDate| CalendarDayRow {
        action_date: d.to_string(),
        business_day: calendar.is_business_day(d),
        presentments: 0,
        presented_cents: 0,
        collected: 0,
        returned: 0,
        in_flight: 0,
        scheduled: 0,
        scheduled_cents: 0,
    };
    // Every business day of the period is an action date, with or without debit orders.
    for d in from.iter_days().take_while(|d| *d <= to) {
        if calendar.is_business_day(d) {
            days.insert(d, blank(d));
        }
    }
    for p in presented {
        let row = days.entry(p.action_date).or_insert_with(|| blank(p.action_date));
        row.presentments = p.presentments;
        row.presented_cents = p.total_cents;
        row.collected = p.collected;
        row.returned = p.returned;
        row.in_flight = p.in_flight;
    }
    for (on, n, total) in scheduled {
        // A date due on a weekend or holiday is collected on the business day the run reaches
        // first; the calendar shows it on the day it falls due.
        let row = days.entry(on).or_insert_with(|| blank(on));
        row.scheduled = n;
        row.scheduled_cents = total;
    }
    Ok(CalendarView {
        today: today.to_string(),
        // The daily run builds a batch on business days only (a weekend's runs accrue and read
        // statements): the next one that builds is on the next business day.
        next_batch_date: two_day_action_date(
            &calendar,
            calendar.next_business_day_on_or_after(today),
        )
        .to_string(),
        days: days.into_values().collect(),
    })
}

#[tauri::command]
pub async fn collections_batches(
    desktop: State<'_, Desktop>,
    request: BatchesRequest,
) -> Answer<DateBatches> {
    let current = desktop.current()?;
    let admin = current.admin();
    let on = date(&request.action_date, "action date", admin)?;
    let fail = |e| store(e, admin);
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let batches = collections::batches_for_date(&mut conn, on).await.map_err(fail)?;
    let mut views = Vec::with_capacity(batches.len());
    for b in batches {
        let lines =
            reads::batch_presentments(&mut conn, b.collection_batch_id).await.map_err(fail)?;
        let rejected = lines.iter().filter(|l| l.status == PresentmentStatus::Rejected).count();
        views.push(BatchView {
            collection_batch_id: b.collection_batch_id.to_string(),
            name: b.name,
            instruction: b.instruction.as_str().to_owned(),
            status: b.status.as_str().to_owned(),
            item_count: b.item_count,
            total_cents: b.total_cents,
            file_token: b.file_token,
            load_report: b.load_report,
            lines: lines.into_iter().map(presentment_row).collect(),
            rejected: i64::try_from(rejected).unwrap_or(i64::MAX),
        });
    }
    let (unbatched, unbatched_cents) = reads::unbatched_on(&mut conn, on).await.map_err(fail)?;
    Ok(DateBatches { action_date: on.to_string(), batches: views, unbatched, unbatched_cents })
}

#[tauri::command]
pub async fn collections_trigger(
    desktop: State<'_, Desktop>,
    request: TriggerRequest,
) -> Answer<TriggerResponse> {
    let TriggerRequest {} = request;
    let current = desktop.current()?;
    let admin = current.admin();
    let today = today();
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let job =
        loan_desk::trigger_run(&mut conn, today, Utc::now()).await.map_err(|e| desk(e, admin))?;
    Ok(TriggerResponse { job_id: job.to_string(), for_date: today.to_string() })
}

#[tauri::command]
pub async fn collections_overview(desktop: State<'_, Desktop>) -> Answer<CollectionsOverview> {
    let current = desktop.current()?;
    let admin = current.admin();
    let fail = |e| store(e, admin);
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let unpaids = collections::unpaids_by_reason(&mut conn).await.map_err(fail)?;
    let (flags, open_flags) = reads::open_flags(&mut conn, FLAGS_SHOWN).await.map_err(fail)?;
    let runs = reads::recent_runs(&mut conn, 10).await.map_err(fail)?;
    Ok(CollectionsOverview {
        unpaids: unpaids
            .into_iter()
            .map(|(code, count, total)| {
                let reason = ReasonCode::parse(&code);
                let action = reason.next_action();
                UnpaidGroup {
                    meaning: reason.meaning().to_owned(),
                    next_action: next_action_words(action),
                    re_presented: !action.stops_collection(),
                    reason_code: code,
                    count,
                    total_cents: total,
                }
            })
            .collect(),
        flags: flags.into_iter().map(flag_row).collect(),
        open_flags,
        runs: runs
            .into_iter()
            .map(|r| RunRow {
                job_id: r.job_id.to_string(),
                status: r.status,
                run_at: r.run_at.to_rfc3339(),
                attempts: r.attempts,
                last_error: r.last_error,
                completed_at: r.completed_at.map(|t| t.to_rfc3339()),
                manual: r.manual,
            })
            .collect(),
        may_trigger: collects(current.officer.group),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_table_has_words_for_its_next_action() {
        for code in ["02", "03", "04", "08", "18", "22", "26", "28", "30", "99"] {
            let words = next_action_words(ReasonCode::parse(code).next_action());
            assert!(!words.is_empty(), "{code}");
        }
        assert!(next_action_words(ReasonCode::parse("02").next_action()).contains("2 more"));
        assert!(
            next_action_words(ReasonCode::parse("18").next_action()).contains("no further SMS")
        );
    }
}
