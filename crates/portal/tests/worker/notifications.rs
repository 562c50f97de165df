//! Notifications from the outbox to the phone and back: sent by the worker through the SMS
//! simulator, delivery reports recorded from the simulator's callbacks to the webhook.

use chrono::Utc;
use pocket_domain::Msisdn;
use pocket_store::notifications;
use pocket_workflows::notify::{self, Message, Recipient};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::{self, eventually, notification_status, spawn_app};

fn recipient(applicant_id: Uuid, msisdn: Msisdn) -> Recipient {
    Recipient { applicant_id, name: "Thandi".into(), msisdn, email: None }
}

async fn record(pool: &PgPool, to: &Recipient, message: &Message, key: &str) -> Vec<Uuid> {
    let mut tx = pool.begin().await.unwrap();
    let ids = notify::notify(&mut tx, to, message, key, Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    ids
}

fn received(reference: &str) -> Message {
    Message::ApplicationReceived { reference: reference.into() }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_sms_is_sent_by_the_worker_and_its_delivery_report_comes_back_through_the_webhook(
    pool: PgPool,
) {
    let app = spawn_app(&pool).await;
    let (applicant, msisdn) = common::applicant(&pool, "082 123 4567").await;
    let ids = record(&pool, &recipient(applicant, msisdn), &received("PL-0000042"), "a1").await;
    assert_eq!(ids.len(), 1, "one SMS (the applicant has no email address)");
    let id = ids[0];

    eventually("the SMS is sent", || async { notification_status(&pool, id).await == "sent" })
        .await;
    let messages = app.sms.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, "27821234567");
    assert_eq!(messages[0].content, "Pocket Loans: we received application PL-0000042.");
    assert_eq!(messages[0].client_message_id.as_deref(), Some(id.to_string().as_str()));

    app.sms.deliver_all().await.expect("callbacks reach the webhook");
    eventually("the delivery report is recorded", || async {
        notification_status(&pool, id).await == "delivered"
    })
    .await;
    app.stop().await.unwrap();
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_report_that_the_phone_was_not_reached_marks_the_notification_failed(pool: PgPool) {
    let app = spawn_app(&pool).await;
    // The simulator fails deliveries to this number (its DEFAULT_FAILING_NUMBER).
    let (applicant, msisdn) = common::applicant(&pool, "+27 82 000 0001").await;
    let ids = record(&pool, &recipient(applicant, msisdn), &received("PL-7"), "f1").await;
    eventually("the SMS is sent", || async { notification_status(&pool, ids[0]).await == "sent" })
        .await;
    app.sms.deliver_all().await.expect("callbacks reach the webhook");
    eventually("the failure is recorded", || async {
        notification_status(&pool, ids[0]).await == "failed"
    })
    .await;
    app.stop().await.unwrap();
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_recipient_the_provider_refuses_for_good_fails_at_once_without_retrying(pool: PgPool) {
    let app = spawn_app(&pool).await;
    // The simulator answers code 26 (recipient opted out) for this number.
    let (applicant, msisdn) = common::applicant(&pool, "0820000002").await;
    let ids = record(&pool, &recipient(applicant, msisdn), &received("PL-8"), "o1").await;
    eventually("the notification fails", || async {
        notification_status(&pool, ids[0]).await == "failed"
    })
    .await;
    let job_status: String = sqlx::query_scalar(
        "select status from job where idempotency_key = 'notification.send:' || $1::text",
    )
    .bind(ids[0])
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(job_status, "dead", "a permanent refusal is not retried");
    let attempts: i32 =
        sqlx::query_scalar("select attempts from notification where notification_id = $1")
            .bind(ids[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    app.stop().await.unwrap();
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn nobody_who_may_not_be_contacted_gets_a_message_and_an_opted_out_applicant_gets_only_what_the_law_requires(
    pool: PgPool,
) {
    let (applicant, msisdn) = common::applicant(&pool, "0831234567").await;
    let to = recipient(applicant, msisdn);
    let mut conn = pool.acquire().await.unwrap();

    notifications::set_opted_out(&mut conn, applicant, true).await.unwrap();
    assert!(record(&pool, &to, &received("PL-1"), "k1").await.is_empty());
    let pin = Message::OneTimePin { pin: "482913".into() };
    assert_eq!(record(&pool, &to, &pin, "k2").await.len(), 1, "the PIN they asked for still goes");

    pocket_store::applicants::set_do_not_contact(&mut conn, applicant, true).await.unwrap();
    let pin = Message::OneTimePin { pin: "111111".into() };
    assert!(record(&pool, &to, &pin, "k3").await.is_empty(), "no contact at all");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_message_is_recorded_with_its_job_only_if_the_transaction_commits_and_only_once(
    pool: PgPool,
) {
    let (applicant, msisdn) = common::applicant(&pool, "0841234567").await;
    let to = recipient(applicant, msisdn);

    let mut tx = pool.begin().await.unwrap();
    let ids = notify::notify(&mut tx, &to, &received("PL-9"), "r1", Utc::now()).await.unwrap();
    assert_eq!(ids.len(), 1);
    tx.rollback().await.unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(count("select count(*) from notification").await, 0);
    assert_eq!(count("select count(*) from job").await, 0);

    assert_eq!(record(&pool, &to, &received("PL-9"), "r1").await.len(), 1);
    assert!(record(&pool, &to, &received("PL-9"), "r1").await.is_empty(), "the same event again");
    assert_eq!(count("select count(*) from notification").await, 1);
    assert_eq!(count("select count(*) from job where kind = 'notification.send'").await, 1);
}

#[test]
fn a_template_with_a_value_missing_is_refused_rather_than_sent_broken() {
    let values = [("reference", "PL-1".to_string())];
    let ok = notify::render("t", "sms", "App {{reference}} ok", &values).unwrap();
    assert_eq!(ok, "App PL-1 ok");
    let err = notify::render("t", "sms", "App {{reference}} for {{name}}", &values).unwrap_err();
    assert!(err.to_string().contains("{{name}}"), "{err}");
}

#[test]
fn the_html_part_of_an_email_escapes_what_it_is_given() {
    let html = notify::html_body("A <b> subject", "Dear <script>alert(1)</script> & co");
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;") && html.contains("&amp; co"));
    assert!(html.contains("<title>A &lt;b&gt; subject</title>"));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn every_sms_fits_one_gsm7_part_once_filled_in_with_realistic_values(pool: PgPool) {
    use chrono::NaiveDate;
    use pocket_domain::Money;
    use pocket_providers::clickatell::{Encoding, sms_parts};

    let (applicant, msisdn) = common::applicant(&pool, "0721234567").await;
    let to = recipient(applicant, msisdn);
    let link = "https://pocketloans.co.za/a/7Hk2Qp".to_string();
    let reference = "PL-0001234".to_string();
    let amount = Money::from_cents(800_000);
    let date = NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
    let messages = [
        Message::OneTimePin { pin: "482913".into() },
        received(&reference),
        Message::PreApproved { reference: reference.clone(), amount, link: link.clone() },
        Message::Referred { reference: reference.clone(), link: link.clone() },
        Message::DocumentsRequested {
            reference: reference.clone(),
            documents: vec!["3 payslips".into(), "proof of address".into()],
            link: link.clone(),
        },
        Message::Approved { reference: reference.clone(), amount },
        Message::Declined {
            reference: reference.clone(),
            reasons: vec!["income below the minimum".into()],
            link: link.clone(),
        },
        Message::PaidOut { reference: reference.clone(), amount, link: link.clone() },
        Message::DebitTomorrow { reference: reference.clone(), amount, date },
        Message::DebitFailed { reference: reference.clone(), amount, date },
        Message::PaidUp { reference: reference.clone(), link: link.clone() },
    ];
    for (i, message) in messages.iter().enumerate() {
        let ids = record(&pool, &to, message, &format!("gsm-{i}")).await;
        assert_eq!(ids.len(), 1, "{message:?} has an SMS template");
        let body: String =
            sqlx::query_scalar("select body from notification where notification_id = $1")
                .bind(ids[0])
                .fetch_one(&pool)
                .await
                .unwrap();
        let parts = sms_parts(&body);
        // clickatell.md: one part is 160 GSM-7 characters; a longer text costs double.
        assert_eq!((parts.encoding, parts.parts), (Encoding::Gsm7, 1), "{body:?}");
        assert!(!body.contains("{{"), "{body:?}");
    }
}
