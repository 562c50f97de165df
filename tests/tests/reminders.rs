//! The messages around a debit order (crates/workflows/src/collections/arrears.rs): the reminder
//! the day before a debit runs, only when that day is a business day, once per debit; the message
//! after a debit comes back unpaid, once however often the statement is read; and nothing for a
//! holder who may not be contacted (collections.md, code 18: no further contact by SMS).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use pocket_domain::BusinessCalendar;
use pocket_store::collections::{self as store, Presentment, StatementRow};
use pocket_store::mandates::{self, MandateStatus};
use pocket_store::notifications::{self, Notification, NotificationChannel};
use pocket_tests::{ScenarioLoan, date, morning, officer, open_loan};
use pocket_workflows::collections::{presentments, statement};
use sqlx::PgPool;
use uuid::Uuid;

/// A paid-out loan with an authenticated mandate, its applicant, and its first presentment with
/// the day the daily run created it.
struct Debit {
    loan: ScenarioLoan,
    applicant_id: Uuid,
    presentment: Presentment,
    prepared_on: NaiveDate,
}

async fn first_debit(pool: &PgPool, label: char) -> Debit {
    let calendar = BusinessCalendar::south_africa();
    let paid_out = date(2026, 12, 1);
    let loan = open_loan(pool, label, officer(pool).await, morning(paid_out)).await;
    let mut conn = pool.acquire().await.unwrap();
    mandates::set_status(
        &mut conn,
        loan.mandate_id,
        MandateStatus::Authenticated,
        morning(paid_out),
    )
    .await
    .unwrap();
    let due = pocket_store::loans::instalments(&mut conn, loan.loan_id).await.unwrap()[0].due_date;
    let mut day = paid_out;
    while presentments::two_day_action_date(&calendar, day) < due {
        day = day.succ_opt().unwrap();
    }
    let prepared = presentments::run_daily(pool, &calendar, day, morning(day)).await.unwrap();
    assert_eq!(prepared.presentments, 1);
    let presentment = store::for_loan(&mut conn, loan.loan_id).await.unwrap().remove(0);
    let applicant_id: Uuid = sqlx::query_scalar("select applicant_id from loan where loan_id = $1")
        .bind(loan.loan_id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    Debit { loan, applicant_id, presentment, prepared_on: day }
}

async fn messages(pool: &PgPool, applicant_id: Uuid, template: &str) -> Vec<Notification> {
    let mut conn = pool.acquire().await.unwrap();
    notifications::for_applicant(&mut conn, applicant_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.template_code == template)
        .collect()
}

/// Runs the daily cycle on every day from `from` to `to`, both included.
async fn run_days(pool: &PgPool, from: NaiveDate, to: NaiveDate) {
    let calendar = BusinessCalendar::south_africa();
    let mut day = from;
    while day <= to {
        presentments::run_daily(pool, &calendar, day, morning(day)).await.unwrap();
        day = day.succ_opt().unwrap();
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_client_is_reminded_once_on_the_day_before_the_debit(pool: PgPool) {
    let debit = first_debit(&pool, 'A').await;
    let action_date = debit.presentment.action_date;
    let eve = action_date - Duration::days(1);
    // Nothing before the eve of the debit.
    run_days(&pool, debit.prepared_on, eve - Duration::days(1)).await;
    assert!(messages(&pool, debit.applicant_id, "debit_reminder").await.is_empty());
    // On the eve, one SMS (and an email where there is an address and a template), naming the
    // date and the amount; the run repeated the same day records nothing more.
    run_days(&pool, eve, eve).await;
    run_days(&pool, eve, eve).await;
    let reminders = messages(&pool, debit.applicant_id, "debit_reminder").await;
    let sms: Vec<_> = reminders.iter().filter(|n| n.channel == NotificationChannel::Sms).collect();
    assert_eq!(sms.len(), 1, "{reminders:?}");
    assert_eq!(sms[0].recipient, "+27831230000");
    assert!(sms[0].idempotency_key.contains(&debit.presentment.presentment_id.to_string()));
    assert!(sms[0].body.starts_with("Pocket Loans: R"), "{}", sms[0].body);
    assert!(sms[0].body.contains("will be debited on"), "{}", sms[0].body);
    let count = reminders.len();
    // The day of the debit and after: nothing more for this debit.
    run_days(&pool, action_date, action_date + Duration::days(2)).await;
    assert_eq!(messages(&pool, debit.applicant_id, "debit_reminder").await.len(), count);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn no_reminder_when_the_next_day_runs_no_debits(pool: PgPool) {
    let debit = first_debit(&pool, 'A').await;
    let calendar = BusinessCalendar::south_africa();
    // The debit is moved onto a Monday: the Friday before (tomorrow is a Saturday) records
    // nothing, the Sunday before (tomorrow the debit runs) reminds.
    let mut monday = debit.presentment.action_date + Duration::days(1);
    while monday.weekday() != Weekday::Mon || !calendar.is_business_day(monday) {
        monday = monday.succ_opt().unwrap();
    }
    sqlx::query("update presentment set action_date = $2 where presentment_id = $1")
        .bind(debit.presentment.presentment_id)
        .bind(monday)
        .execute(&pool)
        .await
        .unwrap();
    let friday = monday - Duration::days(3);
    presentments::run_daily(&pool, &calendar, friday, morning(friday)).await.unwrap();
    assert!(messages(&pool, debit.applicant_id, "debit_reminder").await.is_empty());
    let sunday = monday - Duration::days(1);
    presentments::run_daily(&pool, &calendar, sunday, morning(sunday)).await.unwrap();
    assert!(!messages(&pool, debit.applicant_id, "debit_reminder").await.is_empty());
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_holder_who_may_not_be_contacted_gets_no_reminder(pool: PgPool) {
    let debit = first_debit(&pool, 'A').await;
    sqlx::query("update loan set no_sms_contact = true where loan_id = $1")
        .bind(debit.loan.loan_id)
        .execute(&pool)
        .await
        .unwrap();
    let eve = debit.presentment.action_date - Duration::days(1);
    run_days(&pool, eve, eve).await;
    assert!(messages(&pool, debit.applicant_id, "debit_reminder").await.is_empty());
}

/// Moves the debit to loaded, as the provider's load report does, and reads a statement that
/// returns it with `code`, twice.
async fn returned_twice(pool: &PgPool, debit: &Debit, code: &str) {
    let calendar = BusinessCalendar::south_africa();
    let mut conn = pool.acquire().await.unwrap();
    for (from, to) in [("pending", "submitted"), ("submitted", "loaded")] {
        sqlx::query(
            "insert into presentment_event (presentment_id, from_status, to_status) values ($1, $2, $3)",
        )
        .bind(debit.presentment.presentment_id)
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    let action_date = debit.presentment.action_date;
    let rows = vec![StatementRow {
        line_date: action_date,
        kind: "unpaid",
        account_reference: debit.presentment.account_reference.clone(),
        reason_text: Some(code.to_owned()),
        amount_cents: debit.presentment.amount_cents,
        transaction_id: "41".to_owned(),
    }];
    let today = action_date + Duration::days(1);
    for _ in 0..2 {
        let mut tx = pool.begin().await.unwrap();
        statement::ingest(&mut tx, &calendar, action_date, today, &rows, morning(today))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_returned_debit_is_told_once_however_often_the_statement_is_read(pool: PgPool) {
    let debit = first_debit(&pool, 'A').await;
    returned_twice(&pool, &debit, "02").await;
    let failed = messages(&pool, debit.applicant_id, "unpaid").await;
    let sms: Vec<_> = failed.iter().filter(|n| n.channel == NotificationChannel::Sms).collect();
    assert_eq!(sms.len(), 1, "{failed:?}");
    assert!(sms[0].idempotency_key.contains(&debit.presentment.presentment_id.to_string()));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_deceased_holder_is_not_messaged_after_the_return(pool: PgPool) {
    let debit = first_debit(&pool, 'A').await;
    returned_twice(&pool, &debit, "18").await;
    assert!(messages(&pool, debit.applicant_id, "unpaid").await.is_empty());
    // Nor reminded of anything later.
    let eve = debit.presentment.action_date + Duration::days(30);
    run_days(&pool, eve, eve).await;
    assert!(messages(&pool, debit.applicant_id, "debit_reminder").await.is_empty());
    let flags = store::flags_for_loan(&mut pool.acquire().await.unwrap(), debit.loan.loan_id)
        .await
        .unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].action, "deceased");
}
