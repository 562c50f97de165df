//! The worker's health, kept in shared counters so that an HTTP endpoint (planned) can read a
//! snapshot while the worker runs.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// A point-in-time view of one worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerHealth {
    pub worker_id: String,
    /// Claiming and running jobs (false before `run`, and from the moment shutdown begins).
    pub running: bool,
    /// Jobs being run right now.
    pub in_flight: usize,
    /// When a claim query last succeeded (worker clock), whether or not it found work: a stale
    /// value means the worker cannot reach the database.
    pub last_claim_at: Option<DateTime<Utc>>,
    /// Claim queries that succeeded.
    pub claims: u64,
    /// Jobs run to success and recorded done.
    pub succeeded: u64,
    /// Attempts that failed (retryable or permanent).
    pub failed: u64,
    /// Jobs handed back unfinished at shutdown.
    pub handed_back: u64,
    /// Jobs whose lease this worker lost while running them (another worker may have them now).
    pub leases_lost: u64,
}

/// A cheap handle on a worker's health that outlives the worker.
#[derive(Debug, Clone)]
pub struct HealthHandle {
    pub(crate) state: Arc<HealthState>,
}

impl HealthHandle {
    pub fn snapshot(&self) -> WorkerHealth {
        let s = &self.state;
        WorkerHealth {
            worker_id: s.worker_id.clone(),
            running: s.running.load(Ordering::Relaxed),
            in_flight: s.in_flight.load(Ordering::Relaxed),
            last_claim_at: *s.last_claim_at.lock().expect("BUG: the health lock is never poisoned"),
            claims: s.claims.load(Ordering::Relaxed),
            succeeded: s.succeeded.load(Ordering::Relaxed),
            failed: s.failed.load(Ordering::Relaxed),
            handed_back: s.handed_back.load(Ordering::Relaxed),
            leases_lost: s.leases_lost.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug)]
pub(crate) struct HealthState {
    pub(crate) worker_id: String,
    pub(crate) running: AtomicBool,
    pub(crate) in_flight: AtomicUsize,
    pub(crate) last_claim_at: Mutex<Option<DateTime<Utc>>>,
    pub(crate) claims: AtomicU64,
    pub(crate) succeeded: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) handed_back: AtomicU64,
    pub(crate) leases_lost: AtomicU64,
}

impl HealthState {
    pub(crate) fn new(worker_id: String) -> Self {
        HealthState {
            worker_id,
            running: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            last_claim_at: Mutex::new(None),
            claims: AtomicU64::new(0),
            succeeded: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            handed_back: AtomicU64::new(0),
            leases_lost: AtomicU64::new(0),
        }
    }

    pub(crate) fn claimed(&self, at: DateTime<Utc>) {
        *self.last_claim_at.lock().expect("BUG: the health lock is never poisoned") = Some(at);
        self.claims.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
