//! `cargo xtask dev`: the platform on one machine with demo data, and the database chores behind it.

use anyhow::{Context, Result};
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
    println!("  stop       cargo xtask db stop");
    println!(
        "The portal, the worker, the provider simulators and the desktop app are not part of this \
         build yet; this command will start them as they arrive."
    );
    Ok(())
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
