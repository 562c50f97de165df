//! One module per route, plus the sign-in page shown while nobody is signed in.

pub mod admin;
pub mod application;
pub mod collections;
pub mod loan;
pub mod loans;
pub mod queue;
pub mod reports;
pub mod sign_in;
pub mod statement;

use wasm_bindgen::JsCast;
use yew::{Event, NodeRef};

/// The value of an input or select that raised the event.
pub fn value_of(e: &Event) -> String {
    let Some(target) = e.target() else { return String::new() };
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        return input.value();
    }
    if let Some(select) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    if let Some(area) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return area.value();
    }
    String::new()
}

/// Whether a key press happened while typing in a field (then shortcuts stay quiet).
pub fn typing(e: &web_sys::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

/// Listens to key presses on the whole window while a page is shown; the returned guard stops
/// listening when the page goes.
pub fn on_keys(on: impl Fn(web_sys::KeyboardEvent) + 'static) -> impl FnOnce() {
    let handler = wasm_bindgen::prelude::Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(on);
    let window = web_sys::window();
    if let Some(w) = &window {
        let _ = w.add_event_listener_with_callback("keydown", handler.as_ref().unchecked_ref());
    }
    move || {
        if let Some(w) = window {
            let _ =
                w.remove_event_listener_with_callback("keydown", handler.as_ref().unchecked_ref());
        }
        drop(handler);
    }
}

/// A key of a paged list (the queue, the loans): `j`/`k` or the arrows move the selection, Enter
/// opens it, `[` and `]` turn the page, `r` reloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKey {
    Move(isize),
    Open,
    PreviousPage,
    NextPage,
    Reload,
}

/// [`on_keys`] for a paged list with a search box: `/` goes to the search box and Escape leaves
/// it; the list's own keys reach `on`.
pub fn on_list_keys(search: NodeRef, on: impl Fn(ListKey) + 'static) -> impl FnOnce() {
    on_keys(move |e: web_sys::KeyboardEvent| {
        if typing(&e) {
            if e.key() == "Escape"
                && let Some(input) = search.cast::<web_sys::HtmlElement>()
            {
                let _ = input.blur();
            }
            return;
        }
        let key = match e.key().as_str() {
            "/" => {
                e.prevent_default();
                if let Some(input) = search.cast::<web_sys::HtmlElement>() {
                    let _ = input.focus();
                }
                return;
            }
            "j" | "ArrowDown" => ListKey::Move(1),
            "k" | "ArrowUp" => ListKey::Move(-1),
            "Enter" => ListKey::Open,
            "[" => ListKey::PreviousPage,
            "]" => ListKey::NextPage,
            "r" => ListKey::Reload,
            _ => return,
        };
        on(key);
    })
}
