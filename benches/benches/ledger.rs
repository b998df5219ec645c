//! The emulator ledger's size (`cargo bench -p wxpay-benches --bench ledger`):
//! `WXPAY_BENCH_COUPONS` (default 1,000,000) coupons of the load test's mix (member and
//! normal, WeChat Pay–assigned codes, no attach) issued through the library, without HTTP or
//! RSA; the live heap growth, counted by an instrumented allocator, per coupon.
//! Goal: ≤ 256 bytes.

use std::time::Instant;

use wxpay_benches::load_test_request as request;
use wxpay_mock::Emulator;
use wxpay_mock::fixtures::dev;
use wxpay_models::SendUserProductCouponRequest;

/// Counts live heap bytes.
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// Live heap bytes now.
fn live_bytes() -> isize {
    let s = GLOBAL.stats();
    s.bytes_allocated as isize - s.bytes_deallocated as isize
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ledger_size() {
    let n = env_usize("WXPAY_BENCH_COUPONS", 1_000_000);
    let emulator = Emulator::dev();
    let requests: Vec<SendUserProductCouponRequest> = (0..n).map(request).collect();
    let before = live_bytes();
    let started = Instant::now();
    for r in &requests {
        emulator.send(dev::MCHID, r).expect("issued");
    }
    let elapsed = started.elapsed();
    let grown = live_bytes() - before;
    let stats = emulator.ledger_stats();
    assert_eq!(stats.coupons, n);
    println!("ledger: {n} coupons issued through the library in {elapsed:.2?}");
    println!(
        "ledger: live heap growth {:.1} MiB = {:.1} bytes/coupon; ledger's own accounting {:.1} bytes/coupon  (goal <= 256)",
        grown as f64 / 1048576.0,
        grown as f64 / n as f64,
        stats.heap_bytes as f64 / n as f64
    );
}

fn main() {
    ledger_size();
}
