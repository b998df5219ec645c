//! The retry-faults scenario: 500s, dropped answers and signature probes injected, each send
//! retried with wxpay-transport's policy; the emulator's ledger must still match exactly.

use clap::Parser;
use wxpay_loadtest::{Options, run};

#[test]
fn retried_sends_under_faults_keep_the_ledger_exact() {
    let _turn = crate::one_at_a_time();
    let dir = wxpay_testkit::temp_dir();
    let options = Options::parse_from([
        "wxpay-loadtest",
        "--scenario",
        "retry-faults",
        "--rate",
        "60",
        "--run-time",
        "5s",
        "--users",
        "16",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    let summary = run(&options).expect("run");
    assert_eq!(summary.requests, 300);
    assert!(!summary.presigned);
    assert!(
        summary.attempts > summary.requests,
        "faults must have caused retries: {} attempts",
        summary.attempts
    );
    assert_eq!(
        summary.ledger.issued_by_emulator, summary.ledger.successes_seen as i64,
        "{:?}",
        summary.ledger
    );
    assert!(
        summary.ledger.successes_seen >= 295,
        "{:?}",
        summary.status_counts
    );
}
