//! Against an emulator in another place (`--host` + `--config`, admin API over HTTP with a
//! bearer token), an over-limit run with --expect-throttling.

use std::sync::Arc;

use clap::Parser;
use wxpay_loadtest::{Options, run};
use wxpay_mock::{Emulator, Limits, Server};

#[test]
fn remote_emulator_over_its_limit() {
    let _turn = crate::one_at_a_time();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut emulator = Emulator::dev().with_limits(Limits {
        rate_per_sec: 80,
        ..Limits::default()
    });
    emulator = emulator.with_admin_token(Some("t0k3n".into()));
    let server = runtime
        .block_on(Server::start(
            Arc::new(emulator),
            "127.0.0.1:0".parse().unwrap(),
            Default::default(),
        ))
        .unwrap();
    let dir = wxpay_testkit::temp_dir();
    let config = wxpay_testkit::write_client_config(dir.path(), "http://127.0.0.1:9", "");
    let options = Options::parse_from([
        "wxpay-loadtest",
        "--rate",
        "120",
        "--run-time",
        "4s",
        "--users",
        "16",
        "--expect-throttling",
        "--host",
        &server.base_url(),
        "--config",
        config.to_str().unwrap(),
        "--admin-token",
        "t0k3n",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    let summary = run(&options).expect("run");
    assert_eq!(summary.host, server.base_url());
    assert_eq!(summary.requests, 480);
    let throttled = summary.status_counts.get("429").copied().unwrap_or(0);
    assert!(throttled > 0, "{:?}", summary.status_counts);
    assert_eq!(
        summary.unexpected_errors, 0,
        "429s are expected: {:?}",
        summary.reasons
    );
    assert_eq!(
        summary.ledger.issued_by_emulator,
        summary.ledger.successes_seen as i64
    );
    assert!(
        summary
            .reasons
            .iter()
            .any(|r| r.contains("expected for an over-limit run")),
        "{:?}",
        summary.reasons
    );
    assert_eq!(
        summary.cpu.emulator_pct, None,
        "cannot be measured apart remotely"
    );
}
