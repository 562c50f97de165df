//! Python test peers in a virtual environment of their own: `moto`, an independent implementation
//! of the AWS SES v2 API that the email client is tested against (DESIGN.md decision 7).
//!
//! The environment lives outside the checkout (`~/.cache/pocket-loans/venv`, or under
//! `$XDG_CACHE_HOME`), so every clone on a machine shares it; it is created, or completed, only
//! when something is missing. Debian's `python3-venv` is installed first when Python cannot make
//! a virtual environment and the user may install packages.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::run;

/// The pinned version of moto (with its server extra).
const MOTO: &str = "moto[server]==5.2.5";

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
    let venv = cache_dir().join("venv");
    let server = venv.join("bin/moto_server");
    if server.exists() && works(&venv) {
        return Ok(server);
    }
    if !venv.join("bin/python").exists() {
        std::fs::create_dir_all(cache_dir())?;
        if !make_venv(&venv) {
            install_debian_venv()?;
            if !make_venv(&venv) {
                bail!("python3 cannot create a virtual environment in {}", venv.display());
            }
        }
    }
    println!("installing {MOTO} into {}", venv.display());
    let pip = venv.join("bin/pip");
    run(Command::new(&pip).args(["install", "--quiet", "--disable-pip-version-check", MOTO]))
        .context("installing moto")?;
    if !server.exists() {
        bail!("moto installed but {} is missing", server.display());
    }
    Ok(server)
}

fn works(venv: &std::path::Path) -> bool {
    Command::new(venv.join("bin/python"))
        .args(["-c", "import moto.server, flask"])
        .status()
        .is_ok_and(|s| s.success())
}

fn make_venv(venv: &std::path::Path) -> bool {
    Command::new("python3").args(["-m", "venv"]).arg(venv).status().is_ok_and(|s| s.success())
}

fn install_debian_venv() -> Result<()> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let mut cmd = if root {
        Command::new("apt-get")
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", "apt-get"]);
        c
    };
    cmd.args(["install", "-y", "-q", "--no-install-recommends", "python3-venv", "python3-pip"])
        .env("DEBIAN_FRONTEND", "noninteractive");
    run(&mut cmd).context("installing python3-venv (needed for the moto test peer)")
}

/// The pinned version of schemathesis, the property-based tester of the partner API's OpenAPI
/// description.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Returns the path of a working `st` (schemathesis), installing it into the same virtual
/// environment if needed.
pub fn schemathesis_bin() -> Result<PathBuf> {
    // The environment itself is made (or completed) the way moto needs it.
    let venv = moto_server()?
        .parent()
        .and_then(|bin| bin.parent())
        .map(std::path::Path::to_path_buf)
        .context("the virtual environment's folder")?;
    let st = venv.join("bin/st");
    let works = |st: &std::path::Path| {
        Command::new(st).arg("--version").output().is_ok_and(|o| o.status.success())
    };
    if st.exists() && works(&st) {
        return Ok(st);
    }
    println!("installing {SCHEMATHESIS} into {}", venv.display());
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        SCHEMATHESIS,
    ]))
    .context("installing schemathesis")?;
    if !works(&st) {
        bail!("schemathesis installed but {} does not run", st.display());
    }
    Ok(st)
}
