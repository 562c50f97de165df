//! Measures the back office at scale and prints the numbers (a benchmark: nothing is asserted
//! about time). A scratch database gets the demo data and 100 000 more applications (bulk.sql),
//! then the real app (built with the bench profile) is driven under Xvfb as in the end-to-end
//! test:
//! - startup: from launching the app to the sign-in form, and from signing in to the first page
//!   of the queue on screen;
//! - the queue command as the UI saw it, switching tabs and searching;
//! - opening an application, five times.
//!
//! Run with `cargo xtask bench-desktop` (it needs `DATABASE_URL` of a server where it may create
//! a database; the xtask command gives the private cluster's).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::driver::{self, ENTER, find, until};
use fantoccini::Client;
use sqlx::postgres::PgPoolOptions;
use sqlx::{ConnectOptions, PgPool};

/// Forgets the last timing the UI left on the body, so the next one is fresh.
async fn reset(client: &Client, attribute: &str) {
    let script = format!("document.body.removeAttribute('{attribute}')");
    client.execute(&script, vec![]).await.expect("resetting the body");
}

/// Waits for the UI to leave a fresh timing on the body (it does when the answer arrived).
async fn fresh(client: &Client, attribute: &str) -> String {
    let script = format!("return document.body.hasAttribute('{attribute}')");
    until(client, attribute, &script).await;
    body_number(client, attribute).await
}

async fn body_number(client: &Client, attribute: &str) -> String {
    let script = format!("return document.body.getAttribute('{attribute}')");
    let value = client.execute(&script, vec![]).await.expect("reading the body");
    value.as_str().unwrap_or("?").to_owned()
}

/// Milliseconds since the Unix epoch.
fn epoch_ms(t: std::time::SystemTime) -> f64 {
    t.duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Records, in the page, when an element matching `css` first appears (a MutationObserver: no
/// polling delay in the number), under `window[key]`.
async fn watch(client: &Client, css: &str, key: &str) {
    let script = format!(
        "window['{key}'] = null; const o = new MutationObserver(() => {{
            if (!window['{key}'] && document.querySelector(\"{css}\")) {{ window['{key}'] = Date.now(); o.disconnect(); }}
         }}); o.observe(document.body, {{ childList: true, subtree: true }});"
    );
    client.execute(&script, vec![]).await.expect("watching the page");
}

/// When the watched element appeared (epoch ms), once it has.
async fn appeared(client: &Client, key: &str) -> f64 {
    until(client, key, &format!("return window['{key}'] !== null")).await;
    let value = client.execute(&format!("return window['{key}']"), vec![]).await.unwrap();
    value.as_f64().unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The scratch database, made fresh for each run.
const DATABASE: &str = "pocket_desktop_bench";

fn main() {
    let url =
        std::env::var("DATABASE_URL").expect("DATABASE_URL: a server that allows CREATE DATABASE");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async move {
        let admin =
            PgPoolOptions::new().max_connections(1).connect(&url).await.expect("connecting");
        sqlx::query(&format!("drop database if exists {DATABASE} with (force)"))
            .execute(&admin)
            .await
            .expect("dropping the old scratch database");
        sqlx::query(&format!("create database {DATABASE}"))
            .execute(&admin)
            .await
            .expect("creating");
        let options: sqlx::postgres::PgConnectOptions = url.parse().expect("the URL");
        let options = options.database(DATABASE).disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .expect("the scratch database");
        pocket_store::migrate(&pool).await.expect("migrating");
        measure(&pool).await;
        pool.close().await;
        sqlx::query(&format!("drop database if exists {DATABASE} with (force)"))
            .execute(&admin)
            .await
            .expect("dropping the scratch database");
    });
}

async fn measure(pool: &PgPool) {
    let pool = pool.clone();
    common::seed(&pool, 40).await;
    let loaded = Instant::now();
    sqlx::raw_sql(include_str!("bulk.sql")).execute(&pool).await.expect("bulk load");
    let total: i64 =
        sqlx::query_scalar("select count(*) from application").fetch_one(&pool).await.unwrap();
    println!("applications in the database: {total} (bulk load {})", ms(loaded.elapsed()));
    let thabo = common::login(&pool, "thabo").await;
    let config = driver::write_config(&common::config_json(&pool));

    let started = Instant::now();
    let (processes, client, launch) = driver::launch_timed(&config).await;
    let session_ready = Instant::now();
    find(&client, "#login").await;
    let to_form = started.elapsed();
    let form_after_session = session_ready.elapsed();
    find(&client, "#login").await.send_keys(&thabo).await.unwrap();
    find(&client, "#password").await.send_keys(common::PASSWORD).await.unwrap();
    watch(&client, "tr.queue-row", "queueShown").await;
    let clicked = Instant::now();
    let clicked_at = epoch_ms(std::time::SystemTime::now());
    find(&client, "#sign-in").await.click().await.unwrap();
    find(&client, "tr.queue-row").await;
    let to_queue = clicked.elapsed();
    let queue_shown = appeared(&client, "queueShown").await - clicked_at;
    let form_shown: f64 =
        body_number(&client, "data-sign-in-ms-at").await.parse().unwrap_or(f64::NAN);
    let app_to_form = form_shown - epoch_ms(launch.session_requested);
    println!("startup to the sign-in form:        {}", ms(to_form));
    println!("  of which the test's virtual display: {}", ms(launch.display));
    println!("  of which tauri-driver starting:      {}", ms(launch.driver));
    println!("  of which the app's window (session): {}", ms(launch.session));
    println!("  then the sign-in form on screen:     {}", ms(form_after_session));
    println!(
        "  in the webview: page start to the UI's code running {} ms, to the form {} ms",
        body_number(&client, "data-boot-ms").await,
        body_number(&client, "data-sign-in-ms").await
    );
    println!("the app alone, launch to the form drawn (page clock): {app_to_form:.0} ms");
    println!("sign-in to an interactive queue:     {} (polled)", ms(to_queue));
    println!("sign-in click to the queue's rows drawn (page clock): {queue_shown:.0} ms");
    println!(
        "startup to queue (without typing):  {} (polled, with display and driver)",
        ms(to_form + to_queue)
    );
    println!(
        "the app alone, launch to the form plus sign-in to the queue: {:.0} ms",
        app_to_form + queue_shown
    );
    println!(
        "queue command (referred tab) as the UI saw it: {} ms",
        body_number(&client, "data-queue-ms").await
    );

    for tab in ["all", "paid_out", "submitted"] {
        reset(&client, "data-queue-ms").await;
        let t = Instant::now();
        find(&client, &format!("button.tab[data-status='{tab}']")).await.click().await.unwrap();
        let command = fresh(&client, "data-queue-ms").await;
        println!("tab {tab:<10} on screen in {} (command {command} ms)", ms(t.elapsed()));
    }
    for term in ["khumalo", "0825", "PL-00512"] {
        let search = find(&client, "#search").await;
        search.clear().await.unwrap();
        search.send_keys(term).await.unwrap();
        reset(&client, "data-queue-ms").await;
        let t = Instant::now();
        search.send_keys(ENTER).await.unwrap();
        let command = fresh(&client, "data-queue-ms").await;
        println!("search {term:<10} on screen in {} (command {command} ms)", ms(t.elapsed()));
    }

    reset(&client, "data-queue-ms").await;
    find(&client, "button.tab[data-status='referred']").await.click().await.unwrap();
    fresh(&client, "data-queue-ms").await;
    let search = find(&client, "#search").await;
    search.clear().await.unwrap();
    reset(&client, "data-queue-ms").await;
    search.send_keys(ENTER).await.unwrap();
    fresh(&client, "data-queue-ms").await;
    for i in 0..5 {
        let cells = format!("tr.queue-row:nth-child({}) td", i + 1);
        find(&client, &cells).await;
        reset(&client, "data-application-ms").await;
        watch(&client, "#application #history", "applicationShown").await;
        let t = Instant::now();
        let clicked_at = epoch_ms(std::time::SystemTime::now());
        // Found and clicked in one step: the list may redraw in between two WebDriver calls.
        let click = format!("document.querySelector(\"{cells}\").click()");
        client.execute(&click, vec![]).await.unwrap();
        find(&client, "#application #history").await;
        let command = fresh(&client, "data-application-ms").await;
        let shown = appeared(&client, "applicationShown").await - clicked_at;
        println!(
            "open application {}: drawn {shown:.0} ms after the click (polled {}, command {command} ms)",
            i + 1,
            ms(t.elapsed())
        );
        reset(&client, "data-queue-ms").await;
        client.execute("window.location.hash = '#/queue'", vec![]).await.unwrap();
        find(&client, "#queue-table").await;
        fresh(&client, "data-queue-ms").await;
        find(&client, "tr.queue-row").await;
    }
    client.close().await.unwrap();
    drop(processes);
    let _ = std::fs::remove_file(&config);
    common::drop_logins(&pool).await;
}
