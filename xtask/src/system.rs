//! Debian packages the developer commands need: checked with dpkg, and the missing ones installed
//! with apt (as root, or through passwordless sudo), so that `cargo xtask dev` and `cargo xtask test`
//! set a fresh Debian or Ubuntu machine up themselves. On other systems nothing is installed and
//! the message says what to install.

use std::process::Command;

use anyhow::{Result, bail};

use crate::run;

/// What the desktop shell (Tauri, TOOLCHAIN.md) needs to build, and the browsers and drivers of
/// the end-to-end tests (headless Chromium for the portal, WebKitWebDriver under Xvfb for the
/// desktop app).
pub const BUILD_AND_TEST: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "file",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "fonts-dejavu-core",
    "chromium",
    "chromium-driver",
];

/// Installs the packages of `wanted` that are missing; `purpose` says why, when that fails.
pub fn ensure_packages(purpose: &str, wanted: &[&str]) -> Result<()> {
    if Command::new("dpkg-query").arg("--version").output().is_err() {
        println!(
            "not a Debian system: make sure these are installed ({purpose}): {}",
            wanted.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = wanted.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    install(purpose, &missing)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

/// Installs `packages` from Debian's archive, as root or through passwordless sudo.
pub fn install(purpose: &str, packages: &[&str]) -> Result<()> {
    let prefix: Vec<&str> = if is_root() {
        vec![]
    } else if Command::new("sudo").args(["-n", "true"]).status().is_ok_and(|s| s.success()) {
        vec!["sudo", "-n"]
    } else {
        bail!(
            "{purpose} needs packages that are not installed, and this user cannot install them. \
             Run: sudo apt-get install {}",
            packages.join(" ")
        )
    };
    println!("installing from Debian's packages ({purpose}): {}", packages.join(" "));
    let apt = |args: &[&str]| -> Result<()> {
        let mut all: Vec<&str> = prefix.clone();
        all.extend_from_slice(args);
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["apt-get", "update", "-q"])?;
    let mut args = vec!["apt-get", "install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
