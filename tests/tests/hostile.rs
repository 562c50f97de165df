//! Hostile and malformed input to the collections cycle: statement lines for references that are
//! not ours, reason codes that are not codes, text with tabs and line breaks, load reports that
//! drop lines, and job payloads that make no sense. Nothing is lost, nothing is applied twice, and
//! what cannot be understood goes to a person.

use chrono::Duration;
use pocket_domain::BusinessCalendar;
use pocket_store::collections::{self as store, BatchStatus, PresentmentStatus, StatementRow};
use pocket_store::loans::{self, InstalmentStatus};
use pocket_store::mandates::{self, MandateStatus};
use pocket_tests::{client, date, morning, officer, open_loan};
use pocket_workflows::collections::{load_report, presentments, statement, submit};
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn unreadable_statement_lines_are_kept_and_routed_to_a_person(pool: PgPool) {
    let calendar = BusinessCalendar::south_africa();
    let paid_out = date(2026, 12, 1);
    let officer_id = officer(&pool).await;
    let loan = open_loan(&pool, 'A', officer_id, morning(paid_out)).await;
    let mut conn = pool.acquire().await.unwrap();
    mandates::set_status(
        &mut conn,
        loan.mandate_id,
        MandateStatus::Authenticated,
        morning(paid_out),
    )
    .await
    .unwrap();
    drop(conn);

    // The day whose two-day cut-off is the first instalment's.
    let due = loans::instalments(&mut pool.acquire().await.unwrap(), loan.loan_id).await.unwrap()
        [0]
    .due_date;
    let mut day = paid_out;
    while presentments::two_day_action_date(&calendar, day) < due {
        day = day.succ_opt().unwrap();
    }
    let prepared = presentments::run_daily(&pool, &calendar, day, morning(day)).await.unwrap();
    assert_eq!(prepared.presentments, 1);
    let batch = prepared.batch.expect("a batch");
    // Running the day again creates nothing more (collections.md rule 1).
    let again = presentments::run_daily(&pool, &calendar, day, morning(day)).await.unwrap();
    assert_eq!((again.presentments, again.batch), (0, None));

    let simulator = pocket_sandbox::netcash::NetcashSimulator::start(
        pocket_sandbox::netcash::NetcashConfig::new(day),
    )
    .await
    .unwrap();
    let provider = client(&simulator);
    submit::submit_batch(&pool, &provider, batch.collection_batch_id, morning(day)).await.unwrap();
    // A second submission of the same batch sends nothing.
    let second = submit::submit_batch(&pool, &provider, batch.collection_batch_id, morning(day))
        .await
        .unwrap();
    assert_eq!(second, submit::Submitted::AlreadyDone(BatchStatus::Submitted));
    assert_eq!(simulator.received("BatchFileUpload"), 1);
    assert_eq!(
        load_report::poll(&pool, &provider, batch.collection_batch_id, morning(day)).await.unwrap(),
        None
    );
    assert_eq!(
        load_report::poll(&pool, &provider, batch.collection_batch_id, morning(day)).await.unwrap(),
        Some(BatchStatus::Loaded)
    );

    let mut conn = pool.acquire().await.unwrap();
    let ours = store::for_loan(&mut conn, loan.loan_id).await.unwrap().remove(0);
    assert_eq!(ours.status, PresentmentStatus::Loaded);
    let rows = vec![
        // Not ours: a reference nobody issued, with a tab and line breaks in its fields.
        StatementRow {
            line_date: due,
            kind: "collected",
            account_reference: "NOT\tOURS\nAT ALL\\".to_owned(),
            reason_text: None,
            amount_cents: 99_999,
            transaction_id: "x\r\ny".to_owned(),
        },
        // Ours, unpaid, with a "code" that is no code.
        StatementRow {
            line_date: due,
            kind: "unpaid",
            account_reference: ours.account_reference.clone(),
            reason_text: Some("Z!9?; drop table loan".to_owned()),
            amount_cents: ours.amount_cents,
            transaction_id: "7".to_owned(),
        },
        // And the same line again in the same statement.
        StatementRow {
            line_date: due,
            kind: "unpaid",
            account_reference: ours.account_reference.clone(),
            reason_text: Some("02".to_owned()),
            amount_cents: ours.amount_cents,
            transaction_id: "8".to_owned(),
        },
    ];
    let today = due.succ_opt().unwrap();
    let mut tx = pool.begin().await.unwrap();
    let done =
        statement::ingest(&mut tx, &calendar, due, today, &rows, morning(today)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((done.lines, done.matched, done.collected, done.returned), (3, 2, 0, 1));

    let after = store::get_presentment(&mut conn, ours.presentment_id).await.unwrap();
    assert_eq!(
        (after.status, after.reason_code.as_deref()),
        (PresentmentStatus::Unpaid, Some("UNK"))
    );
    let flags = store::flags_for_loan(&mut conn, loan.loan_id).await.unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].action, "route_to_person");
    let instalment = loans::instalments(&mut conn, loan.loan_id).await.unwrap().remove(0);
    assert_eq!(instalment.status, InstalmentStatus::Unpaid);
    let verbatim: String = sqlx::query_scalar(
        "select detail->>'reason_text' from presentment_event where presentment_id = $1 and to_status = 'unpaid'",
    )
    .bind(ours.presentment_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(verbatim, "Z!9?; drop table loan", "the unknown code is kept verbatim");
    let stored: String = sqlx::query_scalar(
        "select account_reference from statement_line where transaction_id = $1",
    )
    .bind("x\r\ny")
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(stored, "NOT\tOURS\nAT ALL\\", "COPY kept the text exactly");

    // The same statement again changes nothing.
    let mut tx = pool.begin().await.unwrap();
    let twice =
        statement::ingest(&mut tx, &calendar, due, today, &rows, morning(today)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((twice.collected, twice.returned), (0, 0));
    assert!(pocket_store::ledger::unbalanced_loans(&mut conn).await.unwrap().is_empty());
    // The held loan gets no new presentment however many days run.
    for n in 1..10 {
        let d = today + Duration::days(n);
        let p = presentments::run_daily(&pool, &calendar, d, morning(d)).await.unwrap();
        assert_eq!(p.presentments, 0);
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn lines_the_provider_drops_are_rejected_with_its_message(pool: PgPool) {
    let calendar = BusinessCalendar::south_africa();
    let paid_out = date(2026, 12, 1);
    let officer_id = officer(&pool).await;
    let loan = open_loan(&pool, 'B', officer_id, morning(paid_out)).await;
    let mut conn = pool.acquire().await.unwrap();
    mandates::set_status(
        &mut conn,
        loan.mandate_id,
        MandateStatus::Authenticated,
        morning(paid_out),
    )
    .await
    .unwrap();
    let due = loans::instalments(&mut conn, loan.loan_id).await.unwrap()[0].due_date;
    drop(conn);
    let mut day = paid_out;
    while presentments::two_day_action_date(&calendar, day) < due {
        day = day.succ_opt().unwrap();
    }
    let batch =
        presentments::run_daily(&pool, &calendar, day, morning(day)).await.unwrap().batch.unwrap();
    let simulator = pocket_sandbox::netcash::NetcashSimulator::start(
        pocket_sandbox::netcash::NetcashConfig::new(day),
    )
    .await
    .unwrap();
    // The scenario's account number for loan B.
    simulator.fail_check_digits("62123456781");
    let provider = client(&simulator);
    submit::submit_batch(&pool, &provider, batch.collection_batch_id, morning(day)).await.unwrap();
    // Until the report is ready the batch stays submitted.
    assert_eq!(
        load_report::poll(&pool, &provider, batch.collection_batch_id, morning(day)).await.unwrap(),
        None
    );
    let status =
        load_report::poll(&pool, &provider, batch.collection_batch_id, morning(day)).await.unwrap();
    // The only line was dropped, so the whole file is unsuccessful.
    assert_eq!(status, Some(BatchStatus::Rejected));
    let mut conn = pool.acquire().await.unwrap();
    let p = store::for_loan(&mut conn, loan.loan_id).await.unwrap().remove(0);
    assert_eq!(p.status, PresentmentStatus::Rejected);
    let got = store::get_batch(&mut conn, batch.collection_batch_id).await.unwrap();
    assert!(got.load_report.unwrap().contains("UNSUCCESSFUL"));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_batch_that_does_not_exist_is_never_sent(pool: PgPool) {
    let simulator = pocket_sandbox::netcash::NetcashSimulator::start(
        pocket_sandbox::netcash::NetcashConfig::new(date(2026, 12, 1)),
    )
    .await
    .unwrap();
    let provider = client(&simulator);
    // A batch that does not exist: the store says so, nothing is sent.
    let missing =
        submit::submit_batch(&pool, &provider, Uuid::new_v4(), morning(date(2026, 12, 1))).await;
    assert!(missing.is_err());
    assert_eq!(simulator.received("BatchFileUpload"), 0);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn in_duplum_holds_back_charges_beyond_the_balance_at_default(pool: PgPool) {
    let calendar = BusinessCalendar::south_africa();
    let paid_out = date(2026, 12, 1);
    let officer_id = officer(&pool).await;
    // No authenticated mandate: nothing is collected, so the loan falls into arrears.
    let loan = open_loan(&pool, 'C', officer_id, morning(paid_out)).await;
    let mut conn = pool.acquire().await.unwrap();
    let schedule = loans::instalments(&mut conn, loan.loan_id).await.unwrap();
    drop(conn);
    let first_due = schedule[0].due_date;
    let after = first_due.succ_opt().unwrap();
    presentments::run_daily(&pool, &calendar, first_due, morning(first_due)).await.unwrap();
    presentments::run_daily(&pool, &calendar, after, morning(after)).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let l = loans::get(&mut conn, loan.loan_id).await.unwrap();
    assert_eq!(l.status, pocket_store::loans::LoanStatus::InArrears);
    assert_eq!(l.default_on, Some(after), "default begins when the loan falls into arrears");
    let limit: Option<i64> =
        sqlx::query_scalar("select default_limit_cents from loan where loan_id = $1")
            .bind(loan.loan_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(limit, Some(l.balance_cents), "the balance at default is the limit");

    // Make the limit small, as for a loan defaulting with little owed, and let the next
    // instalment's charges fall due: only the room left is posted.
    sqlx::query("update loan set default_limit_cents = 1000 where loan_id = $1")
        .bind(loan.loan_id)
        .execute(&pool)
        .await
        .unwrap();
    let second_due = schedule[1].due_date;
    let before = pocket_store::ledger::balance(&mut conn, loan.loan_id).await.unwrap().stored_cents;
    presentments::run_daily(&pool, &calendar, second_due, morning(second_due)).await.unwrap();
    let after_second = pocket_store::ledger::balance(&mut conn, loan.loan_id).await.unwrap();
    assert_eq!(after_second.stored_cents - before, 1000, "charges stop at the in duplum limit");
    assert_eq!(after_second.stored_cents, after_second.postings_cents);
    let third_due = schedule[2].due_date;
    presentments::run_daily(&pool, &calendar, third_due, morning(third_due)).await.unwrap();
    let after_third = pocket_store::ledger::balance(&mut conn, loan.loan_id).await.unwrap();
    assert_eq!(after_third.stored_cents, after_second.stored_cents, "nothing more accrues");
}
