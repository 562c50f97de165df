//! Submissions: decided by a real worker against the bureau simulator within the wait, or
//! answered `deciding` and decided later; visible only to the partner that made them; repeated
//! safely with an Idempotency-Key; the consents recorded with their purpose, version and channel.

use std::time::Duration;

use pocket_portal::ops::HttpPolicy;
use pocket_sandbox::xds::{GOOD_PAYER_ID, THIN_FILE_ID};
use serde_json::Value;
use sqlx::PgPool;

use crate::common::{application, partner, policy, problem, start};
use crate::worker::{eventually, spawn_app};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_submission_is_decided_by_the_worker_and_followed_by_its_partner(pool: PgPool) {
    let worker = spawn_app(&pool).await;
    let server =
        start(&pool, HttpPolicy { decision_wait: Duration::from_secs(15), ..policy() }).await;
    let key = partner(&pool, "Leads Inc").await;

    let response = server
        .post_json("/api/v1/applications", &key, &application(GOOD_PAYER_ID, "0831234567"))
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let reference = created["reference"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/applications/{reference}"));
    assert_eq!(created["decision"], "pre_approved", "{created}");
    assert_eq!(created["status"], "pre_approved");
    assert!(created["offer"]["amount_cents"].as_i64().is_some_and(|a| a > 0), "{created}");

    let status: Value = server.get(&location, &key).await.json().await.unwrap();
    assert_eq!(status["reference"], reference.as_str());
    assert_eq!(status["decision"], "pre_approved");

    // The application came through the partner channel, with its consents recorded so.
    let (channel, partner_named): (String, bool) = sqlx::query_as(
        "select a.channel, a.partner_id = (select partner_id from partner where name = 'Leads Inc')
         from application a where reference = $1",
    )
    .bind(&reference)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((channel.as_str(), partner_named), ("partner", true));
    let consents: Vec<(String, String, String)> =
        sqlx::query_as("select purpose, text_version, channel from consent order by seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        consents,
        [
            ("bureau_enquiry".into(), "bureau-v3".into(), "partner".into()),
            ("processing".into(), "processing-v2".into(), "partner".into())
        ]
    );
    worker.stop().await.unwrap();
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn without_a_decision_in_time_the_answer_is_deciding_and_the_get_shows_it_later(
    pool: PgPool,
) {
    // No worker yet: the bureau enquiry waits in the queue.
    let server = start(&pool, HttpPolicy { decision_wait: Duration::ZERO, ..policy() }).await;
    let key = partner(&pool, "Leads Inc").await;
    let response = server
        .post_json("/api/v1/applications", &key, &application(THIN_FILE_ID, "0831234568"))
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["decision"], "deciding", "{created}");
    assert_eq!(created["status"], "submitted");
    assert!(created["offer"].is_null());
    let path = format!("/api/v1/applications/{}", created["reference"].as_str().unwrap());

    let worker = spawn_app(&pool).await;
    eventually("the GET shows the decision", || async {
        let status: Value = server.get(&path, &key).await.json().await.unwrap();
        status["decision"] != "deciding"
    })
    .await;
    let status: Value = server.get(&path, &key).await.json().await.unwrap();
    assert!(
        ["pre_approved", "referred", "declined"].contains(&status["decision"].as_str().unwrap()),
        "{status}"
    );
    worker.stop().await.unwrap();
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn another_partner_gets_404_not_403(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let ours = partner(&pool, "Leads Inc").await;
    let theirs = partner(&pool, "Other Leads").await;
    let created: Value = server
        .post_json("/api/v1/applications", &ours, &application(GOOD_PAYER_ID, "0831234567"))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/applications/{}", created["reference"].as_str().unwrap());
    assert_eq!(server.get(&path, &ours).await.status(), 200);
    let p = problem(server.get(&path, &theirs).await, 404).await;
    let unknown = problem(server.get("/api/v1/applications/PL-9999999", &theirs).await, 404).await;
    assert_eq!(p, unknown, "another partner's application looks exactly like a missing one");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_repeated_idempotency_key_returns_the_first_application(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let body = application(GOOD_PAYER_ID, "0831234567");
    let send = |body: Value, idempotency: &'static str| {
        let request = server
            .http
            .post(server.url("/api/v1/applications"))
            .bearer_auth(&key)
            .header("Idempotency-Key", idempotency)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let (first, second) =
        tokio::join!(send(body.clone(), "lead-123"), send(body.clone(), "lead-123"));
    assert_eq!(first.status(), 201);
    assert_eq!(second.status(), 201);
    let replayed = [&first, &second]
        .iter()
        .filter(|r| r.headers().get("idempotent-replayed").is_some())
        .count();
    assert_eq!(replayed, 1, "one of two concurrent requests replays the other");
    let a: Value = first.json().await.unwrap();
    let b: Value = second.json().await.unwrap();
    assert_eq!(a["reference"], b["reference"]);
    let third: Value = send(body.clone(), "lead-123").await.json().await.unwrap();
    assert_eq!(third["reference"], a["reference"]);
    let count: i64 =
        sqlx::query_scalar("select count(*) from application").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1, "one application for one key");

    // The same key with another body is refused; another key makes another application.
    let mut changed = body.clone();
    changed["loan"]["amount_cents"] = 300_000.into();
    let p = problem(send(changed.clone(), "lead-123").await, 422).await;
    assert_eq!(p["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(send(changed, "lead-124").await.status(), 201);
    let count: i64 =
        sqlx::query_scalar("select count(*) from application").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 2);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn concurrent_submissions_for_a_new_applicant_make_one_applicant(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let body = application(GOOD_PAYER_ID, "0831234567");
    let send = || server.post_json("/api/v1/applications", &key, &body);
    let answers = futures_util::future::join_all((0..6).map(|_| send())).await;
    for answer in answers {
        assert_eq!(answer.status(), 201);
    }
    let (applicants, applications): (i64, i64) = sqlx::query_as(
        "select (select count(*) from applicant), (select count(*) from application)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((applicants, applications), (1, 6));
}
