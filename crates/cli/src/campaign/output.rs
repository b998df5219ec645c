//! What `wxpay campaign` shows: the progress bar or lines, and the CSV export's rows.

use std::time::{Duration, Instant};

use wxpay_campaign::{Counts, Progress};

/// A CSV row of the export (flat: the state as text).
#[derive(serde::Serialize)]
pub(super) struct ExportCsv<'a> {
    row: u64,
    line: u64,
    openid: &'a str,
    stock_id: &'a str,
    send_request_no: &'a str,
    state: &'static str,
    coupon_code: &'a str,
    error_code: &'a str,
    error_message: &'a str,
    retryable: bool,
    request_id: &'a str,
    attempts: u64,
    coupon_state: &'a str,
    confirm_request_no: &'a str,
    confirm_error: &'a str,
}

impl<'a> From<&'a wxpay_campaign::ExportRow> for ExportCsv<'a> {
    fn from(r: &'a wxpay_campaign::ExportRow) -> Self {
        Self {
            row: r.row,
            line: r.line,
            openid: &r.openid,
            stock_id: &r.stock_id,
            send_request_no: &r.send_request_no,
            state: r.state.as_str(),
            coupon_code: r.coupon_code.as_deref().unwrap_or(""),
            error_code: r.error_code.as_deref().unwrap_or(""),
            error_message: r.error_message.as_deref().unwrap_or(""),
            retryable: r.retryable,
            request_id: r.request_id.as_deref().unwrap_or(""),
            attempts: r.attempts,
            coupon_state: r.coupon_state.as_deref().unwrap_or(""),
            confirm_request_no: r.confirm_request_no.as_deref().unwrap_or(""),
            confirm_error: r.confirm_error.as_deref().unwrap_or(""),
        }
    }
}

/// An indicatif progress bar (on a terminal).
pub(super) struct Bar(indicatif::ProgressBar);

impl Bar {
    pub(super) fn new(total: u64) -> Self {
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} issued · {msg} · ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Self(bar)
    }
}

impl Progress for Bar {
    fn update(&self, c: &Counts, rate: f64) {
        self.0.set_position(c.issued);
        self.0.set_message(format!(
            "{rate:.0}/s · {} failed · {} retryable · {} pending",
            c.failed, c.retryable, c.pending
        ));
        if c.issued + c.failed + c.retryable >= c.total {
            self.0.finish();
        }
    }

    fn message(&self, text: &str) {
        self.0.println(text);
    }
}

/// Plain periodic lines (not a terminal: logs, CI).
#[derive(Default)]
pub(super) struct Lines {
    last: std::sync::Mutex<Option<Instant>>,
}

impl Progress for Lines {
    fn update(&self, c: &Counts, rate: f64) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let done = c.issued + c.failed + c.retryable >= c.total;
        if last.is_some_and(|t| t.elapsed() < Duration::from_secs(5)) && !done {
            return;
        }
        *last = Some(Instant::now());
        let remaining = c.total.saturating_sub(c.issued + c.failed + c.retryable);
        let eta = if rate > 0.0 {
            format!("{:.0} s", remaining as f64 / rate)
        } else {
            "?".into()
        };
        eprintln!(
            "issued {}/{} · {rate:.0}/s · {} failed · {} retryable · {} pending · ETA {eta}",
            c.issued, c.total, c.failed, c.retryable, c.pending
        );
    }

    fn message(&self, text: &str) {
        eprintln!("{text}");
    }
}
