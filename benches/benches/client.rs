//! The in-process cost of one `CouponClient::send_user_product_coupon` against wxpay-mock on
//! loopback (`cargo bench -p wxpay-benches --bench client`): validate, serialize, sign, send,
//! the emulator's verify + rules + sign, verify, decode. The emulator runs on its own runtime
//! thread; each iteration is one sequential call.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use wxpay_benches::{Fixture, PLATFORM_KEY_ID, load_test_request};
use wxpay_coupons::{CouponClient, Transport};
use wxpay_mock::{Emulator, Limits, Server};
use wxpay_signing::KeyStore;

fn client(c: &mut Criterion) {
    let f = Fixture::new().expect("fixture");
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = Emulator::dev().with_limits(Limits {
        rate_per_sec: 1_000_000,
        ..Limits::default()
    });
    let server: Server = server_rt
        .block_on(Server::start(
            Arc::new(emulator),
            "127.0.0.1:0".parse().expect("addr"),
            Default::default(),
        ))
        .expect("server");
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let keys = KeyStore::new().with_public_key(PLATFORM_KEY_ID, f.platform_key.public_key());
    let client = client_rt.block_on(async {
        CouponClient::new(
            Transport::builder(f.signer.clone(), keys)
                .base_url(&server.base_url())
                .backup_base_url(&server.base_url())
                .rate_limit_per_sec(0)
                .build()
                .expect("transport"),
        )
    });
    let next = AtomicUsize::new(0);
    let mut g = c.benchmark_group("client");
    g.bench_function("send_user_product_coupon", |b| {
        b.to_async(&client_rt).iter(|| {
            let request = load_test_request(next.fetch_add(1, Ordering::Relaxed));
            let client = client.clone();
            async move {
                client
                    .send_user_product_coupon(&request)
                    .await
                    .expect("issued")
            }
        })
    });
    g.finish();
    drop(server);
}

criterion_group!(benches, client);
criterion_main!(benches);
