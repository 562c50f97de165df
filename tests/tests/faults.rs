//! Fault tests of the collections cycle: whatever fails, no instalment is presented twice,
//! nothing is lost, and the final ledger equals the fault-free run's. The fault-free run is made
//! in a database of its own next to the test's.

use pocket_tests::{Faults, Run, date, run};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection as _, PgConnection, PgPool};

/// The same scenario without faults, in a fresh database beside the test's.
async fn fault_free(pool: &PgPool, name: &str) -> Run {
    let options = (*pool.connect_options()).clone();
    let mut admin = PgConnection::connect_with(&options).await.unwrap();
    let db = format!("pocket_fault_free_{name}_{}", std::process::id());
    sqlx::query(&format!("drop database if exists {db}")).execute(&mut admin).await.unwrap();
    sqlx::query(&format!("create database {db}")).execute(&mut admin).await.unwrap();
    let other = PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options.clone().database(&db))
        .await
        .unwrap();
    pocket_store::MIGRATOR.run(&other).await.unwrap();
    let run = run(&other, Faults::default()).await;
    other.close().await;
    sqlx::query(&format!("drop database if exists {db} with (force)"))
        .execute(&mut admin)
        .await
        .unwrap();
    run
}

fn assert_clean(run: &Run) {
    assert_eq!(run.unbalanced_days, vec![], "the ledger balances every day");
    assert_eq!(run.doubly_presented_days, vec![], "never two active presentments");
    assert_eq!(run.loaded_twice, Vec::<String>::new(), "no debit order reached the bank twice");
    assert_eq!(run.dead, vec![], "no collections job gave up");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_provider_times_out_after_receiving_the_batch(pool: PgPool) {
    let faulty =
        run(&pool, Faults { upload_timeout_on: Some(date(2026, 12, 29)), ..Faults::default() })
            .await;
    assert_clean(&faulty);
    assert_eq!(
        faulty.reconciled_batches, 1,
        "the unknown upload was settled by asking the provider"
    );
    let expected = fault_free(&pool, "timeout").await;
    assert_eq!(expected.reconciled_batches, 0);
    assert_eq!(faulty.upload_calls, expected.upload_calls, "nothing was sent again");
    assert_eq!(faulty.ending, expected.ending);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_worker_is_killed_between_submitting_and_recording(pool: PgPool) {
    let faulty =
        run(&pool, Faults { kill_after_upload_on: Some(date(2027, 1, 27)), ..Faults::default() })
            .await;
    assert_clean(&faulty);
    assert_eq!(faulty.reconciled_batches, 1, "the fresh worker asked the provider first");
    let expected = fault_free(&pool, "kill").await;
    assert_eq!(faulty.upload_calls, expected.upload_calls, "nothing was sent again");
    assert_eq!(faulty.ending, expected.ending);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn every_statement_arrives_twice(pool: PgPool) {
    let faulty = run(&pool, Faults { statement_twice: true, ..Faults::default() }).await;
    assert_clean(&faulty);
    let expected = fault_free(&pool, "twice").await;
    assert_eq!(
        faulty.statement_loads,
        2 * expected.statement_loads,
        "every statement was read twice"
    );
    assert_eq!(faulty.ending, expected.ending);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn two_workers_run_at_once(pool: PgPool) {
    let faulty = run(&pool, Faults { two_workers: true, ..Faults::default() }).await;
    assert_clean(&faulty);
    let expected = fault_free(&pool, "two").await;
    assert_eq!(faulty.upload_calls, expected.upload_calls, "one upload per batch");
    assert_eq!(faulty.ending, expected.ending);
}
