// Starts the WebAssembly UI (ui.js is written by wasm-bindgen; its init runs the Rust main).
import init from './ui.js';
init();
