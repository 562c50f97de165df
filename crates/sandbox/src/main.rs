//! `pocket-sandbox`: serves every provider simulator for development and demos.
//!
//! `pocket-sandbox --port 8089` (or `POCKET_SANDBOX_PORT`); today is the system date unless
//! `--today CCYY-MM-DD` (or `POCKET_SANDBOX_TODAY`) says otherwise.
//! The XDS Connect bureau simulator listens on `--xds-port 8090` (or `POCKET_SANDBOX_XDS_PORT`).
//! The Clickatell simulator listens on `--clickatell-port 8091` (or
//! `POCKET_SANDBOX_CLICKATELL_PORT`), posting status callbacks every two seconds to
//! `POCKET_SANDBOX_CLICKATELL_CALLBACK` if set; the Sentry sink on `--sentry-port 8092` (or
//! `POCKET_SANDBOX_SENTRY_PORT`).

use std::net::SocketAddr;

use chrono::NaiveDate;
use pocket_sandbox::{NetcashConfig, NetcashSimulator};

fn flag(name: &str, env: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var(env).ok())
}

fn system_today() -> NaiveDate {
    // Africa/Johannesburg is UTC+2 all year round.
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + 2 * 3600;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("BUG: the epoch is a date");
    epoch + chrono::Days::new(seconds / 86_400)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 =
        flag("--port", "POCKET_SANDBOX_PORT").map(|p| p.parse()).transpose()?.unwrap_or(8089);
    let today = match flag("--today", "POCKET_SANDBOX_TODAY") {
        Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")?,
        None => system_today(),
    };
    let config = NetcashConfig::new(today);
    let keys =
        (config.debit_order_key.clone(), config.account_key.clone(), config.vendor_key.clone());
    let sim = NetcashSimulator::start_on(SocketAddr::from(([127, 0, 0, 1], port)), config).await?;
    println!("Netcash NIWS simulator at {} (WSDL at ?wsdl), today {today}", sim.url());
    println!("debit order key {}, account key {}, vendor key {}", keys.0, keys.1, keys.2);
    let xds_port: u16 = flag("--xds-port", "POCKET_SANDBOX_XDS_PORT")
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(8090);
    let xds = pocket_sandbox::xds::XdsSimulator::start_on(
        SocketAddr::from(([127, 0, 0, 1], xds_port)),
        pocket_sandbox::xds::XdsConfig::new(today),
    )
    .await?;
    println!(
        "XDS Connect simulator at {}, user {}, password {}",
        xds.url(),
        pocket_sandbox::xds::DEFAULT_USER,
        pocket_sandbox::xds::DEFAULT_PASSWORD
    );
    let clickatell_port: u16 = flag("--clickatell-port", "POCKET_SANDBOX_CLICKATELL_PORT")
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(8091);
    let clickatell_config = pocket_sandbox::clickatell::ClickatellConfig {
        callback_url: std::env::var("POCKET_SANDBOX_CLICKATELL_CALLBACK").ok(),
        ..Default::default()
    };
    let clickatell = std::sync::Arc::new(
        pocket_sandbox::ClickatellSimulator::start_on(
            SocketAddr::from(([127, 0, 0, 1], clickatell_port)),
            clickatell_config,
        )
        .await?,
    );
    println!("Clickatell simulator at {}, API key {}", clickatell.url(), clickatell.api_key());
    let ticker = std::sync::Arc::clone(&clickatell);
    tokio::spawn(async move {
        // For demos only: deliveries move on by themselves. Tests call `advance` instead.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = ticker.advance().await {
                eprintln!("{e}");
            }
        }
    });
    let sentry_port: u16 = flag("--sentry-port", "POCKET_SANDBOX_SENTRY_PORT")
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(8092);
    let sentry =
        pocket_sandbox::SentrySink::start_on(SocketAddr::from(([127, 0, 0, 1], sentry_port)))
            .await?;
    println!("Sentry sink, SENTRY_DSN={}", sentry.dsn(1));
    tokio::signal::ctrl_c().await?;
    Ok(())
}
