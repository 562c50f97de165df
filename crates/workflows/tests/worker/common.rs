//! Helpers shared by the worker tests: a clock, separate pools, a worker that records its runs,
//! and a bounded wait.

use std::future::Future;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use pocket_store::jobs::{self, Job, NewJob};
use pocket_workflows::worker::{JobContext, JobError, Worker, WorkerConfig};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// 10:00 in Johannesburg on the first day of every test.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).single().expect("BUG: the start is valid")
}

/// A worker configuration for tests: quick polls, a five-minute lease that only moving the test
/// clock can end, no heartbeat unless a test asks for one, no jitter.
pub fn config(name: &str) -> WorkerConfig {
    WorkerConfig {
        worker_id: name.to_owned(),
        concurrency: 4,
        poll_interval: StdDuration::from_millis(25),
        lease: Duration::minutes(5),
        heartbeat_interval: StdDuration::from_secs(3600),
        grace_period: StdDuration::from_secs(5),
        jitter: 0.0,
    }
}

/// A pool of its own on the test's database, as a worker in another process would have.
pub async fn separate_pool(pool: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(8)
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("connect a separate pool")
}

/// Waits until `check` holds, polling; fails the test after 30 seconds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(30);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
}

/// Starts a worker in a task; cancel the token for a graceful stop, or abort the task to kill it.
pub fn spawn(worker: Worker) -> (CancellationToken, JoinHandle<()>) {
    let token = CancellationToken::new();
    let handle = tokio::spawn(worker.run(token.clone()));
    (token, handle)
}

/// Stops a worker gracefully and waits for it.
pub async fn stop(token: CancellationToken, handle: JoinHandle<()>) {
    token.cancel();
    tokio::time::timeout(StdDuration::from_secs(30), handle)
        .await
        .expect("the worker stops within its grace periods")
        .expect("the worker task ends cleanly");
}

pub async fn enqueue(pool: &PgPool, job: NewJob) -> Uuid {
    let mut conn = pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, &job).await.unwrap().0
}

pub async fn get(pool: &PgPool, job_id: Uuid) -> Job {
    let mut conn = pool.acquire().await.unwrap();
    jobs::get(&mut conn, job_id).await.unwrap()
}

/// The table in which handlers record each successful run, with the worker that ran it.
pub async fn create_run_log(pool: &PgPool) {
    sqlx::query("create table run_log (job_id uuid not null, worker text not null)")
        .execute(pool)
        .await
        .unwrap();
}

/// Records a run of the context's job in `run_log`.
pub async fn record_run(ctx: &JobContext) -> Result<(), JobError> {
    sqlx::query("insert into run_log (job_id, worker) values ($1, $2)")
        .bind(ctx.job_id)
        .bind(&ctx.worker_id)
        .execute(ctx.pool())
        .await
        .map_err(JobError::retryable)?;
    Ok(())
}

/// The workers recorded for each run of `job_id`.
pub async fn runs_of(pool: &PgPool, job_id: Uuid) -> Vec<String> {
    sqlx::query_scalar("select worker from run_log where job_id = $1")
        .bind(job_id)
        .fetch_all(pool)
        .await
        .unwrap()
}
