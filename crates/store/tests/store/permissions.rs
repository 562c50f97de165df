//! What each group role may and may not do (DESIGN.md decision 1), tried with `SET LOCAL ROLE`
//! inside transactions that are rolled back.

use pocket_store::loans;
use pocket_store::portal;
use sqlx::PgPool;

use crate::common::{self, as_role, at, day, forbidden};

const STAFF: [&str; 5] =
    ["pocket_officer", "pocket_supervisor", "pocket_collections", "pocket_admin", "pocket_auditor"];

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn no_role_can_delete_or_alter_audit_rows(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    common::loan(&mut conn, 1).await;
    for role in STAFF.iter().chain(&["pocket_portal", "pocket_worker"]) {
        assert!(
            forbidden(as_role(&pool, role, "delete from audit_log").await),
            "{role} deleted audit rows"
        );
        assert!(
            forbidden(as_role(&pool, role, "update audit_log set action = 'insert'").await),
            "{role} edited audit rows"
        );
        assert!(
            forbidden(as_role(&pool, role, "insert into audit_log (table_name, action, effective_role) values ('x', 'insert', 'x')").await),
            "{role} forged an audit row"
        );
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn officers_delete_nothing(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    common::loan(&mut conn, 1).await;
    for table in [
        "applicant",
        "application",
        "document",
        "decision",
        "loan",
        "instalment",
        "ledger_posting",
        "mandate",
        "job",
    ] {
        for role in ["pocket_officer", "pocket_supervisor", "pocket_collections"] {
            assert!(
                forbidden(as_role(&pool, role, &format!("delete from {table}")).await),
                "{role} deleted from {table}"
            );
        }
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_portal_cannot_read_loans_ledger_presentments_or_mandates(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    common::loan(&mut conn, 1).await;
    for table in [
        "loan",
        "instalment",
        "ledger_posting",
        "presentment",
        "presentment_event",
        "mandate",
        "collection_batch",
        "audit_log",
        "bureau_result",
        "officer",
    ] {
        assert!(
            forbidden(as_role(&pool, "pocket_portal", &format!("select * from {table}")).await),
            "the portal read {table}"
        );
    }
    // It may read what the applicant's journey needs.
    for table in [
        "applicant",
        "application",
        "quote",
        "decision",
        "document",
        "product_pricing",
        "regulatory_parameter",
    ] {
        as_role(&pool, "pocket_portal", &format!("select * from {table}")).await.unwrap();
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_portal_sees_only_the_signed_in_applicants_loan_through_its_functions(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let mine = common::loan(&mut conn, 1).await;
    common::loan(&mut conn, 2).await;
    let token = "1".repeat(64);
    portal::create_session(
        &mut conn,
        &token,
        &common::mobile(1),
        Some(mine.applicant_id),
        at(2100, 1, 1),
    )
    .await
    .unwrap();
    portal::create_session(&mut conn, &"2".repeat(64), &common::mobile(2), None, at(2100, 1, 1))
        .await
        .unwrap();
    drop(conn);

    let mut tx = pool.begin().await.unwrap();
    sqlx::query("set local role pocket_portal").execute(&mut *tx).await.unwrap();
    let loans = portal::loan_summary(&mut tx, &token).await.unwrap();
    assert_eq!(loans.len(), 1);
    assert_eq!(loans[0].loan_id, mine.loan_id);
    assert_eq!(loans[0].next_due_date, Some(day(2026, 11, 25)));
    let schedule = portal::loan_schedule(&mut tx, &token, mine.loan_id).await.unwrap();
    assert_eq!(schedule.len(), 3);
    // A session without an applicant, or an unknown token, sees nothing.
    assert!(portal::loan_summary(&mut tx, &"2".repeat(64)).await.unwrap().is_empty());
    assert!(portal::loan_summary(&mut tx, &"3".repeat(64)).await.unwrap().is_empty());
    tx.rollback().await.unwrap();

    // Other roles may not call the portal's functions.
    assert!(forbidden(
        as_role(&pool, "pocket_officer", &format!("select * from portal_loan_summary('{token}')"))
            .await
    ));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_portal_cannot_approve_its_own_application(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    sqlx::query!(
        "update application set status = 'submitted' where application_id = $1",
        f.application_id
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let sql = format!(
        "update application set status = 'approved' where application_id = '{}'",
        f.application_id
    );
    assert!(forbidden(as_role(&pool, "pocket_portal", &sql).await));
    let cancel = format!(
        "update application set status = 'cancelled' where application_id = '{}'",
        f.application_id
    );
    as_role(&pool, "pocket_portal", &cancel).await.unwrap();
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_auditor_can_read_everything_and_write_nothing(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    for table in [
        "audit_log",
        "loan",
        "ledger_posting",
        "application",
        "presentment_event",
        "officer",
        "job",
    ] {
        as_role(&pool, "pocket_auditor", &format!("select * from {table}")).await.unwrap();
    }
    let writes = [
        format!("update loan set status = 'paid_up', paid_up_on = current_date where loan_id = '{}'", f.loan_id),
        format!("insert into ledger_posting (loan_id, kind, amount_cents, effective_date, reference) values ('{}', 'payment', -1, current_date, 'x')", f.loan_id),
        "insert into public_holiday (holiday_date, name, declared_by) values ('2026-05-29', 'x', 'x')".to_owned(),
        "update regulatory_parameter set value = 0".to_owned(),
        "insert into job (kind) values ('x')".to_owned(),
        "delete from notification".to_owned(),
        "select * from otp_challenge".to_owned(),
    ];
    for sql in writes {
        assert!(forbidden(as_role(&pool, "pocket_auditor", &sql).await), "the auditor ran: {sql}");
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn only_a_supervisor_can_write_off(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    drop(conn);
    for role in ["pocket_officer", "pocket_collections", "pocket_worker", "pocket_admin"] {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(&format!("set local role {role}")).execute(&mut *tx).await.unwrap();
        let result = loans::write_off(&mut tx, f.loan_id, day(2027, 6, 1), "uncollectable").await;
        assert!(forbidden(result), "{role} wrote off a loan");
        tx.rollback().await.unwrap();
    }
    // Nor by a write_off posting on its own, or by setting the status directly.
    let posting = format!(
        "insert into ledger_posting (loan_id, kind, amount_cents, effective_date, reference) values ('{}', 'write_off', -1, current_date, 'x')",
        f.loan_id
    );
    assert!(forbidden(as_role(&pool, "pocket_officer", &posting).await));
    let status = format!(
        "update loan set status = 'written_off', written_off_on = current_date, written_off_reason = 'x' where loan_id = '{}'",
        f.loan_id
    );
    assert!(forbidden(as_role(&pool, "pocket_officer", &status).await));

    let mut tx = pool.begin().await.unwrap();
    sqlx::query("set local role pocket_supervisor").execute(&mut *tx).await.unwrap();
    loans::write_off(&mut tx, f.loan_id, day(2027, 6, 1), "uncollectable").await.unwrap();
    tx.rollback().await.unwrap();
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn only_an_admin_changes_parameters_and_holidays(pool: PgPool) {
    let writes = [
        "insert into public_holiday (holiday_date, name, declared_by) values ('2026-05-29', 'Election day', 'Proclamation')",
        "insert into regulatory_parameter (code, effective_from, value, unit, source) values ('vat_rate', '2027-04-01', 1600, 'basis_points', 'x')",
        "update lending_policy_threshold set value = 1 where code = 'min_age'",
        "insert into product_pricing (product_id, effective_from, interest_first_loan_bp, interest_subsequent_loan_bp, service_fee_monthly_cents, interest_convention) select product_id, '2027-01-01', 400, 300, 6000, 'daily' from product",
    ];
    for sql in writes {
        as_role(&pool, "pocket_admin", sql).await.unwrap();
        for role in [
            "pocket_officer",
            "pocket_supervisor",
            "pocket_collections",
            "pocket_auditor",
            "pocket_portal",
            "pocket_worker",
        ] {
            assert!(forbidden(as_role(&pool, role, sql).await), "{role} ran: {sql}");
        }
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn presentment_status_moves_only_through_events(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    let p = common::present(&mut conn, &f, 0, 1).await.unwrap();
    let direct =
        format!("update presentment set status = 'successful' where presentment_id = '{p}'");
    let event = format!(
        "insert into presentment_event (presentment_id, to_status) values ('{p}', 'submitted')"
    );
    for role in ["pocket_collections", "pocket_worker"] {
        assert!(forbidden(as_role(&pool, role, &direct).await), "{role} set a status directly");
        as_role(&pool, role, &event).await.unwrap();
    }
    assert!(forbidden(as_role(&pool, "pocket_officer", &event).await));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_worker_runs_jobs_and_sends_notifications_but_cannot_touch_officers_or_parameters(
    pool: PgPool,
) {
    as_role(&pool, "pocket_worker", "insert into job (kind) values ('notification.send')")
        .await
        .unwrap();
    as_role(&pool, "pocket_worker", "update notification set status = 'sent'").await.unwrap();
    for sql in [
        "update officer set approval_limit_cents = 99999999",
        "update regulatory_parameter set value = 0",
        "select * from audit_log",
        "delete from job",
    ] {
        assert!(forbidden(as_role(&pool, "pocket_worker", sql).await), "the worker ran: {sql}");
    }
}
