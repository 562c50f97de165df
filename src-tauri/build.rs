//! Declares every command to tauri-build, which generates the permissions the capability file
//! allows (nothing else is exposed to the UI). The configuration is read through the symlink
//! src-tauri/tauri.conf.json -> ../tauri.conf.json, so the paths in it are relative to src-tauri
//! for cargo and for the tauri CLI alike (ARCHITECTURE.md).

const COMMANDS: &[&str] = &[
    "sign_in",
    "sign_out",
    "whoami",
    "touch",
    "report",
    "queue",
    "application",
    "approve",
    "decline",
    "update_check",
    "update_install",
    "view_document",
    "casework",
    "verify_document",
    "request_documents",
    "add_note",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build: {error:#}");
    }
}
