//! One loan: the client and the terms, the schedule, the ledger with its running balance, the
//! DebiCheck mandate, every debit order with its result and reason code, and the flags. Actions,
//! offered as the role allows (the database refuses the rest): record a payment received by EFT
//! (`p`), move an instalment's collection date, the settlement quote (`q`), the statement (`s`)
//! and a write-off (`w`, supervisors). It reloads when the database announces a change. Escape
//! closes a dialog, or goes back to the loans list.

use std::rc::Rc;

use pocket_contract::loans::{
    LoanView, MoveDateRequest, PaymentRequest, SettlementQuote, WriteOffRequest, loan_status_label,
};
use pocket_domain::Money;
use yew::prelude::*;

use crate::app::AppContext;
use crate::components::design::{Facts, LabelBadge};
use crate::format::{self, rand, text, words};
use crate::pages::{on_keys, typing, value_of};
use crate::router::{self, Route};
use crate::services::loans as service;
use crate::state::{AppAction, ToastKind};

#[derive(Properties, PartialEq)]
pub struct LoanProps {
    pub id: String,
}

/// The dialog open on the page.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Dialog {
    #[default]
    None,
    Payment,
    Move {
        instalment_id: String,
        sequence: i32,
    },
    Quote(Option<SettlementQuote>),
    WriteOff,
}

/// The page's own state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoanState {
    pub view: Option<LoanView>,
    pub dialog: Dialog,
    pub busy: bool,
    pub amount: String,
    pub received_on: String,
    pub reference: String,
    pub move_to: String,
    pub reason: String,
    /// What is wrong with the dialog's input, before anything is sent.
    pub problem: Option<String>,
    pub reloads: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoanAction {
    Loaded(Box<LoanView>),
    Open(Dialog),
    Close,
    Busy(bool),
    Amount(String),
    ReceivedOn(String),
    Reference(String),
    MoveTo(String),
    Reason(String),
    Problem(Option<String>),
    Reload,
}

impl Reducible for LoanState {
    type Action = LoanAction;

    fn reduce(self: Rc<Self>, action: LoanAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LoanAction::Loaded(view) => next.view = Some(*view),
            LoanAction::Open(dialog) => {
                next.problem = None;
                if let Some(v) = &next.view {
                    if next.received_on.is_empty() {
                        next.received_on = v.today.clone();
                    }
                    if matches!(dialog, Dialog::Move { .. }) {
                        next.move_to = v.earliest_move.clone();
                    }
                }
                next.dialog = dialog;
            }
            LoanAction::Close => {
                next.dialog = Dialog::None;
                next.problem = None;
                next.amount.clear();
                next.reference.clear();
                next.reason.clear();
            }
            LoanAction::Busy(busy) => next.busy = busy,
            LoanAction::Amount(v) => next.amount = v,
            LoanAction::ReceivedOn(v) => next.received_on = v,
            LoanAction::Reference(v) => next.reference = v,
            LoanAction::MoveTo(v) => next.move_to = v,
            LoanAction::Reason(v) => next.reason = v,
            LoanAction::Problem(p) => next.problem = p,
            LoanAction::Reload => next.reloads += 1,
        }
        Rc::new(next)
    }
}

/// The amount typed in rands as cents, or what is wrong with it.
pub fn amount_cents(typed: &str) -> Result<i64, String> {
    let money =
        Money::parse(typed).map_err(|_| "Type the amount in rands, such as 250.00.".to_owned())?;
    if !money.is_positive() {
        return Err("A payment must be more than R0.00.".to_owned());
    }
    Ok(money.cents())
}

fn payment(page: UseReducerHandle<LoanState>, app: AppContext) {
    let Some(v) = page.view.clone() else { return };
    if page.busy {
        return;
    }
    let cents = match amount_cents(&page.amount) {
        Ok(c) => c,
        Err(problem) => return page.dispatch(LoanAction::Problem(Some(problem))),
    };
    let request = PaymentRequest {
        loan_id: v.loan_id,
        amount_cents: cents,
        received_on: page.received_on.clone(),
        reference: page.reference.clone(),
    };
    page.dispatch(LoanAction::Busy(true));
    wasm_bindgen_futures::spawn_local(async move {
        match service::record_payment(&request).await {
            Ok(done) => {
                app.dispatch(AppAction::Toast(
                    ToastKind::Success,
                    format!(
                        "Payment of {} recorded. Balance {}.",
                        rand(cents),
                        rand(done.balance_cents)
                    ),
                ));
                page.dispatch(LoanAction::Close);
            }
            Err(e) => page.dispatch(LoanAction::Problem(Some(format!(
                "{} (ref. {})",
                e.message, e.reference
            )))),
        }
        page.dispatch(LoanAction::Busy(false));
        page.dispatch(LoanAction::Reload);
    });
}

fn move_date(page: UseReducerHandle<LoanState>, app: AppContext, instalment_id: String) {
    if page.busy {
        return;
    }
    let request = MoveDateRequest { instalment_id, on: page.move_to.clone() };
    page.dispatch(LoanAction::Busy(true));
    wasm_bindgen_futures::spawn_local(async move {
        match service::move_collection_date(&request).await {
            Ok(done) => {
                app.dispatch(AppAction::Toast(
                    ToastKind::Success,
                    format!("The instalment is now collected on {}.", done.on),
                ));
                page.dispatch(LoanAction::Close);
            }
            Err(e) => page.dispatch(LoanAction::Problem(Some(format!(
                "{} (ref. {})",
                e.message, e.reference
            )))),
        }
        page.dispatch(LoanAction::Busy(false));
        page.dispatch(LoanAction::Reload);
    });
}

fn quote(page: UseReducerHandle<LoanState>, app: AppContext, loan_id: String) {
    page.dispatch(LoanAction::Open(Dialog::Quote(None)));
    wasm_bindgen_futures::spawn_local(async move {
        match service::settlement_quote(loan_id).await {
            Ok(q) => page.dispatch(LoanAction::Open(Dialog::Quote(Some(q)))),
            Err(e) => {
                page.dispatch(LoanAction::Close);
                app.dispatch(AppAction::Failed(e));
            }
        }
    });
}

fn write_off(page: UseReducerHandle<LoanState>, app: AppContext) {
    let Some(v) = page.view.clone() else { return };
    if page.busy {
        return;
    }
    let request = WriteOffRequest { loan_id: v.loan_id, reason: page.reason.clone() };
    page.dispatch(LoanAction::Busy(true));
    wasm_bindgen_futures::spawn_local(async move {
        match service::write_off(&request).await {
            Ok(_) => {
                app.dispatch(AppAction::Toast(
                    ToastKind::Success,
                    "The loan is written off.".to_owned(),
                ));
                page.dispatch(LoanAction::Close);
            }
            Err(e) => page.dispatch(LoanAction::Problem(Some(format!(
                "{} (ref. {})",
                e.message, e.reference
            )))),
        }
        page.dispatch(LoanAction::Busy(false));
        page.dispatch(LoanAction::Reload);
    });
}

fn input_cb(
    page: &UseReducerHandle<LoanState>,
    make: fn(String) -> LoanAction,
) -> Callback<InputEvent> {
    let page = page.clone();
    Callback::from(move |e: InputEvent| page.dispatch(make(value_of(&e))))
}

#[function_component(LoanPage)]
pub fn loan_page(props: &LoanProps) -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let page = use_reducer(LoanState::default);

    {
        let (page, app) = (page.clone(), app.clone());
        let deps = (props.id.clone(), page.reloads, app.revision);
        use_effect_with(deps, move |(id, _, _)| {
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match service::loan(id).await {
                    Ok(view) => page.dispatch(LoanAction::Loaded(Box::new(view))),
                    Err(e) => app.dispatch(AppAction::Fatal(e)),
                }
            });
        });
    }
    {
        let (page, app) = (page.clone(), app.clone());
        let actions = page.view.as_ref().map(|v| (v.actions, v.loan_id.clone()));
        let open = page.dialog != Dialog::None;
        use_effect_with((actions, open), move |(actions, open)| {
            let (actions, open) = (actions.clone(), *open);
            on_keys(move |e: web_sys::KeyboardEvent| {
                if e.key() == "Escape" {
                    if open {
                        page.dispatch(LoanAction::Close);
                    } else if !typing(&e) {
                        router::navigate(&Route::Loans);
                    }
                    return;
                }
                if typing(&e) || open {
                    return;
                }
                let Some((may, id)) = &actions else { return };
                match e.key().as_str() {
                    "p" if may.record_payment => page.dispatch(LoanAction::Open(Dialog::Payment)),
                    "q" => quote(page.clone(), app.clone(), id.clone()),
                    "s" => router::navigate(&Route::Statement(id.clone())),
                    "w" if may.write_off => page.dispatch(LoanAction::Open(Dialog::WriteOff)),
                    "r" => page.dispatch(LoanAction::Reload),
                    _ => {}
                }
            })
        });
    }

    let Some(v) = page.view.clone() else {
        return html! { <div class="loading" id="loan-loading">{ "Loading…" }</div> };
    };
    let back = Callback::from(|_| router::navigate(&Route::Loans));
    let open_payment = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(LoanAction::Open(Dialog::Payment)))
    };
    let open_quote = {
        let (page, app, id) = (page.clone(), app.clone(), v.loan_id.clone());
        Callback::from(move |_| quote(page.clone(), app.clone(), id.clone()))
    };
    let open_statement = {
        let id = v.loan_id.clone();
        Callback::from(move |_| router::navigate(&Route::Statement(id.clone())))
    };
    let open_write_off = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(LoanAction::Open(Dialog::WriteOff)))
    };
    let close = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(LoanAction::Close))
    };
    let problem =
        page.problem.clone().map(|p| html! { <p class="form-error" id="dialog-error">{ p }</p> });

    let dialog = match &page.dialog {
        Dialog::None => html! {},
        Dialog::Payment => {
            let submit = {
                let (page, app) = (page.clone(), app.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    payment(page.clone(), app.clone());
                })
            };
            html! {
                <form class="dialog form" id="payment-dialog" role="dialog" aria-label="Record a payment" onsubmit={submit}>
                    <h2>{ "Record a payment received by EFT" }</h2>
                    <p class="hint">{ format!("Balance {}. It is allocated to the oldest instalments owed.", rand(v.balance_cents)) }</p>
                    <label class="field"><span class="field-label">{ "Amount (R)" }</span>
                        <input id="payment-amount" inputmode="decimal" value={page.amount.clone()} oninput={input_cb(&page, LoanAction::Amount)} /></label>
                    <label class="field"><span class="field-label">{ "Received on" }</span>
                        <input id="payment-date" type="date" max={v.today.clone()} min={v.disbursed_on.clone()}
                            value={page.received_on.clone()} oninput={input_cb(&page, LoanAction::ReceivedOn)} /></label>
                    <label class="field"><span class="field-label">{ "Bank reference" }</span>
                        <input id="payment-reference" maxlength="60" value={page.reference.clone()} oninput={input_cb(&page, LoanAction::Reference)} /></label>
                    { for problem }
                    <div class="dialog-actions">
                        <button id="payment-submit" class="button button-primary" type="submit" disabled={page.busy}>{ "Record payment" }</button>
                        <button class="button" type="button" onclick={close}>{ "Cancel (Esc)" }</button>
                    </div>
                </form>
            }
        }
        Dialog::Move { instalment_id, sequence } => {
            let submit = {
                let (page, app, id) = (page.clone(), app.clone(), instalment_id.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    move_date(page.clone(), app.clone(), id.clone());
                })
            };
            html! {
                <form class="dialog form" id="move-dialog" role="dialog" aria-label="Move a collection date" onsubmit={submit}>
                    <h2>{ format!("Move the collection of instalment {sequence}") }</h2>
                    <p class="hint">{ format!("A business day from {} (two business days' notice to the bank) to {} (six months from pay-out).", v.earliest_move, v.latest_move) }</p>
                    if v.collection_hold.is_some() {
                        <p class="notice">{ "Collection is stopped on this loan: no debit order goes out on the new date until the hold is lifted." }</p>
                    }
                    <label class="field"><span class="field-label">{ "Collect on" }</span>
                        <input id="move-date" type="date" min={v.earliest_move.clone()} max={v.latest_move.clone()}
                            value={page.move_to.clone()} oninput={input_cb(&page, LoanAction::MoveTo)} /></label>
                    { for problem }
                    <div class="dialog-actions">
                        <button id="move-submit" class="button button-primary" type="submit" disabled={page.busy}>{ "Move" }</button>
                        <button class="button" type="button" onclick={close}>{ "Cancel (Esc)" }</button>
                    </div>
                </form>
            }
        }
        Dialog::Quote(quote) => html! {
            <div class="dialog" id="quote-dialog" role="dialog" aria-label="Settlement quote">
                <h2>{ "Settlement quote (NCA s125)" }</h2>
                { match quote {
                    None => html! { <p class="loading">{ "Working it out…" }</p> },
                    Some(q) => html! {
                        <>
                        <Facts rows={vec![
                            ("To settle today".into(), rand(q.amount_cents)),
                            ("Quoted on".into(), q.on.clone()),
                            ("Holds until".into(), q.valid_until.clone().unwrap_or_else(|| "—".to_owned())),
                            ("Charges not yet due (not payable)".into(), rand(q.charges_not_due_cents)),
                        ]} />
                        if q.in_flight > 0 {
                            <p class="notice">{ format!("{} debit order(s) in flight: their result changes the amount.", q.in_flight) }</p>
                        }
                        </>
                    },
                } }
                <div class="dialog-actions"><button class="button" onclick={close}>{ "Close (Esc)" }</button></div>
            </div>
        },
        Dialog::WriteOff => {
            let submit = {
                let (page, app) = (page.clone(), app.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    write_off(page.clone(), app.clone());
                })
            };
            html! {
                <form class="dialog form" id="write-off-dialog" role="dialog" aria-label="Write off" onsubmit={submit}>
                    <h2>{ "Write the loan off" }</h2>
                    <p class="hint">{ format!("The balance of {} is written off; nothing more is collected.", rand(v.balance_cents)) }</p>
                    <label class="field"><span class="field-label">{ "Reason" }</span>
                        <textarea id="write-off-reason" maxlength="500" value={page.reason.clone()} oninput={input_cb(&page, LoanAction::Reason)} /></label>
                    { for problem }
                    <div class="dialog-actions">
                        <button id="write-off-submit" class="button button-danger" type="submit" disabled={page.busy}>{ "Write off" }</button>
                        <button class="button" type="button" onclick={close}>{ "Cancel (Esc)" }</button>
                    </div>
                </form>
            }
        }
    };

    html! {
        <section class="loan" id="loan" data-reference={v.reference.clone()}>
            <div class="page-head">
                <button class="button button-quiet" onclick={back}>{ "‹ Loans (Esc)" }</button>
                <h1>{ v.reference.clone() }</h1>
                <span id="loan-status"><LabelBadge status={v.status.clone()} label={loan_status_label(&v.status).to_owned()} /></span>
                <span class="amount" id="loan-balance">{ format!("Balance {}", rand(v.balance_cents)) }</span>
            </div>
            if let Some(hold) = &v.collection_hold {
                <p class="notice" id="loan-hold">{ format!("Collection stopped: {}.", words(hold)) }
                    { if v.no_sms_contact { " No SMS contact." } else { "" } }</p>
            }
            <div class="actions">
                if v.actions.record_payment {
                    <button id="record-payment" class="button button-primary" onclick={open_payment}>{ "Record payment (p)" }</button>
                }
                <button id="settlement-quote" class="button" onclick={open_quote}>{ "Settlement quote (q)" }</button>
                <button id="open-statement" class="button" onclick={open_statement}>{ "Statement (s)" }</button>
                if v.actions.write_off {
                    <button id="write-off" class="button button-danger" onclick={open_write_off}>{ "Write off (w)" }</button>
                }
            </div>
            { dialog }
            <div class="grid">
                <article class="card">
                    <h2>{ "Client" }</h2>
                    <Facts rows={vec![
                        ("Name".into(), text(&v.applicant_name)),
                        ("ID number".into(), text(&v.id_number)),
                        ("Mobile".into(), v.msisdn.clone()),
                    ]} />
                </article>
                <article class="card">
                    <h2>{ "Loan" }</h2>
                    <Facts rows={vec![
                        ("Principal".into(), rand(v.principal_cents)),
                        ("Total repayable".into(), rand(v.total_repayable_cents)),
                        ("Term".into(), format!("{} days", v.term_days)),
                        ("Interest".into(), format!("{}.{:02}% a month", v.interest_rate_bp / 100, v.interest_rate_bp % 100)),
                        ("Paid out".into(), v.disbursed_on.clone()),
                        ("In default since".into(), text(&v.default_on)),
                        ("Paid up".into(), text(&v.paid_up_on)),
                        ("Written off".into(), match (&v.written_off_on, &v.written_off_reason) {
                            (Some(on), Some(why)) => format!("{on}: {why}"),
                            _ => "—".to_owned(),
                        }),
                    ]} />
                </article>
            </div>
            <article class="card">
                <h2>{ "Schedule" }</h2>
                <table class="table compact" id="schedule">
                    <thead><tr><th>{ "#" }</th><th>{ "Due" }</th><th>{ "Collect on" }</th><th class="num">{ "Principal" }</th><th class="num">{ "Interest" }</th><th class="num">{ "Fees" }</th><th class="num">{ "VAT" }</th><th class="num">{ "Amount" }</th><th class="num">{ "Paid" }</th><th>{ "Status" }</th><th></th></tr></thead>
                    <tbody>
                        { for v.instalments.iter().map(|i| {
                            let movable = v.actions.move_date && !i.in_flight
                                && matches!(i.status.as_str(), "scheduled" | "unpaid" | "partially_paid");
                            let open = {
                                let page = page.clone();
                                let dialog = Dialog::Move { instalment_id: i.instalment_id.clone(), sequence: i.sequence };
                                Callback::from(move |_| page.dispatch(LoanAction::Open(dialog.clone())))
                            };
                            html! {
                                <tr data-instalment={i.instalment_id.clone()}>
                                    <td>{ i.sequence }</td>
                                    <td>{ i.due_date.clone() }</td>
                                    <td>{ text(&i.collect_on) }</td>
                                    <td class="num">{ rand(i.principal_cents) }</td>
                                    <td class="num">{ rand(i.interest_cents) }</td>
                                    <td class="num">{ rand(i.fee_cents) }</td>
                                    <td class="num">{ rand(i.vat_cents) }</td>
                                    <td class="num">{ rand(i.amount_cents) }</td>
                                    <td class="num">{ rand(i.paid_cents) }</td>
                                    <td><LabelBadge status={i.status.clone()} label={words(&i.status)} />
                                        { if i.in_flight { " · debit in flight" } else { "" } }</td>
                                    <td>if movable { <button class="button button-small move-date" onclick={open}>{ "Move date" }</button> }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </article>
            <article class="card">
                <h2>{ "Ledger" }</h2>
                <table class="table compact" id="ledger">
                    <thead><tr><th>{ "Date" }</th><th>{ "Kind" }</th><th>{ "Reference" }</th><th class="num">{ "Amount" }</th><th class="num">{ "Balance" }</th><th>{ "By" }</th></tr></thead>
                    <tbody>
                        { for v.postings.iter().map(|p| html! {
                            <tr>
                                <td>{ p.effective_date.clone() }</td>
                                <td>{ words(&p.kind) }</td>
                                <td>{ p.reference.clone() }</td>
                                <td class="num">{ rand(p.amount_cents) }</td>
                                <td class="num">{ rand(p.balance_cents) }</td>
                                <td class="mono">{ p.posted_by.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </article>
            <article class="card">
                <h2>{ "Mandate" }</h2>
                { for v.mandates.iter().map(|m| html! {
                    <Facts rows={vec![
                        ("Contract".into(), m.contract_reference.clone()),
                        ("Status".into(), words(&m.status)),
                        ("Collects".into(), format!("{} on day {}", words(&m.frequency), m.collection_day)),
                        ("Instalment".into(), rand(m.instalment_cents)),
                        ("Maximum".into(), rand(m.max_collection_cents)),
                        ("First collection".into(), m.first_collection_date.clone()),
                        ("Date adjustment".into(), if m.date_adjustment_allowed { "Allowed".to_owned() } else { "Not allowed".to_owned() }),
                        ("Tracking".into(), format!("{} days", m.tracking_days)),
                        ("Authentication".into(), m.authentication_type.to_uppercase()),
                        ("Account".into(), format!("{} · branch {} · …{}", m.account_holder, m.branch_code, m.account_last_digits)),
                        ("Authenticated".into(), m.authenticated_at.as_deref().map_or("—".to_owned(), format::when)),
                    ]} />
                }) }
                if v.mandates.is_empty() { <p class="empty">{ "No mandate." }</p> }
            </article>
            <article class="card">
                <h2>{ "Debit orders" }</h2>
                <table class="table compact" id="presentments">
                    <thead><tr><th>{ "Action date" }</th><th>{ "#" }</th><th>{ "Attempt" }</th><th class="num">{ "Amount" }</th><th>{ "Batch" }</th><th>{ "Result" }</th><th>{ "Reason" }</th></tr></thead>
                    <tbody>
                        { for v.presentments.iter().map(|p| html! {
                            <tr data-status={p.status.clone()}>
                                <td>{ p.action_date.clone() }</td>
                                <td>{ p.instalment_sequence }</td>
                                <td>{ p.attempt }</td>
                                <td class="num">{ rand(p.amount_cents) }</td>
                                <td class="mono">{ text(&p.batch_name) }</td>
                                <td><LabelBadge status={p.status.clone()} label={words(&p.status)} /></td>
                                <td>{ match (&p.reason_code, &p.reason, &p.message) {
                                    (Some(code), Some(why), _) => format!("{code}: {why}"),
                                    (_, _, Some(message)) => message.clone(),
                                    _ => String::new(),
                                } }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                if v.presentments.is_empty() { <p class="empty">{ "No debit orders yet." }</p> }
            </article>
            if !v.flags.is_empty() {
                <article class="card">
                    <h2>{ "Flags" }</h2>
                    <table class="table compact" id="loan-flags">
                        <thead><tr><th>{ "Raised" }</th><th>{ "Code" }</th><th>{ "Action" }</th><th>{ "Note" }</th><th>{ "State" }</th></tr></thead>
                        <tbody>
                            { for v.flags.iter().map(|f| html! {
                                <tr><td>{ f.raised_on.clone() }</td><td>{ text(&f.reason_code) }</td><td>{ words(&f.action) }</td><td>{ f.note.clone() }</td><td>{ if f.resolved { "Resolved" } else { "Open" } }</td></tr>
                            }) }
                        </tbody>
                    </table>
                </article>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_typed_in_rands() {
        assert_eq!(amount_cents("250"), Ok(25_000));
        assert_eq!(amount_cents("R1 234.50"), Ok(123_450));
        assert!(amount_cents("-5").is_err());
        assert!(amount_cents("0").is_err());
        assert!(amount_cents("1.234").is_err());
        assert!(amount_cents("ten").is_err());
    }

    #[test]
    fn closing_a_dialog_forgets_what_was_typed() {
        let state = Rc::new(LoanState::default())
            .reduce(LoanAction::Open(Dialog::Payment))
            .reduce(LoanAction::Amount("100".into()))
            .reduce(LoanAction::Close);
        assert_eq!(state.dialog, Dialog::None);
        assert!(state.amount.is_empty());
    }
}
