//! Paying out from the application page: only an approved, signed application whose documents
//! are all verified, on the signed schedule; the loan, its principal, the mandate request and the
//! applicant's message appear together; everything else is refused with its reason.

use chrono::{Days, FixedOffset, NaiveDate, Utc};
use pocket_domain::PaydayRule;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::{Shell, code, common, status_of};

fn today() -> NaiveDate {
    Utc::now().with_timezone(&FixedOffset::east_opt(2 * 3600).unwrap()).date_naive()
}

async fn pay_out(shell: &Shell, id: &str, reference: &str) -> Result<Value, Value> {
    let request = json!({ "application_id": id, "disbursement_reference": reference });
    shell.call("pay_out", json!({ "request": request })).await
}

/// A signed application of the demo data without a loan: its id.
async fn signed_application(pool: &PgPool) -> String {
    let id: uuid::Uuid = sqlx::query_scalar(
        "select a.application_id from application a
         where a.status = 'signed' and not exists (select from loan l where l.application_id = a.application_id)
         order by a.reference limit 1",
    )
    .fetch_one(pool)
    .await
    .expect("a signed application in the demo data");
    id.to_string()
}

/// Test arrangement (as the superuser): the applicant is paid on the 25th and the signed quote's
/// one instalment falls on the first such payday at least `lead` days from today.
async fn schedule_from(pool: &PgPool, id: &str, lead: u64) -> NaiveDate {
    let mut conn = pool.acquire().await.unwrap();
    let calendar = pocket_store::parameters::calendar(&mut conn).await.unwrap();
    let from = today() + Days::new(lead);
    let first = PaydayRule::FixedDay(25).paydays_between(&calendar, from, from + Days::new(62))[0];
    sqlx::query("update application set payday = 'monthly:25' where application_id = $1::uuid")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "update quote set first_instalment_date = $2, instalment_count = 1
         where quote_id = (select quote_id from agreement where application_id = $1::uuid and status = 'signed')",
    )
    .bind(id)
    .bind(first)
    .execute(pool)
    .await
    .unwrap();
    first
}

/// Test arrangement: every document verified by the latest check (`verdict`).
async fn check_documents(pool: &PgPool, id: &str, verdict: &str) {
    sqlx::query(
        "insert into document_check (document_id, application_id, officer_id, verdict, confirmed, rejection_reason)
         select d.document_id, d.application_id, (select officer_id from officer order by officer_id limit 1),
                $2, array['matches'], case when $2 = 'rejected' then 'unreadable' end
         from document d where d.application_id = $1::uuid and d.kind <> 'agreement'",
    )
    .bind(id)
    .bind(verdict)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_officer_pays_out_a_signed_verified_application_on_its_signed_schedule(pool: PgPool) {
    common::seed(&pool, 60).await;
    let id = signed_application(&pool).await;
    let thabo = common::login(&pool, "thabo").await;
    let fatima = common::login(&pool, "fatima").await;
    let shell = Shell::new(&pool);

    // Not every role pays out, and not before the documents are verified.
    shell.sign_in(&fatima).await;
    let refused = pay_out(&shell, &id, "EFT 2026/001").await.expect_err("an auditor");
    assert_eq!(code(&refused), "forbidden", "{refused}");
    shell.call("sign_out", json!({})).await.unwrap();
    shell.sign_in(&thabo).await;
    let first = schedule_from(&pool, &id, 10).await;
    let refused = pay_out(&shell, &id, "EFT 2026/001").await.expect_err("unverified");
    assert_eq!(code(&refused), "conflict", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("not verified"), "{refused}");
    check_documents(&pool, &id, "rejected").await;
    let refused = pay_out(&shell, &id, "EFT 2026/001").await.expect_err("rejected documents");
    assert_eq!(code(&refused), "conflict", "{refused}");
    check_documents(&pool, &id, "verified").await;

    // Hostile and malformed requests change nothing.
    for reference in ["", "ab", "x".repeat(36).as_str(), "EFT;drop table loan", "R\u{0}1234"] {
        let refused = pay_out(&shell, &id, reference).await.expect_err("a bad reference");
        assert_eq!(code(&refused), "invalid", "{reference:?}: {refused}");
    }
    let refused = pay_out(&shell, &id, &"9".repeat(5000)).await.expect_err("oversized");
    assert_eq!(code(&refused), "invalid", "{refused}");
    let refused = pay_out(&shell, "not-an-id", "EFT 2026/001").await.expect_err("malformed id");
    assert_eq!(code(&refused), "invalid", "{refused}");
    let unknown = uuid::Uuid::new_v4().to_string();
    let refused = pay_out(&shell, &unknown, "EFT 2026/001").await.expect_err("unknown id");
    assert_eq!(code(&refused), "not_found", "{refused}");
    let (referred, _) = common::referred_application(&pool, 150_000, 0).await;
    let refused = pay_out(&shell, &referred, "EFT 2026/001").await.expect_err("not approved");
    assert_eq!(code(&refused), "conflict", "{refused}");
    assert_eq!(status_of(&pool, &id).await, "signed");

    // Paid out: the loan on the signed date, its principal, the mandate and its request, the
    // status and the applicant's message.
    let paid = pay_out(&shell, &id, "EFT 2026/001").await.expect("the pay-out");
    assert_eq!(paid["first_debit_date"], first.to_string());
    assert_eq!(paid["instalments"], 1);
    assert_eq!(status_of(&pool, &id).await, "paid_out");
    let loan_id = paid["loan_id"].as_str().unwrap();
    let (due, principal, signed_total): (NaiveDate, i64, i64) = sqlx::query_as(
        "select i.due_date, l.principal_cents, q.total_repayable_cents
         from loan l join instalment i using (loan_id) join agreement g using (agreement_id)
         join quote q on q.quote_id = g.quote_id where l.loan_id = $1::uuid",
    )
    .bind(loan_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(due, first);
    assert!(paid["total_repayable_cents"].as_i64().unwrap() <= signed_total, "{paid}");
    let posted: i64 = sqlx::query_scalar(
        "select amount_cents from ledger_posting where loan_id = $1::uuid and kind = 'principal'",
    )
    .bind(loan_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(posted, principal);
    let (mandate, job): (String, i64) = sqlx::query_as(
        "select m.status, (select count(*) from job j where j.kind = 'mandate.request'
                           and j.payload ->> 'mandate_id' = m.mandate_id::text)
         from mandate m where m.loan_id = $1::uuid",
    )
    .bind(loan_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((mandate.as_str(), job), ("pending", 1));
    let told: i64 = sqlx::query_scalar(
        "select count(*) from notification n join application a on a.applicant_id = n.applicant_id
         where a.application_id = $1::uuid and n.template_code = 'paid_out'",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(told >= 1, "the applicant is told");

    // Once only.
    let refused = pay_out(&shell, &id, "EFT 2026/002").await.expect_err("paid out already");
    assert_eq!(code(&refused), "conflict", "{refused}");
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_first_debit_too_close_to_set_up_needs_a_new_quote(pool: PgPool) {
    common::seed(&pool, 60).await;
    let id = signed_application(&pool).await;
    let thabo = common::login(&pool, "thabo").await;
    let shell = Shell::new(&pool);
    shell.sign_in(&thabo).await;
    schedule_from(&pool, &id, 0).await;
    // The first payday on or after today may be far enough off; pull it to tomorrow.
    sqlx::query(
        "update quote set first_instalment_date = $2
         where quote_id = (select quote_id from agreement where application_id = $1::uuid and status = 'signed')",
    )
    .bind(&id)
    .bind(today() + Days::new(1))
    .execute(&pool)
    .await
    .unwrap();
    check_documents(&pool, &id, "verified").await;
    let refused = pay_out(&shell, &id, "EFT 2026/003").await.expect_err("too close");
    assert_eq!(code(&refused), "conflict", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("new quote"), "{refused}");
    assert_eq!(status_of(&pool, &id).await, "signed");
    let loans: i64 =
        sqlx::query_scalar("select count(*) from loan where application_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(loans, 0);
    common::drop_logins(&pool).await;
}
