//! PRODUCT_COUPON.SEND callbacks (docs/contracts.md §8): signed with the platform key, encrypted with
//! the merchant's APIv3 key, retried on a schedule, never on the send path, visible in
//! `GET /mock/callbacks`; the notify-config API sets the URL.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_mock::{CallbackConfig, Emulator};
use wxpay_models::{CouponSentEvent, Notification};
use wxpay_signing::{ApiV3Key, ResponseHeaders};
use wxpay_testkit::fixtures::{send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::receiver::{Received, Recorder};
use wxpay_testkit::{merchant_signer, mock, platform_verifier};

pub(crate) const KEY: &str = "0123456789abcdef0123456789ABCDEF";

fn fast() -> CallbackConfig {
    CallbackConfig {
        retry_schedule_ms: vec![50, 100, 200, 400],
        timeout_ms: 500,
        ..Default::default()
    }
}

pub(crate) async fn callbacks(client: &TestClient) -> Vec<Value> {
    client.admin_get("/mock/callbacks").await.json()["data"]
        .as_array()
        .unwrap()
        .clone()
}

pub(crate) async fn wait_until(
    client: &TestClient,
    secs: u64,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let list = callbacks(client).await;
        if done(&list) || Instant::now() > deadline {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The callback id of each received callback.
pub(crate) fn callback_ids(got: &[Received]) -> Vec<String> {
    got.iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_new_coupon_is_notified_signed_and_encrypted() {
    let receiver = Recorder::start().await;
    let key = ApiV3Key::new(KEY).unwrap();
    let server =
        mock::start_with(Emulator::dev().with_callbacks(&key, Some(&receiver.url()), fast())).await;
    let client = TestClient::new(&server.base_url());
    let openid = unique("o");
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    let sent = client.send(&merchant_signer(), &openid, &body).await.json();
    // A replay sends no second callback.
    client.send(&merchant_signer(), &openid, &body).await;
    let got = receiver.wait_for(1, 5).await;
    assert_eq!(got.len(), 1);
    let r = &got[0];
    let headers =
        ResponseHeaders::from_fn(|name| r.headers.get(name).and_then(|v| v.to_str().ok())).unwrap();
    platform_verifier()
        .verify(&headers, &r.body)
        .expect("signed with the platform key");
    let n: Notification = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        (n.event_type.as_str(), n.resource_type.as_str()),
        ("PRODUCT_COUPON_SP.SEND", "encrypt-resource")
    );
    assert_eq!(
        (
            n.resource.algorithm.as_str(),
            n.resource.associated_data.as_str(),
            n.resource.nonce.len()
        ),
        ("AEAD_AES_256_GCM", "product_coupon_sp", 12)
    );
    let plain = key
        .decrypt(
            &n.resource.ciphertext,
            &n.resource.nonce,
            &n.resource.associated_data,
        )
        .unwrap();
    let event: CouponSentEvent = serde_json::from_slice(&plain).unwrap();
    assert_eq!(event.coupon_code, sent["coupon_code"].as_str().unwrap());
    // Partner SEND events carry the brand, the AppID the openid belongs to (the send's)
    // and a UnionID.
    assert_eq!(event.brand_id.as_deref(), Some(dev::BRAND_ID));
    assert_eq!(event.appid.as_deref(), Some(dev::APPID));
    assert!(
        event.unionid.as_deref().is_some_and(|u| u.len() == 28),
        "{event:?}"
    );
    assert_eq!(
        (event.openid.as_str(), event.send_request_no.as_str()),
        (openid.as_str(), body["send_request_no"].as_str().unwrap())
    );
    let list = wait_until(&client, 2, |l| l[0]["delivered"] == true).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            list[0]["attempts"].as_u64(),
            list[0]["last_status"].as_str()
        ),
        (Some(1), Some("200"))
    );
}

#[tokio::test]
async fn a_down_receiver_gets_it_later_and_the_send_path_never_waits() {
    let receiver = Recorder::start().await;
    receiver.answer_with(503);
    let key = ApiV3Key::new(KEY).unwrap();
    // Retries every 50 ms for 20 s: however slow this machine, the callbacks are still
    // pending when the receiver comes back; a send that waited for its callback would take
    // those 20 s.
    let patient = CallbackConfig {
        retry_schedule_ms: vec![50; 400],
        ..fast()
    };
    let server =
        mock::start_with(Emulator::dev().with_callbacks(&key, Some(&receiver.url()), patient))
            .await;
    let client = TestClient::new(&server.base_url());
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(client.send_new(dev::STOCK_WECHATPAY).await.1.status, 200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "sends never wait for callbacks"
    );
    let failing = wait_until(&client, 3, |l| {
        l.len() == 5 && l.iter().all(|c| c["attempts"].as_u64() >= Some(2))
    })
    .await;
    assert!(
        failing
            .iter()
            .all(|c| c["delivered"] == false && c["last_status"] == "503"),
        "{failing:?}"
    );
    receiver.answer_with(200);
    let delivered = wait_until(&client, 5, |l| l.iter().all(|c| c["delivered"] == true)).await;
    assert!(
        delivered.iter().all(|c| c["delivered"] == true),
        "{delivered:?}"
    );
}

#[tokio::test]
async fn a_receiver_that_never_answers_2xx_is_given_up_after_the_schedule() {
    let receiver = Recorder::start().await;
    receiver.answer_with(500);
    let key = ApiV3Key::new(KEY).unwrap();
    let server =
        mock::start_with(Emulator::dev().with_callbacks(&key, Some(&receiver.url()), fast())).await;
    let client = TestClient::new(&server.base_url());
    client.send_new(dev::STOCK_WECHATPAY).await;
    let list = wait_until(&client, 5, |l| {
        l.first().is_some_and(|c| c["given_up"] == true)
    })
    .await;
    assert_eq!(
        list[0]["attempts"], 5,
        "first attempt + 4 retries: {list:?}"
    );
    assert_eq!(receiver.count().await, 5);
}

#[tokio::test]
async fn an_https_receiver_gets_it_when_its_ca_is_trusted() {
    let receiver = Recorder::start_tls().await;
    assert!(receiver.url().starts_with("https://127.0.0.1:"));
    let key = ApiV3Key::new(KEY).unwrap();
    for trusted in [true, false] {
        let config = CallbackConfig {
            root_cert_files: if trusted {
                vec![wxpay_testkit::tls_dir().join("ca_cert.pem")]
            } else {
                Vec::new()
            },
            retry_schedule_ms: vec![50],
            ..fast()
        };
        let server =
            mock::start_with(Emulator::dev().with_callbacks(&key, Some(&receiver.url()), config))
                .await;
        let client = TestClient::new(&server.base_url());
        let before = receiver.count().await;
        client.send_new(dev::STOCK_WECHATPAY).await;
        let list = wait_until(&client, 5, |l| {
            l.first()
                .is_some_and(|c| c["delivered"] == true || c["given_up"] == true)
        })
        .await;
        if trusted {
            assert_eq!(list[0]["delivered"], true, "{list:?}");
            let got = receiver.wait_for(before + 1, 5).await;
            let n: Notification = serde_json::from_slice(&got[before].body).unwrap();
            assert_eq!(n.event_type, "PRODUCT_COUPON_SP.SEND");
        } else {
            // The web PKI alone does not trust the test CA: never delivered, and the
            // delivery says why.
            assert_eq!(list[0]["given_up"], true, "{list:?}");
            let error = list[0]["last_error"].as_str().unwrap_or_default();
            assert!(error.to_lowercase().contains("certificate"), "{error}");
            assert_eq!(receiver.count().await, before);
        }
    }
}

#[tokio::test]
async fn faults_fail_or_duplicate_callbacks() {
    let receiver = Recorder::start().await;
    let key = ApiV3Key::new(KEY).unwrap();
    let server =
        mock::start_with(Emulator::dev().with_callbacks(&key, Some(&receiver.url()), fast())).await;
    let client = TestClient::new(&server.base_url());
    client
        .set_faults(json!({"callback_duplicate_rate": 1.0}))
        .await;
    client.send_new(dev::STOCK_WECHATPAY).await;
    let got = receiver.wait_for(2, 5).await;
    assert_eq!(got.len(), 2);
    let ids = callback_ids(&got);
    assert_eq!(ids[0], ids[1], "a duplicate carries the same callback id");

    client.set_faults(json!({"callback_fail_rate": 1.0})).await;
    client.send_new(dev::STOCK_WECHATPAY).await;
    let list = wait_until(&client, 5, |l| l.len() == 2 && l[1]["given_up"] == true).await;
    assert!(
        list[1]["last_status"]
            .as_str()
            .unwrap()
            .contains("injected"),
        "{list:?}"
    );
    assert_eq!(
        receiver.count().await,
        2,
        "failed deliveries never reached the receiver"
    );
}

#[tokio::test]
async fn the_notify_config_api_sets_and_reads_the_url() {
    let receiver = Recorder::start().await;
    let key = ApiV3Key::new(KEY).unwrap();
    let server = mock::start_with(Emulator::dev().with_callbacks(&key, None, fast())).await;
    let client = TestClient::new(&server.base_url());
    let path = "/v3/marketing/partner/product-coupon/notify-configs";
    let get = |c: TestClient| async move {
        let auth = merchant_signer()
            .authorization("GET", path, b"")
            .unwrap()
            .to_string();
        c.raw(
            http::Method::GET,
            path,
            &[("Authorization", &auth), ("Accept", "application/json")],
            "",
        )
        .await
    };
    // Before one is set: an empty URL (docs/emulator.md).
    let unset = get(client.clone()).await;
    assert_eq!(
        (unset.status.as_u16(), unset.json()["notify_url"].as_str()),
        (200, Some(""))
    );
    // Without a URL, nothing is delivered.
    client.send_new(dev::STOCK_WECHATPAY).await;
    assert!(callbacks(&client).await.is_empty());
    let set = client
        .signed_post(
            &merchant_signer(),
            path,
            &serde_json::to_vec(&json!({"notify_url": receiver.url()})).unwrap(),
        )
        .await;
    assert_eq!(set.status, 200);
    let read = get(client.clone()).await.json();
    assert_eq!(read["notify_url"], receiver.url());
    assert!(
        read["update_time"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00")),
        "{read}"
    );
    for url in [
        "ftp://x",
        "http://example.com/notify",
        "http://",
        "https://example.com/n?x=1",
    ] {
        let body = serde_json::to_vec(&json!({ "notify_url": url })).unwrap();
        let bad = client.signed_post(&merchant_signer(), path, &body).await;
        assert_eq!(
            (bad.status.as_u16(), bad.code()),
            (400, "PARAM_ERROR".to_owned()),
            "{url}"
        );
        assert_eq!(bad.json()["detail"]["field"], "notify_url", "{url}");
    }
    client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(receiver.wait_for(1, 5).await.len(), 1);
}
