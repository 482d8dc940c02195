//! Retry timing: `Retry-After` (seconds, fractional seconds, HTTP dates), capped, and jittered backoff.

use std::time::{Duration, SystemTime};

use crate::config::RetryPolicy;

/// Parses a `Retry-After` value: delta-seconds (Graph also sends fractions such as `2.128`) or
/// an HTTP date (a date in the past means "now").
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// How long to wait before attempt `attempt + 1` (attempts count from 1): the server's
/// `Retry-After` when given, otherwise exponential backoff with `jitter` in `[0, 1)` spreading
/// it over `[delay/2, delay)`; always capped at the policy's `max_delay`.
pub(crate) fn delay(
    policy: &RetryPolicy,
    retry_after: Option<Duration>,
    attempt: u32,
    jitter: f64,
) -> Duration {
    let wait = retry_after.unwrap_or_else(|| {
        let exponent = attempt.saturating_sub(1).min(20);
        let full = policy.base_delay.saturating_mul(1u32 << exponent);
        full.min(policy.max_delay)
            .mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
    });
    wait.min(policy.max_delay)
}

/// A uniformly random number in `[0, 1)` from the OS generator.
pub(crate) fn jitter() -> f64 {
    use rsa::rand_core::{OsRng, RngCore};
    (OsRng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_fractions_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("2.128", now),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn delays_are_capped_and_backoff_doubles_with_jitter() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let server = Some(Duration::from_secs(30));
        assert_eq!(delay(&policy, server, 1, 0.0), Duration::from_secs(1));
        assert_eq!(delay(&policy, None, 1, 0.0), Duration::from_millis(50));
        assert_eq!(delay(&policy, None, 3, 0.0), Duration::from_millis(200));
        assert_eq!(
            delay(&policy, None, 3, 0.999_999),
            Duration::from_nanos(399_999_800)
        );
        assert_eq!(delay(&policy, None, 30, 0.0), Duration::from_millis(500));
        let j = jitter();
        assert!((0.0..1.0).contains(&j));
    }
}
