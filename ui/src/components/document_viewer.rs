//! A document shown inside the app: an image in `<img>` (zoom and rotate) or a PDF in the
//! webview's own PDF viewer (an `<iframe>` of the bytes), with the document's verification
//! checklist beside it and the verify and reject actions. The bytes come from the shell, which
//! checked them against the record and traced the view; they live in a blob URL for as long as
//! the viewer is open. Keys: `+`/`-` zoom, `r` rotate (images); Escape closes (the page's key).

use std::cell::RefCell;
use std::rc::Rc;

use pocket_contract::DocumentRow;
use pocket_contract::review::{DocumentChecklist, DocumentRef, VerifyDocumentRequest};
use yew::prelude::*;

use crate::app::AppContext;
use crate::format::{self, words};
use crate::pages::{on_keys, typing, value_of};
use crate::services::desk;
use crate::state::{AppAction, ToastKind};

#[derive(Properties, PartialEq)]
pub struct ViewerProps {
    pub application_id: String,
    pub document: DocumentRow,
    pub checklist: Option<DocumentChecklist>,
    pub can_verify: bool,
    pub on_close: Callback<()>,
    /// A verdict was recorded.
    pub on_done: Callback<()>,
}

/// What the viewer shows.
#[derive(Debug, Clone, PartialEq)]
enum Content {
    Loading,
    Ready(String),
    Failed(String),
}

fn blob_url(bytes: &js_sys::Uint8Array, content_type: &str) -> Result<String, String> {
    let parts = js_sys::Array::of1(bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))
}

#[function_component(DocumentViewer)]
pub fn document_viewer(props: &ViewerProps) -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let content = use_state(|| Content::Loading);
    let zoom = use_state(|| 100_i32);
    let turn = use_state(|| 0_i32);
    let busy = use_state(|| false);
    let reason = use_state(String::new);
    let confirmed = use_state(|| {
        props.checklist.as_ref().map_or_else(Vec::new, |c| {
            c.items.iter().filter(|i| i.confirmed).map(|i| i.code.clone()).collect::<Vec<_>>()
        })
    });

    {
        let content = content.clone();
        let request = DocumentRef {
            application_id: props.application_id.clone(),
            document_id: props.document.document_id.clone(),
        };
        let content_type = props.document.content_type.clone();
        use_effect_with(request, move |request| {
            let request = request.clone();
            let made: Rc<RefCell<Option<String>>> = Rc::new(RefCell::new(None));
            let keep = made.clone();
            content.set(Content::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                match desk::view_document(&request).await {
                    Ok(bytes) => match blob_url(&bytes, &content_type) {
                        Ok(url) => {
                            keep.replace(Some(url.clone()));
                            content.set(Content::Ready(url));
                        }
                        Err(e) => content.set(Content::Failed(format!("Cannot show it: {e}"))),
                    },
                    Err(e) => content.set(Content::Failed(e.to_string())),
                }
            });
            move || {
                if let Some(url) = made.take() {
                    let _ = web_sys::Url::revoke_object_url(&url);
                }
            }
        });
    }
    let image = props.document.content_type.starts_with("image/");
    {
        let (zoom, turn) = (zoom.clone(), turn.clone());
        use_effect_with((image, *zoom, *turn), move |(image, _, _)| {
            let image = *image;
            on_keys(move |e: web_sys::KeyboardEvent| {
                if typing(&e) || !image {
                    return;
                }
                match e.key().as_str() {
                    "+" | "=" => zoom.set((*zoom + 25).min(400)),
                    "-" => zoom.set((*zoom - 25).max(25)),
                    "r" => turn.set((*turn + 90) % 360),
                    _ => {}
                }
            })
        });
    }

    let verdict = |verified: bool| {
        let (app, busy, confirmed, reason) =
            (app.clone(), busy.clone(), confirmed.clone(), reason.clone());
        let (on_done, application_id, document_id) = (
            props.on_done.clone(),
            props.application_id.clone(),
            props.document.document_id.clone(),
        );
        Callback::from(move |_| {
            if *busy {
                return;
            }
            busy.set(true);
            let request = VerifyDocumentRequest {
                application_id: application_id.clone(),
                document_id: document_id.clone(),
                verified,
                confirmed: (*confirmed).clone(),
                reason: (!verified).then(|| (*reason).clone()),
            };
            let (app, busy, on_done) = (app.clone(), busy.clone(), on_done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match desk::verify_document(&request).await {
                    Ok(answer) => {
                        let text = if answer.verification_status == "verified" {
                            "Document verified."
                        } else {
                            "Document rejected."
                        };
                        app.dispatch(AppAction::Toast(ToastKind::Success, text.to_owned()));
                        on_done.emit(());
                    }
                    Err(e) => app.dispatch(AppAction::Failed(e)),
                }
                busy.set(false);
            });
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    let zoom_by = |step: i32| {
        let zoom = zoom.clone();
        Callback::from(move |_| zoom.set((*zoom + step).clamp(25, 400)))
    };
    let rotate = {
        let turn = turn.clone();
        Callback::from(move |_| turn.set((*turn + 90) % 360))
    };
    let on_reason = {
        let reason = reason.clone();
        Callback::from(move |e: InputEvent| reason.set(value_of(&e)))
    };
    let d = &props.document;
    let items = props.checklist.as_ref().map(|c| c.items.clone()).unwrap_or_default();
    let all_confirmed = !items.is_empty() && items.iter().all(|i| confirmed.contains(&i.code));

    html! {
        <div class="viewer" id="viewer" role="dialog" aria-label="Document"
            data-document={d.document_id.clone()}>
            <header class="viewer-head">
                <strong>{ words(&d.kind) }</strong>
                <span class="hint">{ format!("{} · {} · {} KB", d.file_name, d.content_type, (d.size_bytes + 1023) / 1024) }</span>
                if image {
                    <span class="viewer-tools">
                        <button class="button button-quiet" onclick={zoom_by(-25)} title="Zoom out (-)">{ "−" }</button>
                        <span id="viewer-zoom">{ format!("{}%", *zoom) }</span>
                        <button class="button button-quiet" onclick={zoom_by(25)} title="Zoom in (+)">{ "+" }</button>
                        <button class="button button-quiet" id="viewer-rotate" onclick={rotate} title="Rotate (r)">{ "⟳" }</button>
                    </span>
                }
                <button class="button" id="viewer-close" onclick={close}>{ "Close (Esc)" }</button>
            </header>
            <div class="viewer-body">
                <div class="viewer-frame">
                    { match &*content {
                        Content::Loading => html! { <p class="loading">{ "Loading the document…" }</p> },
                        Content::Failed(why) => html! { <p class="error" id="viewer-error">{ why.clone() }</p> },
                        Content::Ready(url) if image => html! {
                            <img id="viewer-image" src={url.clone()} alt={d.file_name.clone()}
                                style={format!("transform: rotate({}deg) scale({});", *turn, f64::from(*zoom) / 100.0)} />
                        },
                        Content::Ready(url) => html! {
                            <iframe id="viewer-pdf" src={url.clone()} title={d.file_name.clone()} />
                        },
                    } }
                </div>
                <aside class="viewer-checklist" id="checklist">
                    <h2>{ "Checklist" }</h2>
                    { for items.iter().map(|item| {
                        let confirmed2 = confirmed.clone();
                        let code = item.code.clone();
                        let toggle = Callback::from(move |_| {
                            let mut next = (*confirmed2).clone();
                            if let Some(i) = next.iter().position(|c| *c == code) { next.remove(i); } else { next.push(code.clone()); }
                            confirmed2.set(next);
                        });
                        html! {
                            <label class="check">
                                <input type="checkbox" data-check={item.code.clone()}
                                    checked={confirmed.contains(&item.code)} onchange={toggle}
                                    disabled={!props.can_verify} />
                                { item.label.clone() }
                            </label>
                        }
                    }) }
                    if let Some(c) = &props.checklist {
                        if let (Some(v), Some(by), Some(at)) = (&c.verdict, &c.checked_by, &c.checked_at) {
                            <p class="hint" id="checked-by">{ format!("{} by {} on {}", words(v), by, format::when(at)) }
                                { c.reason.clone().map(|r| format!(": {r}")).unwrap_or_default() }</p>
                        }
                    }
                    if props.can_verify {
                        <textarea class="note" id="reject-reason" placeholder="Reason, to reject"
                            value={(*reason).clone()} oninput={on_reason} maxlength="500" />
                        <div class="dialog-actions">
                            <button id="verify-document" class="button button-primary"
                                onclick={verdict(true)} disabled={!all_confirmed || *busy}
                                title={if all_confirmed { "" } else { "Confirm every item first" }}>{ "Verify" }</button>
                            <button id="reject-document" class="button button-danger"
                                onclick={verdict(false)} disabled={reason.trim().is_empty() || *busy}>{ "Reject" }</button>
                        </div>
                    } else {
                        <p class="hint">{ "Your role may view but not verify documents, or the application is past review." }</p>
                    }
                </aside>
            </div>
        </div>
    }
}
