//! A short run of the default scenario, end to end: emulator in-process, pre-signed requests,
//! goose, summary.json. Checks completeness and the ledger — not rate or latency, which belong
//! to the release-mode main command.

use clap::Parser;
use serde_json::Value;
use wxpay_loadtest::{Options, run};

#[test]
fn a_short_run_writes_a_complete_summary_with_an_exact_ledger() {
    let _turn = crate::one_at_a_time();
    let dir = wxpay_testkit::temp_dir();
    let report_dir = dir.path().to_str().unwrap();
    let options = Options::parse_from([
        "wxpay-loadtest",
        "--rate",
        "200",
        "--run-time",
        "5s",
        "--users",
        "16",
        "--report-dir",
        report_dir,
    ]);
    let summary = run(&options).expect("run");
    assert_eq!(summary.requests, 1000);
    assert_eq!(
        summary.status_counts.get("200"),
        Some(&1000),
        "{:?}",
        summary.status_counts
    );
    assert_eq!(summary.unexpected_errors, 0);
    assert_eq!(summary.ledger.issued_by_emulator, 1000);
    assert_eq!(summary.ledger.successes_seen, 1000);
    assert!(summary.presigned);
    assert!(summary.cpu.emulator_pct.is_some() && summary.cpu.generator_pct.is_some());

    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    for field in [
        "target_rate",
        "achieved_rate",
        "duration_s",
        "requests",
        "status_counts",
        "latency_ms",
        "unexpected_errors",
        "ledger",
        "presigned",
        "cpu",
        "verdict",
        "reasons",
    ] {
        assert!(
            json.get(field).is_some(),
            "summary.json lacks {field}: {json}"
        );
    }
    for p in ["p50", "p95", "p99", "max"] {
        assert!(
            json["latency_ms"][p].as_f64().is_some_and(|v| v > 0.0),
            "latency_ms.{p}: {json}"
        );
    }
    assert_eq!(json["target_rate"], 200.0);
    assert!(json["verdict"] == "pass" || json["verdict"] == "fail");
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        report.contains("<html") && report.contains("send"),
        "goose's report.html"
    );
}

/// `--via-proxy`: every send names https://api.mch.weixin.qq.com and goes through the
/// emulator's HTTPS proxy (a kept-alive tunnel per user, TLS terminated by the emulator);
/// the ledger is as exact as on the direct route.
#[test]
fn a_short_run_through_the_https_proxy() {
    let _turn = crate::one_at_a_time();
    let dir = wxpay_testkit::temp_dir();
    let options = Options::parse_from([
        "wxpay-loadtest",
        "--via-proxy",
        "--rate",
        "100",
        "--run-time",
        "3s",
        "--users",
        "8",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    let summary = run(&options).expect("run");
    assert_eq!(summary.requests, 300);
    assert_eq!(
        summary.status_counts.get("200"),
        Some(&300),
        "{:?}",
        summary.status_counts
    );
    assert_eq!(summary.unexpected_errors, 0);
    assert_eq!(summary.ledger.issued_by_emulator, 300);
    assert!(
        summary
            .host
            .starts_with("https://api.mch.weixin.qq.com via http://127.0.0.1:"),
        "{}",
        summary.host
    );
}
