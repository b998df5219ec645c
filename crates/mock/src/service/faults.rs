//! Faults injected on demand (`PUT /mock/faults`), docs/emulator.md (faults).

use serde::{Deserialize, Serialize};

/// The whole fault set; `PUT /mock/faults` replaces it, missing fields are 0.
///
/// ```
/// let f: wxpay_mock::Faults = serde_json::from_str(r#"{"error_rate": 0.5}"#)?;
/// assert_eq!(f.error_rate, 0.5);
/// assert_eq!(f.latency_ms, 0);
/// assert!(f.check().is_ok());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// Share of new writes (any operation but a GET; replays excepted) answered 500
    /// SYSTEM_ERROR, changing nothing.
    pub error_rate: f64,
    /// Added delay before every answer of the API.
    pub latency_ms: u64,
    /// Share of new writes that DO act (a send issues its coupon) and whose connection is
    /// then closed with no answer (the lost-response case).
    pub drop_rate: f64,
    /// Share of answers (errors included) whose signature is a `WECHATPAY/SIGNTEST/` probe.
    pub sign_probe_rate: f64,
    /// Share of callback deliveries made to fail (never reaching the receiver).
    pub callback_fail_rate: f64,
    /// Share of callbacks delivered twice.
    pub callback_duplicate_rate: f64,
    /// Makes the rolls that follow repeatable (the same requests in the same order meet the
    /// same faults); random when absent.
    pub seed: Option<u64>,
}

impl Faults {
    /// Checks that rates are within 0..=1 and latency within a minute.
    pub fn check(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("sign_probe_rate", self.sign_probe_rate),
            ("callback_fail_rate", self.callback_fail_rate),
            ("callback_duplicate_rate", self.callback_duplicate_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if self.latency_ms > 60_000 {
            return Err(format!(
                "latency_ms must be at most 60000, got {}",
                self.latency_ms
            ));
        }
        Ok(())
    }
}
