//! `pocket partner ...`: an administrator's commands for partners and their API keys.
//!
//! - `pocket partner create <name> [<contact email>]`
//! - `pocket partner add-key <partner name> [<label>]`: prints the new key once; only its prefix
//!   and SHA-256 are stored, so a lost key is replaced, never recovered.
//! - `pocket partner revoke-key <prefix>`: the key stops working at once.
//!
//! They run on `DATABASE_URL` (a login allowed to manage partners, such as a `pocket_admin`).

use anyhow::{Context, Result, bail};
use chrono::Utc;
use pocket_store::partners;
use pocket_workflows::partner_keys;
use sqlx::PgPool;

const USAGE: &str = "usage: pocket partner create <name> [<contact email>]
       pocket partner add-key <partner name> [<label>]
       pocket partner revoke-key <key prefix>";

/// Runs one `pocket partner` command with its arguments (after `partner`).
pub async fn run(args: Vec<String>) -> Result<()> {
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    let pool = PgPool::connect(&url).await.context("connecting to the database")?;
    let out = execute(&pool, &args).await?;
    println!("{out}");
    pool.close().await;
    Ok(())
}

/// Runs one command on `pool` and returns what it prints.
pub async fn execute(pool: &PgPool, args: &[String]) -> Result<String> {
    let mut conn = pool.acquire().await.context("connecting to the database")?;
    let arg = |i: usize| args.get(i).map(|s| s.trim()).filter(|s| !s.is_empty());
    match args.first().map(String::as_str) {
        Some("create") => {
            let Some(name) = arg(1) else { bail!("{USAGE}") };
            if name.chars().count() > 100 || name.chars().any(char::is_control) {
                bail!("a partner's name is at most 100 printable characters");
            }
            let id = partners::create(&mut conn, name, arg(2))
                .await
                .with_context(|| format!("creating partner {name:?}"))?;
            Ok(format!("partner {name:?} created ({id})"))
        }
        Some("add-key") => {
            let Some(name) = arg(1) else { bail!("{USAGE}") };
            let partner_id = partners::id_by_name(&mut conn, name)
                .await?
                .with_context(|| format!("no partner is named {name:?}"))?;
            let (_, key) = partner_keys::issue(&mut conn, partner_id, arg(2).unwrap_or(""))
                .await
                .context("storing the key")?;
            Ok(format!(
                "key for {name:?} (prefix {}); it is shown only this once:\n{}",
                key.prefix, key.key
            ))
        }
        Some("revoke-key") => {
            let Some(prefix) = arg(1) else { bail!("{USAGE}") };
            if partners::revoke_key_by_prefix(&mut conn, prefix, Utc::now()).await? {
                Ok(format!("key {prefix} revoked"))
            } else {
                bail!("no live key has the prefix {prefix:?}")
            }
        }
        _ => bail!("{USAGE}"),
    }
}
