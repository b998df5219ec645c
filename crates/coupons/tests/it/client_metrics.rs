//! Client metrics (docs/contracts.md §9) for real calls against the emulator: a debugging
//! recorder, local to the test's thread, counts what the transport records.

use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use serde_json::json;
use wxpay_coupons::models::user_coupon::GetUserProductCouponRequest;
use wxpay_coupons::transport::metrics as names;
use wxpay_coupons::{CouponClient, RetryPolicy};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;

use crate::common::{builder, client, request};

/// What was recorded: (name, labels as `k=v` sorted, value).
type Recorded = Vec<(String, Vec<String>, DebugValue)>;

/// Runs `scenario` on a current-thread runtime with a recorder of its own (so that other
/// tests of this binary, on other threads, do not count here).
fn recorded<F: std::future::Future<Output = ()>>(scenario: impl FnOnce() -> F) -> Recorded {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || runtime.block_on(scenario()));
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let (_, key) = key.into_parts();
            let mut labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            labels.sort();
            (key.name().to_owned(), labels, value)
        })
        .collect()
}

fn counter(recorded: &Recorded, name: &str, labels: &[&str]) -> u64 {
    recorded
        .iter()
        .filter(|(n, l, _)| {
            n == name && labels.iter().all(|want| l.iter().any(|have| have == want))
        })
        .map(|(_, _, v)| match v {
            DebugValue::Counter(n) => *n,
            other => panic!("{name} is not a counter: {other:?}"),
        })
        .sum()
}

fn samples(recorded: &Recorded, name: &str, operation: &str) -> usize {
    let label = format!("operation={operation}");
    recorded
        .iter()
        .filter(|(n, l, _)| n == name && l.contains(&label))
        .map(|(_, _, v)| match v {
            DebugValue::Histogram(samples) => samples.len(),
            other => panic!("{name} is not a histogram: {other:?}"),
        })
        .sum()
}

const SEND: &str = "operation=send-user-product-coupon";

#[test]
fn requests_retries_and_latency_are_counted_per_operation_status_and_code() {
    let recorded = recorded(|| async {
        let server = mock::start().await;
        let admin = TestClient::new(&server.base_url());
        let client = client(&server.base_url());
        // Two successes (the second a replay of the first).
        let send = request(dev::STOCK_WECHATPAY);
        client.send_user_product_coupon(&send).await.unwrap();
        client.send_user_product_coupon(&send).await.unwrap();
        // A business error: the coupon does not exist.
        let missing = GetUserProductCouponRequest::new(
            "o-nobody",
            "C-none",
            dev::PRODUCT_COUPON_ID,
            dev::STOCK_WECHATPAY,
            dev::APPID,
        )
        .with_brand_id(dev::BRAND_ID);
        let err = client.execute(&missing).await.unwrap_err();
        assert_eq!(err.code().map(|c| c.as_str()), Some("NOT_FOUND"), "{err}");
        // SYSTEM_ERROR on every attempt: 1 + 3 retries.
        admin.set_faults(json!({"error_rate": 1.0})).await;
        let err = client
            .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
            .await
            .unwrap_err();
        assert_eq!(
            err.code().map(|c| c.as_str()),
            Some("SYSTEM_ERROR"),
            "{err}"
        );
        server.shutdown().await;
    });
    let total = names::REQUESTS_TOTAL;
    assert_eq!(
        counter(&recorded, total, &[SEND, "status=200", "code="]),
        2,
        "{recorded:?}"
    );
    assert_eq!(
        counter(&recorded, total, &[SEND, "status=500", "code=SYSTEM_ERROR"]),
        4
    );
    assert_eq!(
        counter(
            &recorded,
            total,
            &[
                "operation=get-user-product-coupon",
                "status=404",
                "code=NOT_FOUND"
            ]
        ),
        1
    );
    assert_eq!(counter(&recorded, names::RETRIES_TOTAL, &[SEND]), 3);
    assert_eq!(
        samples(
            &recorded,
            names::REQUEST_DURATION_SECONDS,
            "send-user-product-coupon"
        ),
        6
    );
    assert_eq!(
        samples(
            &recorded,
            names::PACER_WAIT_SECONDS,
            "send-user-product-coupon"
        ),
        6
    );
    assert_eq!(counter(&recorded, names::RATE_LIMITED_TOTAL, &[]), 0);
    assert_eq!(counter(&recorded, names::FAILOVERS_TOTAL, &[]), 0);
}

#[test]
fn rate_limited_answers_and_failovers_are_counted() {
    let recorded = recorded(|| async {
        let server = mock::start().await;
        let (_closed, closed_url) = crate::common::refusing_url();
        let client = CouponClient::new(
            builder(&closed_url)
                .backup_base_url(&server.base_url())
                .failover_cooldown(Duration::from_secs(60))
                .retry(RetryPolicy {
                    max_retries: 1,
                    base_delay: Duration::from_millis(1),
                    max_delay: Duration::from_millis(1),
                    ..RetryPolicy::default()
                })
                .build()
                .unwrap(),
        );
        // Primary refused → backup answers; then the emulator answers the next two sends
        // (the second send and its one retry) 429 RATELIMIT_EXCEEDED, as its rate limit does.
        client
            .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
            .await
            .unwrap();
        crate::common::rate_limit_next(&server, 2).await;
        let err = client
            .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
            .await
            .unwrap_err();
        assert_eq!(
            err.code().map(|c| c.as_str()),
            Some("RATELIMIT_EXCEEDED"),
            "{err}"
        );
        server.shutdown().await;
    });
    assert_eq!(
        counter(&recorded, names::FAILOVERS_TOTAL, &["to=backup"]),
        1,
        "{recorded:?}"
    );
    assert_eq!(
        counter(
            &recorded,
            names::REQUESTS_TOTAL,
            &[SEND, "status=0", "code=CONNECT"]
        ),
        1
    );
    assert_eq!(counter(&recorded, names::RATE_LIMITED_TOTAL, &[SEND]), 2);
    assert_eq!(
        counter(&recorded, names::REQUESTS_TOTAL, &[SEND, "status=429"]),
        2
    );
}

#[test]
fn the_certificate_download_is_counted_under_its_own_name() {
    let recorded = recorded(|| async {
        let dir = wxpay_testkit::temp_dir();
        let server = crate::certificate_mode::emulator_with_dev_certificate(dir.path()).await;
        let client =
            CouponClient::from_config(&crate::certificate_mode::config(&server.base_url(), false))
                .unwrap();
        client
            .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
            .await
            .unwrap();
        server.shutdown().await;
    });
    // One download before the first call, then the send: neither counted as the other.
    for (operation, want) in [("operation=download-certificates", 1), (SEND, 1)] {
        assert_eq!(
            counter(
                &recorded,
                names::REQUESTS_TOTAL,
                &[operation, "status=200", "code="]
            ),
            want,
            "{operation}: {recorded:?}"
        );
    }
    assert_eq!(
        counter(&recorded, names::REQUESTS_TOTAL, &["operation=raw"]),
        0,
        "{recorded:?}"
    );
}
