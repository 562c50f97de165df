//! One application: applicant, employment and bank, documents with their verification status,
//! the bureau summary, the Reg 23A affordability worksheet (declared vs norm vs bureau), the
//! decisions with their reasons, and the history. Actions: approve (a second officer approves
//! above the first one's limit) and decline with reasons. It reloads when the database announces
//! a change. Keys: `a` approve, `d` decline, Escape back to the queue.

use std::rc::Rc;

use pocket_contract::{
    ApplicationView, ApproveOutcome, ApproveRequest, DECLINE_REASONS, DeclineRequest,
};
use yew::prelude::*;

use crate::app::AppContext;
use crate::components::design::{Badge, Facts};
use crate::format::{self, opt_rand, rand, text, words};
use crate::pages::{on_keys, typing, value_of};
use crate::router::{self, Route};
use crate::services::{decide, review};
use crate::state::{AppAction, ToastKind};

#[derive(Properties, PartialEq)]
pub struct ApplicationProps {
    pub id: String,
}

/// The page's own state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageState {
    pub view: Option<ApplicationView>,
    pub busy: bool,
    pub declining: bool,
    pub reasons: Vec<String>,
    pub note: String,
    pub reloads: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageAction {
    Loaded(Box<ApplicationView>),
    Busy(bool),
    OpenDecline(bool),
    ToggleReason(String),
    Note(String),
    Reload,
}

impl Reducible for PageState {
    type Action = PageAction;

    fn reduce(self: Rc<Self>, action: PageAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            PageAction::Loaded(view) => next.view = Some(*view),
            PageAction::Busy(busy) => next.busy = busy,
            PageAction::OpenDecline(open) => {
                next.declining = open;
                if !open {
                    next.reasons.clear();
                }
            }
            PageAction::ToggleReason(code) => {
                if let Some(i) = next.reasons.iter().position(|r| *r == code) {
                    next.reasons.remove(i);
                } else {
                    next.reasons.push(code);
                }
            }
            PageAction::Note(note) => next.note = note,
            PageAction::Reload => next.reloads += 1,
        }
        Rc::new(next)
    }
}

fn approve(id: String, note: String, page: UseReducerHandle<PageState>, app: AppContext) {
    if page.busy {
        return;
    }
    page.dispatch(PageAction::Busy(true));
    wasm_bindgen_futures::spawn_local(async move {
        let request = ApproveRequest {
            application_id: id,
            amount_cents: None,
            term_days: None,
            note: (!note.trim().is_empty()).then_some(note),
        };
        match decide::approve(&request).await {
            Ok(answer) => {
                let text = match answer.outcome {
                    ApproveOutcome::Approved => "Approved. The applicant is told by SMS and email.",
                    ApproveOutcome::AwaitingSecondApproval => {
                        "Recorded. Above your limit: a second officer must approve."
                    }
                };
                app.dispatch(AppAction::Toast(ToastKind::Success, text.to_owned()));
            }
            Err(e) => app.dispatch(AppAction::Failed(e)),
        }
        page.dispatch(PageAction::Busy(false));
        page.dispatch(PageAction::Reload);
    });
}

fn decline(id: String, page: UseReducerHandle<PageState>, app: AppContext) {
    if page.busy {
        return;
    }
    page.dispatch(PageAction::Busy(true));
    let request = DeclineRequest {
        application_id: id,
        reasons: page.reasons.clone(),
        note: (!page.note.trim().is_empty()).then(|| page.note.clone()),
    };
    wasm_bindgen_futures::spawn_local(async move {
        match decide::decline(&request).await {
            Ok(_) => {
                app.dispatch(AppAction::Toast(
                    ToastKind::Success,
                    "Declined. The applicant is told why.".to_owned(),
                ));
                page.dispatch(PageAction::OpenDecline(false));
            }
            Err(e) => app.dispatch(AppAction::Failed(e)),
        }
        page.dispatch(PageAction::Busy(false));
        page.dispatch(PageAction::Reload);
    });
}

/// Leaves the time the page took on the body (`data-application-ms`), for the measurements.
fn mark_loaded(ms: f64) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-application-ms", &format!("{ms:.0}"));
    }
}

#[function_component(ApplicationPage)]
pub fn application_page(props: &ApplicationProps) -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let page = use_reducer(PageState::default);

    {
        let (page, app) = (page.clone(), app.clone());
        let deps = (props.id.clone(), page.reloads, app.revision);
        use_effect_with(deps, move |(id, _, _)| {
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let started = js_sys::Date::now();
                match review::application(id).await {
                    Ok(view) => {
                        mark_loaded(js_sys::Date::now() - started);
                        page.dispatch(PageAction::Loaded(Box::new(view)));
                    }
                    Err(e) => app.dispatch(AppAction::Fatal(e)),
                }
            });
        });
    }
    {
        let (page, app, id) = (page.clone(), app.clone(), props.id.clone());
        let open = page.view.as_ref().is_some_and(|v| v.open_for_decision);
        use_effect_with((open, page.declining, page.busy), move |(open, _, _)| {
            let (can_approve, can_decline) = (*open, *open);
            on_keys(move |e: web_sys::KeyboardEvent| {
                if typing(&e) {
                    return;
                }
                match e.key().as_str() {
                    "Escape" if page.declining => page.dispatch(PageAction::OpenDecline(false)),
                    "Escape" => router::navigate(&Route::Queue),
                    "a" if can_approve => {
                        approve(id.clone(), page.note.clone(), page.clone(), app.clone())
                    }
                    "d" if can_decline => page.dispatch(PageAction::OpenDecline(true)),
                    _ => {}
                }
            })
        });
    }

    let Some(v) = page.view.clone() else {
        return html! { <div class="loading" id="application-loading">{ "Loading…" }</div> };
    };
    let back = Callback::from(|_| router::navigate(&Route::Queue));
    let on_approve = {
        let (page, app, id) = (page.clone(), app.clone(), v.application_id.clone());
        Callback::from(move |_| approve(id.clone(), page.note.clone(), page.clone(), app.clone()))
    };
    let open_decline = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(PageAction::OpenDecline(true)))
    };
    let confirm_decline = {
        let (page, app, id) = (page.clone(), app.clone(), v.application_id.clone());
        Callback::from(move |_| decline(id.clone(), page.clone(), app.clone()))
    };
    let cancel_decline = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(PageAction::OpenDecline(false)))
    };
    let on_note = {
        let page = page.clone();
        Callback::from(move |e: InputEvent| page.dispatch(PageAction::Note(value_of(&e))))
    };
    let pending = v.decisions.iter().any(|d| d.awaiting_second_approval);
    let approve_label = if v.can_second_approve { "Second approval (a)" } else { "Approve (a)" };
    let a = &v.applicant;
    let e = &v.employment;

    html! {
        <section class="application" id="application" data-reference={v.reference.clone()}>
            <div class="page-head">
                <button class="button button-quiet" onclick={back}>{ "‹ Queue (Esc)" }</button>
                <h1>{ v.reference.clone() }</h1>
                <span id="status"><Badge status={v.status.clone()} /></span>
                <span class="amount">
                    { format!("{} over {} days", rand(v.requested_amount_cents), v.requested_term_days) }
                </span>
            </div>
            if pending {
                <p class="notice" id="awaiting-second">
                    { "An approval above its officer's limit is waiting for a second officer." }
                </p>
            }
            <div class="actions">
                <textarea class="note" placeholder="Note (optional)" value={page.note.clone()}
                    oninput={on_note} />
                // Shown whenever the application waits for a decision; for an officer who may
                // not take it the button is muted, and the shell refuses it with the reason.
                <button id="approve" onclick={on_approve}
                    class={if v.can_approve { "button button-primary" } else { "button button-muted" }}
                    title={if v.can_approve { "" } else { "Your role or limit does not allow this approval" }}
                    disabled={!v.open_for_decision || page.busy}>{ approve_label }</button>
                <button id="decline" onclick={open_decline}
                    class={if v.can_decline { "button button-danger" } else { "button button-muted" }}
                    disabled={!v.open_for_decision || page.busy}>{ "Decline (d)" }</button>
            </div>
            if page.declining {
                <div class="dialog" id="decline-dialog" role="dialog" aria-label="Decline">
                    <h2>{ "Why is it declined?" }</h2>
                    <p class="hint">{ "The applicant is told these reasons (NCA s62)." }</p>
                    { for DECLINE_REASONS.iter().map(|(code, label)| {
                        let page2 = page.clone();
                        let code_owned = (*code).to_owned();
                        let toggle = Callback::from(move |_| page2.dispatch(PageAction::ToggleReason(code_owned.clone())));
                        html! {
                            <label class="check">
                                <input type="checkbox" data-reason={*code}
                                    checked={page.reasons.iter().any(|r| r == code)} onchange={toggle} />
                                { *label }
                            </label>
                        }
                    }) }
                    <div class="dialog-actions">
                        <button id="confirm-decline" class="button button-danger"
                            onclick={confirm_decline} disabled={page.reasons.is_empty() || page.busy}>
                            { "Decline" }
                        </button>
                        <button class="button" onclick={cancel_decline}>{ "Cancel (Esc)" }</button>
                    </div>
                </div>
            }
            <div class="grid">
                <article class="card">
                    <h2>{ "Applicant" }</h2>
                    <Facts rows={vec![
                        ("Name".into(), text(&a.name)),
                        ("ID number".into(), text(&a.id_number)),
                        ("Born".into(), text(&a.date_of_birth)),
                        ("Mobile".into(), a.msisdn.clone()),
                        ("Email".into(), text(&a.email)),
                        ("Address".into(), if a.address.is_empty() { "—".to_owned() } else { a.address.join(", ") }),
                    ]} />
                </article>
                <article class="card">
                    <h2>{ "Employment and bank" }</h2>
                    <Facts rows={vec![
                        ("Employer".into(), text(&e.employer_name)),
                        ("Employment".into(), e.employment_type.as_deref().map_or("—".to_owned(), words)),
                        ("Paid".into(), e.pay_frequency.as_deref().map_or("—".to_owned(), words)),
                        ("Payday".into(), text(&e.payday)),
                        ("Gross income".into(), opt_rand(v.gross_income_cents)),
                        ("Net income".into(), opt_rand(v.net_income_cents)),
                        ("Branch code".into(), text(&e.bank_branch_code)),
                        ("Account".into(), e.bank_account_last4.as_ref().map_or("—".to_owned(), |l| format!("…{l}"))),
                        ("Holder".into(), text(&e.bank_account_holder)),
                    ]} />
                </article>
                <article class="card">
                    <h2>{ "Bureau" }</h2>
                    { match &v.bureau {
                        None => html! { <p class="empty">{ "No enquiry yet." }</p> },
                        Some(b) => html! { <Facts rows={vec![
                            ("Enquiry".into(), format!("{} on {}", words(&b.status), format::when(&b.requested_at))),
                            ("Matched".into(), b.matched.map_or("—".to_owned(), |m| if m { "Yes".into() } else { "No".into() })),
                            ("Score".into(), b.score.map_or("—".to_owned(), |s| s.to_string())),
                            ("Adverse listings".into(), b.adverse_listings.map_or("—".to_owned(), |s| s.to_string())),
                            ("Judgments".into(), b.judgments.map_or("—".to_owned(), |s| s.to_string())),
                            ("Monthly obligations".into(), opt_rand(b.monthly_obligations_cents)),
                        ]} /> },
                    } }
                </article>
                <article class="card" id="affordability">
                    <h2>{ "Affordability (Reg 23A)" }</h2>
                    { match &v.affordability {
                        None => html! { <p class="empty">{ "Not assessed yet." }</p> },
                        Some(w) => html! {
                            <>
                            <table class="table compact">
                                <thead><tr><th></th><th class="num">{ "Declared" }</th><th class="num">{ "Norm / bureau" }</th><th class="num">{ "Used" }</th></tr></thead>
                                <tbody>
                                    <tr><td>{ "Expenses" }</td><td class="num">{ rand(w.declared_expenses_cents) }</td><td class="num">{ rand(w.norm_expenses_cents) }</td><td class="num">{ rand(w.expenses_used_cents) }</td></tr>
                                    <tr><td>{ "Debt repayments" }</td><td class="num">{ rand(w.declared_debt_cents) }</td><td class="num">{ rand(w.bureau_debt_cents) }</td><td class="num">{ rand(w.debt_used_cents) }</td></tr>
                                </tbody>
                            </table>
                            <Facts rows={vec![
                                ("Gross income".into(), rand(w.gross_income_cents)),
                                ("Statutory deductions".into(), rand(w.statutory_deductions_cents)),
                                ("Discretionary income".into(), rand(w.discretionary_income_cents)),
                                ("Proposed instalment".into(), rand(w.proposed_instalment_cents)),
                                ("Affordable".into(), if w.affordable { "Yes".into() } else { "No".into() }),
                                ("Norms of".into(), w.norm_effective_from.clone()),
                            ]} />
                            </>
                        },
                    } }
                </article>
            </div>
            <article class="card">
                <h2>{ "Documents" }</h2>
                <table class="table compact" id="documents">
                    <thead><tr><th>{ "Kind" }</th><th>{ "File" }</th><th>{ "Type" }</th><th class="num">{ "Size" }</th><th>{ "Checked" }</th><th>{ "Uploaded" }</th></tr></thead>
                    <tbody>
                        { for v.documents.iter().map(|d| html! {
                            <tr>
                                <td>{ words(&d.kind) }</td>
                                <td>{ d.file_name.clone() }</td>
                                <td>{ d.content_type.clone() }</td>
                                <td class="num">{ format!("{} KB", (d.size_bytes + 1023) / 1024) }</td>
                                <td><span class={format!("check-{}", d.verification_status)}>
                                    { match d.verification_status.as_str() { "verified" => "✓ verified", "rejected" => "✗ rejected", _ => "… pending" } }
                                </span>{ d.rejection_reason.clone().map(|r| format!(" ({r})")).unwrap_or_default() }</td>
                                <td>{ format::when(&d.uploaded_at) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                if v.documents.is_empty() { <p class="empty">{ "No documents uploaded." }</p> }
            </article>
            <article class="card">
                <h2>{ "Decisions" }</h2>
                <table class="table compact" id="decisions">
                    <thead><tr><th>{ "When" }</th><th>{ "By" }</th><th>{ "Outcome" }</th><th>{ "Amount" }</th><th>{ "Reasons" }</th><th>{ "Note" }</th></tr></thead>
                    <tbody>
                        { for v.decisions.iter().map(|d| html! {
                            <tr class={if d.awaiting_second_approval { "awaiting" } else { "" }}>
                                <td>{ format::when(&d.decided_at) }</td>
                                <td>{ if d.source == "policy" { "Lending policy".to_owned() } else {
                                    let mut by = text(&d.decided_by);
                                    if let Some(second) = &d.second_approver { by = format!("{by}, then {second}"); }
                                    by
                                } }</td>
                                <td>{ words(&d.outcome) }{ if d.awaiting_second_approval { " (awaiting second approval)" } else { "" } }</td>
                                <td>{ opt_rand(d.approved_amount_cents) }</td>
                                <td>{ d.reason_codes.iter().map(|c| words(c)).collect::<Vec<_>>().join(", ") }</td>
                                <td>{ text(&d.note) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </article>
            <article class="card">
                <h2>{ "History" }</h2>
                <table class="table compact" id="history">
                    <thead><tr><th>{ "When" }</th><th>{ "What" }</th><th>{ "Who" }</th><th>{ "Note" }</th></tr></thead>
                    <tbody>
                        { for v.history.iter().rev().map(|h| html! {
                            <tr><td>{ format::when(&h.at) }</td><td>{ h.what.clone() }</td><td>{ h.who.clone() }</td><td>{ text(&h.note) }</td></tr>
                        }) }
                    </tbody>
                </table>
            </article>
        </section>
    }
}
