//! The update banner: shown when the shell announces a newer signed release (at start-up, on its
//! timer, or from the banner's own check when the window opens). The officer chooses "Install
//! now" or "Later"; nothing installs without that click, and a refused update (its signature did
//! not verify, the server is down) shows the shell's plain message.

use pocket_contract::{UPDATE_EVENT, UpdateInfo};
use yew::prelude::*;

use crate::bridge;
use crate::services::updater;

#[derive(Clone, PartialEq)]
enum Banner {
    Hidden,
    Offered(UpdateInfo),
    Installing(UpdateInfo),
    Failed(UpdateInfo, String),
}

#[function_component(UpdateBanner)]
pub fn update_banner() -> Html {
    let banner = use_state(|| Banner::Hidden);
    {
        let banner = banner.clone();
        use_effect_with((), move |_| {
            let announced = banner.clone();
            bridge::listen(UPDATE_EVENT, move |info: UpdateInfo| {
                // An installation in progress is not interrupted by the next announcement.
                if !matches!(*announced, Banner::Installing(_)) {
                    announced.set(Banner::Offered(info));
                }
            });
            // The start-up check may have answered before this window listened.
            let checked = banner.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(Some(info)) = updater::check().await {
                    checked.set(Banner::Offered(info));
                }
            });
        });
    }

    let info = match &*banner {
        Banner::Hidden => return html! {},
        Banner::Offered(info) | Banner::Installing(info) | Banner::Failed(info, _) => info.clone(),
    };
    let install = {
        let banner = banner.clone();
        let info = info.clone();
        Callback::from(move |_: MouseEvent| {
            let banner = banner.clone();
            let info = info.clone();
            banner.set(Banner::Installing(info.clone()));
            wasm_bindgen_futures::spawn_local(async move {
                // Success restarts the app into the new version; an answer is a refusal.
                if let Err(e) = updater::install().await {
                    banner.set(Banner::Failed(info, e.to_string()));
                }
            });
        })
    };
    let later = {
        let banner = banner.clone();
        Callback::from(move |_: MouseEvent| banner.set(Banner::Hidden))
    };
    let installing = matches!(*banner, Banner::Installing(_));
    let text = format!(
        "Version {} of the back office is available (you have {}).",
        info.version, info.current_version
    );
    html! {
        <div class="notice update-banner" id="update-banner" role="status">
            <strong>{ text }</strong>
            if let Some(notes) = &info.notes {
                <p class="update-notes">{ notes.clone() }</p>
            }
            if let Banner::Failed(_, message) = &*banner {
                <p class="update-error" id="update-error" role="alert">{ message.clone() }</p>
            }
            if installing {
                <p>{ "Downloading and checking the update… the app restarts when it is installed." }</p>
            } else {
                <button class="button" id="update-install" onclick={install}>{ "Install now" }</button>
                { " " }
                <button class="button button-quiet" id="update-later" onclick={later}>{ "Later" }</button>
            }
        </div>
    }
}
