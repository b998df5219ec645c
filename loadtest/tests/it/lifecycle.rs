//! The lifecycle scenario, short, with the emulator's state in a SQLite file: every coupon
//! sent, confirmed, read and used, each ends USED, and the file holds them afterwards.

use std::sync::Arc;

use clap::Parser;
use wxpay_loadtest::{FinalStates, Options, Scenario, run};
use wxpay_mock::Emulator;

#[test]
fn a_short_lifecycle_run_leaves_every_coupon_used_and_saved() {
    let _turn = crate::one_at_a_time();
    let dir = wxpay_testkit::temp_dir();
    let state = dir.path().join("state.sqlite");
    let options = Options::parse_from([
        "wxpay-loadtest",
        "--scenario",
        "lifecycle",
        "--rate",
        "50",
        "--run-time",
        "2s",
        "--users",
        "8",
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(options.scenario, Scenario::Lifecycle);
    let summary = run(&options).expect("run");
    assert_eq!(summary.requests, 100);
    assert_eq!(
        summary.status_counts.get("200"),
        Some(&100),
        "{:?}",
        summary.status_counts
    );
    // Four calls per coupon.
    assert_eq!(summary.attempts, 400);
    assert_eq!(summary.ledger.issued_by_emulator, 100);
    assert_eq!(
        summary.final_states,
        Some(FinalStates {
            used: 100,
            sent: 100
        }),
        "{:?}",
        summary.reasons
    );
    // The state file replays into the same coupons, all USED.
    let emu = Arc::new(Emulator::dev());
    emu.open_state(&state).expect("replay");
    let stock = emu
        .stock(wxpay_mock::fixtures::dev::STOCK_LOAD_TEST)
        .unwrap();
    assert_eq!(stock.sent_count_info.total_count, Some(100));
    assert_eq!(emu.ledger_stats().coupons, 100);
}
