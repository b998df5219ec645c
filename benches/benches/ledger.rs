//! The emulator ledger's size (`cargo bench -p wxpay-benches --bench ledger`):
//! `WXPAY_BENCH_COUPONS` (default 1,000,000) coupons of the load test's mix (member and
//! normal, WeChat Pay–assigned codes, no attach) issued through the library, without HTTP or
//! RSA; the live heap growth, counted by an instrumented allocator, per coupon — sent, then
//! with each confirmed, then with each used (the lifecycle fields). Goal: ≤ 256 bytes.

use std::time::Instant;

use wxpay_benches::load_test_request as request;
use wxpay_mock::Emulator;
use wxpay_mock::fixtures::dev;
use wxpay_models::user_coupon::UseUserProductCouponRequest;
use wxpay_models::{
    AssociatedOrderInfo, ConfirmSendUserProductCouponRequest, SendUserProductCouponRequest, WxTime,
};

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
    let per = |bytes: isize| bytes as f64 / n as f64;
    println!(
        "ledger: sent: live heap growth {:.1} MiB = {:.1} bytes/coupon; ledger's own accounting {:.1} bytes/coupon  (goal <= 256)",
        grown as f64 / 1048576.0,
        per(grown),
        stats.heap_bytes as f64 / n as f64
    );
    // The lifecycle: each coupon confirmed, then each used.
    let codes: Vec<String> = (0..n).map(|i| format!("8{:012}", i + 1)).collect();
    let confirm = |i: usize| {
        let send = &requests[i];
        let mut r = ConfirmSendUserProductCouponRequest::new(
            send.openid(),
            &codes[i],
            send.product_coupon_id(),
            send.stock_id(),
            send.appid(),
            format!("LEDGERC{i:010}"),
        );
        r.brand_id.clone_from(&send.brand_id);
        r
    };
    let confirms: Vec<_> = (0..n).map(confirm).collect();
    let before = live_bytes();
    for r in &confirms {
        emulator.confirm(dev::MCHID, r).expect("confirmed");
    }
    let confirmed = grown + live_bytes() - before;
    drop(confirms);
    let now = WxTime::now();
    let uses: Vec<_> = (0..n)
        .map(|i| {
            let send = &requests[i];
            let mut r = UseUserProductCouponRequest::new(
                send.openid(),
                &codes[i],
                send.product_coupon_id(),
                send.stock_id(),
                send.appid(),
                format!("LEDGERU{i:010}"),
                now,
            )
            .with_associated_order_info(AssociatedOrderInfo {
                transaction_id: Some(format!("42000{i:023}")),
                ..Default::default()
            });
            r.brand_id.clone_from(&send.brand_id);
            r
        })
        .collect();
    let before = live_bytes();
    for r in &uses {
        emulator.use_coupon(dev::MCHID, r).expect("used");
    }
    let used = confirmed + live_bytes() - before;
    println!(
        "ledger: + confirmed: {:.1} bytes/coupon  (goal <= 256); + used (the use's request number, time and order): {:.1} bytes/coupon",
        per(confirmed),
        per(used)
    );
}

fn main() {
    ledger_size();
}
