//! Badges for statuses, labelled form fields, definition lists and the toasts.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

use crate::app::AppContext;
use crate::state::{AppAction, ToastKind};

#[derive(Properties, PartialEq)]
pub struct BadgeProps {
    pub status: AttrValue,
}

/// A status as a coloured badge; the colour follows the word (`badge-<status>` in the CSS).
#[function_component(Badge)]
pub fn badge(props: &BadgeProps) -> Html {
    let class = format!("badge badge-{}", props.status);
    html! { <span class={class} data-status={props.status.clone()}>{ pocket_contract::status_label(&props.status) }</span> }
}

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub label: AttrValue,
    pub children: Html,
}

/// A label above its input.
#[function_component(Field)]
pub fn field(props: &FieldProps) -> Html {
    html! {
        <label class="field">
            <span class="field-label">{ props.label.clone() }</span>
            { props.children.clone() }
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct FactsProps {
    pub rows: Vec<(AttrValue, String)>,
}

/// Label and value pairs.
#[function_component(Facts)]
pub fn facts(props: &FactsProps) -> Html {
    html! {
        <dl class="facts">
            { for props.rows.iter().map(|(k, v)| html! { <><dt>{ k.clone() }</dt><dd>{ v.clone() }</dd></> }) }
        </dl>
    }
}

/// The toasts, each gone after a few seconds (errors stay until dismissed).
#[function_component(Toasts)]
pub fn toasts() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let ids: Vec<(u32, ToastKind)> = app.toasts.iter().map(|t| (t.id, t.kind)).collect();
    {
        let app = app.clone();
        use_effect_with(ids, move |ids| {
            for (id, kind) in ids.iter().copied() {
                if kind == ToastKind::Error {
                    continue;
                }
                let app = app.clone();
                let dismiss = Closure::once_into_js(move || app.dispatch(AppAction::Dismiss(id)));
                if let Some(window) = web_sys::window() {
                    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                        dismiss.unchecked_ref(),
                        4000,
                    );
                }
            }
        });
    }
    html! {
        <div class="toasts" role="status" aria-live="polite">
            { for app.toasts.iter().map(|t| {
                let class = match t.kind {
                    ToastKind::Success => "toast toast-success",
                    ToastKind::Error => "toast toast-error",
                };
                let id = t.id;
                let app = app.clone();
                let close = Callback::from(move |_| app.dispatch(AppAction::Dismiss(id)));
                html! {
                    <div class={class}>
                        <span>{ t.text.clone() }</span>
                        <button class="toast-close" onclick={close} aria-label="Dismiss">{ "×" }</button>
                    </div>
                }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct LabelBadgeProps {
    pub status: AttrValue,
    pub label: AttrValue,
}

/// A status word as a coloured badge with its own label (for words outside the application
/// statuses: loans, presentments, batches).
#[function_component(LabelBadge)]
pub fn label_badge(props: &LabelBadgeProps) -> Html {
    let class = format!("badge badge-{}", props.status);
    html! { <span class={class} data-status={props.status.clone()}>{ props.label.clone() }</span> }
}
