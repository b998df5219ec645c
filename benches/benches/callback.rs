//! The cost of one callback (docs/contracts.md §7), beside the primitives it is made of:
//!
//! - `verify`: the `Wechatpay-*` signature over the raw body (RSA-2048 verify + the checks);
//! - `decrypt`: the AEAD_AES_256_GCM resource with the APIv3 key;
//! - `parse`: the envelope JSON and the decrypted SEND event, typed;
//! - `handle`: `CallbackHandler::handle`, all three together;
//! - `service`: `CallbackService` per event: the body read, `handle`, the de-duplication
//!   lookup and record, a no-op handler, the answer and its metric (a Prometheus recorder
//!   installed).
//!
//! The goal: `handle` and `service` within 1.2 × (`verify` + `decrypt` + `parse`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use wxpay_benches::{Fixture, PLATFORM_KEY_ID};
use wxpay_coupons::notify::{CallbackDedup, DedupFuture};
use wxpay_coupons::{CallbackHandler, CallbackService, CouponEvent};
use wxpay_models::{CouponSentEvent, EncryptedResource, Notification, WxTime};
use wxpay_signing::{ApiV3Key, PlatformSigner};

const KEY: &str = "0123456789abcdef0123456789ABCDEF";

/// Remembers nothing, so that one prepared callback is new on every iteration.
struct Forgetful;

impl CallbackDedup for Forgetful {
    fn seen<'a>(&'a self, _id: &'a str) -> DedupFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(false)))
    }
    fn record<'a>(&'a self, _id: &'a str) -> DedupFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}

fn sent_event() -> CouponSentEvent {
    let now = WxTime::now();
    CouponSentEvent {
        coupon_code: "8000000000001".into(),
        product_coupon_id: "1000000013".into(),
        stock_id: "1000000013001".into(),
        stock_bundle_id: None,
        user_coupon_bundle_id: None,
        appid: Some("wx233544546545989".into()),
        openid: "oh-394z-6CGkNoJrsDLTTUKiAnp4".into(),
        unionid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        phone_number: None,
        country_code: None,
        channel_custom_info: None,
        brand_id: Some("120344".into()),
        send_channel: wxpay_models::UserProductCouponSendChannel::Api,
        send_request_no: "MCHSEND202003101234".into(),
        receive_time: now,
        valid_begin_time: now,
        valid_end_time: now,
        attach: Some("any attach content".into()),
    }
}

fn callback(c: &mut Criterion) {
    eprintln!("crypto backend: {}", wxpay_signing::BACKEND);
    let f = Fixture::new().expect("fixture");
    let key = ApiV3Key::new(KEY).expect("key");
    let plaintext = serde_json::to_vec(&sent_event()).expect("event");
    let nonce = "0123456789ab";
    let notification = Notification {
        id: "EV-bench".into(),
        create_time: WxTime::now(),
        event_type: "PRODUCT_COUPON_SP.SEND".into(),
        resource_type: "encrypt-resource".into(),
        summary: Some("商品券领券通知".into()),
        resource: EncryptedResource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext: key
                .encrypt(&plaintext, nonce, "product_coupon_sp")
                .expect("encrypt"),
            nonce: nonce.into(),
            associated_data: "product_coupon_sp".into(),
            original_type: "product_coupon".into(),
        },
    };
    let body = serde_json::to_vec(&notification).expect("body");
    let signed = PlatformSigner::new(PLATFORM_KEY_ID, f.platform_key.clone())
        .sign(&body)
        .expect("sign");
    let headers = signed.as_headers_map();
    let handler = CallbackHandler::new(f.verifier.clone(), key.clone());

    let mut g = c.benchmark_group("callback");
    g.bench_function("verify", |b| {
        b.iter(|| {
            f.verifier
                .verify(&signed.as_headers(), black_box(&body))
                .expect("verified")
        })
    });
    let r = &notification.resource;
    g.bench_function("decrypt", |b| {
        b.iter(|| {
            key.decrypt(black_box(&r.ciphertext), &r.nonce, &r.associated_data)
                .expect("decrypted")
        })
    });
    g.bench_function("parse", |b| {
        b.iter(|| {
            let n: Notification = serde_json::from_slice(black_box(&body)).expect("envelope");
            let event = CouponEvent::parse(&n.event_type, black_box(&plaintext)).expect("event");
            black_box((n, event))
        })
    });
    g.bench_function("handle", |b| {
        b.iter(|| {
            handler
                .handle(|name| headers.get(name).copied(), black_box(&body))
                .expect("handled")
        })
    });

    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    metrics::set_global_recorder(recorder).expect("the only recorder");
    let service = CallbackService::new(handler.clone(), |_| {
        std::future::ready(Ok::<(), std::convert::Infallible>(()))
    })
    .dedup(Forgetful);
    let mut request = http::Request::post("/notify");
    for (name, value) in &headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(http_body_util::Full::new(bytes::Bytes::from(body.clone())))
        .expect("request");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    g.bench_function("service", |b| {
        b.iter(|| {
            let response = runtime.block_on(service.respond(black_box(request.clone())));
            assert_eq!(response.status(), 200);
        })
    });
    g.finish();
}

criterion_group!(benches, callback);
criterion_main!(benches);
