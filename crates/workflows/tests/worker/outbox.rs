//! The transactional outbox: a job recorded with a state change exists only if the change commits.

use pocket_store::jobs::NewJob;
use pocket_workflows::worker::enqueue_in;
use sqlx::PgPool;

use crate::common;

async fn jobs_of_kind(pool: &PgPool, kind: &str) -> i64 {
    sqlx::query_scalar("select count(*) from job where kind = $1")
        .bind(kind)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_job_enqueued_in_a_transaction_exists_only_if_the_transaction_commits(pool: PgPool) {
    let job = NewJob::now("notification.send", serde_json::json!({}), common::start());

    let mut rolled_back = pool.begin().await.unwrap();
    enqueue_in(&mut rolled_back, &job.clone().with_key("sms:1")).await.unwrap();
    rolled_back.rollback().await.unwrap();
    assert_eq!(jobs_of_kind(&pool, "notification.send").await, 0);

    let mut committed = pool.begin().await.unwrap();
    let (job_id, new) = enqueue_in(&mut committed, &job.with_key("sms:1")).await.unwrap();
    committed.commit().await.unwrap();
    assert!(new);
    assert_eq!(common::get(&pool, job_id).await.idempotency_key.as_deref(), Some("sms:1"));
}
