//! Exponential backoff with full jitter, shared by the clients that retry throttled calls
//! (clickatell.md: "rate limit ... back off"; ses.md: "retry the first with backoff").

use std::time::Duration;

use rand::Rng;

/// How often and how patiently a client retries an answer that says "later".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, the first one included; at least one.
    pub max_attempts: u32,
    /// The ceiling of the first wait; doubles after each attempt.
    pub base_delay: Duration,
    /// No wait is longer than this, a `Retry-After` from the provider included.
    pub max_delay: Duration,
}

impl Default for Backoff {
    /// Four attempts, waits of up to 0.5 s, 1 s, 2 s, never more than 30 s.
    fn default() -> Backoff {
        Backoff {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// Whether another attempt may follow attempt number `attempt` (counted from 1).
    pub fn allows_another(&self, attempt: u32) -> bool {
        attempt < self.max_attempts.max(1)
    }

    /// The wait before the attempt after attempt number `attempt` (counted from 1). A
    /// `Retry-After` from the provider is honoured (capped at `max_delay`); otherwise the wait is
    /// drawn uniformly from zero to `base_delay * 2^(attempt - 1)` ("full jitter"), so clients that
    /// were throttled together do not come back together.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_delay);
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self.base_delay.saturating_mul(1 << exponent).min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_but_stay_under_the_ceiling_and_retry_after_wins() {
        let backoff = Backoff {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for _ in 0..100 {
            assert!(backoff.delay(1, None) <= Duration::from_millis(100));
            assert!(backoff.delay(2, None) <= Duration::from_millis(200));
            assert!(backoff.delay(9, None) <= Duration::from_millis(350));
        }
        assert_eq!(backoff.delay(1, Some(Duration::from_secs(2))), Duration::from_millis(350));
        assert_eq!(backoff.delay(1, Some(Duration::from_millis(7))), Duration::from_millis(7));
        assert!(backoff.allows_another(4));
        assert!(!backoff.allows_another(5));
    }
}
