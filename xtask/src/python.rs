//! Python tools in a virtual environment of their own: `moto`, an independent implementation of
//! the AWS SES v2 API that the email client is tested against (DESIGN.md decision 7);
//! `schemathesis`, which tests the partner API against its OpenAPI description; and
//! `kubernetes-validate`, which checks the Kubernetes manifests.
//!
//! The environment lives outside the checkout (`~/.cache/pocket-loans/venv`, or under
//! `$XDG_CACHE_HOME`), so every clone on a machine shares it; it is created, or completed, only
//! when something is missing. Debian's `python3-venv` is installed first when Python cannot make
//! a virtual environment and the user may install packages.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::run;

/// The pinned version of moto (with its server extra).
const MOTO: &str = "moto[server]==5.2.5";
/// The pinned version of schemathesis.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// The pinned manifest validator (it carries the schemas of every Kubernetes version).
const KUBERNETES_VALIDATE: &str = "kubernetes-validate==1.37.0";

/// The cache folder shared by the developer commands and CI.
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/var/cache"));
    base.join("pocket-loans")
}

/// Returns the path of a working `moto_server`, installing it if needed.
pub fn moto_server() -> Result<PathBuf> {
    let venv = ensure(MOTO, &["-c", "import moto.server, flask"])?;
    Ok(venv.join("bin/moto_server"))
}

/// Returns the path of a working `st` (schemathesis), installing it if needed.
pub fn schemathesis_bin() -> Result<PathBuf> {
    let venv = ensure(SCHEMATHESIS, &["-m", "schemathesis.cli", "--version"])?;
    Ok(venv.join("bin/st"))
}

/// Returns the environment's Python with `kubernetes-validate` (and PyYAML) installed.
pub fn kubernetes_validate_python() -> Result<PathBuf> {
    let venv = ensure(KUBERNETES_VALIDATE, &["-c", "import kubernetes_validate, yaml"])?;
    Ok(venv.join("bin/python"))
}

/// Makes sure `requirement` is installed in the environment, judged by running the
/// environment's Python with `check`; returns the environment's folder.
fn ensure(requirement: &str, check: &[&str]) -> Result<PathBuf> {
    let venv = cache_dir().join("venv");
    let python = venv.join("bin/python");
    let works = || Command::new(&python).args(check).output().is_ok_and(|o| o.status.success());
    if works() {
        return Ok(venv);
    }
    if !python.exists() {
        std::fs::create_dir_all(cache_dir())?;
        if !make_venv(&venv) {
            install_debian_venv()?;
            if !make_venv(&venv) {
                bail!("python3 cannot create a virtual environment in {}", venv.display());
            }
        }
    }
    println!("installing {requirement} into {}", venv.display());
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        requirement,
    ]))
    .with_context(|| format!("installing {requirement}"))?;
    if !works() {
        bail!("{requirement} installed but does not work in {}", venv.display());
    }
    Ok(venv)
}

fn make_venv(venv: &Path) -> bool {
    Command::new("python3").args(["-m", "venv"]).arg(venv).status().is_ok_and(|s| s.success())
}

fn install_debian_venv() -> Result<()> {
    crate::system::install(
        "a Python virtual environment for the test tools",
        &["python3-venv", "python3-pip"],
    )
}
