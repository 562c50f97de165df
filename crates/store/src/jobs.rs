//! The job queue (DESIGN.md decision 9). Workers claim ready jobs with `FOR UPDATE SKIP LOCKED`
//! and hold them for a lease; a job whose worker died becomes claimable again when the lease
//! runs out. Failures retry with exponential backoff until `max_attempts`, then the job is dead.
//! The clock is a parameter so tests move time instead of sleeping.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    pub enum JobStatus {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Dead => "dead",
        Cancelled => "cancelled",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Lowercase, dotted: `notification.send`, `batch.submit`.
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    /// Enqueuing twice with the same key gives the same job.
    pub idempotency_key: Option<String>,
}

impl NewJob {
    /// A job to run now with five attempts.
    pub fn now(kind: &str, payload: serde_json::Value, now: DateTime<Utc>) -> Self {
        NewJob {
            kind: kind.to_owned(),
            payload,
            run_at: now,
            max_attempts: 5,
            idempotency_key: None,
        }
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub job_id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub locked_by: Option<String>,
    pub idempotency_key: Option<String>,
    pub last_error: Option<String>,
}

/// Enqueues a job; with an idempotency key already used, returns the existing job and `false`.
pub async fn enqueue(conn: &mut PgConnection, job: &NewJob) -> Result<(Uuid, bool)> {
    let inserted = sqlx::query_scalar!(
        r#"insert into job (kind, payload, run_at, max_attempts, idempotency_key)
           values ($1, $2, $3, $4, $5)
           on conflict (idempotency_key) do nothing
           returning job_id"#,
        job.kind,
        job.payload,
        job.run_at,
        job.max_attempts,
        job.idempotency_key,
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let existing = sqlx::query_scalar!(
        "select job_id from job where idempotency_key = $1",
        job.idempotency_key
    )
    .fetch_optional(conn)
    .await?;
    Ok((found(existing, "job")?, false))
}

/// Claims up to `limit` ready jobs (queued and due, or running with an expired lease and attempts
/// left) for `worker`, each for `lease`. Rows locked by a concurrent claimer are skipped, so two
/// claimers never get the same job.
pub async fn claim(
    conn: &mut PgConnection,
    worker: &str,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Job>> {
    claim_where(conn, worker, None, limit, lease, now).await
}

/// Like [`claim`], but only jobs of the given kinds: a worker claims what it can run, so during a
/// rolling update a job of a kind only the new version knows waits for a new replica instead of
/// failing on an old one.
pub async fn claim_kinds(
    conn: &mut PgConnection,
    worker: &str,
    kinds: &[String],
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Job>> {
    claim_where(conn, worker, Some(kinds), limit, lease, now).await
}

async fn claim_where(
    conn: &mut PgConnection,
    worker: &str,
    kinds: Option<&[String]>,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Job>> {
    let locked_until = now + lease;
    Ok(sqlx::query_as!(
        Job,
        r#"with ready as (
               select job_id from job
               where ((status = 'queued' and run_at <= $1)
                      or (status = 'running' and locked_until <= $1))
                 and attempts < max_attempts
                 and ($5::text[] is null or kind = any($5))
               order by run_at, job_id
               limit $2
               for update skip locked)
           update job j
           set status = 'running', attempts = j.attempts + 1, locked_until = $3, locked_by = $4
           from ready where j.job_id = ready.job_id
           returning j.job_id, j.kind, j.payload, j.status as "status: JobStatus", j.run_at, j.attempts,
                     j.max_attempts, j.locked_until, j.locked_by, j.idempotency_key, j.last_error"#,
        now,
        limit,
        locked_until,
        worker,
        kinds as Option<&[String]>
    )
    .fetch_all(conn)
    .await?)
}

/// Marks a job done; only the worker holding the lease may.
pub async fn complete(
    conn: &mut PgConnection,
    job_id: Uuid,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update job set status = 'succeeded', completed_at = $3, locked_until = null, locked_by = null,
                          last_error = null
           where job_id = $1 and status = 'running' and locked_by = $2"#,
        job_id,
        worker,
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "job leased by this worker")
}

/// The wait before attempt `attempts + 1`: 30 s doubling each time, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 8) - 1;
    Duration::seconds((30i64 << exponent).min(3600))
}

/// Records a failure: the job is queued again after [`backoff`], or is dead once its attempts are
/// used up. Returns the new status.
pub async fn fail(
    conn: &mut PgConnection,
    job_id: Uuid,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<JobStatus> {
    let attempts = sqlx::query_scalar!(
        "select attempts from job where job_id = $1 and status = 'running' and locked_by = $2 for update",
        job_id,
        worker
    )
    .fetch_optional(&mut *conn)
    .await?;
    let attempts = found(attempts, "job leased by this worker")?;
    let retry_at = now + backoff(attempts);
    let status = sqlx::query_scalar!(
        r#"update job
           set status = case when attempts >= max_attempts then 'dead' else 'queued' end,
               completed_at = case when attempts >= max_attempts then $3::timestamptz else null end,
               run_at = case when attempts >= max_attempts then run_at else $4::timestamptz end,
               locked_until = null, locked_by = null, last_error = $2
           where job_id = $1
           returning status as "status: JobStatus""#,
        job_id,
        error,
        now,
        retry_at
    )
    .fetch_one(conn)
    .await?;
    Ok(status)
}

/// Running jobs whose lease ran out with no attempts left become dead (nobody may claim them).
pub async fn reap_expired(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<u64> {
    Ok(sqlx::query!(
        r#"update job set status = 'dead', completed_at = $1, locked_until = null, locked_by = null,
                          last_error = coalesce(last_error, 'lease expired')
           where status = 'running' and locked_until <= $1 and attempts >= max_attempts"#,
        now
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn get(conn: &mut PgConnection, job_id: Uuid) -> Result<Job> {
    let row = sqlx::query_as!(
        Job,
        r#"select job_id, kind, payload, status as "status: JobStatus", run_at, attempts, max_attempts,
                  locked_until, locked_by, idempotency_key, last_error
           from job where job_id = $1"#,
        job_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "job")
}
