//! Pacing: a GCRA limiter per operation and one client-wide, each with a queue of waiters.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use wxpay_models::RateLimit;

/// A limit smoother than the server's quota (burst = a tenth of a period's count), so that
/// jitter on the way never turns into 429s.
pub(crate) fn smooth_limiter(limit: RateLimit) -> DefaultDirectRateLimiter {
    let count = NonZeroU32::new(limit.count).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(limit.count / 10).unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs(limit.period_secs()) / count.get();
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(count))
        .allow_burst(burst);
    RateLimiter::direct(quota)
}

/// A rate limiter with a queue: one waiter at a time, in arrival order, so that the others
/// wait on the lock instead of all waking at each permit and going back to sleep.
#[derive(Debug)]
pub(crate) struct Pacer {
    limiter: DefaultDirectRateLimiter,
    turn: tokio::sync::Mutex<()>,
}

impl Pacer {
    pub(crate) fn new(limiter: DefaultDirectRateLimiter) -> Self {
        Self {
            limiter,
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits for a permit on tokio's timer. (governor's `until_ready` sleeps on
    /// futures-timer's own thread: a cross-thread wake-up per request, which cost the
    /// campaign ≈ 10 % of its CPU in context switches.)
    pub(crate) async fn wait(&self) {
        use governor::clock::Clock as _;
        let _turn = self.turn.lock().await;
        loop {
            match self.limiter.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.limiter.clock().now());
                    // At least a millisecond: tokio's timer granularity, and no busy loop.
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }
}
