//! The emulator's routing (`cargo bench -p wxpay-benches --bench routing`): a method and path
//! to the operation and mode that serve it, over the whole table of both modes. Goal: ≤ 1 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

fn routing(c: &mut Criterion) {
    let paths = [
        (
            "POST",
            "/v3/marketing/partner/product-coupon/users/oh-394z-6CGkNoJrsDLTTUKiAnp4/coupons",
        ),
        (
            "POST",
            "/v3/marketing/partner/product-coupon/users/oh-394z-6CGkNoJrsDLTTUKiAnp4/coupons/8000000000001/use",
        ),
        (
            "GET",
            "/brand/marketing/product-coupon/product-coupons/1000000013/stocks/1000000013001/associated-stores",
        ),
        (
            "PATCH",
            "/v3/marketing/partner/product-coupon/product-coupons/1000000013/stock-bundles/1000000013B001",
        ),
        ("GET", "/v3/marketing/partner/product-coupon/nothing/here"),
    ];
    let mut g = c.benchmark_group("routing");
    g.bench_function("send", |b| {
        b.iter(|| wxpay_mock::route(black_box(paths[0].0), black_box(paths[0].1)))
    });
    g.bench_function("mix_of_five", |b| {
        b.iter(|| {
            for (method, path) in &paths {
                black_box(wxpay_mock::route(method, path));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, routing);
criterion_main!(benches);
