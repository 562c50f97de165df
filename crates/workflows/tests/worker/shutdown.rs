//! Graceful shutdown: stop claiming, let the jobs in flight finish within the grace period, and
//! hand back the one that does not, without counting its attempt.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use pocket_store::jobs::{JobStatus, NewJob};
use pocket_workflows::worker::{Handlers, TestClock, Worker, handler_fn};
use sqlx::PgPool;
use tokio::sync::{Notify, mpsc};

use crate::common::{
    self, config, create_run_log, enqueue, eventually, get, record_run, spawn, stop,
};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn shutdown_finishes_the_jobs_in_flight_and_hands_back_one_that_outlives_the_grace_period(
    pool: PgPool,
) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let (started_tx, mut started) = mpsc::unbounded_channel::<String>();
    let gate = Arc::new(Notify::new());
    let quick_started = started_tx.clone();
    let quick_gate = gate.clone();
    let handlers = Handlers::new()
        .register(
            "test.quick",
            handler_fn(move |ctx, _payload| {
                let started = quick_started.clone();
                let gate = quick_gate.clone();
                async move {
                    started.send(ctx.kind.clone()).expect("the test is listening");
                    gate.notified().await;
                    record_run(&ctx).await
                }
            }),
        )
        .register(
            "test.stuck",
            handler_fn(move |ctx, _payload| {
                let started = started_tx.clone();
                async move {
                    started.send(ctx.kind.clone()).expect("the test is listening");
                    // Never finishes by itself, as a call to a provider that hangs.
                    std::future::pending::<()>().await;
                    Ok(())
                }
            }),
        );
    let quick =
        enqueue(&pool, NewJob::now("test.quick", serde_json::json!({}), common::start())).await;
    let stuck =
        enqueue(&pool, NewJob::now("test.stuck", serde_json::json!({}), common::start())).await;
    let mut graceful = config("worker-a");
    graceful.grace_period = StdDuration::from_secs(1);
    let worker = Worker::new(pool.clone(), graceful, handlers, clock.clone());
    let health = worker.health();
    let (token, handle) = spawn(worker);
    for _ in 0..2 {
        tokio::time::timeout(StdDuration::from_secs(30), started.recv()).await.unwrap();
    }
    assert_eq!(health.snapshot().in_flight, 2);

    token.cancel();
    eventually("the worker stopped claiming", || async { !health.snapshot().running }).await;
    let late =
        enqueue(&pool, NewJob::now("test.quick", serde_json::json!({}), common::start())).await;
    gate.notify_one();
    stop(token, handle).await;

    assert_eq!(get(&pool, quick).await.status, JobStatus::Succeeded);
    let handed_back = get(&pool, stuck).await;
    assert_eq!(
        (handed_back.status, handed_back.attempts, handed_back.locked_by),
        (JobStatus::Queued, 0, None),
        "the unfinished job is claimable again and its attempt is not counted"
    );
    let untouched = get(&pool, late).await;
    assert_eq!((untouched.status, untouched.attempts), (JobStatus::Queued, 0));
    let snapshot = health.snapshot();
    assert_eq!(
        (snapshot.running, snapshot.in_flight, snapshot.succeeded, snapshot.handed_back),
        (false, 0, 1, 1)
    );
    assert_eq!(common::runs_of(&pool, quick).await.len(), 1);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_handed_back_job_is_claimed_at_once_by_the_next_worker(pool: PgPool) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let (started_tx, mut started) = mpsc::unbounded_channel::<i32>();
    let handlers = Handlers::new().register(
        "test.interruptible",
        handler_fn(move |ctx, _payload| {
            let started = started_tx.clone();
            async move {
                started.send(ctx.attempt).expect("the test is listening");
                if ctx.worker_id == "worker-a" {
                    // A handler that can stop cleanly does so when its job is being handed back.
                    ctx.handing_back().await;
                    return Err(pocket_workflows::worker::JobError::retryable("interrupted"));
                }
                record_run(&ctx).await
            }
        }),
    );
    let job_id =
        enqueue(&pool, NewJob::now("test.interruptible", serde_json::json!({}), common::start()))
            .await;
    let mut no_grace = config("worker-a");
    no_grace.grace_period = StdDuration::from_millis(1);
    let (token_a, handle_a) =
        spawn(Worker::new(pool.clone(), no_grace, handlers.clone(), clock.clone()));
    assert_eq!(
        tokio::time::timeout(StdDuration::from_secs(30), started.recv()).await.unwrap(),
        Some(1)
    );
    stop(token_a, handle_a).await;

    // The clock has not moved: only a handed-back job, not an expired lease, can be claimed now.
    let (token_b, handle_b) =
        spawn(Worker::new(pool.clone(), config("worker-b"), handlers, clock.clone()));
    assert_eq!(
        tokio::time::timeout(StdDuration::from_secs(30), started.recv()).await.unwrap(),
        Some(1)
    );
    eventually("the job succeeded", || async {
        get(&pool, job_id).await.status == JobStatus::Succeeded
    })
    .await;
    stop(token_b, handle_b).await;
    assert_eq!(common::runs_of(&pool, job_id).await, vec!["worker-b".to_owned()]);
}
