//! Client metrics through the [`metrics`] facade: the transport records, the application
//! installs an exporter (Prometheus, StatsD…). Without one, recording costs next to nothing.
//! The names are a contract (docs/contracts.md §9).

use std::time::Duration;

use ::metrics::{Unit, counter, describe_counter, describe_histogram, histogram};

/// Counter: attempts answered or failed, by `operation` (kebab-case, as `wxpay call --list`
/// prints it; `raw` for [`Transport::execute`](crate::Transport::execute)), `status` (HTTP
/// status; `0` without an answer) and `code` (the error code; empty for a success;
/// `TIMEOUT`, `CONNECT`, `LOST`, `TOO_LARGE` without an answer).
pub const REQUESTS_TOTAL: &str = "wxpay_client_requests_total";
/// Histogram: seconds from sending an attempt to its whole answer (or its failure), by
/// `operation`.
pub const REQUEST_DURATION_SECONDS: &str = "wxpay_client_request_duration_seconds";
/// Counter: attempts after the first, by `operation`.
pub const RETRIES_TOTAL: &str = "wxpay_client_retries_total";
/// Counter: 429 answers, by `operation`.
pub const RATE_LIMITED_TOTAL: &str = "wxpay_client_rate_limited_total";
/// Counter: switches between the primary and the backup domain, by `to` (`backup`,
/// `primary`).
pub const FAILOVERS_TOTAL: &str = "wxpay_client_failovers_total";
/// Histogram: seconds an attempt waited for its pacers (the operation's and the client-wide
/// one), by `operation`.
pub const PACER_WAIT_SECONDS: &str = "wxpay_client_pacer_wait_seconds";

/// Describes the metrics to the recorder installed now (for HELP lines and units).
pub(crate) fn describe() {
    describe_counter!(
        REQUESTS_TOTAL,
        "WeChat Pay API attempts by operation, HTTP status and error code"
    );
    describe_histogram!(
        REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time of one attempt, from sending to the whole answer"
    );
    describe_counter!(RETRIES_TOTAL, "Attempts after the first");
    describe_counter!(RATE_LIMITED_TOTAL, "429 answers");
    describe_counter!(
        FAILOVERS_TOTAL,
        "Switches between the primary and backup domains"
    );
    describe_histogram!(
        PACER_WAIT_SECONDS,
        Unit::Seconds,
        "Time an attempt waited for the client's rate limiters"
    );
}

/// One attempt's outcome.
pub(crate) fn attempt(operation: &'static str, status: u16, code: &str, took: Duration) {
    let code = match code {
        "" => ::metrics::SharedString::const_str(""),
        other => ::metrics::SharedString::from(other.to_owned()),
    };
    counter!(REQUESTS_TOTAL, "operation" => operation, "status" => status_label(status), "code" => code)
        .increment(1);
    histogram!(REQUEST_DURATION_SECONDS, "operation" => operation).record(took.as_secs_f64());
    if status == 429 {
        counter!(RATE_LIMITED_TOTAL, "operation" => operation).increment(1);
    }
}

pub(crate) fn retry(operation: &'static str) {
    counter!(RETRIES_TOTAL, "operation" => operation).increment(1);
}

pub(crate) fn failover(to_backup: bool) {
    let to = if to_backup { "backup" } else { "primary" };
    counter!(FAILOVERS_TOTAL, "to" => to).increment(1);
}

pub(crate) fn pacer_wait(operation: &'static str, waited: Duration) {
    histogram!(PACER_WAIT_SECONDS, "operation" => operation).record(waited.as_secs_f64());
}

/// The status as a label without allocating for the usual ones.
fn status_label(status: u16) -> ::metrics::SharedString {
    let fixed = match status {
        0 => "0",
        200 => "200",
        204 => "204",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        409 => "409",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        other => return ::metrics::SharedString::from(other.to_string()),
    };
    ::metrics::SharedString::const_str(fixed)
}
