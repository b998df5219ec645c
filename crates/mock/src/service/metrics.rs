//! Prometheus metrics (`GET /mock/metrics`): requests by status and code, coupons issued,
//! latency.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    endpoint: &'static str,
    status: u16,
    code: String,
}

/// The emulator's counters.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    issued: Counter,
    replayed: Counter,
    dropped: Counter,
    latency: Histogram,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("wxpay_mock");
        let requests = Family::<RequestLabels, Counter>::default();
        let issued = Counter::default();
        let replayed = Counter::default();
        let dropped = Counter::default();
        let latency = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        registry.register(
            "requests",
            "API requests answered, by endpoint, HTTP status and error code",
            requests.clone(),
        );
        registry.register("coupons_issued", "Coupons newly issued", issued.clone());
        registry.register(
            "idempotent_replays",
            "Sends answered with an existing coupon",
            replayed.clone(),
        );
        registry.register(
            "responses_dropped",
            "Connections closed without an answer (drop_rate)",
            dropped.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from request head to answer, emulator side",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            issued,
            replayed,
            dropped,
            latency,
        }
    }

    pub(crate) fn answered(&self, endpoint: &'static str, status: u16, code: &str, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                endpoint,
                status,
                code: code.to_owned(),
            })
            .inc();
        self.latency.observe(seconds);
    }

    /// Counts newly issued coupons: every new coupon (a send, a bundle's rounds, a claimed
    /// pre-send) has its SEND event, whether or not a callback goes out.
    pub(crate) fn issued(&self, coupons: u64) {
        if coupons > 0 {
            self.issued.inc_by(coupons);
        }
    }

    pub(crate) fn replayed(&self) {
        self.replayed.inc();
    }

    pub(crate) fn dropped(&self) {
        self.dropped.inc();
    }

    /// Count of answers with `status` (all endpoints).
    pub(crate) fn count_status(&self, status: u16) -> u64 {
        // The family is small (a few label sets); summing by scan avoids a second index.
        let text = self.encode();
        let needle = format!("status=\"{status}\"");
        text.lines()
            .filter(|l| l.starts_with("wxpay_mock_requests_total{") && l.contains(&needle))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }

    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
