//! Collections: the calendar of the next six weeks of action dates with counts and totals, the
//! batches of the chosen date (lines, status, the load report with the lines the provider dropped
//! and its messages, the results), the manual trigger of today's run (recorded for the worker, it
//! never calls the provider from here), unpaids grouped by reason code with the next action the
//! rules allow, open flags and the latest runs. It reloads when the database announces a change.
//! Keys: `h`/`l` or left/right choose the date, `t` asks for the run, `r` reloads.

use std::rc::Rc;

use pocket_contract::collections::{
    CalendarRequest, CalendarView, CollectionsOverview, DateBatches,
};
use yew::prelude::*;

use crate::app::AppContext;
use crate::components::design::LabelBadge;
use crate::format::{self, rand, text, words};
use crate::pages::{on_keys, typing};
use crate::router::{self, Route};
use crate::services::collections as service;
use crate::state::{AppAction, ToastKind};

/// About six weeks of action dates.
const CALENDAR_DAYS: u32 = 42;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CollectionsState {
    pub calendar: Option<CalendarView>,
    pub overview: Option<CollectionsOverview>,
    pub selected: Option<String>,
    pub batches: Option<DateBatches>,
    pub busy: bool,
    pub reloads: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CollectionsAction {
    Calendar(CalendarView),
    Overview(Box<CollectionsOverview>),
    Select(String),
    Step(isize),
    Batches(Box<DateBatches>),
    Busy(bool),
    Reload,
}

impl Reducible for CollectionsState {
    type Action = CollectionsAction;

    fn reduce(self: Rc<Self>, action: CollectionsAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            CollectionsAction::Calendar(view) => {
                if next.selected.is_none() {
                    next.selected = Some(view.next_batch_date.clone());
                }
                next.calendar = Some(view);
            }
            CollectionsAction::Overview(view) => next.overview = Some(*view),
            CollectionsAction::Select(day) => next.selected = Some(day),
            CollectionsAction::Step(delta) => {
                if let Some(days) = next.calendar.as_ref().map(|c| &c.days) {
                    let at = next
                        .selected
                        .as_ref()
                        .and_then(|s| days.iter().position(|d| &d.action_date == s));
                    let to = match at {
                        Some(i) => i.saturating_add_signed(delta).min(days.len().saturating_sub(1)),
                        None => 0,
                    };
                    if let Some(day) = days.get(to) {
                        next.selected = Some(day.action_date.clone());
                    }
                }
            }
            CollectionsAction::Batches(b) => next.batches = Some(*b),
            CollectionsAction::Busy(b) => next.busy = b,
            CollectionsAction::Reload => next.reloads += 1,
        }
        Rc::new(next)
    }
}

fn trigger(page: UseReducerHandle<CollectionsState>, app: AppContext) {
    if page.busy {
        return;
    }
    page.dispatch(CollectionsAction::Busy(true));
    wasm_bindgen_futures::spawn_local(async move {
        match service::trigger().await {
            Ok(done) => app.dispatch(AppAction::Toast(
                ToastKind::Success,
                format!("Today's collections run ({}) is queued for the worker.", done.for_date),
            )),
            Err(e) => app.dispatch(AppAction::Failed(e)),
        }
        page.dispatch(CollectionsAction::Busy(false));
        page.dispatch(CollectionsAction::Reload);
    });
}

#[function_component(CollectionsPage)]
pub fn collections_page() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let page = use_reducer(CollectionsState::default);

    {
        let (page, app) = (page.clone(), app.clone());
        use_effect_with((page.reloads, app.revision), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let request = CalendarRequest { from: None, days: CALENDAR_DAYS };
                match service::calendar(&request).await {
                    Ok(view) => page.dispatch(CollectionsAction::Calendar(view)),
                    Err(e) => return app.dispatch(AppAction::Fatal(e)),
                }
                match service::overview().await {
                    Ok(view) => page.dispatch(CollectionsAction::Overview(Box::new(view))),
                    Err(e) => app.dispatch(AppAction::Failed(e)),
                }
            });
        });
    }
    {
        let (page, app) = (page.clone(), app.clone());
        let deps = (page.selected.clone(), page.reloads, app.revision);
        use_effect_with(deps, move |(selected, _, _)| {
            if let Some(day) = selected.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match service::batches(day).await {
                        Ok(b) => page.dispatch(CollectionsAction::Batches(Box::new(b))),
                        Err(e) => app.dispatch(AppAction::Failed(e)),
                    }
                });
            }
        });
    }
    {
        let (page, app) = (page.clone(), app.clone());
        let may = page.overview.as_ref().is_some_and(|o| o.may_trigger);
        use_effect_with(may, move |may| {
            let may = *may;
            on_keys(move |e: web_sys::KeyboardEvent| {
                if typing(&e) {
                    return;
                }
                match e.key().as_str() {
                    "h" | "ArrowLeft" => page.dispatch(CollectionsAction::Step(-1)),
                    "l" | "ArrowRight" => page.dispatch(CollectionsAction::Step(1)),
                    "t" if may => trigger(page.clone(), app.clone()),
                    "r" => page.dispatch(CollectionsAction::Reload),
                    _ => {}
                }
            })
        });
    }

    let on_trigger = {
        let (page, app) = (page.clone(), app.clone());
        Callback::from(move |_| trigger(page.clone(), app.clone()))
    };
    let open_loan = |id: String| {
        Callback::from(move |_: MouseEvent| router::navigate(&Route::Loan(id.clone())))
    };

    let calendar = match &page.calendar {
        None => html! { <div class="loading">{ "Loading…" }</div> },
        Some(c) => html! {
            <div class="calendar" id="calendar">
                { for c.days.iter().map(|d| {
                    let chosen = page.selected.as_deref() == Some(d.action_date.as_str());
                    let mut class = vec!["calendar-day"];
                    if chosen { class.push("chosen"); }
                    if !d.business_day { class.push("closed"); }
                    if d.action_date == c.next_batch_date { class.push("next-batch"); }
                    if d.action_date == c.today { class.push("today"); }
                    let select = {
                        let (page, day) = (page.clone(), d.action_date.clone());
                        Callback::from(move |_| page.dispatch(CollectionsAction::Select(day.clone())))
                    };
                    html! {
                        <button class={classes!(class)} onclick={select} data-date={d.action_date.clone()}>
                            <span class="calendar-date">{ d.action_date.clone() }</span>
                            if d.presentments > 0 {
                                <span class="calendar-count">{ format!("{} · {}", d.presentments, rand(d.presented_cents)) }</span>
                                <span class="calendar-results">{ format!("✓{} ✗{} …{}", d.collected, d.returned, d.in_flight) }</span>
                            }
                            if d.scheduled > 0 {
                                <span class="calendar-scheduled">{ format!("due {} · {}", d.scheduled, rand(d.scheduled_cents)) }</span>
                            }
                        </button>
                    }
                }) }
            </div>
        },
    };

    let batches = match &page.batches {
        None => html! {},
        Some(b) => html! {
            <article class="card" id="date-batches" data-date={b.action_date.clone()}>
                <h2>{ format!("Action date {}", b.action_date) }</h2>
                if b.unbatched > 0 {
                    <p class="notice">{ format!("{} debit order(s) for {} wait for the next batch.", b.unbatched, rand(b.unbatched_cents)) }</p>
                }
                if b.batches.is_empty() {
                    <p class="empty" id="no-batch">{ "No batch for this date yet: the daily run builds it two business days ahead." }</p>
                }
                { for b.batches.iter().map(|batch| html! {
                    <section class="batch" data-batch={batch.name.clone()}>
                        <div class="batch-head">
                            <strong class="mono">{ batch.name.clone() }</strong>
                            <LabelBadge status={batch.status.clone()} label={words(&batch.status)} />
                            <span>{ format!("{} · {} lines · {}", words(&batch.instruction), batch.item_count, rand(batch.total_cents)) }</span>
                            if batch.rejected > 0 { <span class="form-error">{ format!("{} rejected", batch.rejected) }</span> }
                        </div>
                        if let Some(report) = &batch.load_report {
                            <pre class="load-report">{ report.clone() }</pre>
                        }
                        <table class="table compact batch-lines">
                            <thead><tr><th>{ "Account ref." }</th><th>{ "Loan" }</th><th>{ "Client" }</th><th>{ "#" }</th><th>{ "Attempt" }</th><th class="num">{ "Amount" }</th><th>{ "Result" }</th><th>{ "Reason / message" }</th></tr></thead>
                            <tbody>
                                { for batch.lines.iter().map(|l| html! {
                                    <tr class="queue-row" onclick={open_loan(l.loan_id.clone())} data-status={l.status.clone()}>
                                        <td class="mono">{ l.account_reference.clone() }</td>
                                        <td class="mono">{ l.reference.clone() }</td>
                                        <td>{ text(&l.applicant_name) }</td>
                                        <td>{ l.instalment_sequence }</td>
                                        <td>{ l.attempt }</td>
                                        <td class="num">{ rand(l.amount_cents) }</td>
                                        <td><LabelBadge status={l.status.clone()} label={words(&l.status)} /></td>
                                        <td>{ match (&l.reason_code, &l.reason, &l.message) {
                                            (Some(code), Some(why), _) => format!("{code}: {why}"),
                                            (_, _, Some(message)) => message.clone(),
                                            _ => String::new(),
                                        } }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </section>
                }) }
            </article>
        },
    };

    let overview = match &page.overview {
        None => html! {},
        Some(o) => html! {
            <>
            <article class="card" id="unpaids">
                <h2>{ "Unpaids by reason code" }</h2>
                <table class="table compact">
                    <thead><tr><th>{ "Code" }</th><th>{ "Meaning" }</th><th class="num">{ "Count" }</th><th class="num">{ "Total" }</th><th>{ "Next action the rules allow" }</th></tr></thead>
                    <tbody>
                        { for o.unpaids.iter().map(|u| html! {
                            <tr data-code={u.reason_code.clone()}>
                                <td class="mono">{ u.reason_code.clone() }</td>
                                <td>{ u.meaning.clone() }</td>
                                <td class="num">{ u.count }</td>
                                <td class="num">{ rand(u.total_cents) }</td>
                                <td class={if u.re_presented { "next-auto" } else { "next-stop" }}>{ u.next_action.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                if o.unpaids.is_empty() { <p class="empty">{ "No unpaids." }</p> }
            </article>
            <article class="card" id="flags">
                <h2>{ format!("Open flags ({})", o.open_flags) }</h2>
                <table class="table compact">
                    <thead><tr><th>{ "Raised" }</th><th>{ "Loan" }</th><th>{ "Client" }</th><th>{ "Code" }</th><th>{ "Action" }</th><th>{ "Note" }</th></tr></thead>
                    <tbody>
                        { for o.flags.iter().map(|f| html! {
                            <tr class="queue-row" onclick={open_loan(f.loan_id.clone())}>
                                <td>{ f.raised_on.clone() }</td>
                                <td class="mono">{ f.reference.clone() }</td>
                                <td>{ text(&f.applicant_name) }</td>
                                <td class="mono">{ text(&f.reason_code) }</td>
                                <td>{ words(&f.action) }</td>
                                <td>{ f.note.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                if o.flags.is_empty() { <p class="empty">{ "No open flags." }</p> }
            </article>
            <article class="card" id="runs">
                <h2>{ "Collections runs" }</h2>
                <table class="table compact">
                    <thead><tr><th>{ "Asked for" }</th><th>{ "How" }</th><th>{ "State" }</th><th>{ "Attempts" }</th><th>{ "Finished" }</th><th>{ "Last error" }</th></tr></thead>
                    <tbody>
                        { for o.runs.iter().map(|r| html! {
                            <tr>
                                <td>{ format::when(&r.run_at) }</td>
                                <td>{ if r.manual { "Manual" } else { "Scheduled" } }</td>
                                <td><LabelBadge status={r.status.clone()} label={words(&r.status)} /></td>
                                <td>{ r.attempts }</td>
                                <td>{ r.completed_at.as_deref().map_or("—".to_owned(), format::when) }</td>
                                <td>{ text(&r.last_error) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                if o.runs.is_empty() { <p class="empty">{ "No runs yet." }</p> }
            </article>
            </>
        },
    };

    let may_trigger = page.overview.as_ref().is_some_and(|o| o.may_trigger);
    html! {
        <section class="collections" id="collections">
            <div class="page-head">
                <h1>{ "Collections" }</h1>
                if let Some(c) = &page.calendar {
                    <span class="hint">{ format!("Today {} · the next daily run builds the batch of {}", c.today, c.next_batch_date) }</span>
                }
                if may_trigger {
                    <button id="trigger-run" class="button button-primary amount" onclick={on_trigger} disabled={page.busy}>
                        { "Run today's collections (t)" }
                    </button>
                }
            </div>
            { calendar }
            { batches }
            { overview }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pocket_contract::collections::CalendarDayRow;

    fn day(d: &str) -> CalendarDayRow {
        CalendarDayRow {
            action_date: d.into(),
            business_day: true,
            presentments: 0,
            presented_cents: 0,
            collected: 0,
            returned: 0,
            in_flight: 0,
            scheduled: 0,
            scheduled_cents: 0,
        }
    }

    #[test]
    fn the_next_batch_is_chosen_first_and_steps_stay_in_the_calendar() {
        let view = CalendarView {
            today: "2026-12-04".into(),
            next_batch_date: "2026-12-08".into(),
            days: vec![day("2026-12-07"), day("2026-12-08")],
        };
        let state = Rc::new(CollectionsState::default()).reduce(CollectionsAction::Calendar(view));
        assert_eq!(state.selected.as_deref(), Some("2026-12-08"));
        let state = state.reduce(CollectionsAction::Step(5));
        assert_eq!(state.selected.as_deref(), Some("2026-12-08"));
        let state = state.reduce(CollectionsAction::Step(-3));
        assert_eq!(state.selected.as_deref(), Some("2026-12-07"));
    }
}
