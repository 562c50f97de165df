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
    "loans",
    "loan",
    "record_payment",
    "move_collection_date",
    "settlement_quote",
    "statement",
    "write_off",
    "collections_calendar",
    "collections_batches",
    "collections_trigger",
    "collections_overview",
    "run_report",
    "export_report",
    "admin_officers",
    "admin_create_officer",
    "admin_change_officer",
    "admin_disable_officer",
    "admin_pricing",
    "admin_add_price",
    "admin_add_regulatory",
    "admin_policy",
    "admin_add_policy",
    "admin_templates",
    "admin_preview_template",
    "admin_publish_template",
    "admin_holidays",
    "admin_add_holiday",
    "admin_remove_holiday",
    "admin_partners",
    "admin_create_partner",
    "admin_issue_key",
    "admin_revoke_key",
    "admin_audit",
    "view_document",
    "casework",
    "verify_document",
    "request_documents",
    "add_note",
    "pay_out",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build: {error:#}");
    }
}
