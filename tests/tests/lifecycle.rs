//! Collections end to end over PostgreSQL and the Netcash simulator: four loans from application
//! to paid up through real workers, with successes, an 02 that succeeds when presented again, a
//! 04 that stops collection, a late unpaid after the loan was paid up, and a dispute; the ledger
//! balances at the end of every day.

use pocket_store::collections as store;
use pocket_store::loans::LoanStatus;
use pocket_store::mandates::{self, MandateStatus};
use pocket_tests::{Faults, date, run};
use sqlx::PgPool;

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn four_loans_go_from_pay_out_to_paid_up(pool: PgPool) {
    let run = run(&pool, Faults::default()).await;
    assert_eq!(run.unbalanced_days, vec![], "the ledger balances every day");
    assert_eq!(run.doubly_presented_days, vec![], "never two active presentments");
    assert_eq!(run.loaded_twice, Vec::<String>::new(), "no debit order reached the bank twice");
    assert_eq!(run.dead, vec![], "no collections job gave up");

    for (label, (status, balance, _)) in &run.ending.loans {
        assert_eq!((*status, *balance), (LoanStatus::PaidUp, 0), "loan {label} is paid up");
    }
    let p = &run.ending.presentments;
    // A: three collections, then the last returned (02) after pay-up and collected again.
    let a: Vec<_> = p[&'A'].iter().map(|r| (r.0, r.1, r.3.as_str(), r.4.as_deref())).collect();
    assert_eq!(
        a,
        vec![
            (1, 1, "successful", None),
            (2, 1, "successful", None),
            (3, 1, "unpaid", Some("02")),
            (3, 2, "successful", None),
        ]
    );
    let a3 = &p[&'A'][2];
    let a3_again = &p[&'A'][3];
    assert!(a3_again.2 > date(2027, 3, 3), "presented again after the late unpaid: {a3_again:?}");
    assert!(a3.2 < date(2027, 3, 3));
    // B: 02 on the first debit, collected on the next payday with the second instalment.
    let b: Vec<_> = p[&'B'].iter().map(|r| (r.0, r.1, r.2, r.3.as_str())).collect();
    assert_eq!(b[0], (1, 1, date(2026, 12, 31), "unpaid"));
    assert_eq!(b[1], (1, 2, date(2027, 1, 29), "successful"));
    assert_eq!(b[2], (2, 1, date(2027, 1, 29), "successful"));
    assert_eq!(b[3], (3, 1, date(2027, 2, 26), "successful"));
    // C: 04 stops everything after the first debit.
    let c: Vec<_> = p[&'C'].iter().map(|r| (r.0, r.1, r.3.as_str(), r.4.as_deref())).collect();
    assert_eq!(c, vec![(1, 1, "unpaid", Some("04"))]);
    // D: collected, then disputed; nothing presented after.
    let d: Vec<_> = p[&'D'].iter().map(|r| (r.0, r.1, r.3.as_str(), r.4.as_deref())).collect();
    assert_eq!(d, vec![(1, 1, "disputed", Some("30"))]);

    // The ledger tells the same story.
    let kinds = |label: char, kind: &str| -> Vec<i64> {
        run.ending.loans[&label].2.iter().filter(|p| p.0 == kind).map(|p| p.1).collect()
    };
    assert_eq!(kinds('A', "reversal").len(), 1, "A's late unpaid reversed one collection");
    assert_eq!(kinds('A', "collection").len(), 4);
    assert_eq!(kinds('B', "collection").len(), 3);
    assert_eq!(
        kinds('B', "reversal").len(),
        0,
        "B's 02 was never collected, so nothing to reverse"
    );
    assert_eq!(kinds('C', "collection").len(), 0);
    assert_eq!(kinds('C', "payment").len(), 1, "C was settled by EFT");
    assert_eq!(kinds('D', "reversal").len(), 1, "D's dispute reversed its collection");
    assert_eq!(kinds('D', "payment").len(), 1, "D was settled by EFT");
    for label in ['A', 'B', 'C', 'D'] {
        let total: i64 = run.ending.loans[&label].2.iter().map(|p| p.1).sum();
        assert_eq!(total, 0, "loan {label}'s postings sum to its zero balance");
    }

    // The stops: flags for an officer, the mandate suspended, no SMS after a dispute is not
    // required but the flag is.
    let mut conn = pool.acquire().await.unwrap();
    let loan = |label: char| run.loans.iter().find(|l| l.label == label).unwrap().clone();
    let c_flags = store::flags_for_loan(&mut conn, loan('C').loan_id).await.unwrap();
    assert_eq!(
        c_flags.iter().map(|f| (f.action.as_str(), f.reason_code.as_deref())).collect::<Vec<_>>(),
        vec![("new_mandate", Some("04"))]
    );
    let d_flags = store::flags_for_loan(&mut conn, loan('D').loan_id).await.unwrap();
    assert_eq!(
        d_flags.iter().map(|f| (f.action.as_str(), f.reason_code.as_deref())).collect::<Vec<_>>(),
        vec![("dispute", Some("30"))]
    );
    for label in ['C', 'D'] {
        let m = mandates::request(&mut conn, loan(label).mandate_id).await.unwrap();
        assert_eq!(m.status, MandateStatus::Suspended, "loan {label}'s mandate is suspended");
    }
    let a_mandate = mandates::request(&mut conn, loan('A').mandate_id).await.unwrap();
    assert_eq!(a_mandate.status, MandateStatus::Authenticated);
    assert!(
        a_mandate.provider_reference.is_some(),
        "the mandate was requested through the provider"
    );

    // Every presentment's status is the last of its appended events (collections.md rule 3).
    for l in &run.loans {
        for p in store::for_loan(&mut conn, l.loan_id).await.unwrap() {
            let events = store::events(&mut conn, p.presentment_id).await.unwrap();
            assert_eq!(events.last().map(|e| e.to_status), Some(p.status));
            assert_eq!(events.first().and_then(|e| e.from_status), None);
        }
    }
}
