// Starts the WebAssembly UI (ui.js is written by wasm-bindgen; its init runs the Rust main).
// Errors of the webview that no Rust code sees (a script or module that fails to load, a
// rejected promise) go to the shell's `report` command too, which logs them and sends them to
// Sentry through the same scrubbing as the server; Rust panics are reported by the UI itself.
import init from './ui.js';

function report(message) {
  const tauri = window.__TAURI__;
  if (!tauri || !tauri.core) return;
  const reference = 'W' + Math.random().toString(36).slice(2, 10).toUpperCase();
  tauri.core.invoke('report', { reference, message: String(message).slice(0, 4000) }).catch(() => {});
}

window.addEventListener('error', (event) => {
  report(`${event.message || 'error'} at ${event.filename || '?'}:${event.lineno || 0}`);
});
window.addEventListener('unhandledrejection', (event) => {
  report(`unhandled rejection: ${event.reason}`);
});

init().catch((error) => report(`the UI did not start: ${error}`));
