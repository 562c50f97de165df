//! `cargo xtask dev`: the platform on one machine with demo data, and the database chores behind it.

use anyhow::{Context, Result};
use std::process::Command;

use sqlx::migrate::Migrator;
use sqlx::{Connection, PgConnection};

use crate::postgres::{self, Server};
use crate::{cargo, project_root, run as run_command};

/// The name of the local development database.
pub const DATABASE: &str = "pocket";

/// How many demo applicants a fresh database gets.
const DEMO_APPLICANTS: usize = 400;

pub fn run(args: &[String]) -> Result<()> {
    let reseed = args.iter().any(|a| a == "--reseed");
    let setup_only = args.iter().any(|a| a == "--setup-only");
    let server = postgres::ensure()?;
    if reseed {
        drop_dev_database(&server)?;
    }
    create_database_if_missing(&server, DATABASE)?;
    let url = server.url_for(DATABASE);
    migrate(&url)?;
    pocket_db(&url, &["seed", "--applicants", &DEMO_APPLICANTS.to_string()])?;
    println!();
    println!("Pocket Loans is set up locally:");
    let origin = if server.private { "private cluster" } else { "DATABASE_URL" };
    println!("  database   {} ({origin})", redact(&url));
    println!("  psql       cargo xtask db psql");
    println!("  stop db    cargo xtask db stop");
    if setup_only {
        return Ok(());
    }
    crate::system::ensure_packages("the desktop app's build", crate::system::BUILD_AND_TEST)?;
    // The shell embeds ui/dist at compile time.
    crate::desktop::ui(&[])?;
    let desktop_config = crate::desktop::write_dev_config(&server)?;
    serve(&url, &desktop_config)
}

/// The Clickatell simulator's API key (pocket_sandbox::clickatell::DEFAULT_API_KEY).
const SANDBOX_CLICKATELL_KEY: &str = "sandbox-clickatell-key-3f9a7c21";
/// The XDS simulator's login (pocket_sandbox::xds::DEFAULT_USER and DEFAULT_PASSWORD; xtask
/// links none of our crates, ARCHITECTURE.md).
const SANDBOX_XDS_USER: &str = "pocketloans";
const SANDBOX_XDS_PASSWORD: &str = "sandbox-xds-password";
/// The Netcash simulator's service keys (pocket_sandbox::netcash::DEFAULT_*_KEY).
const SANDBOX_NETCASH_DEBIT_ORDER_KEY: &str = "5a0e1c3b-7d24-4f6e-9b8a-2c1d0e9f7a61";
const SANDBOX_NETCASH_ACCOUNT_KEY: &str = "9b3f6d2a-1e8c-4a7b-8d5e-0f4c3b2a1e97";
const SANDBOX_NETCASH_VENDOR_KEY: &str = "24ade73c-98cf-47b3-99be-cc7b867b3080";
/// Any digits do for the simulator's `ProductId`.
const DEV_XDS_PRODUCT_ID: &str = "15";
/// The development worker's webhook secret; production takes its own from a Secret.
const DEV_CALLBACK_SECRET: &str = "dev-callback-secret";
/// The development portal's key for PIN hashes and CSRF tokens; production takes its own from a
/// Secret.
const DEV_PORTAL_SECRET: &str = "development-portal-secret-not-for-production";

/// The sender address of development email (verified in moto at start).
const DEV_EMAIL_FROM: &str = "loans@pocketloans.example.co.za";

/// Starts the provider simulators, the SES test peer and the worker, and keeps them running
/// until Ctrl-C.
fn serve(database_url: &str, desktop_config: &std::path::Path) -> Result<()> {
    let netcash = port_or_free(8089)?;
    let xds = port_or_free(8090)?;
    let clickatell = port_or_free(8091)?;
    let sentry = port_or_free(8092)?;
    let worker = port_or_free(8080)?;
    let ses = port_or_free(8093)?;
    let portal = port_or_free(8000)?;
    run_command(cargo().args([
        "build",
        "--quiet",
        "-p",
        "pocket-sandbox",
        "-p",
        "pocket-portal",
        "-p",
        "pocket-desktop",
        "--bins",
    ]))?;
    let mut children = Children::default();

    // SES: moto, with the sender verified as SES requires.
    let moto = crate::python::moto_server()?;
    children.spawn(
        "SES (moto)",
        Command::new(&moto).args(["-H", "127.0.0.1", "-p", &ses.to_string()]),
    )?;
    wait_for_port(ses)?;
    let python = moto.parent().expect("BUG: moto_server lives in the venv's bin").join("python");
    run_command(Command::new(python).arg("-c").arg(format!(
        "import boto3; boto3.client('sesv2', endpoint_url='http://127.0.0.1:{ses}', \
         region_name='af-south-1', aws_access_key_id='dev', aws_secret_access_key='dev')\
         .create_email_identity(EmailIdentity='{DEV_EMAIL_FROM}')"
    )))
    .context("verifying the development sender in moto")?;

    // The binaries built together above are run as they are: `cargo run -p` of one package alone
    // would resolve features differently and build much of the tree a second time.
    let mut sandbox = Command::new(built_binary("pocket-sandbox"));
    sandbox
        .env("POCKET_SANDBOX_PORT", netcash.to_string())
        .env("POCKET_SANDBOX_XDS_PORT", xds.to_string())
        .env("POCKET_SANDBOX_CLICKATELL_PORT", clickatell.to_string())
        .env("POCKET_SANDBOX_SENTRY_PORT", sentry.to_string())
        .env(
            "POCKET_SANDBOX_CLICKATELL_CALLBACK",
            format!("http://127.0.0.1:{worker}/webhooks/clickatell/{DEV_CALLBACK_SECRET}"),
        );
    children.spawn("simulators", &mut sandbox)?;
    wait_for_port(clickatell)?;

    let mut pocket = Command::new(built_binary("pocket"));
    pocket
        .arg("worker")
        .env("DATABASE_URL", database_url)
        .env("POCKET_HTTP_ADDR", format!("127.0.0.1:{worker}"))
        .env("CLICKATELL_URL", format!("http://127.0.0.1:{clickatell}"))
        .env("CLICKATELL_API_KEY", SANDBOX_CLICKATELL_KEY)
        .env("CLICKATELL_CALLBACK_SECRET", DEV_CALLBACK_SECRET)
        .env("SES_ENDPOINT_URL", format!("http://127.0.0.1:{ses}"))
        .env("SES_ACCESS_KEY_ID", "dev")
        .env("SES_SECRET_ACCESS_KEY", "dev")
        .env("EMAIL_FROM", DEV_EMAIL_FROM)
        .env("XDS_URL", format!("http://127.0.0.1:{xds}/xdsconnect/XDSConnectWS.asmx"))
        .env("XDS_USER", SANDBOX_XDS_USER)
        .env("XDS_PASSWORD", SANDBOX_XDS_PASSWORD)
        .env("XDS_PRODUCT_ID", DEV_XDS_PRODUCT_ID)
        .env("NETCASH_URL", format!("http://127.0.0.1:{netcash}/NIWS/NIWS_NIF.svc"))
        .env("NETCASH_DEBIT_ORDER_KEY", SANDBOX_NETCASH_DEBIT_ORDER_KEY)
        .env("NETCASH_ACCOUNT_KEY", SANDBOX_NETCASH_ACCOUNT_KEY)
        .env("NETCASH_VENDOR_KEY", SANDBOX_NETCASH_VENDOR_KEY)
        .env("SENTRY_DSN", format!("http://0123456789abcdef0123456789abcdef@127.0.0.1:{sentry}/1"))
        .env("SENTRY_ENVIRONMENT", "development");
    children.spawn("worker", &mut pocket)?;
    wait_for_port(worker)?;

    // The applicant portal: PINs reach the Clickatell simulator (read them in its log or at
    // /v1/message), documents go to .local/documents, cookies work over plain HTTP.
    let documents = crate::project_root().join(".local").join("documents");
    let mut serve = Command::new(built_binary("pocket"));
    serve
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("POCKET_PORTAL_ADDR", format!("127.0.0.1:{portal}"))
        .env("POCKET_PUBLIC_URL", format!("http://127.0.0.1:{portal}"))
        .env("POCKET_DEV_MODE", "true")
        .env("POCKET_DOCUMENTS", &documents)
        .env("POCKET_PORTAL_SECRET", DEV_PORTAL_SECRET)
        .env("CLICKATELL_URL", format!("http://127.0.0.1:{clickatell}"))
        .env("CLICKATELL_API_KEY", SANDBOX_CLICKATELL_KEY)
        .env("SENTRY_DSN", format!("http://0123456789abcdef0123456789abcdef@127.0.0.1:{sentry}/1"))
        .env("SENTRY_ENVIRONMENT", "development");
    children.spawn("portal", &mut serve)?;
    wait_for_port(portal)?;

    // The back office opens where there is a display; sign in with a demo officer printed above.
    let display = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some());
    if display {
        let mut desktop = Command::new(built_binary("pocket-desktop"));
        desktop.env("POCKET_DESKTOP_CONFIG", desktop_config);
        children.spawn("desktop", &mut desktop)?;
    }

    println!();
    println!("Running (Ctrl-C stops everything but the database):");
    if display {
        println!("  desktop     the back-office window (settings {})", desktop_config.display());
    } else {
        println!("  desktop     no display here; on a desktop session this command opens it");
    }
    println!("  portal      http://127.0.0.1:{portal}/");
    println!("  worker      http://127.0.0.1:{worker}/health/ready");
    println!("  Netcash     http://127.0.0.1:{netcash}/NIWS/NIWS_NIF.svc?wsdl");
    println!("  XDS         http://127.0.0.1:{xds}");
    println!("  Clickatell  http://127.0.0.1:{clickatell}/v1/message");
    println!("  Sentry sink http://127.0.0.1:{sentry}");
    println!("  SES (moto)  http://127.0.0.1:{ses}/moto-api/");
    runtime()?.block_on(async {
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
        anyhow::Ok(())
    })?;
    drop(children);
    println!("stopped; the database keeps running (cargo xtask db stop)");
    Ok(())
}

/// A binary of the workspace as `cargo build` left it in the dev profile.
fn built_binary(name: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .map(|dir| if dir.is_absolute() { dir } else { project_root().join(dir) })
        .unwrap_or_else(|| project_root().join("target"));
    target.join("debug").join(name)
}

/// The processes `serve` started; dropping it stops them.
#[derive(Default)]
struct Children(Vec<(&'static str, std::process::Child)>);

impl Children {
    fn spawn(&mut self, name: &'static str, cmd: &mut Command) -> Result<()> {
        let child = cmd.spawn().with_context(|| format!("starting the {name}"))?;
        self.0.push((name, child));
        Ok(())
    }
}

impl Drop for Children {
    /// Asks each process to stop (SIGTERM: the worker finishes or hands back its jobs), waits up
    /// to ten seconds, then kills what is left.
    fn drop(&mut self) {
        for (_, child) in self.0.iter_mut().rev() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        for (name, child) in self.0.iter_mut().rev() {
            while matches!(child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            if matches!(child.try_wait(), Ok(None)) {
                eprintln!("the {name} did not stop in time; killing it");
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// Waits up to two minutes for something to listen on a loopback port (a first build of a
/// binary may take a while).
fn wait_for_port(port: u16) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    anyhow::bail!("nothing listens on port {port} after two minutes")
}

/// The usual port when it is free, so the URLs stay the same from day to day; another otherwise.
fn port_or_free(preferred: u16) -> Result<u16> {
    if std::net::TcpListener::bind(("127.0.0.1", preferred)).is_ok() {
        return Ok(preferred);
    }
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Applies the migrations in migrations/ to the database at `url`. They are read at run time
/// (the same files, so the same checksums, as the migrator embedded in pocket-store), so this
/// works even while the offline query cache is being refreshed.
pub fn migrate(url: &str) -> Result<()> {
    runtime()?.block_on(async {
        let mut conn = PgConnection::connect(url).await.context("connecting to the database")?;
        let migrator = Migrator::new(project_root().join("migrations")).await?;
        migrator.run(&mut conn).await.context("applying migrations")?;
        anyhow::Ok(())
    })
}

/// Runs the `pocket-db` tool of pocket-store on the database at `url`.
fn pocket_db(url: &str, args: &[&str]) -> Result<()> {
    let mut cmd = cargo();
    cmd.args(["run", "--quiet", "-p", "pocket-store", "--bin", "pocket-db", "--"])
        .args(args)
        .env("DATABASE_URL", url);
    run_command(&mut cmd)
}

/// Drops and recreates the development database, then migrates and seeds it.
pub fn reset() -> Result<()> {
    run(&["--reseed".to_string()])
}

pub fn create_database_if_missing(server: &Server, name: &str) -> Result<()> {
    runtime()?.block_on(async {
        let mut conn = PgConnection::connect(server.admin_url()).await?;
        let exists: bool =
            sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(&format!("create database {}", quote_ident(name)))
                .execute(&mut conn)
                .await?;
            println!("created database {name}");
        }
        anyhow::Ok(())
    })
}

/// Drops the development database and the demo officers' login roles, which outlive it.
fn drop_dev_database(server: &Server) -> Result<()> {
    let url = server.url_for(DATABASE);
    let has_officers = runtime()?.block_on(async {
        let Ok(mut conn) = PgConnection::connect(&url).await else {
            return anyhow::Ok(false);
        };
        let found: bool = sqlx::query_scalar("select to_regclass('officer') is not null")
            .fetch_one(&mut conn)
            .await?;
        anyhow::Ok(found)
    })?;
    if has_officers {
        pocket_db(&url, &["drop-demo-logins"])?;
    }
    drop_database(server, DATABASE)
}

pub fn recreate_database(server: &Server, name: &str) -> Result<()> {
    drop_database(server, name)?;
    create_database_if_missing(server, name)
}

pub fn drop_database(server: &Server, name: &str) -> Result<()> {
    runtime()?.block_on(async {
        let mut conn = PgConnection::connect(server.admin_url()).await?;
        sqlx::query(&format!("drop database if exists {} with (force)", quote_ident(name)))
            .execute(&mut conn)
            .await?;
        anyhow::Ok(())
    })
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The URL without its password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or(creds);
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")
}
