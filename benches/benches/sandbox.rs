//! The sandbox's costs (`cargo bench -p wxpay-benches --bench sandbox`): fault-rule matching
//! on a decoded send (goal: ≤ 1 µs with no rules), creating a namespace with its fresh RSA key
//! (goal: ≤ 250 ms), and the memory 100 namespaces with the dev catalogue take (printed).

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{BenchRules, Emulator};
use wxpay_models::SendUserProductCouponRequest;

fn send() -> SendUserProductCouponRequest {
    SendUserProductCouponRequest::new(
        "oh-394z-6CGkNoJrsDLTTUKiAnp4",
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_WECHATPAY,
        dev::APPID,
        "REQ20261207000001",
    )
    .with_brand_id(dev::BRAND_ID)
}

fn rules(c: &mut Criterion) {
    let request = send();
    let mut g = c.benchmark_group("rules");
    let none = BenchRules::default();
    g.bench_function("none", |b| {
        b.iter(|| black_box(none.take(black_box(&request))))
    });
    // Armed by a rule of another operation: the lock and a scan, no match.
    let other = BenchRules::default();
    other
        .add(json!({"operation": "use-user-product-coupon", "times": 1, "answer": {"status": 500}}))
        .expect("a rule");
    g.bench_function("other_operation", |b| {
        b.iter(|| black_box(other.take(black_box(&request))))
    });
    // A rule of the send matching a path and a body field that never match this request:
    // every request reads two fields.
    let miss = BenchRules::default();
    miss.add(json!({"operation": "send-user-product-coupon", "times": 1,
        "match": {"openid": "someone-else", "send_request_no": "R0"}, "answer": {"status": 500}}))
        .expect("a rule");
    g.bench_function("send_rule_no_match", |b| {
        b.iter(|| black_box(miss.take(black_box(&request))))
    });
    g.finish();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn create(emu: &Emulator) -> String {
    let req = http::Request::post("/mock/namespaces")
        .body(Bytes::from_static(br#"{"mode": "partner"}"#))
        .expect("request");
    let res = emu.admin_call(req).await;
    assert_eq!(res.status(), 201, "{}", String::from_utf8_lossy(res.body()));
    let made: serde_json::Value = serde_json::from_slice(res.body()).expect("json");
    made["name"].as_str().expect("name").to_owned()
}

async fn delete(emu: &Emulator, name: &str) {
    let req = http::Request::delete(format!("/mock/namespaces/{name}"))
        .body(Bytes::new())
        .expect("request");
    assert_eq!(emu.admin_call(req).await.status(), 200);
}

/// Resident memory of this process, bytes (Linux).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn namespaces(c: &mut Criterion) {
    let rt = runtime();
    let emu = Emulator::dev();
    // Memory: 100 namespaces, each with the dev catalogue and a few coupons' worth of nothing.
    rt.block_on(async {
        let warm = create(&emu).await;
        delete(&emu, &warm).await;
        let before = rss();
        let started = Instant::now();
        let mut made = Vec::new();
        for _ in 0..100 {
            made.push(create(&emu).await);
        }
        let took = started.elapsed();
        let after = rss();
        eprintln!(
            "100 namespaces: created in {:.1} s ({:.0} ms each), resident memory +{:.1} MiB ({:.0} KiB per namespace)",
            took.as_secs_f64(),
            took.as_secs_f64() * 10.0,
            (after.saturating_sub(before)) as f64 / (1 << 20) as f64,
            (after.saturating_sub(before)) as f64 / 1024.0 / 100.0
        );
        for name in made {
            delete(&emu, &name).await;
        }
    });
    let mut g = c.benchmark_group("namespace");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("create", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut made = Vec::new();
                let started = Instant::now();
                for _ in 0..iters {
                    made.push(create(&emu).await);
                }
                let took = started.elapsed();
                for name in made {
                    delete(&emu, &name).await;
                }
                took
            })
        })
    });
    g.finish();
}

criterion_group!(benches, rules, namespaces);
criterion_main!(benches);
