//! The ledger: the balance is the sum of the postings, through collections, disputes and write-off.

use pocket_store::StoreError;
use pocket_store::collections::{self, NewEvent, PresentmentStatus};
use pocket_store::ledger::{self, NewPosting, PostingKind};
use pocket_store::loans::{self, LoanStatus};
use sqlx::PgPool;

use crate::common::{self, day};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_collection_then_a_dispute_leaves_the_balance_equal_to_the_sum_of_postings(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    let p = common::present(&mut conn, &f, 0, 1).await.unwrap();
    let success = NewEvent {
        presentment_id: p,
        to_status: PresentmentStatus::Successful,
        reason_code: None,
        provider_reference: None,
        detail: serde_json::json!({}),
    };
    collections::record_event(&mut conn, &success).await.unwrap();
    let collected = ledger::post(
        &mut conn,
        &NewPosting {
            loan_id: f.loan_id,
            kind: PostingKind::Collection,
            amount: pocket_domain::Money::from_cents(-121_900),
            effective_date: day(2026, 11, 25),
            instalment_id: Some(f.instalments[0]),
            presentment_id: Some(p),
            reference: "debit order".into(),
        },
    )
    .await
    .unwrap();
    // collections.md code 30: a dispute reverses the collection on the ledger.
    let dispute = NewEvent {
        to_status: PresentmentStatus::Disputed,
        reason_code: Some("30".into()),
        ..success
    };
    collections::record_event(&mut conn, &dispute).await.unwrap();
    ledger::reverse(&mut conn, collected, day(2026, 12, 20), "dispute code 30").await.unwrap();

    let balance = ledger::balance(&mut conn, f.loan_id).await.unwrap();
    assert_eq!(balance.stored_cents, balance.postings_cents);
    assert_eq!(balance.stored_cents, 300_000 + 36_500 + 5_475);
    assert!(ledger::unbalanced_loans(&mut conn).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_collection_posting_must_name_its_presentment(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 2).await;
    let result = ledger::post(
        &mut conn,
        &NewPosting {
            loan_id: f.loan_id,
            kind: PostingKind::Collection,
            amount: pocket_domain::Money::from_cents(-100),
            effective_date: day(2026, 11, 25),
            instalment_id: None,
            presentment_id: None,
            reference: "debit order".into(),
        },
    )
    .await;
    assert!(
        matches!(&result, Err(StoreError::Rejected { constraint }) if constraint == "ledger_posting_collection_cause_check")
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_supervisor_write_off_clears_the_balance(pool: PgPool) {
    let mut tx = pool.begin().await.unwrap();
    let f = common::loan(&mut tx, 3).await;
    sqlx::query("set local role pocket_supervisor").execute(&mut *tx).await.unwrap();
    loans::write_off(&mut tx, f.loan_id, day(2027, 6, 1), "estate sequestrated (code 08)")
        .await
        .unwrap();
    let loan = loans::get(&mut tx, f.loan_id).await.unwrap();
    assert_eq!((loan.status, loan.balance_cents), (LoanStatus::WrittenOff, 0));
    tx.commit().await.unwrap();
}
