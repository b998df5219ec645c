//! Time sources, injectable so that window checks can be tested.

use std::fmt::Debug;
use std::time::{SystemTime, UNIX_EPOCH};

/// Something that tells the current Unix time in seconds.
pub trait Clock: Debug + Send + Sync {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }
}

/// A clock stopped at one instant, for tests and for reproducing a verdict.
///
/// ```
/// use wxpay_signing::clock::{Clock, FixedClock};
/// assert_eq!(FixedClock(1764381700).now_unix(), 1764381700);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0
    }
}
