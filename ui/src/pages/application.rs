//! One application: applicant, employment and bank, documents with their verification status,
//! the bureau summary, the Reg 23A affordability worksheet (declared vs norm vs bureau), the
//! decisions with their reasons, the history, and the review desk: documents viewed inline with
//! their verification checklist, requests for documents, notes, and the history from the audit
//! log. Actions: approve (a second officer approves above the first one's limit), decline with
//! reasons, verify a document, request documents, add a note, and pay out an approved application
//! whose agreement is signed. It reloads when the database announces a change. Keys: `a` approve,
//! `d` decline, `r` request documents, `n` write a note, `p` pay out, `1`-`9` view that document,
//! Escape closes what is open or goes back to the queue.

use std::rc::Rc;

use pocket_contract::review::{AddNoteRequest, Casework, PayOutRequest, RequestDocumentsRequest};
use pocket_contract::{
    ApplicationView, ApproveOutcome, ApproveRequest, DECLINE_REASONS, DeclineRequest,
};
use yew::prelude::*;

use crate::app::AppContext;
use crate::components::design::{Badge, Facts};
use crate::components::document_viewer::DocumentViewer;
use crate::format::{self, opt_rand, rand, text, words};
use crate::pages::{on_keys, typing, value_of};
use crate::router::{self, Route};
use crate::services::{decide, desk, review};
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
    pub casework: Option<Casework>,
    /// The document open in the viewer.
    pub viewing: Option<String>,
    pub requesting: bool,
    pub request_kinds: Vec<String>,
    pub request_note: String,
    pub new_note: String,
    pub paying: bool,
    pub payout_reference: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageAction {
    Loaded(Box<ApplicationView>),
    Busy(bool),
    OpenDecline(bool),
    ToggleReason(String),
    Note(String),
    Reload,
    Casework(Box<Casework>),
    View(Option<String>),
    OpenRequest(bool),
    ToggleKind(String),
    RequestNote(String),
    NewNote(String),
    OpenPayOut(bool),
    PayOutReference(String),
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
            PageAction::Casework(work) => next.casework = Some(*work),
            PageAction::View(document) => next.viewing = document,
            PageAction::OpenRequest(open) => {
                next.requesting = open;
                if !open {
                    next.request_kinds.clear();
                    next.request_note.clear();
                }
            }
            PageAction::ToggleKind(code) => {
                if let Some(i) = next.request_kinds.iter().position(|r| *r == code) {
                    next.request_kinds.remove(i);
                } else {
                    next.request_kinds.push(code);
                }
            }
            PageAction::RequestNote(note) => next.request_note = note,
            PageAction::NewNote(note) => next.new_note = note,
            PageAction::OpenPayOut(open) => {
                next.paying = open;
                if !open {
                    next.payout_reference.clear();
                }
            }
            PageAction::PayOutReference(reference) => next.payout_reference = reference,
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

fn pay_out(id: String, page: UseReducerHandle<PageState>, app: AppContext) {
    if page.busy {
        return;
    }
    page.dispatch(PageAction::Busy(true));
    let request = PayOutRequest {
        application_id: id,
        disbursement_reference: page.payout_reference.trim().to_owned(),
    };
    wasm_bindgen_futures::spawn_local(async move {
        match decide::pay_out(&request).await {
            Ok(paid) => {
                app.dispatch(AppAction::Toast(
                    ToastKind::Success,
                    format!(
                        "Paid out: {} instalments, {} in all, the first debit on {}. The debit \
                         order mandate is requested.",
                        paid.instalments,
                        rand(paid.total_repayable_cents),
                        paid.first_debit_date
                    ),
                ));
                page.dispatch(PageAction::OpenPayOut(false));
                page.dispatch(PageAction::Busy(false));
                router::navigate(&Route::Loan(paid.loan_id));
                return;
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

fn request_documents(id: String, page: UseReducerHandle<PageState>, app: AppContext) {
    if page.busy {
        return;
    }
    page.dispatch(PageAction::Busy(true));
    let request = RequestDocumentsRequest {
        application_id: id,
        kinds: page.request_kinds.clone(),
        note: (!page.request_note.trim().is_empty()).then(|| page.request_note.clone()),
    };
    wasm_bindgen_futures::spawn_local(async move {
        match desk::request_documents(&request).await {
            Ok(_) => {
                app.dispatch(AppAction::Toast(
                    ToastKind::Success,
                    "Requested. The applicant is told by SMS and email.".to_owned(),
                ));
                page.dispatch(PageAction::OpenRequest(false));
            }
            Err(e) => app.dispatch(AppAction::Failed(e)),
        }
        page.dispatch(PageAction::Busy(false));
        page.dispatch(PageAction::Reload);
    });
}

fn add_note(id: String, page: UseReducerHandle<PageState>, app: AppContext) {
    if page.busy || page.new_note.trim().is_empty() {
        return;
    }
    page.dispatch(PageAction::Busy(true));
    let request = AddNoteRequest { application_id: id, body: page.new_note.clone() };
    wasm_bindgen_futures::spawn_local(async move {
        match desk::add_note(&request).await {
            Ok(_) => page.dispatch(PageAction::NewNote(String::new())),
            Err(e) => app.dispatch(AppAction::Failed(e)),
        }
        page.dispatch(PageAction::Busy(false));
        page.dispatch(PageAction::Reload);
    });
}

fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
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
            {
                let (page, app, id) = (page.clone(), app.clone(), id.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match desk::casework(id).await {
                        Ok(work) => page.dispatch(PageAction::Casework(Box::new(work))),
                        Err(e) => app.dispatch(AppAction::Failed(e)),
                    }
                });
            }
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
        let documents: Vec<String> = page
            .view
            .as_ref()
            .map(|v| v.documents.iter().map(|d| d.document_id.clone()).collect())
            .unwrap_or_default();
        let payable = page.view.as_ref().is_some_and(|v| payable(&v.status));
        let deps = (
            open,
            page.declining,
            page.busy,
            page.viewing.clone(),
            (page.requesting, page.paying, payable),
            documents,
        );
        use_effect_with(deps, move |(open, _, _, _, (_, _, payable), documents)| {
            let payable = *payable;
            let (can_approve, can_decline) = (*open, *open);
            let documents = documents.clone();
            let open = *open;
            on_keys(move |e: web_sys::KeyboardEvent| {
                if typing(&e) {
                    return;
                }
                let key = e.key();
                if let Some(n) = key.parse::<usize>().ok().filter(|n| (1..=9).contains(n))
                    && let Some(document) = documents.get(n - 1)
                {
                    page.dispatch(PageAction::View(Some(document.clone())));
                    return;
                }
                match key.as_str() {
                    "Escape" if page.viewing.is_some() => page.dispatch(PageAction::View(None)),
                    "Escape" if page.requesting => page.dispatch(PageAction::OpenRequest(false)),
                    "Escape" if page.paying => page.dispatch(PageAction::OpenPayOut(false)),
                    "Escape" if page.declining => page.dispatch(PageAction::OpenDecline(false)),
                    "Escape" => router::navigate(&Route::Queue),
                    _ if page.viewing.is_some() => {}
                    "r" if open => page.dispatch(PageAction::OpenRequest(true)),
                    "n" => {
                        e.prevent_default();
                        focus("new-note");
                    }
                    "a" if can_approve => {
                        approve(id.clone(), page.note.clone(), page.clone(), app.clone())
                    }
                    "d" if can_decline => page.dispatch(PageAction::OpenDecline(true)),
                    "p" if payable => page.dispatch(PageAction::OpenPayOut(true)),
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
    let open_pay_out = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(PageAction::OpenPayOut(true)))
    };
    let cancel_pay_out = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(PageAction::OpenPayOut(false)))
    };
    let confirm_pay_out = {
        let (page, app, id) = (page.clone(), app.clone(), v.application_id.clone());
        Callback::from(move |_| pay_out(id.clone(), page.clone(), app.clone()))
    };
    let on_payout_reference = {
        let page = page.clone();
        Callback::from(move |e: InputEvent| {
            page.dispatch(PageAction::PayOutReference(value_of(&e)))
        })
    };
    let cancel_decline = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(PageAction::OpenDecline(false)))
    };
    let on_note = {
        let page = page.clone();
        Callback::from(move |e: InputEvent| page.dispatch(PageAction::Note(value_of(&e))))
    };
    let open_request = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(PageAction::OpenRequest(true)))
    };
    let cancel_request = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(PageAction::OpenRequest(false)))
    };
    let confirm_request = {
        let (page, app, id) = (page.clone(), app.clone(), v.application_id.clone());
        Callback::from(move |_| request_documents(id.clone(), page.clone(), app.clone()))
    };
    let on_request_note = {
        let page = page.clone();
        Callback::from(move |e: InputEvent| page.dispatch(PageAction::RequestNote(value_of(&e))))
    };
    let on_new_note = {
        let page = page.clone();
        Callback::from(move |e: InputEvent| page.dispatch(PageAction::NewNote(value_of(&e))))
    };
    let save_note = {
        let (page, app, id) = (page.clone(), app.clone(), v.application_id.clone());
        Callback::from(move |_| add_note(id.clone(), page.clone(), app.clone()))
    };
    let close_viewer = {
        let page = page.clone();
        Callback::from(move |()| page.dispatch(PageAction::View(None)))
    };
    let viewer_done = {
        let page = page.clone();
        Callback::from(move |()| page.dispatch(PageAction::Reload))
    };
    let work = page.casework.clone();
    let can_request = work.as_ref().is_some_and(|w| w.can_request);
    let can_verify = work.as_ref().is_some_and(|w| w.can_verify);
    let can_note = work.as_ref().is_some_and(|w| w.can_note);
    let viewing = page
        .viewing
        .as_ref()
        .and_then(|id| v.documents.iter().find(|d| d.document_id == *id))
        .cloned();
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
            if let Some(first) = v.decisions.iter().find(|d| d.awaiting_second_approval) {
                <p class="notice" id="awaiting-second">
                    { format!(
                        "{} approved {} on {}, above their limit: a second officer whose limit covers it must approve{}",
                        text(&first.decided_by),
                        opt_rand(first.approved_amount_cents),
                        format::when(&first.decided_at),
                        if v.can_second_approve { " (you may)." } else { "." },
                    ) }
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
                <button id="request-documents" onclick={open_request}
                    class={if can_request { "button" } else { "button button-muted" }}
                    disabled={!v.open_for_decision || page.busy}>{ "Request documents (r)" }</button>
                if payable(&v.status) {
                    <button id="pay-out" class="button button-primary" onclick={open_pay_out}
                        disabled={page.busy}>{ "Pay out (p)" }</button>
                }
            </div>
            if page.paying {
                <div class="dialog" id="pay-out-dialog" role="dialog" aria-label="Pay out">
                    <h2>{ "Pay out" }</h2>
                    <p class="hint">{ "Every document must be verified and the agreement signed. The loan keeps the signed schedule; the debit order mandate is requested from the applicant's bank." }</p>
                    <label class="field">
                        <span>{ "Reference of the bank transfer" }</span>
                        <input id="payout-reference" maxlength="35" value={page.payout_reference.clone()}
                            oninput={on_payout_reference} />
                    </label>
                    <div class="dialog-actions">
                        <button id="confirm-pay-out" class="button button-primary" onclick={confirm_pay_out}
                            disabled={page.payout_reference.trim().len() < 4 || page.busy}>{ "Pay out" }</button>
                        <button class="button" onclick={cancel_pay_out}>{ "Cancel (Esc)" }</button>
                    </div>
                </div>
            }
            if page.requesting {
                <div class="dialog" id="request-dialog" role="dialog" aria-label="Request documents">
                    <h2>{ "Which documents are needed?" }</h2>
                    <p class="hint">{ "The applicant gets an SMS and an email with this list and your note." }</p>
                    { for work.iter().flat_map(|w| w.requestable.clone()).map(|r| {
                        let page2 = page.clone();
                        let code = r.code.clone();
                        let toggle = Callback::from(move |_| page2.dispatch(PageAction::ToggleKind(code.clone())));
                        html! {
                            <label class="check">
                                <input type="checkbox" data-kind={r.code.clone()}
                                    checked={page.request_kinds.contains(&r.code)} onchange={toggle} />
                                { r.label.clone() }
                            </label>
                        }
                    }) }
                    <textarea class="note" id="request-note" placeholder="Note to the applicant (optional)"
                        maxlength="1000" value={page.request_note.clone()} oninput={on_request_note} />
                    <div class="dialog-actions">
                        <button id="confirm-request" class="button button-primary" onclick={confirm_request}
                            disabled={page.request_kinds.is_empty() || page.busy}>{ "Send request" }</button>
                        <button class="button" onclick={cancel_request}>{ "Cancel (Esc)" }</button>
                    </div>
                </div>
            }
            if let Some(d) = viewing {
                <DocumentViewer application_id={v.application_id.clone()} document={d.clone()}
                    checklist={work.as_ref().and_then(|w| w.checklists.iter().find(|c| c.document_id == d.document_id).cloned())}
                    can_verify={can_verify} on_close={close_viewer} on_done={viewer_done} />
            }
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
                    <thead><tr><th></th><th>{ "Kind" }</th><th>{ "File" }</th><th>{ "Type" }</th><th class="num">{ "Size" }</th><th>{ "Checked" }</th><th>{ "Uploaded" }</th></tr></thead>
                    <tbody>
                        { for v.documents.iter().enumerate().map(|(n, d)| html! {
                            <tr class="document-row" data-document={d.document_id.clone()} data-kind={d.kind.clone()}>
                                <td>{{
                                    let page2 = page.clone();
                                    let id = d.document_id.clone();
                                    let view = Callback::from(move |_| page2.dispatch(PageAction::View(Some(id.clone()))));
                                    html! { <button class="button button-quiet view-document" onclick={view}
                                        title={if n < 9 { format!("View ({})", n + 1) } else { "View".to_owned() }}>
                                        { if n < 9 { format!("View {}", n + 1) } else { "View".to_owned() } }</button> }
                                }}</td>
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
                if work.as_ref().is_some_and(|w| !w.viewer_ready) {
                    <p class="notice">{ "Documents cannot be shown: IT has not set where they are stored." }</p>
                }
                if let Some(w) = &work {
                    if !w.requests.is_empty() {
                        <h3>{ "Requested from the applicant" }</h3>
                        <ul class="requests" id="requests">
                            { for w.requests.iter().map(|r| html! {
                                <li>{ format!("{} — {} asked for {}", format::when(&r.requested_at), r.requested_by,
                                    r.kinds.iter().map(|k| words(k)).collect::<Vec<_>>().join(", ")) }
                                    { r.note.clone().map(|n| format!(": “{n}”")).unwrap_or_default() }</li>
                            }) }
                        </ul>
                    }
                }
            </article>
            <article class="card" id="notes">
                <h2>{ "Notes" }</h2>
                if can_note {
                    <div class="note-form">
                        <textarea class="note" id="new-note" placeholder="Write a note (n)" maxlength="2000"
                            value={page.new_note.clone()} oninput={on_new_note} />
                        <button id="add-note" class="button" onclick={save_note}
                            disabled={page.new_note.trim().is_empty() || page.busy}>{ "Add note" }</button>
                    </div>
                }
                <ul class="notes">
                    { for work.iter().flat_map(|w| w.notes.clone()).map(|n| html! {
                        <li class="note-row"><span class="hint">{ format!("{} — {}", format::when(&n.written_at), n.written_by) }</span>
                            <p>{ n.body }</p></li>
                    }) }
                </ul>
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
            <article class="card">
                <h2>{ "Audit log" }</h2>
                <table class="table compact" id="audit-trail">
                    <thead><tr><th>{ "When" }</th><th>{ "Who" }</th><th>{ "What" }</th><th>{ "Changes" }</th></tr></thead>
                    <tbody>
                        { for work.iter().flat_map(|w| w.trail.clone()).map(|t| html! {
                            <tr class={format!("trail-{}", t.action)}>
                                <td>{ format::when(&t.at) }</td><td>{ t.who }</td>
                                <td>{ format!("{} {}", words(&t.subject), t.action) }</td>
                                <td>{ t.changes.join("; ") }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </article>
        </section>
    }
}

/// Whether the application waits to be paid out (approved, and signed where the applicant signed
/// after the approval); the shell checks the documents, the agreement and the role.
fn payable(status: &str) -> bool {
    matches!(status, "approved" | "signed")
}
