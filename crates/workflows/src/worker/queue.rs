//! What the worker needs of the job table beyond `pocket_store::jobs`: renewing and handing back a
//! lease, burying a job at once, jitter on a retry, and the dead letters a person can see and
//! retry. These are plain runtime-checked queries (no `query!` macros) so that this crate adds
//! nothing to the store's offline cache; each is guarded like the store's own (`status` and
//! `locked_by`), so a worker can only touch a job it holds.

use chrono::{DateTime, Duration, Utc};
use pocket_store::Result;
use pocket_store::jobs::{self, NewJob};
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

/// Records the intent to do work in the same transaction as the state change that causes it (the
/// transactional outbox, DESIGN.md decision 2): the job exists if and only if the change commits,
/// so a crash between "change made" and "work requested" cannot lose or invent work. Returns the
/// job and whether it is new (an idempotency key already used gives the existing job).
pub async fn enqueue_in(tx: &mut Transaction<'_, Postgres>, job: &NewJob) -> Result<(Uuid, bool)> {
    jobs::enqueue(tx, job).await
}

/// Renews the lease of a job this worker holds until `until`; `false` means the worker no longer
/// holds it (the lease ran out and another worker claimed it, or it was finished).
pub async fn extend_lease(
    conn: &mut PgConnection,
    job_id: Uuid,
    worker: &str,
    until: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "update job set locked_until = $3
         where job_id = $1 and status = 'running' and locked_by = $2",
    )
    .bind(job_id)
    .bind(worker)
    .bind(until)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Hands a job this worker holds back to the queue unfinished: claimable again at once, and the
/// attempt its claim counted is given back, since the job did not fail. `false` if not held.
pub async fn release(conn: &mut PgConnection, job_id: Uuid, worker: &str) -> Result<bool> {
    let done = sqlx::query(
        "update job set status = 'queued', attempts = attempts - 1, locked_until = null,
                        locked_by = null
         where job_id = $1 and status = 'running' and locked_by = $2",
    )
    .bind(job_id)
    .bind(worker)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes a job this worker holds dead at once, whatever attempts it has left: a permanent failure.
pub(crate) async fn bury(
    conn: &mut PgConnection,
    job_id: Uuid,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "update job set status = 'dead', completed_at = $4, locked_until = null, locked_by = null,
                        last_error = $3
         where job_id = $1 and status = 'running' and locked_by = $2",
    )
    .bind(job_id)
    .bind(worker)
    .bind(error)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Pushes a queued job's next run later by `jitter`, so that jobs which failed together (a
/// provider outage) do not all retry in the same second. Called in the transaction of the failure.
pub(crate) async fn add_jitter(
    conn: &mut PgConnection,
    job_id: Uuid,
    jitter: Duration,
) -> Result<()> {
    sqlx::query(
        "update job set run_at = run_at + $2 * interval '1 millisecond'
         where job_id = $1 and status = 'queued'",
    )
    .bind(job_id)
    .bind(jitter.num_milliseconds())
    .execute(conn)
    .await?;
    Ok(())
}

/// A dead job, as a person deciding whether to retry it sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadJob {
    pub job_id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub max_attempts: i32,
    pub idempotency_key: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it died.
    pub completed_at: DateTime<Utc>,
}

/// The dead jobs, most recently dead first, at most `limit`.
pub async fn list_dead(conn: &mut PgConnection, limit: i64) -> Result<Vec<DeadJob>> {
    Ok(sqlx::query_as::<_, DeadJob>(
        "select job_id, kind, payload, attempts, max_attempts, idempotency_key, last_error,
                created_at, completed_at
         from job where status = 'dead'
         order by completed_at desc, job_id
         limit $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Gives a dead job a fresh set of attempts, due at `now`; `false` if it is not dead (already
/// retried by someone else, for instance). Its last error is kept for reference until it runs.
pub async fn retry_dead(conn: &mut PgConnection, job_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "update job set status = 'queued', attempts = 0, run_at = $2, completed_at = null
         where job_id = $1 and status = 'dead'",
    )
    .bind(job_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
