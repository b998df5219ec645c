//! Retry policy: bounded attempts and total time, exponential backoff with full jitter.

use std::time::Duration;

/// When and how long to wait before trying again.
///
/// Attempt `n` (counting retries from 1) waits a uniformly random time in
/// `0..=min(max_delay, base_delay × 2^(n-1))` ("full jitter"), so that many clients that
/// failed together do not retry together.
///
/// ```
/// use std::time::Duration;
/// let policy = wxpay_transport::RetryPolicy::default();
/// assert_eq!(policy.max_retries, 3);
/// for retry in 1..=10 {
///     assert!(policy.backoff(retry) <= policy.max_delay);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Backoff ceiling of the first retry.
    pub base_delay: Duration,
    /// Largest backoff.
    pub max_delay: Duration,
    /// No new attempt starts after this much time since the first.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (1-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let ceiling = exp.min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Whether an answer with this status should be retried with the same body: 429 and 5xx,
/// as WeChat Pay asks ("请稍后使用原参数重试"). 4xx business errors are final.
///
/// ```
/// use http::StatusCode;
/// assert!(wxpay_transport::retryable_status(StatusCode::TOO_MANY_REQUESTS));
/// assert!(!wxpay_transport::retryable_status(StatusCode::FORBIDDEN));
/// ```
pub fn retryable_status(status: http::StatusCode) -> bool {
    status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        let max_of = |retry| (0..200).map(|_| p.backoff(retry)).max().unwrap();
        assert!(max_of(1) <= Duration::from_millis(100));
        assert!(max_of(3) > Duration::from_millis(100) && max_of(3) <= Duration::from_millis(400));
        assert!(max_of(40) <= Duration::from_secs(1));
        assert!(
            (0..200).map(|_| p.backoff(2)).min().unwrap() < Duration::from_millis(100),
            "jitter reaches low values"
        );
    }
}
