//! The root component: the app state (reducer) shared through context, the live updates and the
//! idle lock from the shell, the header, the page of the current route, and the toasts.

use std::cell::Cell;
use std::rc::Rc;

use pocket_contract::{CHANGE_EVENT, ChangeEvent, LOCKED_EVENT};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

use crate::bridge;
use crate::components::design::Toasts;
use crate::components::error_boundary::ErrorPanel;
use crate::pages::{application::ApplicationPage, queue::QueuePage, sign_in::SignInPage};
use crate::router::{self, Route};
use crate::services::session;
use crate::state::{AppAction, AppState};

/// The app-wide state as every component reads and changes it.
pub type AppContext = UseReducerHandle<AppState>;

/// How long a burst of database changes is gathered into one reload, in milliseconds.
const CHANGE_DEBOUNCE_MS: i32 = 300;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| AppState::new(router::current()));

    // Once: who is signed in, the route in the hash, the shell's events, and activity reports.
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let ready = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                ready.dispatch(AppAction::Ready(session::whoami().await.ok()));
            });
            let routed = state.clone();
            router::on_change(move |route| routed.dispatch(AppAction::Navigate(route)));
            let pending = Rc::new(Cell::new(false));
            let changed = state.clone();
            bridge::listen(CHANGE_EVENT, move |_: ChangeEvent| {
                if pending.replace(true) {
                    return;
                }
                let pending = pending.clone();
                let changed = changed.clone();
                let fire = Closure::once_into_js(move || {
                    pending.set(false);
                    changed.dispatch(AppAction::Changed);
                });
                if let Some(window) = web_sys::window() {
                    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                        fire.unchecked_ref(),
                        CHANGE_DEBOUNCE_MS,
                    );
                }
            });
            let locked = state.clone();
            bridge::listen(LOCKED_EVENT, move |_: serde_json::Value| {
                locked.dispatch(AppAction::SignedOut(Some(
                    "The session locked after being idle. Sign in again.".to_owned(),
                )));
            });
            report_activity();
        });
    }

    let body = if !state.ready {
        html! { <div class="loading">{ "Starting…" }</div> }
    } else if state.session.is_none() {
        html! { <SignInPage /> }
    } else if let Some(failure) = &state.failure {
        html! { <ErrorPanel error={failure.clone()} /> }
    } else {
        match &state.route {
            Route::Queue => html! { <QueuePage /> },
            Route::Application(id) => html! { <ApplicationPage id={id.clone()} /> },
            Route::Loans => html! { <crate::pages::loans::LoansPage /> },
            Route::Loan(id) => html! { <crate::pages::loan::LoanPage id={id.clone()} /> },
            Route::Statement(id) => {
                html! { <crate::pages::statement::StatementPage id={id.clone()} /> }
            }
            Route::Collections => html! { <crate::pages::collections::CollectionsPage /> },
            Route::Reports => html! { <crate::pages::reports::ReportsPage /> },
            Route::Admin => html! { <crate::pages::admin::AdminPage /> },
        }
    };

    html! {
        <ContextProvider<AppContext> context={state.clone()}>
            <Header />
            <crate::components::update_banner::UpdateBanner />
            <main class="main">{ body }</main>
            <Toasts />
        </ContextProvider<AppContext>>
    }
}

/// Tells the shell the officer is active (keys and clicks), at most once a minute, so an active
/// session does not lock.
fn report_activity() {
    let Some(window) = web_sys::window() else { return };
    let last = Rc::new(Cell::new(0.0_f64));
    let handler = Closure::<dyn Fn()>::new(move || {
        let now = js_sys::Date::now();
        if now - last.get() > 60_000.0 {
            last.set(now);
            wasm_bindgen_futures::spawn_local(async {
                let _ = session::touch().await;
            });
        }
    });
    for event in ["keydown", "mousedown"] {
        let _ = window.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    }
    handler.forget();
}

#[function_component(Header)]
fn header() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let Some(session) = app.session.clone() else {
        return html! { <header class="header"><span class="brand">{ "Pocket Loans" }</span></header> };
    };
    let sign_out = {
        let app = app.clone();
        Callback::from(move |_| {
            let app = app.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = session::sign_out().await;
                app.dispatch(AppAction::SignedOut(Some("Signed out.".to_owned())));
            });
        })
    };
    let to_queue = Callback::from(|e: MouseEvent| {
        e.prevent_default();
        router::navigate(&Route::Queue);
    });
    html! {
        <header class="header">
            <span class="brand">{ "Pocket Loans" }</span>
            <nav>
                <a href="#/queue" onclick={to_queue} class="nav-link">{ "Queue" }</a>
                <a href="#/loans" id="nav-loans" class="nav-link">{ "Loans" }</a>
                <a href="#/collections" id="nav-collections" class="nav-link">{ "Collections" }</a>
                <a href="#/reports" class="nav-link" id="nav-reports">{ "Reports" }</a>
                if app.is_admin() { <a href="#/admin" class="nav-link" id="nav-admin">{ "Administration" }</a> }
            </nav>
            <span class="who" id="who">
                { format!("{} · {}", session.full_name, session.role.label()) }
            </span>
            <button class="button button-quiet" id="sign-out" onclick={sign_out}>{ "Sign out" }</button>
        </header>
    }
}
