//! Sign in with the officer's own database login and password (DESIGN.md decision 1).

use yew::prelude::*;

use crate::app::AppContext;
use crate::components::design::Field;
use crate::pages::value_of;
use crate::router::{self, Route};
use crate::services::session;
use crate::state::AppAction;

#[function_component(SignInPage)]
pub fn sign_in_page() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let login = use_state(String::new);
    let password = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    use_effect_with((), |_| crate::mark_since_start("data-sign-in-ms"));

    let on_login = {
        let login = login.clone();
        Callback::from(move |e: InputEvent| login.set(value_of(&e)))
    };
    let on_password = {
        let password = password.clone();
        Callback::from(move |e: InputEvent| password.set(value_of(&e)))
    };
    let submit = {
        let (app, login, password, busy, error) =
            (app.clone(), login.clone(), password.clone(), busy.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let (app, busy, error) = (app.clone(), busy.clone(), error.clone());
            let (l, p) = ((*login).clone(), (*password).clone());
            let password = password.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match session::sign_in(l, p).await {
                    Ok(s) => {
                        password.set(String::new());
                        if router::current() != Route::Queue {
                            router::navigate(&Route::Queue);
                        }
                        app.dispatch(AppAction::Navigate(Route::Queue));
                        app.dispatch(AppAction::SignedIn(s));
                    }
                    Err(e) => error.set(Some(format!("{} (ref. {})", e.message, e.reference))),
                }
                busy.set(false);
            });
        })
    };

    html! {
        <section class="sign-in">
            <h1>{ "Pocket Loans back office" }</h1>
            if let Some(notice) = &app.notice {
                <p class="notice" id="notice">{ notice.clone() }</p>
            }
            <form onsubmit={submit} class="form">
                <Field label="Login">
                    <input id="login" type="text" autocomplete="username" autofocus=true
                        value={(*login).clone()} oninput={on_login} />
                </Field>
                <Field label="Password">
                    <input id="password" type="password" autocomplete="current-password"
                        value={(*password).clone()} oninput={on_password} />
                </Field>
                if let Some(e) = &*error {
                    <p class="form-error" id="sign-in-error" role="alert">{ e.clone() }</p>
                }
                <button id="sign-in" class="button button-primary" type="submit" disabled={*busy}>
                    { if *busy { "Signing in…" } else { "Sign in" } }
                </button>
            </form>
        </section>
    }
}
