//! The user's HTTP stack: tower layers around each exchange, an injected client, and options
//! of one call (timeout, headers), against the emulator over HTTP.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::json;
use wxpay_coupons::transport::exchange::{ConnectError, HttpRequest};
use wxpay_coupons::{CallOptions, CouponClient, CouponError, RetryPolicy, TransportError};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;

use crate::common::{builder, request};

fn trace_header(value: &'static str) -> CallOptions {
    CallOptions::new().header(
        http::HeaderName::from_static("x-trace-id"),
        http::HeaderValue::from_static(value),
    )
}

#[tokio::test]
async fn layers_see_every_signed_attempt_with_the_calls_headers() {
    let server = mock::start().await;
    let seen: Arc<Mutex<Vec<http::HeaderMap>>> = Arc::default();
    let log = seen.clone();
    let inner_tag = tower::util::MapRequestLayer::new(|mut r: HttpRequest| {
        r.headers_mut()
            .insert("x-layer", http::HeaderValue::from_static("inner"));
        r
    });
    let outer_spy = tower::util::MapRequestLayer::new(move |r: HttpRequest| {
        log.lock().push(r.headers().clone());
        r
    });
    let client = CouponClient::new(
        builder(&server.base_url())
            .layer(inner_tag)
            .layer(outer_spy)
            .build()
            .unwrap(),
    );
    let coupon = client
        .execute_with(&request(dev::STOCK_WECHATPAY), &trace_header("t-1"))
        .await
        .unwrap();
    assert_eq!(coupon.coupon_state.to_string(), "CONFIRMING");
    client
        .execute(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    let seen = seen.lock().clone();
    assert_eq!(seen.len(), 2, "one exchange per call");
    assert!(
        seen[0]["authorization"]
            .to_str()
            .unwrap()
            .starts_with("WECHATPAY2-SHA256-RSA2048 ")
    );
    assert_eq!(seen[0]["x-trace-id"], "t-1");
    assert!(!seen[1].contains_key("x-trace-id"), "options are per call");
    assert!(
        !seen[0].contains_key("x-layer"),
        "the last layer added is the outermost: it runs before the inner one"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_calls_timeout_replaces_the_transports() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    admin.set_faults(json!({"latency_ms": 400})).await;
    let client = CouponClient::new(
        builder(&server.base_url())
            .retry(RetryPolicy::none())
            .build()
            .unwrap(),
    );
    let short = CallOptions::new().timeout(Duration::from_millis(50));
    match client
        .execute_with(&request(dev::STOCK_WECHATPAY), &short)
        .await
    {
        Err(CouponError::Transport(TransportError::Timeout { after, .. })) => {
            assert_eq!(after, Duration::from_millis(50));
        }
        other => panic!("{other:?}"),
    }
    // The transport's own 5 s is plenty.
    client
        .execute(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    // A header the SDK signs is refused before anything is sent.
    let forged = CallOptions::new().header(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("x"),
    );
    let err = client
        .execute_with(&request(dev::STOCK_WECHATPAY), &forged)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("set by the SDK"), "{err}");
    server.shutdown().await;
}

#[tokio::test]
async fn an_injected_client_carries_every_attempt_and_its_connect_errors_fail_over() {
    let server = mock::start().await;
    let primary = "http://127.0.0.1:9".to_owned();
    let backup = server.base_url();
    // A client of the user's: refuses the primary, forwards to the backup with hyper.
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = calls.clone();
    let own = tower::service_fn(move |request: HttpRequest| {
        let hyper = hyper.clone();
        log.lock().push(request.uri().to_string());
        async move {
            if request.uri().port_u16() == Some(9) {
                return Err(Box::new(ConnectError::new("refused by test"))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(hyper.request(request).await?)
        }
    });
    let client = CouponClient::new(
        builder(&primary)
            .backup_base_url(&backup)
            .http_client(own)
            .build()
            .unwrap(),
    );
    client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    assert!(client.transport().on_backup());
    let calls = calls.lock().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].starts_with(&primary) && calls[1].starts_with(&backup));
    server.shutdown().await;
}
