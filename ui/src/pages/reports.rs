//! The reports: the loan book by status, the application funnel, collection success by action
//! date and reason code, and arrears ageing, each as an SVG chart with the same numbers in a
//! table, over a date range, and exported as CSV to a file the shell writes. It reloads when the
//! database announces a change. Keys: `1`–`4` choose the report, `e` exports, `r` reloads.

use std::rc::Rc;

use pocket_contract::reports::{ExportRequest, Report, ReportKind, ReportRequest};
use yew::prelude::*;

use crate::app::AppContext;
use crate::components::charts::{BarChart, Series, Unit};
use crate::components::design::Field;
use crate::format::{rand, words};
use crate::pages::{on_keys, typing, value_of};
use crate::services::reports as service;
use crate::state::{AppAction, ToastKind};

/// A date `days` from today, as `YYYY-MM-DD` in the computer's own time zone.
pub fn day_from_today(days: i32) -> String {
    let now = js_sys::Date::now() + f64::from(days) * 86_400_000.0;
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now));
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportsState {
    pub request: ReportRequest,
    pub report: Option<Report>,
    pub loading: bool,
    pub path: String,
    pub exporting: bool,
    pub reloads: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReportsAction {
    Kind(ReportKind),
    From(String),
    To(String),
    Loading,
    Loaded(Box<Report>),
    Failed,
    Path(String),
    Exporting(bool),
    Reload,
}

/// The file name offered for an export.
pub fn file_name(request: &ReportRequest) -> String {
    format!("{}-{}-{}.csv", request.kind.slug().replace('_', "-"), request.from, request.to)
}

impl ReportsState {
    pub fn new(from: String, to: String) -> ReportsState {
        let request = ReportRequest { kind: ReportKind::LoanBook, from, to };
        ReportsState {
            path: file_name(&request),
            request,
            report: None,
            loading: false,
            exporting: false,
            reloads: 0,
        }
    }
}

impl Reducible for ReportsState {
    type Action = ReportsAction;

    fn reduce(self: Rc<Self>, action: ReportsAction) -> Rc<Self> {
        let mut next = (*self).clone();
        let offered = file_name(&next.request);
        match action {
            ReportsAction::Kind(kind) => next.request.kind = kind,
            ReportsAction::From(from) => next.request.from = from,
            ReportsAction::To(to) => next.request.to = to,
            ReportsAction::Loading => next.loading = true,
            ReportsAction::Loaded(report) => {
                next.loading = false;
                next.report = Some(*report);
            }
            ReportsAction::Failed => next.loading = false,
            ReportsAction::Path(path) => next.path = path,
            ReportsAction::Exporting(busy) => next.exporting = busy,
            ReportsAction::Reload => next.reloads += 1,
        }
        // The offered name follows the report and dates until the officer types their own.
        if next.path == offered {
            next.path = file_name(&next.request);
        }
        Rc::new(next)
    }
}

fn export(state: UseReducerHandle<ReportsState>, app: AppContext) {
    if state.exporting {
        return;
    }
    state.dispatch(ReportsAction::Exporting(true));
    // The field as it reads now: its change event may not have re-rendered the page yet.
    let typed = crate::pages::admin::field_value("export-path");
    let path = if typed.trim().is_empty() { state.path.clone() } else { typed };
    let request = ExportRequest { report: state.request.clone(), path };
    wasm_bindgen_futures::spawn_local(async move {
        match service::export(&request).await {
            Ok(done) => app.dispatch(AppAction::Toast(
                ToastKind::Success,
                format!("Saved {} rows to {}", done.rows, done.path),
            )),
            Err(e) => app.dispatch(AppAction::Failed(e)),
        }
        state.dispatch(ReportsAction::Exporting(false));
    });
}

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "—".to_owned()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

#[function_component(ReportsPage)]
pub fn reports_page() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let state = use_reducer(|| ReportsState::new(day_from_today(-90), day_from_today(0)));

    {
        let (state, app) = (state.clone(), app.clone());
        let deps = (state.request.clone(), state.reloads, app.revision);
        use_effect_with(deps, move |(request, _, _)| {
            let request = request.clone();
            state.dispatch(ReportsAction::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                match service::report(&request).await {
                    Ok(report) => state.dispatch(ReportsAction::Loaded(Box::new(report))),
                    Err(e) => {
                        state.dispatch(ReportsAction::Failed);
                        app.dispatch(AppAction::Failed(e));
                    }
                }
            });
        });
    }
    {
        let (state, app) = (state.clone(), app.clone());
        let deps = (state.request.clone(), state.path.clone(), state.exporting);
        use_effect_with(deps, move |_| {
            on_keys(move |e: web_sys::KeyboardEvent| {
                if typing(&e) {
                    return;
                }
                match e.key().as_str() {
                    "1" => state.dispatch(ReportsAction::Kind(ReportKind::LoanBook)),
                    "2" => state.dispatch(ReportsAction::Kind(ReportKind::Funnel)),
                    "3" => state.dispatch(ReportsAction::Kind(ReportKind::Collections)),
                    "4" => state.dispatch(ReportsAction::Kind(ReportKind::Arrears)),
                    "e" => export(state.clone(), app.clone()),
                    "r" => state.dispatch(ReportsAction::Reload),
                    _ => {}
                }
            })
        });
    }

    let tabs = ReportKind::ALL.iter().enumerate().map(|(i, kind)| {
        let active = state.request.kind == *kind;
        let s = state.clone();
        let k = *kind;
        let onclick = Callback::from(move |_| s.dispatch(ReportsAction::Kind(k)));
        html! {
            <button class={if active { "tab tab-active" } else { "tab" }} role="tab"
                aria-selected={active.to_string()} data-report={kind.slug()} {onclick}>
                { kind.label() }<span class="count">{ i + 1 }</span>
            </button>
        }
    });
    let on_from = {
        let state = state.clone();
        Callback::from(move |e: Event| state.dispatch(ReportsAction::From(value_of(&e))))
    };
    let on_to = {
        let state = state.clone();
        Callback::from(move |e: Event| state.dispatch(ReportsAction::To(value_of(&e))))
    };
    let on_path = {
        let state = state.clone();
        Callback::from(move |e: Event| state.dispatch(ReportsAction::Path(value_of(&e))))
    };
    let on_export = {
        let (state, app) = (state.clone(), app.clone());
        Callback::from(move |_| export(state.clone(), app.clone()))
    };
    let shown = state.report.as_ref().filter(|r| r.kind == state.request.kind);

    html! {
        <section class="reports" id="reports">
            <div class="page-head"><h1>{ "Reports" }</h1></div>
            <div class="tabs" role="tablist">{ for tabs }</div>
            <div class="toolbar">
                <Field label="From">
                    <input id="report-from" type="date" value={state.request.from.clone()} onchange={on_from} />
                </Field>
                <Field label={if state.request.kind == ReportKind::Arrears { "To (arrears on this day)" } else { "To" }}>
                    <input id="report-to" type="date" value={state.request.to.clone()} onchange={on_to} />
                </Field>
                <Field label="Save as (a file name goes to Downloads)">
                    <input id="export-path" class="export-path" value={state.path.clone()} onchange={on_path} />
                </Field>
                <button class="button button-primary" id="export" onclick={on_export}
                    disabled={state.exporting}>{ "Export CSV (e)" }</button>
                if state.loading { <span class="spinner" aria-label="Loading">{ "Loading…" }</span> }
            </div>
            { match shown {
                Some(report) => view(report),
                None => html! { <p class="loading">{ "Loading…" }</p> },
            } }
        </section>
    }
}

fn view(report: &Report) -> Html {
    let body = match report.kind {
        ReportKind::LoanBook => loan_book(report),
        ReportKind::Funnel => funnel(report),
        ReportKind::Collections => collections(report),
        ReportKind::Arrears => arrears(report),
    };
    html! { <div class="card report" id={format!("report-{}", report.kind.slug())}>{ body }</div> }
}

fn loan_book(report: &Report) -> Html {
    let rows = &report.book;
    let total = |f: fn(&pocket_contract::reports::BookRow) -> i64| rows.iter().map(f).sum::<i64>();
    html! {
        <>
            <h2>{ format!("Loans paid out {} to {}, by status now", report.from, report.to) }</h2>
            <BarChart id="chart-loan-book" title="Outstanding balance and principal by loan status" unit={Unit::Rands}
                categories={rows.iter().map(|r| words(&r.status)).collect::<Vec<_>>()}
                series={vec![
                    Series { label: "Principal".into(), class: "a", values: rows.iter().map(|r| r.principal_cents).collect() },
                    Series { label: "Balance".into(), class: "b", values: rows.iter().map(|r| r.balance_cents).collect() },
                ]} />
            <table class="table compact report-table">
                <thead><tr><th>{ "Status" }</th><th class="num">{ "Loans" }</th><th class="num">{ "Principal" }</th><th class="num">{ "Balance" }</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|r| html! {
                        <tr><td>{ words(&r.status) }</td><td class="num">{ r.loans }</td>
                            <td class="num">{ rand(r.principal_cents) }</td><td class="num">{ rand(r.balance_cents) }</td></tr>
                    }) }
                    <tr class="total"><td>{ "Total" }</td><td class="num">{ total(|r| r.loans) }</td>
                        <td class="num">{ rand(total(|r| r.principal_cents)) }</td><td class="num">{ rand(total(|r| r.balance_cents)) }</td></tr>
                </tbody>
            </table>
            if rows.is_empty() { <p class="empty">{ "No loans were paid out in this range." }</p> }
        </>
    }
}

fn funnel(report: &Report) -> Html {
    let started = report.funnel.first().map_or(0, |s| s.applications);
    html! {
        <>
            <h2>{ format!("Applications started {} to {}: how far they got", report.from, report.to) }</h2>
            <BarChart id="chart-funnel" title="Applications reaching each stage" unit={Unit::Count}
                categories={report.funnel.iter().map(|s| s.label.clone()).collect::<Vec<_>>()}
                series={vec![Series { label: "Applications".into(), class: "a",
                    values: report.funnel.iter().map(|s| s.applications).collect() }]} />
            <table class="table compact report-table">
                <thead><tr><th>{ "Stage" }</th><th class="num">{ "Applications" }</th><th class="num">{ "Of those started" }</th></tr></thead>
                <tbody>
                    { for report.funnel.iter().map(|s| html! {
                        <tr data-stage={s.stage.clone()}><td>{ s.label.clone() }</td><td class="num">{ s.applications }</td>
                            <td class="num">{ percent(s.applications, started) }</td></tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

fn collections(report: &Report) -> Html {
    let days = &report.collection_days;
    let series = |label: &str,
                  class: &'static str,
                  f: fn(&pocket_contract::reports::CollectionDayRow) -> i64| {
        Series { label: label.to_owned(), class, values: days.iter().map(f).collect() }
    };
    let final_count =
        |d: &pocket_contract::reports::CollectionDayRow| d.successful + d.unpaid + d.other_failed;
    html! {
        <>
            <h2>{ format!("Debit orders with action dates {} to {}", report.from, report.to) }</h2>
            <BarChart id="chart-collections" title="Debit orders by action date and outcome" unit={Unit::Count} stacked=true
                categories={days.iter().map(|d| d.action_date.get(5..).unwrap_or(&d.action_date).to_owned()).collect::<Vec<_>>()}
                series={vec![
                    series("Successful", "ok", |d| d.successful),
                    series("Unpaid", "bad", |d| d.unpaid),
                    series("Disputed or rejected", "warn", |d| d.other_failed),
                    series("Not final yet", "muted", |d| d.in_flight),
                ]} />
            <table class="table compact report-table" id="collections-by-day">
                <thead><tr><th>{ "Action date" }</th><th class="num">{ "Successful" }</th><th class="num">{ "Unpaid" }</th>
                    <th class="num">{ "Disputed or rejected" }</th><th class="num">{ "Not final" }</th>
                    <th class="num">{ "Success rate" }</th><th class="num">{ "Collected" }</th><th class="num">{ "Presented" }</th></tr></thead>
                <tbody>
                    { for days.iter().map(|d| html! {
                        <tr><td>{ d.action_date.clone() }</td><td class="num">{ d.successful }</td><td class="num">{ d.unpaid }</td>
                            <td class="num">{ d.other_failed }</td><td class="num">{ d.in_flight }</td>
                            <td class="num">{ percent(d.successful, final_count(d)) }</td>
                            <td class="num">{ rand(d.collected_cents) }</td><td class="num">{ rand(d.presented_cents) }</td></tr>
                    }) }
                </tbody>
            </table>
            if days.is_empty() { <p class="empty">{ "No debit orders in this range." }</p> }
            <h2 class="spaced">{ "Failures by the bank's reason code" }</h2>
            if !report.reasons.is_empty() {
                <BarChart id="chart-reasons" title="Failed debit orders by reason code" unit={Unit::Count}
                    categories={report.reasons.iter().map(|r| r.reason_code.clone()).collect::<Vec<_>>()}
                    series={vec![Series { label: "Failed debit orders".into(), class: "bad",
                        values: report.reasons.iter().map(|r| r.presentments).collect() }]} />
            }
            <table class="table compact report-table" id="collections-by-reason">
                <thead><tr><th>{ "Code" }</th><th>{ "Meaning" }</th><th class="num">{ "Debit orders" }</th><th class="num">{ "Amount" }</th></tr></thead>
                <tbody>
                    { for report.reasons.iter().map(|r| html! {
                        <tr><td class="mono">{ r.reason_code.clone() }</td><td>{ r.meaning.clone() }</td>
                            <td class="num">{ r.presentments }</td><td class="num">{ rand(r.amount_cents) }</td></tr>
                    }) }
                </tbody>
            </table>
            if report.reasons.is_empty() { <p class="empty">{ "No failed debit orders in this range." }</p> }
        </>
    }
}

fn arrears(report: &Report) -> Html {
    let rows = &report.ageing;
    html! {
        <>
            <h2>{ format!("Loans in arrears on {}, by days past due", report.to) }</h2>
            <BarChart id="chart-arrears" title="Overdue amounts by days past due" unit={Unit::Rands}
                categories={rows.iter().map(|r| format!("{} days", r.bucket)).collect::<Vec<_>>()}
                series={vec![Series { label: "Overdue".into(), class: "bad", values: rows.iter().map(|r| r.overdue_cents).collect() }]} />
            <table class="table compact report-table">
                <thead><tr><th>{ "Days past due" }</th><th class="num">{ "Loans" }</th><th class="num">{ "Overdue" }</th><th class="num">{ "Balance" }</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|r| html! {
                        <tr><td>{ r.bucket.clone() }</td><td class="num">{ r.loans }</td>
                            <td class="num">{ rand(r.overdue_cents) }</td><td class="num">{ rand(r.balance_cents) }</td></tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offered_file_name_follows_the_report_until_the_officer_types_one() {
        let state = Rc::new(ReportsState::new("2026-01-01".into(), "2026-03-31".into()));
        assert_eq!(state.path, "loan-book-2026-01-01-2026-03-31.csv");
        let state = state.reduce(ReportsAction::Kind(ReportKind::Arrears));
        assert_eq!(state.path, "arrears-2026-01-01-2026-03-31.csv");
        let state = state.reduce(ReportsAction::Path("/tmp/mine.csv".into()));
        let state = state.reduce(ReportsAction::Kind(ReportKind::Funnel));
        assert_eq!(state.path, "/tmp/mine.csv");
    }

    #[test]
    fn percentages_never_divide_by_zero() {
        assert_eq!(percent(1, 0), "—");
        assert_eq!(percent(1, 4), "25.0%");
    }
}
