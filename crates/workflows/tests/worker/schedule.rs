//! Recurring jobs: every replica's scheduler enqueues each occurrence, and it is one job.

use chrono::Duration;
use pocket_store::jobs::JobStatus;
use pocket_workflows::worker::{
    Handlers, Schedule, ScheduledJob, Scheduler, TestClock, Worker, handler_fn,
};
use sqlx::PgPool;

use crate::common::{self, config, create_run_log, eventually, record_run, spawn, stop};

fn daily_collections() -> Scheduler {
    Scheduler::new(vec![ScheduledJob::new(
        "collections.daily",
        Schedule::daily_at(6, 0).expect("06:00 is a time of day"),
    )])
}

async fn keys(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("select idempotency_key from job order by idempotency_key")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn two_schedulers_ticking_together_enqueue_each_period_once(pool: PgPool) {
    let (pool_a, pool_b) = (common::separate_pool(&pool).await, common::separate_pool(&pool).await);
    let (a, b) = (daily_collections(), daily_collections());
    let mut conn_a = pool_a.acquire().await.unwrap();
    let mut conn_b = pool_b.acquire().await.unwrap();
    // 10:00 in Johannesburg: today's 06:00 run is due.
    let now = common::start();
    let (made_a, made_b) = tokio::join!(a.tick(&mut conn_a, now), b.tick(&mut conn_b, now));
    assert_eq!(made_a.unwrap().len() + made_b.unwrap().len(), 1);
    // Later the same day: still the same period.
    assert!(a.tick(&mut conn_a, now + Duration::hours(8)).await.unwrap().is_empty());
    assert!(b.tick(&mut conn_b, now + Duration::hours(8)).await.unwrap().is_empty());
    // The next morning: a new period, again once.
    let tomorrow = now + Duration::days(1);
    let (made_a, made_b) =
        tokio::join!(a.tick(&mut conn_a, tomorrow), b.tick(&mut conn_b, tomorrow));
    assert_eq!(made_a.unwrap().len() + made_b.unwrap().len(), 1);

    assert_eq!(
        keys(&pool).await,
        vec!["collections.daily:2026-11-25".to_owned(), "collections.daily:2026-11-26".to_owned()]
    );
    drop((conn_a, conn_b));
    pool_a.close().await;
    pool_b.close().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn two_workers_with_the_same_schedule_run_the_days_job_once(pool: PgPool) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let handlers = Handlers::new().register(
        "collections.daily",
        handler_fn(|ctx, _payload| async move { record_run(&ctx).await }),
    );
    let mut running = Vec::new();
    for name in ["worker-a", "worker-b"] {
        let worker = Worker::new(pool.clone(), config(name), handlers.clone(), clock.clone())
            .with_scheduler(daily_collections());
        running.push(spawn(worker));
    }
    let succeeded = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from job where status = 'succeeded'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    eventually("today's run succeeded", || async { succeeded().await == 1 }).await;
    clock.advance(Duration::days(1));
    eventually("tomorrow's run succeeded", || async { succeeded().await == 2 }).await;
    for (token, handle) in running {
        stop(token, handle).await;
    }
    let runs: i64 =
        sqlx::query_scalar("select count(*) from run_log").fetch_one(&pool).await.unwrap();
    assert_eq!(runs, 2);
    let statuses: Vec<String> =
        sqlx::query_scalar("select status from job").fetch_all(&pool).await.unwrap();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.iter().all(|s| s == JobStatus::Succeeded.as_str()));
}
