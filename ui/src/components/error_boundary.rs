//! The error boundary: a failure a page cannot recover from is shown as a plain message with its
//! reference, and the detail when the officer is an administrator (DESIGN.md decision 8). A panic
//! in the UI itself replaces the page with the same kind of message and is reported to the shell
//! (logs and Sentry).

use pocket_contract::CommandError;
use yew::prelude::*;

use crate::app::AppContext;
use crate::state::AppAction;

#[derive(Properties, PartialEq)]
pub struct ErrorPanelProps {
    pub error: CommandError,
}

#[function_component(ErrorPanel)]
pub fn error_panel(props: &ErrorPanelProps) -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let admin = app.is_admin();
    let retry = {
        let app = app.clone();
        Callback::from(move |_| app.dispatch(AppAction::ClearFailure))
    };
    let e = &props.error;
    html! {
        <section class="error-panel" role="alert" id="error-panel">
            <h2>{ "Something went wrong" }</h2>
            <p>{ e.message.clone() }</p>
            <p class="reference">{ format!("Reference: {}", e.reference) }</p>
            if admin {
                if let Some(detail) = &e.detail {
                    <pre class="detail">{ detail.clone() }</pre>
                }
            }
            <button class="button" onclick={retry}>{ "Try again" }</button>
        </section>
    }
}

/// Replaces the page with a plain message when the UI code panics (a bug): the officer gets a
/// reference to quote, the console gets the detail.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let reference = format!("UI-{:08X}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32);
        web_sys::console::error_1(&format!("{reference}: {info}").into());
        crate::bridge::report_now(&reference, &info.to_string());
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        if let Some(body) = document.body() {
            body.set_inner_html(&format!(
                "<section class=\"error-panel\" role=\"alert\" id=\"error-panel\">\
                 <h2>Something went wrong</h2>\
                 <p>The back office hit a problem and stopped. Restart the app; your work in the \
                 database is safe.</p><p class=\"reference\">Reference: {reference}</p></section>"
            ));
        }
    }));
}
