//! Command-line options (docs/contracts.md §6).

use std::path::PathBuf;
use std::time::Duration;

/// What each request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// One signed send per slot, every 200 verified.
    Issue,
    /// Sends under injected faults (500s, dropped answers), retried with wxpay-transport's
    /// retry policy; the ledger must still be exact.
    RetryFaults,
    /// A coupon's life per slot: send → confirm → detail → use, each call at most its
    /// operation's limit; every coupon must end USED.
    Lifecycle,
}

/// `wxpay-loadtest` options.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "wxpay-loadtest",
    version,
    about = "Drive coupon issuance at the rate limit and judge the run",
    max_term_width = 100
)]
pub struct Options {
    /// Slots per second: sends (default 1000; 300 for retry-faults; 200 coupons for
    /// lifecycle, each four calls).
    #[arg(long)]
    pub rate: Option<u32>,
    /// How long to send, e.g. 30s, 2m, 90.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub run_time: Duration,
    /// Concurrent goose users (each holds one connection); enough to cover rate × latency.
    #[arg(long, default_value_t = 128)]
    pub users: usize,
    /// Where report.html and summary.json go (default: target/loadtest in the workspace).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Largest acceptable p99 latency in milliseconds (default 20; 2000 for retry-faults).
    #[arg(long)]
    pub p99_ms: Option<f64>,
    /// Sign each request just before sending it, as a production client does, instead of
    /// before the run.
    #[arg(long)]
    pub sign_inline: bool,
    /// An over-limit run: 429s are expected, not failures.
    #[arg(long)]
    pub expect_throttling: bool,
    /// What each request does.
    #[arg(long, value_enum, default_value = "issue")]
    pub scenario: Scenario,
    /// The in-process emulator's per-merchant limit, per second (default the endpoint's
    /// 1000), to find how far inline signing goes above it.
    #[arg(long, conflicts_with = "host")]
    pub emulator_rate_limit: Option<u32>,
    /// Keep the in-process emulator's state in this SQLite file (`wxpay-mock --state`).
    #[arg(long, conflicts_with = "host")]
    pub state: Option<PathBuf>,
    /// An emulator in another process (needs --config for the keys).
    #[arg(long, requires = "config")]
    pub host: Option<String>,
    /// Client config TOML (docs/contracts.md §4): keys, and base_url unless --host is given.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Send through the emulator's HTTPS proxy to https://api.mch.weixin.qq.com (CONNECT,
    /// TLS terminated by the emulator, kept-alive connections), as an unchanged app does.
    /// In-process: the emulator gets a fresh sandbox CA; with --host: give --proxy-ca.
    #[arg(long)]
    pub via_proxy: bool,
    /// The remote emulator's sandbox CA (its `--ca-dir`'s ca.pem), for --via-proxy --host.
    #[arg(long, requires = "via_proxy", value_name = "FILE")]
    pub proxy_ca: Option<PathBuf>,
    /// Bearer token for the remote emulator's admin API.
    #[arg(long)]
    pub admin_token: Option<String>,
    /// Stock to issue from (default: the dev state's load-test stock).
    #[arg(long, default_value = wxpay_mock::fixtures::dev::STOCK_LOAD_TEST)]
    pub stock_id: String,
    /// Its product coupon.
    #[arg(long, default_value = wxpay_mock::fixtures::dev::PRODUCT_COUPON_ID)]
    pub product_coupon_id: String,
    /// AppID of the openids.
    #[arg(long, default_value = wxpay_mock::fixtures::dev::APPID)]
    pub appid: String,
    /// The brand.
    #[arg(long, default_value = wxpay_mock::fixtures::dev::BRAND_ID)]
    pub brand_id: String,
}

impl Options {
    /// The target rate.
    pub fn rate(&self) -> u32 {
        self.rate.unwrap_or(match self.scenario {
            Scenario::Issue => 1000,
            Scenario::RetryFaults => 300,
            // Four signed calls and four signed answers per coupon, three signed inline
            // (they need the code the send answered): ≈ 200/s is what 2 cores hold.
            Scenario::Lifecycle => 200,
        })
    }

    /// The p99 limit.
    pub fn p99_ms(&self) -> f64 {
        self.p99_ms.unwrap_or(match self.scenario {
            Scenario::Issue | Scenario::Lifecycle => 20.0,
            Scenario::RetryFaults => 2000.0,
        })
    }

    /// Whether the sends are signed before the run (a lifecycle's later calls depend on the
    /// send's answer, so they are always signed inline).
    pub fn presigned(&self) -> bool {
        !self.sign_inline && self.scenario != Scenario::RetryFaults
    }

    /// Requests in the run.
    pub fn total(&self) -> usize {
        (f64::from(self.rate()) * self.run_time.as_secs_f64()).round() as usize
    }

    /// Checks what clap cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.rate() == 0 {
            return Err("--rate must be at least 1".into());
        }
        if self.emulator_rate_limit == Some(0) {
            return Err("--emulator-rate-limit must be at least 1".into());
        }
        if self.state.is_some() && self.config.is_some() {
            return Err("--state is for the in-process emulator (no --config)".into());
        }
        if self.emulator_rate_limit.is_some() && self.config.is_some() {
            return Err(
                "--emulator-rate-limit is for the in-process emulator (no --config)".into(),
            );
        }
        if self.via_proxy && self.config.is_some() && self.proxy_ca.is_none() {
            return Err(
                "--via-proxy with a remote emulator needs --proxy-ca FILE (the ca.pem of its --ca-dir)".into(),
            );
        }
        if self.proxy_ca.is_some() && self.config.is_none() {
            return Err(
                "--proxy-ca is for a remote emulator; in-process the CA is made for the run".into(),
            );
        }
        if self.users == 0 {
            return Err("--users must be at least 1".into());
        }
        if self.run_time.is_zero() {
            return Err("--run-time must be positive".into());
        }
        if self.total() > 5_000_000 {
            return Err(format!(
                "{} requests is more than this tool holds (5,000,000); lower --rate or --run-time",
                self.total()
            ));
        }
        Ok(())
    }

    /// The report directory: `--report-dir`, or `target/loadtest` under the workspace root
    /// (whatever CARGO_TARGET_DIR is).
    pub fn report_dir(&self) -> PathBuf {
        self.report_dir
            .clone()
            .unwrap_or_else(|| workspace_root().join("target").join("loadtest"))
    }
}

/// `30s`, `2m`, `1h`, `1500ms` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30s, 2m or 90"))?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?}: use ms, s, m or h"
            ));
        }
    };
    if !secs.is_finite() || !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("{s:?} is out of range (up to 24h)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The workspace root (the load-test crate's parent directory): the one `cargo run` names at
/// run time, else the one this binary was compiled in.
fn workspace_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("3 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn defaults_follow_the_scenario() {
        let o = Options::parse_from(["wxpay-loadtest"]);
        assert_eq!(
            (o.rate(), o.p99_ms(), o.presigned(), o.total()),
            (1000, 20.0, true, 30_000)
        );
        let o = Options::parse_from(["wxpay-loadtest", "--scenario", "retry-faults"]);
        assert_eq!((o.rate(), o.p99_ms(), o.presigned()), (300, 2000.0, false));
        assert!(
            Options::try_parse_from(["wxpay-loadtest", "--host", "http://127.0.0.1:1"]).is_err(),
            "--host needs --config"
        );
        let o = Options::parse_from(["wxpay-loadtest", "--emulator-rate-limit", "0"]);
        assert!(o.check().is_err(), "a zero limit");
        let o = Options::parse_from(["wxpay-loadtest", "--emulator-rate-limit", "3000"]);
        assert_eq!((o.emulator_rate_limit, o.check()), (Some(3000), Ok(())));
        let o = Options::parse_from([
            "wxpay-loadtest",
            "--config",
            "client.toml",
            "--emulator-rate-limit",
            "3000",
        ]);
        assert!(o.check().is_err(), "no in-process emulator with --config");
        let o = Options::parse_from(["wxpay-loadtest", "--via-proxy"]);
        assert_eq!(o.check(), Ok(()));
        let o = Options::parse_from([
            "wxpay-loadtest",
            "--via-proxy",
            "--host",
            "http://127.0.0.1:1",
            "--config",
            "c.toml",
        ]);
        assert!(o.check().unwrap_err().contains("--proxy-ca"));
        assert!(
            Options::try_parse_from(["wxpay-loadtest", "--proxy-ca", "ca.pem"]).is_err(),
            "--proxy-ca needs --via-proxy"
        );
    }
}
