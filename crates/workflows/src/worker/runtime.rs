//! The worker loop: claim when there is room and a reason (a job was inserted, the poll timer, a
//! slot freed), run each job in its own task with a lease heartbeat, record the outcome, and on
//! shutdown finish or hand back what is held.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::Duration;
use futures_util::FutureExt as _;
use pocket_store::jobs::{self, Job, JobStatus};
use pocket_store::listen::{self, ChangeOp};
use pocket_store::{Result, StoreError};
use rand::Rng as _;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;
use uuid::Uuid;

use super::clock::Clock;
use super::handler::{Handlers, JobContext, JobError};
use super::health::{HealthHandle, HealthState};
use super::queue;
use super::schedule::Scheduler;

/// How a worker runs. Lease is worker-clock time (it decides who may claim a job); the intervals
/// are real time (they pace this process).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in `job.locked_by`; must be unique among running workers.
    pub worker_id: String,
    /// The most jobs run at once.
    pub concurrency: usize,
    /// How often to look for due jobs without being woken: catches retries whose backoff ended,
    /// jobs handed back, and notifications lost while the listener reconnected.
    pub poll_interval: StdDuration,
    /// How long a claim holds a job before another worker may take it over.
    pub lease: Duration,
    /// How often a running job's lease is renewed; well under the lease.
    pub heartbeat_interval: StdDuration,
    /// How long shutdown waits for jobs in flight before handing them back.
    pub grace_period: StdDuration,
    /// The most random delay added to a retry, as a fraction of its backoff (0.0 to 1.0).
    pub jitter: f64,
}

impl WorkerConfig {
    /// Defaults for production, with a unique worker id made from `name`.
    pub fn new(name: &str) -> Self {
        WorkerConfig {
            worker_id: format!("{name}-{}", Uuid::new_v4().simple()),
            concurrency: 8,
            poll_interval: StdDuration::from_secs(5),
            lease: Duration::minutes(5),
            heartbeat_interval: StdDuration::from_secs(60),
            grace_period: StdDuration::from_secs(30),
            jitter: 0.2,
        }
    }
}

/// A worker over one pool. Build it, keep a [`HealthHandle`], then [`run`](Worker::run) it.
#[derive(Debug)]
pub struct Worker {
    shared: Arc<Shared>,
    scheduler: Option<Scheduler>,
}

#[derive(Debug)]
struct Shared {
    pool: PgPool,
    config: WorkerConfig,
    handlers: Handlers,
    clock: Arc<dyn Clock>,
    health: Arc<HealthState>,
    /// Jobs claimed and not yet recorded, so that shutdown can hand back any whose task it had to
    /// abort.
    held: Mutex<HashSet<Uuid>>,
}

/// What became of one claimed job.
enum Outcome {
    Finished(Result<(), JobError>),
    HandBack,
    LeaseLost,
}

impl Worker {
    pub fn new(
        pool: PgPool,
        config: WorkerConfig,
        handlers: Handlers,
        clock: impl Clock + 'static,
    ) -> Self {
        assert!(config.concurrency > 0, "BUG: a worker needs room for at least one job");
        let health = Arc::new(HealthState::new(config.worker_id.clone()));
        let shared = Shared {
            pool,
            config,
            handlers,
            clock: Arc::new(clock),
            health,
            held: Mutex::new(HashSet::new()),
        };
        Worker { shared: Arc::new(shared), scheduler: None }
    }

    /// Ticks `scheduler` on every poll, so this worker also enqueues the recurring jobs (every
    /// replica may: each occurrence is enqueued once).
    pub fn with_scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = Some(scheduler);
        self
    }

    pub fn health(&self) -> HealthHandle {
        HealthHandle { state: self.shared.health.clone() }
    }

    /// Runs until `shutdown` is cancelled, then stops claiming, waits up to the grace period for
    /// the jobs in flight, and hands back whatever did not finish. If this future is dropped
    /// instead (the process is killed), the jobs it held run again elsewhere once their leases
    /// expire.
    pub async fn run(self, shutdown: CancellationToken) {
        let shared = self.shared;
        let config = &shared.config;
        // The listener is set up before the first claim, so no insert falls between the two.
        let wake = Arc::new(Notify::new());
        let first = listen::listener(&shared.pool).await;
        if let Err(error) = &first {
            tracing::warn!(%error, "cannot listen for new jobs yet; polling meanwhile");
        }
        let _listener = AbortOnDrop(tokio::spawn(listen_for_jobs(
            shared.pool.clone(),
            first.ok(),
            wake.clone(),
        )));

        let slots = Arc::new(Semaphore::new(config.concurrency));
        let hand_back = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let mut poll = tokio::time::interval(config.poll_interval);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        shared.health.running.store(true, Ordering::Relaxed);
        tracing::info!(worker = %config.worker_id, "worker started");

        // Every wake-up (start, a job inserted, a slot freed, the poll) is a reason to claim.
        loop {
            if !shutdown.is_cancelled() {
                claim_and_spawn(&shared, &slots, &mut tasks, &hand_back).await;
            }
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Err(error) = joined {
                        tracing::error!(%error, "a job task ended abnormally");
                    }
                }
                () = wake.notified() => {}
                _ = poll.tick() => housekeeping(&shared, self.scheduler.as_ref()).await,
            }
        }

        shared.health.running.store(false, Ordering::Relaxed);
        tracing::info!(worker = %config.worker_id, in_flight = tasks.len(), "worker stopping");
        let finished = tokio::time::timeout(config.grace_period, drain(&mut tasks)).await.is_ok();
        if !finished {
            // Each task hands its own job back, so none is interrupted while recording an outcome.
            hand_back.cancel();
            let handed = tokio::time::timeout(config.grace_period, drain(&mut tasks)).await;
            if handed.is_err() {
                tasks.abort_all();
                drain(&mut tasks).await;
                release_leftovers(&shared).await;
            }
        }
        tracing::info!(worker = %config.worker_id, "worker stopped");
    }
}

/// Aborts a background task when the worker's future ends or is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn drain(tasks: &mut JoinSet<()>) {
    while let Some(joined) = tasks.join_next().await {
        if let Err(error) = joined
            && !error.is_cancelled()
        {
            tracing::error!(%error, "a job task ended abnormally");
        }
    }
}

/// Wakes the worker whenever a job row is inserted. Notifications are only a hint: the claim
/// decides, and the poll timer covers any that were missed.
async fn listen_for_jobs(pool: PgPool, mut listener: Option<PgListener>, wake: Arc<Notify>) {
    loop {
        if let Some(mut connected) = listener.take() {
            loop {
                match connected.recv().await {
                    Ok(notification) => {
                        let change = listen::Change::parse(&notification);
                        if change.is_some_and(|c| c.table == "job" && c.op == ChangeOp::Insert) {
                            wake.notify_one();
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "lost the job listener; reconnecting");
                        break;
                    }
                }
            }
        }
        // A pause before reconnecting, so that a database that is down is not hammered.
        tokio::time::sleep(StdDuration::from_secs(1)).await;
        match listen::listener(&pool).await {
            Ok(connected) => {
                // Inserts made while disconnected were not announced.
                wake.notify_one();
                listener = Some(connected);
            }
            Err(error) => tracing::warn!(%error, "cannot listen for new jobs"),
        }
    }
}

/// Work done on every poll: dead jobs whose worker died on their last attempt, and the recurring
/// jobs of the scheduler.
async fn housekeeping(shared: &Shared, scheduler: Option<&Scheduler>) {
    let now = shared.clock.now();
    let result: Result<()> = async {
        let mut conn = shared.pool.acquire().await?;
        let reaped = jobs::reap_expired(&mut conn, now).await?;
        if reaped > 0 {
            tracing::warn!(reaped, "jobs died with their last lease");
        }
        if let Some(scheduler) = scheduler {
            scheduler.tick(&mut conn, now).await?;
        }
        Ok(())
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "housekeeping failed; trying again at the next poll");
    }
}

/// Claims as many jobs as there are free slots and starts each in its own task.
async fn claim_and_spawn(
    shared: &Arc<Shared>,
    slots: &Arc<Semaphore>,
    tasks: &mut JoinSet<()>,
    hand_back: &CancellationToken,
) {
    let mut permits = Vec::new();
    while let Ok(permit) = slots.clone().try_acquire_owned() {
        permits.push(permit);
    }
    if permits.is_empty() {
        return;
    }
    let config = &shared.config;
    let now = shared.clock.now();
    let claimed: Result<Vec<Job>> = async {
        let mut conn = shared.pool.acquire().await?;
        let limit = i64::try_from(permits.len()).expect("BUG: concurrency fits in i64");
        // Only kinds this worker can run (a replica of another version may know others).
        let kinds = shared.handlers.kinds();
        jobs::claim_kinds(&mut conn, &config.worker_id, &kinds, limit, config.lease, now).await
    }
    .await;
    let claimed = match claimed {
        Ok(claimed) => claimed,
        Err(error) => {
            tracing::warn!(%error, "claim failed; trying again at the next poll");
            return;
        }
    };
    shared.health.claimed(now);
    for (job, permit) in claimed.into_iter().zip(permits) {
        shared.held.lock().expect("BUG: the held-jobs lock is never poisoned").insert(job.job_id);
        let span = tracing::info_span!("job", job_id = %job.job_id, kind = %job.kind, attempt = job.attempts);
        tasks.spawn(run_job(shared.clone(), job, permit, hand_back.clone()).instrument(span));
    }
}

/// Counts a job in flight for as long as its task lives, even if the task is aborted.
struct InFlight {
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shared.health.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn run_job(
    shared: Arc<Shared>,
    job: Job,
    permit: OwnedSemaphorePermit,
    hand_back: CancellationToken,
) {
    shared.health.in_flight.fetch_add(1, Ordering::Relaxed);
    let _in_flight = InFlight { shared: shared.clone(), _permit: permit };
    let config = &shared.config;
    let ctx = JobContext {
        job_id: job.job_id,
        kind: job.kind.clone(),
        attempt: job.attempts,
        max_attempts: job.max_attempts,
        run_at: job.run_at,
        idempotency_key: job.idempotency_key.clone(),
        worker_id: config.worker_id.clone(),
        pool: shared.pool.clone(),
        clock: shared.clock.clone(),
        hand_back: hand_back.clone(),
    };
    let handler = shared.handlers.get(&job.kind).cloned();
    let work = async {
        let Some(handler) = handler else {
            // Claims are limited to known kinds, so this cannot happen; if it does, the job backs
            // off and dies visibly rather than vanishing.
            return Err(JobError::retryable(format!("no handler for job kind {}", job.kind)));
        };
        AssertUnwindSafe(handler.run(&ctx, &job.payload))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(JobError::retryable("the handler panicked")))
    };
    let mut work = Box::pin(work);
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + config.heartbeat_interval,
        config.heartbeat_interval,
    );
    let outcome = loop {
        tokio::select! {
            biased;
            result = &mut work => break Outcome::Finished(result),
            () = hand_back.cancelled() => break Outcome::HandBack,
            _ = heartbeat.tick() => {
                let until = shared.clock.now() + config.lease;
                match renew(&shared, job.job_id, until).await {
                    Ok(true) => {}
                    Ok(false) => break Outcome::LeaseLost,
                    // The lease may still be good; the next beat tries again.
                    Err(error) => tracing::warn!(job_id = %job.job_id, %error, "lease renewal failed"),
                }
            }
        }
    };
    // A handler that stopped with a retryable error because it was asked to hand back did not
    // fail: its job goes back to the queue without an attempt counted and without a backoff.
    let outcome = match outcome {
        Outcome::Finished(Err(JobError::Retryable(_))) if hand_back.is_cancelled() => {
            Outcome::HandBack
        }
        outcome => outcome,
    };
    // The handler's future is dropped here, before the outcome is recorded, so a lost or handed
    // back job stops doing work.
    drop(work);
    if let Err(error) = record(&shared, &job, outcome).await {
        // The lease will run out and the job run again: at least once, never lost.
        tracing::error!(job_id = %job.job_id, %error, "could not record the job's outcome");
    }
    shared.held.lock().expect("BUG: the held-jobs lock is never poisoned").remove(&job.job_id);
}

async fn renew(
    shared: &Shared,
    job_id: Uuid,
    until: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let mut conn = shared.pool.acquire().await?;
    queue::extend_lease(&mut conn, job_id, &shared.config.worker_id, until).await
}

async fn record(shared: &Shared, job: &Job, outcome: Outcome) -> Result<()> {
    let worker = shared.config.worker_id.as_str();
    let health = &shared.health;
    let now = shared.clock.now();
    match outcome {
        Outcome::Finished(Ok(())) => {
            let mut conn = shared.pool.acquire().await?;
            match jobs::complete(&mut conn, job.job_id, worker, now).await {
                Ok(()) => HealthState::count(&health.succeeded),
                Err(StoreError::NotFound { .. }) => lease_lost(shared, job),
                Err(error) => return Err(error),
            }
        }
        Outcome::Finished(Err(JobError::Retryable(message))) => {
            let mut tx = shared.pool.begin().await?;
            let status = match jobs::fail(&mut tx, job.job_id, worker, &message, now).await {
                Ok(status) => status,
                Err(StoreError::NotFound { .. }) => {
                    lease_lost(shared, job);
                    return Ok(());
                }
                Err(error) => return Err(error),
            };
            if status == JobStatus::Queued {
                let jitter = jitter(job.attempts, shared.config.jitter);
                queue::add_jitter(&mut tx, job.job_id, jitter).await?;
            }
            tx.commit().await?;
            // Counted once recorded, so that the count never runs ahead of the table.
            HealthState::count(&health.failed);
            tracing::info!(job_id = %job.job_id, %message, %status, "job failed");
        }
        Outcome::Finished(Err(JobError::Permanent(message))) => {
            let mut conn = shared.pool.acquire().await?;
            if queue::bury(&mut conn, job.job_id, worker, &message, now).await? {
                HealthState::count(&health.failed);
                tracing::warn!(job_id = %job.job_id, %message, "job failed permanently");
            } else {
                lease_lost(shared, job);
            }
        }
        Outcome::HandBack => {
            let mut conn = shared.pool.acquire().await?;
            if queue::release(&mut conn, job.job_id, worker).await? {
                HealthState::count(&health.handed_back);
                tracing::info!(job_id = %job.job_id, "job handed back at shutdown");
            }
        }
        Outcome::LeaseLost => lease_lost(shared, job),
    }
    Ok(())
}

fn lease_lost(shared: &Shared, job: &Job) {
    HealthState::count(&shared.health.leases_lost);
    tracing::warn!(job_id = %job.job_id, "lost the job's lease; another worker may have it");
}

/// A random extra wait of up to `fraction` of the backoff after attempt `attempts`.
fn jitter(attempts: i32, fraction: f64) -> Duration {
    let most = jobs::backoff(attempts).num_milliseconds() as f64 * fraction.clamp(0.0, 1.0);
    if most < 1.0 {
        return Duration::zero();
    }
    Duration::milliseconds(rand::thread_rng().gen_range(0.0..most) as i64)
}

/// Hands back jobs whose tasks had to be aborted at shutdown; guarded, so a job whose outcome was
/// in fact recorded is left alone.
async fn release_leftovers(shared: &Shared) {
    let held: Vec<Uuid> =
        shared.held.lock().expect("BUG: the held-jobs lock is never poisoned").drain().collect();
    for job_id in held {
        let released = async {
            let mut conn = shared.pool.acquire().await?;
            queue::release(&mut conn, job_id, &shared.config.worker_id).await
        }
        .await;
        match released {
            Ok(true) => HealthState::count(&shared.health.handed_back),
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%job_id, %error, "could not hand back a job; its lease will expire")
            }
        }
    }
}
