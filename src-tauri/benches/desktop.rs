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
    let (processes, client) = driver::launch(&config).await;
    find(&client, "#login").await;
    let to_form = started.elapsed();
    find(&client, "#login").await.send_keys(&thabo).await.unwrap();
    find(&client, "#password").await.send_keys(common::PASSWORD).await.unwrap();
    let clicked = Instant::now();
    find(&client, "#sign-in").await.click().await.unwrap();
    find(&client, "tr.queue-row").await;
    let to_queue = clicked.elapsed();
    println!("startup to the sign-in form:        {}", ms(to_form));
    println!("sign-in to an interactive queue:     {}", ms(to_queue));
    println!("startup to queue (without typing):  {}", ms(to_form + to_queue));
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

    find(&client, "button.tab[data-status='referred']").await.click().await.unwrap();
    let search = find(&client, "#search").await;
    search.clear().await.unwrap();
    search.send_keys(ENTER).await.unwrap();
    for i in 0..5 {
        let cells = format!("tr.queue-row:nth-child({}) td", i + 1);
        find(&client, &cells).await;
        reset(&client, "data-application-ms").await;
        let t = Instant::now();
        find(&client, &cells).await.click().await.unwrap();
        find(&client, "#application #history").await;
        let command = fresh(&client, "data-application-ms").await;
        println!(
            "open application {}: on screen in {} (command {command} ms)",
            i + 1,
            ms(t.elapsed())
        );
        client.execute("window.location.hash = '#/queue'", vec![]).await.unwrap();
        find(&client, "#queue-table").await;
        find(&client, "button.tab[data-status='referred']").await.click().await.unwrap();
        find(&client, "tr.queue-row").await;
    }
    client.close().await.unwrap();
    drop(processes);
    let _ = std::fs::remove_file(&config);
    common::drop_logins(&pool).await;
}
