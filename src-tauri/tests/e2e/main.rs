//! The real app end to end: the built binary under a virtual display (Xvfb), driven through
//! tauri-driver and WebKitWebDriver (TOOLCHAIN.md), on a fresh database with the demo data. An
//! officer signs in, finds an application in the queue, opens it, approves it, and sees the queue
//! change live when another process changes an application; an auditor is refused the approval.
//! Screenshots of each screen go to target/test-output/desktop/.
//!
//! Needs `Xvfb`, `tauri-driver` (`cargo install tauri-driver --version 2.1.0 --locked`) and
//! `/usr/bin/WebKitWebDriver` (Debian's webkit2gtk-driver); .ci/run installs them.

mod admin;
#[path = "../common/mod.rs"]
mod common;

use common::driver::{self, ENTER, find, shot, until};
use fantoccini::Client;
use sqlx::PgPool;

async fn sign_in(client: &Client, login: &str) {
    find(client, "#login").await.send_keys(login).await.expect("typing the login");
    find(client, "#password").await.send_keys(common::PASSWORD).await.expect("typing");
    find(client, "#sign-in").await.click().await.expect("signing in");
    find(client, "#queue-table").await;
}

async fn open_by_search(client: &Client, reference: &str) {
    // "All" so that the search spans every status.
    find(client, "button.tab[data-status='all']").await.click().await.expect("the All tab");
    let search = find(client, "#search").await;
    search.send_keys(&format!("{reference}{ENTER}")).await.expect("searching");
    find(client, &format!("tr.queue-row[data-reference='{reference}']")).await;
    until(
        client,
        "the search result alone",
        "return document.querySelectorAll('tr.queue-row').length === 1",
    )
    .await;
    // Found again after the list settled: the earlier element may have been re-rendered.
    let cell = find(client, &format!("tr.queue-row[data-reference='{reference}'] td")).await;
    cell.click().await.expect("opening the application");
    find(client, &format!("#application[data-reference='{reference}']")).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_officer_approves_in_the_real_app_and_an_auditor_is_refused(pool: PgPool) {
    common::seed(&pool, 60).await;
    let (approve_id, approve_ref) = common::referred_application(&pool, 250_000, 0).await;
    let (live_id, live_ref) = common::referred_application(&pool, 150_000, 1).await;
    let (_, refused_ref) = common::referred_application(&pool, 120_000, 2).await;
    let thabo = common::login(&pool, "thabo").await;
    let fatima = common::login(&pool, "fatima").await;
    let config = driver::write_config(&common::config_json(&pool));
    let (processes, client) = driver::launch(&config).await;

    // The officer signs in and sees the queue.
    find(&client, "#login").await;
    shot(&client, "01-sign-in").await;
    sign_in(&client, &thabo).await;
    find(&client, "tr.queue-row").await;
    shot(&client, "02-queue").await;

    // Finds the application by its reference and opens it.
    open_by_search(&client, &approve_ref).await;
    find(&client, "#documents").await;
    shot(&client, "03-application").await;

    // Approves it: the page shows the new status.
    find(&client, "#approve").await.click().await.expect("approving");
    find(&client, "#status .badge[data-status='approved']").await;
    find(&client, ".toast-success").await;
    shot(&client, "04-approved").await;
    let status: String =
        sqlx::query_scalar("select status from application where application_id = $1::uuid")
            .bind(&approve_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "approved");

    // Back to the queue (Escape): the referred tab no longer lists it. Then another process
    // declines an application on screen, and the queue drops it without any click.
    client.execute("window.location.hash = '#/queue'", vec![]).await.unwrap();
    find(&client, &format!("tr.queue-row[data-reference='{live_ref}']")).await;
    let gone = |reference: &str| {
        format!(
            "return document.querySelector(\"tr.queue-row[data-reference='{reference}']\") === null && document.querySelector('tr.queue-row') !== null"
        )
    };
    until(&client, "the approved application off the referred queue", &gone(&approve_ref)).await;
    sqlx::query("update application set status = 'declined' where application_id = $1::uuid")
        .bind(&live_id)
        .execute(&pool)
        .await
        .unwrap();
    until(&client, "the live update of the queue", &gone(&live_ref)).await;
    shot(&client, "05-queue-updated").await;

    // An auditor signs in, opens an application, and is refused the approval.
    find(&client, "#sign-out").await.click().await.expect("signing out");
    find(&client, "#login").await;
    sign_in(&client, &fatima).await;
    open_by_search(&client, &refused_ref).await;
    find(&client, "#approve").await.click().await.expect("trying to approve");
    let toast = find(&client, ".toast-error").await;
    let text = toast.text().await.unwrap();
    assert!(text.contains("Only officers and supervisors"), "the refusal says why: {text}");
    assert!(text.contains("ref. E-"), "the refusal has a reference: {text}");
    shot(&client, "06-refused").await;
    let status: String = sqlx::query_scalar("select status from application where reference = $1")
        .bind(&refused_ref)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "referred");

    client.close().await.expect("closing the session");
    drop(processes);
    let _ = std::fs::remove_file(&config);
    common::drop_logins(&pool).await;
}

mod loans;
mod review;
