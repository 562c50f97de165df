//! The desktop back office's developer commands: `ui` builds the Yew UI into ui/dist without
//! trunk (cargo for wasm32, then the wasm-bindgen CLI of exactly the version in Cargo.lock, then
//! the static files), `desktop` builds and runs the app against the local demo database,
//! `bundle` makes the .deb offline with the npm tauri CLI kept in ~/.cache/pocket-loans/node, and
//! `bench-desktop` measures the app with 100 000 applications.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use sqlx::postgres::PgConnectOptions;

use crate::{cargo, dev, postgres, project_root, run};

/// The version of the npm tauri CLI, matching the tauri crate (TOOLCHAIN.md).
const TAURI_CLI_VERSION: &str = "2.12.5";

/// Builds ui/dist: the WebAssembly UI, its JavaScript glue and the static files.
pub fn ui(args: &[String]) -> Result<()> {
    let release = !args.iter().any(|a| a == "--debug");
    ensure_wasm_target()?;
    let mut build = cargo();
    build.args(["build", "-p", "pocket-ui", "--target", "wasm32-unknown-unknown"]);
    if release {
        build.arg("--release");
    }
    run(&mut build)
        .context("building the UI for wasm32 (rustup target add wasm32-unknown-unknown)")?;
    let wasm = target_dir()?
        .join("wasm32-unknown-unknown")
        .join(if release { "release" } else { "debug" })
        .join("pocket-ui.wasm");
    let bindgen = ensure_wasm_bindgen()?;
    let root = project_root();
    let dist = root.join("ui/dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).with_context(|| format!("clearing {}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist)?;
    run(Command::new(bindgen)
        .args(["--target", "web", "--no-typescript", "--out-name", "ui", "--out-dir"])
        .arg(&dist)
        .arg(&wasm))?;
    for entry in std::fs::read_dir(root.join("ui/static"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), dist.join(entry.file_name()))
            .with_context(|| format!("copying {}", entry.path().display()))?;
    }
    println!("built {}", dist.display());
    Ok(())
}

/// Builds the UI and the shell, sets up the demo database, and runs the app on it.
pub fn desktop(args: &[String]) -> Result<()> {
    let release = args.iter().any(|a| a == "--release");
    ui(&[])?;
    dev::run(&["--setup-only".to_owned()])?;
    let server = postgres::ensure()?;
    let config = write_dev_config(&server)?;
    let mut build = cargo();
    build.args(["build", "-p", "pocket-desktop"]);
    if release {
        build.arg("--release");
    }
    run(&mut build)?;
    let binary =
        target_dir()?.join(if release { "release" } else { "debug" }).join("pocket-desktop");
    println!("starting the back office ({}); settings in {}", binary.display(), config.display());
    run(Command::new(binary).env("POCKET_DESKTOP_CONFIG", &config))
}

/// Writes the development connection settings for the demo database (no TLS: loopback only).
pub fn write_dev_config(server: &postgres::Server) -> Result<PathBuf> {
    let options = PgConnectOptions::from_str(&server.url_for(dev::DATABASE))
        .context("reading the database URL")?;
    let config = serde_json::json!({
        "host": options.get_host(),
        "port": options.get_port(),
        "database": dev::DATABASE,
        "ssl_mode": "disable",
        "environment": "development",
        "idle_lock_minutes": 30,
        // The folder the development portal stores uploads in (xtask/src/dev.rs).
        "documents": project_root().join(".local").join("documents"),
    });
    let path = project_root().join(".local/desktop.json");
    std::fs::create_dir_all(path.parent().expect("BUG: .local/desktop.json has a parent"))?;
    std::fs::write(&path, serde_json::to_string_pretty(&config)?)?;
    Ok(path)
}

/// Builds the .deb offline: the UI first, then the tauri CLI's release build and bundler.
pub fn bundle(_args: &[String]) -> Result<()> {
    ui(&[])?;
    let tauri = ensure_tauri_cli()?;
    run(Command::new(tauri)
        .args(["build", "--bundles", "deb", "--ci"])
        .env("TAURI_APP_PATH", "src-tauri")
        .current_dir(project_root()))?;
    let debs = target_dir()?.join("release/bundle/deb");
    println!("bundles in {}", debs.display());
    Ok(())
}

/// Measures the app with 100 000 applications (src-tauri/benches/desktop.rs) and prints the
/// numbers: startup to an interactive queue, the queue's tabs and searches, opening applications.
pub fn bench(_args: &[String]) -> Result<()> {
    ui(&[])?;
    let server = postgres::ensure()?;
    run(cargo()
        .args(["bench", "-p", "pocket-desktop", "--bench", "desktop"])
        .env("DATABASE_URL", server.admin_url()))
}

/// Cargo's target folder (CARGO_TARGET_DIR or the workspace's).
pub fn target_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return Ok(if dir.is_absolute() { dir } else { project_root().join(dir) });
    }
    Ok(project_root().join("target"))
}

/// The wasm-bindgen version Cargo.lock resolved: the CLI must be exactly the same.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(project_root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen")
}

/// The wasm-bindgen CLI of the locked version, installed with cargo when missing or different
/// (about 8 minutes; without --locked, TOOLCHAIN.md).
/// Adds rustup's wasm32 target when it is missing (a fresh rustup has only the host's).
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l == WASM_TARGET));
    if !installed {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
            .context("adding the wasm32 target (rustup)")?;
    }
    Ok(())
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Installs tauri-driver, the WebDriver bridge of the desktop end-to-end test, when it is missing
/// (TOOLCHAIN.md: version 2.1.0, about 1.5 minutes to build).
pub fn ensure_tauri_driver() -> Result<()> {
    if Command::new("tauri-driver").arg("--help").output().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    println!("installing tauri-driver 2.1.0");
    run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
        "install",
        "tauri-driver",
        "--version",
        "2.1.0",
        "--locked",
    ]))
}

fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let version = locked_wasm_bindgen()?;
    let installed = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if installed.as_deref() != Some(&format!("wasm-bindgen {version}")) {
        println!("installing wasm-bindgen-cli {version} (found {installed:?})");
        run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ]))?;
    }
    Ok(PathBuf::from("wasm-bindgen"))
}

/// The npm tauri CLI in ~/.cache/pocket-loans/node (a prebuilt binary, installed in seconds).
pub fn ensure_tauri_cli() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let dir = Path::new(&home).join(".cache/pocket-loans/node");
    let bin = dir.join("node_modules/.bin/tauri");
    let wanted = format!("tauri-cli {TAURI_CLI_VERSION}");
    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if version.as_deref() != Some(wanted.as_str()) {
        std::fs::create_dir_all(&dir)?;
        run(Command::new("npm")
            .args(["install", "--no-save", "--no-audit", "--no-fund"])
            .arg(format!("@tauri-apps/cli@{TAURI_CLI_VERSION}"))
            .current_dir(&dir))
        .context("installing the tauri CLI with npm")?;
    }
    Ok(bin)
}
