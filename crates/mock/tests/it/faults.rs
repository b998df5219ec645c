//! Injected faults (docs/emulator.md (faults)) and the movable business clock.

use std::time::{Duration, Instant};

use http::Method;
use serde_json::json;
use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::{issued, send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{merchant_signer, mock, platform_verifier};

#[tokio::test]
async fn dropped_response_still_issues_and_a_replay_returns_the_coupon() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    client.set_faults(json!({"drop_rate": 1.0})).await;
    let openid = unique("o");
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    let path = format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons");
    let bytes = serde_json::to_vec(&body).unwrap();
    let auth = merchant_signer()
        .authorization("POST", &path, &bytes)
        .unwrap()
        .to_string();
    // The raw hyper client reports the closed connection as an error.
    let raw = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let req = http::Request::post(format!("{}{path}", server.base_url()))
        .header("Authorization", auth)
        .header("Content-Type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(bytes)))
        .unwrap();
    assert!(raw.request(req).await.is_err(), "the answer must be lost");
    assert_eq!(
        issued(&client, dev::STOCK_WECHATPAY).await,
        1,
        "the coupon IS issued"
    );
    // Drops apply to new coupons only: the replay answers with the same coupon.
    let again = client.send(&merchant_signer(), &openid, &body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["coupon_code"], "8000000000001");
    assert_eq!(issued(&client, dev::STOCK_WECHATPAY).await, 1);
    let metrics =
        String::from_utf8_lossy(&client.admin_get("/mock/metrics").await.body).into_owned();
    assert!(
        metrics.contains("wxpay_mock_responses_dropped_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn latency_delays_answers() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    client.set_faults(json!({"latency_ms": 300})).await;
    let started = Instant::now();
    let (_, answer) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn sign_probes_fail_verification_on_successes_and_errors() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    client.set_faults(json!({"sign_probe_rate": 1.0})).await;
    let (_, ok) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.header("Wechatpay-Signature")
            .unwrap()
            .starts_with("WECHATPAY/SIGNTEST/")
    );
    assert_eq!(
        ok.verify(&platform_verifier()),
        Err(wxpay_signing::VerifyError::SignTestProbe)
    );
    let (_, err) = client.send_new("0").await;
    assert_eq!(err.status, 404);
    assert_eq!(
        err.verify(&platform_verifier()),
        Err(wxpay_signing::VerifyError::SignTestProbe)
    );
}

#[tokio::test]
async fn faults_replace_the_whole_set_and_are_validated() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    client
        .set_faults(json!({"error_rate": 0.5, "latency_ms": 5}))
        .await;
    let set = client.set_faults(json!({"latency_ms": 7})).await.json();
    assert_eq!(
        (set["error_rate"].as_f64(), set["latency_ms"].as_u64()),
        (Some(0.0), Some(7))
    );
    let bad = client
        .admin(Method::PUT, "/mock/faults", &json!({"error_rate": 1.5}))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("error_rate"));
    let unknown = client
        .admin(Method::PUT, "/mock/faults", &json!({"eror_rate": 0.1}))
        .await;
    assert_eq!(unknown.status, 400);
}

#[tokio::test]
async fn business_clock_moves_receive_time_but_not_the_signature_window() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    client
        .admin(
            Method::PUT,
            "/mock/clock",
            &json!({"offset_secs": 10 * 86_400}),
        )
        .await;
    let (_, answer) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(
        answer.status, 200,
        "requests signed with real time still pass"
    );
    let receive: wxpay_models::WxTime = answer.json()["receive_time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ahead = receive.unix_timestamp() - wxpay_models::WxTime::now().unix_timestamp();
    assert!(
        (10 * 86_400 - 5..=10 * 86_400 + 5).contains(&ahead),
        "{ahead}"
    );
    // Past the dev stock's window (363 days ahead) sending is refused.
    client
        .admin(
            Method::PUT,
            "/mock/clock",
            &json!({"offset_secs": 400 * 86_400}),
        )
        .await;
    let (_, answer) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(answer.status, 400);
}
