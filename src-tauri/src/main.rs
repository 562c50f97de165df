//! The desktop back office's executable: starts the shell (see `lib.rs`).

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    pocket_desktop::run();
}
