//! Failures: a retryable one backs off by the worker's clock and succeeds later, a permanent one
//! makes the job dead at once, attempts run out, and a person can list dead jobs and retry one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;
use pocket_store::jobs::{JobStatus, NewJob};
use pocket_workflows::worker::{
    self, Handlers, JobError, TestClock, Worker, handler_fn, list_dead, retry_dead,
};
use sqlx::PgPool;

use crate::common::{
    self, config, create_run_log, enqueue, eventually, get, record_run, spawn, stop,
};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_retryable_failure_backs_off_and_succeeds_once_the_clock_passes_the_backoff(
    pool: PgPool,
) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let handlers = Handlers::new().register(
        "test.flaky",
        handler_fn(|ctx, _payload| async move {
            if ctx.attempt == 1 {
                return Err(JobError::retryable("the provider timed out"));
            }
            record_run(&ctx).await
        }),
    );
    let job_id =
        enqueue(&pool, NewJob::now("test.flaky", serde_json::json!({}), common::start())).await;
    let mut jittery = config("worker-a");
    jittery.jitter = 0.5;
    let worker = Worker::new(pool.clone(), jittery, handlers, clock.clone());
    let health = worker.health();
    let (token, handle) = spawn(worker);

    eventually("the first attempt failed", || async { health.snapshot().failed == 1 }).await;
    let waiting = get(&pool, job_id).await;
    assert_eq!(waiting.status, JobStatus::Queued);
    assert_eq!(waiting.attempts, 1);
    assert_eq!(waiting.last_error.as_deref(), Some("the provider timed out"));
    // The store's backoff after one attempt is 30 seconds; jitter adds up to half of that.
    let delay = waiting.run_at - common::start();
    assert!(delay >= Duration::seconds(30) && delay < Duration::seconds(45), "{delay}");

    let claims = health.snapshot().claims;
    eventually("a few more polls", || async { health.snapshot().claims >= claims + 3 }).await;
    assert_eq!(get(&pool, job_id).await.status, JobStatus::Queued, "not before its time");

    clock.advance(Duration::seconds(45));
    eventually("the job succeeded", || async {
        get(&pool, job_id).await.status == JobStatus::Succeeded
    })
    .await;
    stop(token, handle).await;
    assert_eq!(get(&pool, job_id).await.attempts, 2);
    assert_eq!(common::runs_of(&pool, job_id).await.len(), 1);
    let snapshot = health.snapshot();
    assert_eq!((snapshot.failed, snapshot.succeeded), (1, 1));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_permanent_failure_is_dead_at_once_and_a_person_can_retry_it(pool: PgPool) {
    create_run_log(&pool).await;
    let clock = TestClock::new(common::start());
    let refuse = Arc::new(AtomicBool::new(true));
    let refusing = refuse.clone();
    let handlers = Handlers::new().register(
        "test.strict",
        handler_fn(move |ctx, _payload| {
            let refuse = refusing.load(Ordering::SeqCst);
            async move {
                if refuse {
                    return Err(JobError::permanent("the payload names no applicant"));
                }
                record_run(&ctx).await
            }
        }),
    );
    let job_id =
        enqueue(&pool, NewJob::now("test.strict", serde_json::json!({}), common::start())).await;
    let (token, handle) =
        spawn(Worker::new(pool.clone(), config("worker-a"), handlers, clock.clone()));

    eventually("the job is dead", || async { get(&pool, job_id).await.status == JobStatus::Dead })
        .await;
    let mut conn = pool.acquire().await.unwrap();
    let dead = list_dead(&mut conn, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].job_id, dead[0].attempts, dead[0].max_attempts), (job_id, 1, 5));
    assert_eq!(dead[0].last_error.as_deref(), Some("the payload names no applicant"));

    refuse.store(false, Ordering::SeqCst);
    assert!(
        retry_dead(&mut conn, job_id, pocket_workflows::worker::Clock::now(&clock)).await.unwrap()
    );
    assert!(
        !retry_dead(&mut conn, job_id, pocket_workflows::worker::Clock::now(&clock)).await.unwrap(),
        "a job that is no longer dead is not retried twice"
    );
    eventually("the retried job succeeded", || async {
        get(&pool, job_id).await.status == JobStatus::Succeeded
    })
    .await;
    stop(token, handle).await;
    assert!(list_dead(&mut conn, 10).await.unwrap().is_empty());
    assert_eq!(get(&pool, job_id).await.attempts, 1);
    assert_eq!(common::runs_of(&pool, job_id).await.len(), 1);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_job_that_keeps_failing_is_dead_when_its_attempts_run_out(pool: PgPool) {
    let clock = TestClock::new(common::start());
    let handlers = Handlers::new().register(
        "test.broken",
        handler_fn(|_ctx, _payload| async { Err(JobError::retryable("still down")) }),
    );
    let mut two_tries = NewJob::now("test.broken", serde_json::json!({}), common::start());
    two_tries.max_attempts = 2;
    let job_id = enqueue(&pool, two_tries).await;
    let worker = Worker::new(pool.clone(), config("worker-a"), handlers, clock.clone());
    let health = worker.health();
    let (token, handle) = spawn(worker);

    eventually("the first attempt failed", || async { health.snapshot().failed == 1 }).await;
    clock.advance(Duration::minutes(1));
    eventually("the job is dead", || async { get(&pool, job_id).await.status == JobStatus::Dead })
        .await;
    stop(token, handle).await;
    let dead = get(&pool, job_id).await;
    assert_eq!((dead.attempts, dead.last_error.as_deref()), (2, Some("still down")));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_job_of_a_kind_this_worker_cannot_run_waits_in_the_queue_for_one_that_can(pool: PgPool) {
    let clock = TestClock::new(common::start());
    let unknown =
        enqueue(&pool, NewJob::now("test.unknown", serde_json::json!({}), common::start())).await;
    let known =
        enqueue(&pool, NewJob::now("test.known", serde_json::json!({}), common::start())).await;
    let handlers = worker::Handlers::new()
        .register("test.known", worker::handler_fn(|_ctx, _payload| async { Ok(()) }));
    let worker = Worker::new(pool.clone(), config("worker-a"), handlers, clock);
    let health = worker.health();
    let (token, handle) = spawn(worker);
    eventually("the known job ran", || async { health.snapshot().succeeded == 1 }).await;
    stop(token, handle).await;
    assert_eq!(get(&pool, known).await.status, JobStatus::Succeeded);
    let waiting = get(&pool, unknown).await;
    assert_eq!((waiting.status, waiting.attempts), (JobStatus::Queued, 0), "untouched");
    assert_eq!(health.snapshot().failed, 0);
}
