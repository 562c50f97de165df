//! Administration (administrators; the database refuses everyone else's changes): officers and
//! their roles, product prices and regulatory parameters with effective dates, policy thresholds,
//! message templates with a preview by the outbox's own renderer, declared public holidays,
//! partner API keys (a new key is shown once) and the audit log. Each section reloads when the
//! database announces a change. Keys: `1`–`7` choose the section.

use pocket_contract::admin::{
    AuditPage, AuditRequest, HolidayRow, IdRequest, IssuedKey, NewHolidayRequest, NewKeyRequest,
    NewOfficerRequest, NewPartnerRequest, NewPriceRequest, NewVersionRequest, OfficerChange,
    OfficerRow, PartnerRow, Policy, Pricing, TemplatePreview, TemplateRequest, TemplateRow,
    VersionRow,
};
use pocket_contract::{CommandError, Role};
use pocket_domain::Money;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::app::AppContext;
use crate::components::design::Field;
use crate::format::{rand, text, when, words};
use crate::pages::{on_keys, typing, value_of};
use crate::services::admin as service;
use crate::state::{AppAction, ToastKind};

/// The sections of the page, in the order of their keys.
pub const SECTIONS: &[(&str, &str)] = &[
    ("officers", "Officers"),
    ("pricing", "Prices and the law"),
    ("policy", "Policy thresholds"),
    ("templates", "Message templates"),
    ("holidays", "Public holidays"),
    ("partners", "Partners and keys"),
    ("audit", "Audit log"),
];

const ROLES: &[Role] =
    &[Role::Officer, Role::Supervisor, Role::Collections, Role::Admin, Role::Auditor];

fn role_word(role: Role) -> &'static str {
    match role {
        Role::Officer => "officer",
        Role::Supervisor => "supervisor",
        Role::Collections => "collections",
        Role::Admin => "admin",
        Role::Auditor => "auditor",
    }
}

fn role_of(word: &str) -> Option<Role> {
    ROLES.iter().copied().find(|r| role_word(*r) == word)
}

/// The value of the form control with this id (input, select or text area).
pub fn field_value(id: &str) -> String {
    let Some(el) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id))
    else {
        return String::new();
    };
    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        return if input.type_() == "checkbox" {
            input.checked().to_string()
        } else {
            input.value()
        };
    }
    if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return area.value();
    }
    String::new()
}

fn clear(ids: &[&str]) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    for id in ids {
        if let Some(input) =
            doc.get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_value("");
        }
    }
}

fn scroll_to(id: &str) {
    if let Some(el) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id))
    {
        el.scroll_into_view();
    }
}

/// Rands as typed (`1 500.00`, `R60`) to cents.
pub fn cents(text: &str) -> Result<i64, String> {
    Money::parse(text).map(Money::cents).map_err(|_| format!("{text:?} is not an amount in rands."))
}

/// A whole number as typed.
pub fn whole(text: &str) -> Result<i64, String> {
    text.trim()
        .replace(' ', "")
        .parse::<i64>()
        .map_err(|_| format!("{text:?} is not a whole number."))
}

/// A value as typed for its unit: rands for cents, whole numbers otherwise.
pub fn value_for(unit: &str, text: &str) -> Result<i64, String> {
    if unit == "cents" { cents(text) } else { whole(text) }
}

/// A stored value as it reads.
pub fn show_value(unit: &str, value: i64) -> String {
    match unit {
        "cents" => rand(value),
        "basis_points" => format!("{}.{:02}%", value / 100, value % 100),
        other => format!("{value} {}", words(other).to_lowercase()),
    }
}

fn local_error(message: String) -> CommandError {
    CommandError {
        code: pocket_contract::ErrorCode::Invalid,
        message,
        reference: "UI".into(),
        detail: None,
    }
}

/// Runs a change, then toasts and reloads (or toasts the refusal).
fn act<T: 'static>(
    app: &AppContext,
    done: &str,
    reload: Callback<()>,
    call: impl std::future::Future<Output = Result<T, CommandError>> + 'static,
    then: impl FnOnce(T) + 'static,
) {
    let app = app.clone();
    let done = done.to_owned();
    wasm_bindgen_futures::spawn_local(async move {
        match call.await {
            Ok(value) => {
                app.dispatch(AppAction::Toast(ToastKind::Success, done));
                then(value);
                reload.emit(());
            }
            Err(e) => app.dispatch(AppAction::Failed(e)),
        }
    });
}

/// Loads a section's data on mount, on every change the database announces, and on `reload`.
#[hook]
fn use_loaded<T, F, Fut>(load: F) -> (Option<T>, Callback<()>)
where
    T: Clone + PartialEq + 'static,
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<T, CommandError>> + 'static,
{
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let data = use_state(|| None::<T>);
    let reloads = use_state(|| 0u32);
    let load = std::rc::Rc::new(load);
    {
        let (data, app2) = (data.clone(), app.clone());
        use_effect_with((*reloads, app.revision), move |_| {
            let call = load();
            wasm_bindgen_futures::spawn_local(async move {
                match call.await {
                    Ok(value) => data.set(Some(value)),
                    Err(e) => app2.dispatch(AppAction::Failed(e)),
                }
            });
        });
    }
    let reload = {
        let reloads = reloads.clone();
        Callback::from(move |()| reloads.set(*reloads + 1))
    };
    ((*data).clone(), reload)
}

#[function_component(AdminPage)]
pub fn admin_page() -> Html {
    let section = use_state(|| "officers");
    {
        let section = section.clone();
        use_effect_with((), move |_| {
            on_keys(move |e: web_sys::KeyboardEvent| {
                if typing(&e) {
                    return;
                }
                if let Some(i) =
                    e.key().parse::<usize>().ok().filter(|i| (1..=SECTIONS.len()).contains(i))
                {
                    section.set(SECTIONS[i - 1].0);
                }
            })
        });
    }
    let tabs = SECTIONS.iter().enumerate().map(|(i, (key, label))| {
        let active = *section == *key;
        let s = section.clone();
        let key = *key;
        let onclick = Callback::from(move |_| s.set(key));
        html! {
            <button class={if active { "tab tab-active" } else { "tab" }} role="tab"
                aria-selected={active.to_string()} data-section={key} {onclick}>
                { *label }<span class="count">{ i + 1 }</span>
            </button>
        }
    });
    let body = match *section {
        "pricing" => html! { <PricingSection /> },
        "policy" => html! { <PolicySection /> },
        "templates" => html! { <TemplatesSection /> },
        "holidays" => html! { <HolidaysSection /> },
        "partners" => html! { <PartnersSection /> },
        "audit" => html! { <AuditSection /> },
        _ => html! { <OfficersSection /> },
    };
    html! {
        <section class="admin" id="admin">
            <div class="page-head"><h1>{ "Administration" }</h1></div>
            <div class="tabs" role="tablist">{ for tabs }</div>
            <div id={format!("admin-{}", *section)}>{ body }</div>
        </section>
    }
}

#[function_component(OfficersSection)]
fn officers_section() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let (officers, reload) = use_loaded(service::officers);
    let create = {
        let (app, reload) = (app.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if field_value("new-password") != field_value("new-password-again") {
                app.dispatch(AppAction::Failed(local_error("The two passwords differ.".into())));
                return;
            }
            let limit = match cents(&field_value("new-limit")) {
                Ok(c) => c,
                Err(m) => return app.dispatch(AppAction::Failed(local_error(m))),
            };
            let request = NewOfficerRequest {
                login: field_value("new-login"),
                full_name: field_value("new-name"),
                email: field_value("new-email"),
                role: role_of(&field_value("new-role")).unwrap_or(Role::Officer),
                approval_limit_cents: limit,
                password: field_value("new-password"),
            };
            act(
                &app,
                "Officer created: they can sign in now.",
                reload.clone(),
                async move { service::create_officer(&request).await },
                |_| {
                    clear(&[
                        "new-login",
                        "new-name",
                        "new-email",
                        "new-password",
                        "new-password-again",
                    ])
                },
            );
        })
    };
    let rows = officers.unwrap_or_default();
    html! {
        <>
            <div class="card">
                <h2>{ "Officers" }</h2>
                <table class="table compact" id="officers-table">
                    <thead><tr><th>{ "Name" }</th><th>{ "Login" }</th><th>{ "E-mail" }</th><th>{ "Role" }</th>
                        <th>{ "Approval limit" }</th><th>{ "Status" }</th><th></th></tr></thead>
                    <tbody>{ for rows.iter().map(|o| officer_row(o, &app, &reload)) }</tbody>
                </table>
            </div>
            <form class="card form-grid" id="new-officer" onsubmit={create}>
                <h2>{ "New officer" }</h2>
                <p class="hint">{ "The password is turned into a SCRAM verifier on this computer; the database never sees it. At least 12 characters, not built on the login or the name." }</p>
                <Field label="Login (lowercase letters, digits, _)"><input id="new-login" autocomplete="off" maxlength="63" /></Field>
                <Field label="Full name"><input id="new-name" maxlength="100" /></Field>
                <Field label="E-mail"><input id="new-email" type="email" /></Field>
                <Field label="Role">
                    <select id="new-role">{ for ROLES.iter().map(|r| html! { <option value={role_word(*r)}>{ r.label() }</option> }) }</select>
                </Field>
                <Field label="Approval limit (rands)"><input id="new-limit" value="0.00" /></Field>
                <Field label="Password"><input id="new-password" type="password" autocomplete="new-password" /></Field>
                <Field label="Password again"><input id="new-password-again" type="password" autocomplete="new-password" /></Field>
                <div><button class="button button-primary" id="create-officer" type="submit">{ "Create officer" }</button></div>
            </form>
        </>
    }
}

fn officer_row(o: &OfficerRow, app: &AppContext, reload: &Callback<()>) -> Html {
    let id = o.officer_id.clone();
    let limit_id = format!("limit-{id}");
    let on_role = {
        let (app, reload, id) = (app.clone(), reload.clone(), id.clone());
        Callback::from(move |e: Event| {
            let Some(role) = role_of(&value_of(&e)) else { return };
            let request = OfficerChange {
                officer_id: id.clone(),
                role: Some(role),
                approval_limit_cents: None,
            };
            act(
                &app,
                "Role changed.",
                reload.clone(),
                async move { service::change_officer(&request).await },
                |_| (),
            );
        })
    };
    let on_limit = {
        let (app, reload, id, limit_id) =
            (app.clone(), reload.clone(), id.clone(), limit_id.clone());
        Callback::from(move |_| {
            let cents = match cents(&field_value(&limit_id)) {
                Ok(c) => c,
                Err(m) => return app.dispatch(AppAction::Failed(local_error(m))),
            };
            let request = OfficerChange {
                officer_id: id.clone(),
                role: None,
                approval_limit_cents: Some(cents),
            };
            act(
                &app,
                "Approval limit changed.",
                reload.clone(),
                async move { service::change_officer(&request).await },
                |_| (),
            );
        })
    };
    let on_disable = {
        let (app, reload, id, name) =
            (app.clone(), reload.clone(), id.clone(), o.full_name.clone());
        Callback::from(move |_| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(&format!(
                        "Disable {name}? Their login stops working at once."
                    ))
                    .ok()
                })
                .unwrap_or(false);
            if !sure {
                return;
            }
            let request = IdRequest { id: id.clone() };
            act(
                &app,
                "Officer disabled.",
                reload.clone(),
                async move { service::disable_officer(&request).await },
                |_| (),
            );
        })
    };
    html! {
        <tr data-login={o.login.clone()} class={if o.active { "" } else { "inactive" }}>
            <td>{ o.full_name.clone() }</td>
            <td class="mono">{ o.login.clone() }</td>
            <td>{ o.email.clone() }</td>
            <td>
                <select class="role-select" aria-label={format!("Role of {}", o.full_name)} onchange={on_role} disabled={!o.active}>
                    { for ROLES.iter().map(|r| html! { <option value={role_word(*r)} selected={*r == o.role}>{ r.label() }</option> }) }
                </select>
            </td>
            <td class="inline">
                <input id={limit_id} class="narrow" value={format!("{}.{:02}", o.approval_limit_cents / 100, o.approval_limit_cents % 100)}
                    aria-label={format!("Approval limit of {} in rands", o.full_name)} disabled={!o.active} />
                <button class="button" onclick={on_limit} disabled={!o.active}>{ "Save" }</button>
            </td>
            <td>{ if o.active { "Active" } else { "Disabled" } }</td>
            <td>if o.active { <button class="button button-danger" onclick={on_disable}>{ "Disable" }</button> }</td>
        </tr>
    }
}

fn version_badge(in_force: bool, future: bool) -> Html {
    if in_force {
        html! { <span class="badge badge-approved">{ "In force" }</span> }
    } else if future {
        html! { <span class="badge badge-submitted">{ "From then on" }</span> }
    } else {
        html! { <span class="badge">{ "History" }</span> }
    }
}

fn versions_table(id: &str, rows: &[VersionRow]) -> Html {
    html! {
        <table class="table compact" id={id.to_owned()}>
            <thead><tr><th>{ "Code" }</th><th>{ "From" }</th><th class="num">{ "Value" }</th><th>{ "Source or meaning" }</th><th></th></tr></thead>
            <tbody>
                { for rows.iter().map(|v| html! {
                    <tr data-code={v.code.clone()} data-from={v.effective_from.clone()}>
                        <td class="mono">{ v.code.clone() }</td><td>{ v.effective_from.clone() }</td>
                        <td class="num">{ show_value(&v.unit, v.value) }</td><td>{ v.note.clone() }</td>
                        <td>{ version_badge(v.in_force, v.future) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// The form for a new version of an effective-dated value (`prefix` keeps the ids apart).
fn version_form(
    prefix: &'static str,
    codes: &[(String, String)],
    note_label: &'static str,
    onsubmit: Callback<SubmitEvent>,
) -> Html {
    html! {
        <form class="card form-grid" id={format!("{prefix}-form")} {onsubmit}>
            <h2>{ "New value from a date on" }</h2>
            <p class="hint">{ "History is never edited: a new value starts today or later, and a value already in force stays on record. Rands for amounts; basis points for rates (100 = 1%)." }</p>
            <Field label="Code">
                <select id={format!("{prefix}-code")}>
                    { for codes.iter().map(|(c, u)| html! { <option value={c.clone()} data-unit={u.clone()}>{ format!("{c} ({})", words(u).to_lowercase()) }</option> }) }
                </select>
            </Field>
            <Field label="From"><input id={format!("{prefix}-from")} type="date" /></Field>
            <Field label="Value"><input id={format!("{prefix}-value")} /></Field>
            <Field label={note_label}><input id={format!("{prefix}-note")} maxlength="200" /></Field>
            <div><button class="button button-primary" type="submit" id={format!("{prefix}-add")}>{ "Add value" }</button></div>
        </form>
    }
}

fn version_request(prefix: &str, codes: &[(String, String)]) -> Result<NewVersionRequest, String> {
    let code = field_value(&format!("{prefix}-code"));
    let unit = codes.iter().find(|(c, _)| *c == code).map(|(_, u)| u.clone()).unwrap_or_default();
    Ok(NewVersionRequest {
        value: value_for(&unit, &field_value(&format!("{prefix}-value")))?,
        code,
        effective_from: field_value(&format!("{prefix}-from")),
        note: field_value(&format!("{prefix}-note")),
    })
}

#[function_component(PricingSection)]
fn pricing_section() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let (pricing, reload) = use_loaded(service::pricing);
    let Some(Pricing { products, prices, regulatory, regulatory_codes }) = pricing else {
        return html! { <p class="loading">{ "Loading…" }</p> };
    };
    let add_price = {
        let (app, reload) = (app.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let parsed = (|| -> Result<NewPriceRequest, String> {
                Ok(NewPriceRequest {
                    product_id: field_value("price-product"),
                    effective_from: field_value("price-from"),
                    interest_first_loan_bp: i32::try_from(whole(&field_value("price-first"))?)
                        .map_err(|_| "Too large.".to_owned())?,
                    interest_subsequent_loan_bp: i32::try_from(whole(&field_value("price-later"))?)
                        .map_err(|_| "Too large.".to_owned())?,
                    service_fee_monthly_cents: cents(&field_value("price-fee"))?,
                    charge_initiation_fee: field_value("price-initiation") == "true",
                    interest_convention: field_value("price-convention"),
                })
            })();
            match parsed {
                Ok(request) => act(
                    &app,
                    "New prices recorded.",
                    reload.clone(),
                    async move { service::add_price(&request).await },
                    |_| (),
                ),
                Err(m) => app.dispatch(AppAction::Failed(local_error(m))),
            }
        })
    };
    let add_regulatory = {
        let (app, reload, codes) = (app.clone(), reload.clone(), regulatory_codes.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match version_request("regulatory", &codes) {
                Ok(request) => act(
                    &app,
                    "New value recorded.",
                    reload.clone(),
                    async move { service::add_regulatory(&request).await },
                    |_| (),
                ),
                Err(m) => app.dispatch(AppAction::Failed(local_error(m))),
            }
        })
    };
    let product_name = |id: &str| {
        products.iter().find(|p| p.product_id == id).map_or_else(String::new, |p| p.name.clone())
    };
    html! {
        <>
            <div class="card">
                <h2>{ "Product prices" }</h2>
                <table class="table compact" id="prices-table">
                    <thead><tr><th>{ "Product" }</th><th>{ "From" }</th><th class="num">{ "First loan / month" }</th>
                        <th class="num">{ "Later loans / month" }</th><th class="num">{ "Service fee / month" }</th>
                        <th>{ "Initiation fee" }</th><th>{ "Interest" }</th><th></th></tr></thead>
                    <tbody>
                        { for prices.iter().map(|p| html! {
                            <tr data-from={p.effective_from.clone()}>
                                <td>{ product_name(&p.product_id) }</td><td>{ p.effective_from.clone() }</td>
                                <td class="num">{ show_value("basis_points", i64::from(p.interest_first_loan_bp)) }</td>
                                <td class="num">{ show_value("basis_points", i64::from(p.interest_subsequent_loan_bp)) }</td>
                                <td class="num">{ rand(p.service_fee_monthly_cents) }</td>
                                <td>{ if p.charge_initiation_fee { "At the legal formula" } else { "None" } }</td>
                                <td>{ if p.interest_convention == "daily" { "Daily" } else { "Flat per month" } }</td>
                                <td>{ version_badge(p.in_force, p.future) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            <form class="card form-grid" id="price-form" onsubmit={add_price}>
                <h2>{ "New prices from a date on" }</h2>
                <p class="hint">{ "Checked against the NCA caps in force on that date and every later cap on record (Reg 42 interest, Reg 44 service fee). Rates in basis points: 500 = 5% a month." }</p>
                <Field label="Product">
                    <select id="price-product">{ for products.iter().map(|p| html! { <option value={p.product_id.clone()}>{ p.name.clone() }</option> }) }</select>
                </Field>
                <Field label="From"><input id="price-from" type="date" /></Field>
                <Field label="First loan (basis points a month)"><input id="price-first" /></Field>
                <Field label="Later loans (basis points a month)"><input id="price-later" /></Field>
                <Field label="Service fee a month (rands)"><input id="price-fee" /></Field>
                <Field label="Interest">
                    <select id="price-convention"><option value="flat_month">{ "Flat per month" }</option><option value="daily">{ "Daily" }</option></select>
                </Field>
                <label class="check"><input id="price-initiation" type="checkbox" checked=true />{ " Charge the initiation fee" }</label>
                <div><button class="button button-primary" type="submit" id="price-add">{ "Add prices" }</button></div>
            </form>
            <div class="card">
                <h2>{ "Regulatory parameters" }</h2>
                { versions_table("regulatory-table", &regulatory) }
            </div>
            { version_form("regulatory", &regulatory_codes, "Source (the regulation)", add_regulatory) }
        </>
    }
}

#[function_component(PolicySection)]
fn policy_section() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let (policy, reload) = use_loaded(service::policy);
    let Some(Policy { thresholds, codes }) = policy else {
        return html! { <p class="loading">{ "Loading…" }</p> };
    };
    let add = {
        let (app, reload, codes) = (app.clone(), reload.clone(), codes.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match version_request("policy", &codes) {
                Ok(request) => act(
                    &app,
                    "New threshold recorded.",
                    reload.clone(),
                    async move { service::add_policy(&request).await },
                    |_| (),
                ),
                Err(m) => app.dispatch(AppAction::Failed(local_error(m))),
            }
        })
    };
    html! {
        <>
            <div class="card"><h2>{ "Lending policy thresholds" }</h2>{ versions_table("policy-table", &thresholds) }</div>
            { version_form("policy", &codes, "What it means", add) }
        </>
    }
}

#[function_component(TemplatesSection)]
fn templates_section() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let (templates, reload) = use_loaded(service::templates);
    let preview = use_state(|| None::<TemplatePreview>);
    let form = use_state(|| TemplateRequest {
        code: String::new(),
        channel: "sms".into(),
        subject: None,
        body: String::new(),
    });
    // What was just asked for comes into view: the form after Edit, the text after Preview.
    {
        let editing = (form.code.clone(), form.channel.clone());
        use_effect_with(editing, |(code, _)| {
            if !code.is_empty() {
                scroll_to("template-form");
            }
        });
    }
    use_effect_with((*preview).clone(), |shown| {
        if shown.is_some() {
            scroll_to("template-rendered");
        }
    });
    let read = || TemplateRequest {
        code: field_value("template-code"),
        channel: field_value("template-channel"),
        subject: Some(field_value("template-subject")).filter(|s| !s.trim().is_empty()),
        body: field_value("template-body"),
    };
    let on_preview = {
        let (app, preview) = (app.clone(), preview.clone());
        Callback::from(move |_| {
            let request = read();
            let (app, preview) = (app.clone(), preview.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match service::preview_template(&request).await {
                    Ok(p) => preview.set(Some(p)),
                    Err(e) => {
                        preview.set(None);
                        app.dispatch(AppAction::Failed(e));
                    }
                }
            });
        })
    };
    let on_publish = {
        let (app, reload) = (app.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = read();
            act(
                &app,
                "New version published; the previous one is kept.",
                reload.clone(),
                async move { service::publish_template(&request).await },
                |_| (),
            );
        })
    };
    let rows = templates.unwrap_or_default();
    let edit = |t: &TemplateRow| {
        let (form, preview, t) = (form.clone(), preview.clone(), t.clone());
        Callback::from(move |_| {
            preview.set(None);
            form.set(TemplateRequest {
                code: t.code.clone(),
                channel: t.channel.clone(),
                subject: t.subject.clone(),
                body: t.body.clone(),
            });
        })
    };
    html! {
        <>
            <div class="card">
                <h2>{ "Templates in use" }</h2>
                <table class="table compact" id="templates-table">
                    <thead><tr><th>{ "Code" }</th><th>{ "Channel" }</th><th class="num">{ "Version" }</th><th>{ "Text" }</th><th></th></tr></thead>
                    <tbody>
                        { for rows.iter().filter(|t| t.active).map(|t| html! {
                            <tr data-code={t.code.clone()} data-channel={t.channel.clone()}>
                                <td class="mono">{ t.code.clone() }</td><td>{ t.channel.to_uppercase() }</td>
                                <td class="num">{ t.version }</td>
                                <td class="template-text">{ t.subject.clone().map(|s| format!("{s} — ")).unwrap_or_default() }{ t.body.clone() }</td>
                                <td><button class="button" onclick={edit(t)}>{ "Edit" }</button></td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                <p class="hint">{ format!("{} older versions are kept for the record.", rows.iter().filter(|t| !t.active).count()) }</p>
            </div>
            <form class="card form" id="template-form" onsubmit={on_publish} key={format!("{}-{}-{}", form.code, form.channel, form.body.len())}>
                <h2>{ "New version" }</h2>
                <div class="form-row">
                    <Field label="Code"><input id="template-code" value={form.code.clone()} maxlength="60" /></Field>
                    <Field label="Channel">
                        <select id="template-channel">
                            <option value="sms" selected={form.channel == "sms"}>{ "SMS" }</option>
                            <option value="email" selected={form.channel == "email"}>{ "E-mail" }</option>
                        </select>
                    </Field>
                    <Field label="Subject (e-mail only)"><input id="template-subject" value={form.subject.clone().unwrap_or_default()} maxlength="200" /></Field>
                </div>
                <Field label="Text ({{placeholders}} are filled in for each applicant)">
                    <textarea id="template-body" rows="4" value={form.body.clone()} />
                </Field>
                <div class="dialog-actions">
                    <button class="button" type="button" id="template-preview" onclick={on_preview}>{ "Preview" }</button>
                    <button class="button button-primary" type="submit" id="template-publish">{ "Publish" }</button>
                </div>
            </form>
            if let Some(p) = &*preview {
                <div class="card preview" id="template-rendered">
                    <h2>{ "As the applicant receives it (example values)" }</h2>
                    if let Some(subject) = &p.subject { <p><strong>{ subject.clone() }</strong></p> }
                    <p class="preview-body">{ p.body.clone() }</p>
                    <p class="hint">{ format!("This message may use: {}", p.placeholders.iter().map(|x| format!("{{{{{x}}}}}")).collect::<Vec<_>>().join(", ")) }</p>
                </div>
            }
        </>
    }
}

#[function_component(HolidaysSection)]
fn holidays_section() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let (holidays, reload) = use_loaded(service::holidays);
    let add = {
        let (app, reload) = (app.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = NewHolidayRequest {
                date: field_value("holiday-date"),
                name: field_value("holiday-name"),
                declared_by: field_value("holiday-by"),
            };
            act(
                &app,
                "Holiday declared: debit orders on it move to the next business day.",
                reload.clone(),
                async move { service::add_holiday(&request).await },
                |_| clear(&["holiday-name"]),
            );
        })
    };
    let remove = |h: &HolidayRow| {
        let (app, reload, id) = (app.clone(), reload.clone(), h.id.clone());
        Callback::from(move |_| {
            let request = IdRequest { id: id.clone() };
            act(
                &app,
                "Holiday removed.",
                reload.clone(),
                async move { service::remove_holiday(&request).await },
                |_| (),
            );
        })
    };
    let rows: Vec<HolidayRow> = holidays.unwrap_or_default();
    html! {
        <>
            <div class="card">
                <h2>{ "Declared public holidays" }</h2>
                <p class="hint">{ "The holidays of the Public Holidays Act are built in; these are the extra days the President declares." }</p>
                <table class="table compact" id="holidays-table">
                    <thead><tr><th>{ "Date" }</th><th>{ "Name" }</th><th>{ "Declared by" }</th><th></th></tr></thead>
                    <tbody>
                        { for rows.iter().map(|h| html! {
                            <tr data-date={h.date.clone()}>
                                <td>{ h.date.clone() }</td><td>{ h.name.clone() }</td><td>{ h.declared_by.clone() }</td>
                                <td>if h.removable { <button class="button" onclick={remove(h)}>{ "Remove" }</button> }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            <form class="card form-grid" id="holiday-form" onsubmit={add}>
                <h2>{ "Declare a holiday" }</h2>
                <Field label="Date"><input id="holiday-date" type="date" /></Field>
                <Field label="Name"><input id="holiday-name" maxlength="100" /></Field>
                <Field label="Declared by (the proclamation)"><input id="holiday-by" maxlength="200" /></Field>
                <div><button class="button button-primary" type="submit" id="holiday-add">{ "Declare" }</button></div>
            </form>
        </>
    }
}

#[function_component(PartnersSection)]
fn partners_section() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let (partners, reload) = use_loaded(service::partners);
    let issued = use_state(|| None::<(String, IssuedKey)>);
    use_effect_with(issued.is_some(), |shown| {
        if *shown {
            scroll_to("issued-key");
        }
    });
    let create = {
        let (app, reload) = (app.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = NewPartnerRequest {
                name: field_value("partner-name"),
                contact_email: Some(field_value("partner-email")).filter(|e| !e.trim().is_empty()),
            };
            act(
                &app,
                "Partner created.",
                reload.clone(),
                async move { service::create_partner(&request).await },
                |_| clear(&["partner-name", "partner-email"]),
            );
        })
    };
    let issue = |p: &PartnerRow| {
        let (app, reload, issued) = (app.clone(), reload.clone(), issued.clone());
        let (id, name) = (p.partner_id.clone(), p.name.clone());
        Callback::from(move |_| {
            let request = NewKeyRequest {
                partner_id: id.clone(),
                label: field_value(&format!("key-label-{id}")),
            };
            let (issued, name) = (issued.clone(), name.clone());
            act(
                &app,
                "Key issued: copy it now, it is not shown again.",
                reload.clone(),
                async move { service::issue_key(&request).await },
                move |key| issued.set(Some((name, key))),
            );
        })
    };
    let revoke = |id: &str, prefix: &str| {
        let (app, reload, id, prefix) =
            (app.clone(), reload.clone(), id.to_owned(), prefix.to_owned());
        Callback::from(move |_| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(&format!(
                        "Revoke key {prefix}? Calls with it fail at once."
                    ))
                    .ok()
                })
                .unwrap_or(false);
            if sure {
                let request = IdRequest { id: id.clone() };
                act(
                    &app,
                    "Key revoked.",
                    reload.clone(),
                    async move { service::revoke_key(&request).await },
                    |_| (),
                );
            }
        })
    };
    let dismiss = {
        let issued = issued.clone();
        Callback::from(move |_| issued.set(None))
    };
    let rows = partners.unwrap_or_default();
    html! {
        <>
            if let Some((name, key)) = &*issued {
                <div class="dialog" id="issued-key" role="alertdialog" aria-labelledby="issued-key-title">
                    <h2 id="issued-key-title">{ format!("New key for {name}") }</h2>
                    <p>{ "Give it to the partner now over a safe channel. Only its prefix and a hash are kept: it cannot be shown again." }</p>
                    <input class="key mono" id="issued-key-value" readonly=true value={key.key.clone()} />
                    <div class="dialog-actions"><button class="button button-primary" onclick={dismiss}>{ "I have copied it" }</button></div>
                </div>
            }
            { for rows.iter().map(|p| html! {
                <div class="card partner" data-partner={p.name.clone()}>
                    <h2>{ p.name.clone() }<span class="hint">{ format!("  {}", text(&p.contact_email)) }</span></h2>
                    <table class="table compact">
                        <thead><tr><th>{ "Key prefix" }</th><th>{ "Label" }</th><th>{ "Issued" }</th><th>{ "Last used" }</th><th>{ "Status" }</th><th></th></tr></thead>
                        <tbody>
                            { for p.keys.iter().map(|k| html! {
                                <tr data-prefix={k.prefix.clone()}>
                                    <td class="mono">{ k.prefix.clone() }</td><td>{ k.label.clone() }</td>
                                    <td>{ when(&k.created_at) }</td><td>{ k.last_used_at.as_deref().map_or_else(|| "Never".to_owned(), when) }</td>
                                    <td>{ k.revoked_at.as_deref().map_or_else(|| "Live".to_owned(), |t| format!("Revoked {}", when(t))) }</td>
                                    <td>if k.revoked_at.is_none() { <button class="button button-danger" onclick={revoke(&k.id, &k.prefix)}>{ "Revoke" }</button> }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    <div class="inline">
                        <input id={format!("key-label-{}", p.partner_id)} placeholder="Label, e.g. production" maxlength="100" aria-label="Label of the new key" />
                        <button class="button" onclick={issue(p)} data-issue={p.name.clone()}>{ "Issue a key" }</button>
                    </div>
                </div>
            }) }
            <form class="card form-grid" id="partner-form" onsubmit={create}>
                <h2>{ "New partner" }</h2>
                <Field label="Name"><input id="partner-name" maxlength="100" /></Field>
                <Field label="Contact e-mail (optional)"><input id="partner-email" type="email" /></Field>
                <div><button class="button button-primary" type="submit" id="partner-add">{ "Create partner" }</button></div>
            </form>
        </>
    }
}

const AUDIT_PAGE: u32 = 50;

#[function_component(AuditSection)]
fn audit_section() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let request = use_state(|| AuditRequest { page_size: AUDIT_PAGE, ..AuditRequest::default() });
    let page = use_state(|| None::<AuditPage>);
    // The pages already seen, to go back to newer ones.
    let trail = use_state(Vec::<Option<i64>>::new);
    {
        let (page, app2) = (page.clone(), app.clone());
        use_effect_with(((*request).clone(), app.revision), move |(request, _)| {
            let request = request.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match service::audit(&request).await {
                    Ok(p) => page.set(Some(p)),
                    Err(e) => app2.dispatch(AppAction::Failed(e)),
                }
            });
        });
    }
    let filter = {
        let (request, trail) = (request.clone(), trail.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let opt = |id: &str| Some(field_value(id)).filter(|v| !v.trim().is_empty());
            trail.set(Vec::new());
            request.set(AuditRequest {
                table: opt("audit-table"),
                row_key: opt("audit-row"),
                login: opt("audit-login"),
                from: opt("audit-from"),
                to: opt("audit-to"),
                before_seq: None,
                page_size: AUDIT_PAGE,
            });
        })
    };
    let older = {
        let (request, page, trail) = (request.clone(), page.clone(), trail.clone());
        Callback::from(move |_| {
            if let Some(next) = page.as_ref().and_then(|p| p.next_before_seq) {
                let mut t = (*trail).clone();
                t.push(request.before_seq);
                trail.set(t);
                request.set(AuditRequest { before_seq: Some(next), ..(*request).clone() });
            }
        })
    };
    let newer = {
        let (request, trail) = (request.clone(), trail.clone());
        Callback::from(move |_| {
            let mut t = (*trail).clone();
            if let Some(before) = t.pop() {
                trail.set(t);
                request.set(AuditRequest { before_seq: before, ..(*request).clone() });
            }
        })
    };
    let tables = page.as_ref().map(|p| p.tables.clone()).unwrap_or_default();
    let rows = page.as_ref().map(|p| p.rows.clone()).unwrap_or_default();
    let has_older = page.as_ref().is_some_and(|p| p.next_before_seq.is_some());
    html! {
        <>
            <form class="card form-grid" id="audit-filter" onsubmit={filter}>
                <Field label="Table">
                    <select id="audit-table">
                        <option value="">{ "Every table" }</option>
                        { for tables.iter().map(|t| html! { <option value={t.clone()} selected={request.table.as_deref() == Some(t.as_str())}>{ t.clone() }</option> }) }
                    </select>
                </Field>
                <Field label="Row (its key)"><input id="audit-row" maxlength="200" /></Field>
                <Field label="Person (login)"><input id="audit-login" maxlength="63" /></Field>
                <Field label="From"><input id="audit-from" type="date" /></Field>
                <Field label="To"><input id="audit-to" type="date" /></Field>
                <div><button class="button button-primary" type="submit" id="audit-apply">{ "Filter" }</button></div>
            </form>
            <table class="table compact" id="audit-table-rows">
                <thead><tr><th class="num">{ "#" }</th><th>{ "When" }</th><th>{ "Who" }</th><th>{ "Table" }</th><th>{ "Row" }</th><th>{ "Action" }</th><th>{ "Changes" }</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|r| html! {
                        <tr class="audit-row" data-seq={r.seq.to_string()}>
                            <td class="num">{ r.seq }</td><td>{ when(&r.at) }</td>
                            <td class="mono">{ r.login.clone() }<span class="hint">{ format!(" as {}", r.role) }</span></td>
                            <td class="mono">{ r.table.clone() }</td><td class="mono small">{ text(&r.row_key) }</td>
                            <td>{ words(&r.action) }</td>
                            <td class="changes">{ for r.changes.iter().map(|c| html! { <div>{ c.clone() }</div> }) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            if page.is_some() && rows.is_empty() { <p class="empty">{ "No entries match." }</p> }
            <div class="pager">
                <button class="button" onclick={newer} disabled={trail.is_empty()}>{ "‹ Newer" }</button>
                <span id="audit-page-info">{ format!("{} entries shown", rows.len()) }</span>
                <button class="button" id="audit-older" onclick={older} disabled={!has_older}>{ "Older ›" }</button>
            </div>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_in_their_units() {
        assert_eq!(value_for("cents", "R1 500.50"), Ok(150_050));
        assert_eq!(value_for("basis_points", "500"), Ok(500));
        assert!(value_for("basis_points", "5%").is_err());
        assert!(value_for("cents", "lots").is_err());
        assert_eq!(show_value("basis_points", 1_550), "15.50%");
        assert_eq!(show_value("business_days", 5), "5 business days");
    }

    #[test]
    fn roles_cross_as_their_words() {
        for role in ROLES {
            assert_eq!(role_of(role_word(*role)), Some(*role));
        }
        assert_eq!(role_of("root"), None);
    }
}
