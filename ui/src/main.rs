//! The back office UI: a Yew single-page app that runs in the Tauri window and talks to the shell
//! only through its commands (`services`) and events. Its modules:
//! - `bridge`: the Tauri IPC (invoke and listen) through `window.__TAURI__`;
//! - `services`: one module per command group, typed with `pocket_contract`;
//! - `state`: the app-wide reducer (session, route, toasts, live revision);
//! - `router`: the routes, kept in the location hash;
//! - `pages`: one module per route; `components`: the small design system.

mod app;
mod bridge;
mod components;
mod format;
mod pages;
mod router;
mod services;
mod state;

/// Leaves on the body how long after the page started loading something happened, and when on
/// the wall clock (for the start-up measurements, `cargo xtask bench-desktop`).
pub fn mark_since_start(attribute: &str) {
    let Some(window) = web_sys::window() else { return };
    let Some(ms) = window.performance().map(|p| p.now()) else { return };
    if let Some(body) = window.document().and_then(|d| d.body()) {
        let _ = body.set_attribute(attribute, &format!("{ms:.0}"));
        // The same moment on the wall clock, which the measurements compare with their own.
        let _ =
            body.set_attribute(&format!("{attribute}-at"), &format!("{:.0}", js_sys::Date::now()));
    }
}

fn main() {
    mark_since_start("data-boot-ms");
    components::error_boundary::install_panic_hook();
    yew::Renderer::<app::App>::new().render();
}
