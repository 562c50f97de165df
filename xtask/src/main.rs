//! `cargo xtask`: the developer commands of Pocket Loans (run the platform, run the tests, manage
//! the local database, refresh the offline query cache, run the benchmarks).

mod deploy;
mod desktop;
mod dev;
mod loadtest;
mod postgres;
mod python;
mod release;
mod system;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const HELP: &str = "\
cargo xtask <command>

  dev [--reseed] [--setup-only]
                      set up the local database, migrate, seed the demo data, print a
                      summary, then run the provider simulators until Ctrl-C
  test [ARGS]         run every test (extra ARGS go to `cargo test`)
  db start|stop|url|psql|reset|destroy
                      manage the project's private PostgreSQL cluster
  prepare [--check]   refresh (or check) the committed .sqlx offline query cache
  bench               run the benchmarks and print their numbers
  bench-collections   the collections cycle at 1 000 000 instalments (release build)
  ui [--debug]        build the desktop UI (Yew, WebAssembly) into ui/dist
  desktop [--release] build the UI and the desktop shell, set up the demo database, run the app
  bundle              build the desktop app's .deb offline (tauri CLI from npm, cached)
  bench-desktop       measure the desktop app with 100 000 applications and print the numbers
  loadtest [--duration S] [--connections N] [--no-build]
                      load the partner API (release build, wrk) and print its numbers
  deploy-check        render the Kubernetes overlays in deploy/k8s and validate them
  release [--channel stable|pilot] --base-url URL [--notes TEXT] [--updates-dir DIR]
                      build and sign this platform's desktop bundles and publish the update
                      manifest (README.md, 'Publishing a desktop update')
  release keygen PATH generate the updater's signing key pair outside the repository

Without DATABASE_URL the commands run a private PostgreSQL cluster in .local/postgres
(installing Debian's postgresql package first when it is missing). With DATABASE_URL set,
that server is used; it must allow creating databases.";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => {
            println!("{HELP}");
            return Ok(());
        }
    };
    match command {
        "dev" => dev::run(rest),
        "test" => test(rest),
        "db" => db(rest),
        "prepare" => prepare(rest),
        "bench" => bench(rest),
        "bench-collections" => bench_collections(rest),
        "ui" => desktop::ui(rest),
        "desktop" => desktop::desktop(rest),
        "bundle" => desktop::bundle(rest),
        "bench-desktop" => desktop::bench(rest),
        "loadtest" => loadtest::run(rest),
        "deploy-check" => deploy::check(),
        "release" => release::release(rest),
        "help" | "--help" | "-h" => {
            println!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}

/// Runs every test of the workspace against a real PostgreSQL.
fn test(args: &[String]) -> Result<()> {
    system::ensure_packages("the desktop build and the browser tests", system::BUILD_AND_TEST)?;
    // The desktop shell embeds ui/dist at compile time, so the UI is built before anything else.
    desktop::ui(&[])?;
    desktop::ensure_tauri_driver()?;
    let server = postgres::ensure()?;
    // The email client's tests start their own moto server from this path.
    let moto = python::moto_server()?;
    // The partner API's contract test runs schemathesis from this path.
    let schemathesis = python::schemathesis_bin()?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"])
        .args(args)
        .env("DATABASE_URL", server.admin_url())
        .env("POCKET_MOTO_SERVER", moto)
        .env("POCKET_SCHEMATHESIS", schemathesis)
        // The updater's tests make throwaway signing keys with it.
        .env("POCKET_TAURI_CLI", desktop::ensure_tauri_cli()?);
    run(&mut cmd)?;
    // The two-version update installs a package, which needs root. A run narrowed to some tests
    // (any argument that is not a flag, such as `-p CRATE` or a name filter) skips it.
    if args.iter().any(|a| !a.starts_with('-')) {
        return Ok(());
    }
    if system::is_root() {
        println!("the desktop update, end to end (cargo xtask release e2e)");
        release::e2e()
    } else {
        println!(
            "skipped: the desktop update end to end installs a package and needs root \
             (sudo cargo xtask release e2e)"
        );
        Ok(())
    }
}

fn db(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("start") | None => {
            let server = postgres::ensure()?;
            println!("{}", server.url_for(dev::DATABASE));
            Ok(())
        }
        Some("url") => {
            let server = postgres::ensure()?;
            println!("{}", server.url_for(args.get(1).map_or(dev::DATABASE, String::as_str)));
            Ok(())
        }
        Some("psql") => {
            let server = postgres::ensure()?;
            let mut cmd = Command::new("psql");
            cmd.arg(server.url_for(dev::DATABASE)).args(&args[1..]);
            run(&mut cmd)
        }
        Some("reset") => dev::reset(),
        Some("stop") => postgres::stop(),
        Some("destroy") => postgres::destroy(),
        Some(other) => bail!("unknown db command `{other}`\n\n{HELP}"),
    }
}

/// Regenerates the `.sqlx` offline cache from a freshly migrated database, or checks that the
/// committed cache matches the queries (`--check`).
fn prepare(args: &[String]) -> Result<()> {
    let check = args.iter().any(|a| a == "--check");
    let server = postgres::ensure()?;
    let scratch = "pocket_prepare";
    dev::recreate_database(&server, scratch)?;
    let url = server.url_for(scratch);
    dev::migrate(&url)?;

    let root = project_root();
    let out = root.join("target-sqlx-prepare");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    // The macros only write query data when they expand, so the crate with queries is rebuilt:
    // a fresh modification time on its root file is enough for cargo.
    let lib = root.join("crates/store/src/lib.rs");
    std::fs::File::options()
        .append(true)
        .open(&lib)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()))
        .with_context(|| format!("touching {}", lib.display()))?;
    run(cargo()
        .args(["check", "-p", "pocket-store", "--all-targets"])
        .env("SQLX_OFFLINE", "false")
        .env("SQLX_OFFLINE_DIR", &out)
        .env("DATABASE_URL", &url))?;
    let committed = root.join(".sqlx");
    let result = if check {
        let same = dir_files(&committed)? == dir_files(&out)?;
        std::fs::remove_dir_all(&out)?;
        if !same {
            bail!(".sqlx is out of date with the queries: run `cargo xtask prepare` and commit it");
        }
        println!(".sqlx matches the queries");
        Ok(())
    } else {
        if committed.exists() {
            std::fs::remove_dir_all(&committed)?;
        }
        std::fs::rename(&out, &committed)?;
        println!("wrote {}", committed.display());
        Ok(())
    };
    dev::drop_database(&server, scratch)?;
    result
}

/// The files of a folder with their contents, sorted, for comparing two caches.
fn dir_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    if dir.exists() {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            files.push((
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path())?,
            ));
        }
    }
    files.sort();
    Ok(files)
}

fn bench(args: &[String]) -> Result<()> {
    run(cargo().args(["bench", "-p", "pocket-domain", "--bench", "domain", "--"]).args(args))
}

/// The collections benchmark (crates/workflows/benches/collections.rs) on the private cluster.
fn bench_collections(args: &[String]) -> Result<()> {
    let server = postgres::ensure()?;
    run(cargo()
        .args(["bench", "-p", "pocket-workflows", "--bench", "collections", "--"])
        .args(args)
        .env("DATABASE_URL", server.admin_url()))
}

/// The workspace root (the folder above xtask/).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("BUG: xtask lives one folder below the workspace root")
        .to_path_buf()
}

/// A `cargo` command run from the workspace root, with the same toolchain as this process.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(project_root());
    cmd
}

/// Runs a command to completion, failing with its exit status.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status =
        cmd.status().with_context(|| format!("could not start {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!("{:?} failed with {status}", cmd.get_program());
    }
    Ok(())
}
