//! The rules the set-based triggers of the collections cycle keep (migration 000012): an event's
//! from-status is checked against the presentment it moves, events record the role in effect,
//! only a presentment's first event comes from no status, references between presentments,
//! events, postings and their loans hold as a foreign key would, one notification per statement,
//! and what people change is still audited.

use pocket_domain::BusinessCalendar;
use pocket_store::collections::{self as store, PresentmentStatus};
use pocket_store::listen::{self, Change, ChangeOp};
use pocket_store::loans;
use pocket_store::mandates::{self, MandateStatus};
use pocket_tests::{ScenarioLoan, date, morning, officer, open_loan};
use pocket_workflows::collections::presentments;
use sqlx::PgPool;
use uuid::Uuid;

/// Loans with authenticated mandates, and the day whose batch presents their first instalment.
async fn loans_due(pool: &PgPool, labels: &[char]) -> (Vec<ScenarioLoan>, chrono::NaiveDate) {
    let calendar = BusinessCalendar::south_africa();
    let paid_out = date(2026, 12, 1);
    let officer_id = officer(pool).await;
    let mut opened = Vec::new();
    for &label in labels {
        let loan = open_loan(pool, label, officer_id, morning(paid_out)).await;
        let mut conn = pool.acquire().await.unwrap();
        mandates::set_status(
            &mut conn,
            loan.mandate_id,
            MandateStatus::Authenticated,
            morning(paid_out),
        )
        .await
        .unwrap();
        opened.push(loan);
    }
    let mut conn = pool.acquire().await.unwrap();
    let due = loans::instalments(&mut conn, opened[0].loan_id).await.unwrap()[0].due_date;
    let mut day = paid_out;
    while presentments::two_day_action_date(&calendar, day) < due {
        day = day.succ_opt().unwrap();
    }
    (opened, day)
}

/// The SQLSTATE and constraint of a failed statement.
fn failure(result: Result<sqlx::postgres::PgQueryResult, sqlx::Error>) -> (String, String) {
    match result {
        Err(sqlx::Error::Database(e)) => (
            e.code().map(|c| c.into_owned()).unwrap_or_default(),
            e.constraint().unwrap_or_default().to_owned(),
        ),
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn one_pass_creates_the_presentments_inside_their_batch_with_ascending_references(
    pool: PgPool,
) {
    let (opened, day) = loans_due(&pool, &['A', 'B', 'C']).await;
    let calendar = BusinessCalendar::south_africa();
    let prepared = presentments::run_daily(&pool, &calendar, day, morning(day)).await.unwrap();
    assert_eq!(prepared.presentments, 3);
    let batch = prepared.batch.expect("a batch");
    let mut conn = pool.acquire().await.unwrap();
    let lines = store::in_batch(&mut conn, batch.collection_batch_id).await.unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(batch.item_count, 3);
    assert_eq!(batch.total_cents, lines.iter().map(|p| p.amount_cents).sum::<i64>());
    let prefix = format!("P{}{}", prepared.action_date.format("%Y%m%d"), batch.sequence);
    for p in &lines {
        assert!(p.account_reference.starts_with(&prefix), "{}", p.account_reference);
        assert!((2..=22).contains(&p.account_reference.len()));
        assert_eq!(p.status, PresentmentStatus::Pending);
        assert!(opened.iter().any(|l| l.loan_id == p.loan_id));
        // The opening event, with no status before it.
        let events = store::events(&mut conn, p.presentment_id).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].from_status, events[0].to_status),
            (None, PresentmentStatus::Pending)
        );
    }
    // Writing a presentment straight into its batch is not a change of its batch: no audit copy
    // of a second write.
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where table_name = 'presentment'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(audited, 0);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_event_from_a_status_the_presentment_is_no_longer_in_changes_nothing(pool: PgPool) {
    let (_, day) = loans_due(&pool, &['A']).await;
    let calendar = BusinessCalendar::south_africa();
    let batch = presentments::run_daily(&pool, &calendar, day, morning(day))
        .await
        .unwrap()
        .batch
        .expect("a batch");
    let mut conn = pool.acquire().await.unwrap();
    let p = store::in_batch(&mut conn, batch.collection_batch_id).await.unwrap().remove(0);

    let stale = sqlx::query(
        "insert into presentment_event (presentment_id, from_status, to_status) values ($1, 'submitted', 'successful')",
    )
    .bind(p.presentment_id)
    .execute(&mut *conn)
    .await;
    assert_eq!(failure(stale), ("40001".to_owned(), "presentment_event_from_status".to_owned()));
    assert_eq!(
        store::get_presentment(&mut conn, p.presentment_id).await.unwrap().status,
        PresentmentStatus::Pending
    );
    assert_eq!(store::events(&mut conn, p.presentment_id).await.unwrap().len(), 1);

    // The same event from the status it is in moves it.
    sqlx::query(
        "insert into presentment_event (presentment_id, from_status, to_status) values ($1, 'pending', 'submitted')",
    )
    .bind(p.presentment_id)
    .execute(&mut *conn)
    .await
    .unwrap();
    assert_eq!(
        store::get_presentment(&mut conn, p.presentment_id).await.unwrap().status,
        PresentmentStatus::Submitted
    );
    // Leaving from_status out still works: the database fills it in.
    sqlx::query("insert into presentment_event (presentment_id, to_status) values ($1, 'loaded')")
        .bind(p.presentment_id)
        .execute(&mut *conn)
        .await
        .unwrap();
    let events = store::events(&mut conn, p.presentment_id).await.unwrap();
    assert_eq!(events.last().unwrap().from_status, Some(PresentmentStatus::Submitted));
    assert_eq!(
        store::get_presentment(&mut conn, p.presentment_id).await.unwrap().status,
        PresentmentStatus::Loaded
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn events_cannot_claim_another_role_come_twice_in_one_statement_or_reopen_a_presentment(
    pool: PgPool,
) {
    let (_, day) = loans_due(&pool, &['A']).await;
    let calendar = BusinessCalendar::south_africa();
    let batch = presentments::run_daily(&pool, &calendar, day, morning(day))
        .await
        .unwrap()
        .batch
        .expect("a batch");
    let mut conn = pool.acquire().await.unwrap();
    let p = store::in_batch(&mut conn, batch.collection_batch_id).await.unwrap().remove(0);

    let forged = sqlx::query(
        "insert into presentment_event (presentment_id, from_status, to_status, effective_role)
         values ($1, 'pending', 'submitted', 'pocket_supervisor')",
    )
    .bind(p.presentment_id)
    .execute(&mut *conn)
    .await;
    assert_eq!(
        failure(forged),
        ("23514".to_owned(), "presentment_event_effective_role".to_owned())
    );

    let twice = sqlx::query(
        "insert into presentment_event (presentment_id, from_status, to_status)
         values ($1, 'pending', 'submitted'), ($1, 'submitted', 'loaded')",
    )
    .bind(p.presentment_id)
    .execute(&mut *conn)
    .await;
    assert_eq!(
        failure(twice),
        ("23514".to_owned(), "presentment_event_one_per_statement".to_owned())
    );

    // An event without from_status written from inside a trigger (where the row-level step does
    // not run) is an opening event, and this presentment already has one.
    sqlx::raw_sql(
        "create temp table poke (presentment_id uuid);
         create function pg_temp.poke() returns trigger language plpgsql as $$
         begin
             insert into presentment_event (presentment_id, to_status)
             select presentment_id, 'cancelled' from new_rows;
             return null;
         end $$;
         create trigger poke after insert on poke referencing new table as new_rows
             for each statement execute function pg_temp.poke();",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let reopened = sqlx::query("insert into poke values ($1)")
        .bind(p.presentment_id)
        .execute(&mut *conn)
        .await;
    assert_eq!(failure(reopened), ("23514".to_owned(), "presentment_event_from_status".to_owned()));

    assert_eq!(store::events(&mut conn, p.presentment_id).await.unwrap().len(), 1);
    assert_eq!(
        store::get_presentment(&mut conn, p.presentment_id).await.unwrap().status,
        PresentmentStatus::Pending
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn references_hold_as_foreign_keys_do(pool: PgPool) {
    let (opened, day) = loans_due(&pool, &['A']).await;
    let loan = &opened[0];
    let calendar = BusinessCalendar::south_africa();
    let batch = presentments::run_daily(&pool, &calendar, day, morning(day))
        .await
        .unwrap()
        .batch
        .expect("a batch");
    let mut conn = pool.acquire().await.unwrap();
    let p = store::in_batch(&mut conn, batch.collection_batch_id).await.unwrap().remove(0);
    let nobody = Uuid::new_v4();

    let cases = [
        (
            format!(
                "insert into presentment (instalment_id, loan_id, mandate_id, attempt, amount_cents, action_date, account_reference)
                 values ('{}', '{nobody}', '{}', 3, 100, current_date, 'X1')",
                loan.instalment_ids[1], loan.mandate_id
            ),
            "presentment_loan_fkey",
        ),
        (
            format!(
                "insert into presentment (instalment_id, loan_id, mandate_id, attempt, amount_cents, action_date, account_reference)
                 values ('{nobody}', '{}', '{}', 1, 100, current_date, 'X2')",
                loan.loan_id, loan.mandate_id
            ),
            "presentment_instalment_fkey",
        ),
        (
            format!(
                "insert into presentment (instalment_id, loan_id, mandate_id, attempt, amount_cents, action_date, account_reference)
                 values ('{}', '{}', '{nobody}', 3, 100, current_date, 'X3')",
                loan.instalment_ids[1], loan.loan_id
            ),
            "presentment_mandate_fkey",
        ),
        (
            format!(
                "update presentment set collection_batch_id = '{nobody}' where presentment_id = '{}'",
                p.presentment_id
            ),
            "presentment_batch_fkey",
        ),
        (
            format!("insert into presentment_event (presentment_id, to_status) values ('{nobody}', 'cancelled')"),
            "presentment_event_presentment_fkey",
        ),
        (
            format!(
                "insert into ledger_posting (loan_id, kind, amount_cents, effective_date, reference)
                 values ('{nobody}', 'payment', -100, current_date, 'EFT')"
            ),
            "ledger_posting_loan_fkey",
        ),
        (
            format!(
                "insert into ledger_posting (loan_id, kind, amount_cents, effective_date, instalment_id, reference)
                 values ('{}', 'payment', -100, current_date, '{nobody}', 'EFT')",
                loan.loan_id
            ),
            "ledger_posting_instalment_fkey",
        ),
        (
            format!(
                "insert into ledger_posting (loan_id, kind, amount_cents, effective_date, presentment_id, reference)
                 values ('{}', 'collection', -100, current_date, '{nobody}', 'debit order')",
                loan.loan_id
            ),
            "ledger_posting_presentment_fkey",
        ),
        (
            format!("delete from presentment where presentment_id = '{}'", p.presentment_id),
            "presentment_event_presentment_fkey",
        ),
        (
            format!("delete from instalment where instalment_id = '{}'", p.instalment_id),
            "presentment_instalment_fkey",
        ),
        (format!("delete from mandate where mandate_id = '{}'", loan.mandate_id), "presentment_mandate_fkey"),
        (
            format!(
                "delete from collection_batch where collection_batch_id = '{}'",
                batch.collection_batch_id
            ),
            "presentment_batch_fkey",
        ),
        (
            format!("update loan set loan_id = '{nobody}' where loan_id = '{}'", loan.loan_id),
            "loan_pkey",
        ),
    ];
    for (sql, constraint) in cases {
        let result = sqlx::raw_sql(&sql).execute(&mut *conn).await;
        assert_eq!(failure(result), ("23503".to_owned(), constraint.to_owned()), "{sql}");
    }
    // Nothing of it stuck.
    assert_eq!(store::for_loan(&mut conn, loan.loan_id).await.unwrap(), vec![p.clone()]);
    let postings: i64 =
        sqlx::query_scalar("select count(*) from ledger_posting where loan_id = $1")
            .bind(loan.loan_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let balance: i64 = sqlx::query_scalar("select balance_cents from loan where loan_id = $1")
        .bind(loan.loan_id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let sum: i64 = sqlx::query_scalar(
        "select coalesce(sum(amount_cents), 0)::bigint from ledger_posting where loan_id = $1",
    )
    .bind(loan.loan_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert!(postings > 0);
    assert_eq!(balance, sum);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_statement_is_announced_once_with_its_row_or_as_many(pool: PgPool) {
    let (opened, day) = loans_due(&pool, &['A', 'B']).await;
    let mut listener = listen::listener(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    // One loan changed: its key, as before.
    sqlx::query("update loan set no_sms_contact = true where loan_id = $1")
        .bind(opened[0].loan_id)
        .execute(&mut *conn)
        .await
        .unwrap();
    let one = Change::parse(&listener.recv().await.unwrap()).unwrap();
    assert_eq!(
        one,
        Change { table: "loan".into(), id: opened[0].loan_id.to_string(), op: ChangeOp::Update }
    );
    // Both loans changed in one statement: one announcement for the table.
    sqlx::query("update loan set no_sms_contact = false where loan_id = any($1)")
        .bind(opened.iter().map(|l| l.loan_id).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .unwrap();
    let many = Change::parse(&listener.recv().await.unwrap()).unwrap();
    assert_eq!(many, Change { table: "loan".into(), id: "*".into(), op: ChangeOp::Update });
    // The day's presentments: one announcement for the two new rows.
    let calendar = BusinessCalendar::south_africa();
    let prepared = presentments::run_daily(&pool, &calendar, day, morning(day)).await.unwrap();
    assert_eq!(prepared.presentments, 2);
    let mut presentment_changes = Vec::new();
    while presentment_changes.is_empty() {
        let change = Change::parse(&listener.recv().await.unwrap()).unwrap();
        if change.table == "presentment" {
            presentment_changes.push(change);
        }
    }
    assert_eq!(
        presentment_changes[0],
        Change { table: "presentment".into(), id: "*".into(), op: ChangeOp::Insert }
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn what_people_change_is_still_audited(pool: PgPool) {
    let (opened, day) = loans_due(&pool, &['A']).await;
    let calendar = BusinessCalendar::south_africa();
    let batch = presentments::run_daily(&pool, &calendar, day, morning(day))
        .await
        .unwrap()
        .batch
        .expect("a batch");
    let mut conn = pool.acquire().await.unwrap();
    let p = store::in_batch(&mut conn, batch.collection_batch_id).await.unwrap().remove(0);
    let count = |table: &'static str, key: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from audit_log where table_name = $1 and row_key = $2",
            )
            .bind(table)
            .bind(key)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // A status move is an event, not an audit copy.
    sqlx::query(
        "insert into presentment_event (presentment_id, to_status) values ($1, 'cancelled')",
    )
    .bind(p.presentment_id)
    .execute(&mut *conn)
    .await
    .unwrap();
    assert_eq!(count("presentment", p.presentment_id.to_string()).await, 0);
    // Taking it out of its batch is a change of another column: audited, old and new.
    sqlx::query("update presentment set collection_batch_id = null where presentment_id = $1")
        .bind(p.presentment_id)
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(count("presentment", p.presentment_id.to_string()).await, 1);
    // A loan's hold and an EFT payment are audited; the balance the payment moves is the ledger's.
    let loan_id = opened[0].loan_id;
    let before = count("loan", loan_id.to_string()).await;
    sqlx::query("update loan set collection_hold = 'review', collection_hold_since = current_date where loan_id = $1")
        .bind(loan_id)
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(count("loan", loan_id.to_string()).await, before + 1);
    let posting: Uuid = sqlx::query_scalar(
        "insert into ledger_posting (loan_id, kind, amount_cents, effective_date, reference)
         values ($1, 'payment', -1000, current_date, 'EFT 123') returning ledger_posting_id",
    )
    .bind(loan_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(count("ledger_posting", posting.to_string()).await, 1);
    assert_eq!(count("loan", loan_id.to_string()).await, before + 1);
}
