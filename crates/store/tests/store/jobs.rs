//! The job queue: idempotent enqueue, claims that never overlap, leases, retries with backoff, and
//! dead jobs. Time is passed in, so nothing sleeps.

use std::collections::HashSet;

use chrono::Duration;
use pocket_store::jobs::{self, JobStatus, NewJob};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::at;

fn job(n: usize) -> NewJob {
    NewJob::now("notification.send", serde_json::json!({ "n": n }), at(2026, 11, 25))
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn enqueuing_twice_with_one_idempotency_key_gives_one_job(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let (first, created_first) =
        jobs::enqueue(&mut conn, &job(1).with_key("batch:2026-12-01")).await.unwrap();
    let (second, created_second) =
        jobs::enqueue(&mut conn, &job(2).with_key("batch:2026-12-01")).await.unwrap();
    assert_eq!(first, second);
    assert!(created_first && !created_second);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_claimer_skips_the_jobs_another_claimer_holds_in_an_open_transaction(pool: PgPool) {
    let now = at(2026, 11, 25);
    let mut conn = pool.acquire().await.unwrap();
    for n in 0..10 {
        jobs::enqueue(&mut conn, &job(n)).await.unwrap();
    }
    let mut a = pool.begin().await.unwrap();
    let mut b = pool.begin().await.unwrap();
    let claimed_a = jobs::claim(&mut a, "worker-a", 6, Duration::minutes(5), now).await.unwrap();
    let claimed_b = jobs::claim(&mut b, "worker-b", 10, Duration::minutes(5), now).await.unwrap();
    a.commit().await.unwrap();
    b.commit().await.unwrap();
    let ids_a: HashSet<Uuid> = claimed_a.iter().map(|j| j.job_id).collect();
    let ids_b: HashSet<Uuid> = claimed_b.iter().map(|j| j.job_id).collect();
    assert_eq!((ids_a.len(), ids_b.len()), (6, 4));
    assert!(ids_a.is_disjoint(&ids_b));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn many_concurrent_claimers_never_get_the_same_job(pool: PgPool) {
    let now = at(2026, 11, 25);
    let mut conn = pool.acquire().await.unwrap();
    for n in 0..200 {
        jobs::enqueue(&mut conn, &job(n)).await.unwrap();
    }
    drop(conn);
    let workers = (0..4).map(|w| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let worker = format!("worker-{w}");
            let mut mine = Vec::new();
            loop {
                let mut tx = pool.begin().await.unwrap();
                let claimed =
                    jobs::claim(&mut tx, &worker, 7, Duration::minutes(5), now).await.unwrap();
                if claimed.is_empty() {
                    break;
                }
                for j in &claimed {
                    jobs::complete(&mut tx, j.job_id, &worker, now).await.unwrap();
                }
                tx.commit().await.unwrap();
                mine.extend(claimed.into_iter().map(|j| j.job_id));
            }
            mine
        })
    });
    let mut seen = HashSet::new();
    let mut total = 0;
    for handle in workers {
        for id in handle.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "job {id} was claimed twice");
        }
    }
    assert_eq!(total, 200);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_failed_job_waits_for_its_backoff_and_is_dead_after_its_last_attempt(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let now = at(2026, 11, 25);
    let mut new = job(1);
    new.max_attempts = 2;
    let (id, _) = jobs::enqueue(&mut conn, &new).await.unwrap();

    let claimed = jobs::claim(&mut conn, "w", 1, Duration::minutes(1), now).await.unwrap();
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(
        jobs::fail(&mut conn, id, "w", "SMS gateway down", now).await.unwrap(),
        JobStatus::Queued
    );
    // Not before the backoff has passed.
    assert!(
        jobs::claim(&mut conn, "w", 1, Duration::minutes(1), now + Duration::seconds(29))
            .await
            .unwrap()
            .is_empty()
    );
    let later = now + jobs::backoff(1);
    let again = jobs::claim(&mut conn, "w", 1, Duration::minutes(1), later).await.unwrap();
    assert_eq!(again[0].attempts, 2);
    assert_eq!(jobs::fail(&mut conn, id, "w", "still down", later).await.unwrap(), JobStatus::Dead);
    let dead = jobs::get(&mut conn, id).await.unwrap();
    assert_eq!((dead.status, dead.last_error.as_deref()), (JobStatus::Dead, Some("still down")));
    assert!(
        jobs::claim(&mut conn, "w", 1, Duration::minutes(1), later + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_job_whose_lease_ran_out_can_be_claimed_by_another_worker(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let now = at(2026, 11, 25);
    let (id, _) = jobs::enqueue(&mut conn, &job(1)).await.unwrap();
    jobs::claim(&mut conn, "crashed", 1, Duration::minutes(5), now).await.unwrap();
    assert!(
        jobs::claim(&mut conn, "other", 1, Duration::minutes(5), now + Duration::minutes(4))
            .await
            .unwrap()
            .is_empty()
    );
    let taken =
        jobs::claim(&mut conn, "other", 1, Duration::minutes(5), now + Duration::minutes(5))
            .await
            .unwrap();
    assert_eq!(taken[0].job_id, id);
    // The crashed worker's late completion is refused: it no longer holds the lease.
    assert!(jobs::complete(&mut conn, id, "crashed", now + Duration::minutes(6)).await.is_err());
    jobs::complete(&mut conn, id, "other", now + Duration::minutes(6)).await.unwrap();
    assert_eq!(jobs::get(&mut conn, id).await.unwrap().status, JobStatus::Succeeded);
}

#[test]
fn the_backoff_doubles_from_thirty_seconds_up_to_an_hour() {
    let seconds: Vec<i64> = (1..=9).map(|a| jobs::backoff(a).num_seconds()).collect();
    assert_eq!(seconds, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
}
