//! The statement of account of one loan for a period: the balance brought forward, every posting
//! with its running balance, the totals and the balance carried forward, laid out to print from
//! the webview (`window.print()`; the print stylesheet hides the app around it). Keys: `Ctrl+P`
//! or the button prints, Escape goes back to the loan.

use std::rc::Rc;

use pocket_contract::loans::{StatementRequest, StatementView};
use yew::prelude::*;

use crate::app::AppContext;
use crate::format::{rand, text, words};
use crate::pages::{on_keys, typing, value_of};
use crate::router::{self, Route};
use crate::services::loans as service;
use crate::state::AppAction;

#[derive(Properties, PartialEq)]
pub struct StatementProps {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatementState {
    pub from: String,
    pub to: String,
    pub view: Option<StatementView>,
    /// Bumped to ask again for the period typed.
    pub asks: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementAction {
    From(String),
    To(String),
    Ask,
    Loaded(Box<StatementView>),
}

impl Reducible for StatementState {
    type Action = StatementAction;

    fn reduce(self: Rc<Self>, action: StatementAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            StatementAction::From(v) => next.from = v,
            StatementAction::To(v) => next.to = v,
            StatementAction::Ask => next.asks += 1,
            StatementAction::Loaded(view) => {
                next.from = view.from.clone();
                next.to = view.to.clone();
                next.view = Some(*view);
            }
        }
        Rc::new(next)
    }
}

/// The first period shown: the last twelve months to today (a short-term loan lives at most six
/// months, so this covers a current loan whole).
fn first_period() -> (String, String) {
    let day = |ms: f64| {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
        format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
    };
    let now = js_sys::Date::now();
    (day(now - 365.0 * 86_400_000.0), day(now))
}

fn print() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

#[function_component(StatementPage)]
pub fn statement_page(props: &StatementProps) -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let page = use_reducer(StatementState::default);

    {
        let (page, app) = (page.clone(), app.clone());
        let deps = (props.id.clone(), page.asks, app.revision);
        use_effect_with(deps, move |(id, _, _)| {
            let (from, to) = if page.from.is_empty() {
                first_period()
            } else {
                (page.from.clone(), page.to.clone())
            };
            let request = StatementRequest { loan_id: id.clone(), from, to };
            wasm_bindgen_futures::spawn_local(async move {
                match service::statement(&request).await {
                    Ok(view) => page.dispatch(StatementAction::Loaded(Box::new(view))),
                    Err(e) => app.dispatch(AppAction::Failed(e)),
                }
            });
        });
    }
    {
        let id = props.id.clone();
        use_effect_with(id, move |id| {
            let id = id.clone();
            on_keys(move |e: web_sys::KeyboardEvent| {
                if e.key() == "Escape" && !typing(&e) {
                    router::navigate(&Route::Loan(id.clone()));
                }
            })
        });
    }

    let back = {
        let id = props.id.clone();
        Callback::from(move |_| router::navigate(&Route::Loan(id.clone())))
    };
    let on_from = {
        let page = page.clone();
        Callback::from(move |e: Event| page.dispatch(StatementAction::From(value_of(&e))))
    };
    let on_to = {
        let page = page.clone();
        Callback::from(move |e: Event| page.dispatch(StatementAction::To(value_of(&e))))
    };
    let ask = {
        let page = page.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            page.dispatch(StatementAction::Ask);
        })
    };
    let on_print = Callback::from(|_| print());

    html! {
        <section class="statement" id="statement">
            <form class="toolbar no-print" onsubmit={ask}>
                <button class="button button-quiet" type="button" onclick={back}>{ "‹ Loan (Esc)" }</button>
                <label>{ "From " }<input id="statement-from" type="date" value={page.from.clone()} onchange={on_from} /></label>
                <label>{ "to " }<input id="statement-to" type="date" value={page.to.clone()} onchange={on_to} /></label>
                <button class="button" type="submit" id="statement-show">{ "Show" }</button>
                <button class="button button-primary" type="button" id="statement-print" onclick={on_print}>{ "Print" }</button>
            </form>
            { match &page.view {
                None => html! { <div class="loading">{ "Loading…" }</div> },
                Some(s) => html! {
                    <article class="statement-sheet" id="statement-sheet">
                        <header class="statement-head">
                            <div>
                                <h1>{ "Statement of account" }</h1>
                                <p>{ "Pocket Loans" }</p>
                            </div>
                            <dl class="facts">
                                <dt>{ "Loan" }</dt><dd class="mono">{ s.reference.clone() }</dd>
                                <dt>{ "Client" }</dt><dd>{ text(&s.applicant_name) }</dd>
                                <dt>{ "ID number" }</dt><dd class="mono">{ text(&s.id_number) }</dd>
                                <dt>{ "Period" }</dt><dd>{ format!("{} to {}", s.from, s.to) }</dd>
                                <dt>{ "Printed" }</dt><dd>{ s.printed_on.clone() }</dd>
                            </dl>
                        </header>
                        <table class="table compact" id="statement-lines">
                            <thead><tr><th>{ "Date" }</th><th>{ "Description" }</th><th>{ "Reference" }</th><th class="num">{ "Debit" }</th><th class="num">{ "Credit" }</th><th class="num">{ "Balance" }</th></tr></thead>
                            <tbody>
                                <tr class="statement-carry"><td>{ s.from.clone() }</td><td colspan="4">{ "Balance brought forward" }</td><td class="num">{ rand(s.opening_cents) }</td></tr>
                                { for s.lines.iter().map(|l| html! {
                                    <tr>
                                        <td>{ l.effective_date.clone() }</td>
                                        <td>{ words(&l.kind) }</td>
                                        <td>{ l.reference.clone() }</td>
                                        <td class="num">{ if l.amount_cents > 0 { rand(l.amount_cents) } else { String::new() } }</td>
                                        <td class="num">{ if l.amount_cents < 0 { rand(-l.amount_cents) } else { String::new() } }</td>
                                        <td class="num">{ rand(l.balance_cents) }</td>
                                    </tr>
                                }) }
                                <tr class="statement-carry"><td>{ s.to.clone() }</td><td colspan="2">{ "Balance carried forward" }</td>
                                    <td class="num">{ rand(s.charges_cents) }</td><td class="num">{ rand(-s.credits_cents) }</td>
                                    <td class="num" id="statement-closing">{ rand(s.closing_cents) }</td></tr>
                            </tbody>
                        </table>
                        if s.lines.is_empty() { <p class="empty">{ "Nothing was posted in this period." }</p> }
                    </article>
                },
            } }
        </section>
    }
}
