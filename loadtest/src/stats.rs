//! Per-request records, written lock-free by the goose users, and what they add up to.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Outcome code for "no HTTP answer at all".
pub const TRANSPORT_ERROR: u16 = 1;
/// Outcome code for "an answer whose signature did not verify".
pub const UNVERIFIED: u16 = 2;

/// One slot per request of the run.
#[derive(Debug)]
pub struct Recorder {
    start: OnceLock<Instant>,
    outcome: Vec<AtomicU16>,
    latency_us: Vec<AtomicU32>,
    done_us: Vec<AtomicU64>,
    attempts: AtomicU64,
}

/// What the records add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Requests that completed (any outcome).
    pub requests: u64,
    /// By HTTP status, plus `transport_error` and `unverified`.
    pub status_counts: BTreeMap<String, u64>,
    /// Seconds from the first slot to the last completion.
    pub duration_s: f64,
    /// Answers per second, from the first answer to the last.
    pub achieved_rate: f64,
    /// Completions in the slowest and fastest whole second.
    pub per_second: (u64, u64),
    /// Latency percentiles in ms: p50, p95, p99, max.
    pub latency_ms: [f64; 4],
    /// HTTP attempts (more than requests when retries happened).
    pub attempts: u64,
}

impl Recorder {
    /// Room for `total` requests.
    pub fn new(total: usize) -> Self {
        Self {
            start: OnceLock::new(),
            outcome: (0..total).map(|_| AtomicU16::new(0)).collect(),
            latency_us: (0..total).map(|_| AtomicU32::new(0)).collect(),
            done_us: (0..total).map(|_| AtomicU64::new(0)).collect(),
            attempts: AtomicU64::new(0),
        }
    }

    /// Sets the run's start once; returns it.
    pub fn start(&self, init: impl FnOnce() -> Instant) -> Instant {
        *self.start.get_or_init(init)
    }

    /// When the run started, if it did.
    pub fn started(&self) -> Option<Instant> {
        self.start.get().copied()
    }

    /// Counts one HTTP attempt.
    pub fn attempt(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }

    /// Records slot `slot`'s final outcome.
    pub fn record(&self, slot: usize, outcome: u16, latency: Duration) {
        let (Some(o), Some(l), Some(d)) = (
            self.outcome.get(slot),
            self.latency_us.get(slot),
            self.done_us.get(slot),
        ) else {
            return;
        };
        let done = self.started().map_or(0, |s| s.elapsed().as_micros() as u64);
        l.store(
            latency.as_micros().min(u128::from(u32::MAX)) as u32,
            Ordering::Relaxed,
        );
        d.store(done.max(1), Ordering::Relaxed);
        o.store(outcome.max(1), Ordering::Release);
    }

    /// Sums up what was recorded.
    pub fn stats(&self) -> Stats {
        let mut status_counts = BTreeMap::new();
        let mut latencies = Vec::with_capacity(self.outcome.len());
        let mut last_done = 0u64;
        let mut first_done = u64::MAX;
        let mut buckets: BTreeMap<u64, u64> = BTreeMap::new();
        for i in 0..self.outcome.len() {
            let outcome = self.outcome[i].load(Ordering::Acquire);
            if outcome == 0 {
                continue;
            }
            let key = match outcome {
                TRANSPORT_ERROR => "transport_error".to_owned(),
                UNVERIFIED => "unverified".to_owned(),
                status => status.to_string(),
            };
            *status_counts.entry(key).or_insert(0) += 1;
            latencies.push(self.latency_us[i].load(Ordering::Relaxed));
            let done = self.done_us[i].load(Ordering::Relaxed);
            last_done = last_done.max(done);
            first_done = first_done.min(done);
            *buckets.entry(done / 1_000_000).or_insert(0) += 1;
        }
        latencies.sort_unstable();
        let requests = latencies.len() as u64;
        let duration_s = last_done as f64 / 1e6;
        // Completions are one interval apart at the achieved rate: n answers span n - 1
        // intervals from the first to the last.
        let span_s = last_done.saturating_sub(first_done) as f64 / 1e6;
        // Whole seconds only: the last one is partial.
        let whole: Vec<u64> = match buckets.keys().next_back() {
            Some(&last) => buckets
                .iter()
                .filter(|(s, _)| **s < last)
                .map(|(_, n)| *n)
                .collect(),
            None => Vec::new(),
        };
        Stats {
            requests,
            status_counts,
            duration_s,
            achieved_rate: if span_s > 0.0 {
                (requests - 1) as f64 / span_s
            } else {
                0.0
            },
            per_second: (
                whole.iter().copied().min().unwrap_or(0),
                whole.iter().copied().max().unwrap_or(0),
            ),
            latency_ms: [
                percentile(&latencies, 0.50),
                percentile(&latencies, 0.95),
                percentile(&latencies, 0.99),
                percentile(&latencies, 1.0),
            ],
            attempts: self.attempts.load(Ordering::Relaxed),
        }
    }
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
fn percentile(sorted_us: &[u32], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len());
    f64::from(sorted_us[rank - 1]) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let us: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile(&us, 0.5), 50.0);
        assert_eq!(percentile(&us, 0.99), 99.0);
        assert_eq!(percentile(&us, 1.0), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn counts_outcomes_and_ignores_unsent_slots() {
        let r = Recorder::new(4);
        r.start(Instant::now);
        r.record(0, 200, Duration::from_millis(2));
        r.record(1, 429, Duration::from_millis(1));
        r.record(2, TRANSPORT_ERROR, Duration::from_millis(9));
        let s = r.stats();
        assert_eq!(s.requests, 3);
        assert_eq!(s.status_counts.get("200"), Some(&1));
        assert_eq!(s.status_counts.get("transport_error"), Some(&1));
        assert_eq!(s.latency_ms[3], 9.0);
    }
}
