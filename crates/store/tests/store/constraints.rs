//! The constraints that cost money when wrong: one active presentment per instalment, amounts and
//! states, ledger signs and reversals, effective-dated uniqueness, maker-checker.

use pocket_store::StoreError;
use pocket_store::collections::{self, NewEvent, PresentmentStatus};
use pocket_store::decisions::{self, DecisionSource, NewDecision, Outcome};
use pocket_store::ledger::{self, NewPosting, PostingKind};
use pocket_store::parameters;
use sqlx::PgPool;

use crate::common::{self, day};

fn constraint<T: std::fmt::Debug>(result: Result<T, StoreError>) -> String {
    result.expect_err("the database should refuse this").constraint().unwrap_or_default().to_owned()
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_second_active_presentment_of_one_instalment_is_refused(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    common::present(&mut conn, &f, 0, 1).await.unwrap();
    let second = common::present(&mut conn, &f, 0, 2).await;
    assert!(
        matches!(&second, Err(StoreError::Conflict { constraint }) if constraint == "presentment_one_active_per_instalment")
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_instalment_can_be_presented_again_once_the_first_presentment_came_back_unpaid(
    pool: PgPool,
) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 2).await;
    let first = common::present(&mut conn, &f, 0, 1).await.unwrap();
    collections::record_event(
        &mut conn,
        &NewEvent {
            presentment_id: first,
            to_status: PresentmentStatus::Unpaid,
            reason_code: Some("02".into()),
            provider_reference: None,
            detail: serde_json::json!({}),
        },
    )
    .await
    .unwrap();
    common::present(&mut conn, &f, 0, 2).await.unwrap();
    // collections.md: at most 2 re-presentations, so a fourth attempt is refused by the CHECK.
    assert_eq!(constraint(common::present(&mut conn, &f, 1, 4).await), "presentment_attempt_check");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn presentment_events_move_the_status_and_record_where_it_came_from(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 3).await;
    let p = common::present(&mut conn, &f, 0, 1).await.unwrap();
    for status in [PresentmentStatus::Submitted, PresentmentStatus::Successful] {
        let event = NewEvent {
            presentment_id: p,
            to_status: status,
            reason_code: None,
            provider_reference: Some("TOKEN".into()),
            detail: serde_json::json!({"source": "test"}),
        };
        collections::record_event(&mut conn, &event).await.unwrap();
    }
    let events = collections::events(&mut conn, p).await.unwrap();
    let steps: Vec<_> = events.iter().map(|e| (e.from_status, e.to_status)).collect();
    assert_eq!(
        steps,
        vec![
            (None, PresentmentStatus::Pending),
            (Some(PresentmentStatus::Pending), PresentmentStatus::Submitted),
            (Some(PresentmentStatus::Submitted), PresentmentStatus::Successful),
        ]
    );
    assert_eq!(
        collections::get_presentment(&mut conn, p).await.unwrap().status,
        PresentmentStatus::Successful
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_unpaid_without_a_reason_code_is_refused(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 4).await;
    let p = common::present(&mut conn, &f, 0, 1).await.unwrap();
    let result = collections::record_event(
        &mut conn,
        &NewEvent {
            presentment_id: p,
            to_status: PresentmentStatus::Unpaid,
            reason_code: None,
            provider_reference: None,
            detail: serde_json::json!({}),
        },
    )
    .await;
    assert_eq!(constraint(result), "presentment_reason_code_check");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn zero_and_negative_amounts_and_unknown_states_are_refused(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 5).await;
    let cases = [
        (
            format!("update application set requested_amount_cents = 0 where application_id = '{}'", f.application_id),
            "application_requested_amount_check",
        ),
        (format!("update loan set status = 'lost' where loan_id = '{}'", f.loan_id), "loan_status_check"),
        (
            format!("update instalment set paid_cents = amount_cents + 1 where instalment_id = '{}'", f.instalments[0]),
            "instalment_paid_check",
        ),
        (
            format!("update mandate set max_collection_cents = 1 where mandate_id = '{}'", f.mandate_id),
            "mandate_amounts_check",
        ),
        (
            format!("update mandate set tracking_days = 11 where mandate_id = '{}'", f.mandate_id),
            "mandate_tracking_check",
        ),
        ("update applicant set msisdn = '0821234567'".to_owned(), "applicant_msisdn_format"),
        (
            "insert into collection_batch (name, action_date, instruction, sequence) values ('BATCH-1', '2026-11-25', 'two_day', 1)"
                .to_owned(),
            "collection_batch_name_format",
        ),
    ];
    for (sql, expected) in cases {
        let mut tx = pool.begin().await.unwrap();
        let result: Result<_, StoreError> =
            sqlx::raw_sql(&sql).execute(&mut *tx).await.map_err(Into::into);
        assert_eq!(constraint(result), expected, "{sql}");
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_posting_whose_sign_does_not_match_its_kind_is_refused(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 6).await;
    for (kind, cents) in
        [(PostingKind::Interest, -100), (PostingKind::Payment, 100), (PostingKind::Collection, 0)]
    {
        let result = ledger::post(
            &mut conn,
            &NewPosting {
                loan_id: f.loan_id,
                kind,
                amount: pocket_domain::Money::from_cents(cents),
                effective_date: day(2026, 11, 3),
                instalment_id: None,
                presentment_id: None,
                reference: "test".into(),
            },
        )
        .await;
        assert!(matches!(result, Err(StoreError::Rejected { .. })), "{kind} {cents}: {result:?}");
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_reversal_negates_exactly_one_posting_once(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 7).await;
    let payment = ledger::post(
        &mut conn,
        &NewPosting {
            loan_id: f.loan_id,
            kind: PostingKind::Payment,
            amount: pocket_domain::Money::from_cents(-50_000),
            effective_date: day(2026, 11, 10),
            instalment_id: None,
            presentment_id: None,
            reference: "EFT received".into(),
        },
    )
    .await
    .unwrap();
    let before = ledger::balance(&mut conn, f.loan_id).await.unwrap();
    ledger::reverse(&mut conn, payment, day(2026, 11, 11), "bounced").await.unwrap();
    let after = ledger::balance(&mut conn, f.loan_id).await.unwrap();
    assert_eq!(after.stored_cents, before.stored_cents + 50_000);
    assert_eq!(after.stored_cents, after.postings_cents);
    assert_eq!(
        constraint(ledger::reverse(&mut conn, payment, day(2026, 11, 12), "again").await),
        "ledger_posting_reverses_key"
    );

    // A hand-made reversal with the wrong amount is refused by the trigger.
    let principal = ledger::postings(&mut conn, f.loan_id).await.unwrap()[0].ledger_posting_id;
    let wrong = sqlx::query!(
        r#"insert into ledger_posting (loan_id, kind, amount_cents, effective_date, reverses_posting_id, reference)
           values ($1, 'reversal', -1, '2026-11-12', $2, 'wrong')"#,
        f.loan_id,
        principal
    )
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from);
    assert_eq!(constraint(wrong), "ledger_posting_reversal_matches");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_loan_balance_cannot_be_edited_directly(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 8).await;
    let result = sqlx::query!("update loan set balance_cents = 0 where loan_id = $1", f.loan_id)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::from);
    assert_eq!(constraint(result), "loan_balance_from_postings");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_parameter_cannot_have_two_values_from_the_same_day(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let result = parameters::set_regulatory(
        &mut conn,
        "vat_rate",
        day(2018, 4, 1),
        1600,
        "basis_points",
        "test",
    )
    .await;
    assert!(
        matches!(&result, Err(StoreError::Conflict { constraint }) if constraint == "regulatory_parameter_code_effective_key")
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_vat_rate_in_force_follows_its_effective_date(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let before = parameters::regulatory(&mut conn, "vat_rate", day(2018, 3, 31)).await.unwrap();
    let after = parameters::regulatory(&mut conn, "vat_rate", day(2018, 4, 1)).await.unwrap();
    assert_eq!((before.value, after.value), (1400, 1500));
    let all = parameters::regulatory_in_force(&mut conn, day(2026, 11, 25)).await.unwrap();
    assert_eq!(all["max_principal"].value, 800_000);
    assert_eq!(all["initiation_fee_maximum"].value, 105_000);
    assert_eq!(parameters::expense_norms(&mut conn, day(2026, 1, 1)).await.unwrap().len(), 5);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_loan_above_the_officers_limit_needs_a_second_approver_with_a_high_enough_limit(
    pool: PgPool,
) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 9).await;
    let maker = common::officer(&mut conn, 100_000).await;
    let weak_checker = common::officer(&mut conn, 200_000).await;
    let checker = common::officer(&mut conn, 800_000).await;
    let decision = decisions::record(
        &mut conn,
        &NewDecision {
            application_id: f.application_id,
            source: DecisionSource::Officer,
            outcome: Outcome::Approve,
            reason_codes: vec![],
            approved_amount_cents: Some(300_000),
            approved_term_days: Some(90),
            decided_by_officer_id: Some(maker),
            policy_version: None,
            note: None,
            affordability_assessment_id: None,
        },
    )
    .await
    .unwrap();
    assert!(!decisions::get(&mut conn, decision).await.unwrap().approval_complete);
    let same = decisions::second_approve(&mut conn, decision, maker, common::at(2026, 11, 2)).await;
    assert_eq!(constraint(same), "decision_second_approver_check");
    let weak =
        decisions::second_approve(&mut conn, decision, weak_checker, common::at(2026, 11, 2)).await;
    assert_eq!(constraint(weak), "decision_second_approver_limit");
    decisions::second_approve(&mut conn, decision, checker, common::at(2026, 11, 2)).await.unwrap();
    assert!(decisions::get(&mut conn, decision).await.unwrap().approval_complete);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_decline_without_reasons_is_refused(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 10).await;
    let result = decisions::record(
        &mut conn,
        &NewDecision {
            application_id: f.application_id,
            source: DecisionSource::Policy,
            outcome: Outcome::Decline,
            reason_codes: vec![],
            approved_amount_cents: None,
            approved_term_days: None,
            decided_by_officer_id: None,
            policy_version: Some("2026.1".into()),
            note: None,
            affordability_assessment_id: None,
        },
    )
    .await;
    assert_eq!(constraint(result), "decision_decline_reasons_check");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn batch_names_are_deterministic_and_unique_per_action_date(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let first =
        collections::open_batch(&mut conn, day(2026, 12, 1), collections::Instruction::TwoDay)
            .await
            .unwrap();
    let second =
        collections::open_batch(&mut conn, day(2026, 12, 1), collections::Instruction::TwoDay)
            .await
            .unwrap();
    assert_eq!(first.name, "LOANS-20261201-1");
    assert_eq!(second.name, "LOANS-20261201-2");
    let duplicate = sqlx::raw_sql(
        "insert into collection_batch (name, action_date, instruction, sequence) values ('LOANS-20261201-1', '2026-12-01', 'two_day', 9)",
    )
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from);
    assert_eq!(constraint(duplicate), "collection_batch_name_key");
}
