//! The loans and collections screens in the real app: a collections officer signs in, finds a
//! loan, records a payment received by EFT, reads its statement, and opens the collections
//! calendar with a date's batch and the unpaids by reason code. Screenshots go to
//! target/test-output/desktop/ (`loans-*`).

use fantoccini::Client;
use sqlx::PgPool;

use super::common::driver::{self, ENTER, find, shot, until};
use super::{common, sign_in};

async fn balance(pool: &PgPool, id: &str) -> i64 {
    sqlx::query_scalar("select balance_cents from loan where loan_id = $1::uuid")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("the loan")
}

async fn type_into(client: &Client, css: &str, text: &str) {
    let field = find(client, css).await;
    field.clear().await.expect("clearing the field");
    field.send_keys(text).await.expect("typing");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_collections_officer_records_a_payment_and_opens_the_collections_calendar(pool: PgPool) {
    common::seed(&pool, 80).await;
    let (id, reference, before): (uuid::Uuid, String, i64) = sqlx::query_as(
        "select l.loan_id, a.reference, l.balance_cents from loan l join application a using (application_id)
         where l.status in ('active', 'in_arrears') and l.balance_cents > 50000
         order by l.disbursed_on, l.loan_id limit 1",
    )
    .fetch_one(&pool)
    .await
    .expect("a loan with a balance in the demo data");
    let id = id.to_string();
    let johan = common::login(&pool, "johan").await;
    let config = driver::write_config(&common::config_json(&pool));
    let (processes, client) = driver::launch(&config).await;

    find(&client, "#login").await;
    sign_in(&client, &johan).await;

    // The loans list, searched by the loan's reference.
    find(&client, "#nav-loans").await.click().await.expect("opening the loans");
    find(&client, "#loans-table tr.queue-row").await;
    shot(&client, "loans-01-list").await;
    find(&client, "#loan-search")
        .await
        .send_keys(&format!("{reference}{ENTER}"))
        .await
        .expect("searching");
    until(
        &client,
        "the loan found alone",
        &format!(
            "return document.querySelectorAll('#loans-table tr.queue-row').length === 1 && document.querySelector(\"tr.queue-row[data-reference='{reference}']\") !== null"
        ),
    )
    .await;
    find(&client, &format!("tr.queue-row[data-reference='{reference}'] td"))
        .await
        .click()
        .await
        .expect("opening the loan");
    find(&client, &format!("#loan[data-reference='{reference}']")).await;
    find(&client, "#ledger").await;
    shot(&client, "loans-02-loan").await;

    // A payment of R123.45 received today.
    find(&client, "#record-payment").await.click().await.expect("opening the payment");
    find(&client, "#payment-dialog").await;
    type_into(&client, "#payment-amount", "123.45").await;
    type_into(&client, "#payment-reference", "ABSA 778812").await;
    shot(&client, "loans-03-payment").await;
    find(&client, "#payment-submit").await.click().await.expect("recording the payment");
    find(&client, ".toast-success").await;
    until(
        &client,
        "the dialog closed",
        "return document.querySelector('#payment-dialog') === null",
    )
    .await;
    assert_eq!(balance(&pool, &id).await, before - 12_345);
    let shown = pocket_domain::Money::from_cents(before - 12_345).to_string();
    until(
        &client,
        "the new balance on the page",
        &format!("return document.querySelector('#loan-balance').textContent.includes({shown:?})"),
    )
    .await;
    shot(&client, "loans-04-paid").await;
    let (kind, by): (String, String) = sqlx::query_as(
        "select kind, login_role from ledger_posting where loan_id = $1::uuid order by seq desc limit 1",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((kind.as_str(), by.as_str()), ("payment", johan.as_str()));

    // The statement of account, ready to print.
    find(&client, "#open-statement").await.click().await.expect("opening the statement");
    find(&client, "#statement-sheet").await;
    until(
        &client,
        "the closing balance",
        &format!(
            "return document.querySelector('#statement-closing').textContent.includes({shown:?})"
        ),
    )
    .await;
    shot(&client, "loans-05-statement").await;

    // The collections calendar, the batch of the next batch date, unpaids and flags.
    find(&client, "#nav-collections").await.click().await.expect("opening collections");
    find(&client, "#calendar .calendar-day").await;
    find(&client, "#date-batches").await;
    find(&client, "#unpaids").await;
    find(&client, "#trigger-run").await;
    shot(&client, "loans-06-collections").await;
    // The date whose batch the provider loaded with a dropped line.
    let day: String = sqlx::query_scalar(
        "select action_date::text from collection_batch where status = 'loaded_with_errors' limit 1",
    )
    .fetch_one(&pool)
    .await
    .expect("the demo has a batch with a dropped line");
    find(&client, &format!(".calendar-day[data-date='{day}']"))
        .await
        .click()
        .await
        .expect("choosing the date");
    find(&client, &format!("#date-batches[data-date='{day}'] .load-report")).await;
    find(&client, "#date-batches tr[data-status='rejected']").await;
    shot(&client, "loans-07-batch-with-errors").await;

    client.close().await.expect("closing the session");
    drop(processes);
    let _ = std::fs::remove_file(&config);
    common::drop_logins(&pool).await;
}
