//! Tidy checks that run as ordinary tests: the dependency invariants of ARCHITECTURE.md (read from
//! `cargo metadata`), a `//!` line atop every Rust file, and workspace lints in every crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("BUG: xtask has a parent").to_path_buf()
}

/// The workspace's packages and the resolved graph of normal (non-dev, non-build) dependencies.
struct Metadata {
    /// Package id to name.
    names: BTreeMap<String, String>,
    /// Workspace member names.
    members: BTreeSet<String>,
    /// Package name to the names of its direct normal dependencies, as declared.
    declared: BTreeMap<String, BTreeSet<String>>,
    /// Package id to the ids of its resolved normal dependencies.
    edges: BTreeMap<String, Vec<String>>,
    /// Member name to id.
    ids: BTreeMap<String, String>,
}

impl Metadata {
    fn load() -> Metadata {
        Metadata::load_with(&[])
    }

    /// The graph as it resolves for one target platform only (the UI's is wasm32).
    fn load_for(platform: &str) -> Metadata {
        Metadata::load_with(&["--filter-platform", platform])
    }

    fn load_with(extra: &[&str]) -> Metadata {
        let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["metadata", "--format-version", "1", "--locked"])
            .args(extra)
            .current_dir(root())
            .output()
            .expect("cargo metadata runs");
        assert!(
            output.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
        let mut names = BTreeMap::new();
        let mut declared = BTreeMap::new();
        for package in json["packages"].as_array().expect("packages") {
            let name = package["name"].as_str().expect("name").to_string();
            names.insert(package["id"].as_str().expect("id").to_string(), name.clone());
            let deps: BTreeSet<String> = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().expect("dependency name").to_string())
                .collect();
            declared.insert(name, deps);
        }
        let mut members = BTreeSet::new();
        let mut ids = BTreeMap::new();
        for id in json["workspace_members"].as_array().expect("workspace_members") {
            let id = id.as_str().expect("member id").to_string();
            members.insert(names[&id].clone());
            ids.insert(names[&id].clone(), id);
        }
        let mut edges = BTreeMap::new();
        for node in json["resolve"]["nodes"].as_array().expect("resolve nodes") {
            let normal: Vec<String> = node["deps"]
                .as_array()
                .expect("deps")
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .expect("dep_kinds")
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().expect("pkg").to_string())
                .collect();
            edges.insert(node["id"].as_str().expect("node id").to_string(), normal);
        }
        Metadata { names, members, declared, edges, ids }
    }

    /// Every package the member reaches through normal dependencies.
    fn reachable(&self, member: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![self.ids[member].clone()];
        while let Some(id) = stack.pop() {
            for dep in self.edges.get(&id).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    stack.push(dep.clone());
                }
            }
        }
        seen.into_iter().map(|id| self.names[&id].clone()).collect()
    }
}

/// Crates that do I/O, async or storage: the pure domain reaches none of them.
const IO_CRATES: &[&str] = &[
    "sqlx",
    "tokio",
    "reqwest",
    "hyper",
    "axum",
    "tauri",
    "aws-sdk-sesv2",
    "sentry",
    "quick-xml",
    "mio",
];

/// Crates that nothing else in the workspace may depend on: the entry points.
const ENTRY_POINTS: &[&str] = &["pocket-portal", "pocket-desktop", "pocket-ui", "xtask"];

#[test]
fn the_domain_crate_does_no_io_no_async_and_no_serialization() {
    let meta = Metadata::load();
    let reached = meta.reachable("pocket-domain");
    let bad: Vec<_> = IO_CRATES.iter().filter(|c| reached.contains(**c)).collect();
    assert!(bad.is_empty(), "pocket-domain reaches {bad:?}");
    // Serialization is a boundary (DESIGN.md): the domain derives nothing of serde itself.
    let declared = &meta.declared["pocket-domain"];
    assert!(!declared.contains("serde"), "pocket-domain depends on serde");
    let ours: Vec<_> = declared.iter().filter(|d| meta.members.contains(*d)).collect();
    assert!(ours.is_empty(), "pocket-domain depends on workspace crates {ours:?}");
}

#[test]
fn nothing_depends_on_an_entry_point() {
    let meta = Metadata::load();
    for member in &meta.members {
        let reached = meta.reachable(member);
        for entry in ENTRY_POINTS {
            assert!(!reached.contains(*entry), "{member} depends on {entry}");
        }
    }
}

#[test]
fn dependencies_between_our_crates_point_one_way() {
    // ARCHITECTURE.md: domain <- store <- workflows -> providers; portal and desktop -> workflows;
    // the sandbox shares no wire code with the providers, so a bug cannot hide on both sides.
    let forbidden: &[(&str, &[&str])] = &[
        ("pocket-store", &["pocket-workflows", "pocket-providers", "pocket-sandbox"]),
        ("pocket-providers", &["pocket-store", "pocket-workflows", "pocket-sandbox"]),
        ("pocket-sandbox", &["pocket-providers", "pocket-store", "pocket-workflows"]),
        ("pocket-workflows", &["pocket-sandbox"]),
        ("pocket-desktop", &["pocket-sandbox"]),
        ("pocket-contract", &["pocket-store", "pocket-workflows", "pocket-providers"]),
    ];
    let meta = Metadata::load();
    for (member, banned) in forbidden {
        if !meta.members.contains(*member) {
            continue;
        }
        let reached = meta.reachable(member);
        for b in *banned {
            assert!(!reached.contains(*b), "{member} must not depend on {b}");
        }
    }
}

#[test]
fn the_ui_depends_only_on_the_contract_and_the_domain() {
    // DESIGN.md: ui -> the wasm-clean contract crate (and domain). On wasm32, where the UI runs,
    // nothing of I/O is reached; on the host, yew brings tokio along for its own server side.
    let meta = Metadata::load();
    let ours: BTreeSet<_> =
        meta.declared["pocket-ui"].iter().filter(|d| meta.members.contains(*d)).cloned().collect();
    let allowed: BTreeSet<String> =
        ["pocket-contract", "pocket-domain"].into_iter().map(String::from).collect();
    assert!(ours.is_subset(&allowed), "pocket-ui depends on {ours:?}");
    let wasm = Metadata::load_for("wasm32-unknown-unknown");
    let reached = wasm.reachable("pocket-ui");
    let bad: Vec<_> = IO_CRATES.iter().filter(|c| reached.contains(**c)).collect();
    assert!(bad.is_empty(), "pocket-ui on wasm32 reaches {bad:?}");
}

#[test]
fn the_contract_crate_is_serde_only() {
    // The types crossing the Tauri boundary compile into the UI: no I/O, only serde.
    let meta = Metadata::load();
    let declared: Vec<_> = meta.declared["pocket-contract"].iter().cloned().collect();
    assert_eq!(declared, ["serde"], "pocket-contract depends on {declared:?}");
    let reached = meta.reachable("pocket-contract");
    let bad: Vec<_> = IO_CRATES.iter().filter(|c| reached.contains(**c)).collect();
    assert!(bad.is_empty(), "pocket-contract reaches {bad:?}");
}

#[test]
fn every_crate_uses_the_workspace_lints() {
    let meta = Metadata::load();
    for member in &meta.members {
        let manifest = member_manifest(member);
        let text = std::fs::read_to_string(&manifest).expect("manifest readable");
        assert!(
            text.contains("[lints]\nworkspace = true"),
            "{} lacks `[lints] workspace = true`",
            manifest.display()
        );
    }
}

#[test]
fn every_rust_file_starts_with_a_doc_line_saying_what_it_is_for() {
    let mut missing = Vec::new();
    for file in rust_files(&root()) {
        let text = std::fs::read_to_string(&file).expect("source readable");
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.starts_with("//!") {
            missing.push(file.strip_prefix(root()).unwrap_or(&file).display().to_string());
        }
    }
    assert!(missing.is_empty(), "files without a `//!` line at the top: {missing:#?}");
}

fn member_manifest(member: &str) -> PathBuf {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    json["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == member)
        .map(|p| PathBuf::from(p["manifest_path"].as_str().expect("manifest path")))
        .expect("member has a manifest")
}

/// The Rust sources of the checkout, skipping build output and installed tools.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let skip = ["target", ".git", ".local", "node_modules", "dist", "gen"];
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("folder readable").flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() {
                if !skip.contains(&name.as_ref()) && !name.starts_with("target") {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
