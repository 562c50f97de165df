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

fn main() {
    components::error_boundary::install_panic_hook();
    yew::Renderer::<app::App>::new().render();
}
