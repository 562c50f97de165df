//! A worker that dies mid-job: its lease runs out and another worker finishes the job; a worker
//! that lives keeps renewing its lease so that nobody takes the job from it.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use pocket_store::jobs::{JobStatus, NewJob};
use pocket_workflows::worker::{Handlers, TestClock, Worker, handler_fn};
use sqlx::PgPool;
use tokio::sync::{Notify, mpsc};

use crate::common::{
    self, config, create_run_log, enqueue, eventually, get, record_run, spawn, stop,
};

/// A handler whose first attempt announces itself and then waits on `gate` (forever if nobody
/// opens it); later attempts record their run at once.
fn first_attempt_waits(started: mpsc::UnboundedSender<String>, gate: Arc<Notify>) -> Handlers {
    Handlers::new().register(
        "test.long",
        handler_fn(move |ctx, _payload| {
            let started = started.clone();
            let gate = gate.clone();
            async move {
                if ctx.attempt == 1 {
                    started.send(ctx.worker_id.clone()).expect("the test is listening");
                    gate.notified().await;
                }
                record_run(&ctx).await
            }
        }),
    )
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_job_whose_worker_was_killed_is_finished_by_another_once_the_lease_expires(pool: PgPool) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let gate = Arc::new(Notify::new());
    let job_id =
        enqueue(&pool, NewJob::now("test.long", serde_json::json!({}), common::start())).await;

    let pool_a = common::separate_pool(&pool).await;
    let a = Worker::new(
        pool_a.clone(),
        config("worker-a"),
        first_attempt_waits(started_tx.clone(), gate.clone()),
        clock.clone(),
    );
    let (_token_a, handle_a) = spawn(a);
    let first = tokio::time::timeout(StdDuration::from_secs(30), started.recv()).await;
    assert_eq!(first.unwrap().as_deref(), Some("worker-a"));

    // Killed: no graceful shutdown, nothing recorded, the lease left in place.
    handle_a.abort();
    assert!(handle_a.await.unwrap_err().is_cancelled());
    let held = get(&pool, job_id).await;
    assert_eq!((held.status, held.locked_by.as_deref()), (JobStatus::Running, Some("worker-a")));

    let pool_b = common::separate_pool(&pool).await;
    let b = Worker::new(
        pool_b.clone(),
        config("worker-b"),
        first_attempt_waits(started_tx, gate),
        clock.clone(),
    );
    let health_b = b.health();
    let (token_b, handle_b) = spawn(b);
    eventually("worker b polled a few times", || async { health_b.snapshot().claims >= 3 }).await;
    let still = get(&pool, job_id).await;
    assert_eq!(still.locked_by.as_deref(), Some("worker-a"), "the lease still protects the job");

    clock.advance(Duration::minutes(6));
    eventually("the job succeeded", || async {
        get(&pool, job_id).await.status == JobStatus::Succeeded
    })
    .await;

    stop(token_b, handle_b).await;
    assert_eq!(common::runs_of(&pool, job_id).await, vec!["worker-b".to_owned()]);
    assert_eq!(get(&pool, job_id).await.attempts, 2);
    assert_eq!(health_b.snapshot().succeeded, 1);
    pool_a.close().await;
    pool_b.close().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_long_job_keeps_its_lease_by_heartbeat_so_no_other_worker_takes_it(pool: PgPool) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let gate = Arc::new(Notify::new());
    let job_id =
        enqueue(&pool, NewJob::now("test.long", serde_json::json!({}), common::start())).await;

    let mut beating = config("worker-a");
    beating.heartbeat_interval = StdDuration::from_millis(20);
    let a = Worker::new(
        pool.clone(),
        beating,
        first_attempt_waits(started_tx.clone(), gate.clone()),
        clock.clone(),
    );
    let (token_a, handle_a) = spawn(a);
    let first = tokio::time::timeout(StdDuration::from_secs(30), started.recv()).await;
    assert_eq!(first.unwrap().as_deref(), Some("worker-a"));

    // Four minutes in, the heartbeat carries the lease to five minutes past the new now.
    clock.advance(Duration::minutes(4));
    let renewed = common::start() + Duration::minutes(9);
    eventually("the lease was renewed", || async {
        get(&pool, job_id).await.locked_until == Some(renewed)
    })
    .await;
    // Past the first lease: without the heartbeat the job would be up for grabs now.
    clock.advance(Duration::minutes(4));

    let pool_b = common::separate_pool(&pool).await;
    let b = Worker::new(
        pool_b.clone(),
        config("worker-b"),
        first_attempt_waits(started_tx, gate.clone()),
        clock.clone(),
    );
    let health_b = b.health();
    let (token_b, handle_b) = spawn(b);
    eventually("worker b polled a few times", || async { health_b.snapshot().claims >= 3 }).await;
    assert_eq!(get(&pool, job_id).await.locked_by.as_deref(), Some("worker-a"));

    gate.notify_one();
    eventually("the job succeeded", || async {
        get(&pool, job_id).await.status == JobStatus::Succeeded
    })
    .await;
    stop(token_a, handle_a).await;
    stop(token_b, handle_b).await;
    assert_eq!(common::runs_of(&pool, job_id).await, vec!["worker-a".to_owned()]);
    assert_eq!(get(&pool, job_id).await.attempts, 1);
    pool_b.close().await;
}
