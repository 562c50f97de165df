//! The demo seed makes a consistent data set through the store's own functions.

use pocket_store::applications::ApplicationStatus;
use pocket_store::demo::{self, DemoOptions};
use pocket_store::{collections, ledger};
use sqlx::PgPool;

use crate::common::day;

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_demo_seed_covers_every_status_balances_every_ledger_and_runs_only_once(pool: PgPool) {
    let options = DemoOptions { applicants: 200, seed: 7, today: day(2026, 11, 25) };
    let summary = demo::seed(&pool, options).await.unwrap();

    assert_eq!(summary.applicants, 200);
    for status in ApplicationStatus::ALL {
        assert!(
            summary.applications_by_status.get(status.as_str()).copied().unwrap_or(0) > 0,
            "no application is {status}: {summary}"
        );
    }
    assert!(summary.loans_by_status.values().sum::<i64>() >= 50, "{summary}");
    assert!(summary.presentments_by_status.contains_key("successful"), "{summary}");
    assert!(summary.presentments_by_status.contains_key("unpaid"), "{summary}");
    assert!(summary.presentments_by_status.contains_key("pending"), "{summary}");
    assert!(summary.unpaids_by_reason.len() >= 3, "{summary}");
    assert_eq!(summary.officers.len(), 10);
    assert!(summary.notifications > 0 && summary.jobs > 0);

    let mut conn = pool.acquire().await.unwrap();
    assert!(ledger::unbalanced_loans(&mut conn).await.unwrap().is_empty());
    let loans: Vec<uuid::Uuid> =
        sqlx::query_scalar("select loan_id from loan").fetch_all(&mut *conn).await.unwrap();
    for loan_id in loans {
        let balance = ledger::balance(&mut conn, loan_id).await.unwrap();
        assert_eq!(balance.stored_cents, balance.postings_cents, "loan {loan_id}");
    }
    assert_eq!(collections::instalments_with_two_active(&mut conn).await.unwrap(), 0);
    // Paid-up loans owe nothing; re-presentments happened.
    let paid_up_owing: i64 = sqlx::query_scalar(
        "select count(*) from loan where status = 'paid_up' and balance_cents <> 0",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(paid_up_owing, 0);
    let represented: i64 = sqlx::query_scalar("select count(*) from presentment where attempt > 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(represented > 0);

    // A second run adds nothing.
    let again = demo::seed(&pool, options).await.unwrap();
    assert!(again.already_seeded);
    assert_eq!(again.applicants, 200);
    assert_eq!(again.applications_by_status, summary.applications_by_status);
    assert!(again.to_string().contains("already had data"));

    assert_eq!(demo::drop_demo_logins(&pool).await.unwrap(), 10);
}

async fn fingerprint(pool: &PgPool) -> String {
    sqlx::query_scalar::<_, String>(
        r#"select string_agg(concat_ws(':', a.reference, a.status, a.requested_amount_cents, p.id_number, p.msisdn,
                                       l.balance_cents, (select string_agg(status || coalesce(reason_code, ''), '/' order by account_reference)
                                                         from presentment where loan_id = l.loan_id)),
                             ',' order by a.reference)
           from application a join applicant p using (applicant_id) left join loan l using (application_id)"#,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_same_options_give_the_same_data_in_another_database(pool: PgPool) {
    let options = DemoOptions { applicants: 60, seed: 11, today: day(2026, 11, 25) };
    demo::seed(&pool, options).await.unwrap();
    let here = fingerprint(&pool).await;
    demo::drop_demo_logins(&pool).await.unwrap();

    // A twin database in the same cluster, migrated and seeded the same way.
    let name: String =
        sqlx::query_scalar("select current_database() || '_twin'").fetch_one(&pool).await.unwrap();
    sqlx::query(&format!("drop database if exists {name}")).execute(&pool).await.unwrap();
    sqlx::query(&format!("create database {name}")).execute(&pool).await.unwrap();
    let options_twin = (*pool.connect_options()).clone().database(&name);
    let twin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options_twin)
        .await
        .unwrap();
    pocket_store::MIGRATOR.run(&twin).await.unwrap();
    demo::seed(&twin, options).await.unwrap();
    let there = fingerprint(&twin).await;
    demo::drop_demo_logins(&twin).await.unwrap();
    twin.close().await;
    sqlx::query(&format!("drop database {name}")).execute(&pool).await.unwrap();
    assert_eq!(here, there);
}
