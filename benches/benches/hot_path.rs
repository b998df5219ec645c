//! The hot path of one coupon send, piece by piece (ids fixed by docs/contracts.md):
//!
//! - `rsa_sign_raw`: the bare RSA-2048 signature of a request message (the floor);
//! - `request`: typed request → validated → encoded for the mode → Authorization value;
//! - `request_dyn_signer`: the same through `Arc<dyn RequestSigner>` and `authorize` (the
//!   transport's path: a boxed future per signature);
//! - `serialize_request`: typed request → JSON bytes;
//! - `rsa_verify_raw`: the bare RSA verification of a response message;
//! - `response`: headers + 3.3 KB body → verified → typed entity;
//! - `parse_response`: 3.3 KB body → typed entity;
//! - `endpoint_path`: a list operation's validated path and sorted, encoded query;
//! - `key_lookup_plain`, `key_lookup_shared`: the answer's key by `Wechatpay-Serial`, from a
//!   `KeyStore` and from the transport's replaceable `SharedKeyStore`.
//! - `request_layered`: `request` as the transport sends it, with client metrics recorded
//!   (a Prometheus recorder installed) and a tower layer around the exchange: the typed
//!   request encoded, signed, its HTTP request built, through the layer to an in-memory
//!   client answering an unsigned 400 (so no verification), the answer read and counted.
//!
//! Group `baselines` holds plain serde_json references to compare against.

use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use wxpay_benches::{Fixture, RESPONSE_MEMBER, seed_request};
use wxpay_coupons::transport::SharedKeyStore;
use wxpay_models::{Endpoint, Mode, Target, UserProductCouponEntity, encode};
use wxpay_signing::{KeyStore, RequestSigner, authorize, message};

/// Polls a future that completes at once (the in-memory signer never suspends).
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the in-memory signer suspended"),
    }
}

fn hot_path(c: &mut Criterion) {
    // Both backends share these ids: say which one this run measures.
    eprintln!("crypto backend: {}", wxpay_signing::BACKEND);
    let f = Fixture::new().expect("fixture");
    let request = seed_request();
    let body = request.to_body().expect("body");
    let path = request.path(Mode::Partner);
    let request_message = message::request(
        "POST",
        &path,
        "1764381600",
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        &body,
    );
    let h = &f.response_headers;
    let response_message = message::response(&h.timestamp, &h.nonce, RESPONSE_MEMBER);
    let response_signature = base64::engine::general_purpose::STANDARD
        .decode(&h.signature)
        .expect("b64");
    let platform_public = f.platform_key.public_key();

    let mut g = c.benchmark_group("hot_path");
    g.bench_function("rsa_sign_raw", |b| {
        b.iter(|| {
            f.merchant_key
                .sign(black_box(&request_message))
                .expect("sign")
        })
    });
    // What the client does per send: validate and encode for the mode, then sign.
    let target = Target {
        mode: Mode::Partner,
        brand_id: Some("120344"),
    };
    g.bench_function("request", |b| {
        b.iter(|| {
            let wire = encode(black_box(&request), target).expect("valid");
            let auth = f
                .signer
                .authorization("POST", &wire.path_and_query, &wire.body)
                .expect("sign");
            black_box((auth.to_string(), wire))
        })
    });
    let dyn_signer: Arc<dyn RequestSigner> = Arc::new(f.signer.clone());
    g.bench_function("request_dyn_signer", |b| {
        b.iter(|| {
            let wire = encode(black_box(&request), target).expect("valid");
            let auth = ready(authorize(
                &dyn_signer,
                "POST",
                &wire.path_and_query,
                &wire.body,
            ))
            .expect("sign");
            black_box((auth.to_string(), wire))
        })
    });
    // Two keys, as during a rotation; the answer names the second.
    let keys = KeyStore::new()
        .with_public_key(
            "PUB_KEY_ID_0119000000012025112900000000000001",
            platform_public.clone(),
        )
        .with_public_key(
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            platform_public.clone(),
        );
    let serial = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
    g.bench_function("key_lookup_plain", |b| {
        b.iter(|| keys.get(black_box(serial)).is_some())
    });
    let shared = SharedKeyStore::new(keys.clone());
    g.bench_function("key_lookup_shared", |b| {
        b.iter(|| shared.with(|k| k.get(black_box(serial)).is_some()))
    });
    g.bench_function("serialize_request", |b| {
        b.iter(|| black_box(&request).to_body().expect("body"))
    });
    g.bench_function("rsa_verify_raw", |b| {
        b.iter(|| {
            assert!(
                platform_public
                    .verify(black_box(&response_message), black_box(&response_signature))
            )
        })
    });
    g.bench_function("response", |b| {
        b.iter(|| {
            f.verifier
                .verify(&h.as_headers(), black_box(RESPONSE_MEMBER))
                .expect("verified");
            serde_json::from_slice::<UserProductCouponEntity>(RESPONSE_MEMBER).expect("entity")
        })
    });
    let list = wxpay_models::user_coupon::ListUserProductCouponsRequest::new(
        "oh-394z-6CGkNoJrsDLTTUKiAnp4",
        "wx233544546545989",
    )
    .with_product_coupon_id("1000000013")
    .with_stock_id("1000000013001")
    .with_coupon_state(wxpay_models::UserProductCouponState::Effective)
    .with_page_size(20)
    .with_page_token("MTAwMA==");
    g.bench_function("endpoint_path", |b| {
        b.iter(|| {
            encode(black_box(&list), target)
                .expect("valid")
                .path_and_query
        })
    });
    g.bench_function("parse_response", |b| {
        b.iter(|| {
            serde_json::from_slice::<UserProductCouponEntity>(black_box(RESPONSE_MEMBER))
                .expect("entity")
        })
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let transport = layered_transport(&f);
    g.bench_function("request_layered", |b| {
        b.iter(|| {
            let wire = encode(black_box(&request), target).expect("valid");
            let answer = runtime
                .block_on(transport.execute(
                    http::Method::POST,
                    &wire.path_and_query,
                    bytes::Bytes::from(wire.body),
                ))
                .expect("answered");
            assert_eq!(answer.status, 400);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("baselines");
    let value: serde_json::Value = serde_json::from_slice(&body).expect("value");
    g.bench_function("serialize_value", |b| {
        b.iter(|| serde_json::to_vec(black_box(&value)).expect("json"))
    });
    g.bench_function("parse_value", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(RESPONSE_MEMBER)).expect("value")
        })
    });
    g.finish();
}

/// A transport with metrics recorded and one tower layer, sending to an in-memory client
/// that answers `400 PARAM_ERROR` unsigned (an unsigned error is not verified, so the bench
/// holds one RSA operation, the signature, as `request` does).
fn layered_transport(f: &Fixture) -> wxpay_coupons::Transport {
    use wxpay_coupons::transport::exchange::HttpRequest;
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    metrics::set_global_recorder(recorder).expect("the only recorder");
    let client = tower::service_fn(|_request: HttpRequest| async {
        let body = r#"{"code":"PARAM_ERROR","message":"bench"}"#;
        let response = http::Response::builder()
            .status(400)
            .header("Request-ID", "08F7A1B2C3D4E5F6-268435461")
            .body(http_body_util::Full::new(bytes::Bytes::from_static(
                body.as_bytes(),
            )))
            .expect("response");
        Ok::<_, std::convert::Infallible>(response)
    });
    let tag = tower::util::MapRequestLayer::new(|mut r: HttpRequest| {
        r.headers_mut()
            .insert("x-bench", http::HeaderValue::from_static("1"));
        r
    });
    wxpay_coupons::Transport::builder(f.signer.clone(), f.verifier.keys().clone())
        .base_url("http://127.0.0.1:9")
        .backup_base_url("http://127.0.0.1:9")
        .rate_limit_per_sec(0)
        .http_client(client)
        .layer(tag)
        .build()
        .expect("transport")
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
