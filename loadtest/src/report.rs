//! `summary.json` (docs/contracts.md §6) and the verdict.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::options::{Options, Scenario};
use crate::stats::Stats;

/// Percentiles in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

/// The ledger check: the emulator's count of issued coupons against the successes seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ledger {
    /// Coupons the emulator issued from the stock during the run.
    pub issued_by_emulator: i64,
    /// 200 answers the load test received.
    pub successes_seen: u64,
}

/// CPU use in percent of one core; `None` where it cannot be measured apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cpu {
    /// The emulator (in-process runs only).
    pub emulator_pct: Option<f64>,
    /// The load generator (goose, verification, inline signing).
    pub generator_pct: Option<f64>,
}

/// Per-second completions: the slowest and fastest whole second.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerSecond {
    /// Slowest whole second.
    pub min: u64,
    /// Fastest whole second.
    pub max: u64,
}

/// Everything `summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Requests per second asked for.
    pub target_rate: f64,
    /// Requests per second completed, measured from the answers.
    pub achieved_rate: f64,
    /// From the first slot to the last answer.
    pub duration_s: f64,
    /// Requests completed.
    pub requests: u64,
    /// Final outcomes: HTTP status, or `transport_error` / `unverified`.
    pub status_counts: BTreeMap<String, u64>,
    /// Latency from send to verified answer (with retries, for retry-faults).
    pub latency_ms: Latency,
    /// Transport errors, unverified answers and statuses that should not happen.
    pub unexpected_errors: u64,
    /// The ledger check.
    pub ledger: Ledger,
    /// Whether requests were signed before the measured window.
    pub presigned: bool,
    /// CPU use.
    pub cpu: Cpu,
    /// `pass` or `fail`.
    pub verdict: String,
    /// Why (failures, and what is expected about the run).
    pub reasons: Vec<String>,
    /// The scenario.
    pub scenario: Scenario,
    /// Slowest and fastest whole second.
    pub per_second: PerSecond,
    /// HTTP attempts (more than requests when retried).
    pub attempts: u64,
    /// Largest acceptable p99, ms.
    pub p99_limit_ms: f64,
    /// The emulator's base URL.
    pub host: String,
    /// Lifecycle runs: what the emulator shows at the end (`null` for other scenarios).
    pub final_states: Option<FinalStates>,
}

/// The end of a lifecycle run, read back from the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FinalStates {
    /// Coupons the emulator shows USED.
    pub used: u64,
    /// Coupons the run sent.
    pub sent: u64,
}

/// Inputs of the verdict that are not in [`Stats`].
#[derive(Debug, Clone)]
pub struct RunFacts {
    /// Coupons issued by the emulator during the run.
    pub issued_by_emulator: i64,
    /// CPU use.
    pub cpu: Cpu,
    /// The emulator's base URL.
    pub host: String,
    /// The emulator's limit, when known.
    pub emulator_limit: Option<u32>,
    /// Lifecycle runs: (coupons the emulator shows USED, coupons sent).
    pub final_states: Option<(u64, u64)>,
}

/// Judges a run. Pass iff: the achieved rate is within ±1 % of the target, no unexpected
/// outcome (429s are expected with `--expect-throttling`), p99 within the limit, and the
/// ledger exact.
pub fn summarize(options: &Options, stats: &Stats, facts: RunFacts) -> Summary {
    let target = f64::from(options.rate());
    let count = |key: &str| stats.status_counts.get(key).copied().unwrap_or(0);
    let successes = count("200");
    let throttled = count("429");
    let unexpected = stats.requests
        - successes
        - if options.expect_throttling {
            throttled
        } else {
            0
        };
    let mut reasons = Vec::new();
    let deviation = (stats.achieved_rate - target) / target;
    if deviation.abs() > 0.01 {
        reasons.push(format!(
            "achieved rate {:.1}/s is {:+.2} % from the target {target}/s (allowed ±1 %)",
            stats.achieved_rate,
            deviation * 100.0
        ));
    }
    if stats.requests < options.total() as u64 {
        reasons.push(format!(
            "only {} of {} requests completed",
            stats.requests,
            options.total()
        ));
    }
    if unexpected > 0 {
        let listed: Vec<String> = stats
            .status_counts
            .iter()
            .filter(|(k, _)| {
                k.as_str() != "200" && !(options.expect_throttling && k.as_str() == "429")
            })
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        let hint = if throttled > 0 && !options.expect_throttling {
            " (429s: the emulator's rate limit; pass --expect-throttling for an over-limit run)"
        } else {
            ""
        };
        reasons.push(format!(
            "{unexpected} unexpected outcome(s): {}{hint}",
            listed.join(", ")
        ));
    }
    let p99 = stats.latency_ms[2];
    if p99 > options.p99_ms() {
        reasons.push(format!(
            "p99 latency {p99:.2} ms is over the limit of {} ms",
            options.p99_ms()
        ));
    }
    if facts.issued_by_emulator != successes as i64 {
        reasons.push(format!(
            "ledger mismatch: the emulator issued {} coupon(s), the load test saw {successes} success(es)",
            facts.issued_by_emulator
        ));
    }
    if let Some((used, sent)) = facts.final_states
        && (used != sent || sent != successes)
    {
        reasons.push(format!(
            "final states: {used} of the {sent} coupons sent are USED in the emulator, and {successes} lifecycles succeeded; every one must be"
        ));
    }
    let verdict = if reasons.is_empty() { "pass" } else { "fail" };
    if options.expect_throttling && throttled > 0 {
        let secs = stats.duration_s.max(f64::EPSILON);
        let explained = match facts.emulator_limit {
            // GCRA with burst = limit: the first `limit` requests over the rate pass.
            Some(limit) => {
                let limit = f64::from(limit);
                let expected = (stats.requests as f64 - limit * secs - limit).max(0.0);
                format!(
                    "the emulator's limit is {limit}/s with a burst of {limit}, so ≈ {expected:.0} were expected                      ({:.0}/s once the burst is spent)",
                    (target - limit).max(0.0)
                )
            }
            None => "the emulator's limit is not known here".to_owned(),
        };
        reasons.push(format!(
            "expected for an over-limit run: {throttled} answers 429 RATELIMIT_EXCEEDED ({:.0}/s on average) while sending              {target}/s; {explained}; accepted {:.0}/s",
            throttled as f64 / secs,
            successes as f64 / secs
        ));
    }
    if options.presigned() {
        reasons.push("requests were signed before the measured window (use --sign-inline to sign while sending)".into());
    }
    Summary {
        target_rate: target,
        achieved_rate: round2(stats.achieved_rate),
        duration_s: round2(stats.duration_s),
        requests: stats.requests,
        status_counts: stats.status_counts.clone(),
        latency_ms: Latency {
            p50: stats.latency_ms[0],
            p95: stats.latency_ms[1],
            p99,
            max: stats.latency_ms[3],
        },
        unexpected_errors: unexpected,
        ledger: Ledger {
            issued_by_emulator: facts.issued_by_emulator,
            successes_seen: successes,
        },
        presigned: options.presigned(),
        cpu: facts.cpu,
        verdict: verdict.into(),
        reasons,
        scenario: options.scenario,
        per_second: PerSecond {
            min: stats.per_second.0,
            max: stats.per_second.1,
        },
        attempts: stats.attempts,
        p99_limit_ms: options.p99_ms(),
        host: facts.host,
        final_states: facts
            .final_states
            .map(|(used, sent)| FinalStates { used, sent }),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Summary {
    /// Whether the verdict is pass.
    pub fn passed(&self) -> bool {
        self.verdict == "pass"
    }

    /// Writes `summary.json` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("summary.json"), json)
    }

    /// The human-readable summary.
    pub fn render(&self) -> String {
        let pct = |v: Option<f64>| v.map_or("n/a".to_owned(), |v| format!("{v:.0} %"));
        let statuses: Vec<String> = self
            .status_counts
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        let mut out = format!(
            "wxpay-loadtest ({:?}, {})\n  \
             rate       target {}/s, achieved {:.2}/s over {:.2} s (whole seconds {}..{})\n  \
             requests   {} ({} HTTP attempts); {}\n  \
             latency    p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  max {:.2} ms  (limit p99 {} ms)\n  \
             ledger     issued by emulator {}, successes seen {}\n  \
             cpu        emulator {}, generator {} (of one core)\n  \
             verdict    {}\n",
            self.scenario,
            if self.presigned {
                "pre-signed"
            } else {
                "signed inline"
            },
            self.target_rate,
            self.achieved_rate,
            self.duration_s,
            self.per_second.min,
            self.per_second.max,
            self.requests,
            self.attempts,
            statuses.join(", "),
            self.latency_ms.p50,
            self.latency_ms.p95,
            self.latency_ms.p99,
            self.latency_ms.max,
            self.p99_limit_ms,
            self.ledger.issued_by_emulator,
            self.ledger.successes_seen,
            pct(self.cpu.emulator_pct),
            pct(self.cpu.generator_pct),
            self.verdict.to_uppercase(),
        );
        if let Some(states) = self.final_states {
            out.push_str(&format!(
                "  states     {} of the {} coupons sent are USED\n",
                states.used, states.sent
            ));
        }
        for reason in &self.reasons {
            out.push_str(&format!("  - {reason}\n"));
        }
        out
    }
}
