//! The Tauri IPC seen from WebAssembly: `window.__TAURI__.core.invoke` (the config sets
//! `withGlobalTauri`) with JSON in and out, and `window.__TAURI__.event.listen` for the shell's
//! events. Outside Tauri (a plain browser) every call fails with a plain error instead.

use pocket_contract::{CommandError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// The same call without awaiting: the IPC message leaves before this returns.
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    fn tauri_invoke_now(cmd: &str, args: JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "event"], js_name = listen)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// Whether the page runs inside the Tauri window.
pub fn in_tauri() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("__TAURI__")).ok())
        .is_some_and(|v| !v.is_undefined())
}

fn local_error(message: &str, detail: String) -> CommandError {
    CommandError {
        code: ErrorCode::Internal,
        message: message.to_owned(),
        reference: "UI".to_owned(),
        detail: Some(detail),
    }
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, CommandError> {
    let text = serde_json::to_string(value)
        .map_err(|e| local_error("The request could not be prepared.", e.to_string()))?;
    js_sys::JSON::parse(&text)
        .map_err(|e| local_error("The request could not be prepared.", format!("{e:?}")))
}

fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    if value.is_undefined() || value.is_null() {
        return serde_json::from_str("null").map_err(|e| e.to_string());
    }
    let text: String = js_sys::JSON::stringify(value).map_err(|e| format!("{e:?}"))?.into();
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Reports a failure of the UI itself to the shell without waiting (used by the panic hook,
/// after which nothing else runs): the shell logs it and sends it to Sentry.
pub fn report_now(reference: &str, message: &str) {
    if !in_tauri() {
        return;
    }
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"reference".into(), &reference.into());
    let _ = js_sys::Reflect::set(&args, &"message".into(), &message.into());
    let _ = tauri_invoke_now("report", args.into());
}

/// Calls a command with its arguments object and reads the typed answer or the typed error.
pub async fn invoke<A: Serialize, T: DeserializeOwned>(
    cmd: &str,
    args: &A,
) -> Result<T, CommandError> {
    if !in_tauri() {
        return Err(CommandError {
            code: ErrorCode::Unavailable,
            message: "The back office runs inside the desktop app.".to_owned(),
            reference: "UI".to_owned(),
            detail: None,
        });
    }
    match tauri_invoke(cmd, to_js(args)?).await {
        Ok(value) => from_js(&value)
            .map_err(|e| local_error("The answer could not be read. Quote the reference.", e)),
        // A command's own error is a CommandError; anything else (a refused permission, a
        // missing command) is a plain string from Tauri.
        Err(error) => Err(from_js::<CommandError>(&error).unwrap_or_else(|_| {
            local_error(
                "The app refused the request. Quote the reference.",
                error.as_string().unwrap_or_else(|| format!("{error:?}")),
            )
        })),
    }
}

/// Listens to a shell event for the life of the page; the payload arrives as JSON.
pub fn listen<T: DeserializeOwned + 'static>(event: &'static str, mut on: impl FnMut(T) + 'static) {
    if !in_tauri() {
        return;
    }
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        let payload =
            js_sys::Reflect::get(&message, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(value) = from_js::<T>(&payload) {
            on(value);
        }
    });
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = tauri_listen(event, &handler).await {
            web_sys::console::error_1(&e);
        }
        // The listener lives as long as the page does.
        handler.forget();
    });
}

/// Calls a command whose answer is raw bytes (the shell answers with `tauri::ipc::Response`,
/// which arrives as an ArrayBuffer), such as a document's content for the viewer.
pub async fn invoke_bytes<A: Serialize>(
    cmd: &str,
    args: &A,
) -> Result<js_sys::Uint8Array, CommandError> {
    if !in_tauri() {
        return Err(CommandError {
            code: ErrorCode::Unavailable,
            message: "The back office runs inside the desktop app.".to_owned(),
            reference: "UI".to_owned(),
            detail: None,
        });
    }
    match tauri_invoke(cmd, to_js(args)?).await {
        Ok(value) if value.is_instance_of::<js_sys::ArrayBuffer>() => {
            Ok(js_sys::Uint8Array::new(&value))
        }
        Ok(value) if value.is_instance_of::<js_sys::Uint8Array>() => {
            Ok(value.unchecked_into::<js_sys::Uint8Array>())
        }
        Ok(value) => Err(local_error(
            "The answer could not be read. Quote the reference.",
            format!("expected bytes, got {:?}", value.js_typeof()),
        )),
        Err(error) => Err(from_js::<CommandError>(&error).unwrap_or_else(|_| {
            local_error(
                "The app refused the request. Quote the reference.",
                error.as_string().unwrap_or_else(|| format!("{error:?}")),
            )
        })),
    }
}
