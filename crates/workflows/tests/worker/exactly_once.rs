//! Several workers on one queue: every job runs once, none is lost, and a new job starts on its
//! notification rather than on the next poll.

use std::time::Duration as StdDuration;

use pocket_store::jobs::NewJob;
use pocket_workflows::worker::{Handlers, TestClock, Worker, handler_fn};
use sqlx::PgPool;

use crate::common::{self, config, create_run_log, enqueue, eventually, record_run, spawn, stop};

fn recording_handlers() -> Handlers {
    Handlers::new().register(
        "test.record",
        handler_fn(|ctx, _payload| async move {
            // A yield lets the workers' tasks interleave, as real handlers waiting on I/O do.
            tokio::task::yield_now().await;
            record_run(&ctx).await
        }),
    )
}

async fn succeeded(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from job where status = 'succeeded'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn three_workers_with_their_own_pools_run_every_one_of_many_jobs_exactly_once(pool: PgPool) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let job = |n: usize| NewJob::now("test.record", serde_json::json!({ "n": n }), common::start());
    for n in 0..60 {
        enqueue(&pool, job(n)).await;
    }
    let mut workers = Vec::new();
    let mut pools = Vec::new();
    for w in 0..3 {
        let own = common::separate_pool(&pool).await;
        let worker = Worker::new(
            own.clone(),
            config(&format!("worker-{w}")),
            recording_handlers(),
            clock.clone(),
        );
        let health = worker.health();
        workers.push((spawn(worker), health));
        pools.push(own);
    }
    // Half the jobs arrive while the workers run, so both the start-up claim and the wake-ups
    // take part.
    for n in 60..120 {
        enqueue(&pool, job(n)).await;
    }

    eventually("all 120 jobs succeeded", || async { succeeded(&pool).await == 120 }).await;

    let (runs, distinct): (i64, i64) =
        sqlx::query_as("select count(*), count(distinct job_id) from run_log")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((runs, distinct), (120, 120), "every job ran, and ran once");
    let mut total = 0;
    for ((token, handle), health) in workers {
        stop(token, handle).await;
        total += health.snapshot().succeeded;
    }
    assert_eq!(total, 120);
    for own in pools {
        own.close().await;
    }
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_job_inserted_while_the_worker_idles_starts_on_its_notification_not_the_poll(
    pool: PgPool,
) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let mut slow_poll = config("listener");
    slow_poll.poll_interval = StdDuration::from_secs(3600);
    let worker = Worker::new(pool.clone(), slow_poll, recording_handlers(), clock.clone());
    let health = worker.health();
    let (token, handle) = spawn(worker);
    eventually("the worker made its first claim", || async { health.snapshot().claims >= 1 }).await;

    let job_id =
        enqueue(&pool, NewJob::now("test.record", serde_json::json!({}), common::start())).await;

    // The next poll is an hour away, so only the notification can have started the job.
    eventually("the new job ran", || async { !common::runs_of(&pool, job_id).await.is_empty() })
        .await;
    stop(token, handle).await;
    assert_eq!(common::runs_of(&pool, job_id).await, vec!["listener".to_owned()]);
}
