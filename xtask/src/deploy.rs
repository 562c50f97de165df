//! `cargo xtask deploy-check`: renders the Kubernetes overlays in deploy/k8s with kustomize and
//! validates them (deploy/check.py: the Kubernetes API schema, strictly, and the rules our rolling
//! updates and security depend on).
//!
//! kustomize comes from the `kubectl` on PATH when it has the `kustomize` subcommand; otherwise
//! Debian's `kubernetes-client` package is downloaded (not installed) into the cache folder and its
//! kubectl is used from there. The validator, `kubernetes-validate` from PyPI, carries the schemas
//! of every Kubernetes version, so nothing is fetched at check time.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{project_root, python, run};

pub fn check() -> Result<()> {
    let kubectl = kubectl()?;
    let python = python::kubernetes_validate_python()?;
    run(Command::new(python)
        .arg(project_root().join("deploy/check.py"))
        .arg(&kubectl)
        .current_dir(project_root()))
    .context("the Kubernetes manifests are not valid")
}

/// A kubectl whose `kustomize` subcommand works.
fn kubectl() -> Result<PathBuf> {
    let has_kustomize = |k: &std::path::Path| {
        Command::new(k).args(["kustomize", "--help"]).output().is_ok_and(|o| o.status.success())
    };
    let on_path = PathBuf::from("kubectl");
    if has_kustomize(&on_path) {
        return Ok(on_path);
    }
    let dir = python::cache_dir().join("kubernetes-client");
    let cached = dir.join("usr/bin/kubectl");
    if has_kustomize(&cached) {
        return Ok(cached);
    }
    std::fs::create_dir_all(&dir)?;
    println!("downloading Debian's kubernetes-client into {}", dir.display());
    run(Command::new("apt-get").args(["download", "kubernetes-client"]).current_dir(&dir))
        .context("apt-get download kubernetes-client")?;
    let deb = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .context("the kubernetes-client package did not download")?;
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&dir))?;
    std::fs::remove_file(&deb)?;
    if !has_kustomize(&cached) {
        bail!("{} has no kustomize subcommand", cached.display());
    }
    Ok(cached)
}
