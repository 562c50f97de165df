//! Recurring jobs. Every worker replica runs the same scheduler; each enqueues the latest
//! occurrence of every schedule with an idempotency key naming that occurrence
//! (`collections.daily:2026-11-25`), so the job table's unique key makes the occurrence one job
//! however many replicas enqueue it.
//!
//! Only the latest occurrence is ever enqueued: a scheduler that was down for a while catches up
//! once, not once per missed period.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use pocket_store::Result;
use pocket_store::jobs::{self, NewJob};
use sqlx::PgConnection;
use uuid::Uuid;

/// Africa/Johannesburg is UTC+2 all year (South Africa has kept no daylight saving since 1944),
/// so a fixed offset is exact and needs no time zone database.
const SAST_SECONDS: i32 = 2 * 3600;

fn sast() -> FixedOffset {
    FixedOffset::east_opt(SAST_SECONDS).expect("BUG: UTC+2 is a valid offset")
}

/// When a recurring job falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every day at this civil time in Africa/Johannesburg.
    DailyAt(NaiveTime),
    /// Every this many minutes, aligned to the Unix epoch (every 15 minutes: :00, :15, :30, :45).
    EveryMinutes(u32),
}

/// A schedule that cannot occur.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{hour:02}:{minute:02} is not a time of day")]
    NotATime { hour: u32, minute: u32 },
    #[error("an interval must be at least one minute")]
    ZeroInterval,
}

impl Schedule {
    /// Daily at `hour:minute` Africa/Johannesburg time.
    pub fn daily_at(hour: u32, minute: u32) -> Result<Self, ScheduleError> {
        NaiveTime::from_hms_opt(hour, minute, 0)
            .map(Schedule::DailyAt)
            .ok_or(ScheduleError::NotATime { hour, minute })
    }

    pub fn every_minutes(minutes: u32) -> Result<Self, ScheduleError> {
        if minutes == 0 {
            Err(ScheduleError::ZeroInterval)
        } else {
            Ok(Schedule::EveryMinutes(minutes))
        }
    }

    /// The latest occurrence at or before `now`, and the label that names its period: the civil
    /// date for a daily schedule, the UTC minute for an interval.
    pub fn latest(&self, now: DateTime<Utc>) -> (DateTime<Utc>, String) {
        match *self {
            Schedule::DailyAt(time) => {
                let local_today = now.with_timezone(&sast()).date_naive();
                let at = |date: chrono::NaiveDate| {
                    sast()
                        .from_local_datetime(&date.and_time(time))
                        .single()
                        .expect("BUG: a fixed offset maps every local time once")
                        .with_timezone(&Utc)
                };
                let today = at(local_today);
                let (date, occurrence) = if today <= now {
                    (local_today, today)
                } else {
                    let yesterday = local_today - Duration::days(1);
                    (yesterday, at(yesterday))
                };
                (occurrence, date.format("%Y-%m-%d").to_string())
            }
            Schedule::EveryMinutes(minutes) => {
                let period = i64::from(minutes) * 60;
                let start = now.timestamp().div_euclid(period) * period;
                let occurrence = DateTime::from_timestamp(start, 0)
                    .expect("BUG: a period start before now is a valid instant");
                (occurrence, occurrence.format("%Y-%m-%dT%H:%MZ").to_string())
            }
        }
    }
}

/// A job enqueued on a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledJob {
    /// The job kind, which also prefixes the idempotency key.
    pub kind: String,
    pub schedule: Schedule,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
}

impl ScheduledJob {
    pub fn new(kind: &str, schedule: Schedule) -> Self {
        ScheduledJob {
            kind: kind.to_owned(),
            schedule,
            payload: serde_json::json!({}),
            max_attempts: 5,
        }
    }

    /// The job of the latest occurrence at `now`, keyed by its period, due at the occurrence.
    pub fn occurrence(&self, now: DateTime<Utc>) -> NewJob {
        let (run_at, label) = self.schedule.latest(now);
        NewJob {
            kind: self.kind.clone(),
            payload: self.payload.clone(),
            run_at,
            max_attempts: self.max_attempts,
            idempotency_key: Some(format!("{}:{label}", self.kind)),
        }
    }
}

/// The recurring jobs of the platform; a worker ticks it on every poll.
#[derive(Debug, Clone, Default)]
pub struct Scheduler {
    jobs: Vec<ScheduledJob>,
}

impl Scheduler {
    pub fn new(jobs: Vec<ScheduledJob>) -> Self {
        Scheduler { jobs }
    }

    /// Enqueues the latest occurrence of every schedule; returns the jobs that are new (an
    /// occurrence another replica enqueued first is not).
    pub async fn tick(&self, conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
        let mut created = Vec::new();
        for job in &self.jobs {
            let (job_id, new) = jobs::enqueue(conn, &job.occurrence(now)).await?;
            if new {
                created.push(job_id);
            }
        }
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("BUG: test instants are valid")
    }

    #[test]
    fn a_daily_schedule_before_its_time_names_yesterday() {
        let schedule = Schedule::daily_at(6, 0).unwrap();
        // 05:59 in Johannesburg is 03:59 UTC.
        let (at, label) = schedule.latest(utc("2026-11-25T03:59:00Z"));
        assert_eq!((at, label.as_str()), (utc("2026-11-24T04:00:00Z"), "2026-11-24"));
    }

    #[test]
    fn a_daily_schedule_at_its_time_names_today() {
        let schedule = Schedule::daily_at(6, 0).unwrap();
        let (at, label) = schedule.latest(utc("2026-11-25T04:00:00Z"));
        assert_eq!((at, label.as_str()), (utc("2026-11-25T04:00:00Z"), "2026-11-25"));
    }

    #[test]
    fn a_daily_schedule_uses_the_johannesburg_date_not_the_utc_date() {
        // 00:30 on the 26th in Johannesburg is still the 25th in UTC.
        let schedule = Schedule::daily_at(0, 15).unwrap();
        let (at, label) = schedule.latest(utc("2026-11-25T22:30:00Z"));
        assert_eq!((at, label.as_str()), (utc("2026-11-25T22:15:00Z"), "2026-11-26"));
    }

    #[test]
    fn an_interval_schedule_aligns_to_whole_periods() {
        let schedule = Schedule::every_minutes(15).unwrap();
        let (at, label) = schedule.latest(utc("2026-11-25T10:44:59Z"));
        assert_eq!((at, label.as_str()), (utc("2026-11-25T10:30:00Z"), "2026-11-25T10:30Z"));
    }

    #[test]
    fn impossible_schedules_are_refused() {
        assert_eq!(Schedule::daily_at(24, 0), Err(ScheduleError::NotATime { hour: 24, minute: 0 }));
        assert_eq!(Schedule::every_minutes(0), Err(ScheduleError::ZeroInterval));
    }

    #[test]
    fn an_occurrence_is_keyed_by_kind_and_period() {
        let job = ScheduledJob::new("collections.daily", Schedule::daily_at(6, 0).unwrap());
        let new = job.occurrence(utc("2026-11-25T12:00:00Z"));
        assert_eq!(new.idempotency_key.as_deref(), Some("collections.daily:2026-11-25"));
        assert_eq!(new.run_at, utc("2026-11-25T04:00:00Z"));
    }
}
