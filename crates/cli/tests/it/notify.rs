//! The confirm handshake end to end over real HTTP: the emulator sends PRODUCT_COUPON.SEND
//! callbacks to `wxpay notify serve --auto-confirm`, which confirms each coupon exactly once.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_mock::{CallbackConfig, Emulator};
use wxpay_models::{CouponSentEvent, EncryptedResource, Notification, WxTime};
use wxpay_signing::ApiV3Key;
use wxpay_testkit::fixtures::{send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock::{MockProcess, spawn_binary};
use wxpay_testkit::{merchant_signer, mock, platform_signer, temp_dir, write_client_config};

const BIN: &str = env!("CARGO_BIN_EXE_wxpay");
const KEY: &str = "0123456789abcdef0123456789ABCDEF";

fn fast() -> CallbackConfig {
    CallbackConfig {
        retry_schedule_ms: vec![100, 200, 300, 400, 500, 600, 800, 1000],
        timeout_ms: 1000,
        ..Default::default()
    }
}

/// `wxpay notify serve` with auto-confirm on `listen`, events in `events`. No `--appid`, and
/// none in the config: each confirm takes the AppID from its SEND event.
fn receiver(config: &std::path::Path, listen: &str, events: &std::path::Path) -> MockProcess {
    spawn_binary(
        BIN.as_ref(),
        &[
            "notify",
            "serve",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            listen,
            "--auto-confirm",
            "--events",
            events.to_str().unwrap(),
        ],
    )
}

/// An emulator with callbacks (to `notify_url` when given) and a client config for it that
/// holds the APIv3 key.
struct World {
    server: wxpay_mock::Server,
    admin: TestClient,
    dir: wxpay_testkit::TempDir,
    config: std::path::PathBuf,
}

async fn world(notify_url: Option<&str>) -> World {
    let key = ApiV3Key::new(KEY).unwrap();
    let server = mock::start_with(Emulator::dev().with_callbacks(&key, notify_url, fast())).await;
    let admin = TestClient::new(&server.base_url());
    let dir = temp_dir();
    let config = write_client_config(
        dir.path(),
        &server.base_url(),
        &format!("apiv3_key = \"{KEY}\""),
    );
    World {
        server,
        admin,
        dir,
        config,
    }
}

async fn coupon_state(admin: &TestClient, openid: &str) -> Value {
    admin
        .admin_get(&format!("/mock/coupons?openid={openid}"))
        .await
        .json()["data"][0]
        .clone()
}

async fn wait_state(admin: &TestClient, openid: &str, state: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let coupon = coupon_state(admin, openid).await;
        if coupon["coupon_state"] == state || Instant::now() > deadline {
            return coupon;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn lines(events: &std::path::Path, kind: &str) -> Vec<Value> {
    std::fs::read_to_string(events)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["kind"] == kind)
        .collect()
}

async fn set_notify_url(admin: &TestClient, url: &str) {
    let body = serde_json::to_vec(&json!({ "notify_url": url })).unwrap();
    let answer = admin
        .signed_post(
            &merchant_signer(),
            "/v3/marketing/partner/product-coupon/notify-configs",
            &body,
        )
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_are_confirmed_exactly_once_even_when_duplicated() {
    let World {
        server: _server, // kept alive until the end of the test
        admin,
        dir,
        config,
    } = world(None).await;
    let events = dir.path().join("events.jsonl");
    let rx = receiver(&config, "127.0.0.1:0", &events);
    set_notify_url(&admin, &format!("{}/wxpay/notify", rx.base_url)).await;
    // Every callback arrives twice.
    admin
        .set_faults(json!({"callback_duplicate_rate": 1.0}))
        .await;
    let mut openids = Vec::new();
    for _ in 0..3 {
        let openid = unique("o");
        assert_eq!(
            admin
                .send(
                    &merchant_signer(),
                    &openid,
                    &send_body(dev::STOCK_WECHATPAY, &unique("R"), None)
                )
                .await
                .status,
            200
        );
        openids.push(openid);
    }
    for openid in &openids {
        let coupon = wait_state(&admin, openid, "EFFECTIVE", 10).await;
        assert_eq!(coupon["coupon_state"], "EFFECTIVE", "{coupon}");
        assert!(
            coupon["confirm_request_no"]
                .as_str()
                .unwrap()
                .starts_with("AC")
        );
    }
    // The duplicate goes out after the first delivery is answered, so it may still be on its way.
    let deadline = Instant::now() + Duration::from_secs(10);
    let twice = |c: &Value| c["delivered"] == true && c["attempts"] == 2;
    let delivered = loop {
        let delivered = admin.admin_get("/mock/callbacks").await.json();
        if delivered["data"].as_array().unwrap().iter().all(twice) || Instant::now() > deadline {
            break delivered;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        delivered["data"].as_array().unwrap().iter().all(twice),
        "{delivered}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        lines(&events, "event").len(),
        3,
        "one event line per callback, duplicates skipped"
    );
    let confirms = lines(&events, "confirm");
    assert_eq!(confirms.len(), 3, "{confirms:?}");
    assert!(confirms.iter().all(|c| c["result"] == "EFFECTIVE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_was_down_still_gets_the_callback() {
    // A port nobody listens on yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/notify");
    let World {
        server: _server, // kept alive until the end of the test
        admin,
        dir,
        config,
    } = world(Some(&url)).await;
    let openid = unique("o");
    admin
        .send(
            &merchant_signer(),
            &openid,
            &send_body(dev::STOCK_WECHATPAY, &unique("R"), None),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let pending = admin.admin_get("/mock/callbacks").await.json();
    assert_eq!(pending["data"][0]["delivered"], false);
    assert!(
        pending["data"][0]["attempts"].as_u64().unwrap() >= 2,
        "{pending}"
    );
    assert!(
        pending["data"][0]["last_status"]
            .as_str()
            .unwrap()
            .contains("unreachable"),
        "{pending}"
    );
    // Now the receiver comes up on that port.
    let _rx = receiver(
        &config,
        &format!("127.0.0.1:{port}"),
        &dir.path().join("events.jsonl"),
    );
    let coupon = wait_state(&admin, &openid, "EFFECTIVE", 10).await;
    assert_eq!(coupon["coupon_state"], "EFFECTIVE", "{coupon}");
}

/// A callback made by hand: (headers, body).
fn handmade(key: &ApiV3Key, probe: bool, tamper: bool) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let event = CouponSentEvent {
        coupon_code: "C1".into(),
        product_coupon_id: dev::PRODUCT_COUPON_ID.into(),
        stock_id: dev::STOCK_WECHATPAY.into(),
        stock_bundle_id: None,
        user_coupon_bundle_id: None,
        appid: Some(dev::APPID.into()),
        openid: "o1".into(),
        unionid: Some("oU1".into()),
        phone_number: None,
        country_code: None,
        channel_custom_info: None,
        brand_id: Some(dev::BRAND_ID.into()),
        send_channel: wxpay_models::UserProductCouponSendChannel::Api,
        send_request_no: "R000001".into(),
        receive_time: WxTime::now(),
        valid_begin_time: WxTime::now(),
        valid_end_time: WxTime::now(),
        attach: None,
    };
    let nonce = "0123456789ab";
    let n = Notification {
        id: unique("id"),
        create_time: WxTime::now(),
        event_type: "PRODUCT_COUPON.SEND".into(),
        resource_type: "encrypt-resource".into(),
        summary: None,
        resource: EncryptedResource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext: key
                .encrypt(
                    &serde_json::to_vec(&event).unwrap(),
                    nonce,
                    "product_coupon",
                )
                .unwrap(),
            nonce: nonce.into(),
            associated_data: "product_coupon".into(),
            original_type: "product_coupon".into(),
        },
    };
    let body = serde_json::to_vec(&n).unwrap();
    let signed = platform_signer().sign(&body).unwrap();
    let signature = if probe {
        format!("WECHATPAY/SIGNTEST/{}", signed.signature)
    } else {
        signed.signature
    };
    let body = if tamper {
        String::from_utf8(body)
            .unwrap()
            .replace("\"o1\"", "\"o2\"")
            .into_bytes()
    } else {
        body
    };
    let body = if tamper {
        body.into_iter().chain(*b" ").collect()
    } else {
        body
    };
    let headers = vec![
        ("Wechatpay-Timestamp", signed.timestamp),
        ("Wechatpay-Nonce", signed.nonce),
        ("Wechatpay-Signature", signature),
        ("Wechatpay-Serial", signed.serial),
        ("Content-Type", "application/json".to_owned()),
    ];
    (headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_probed_and_undecryptable_callbacks_are_refused() {
    let dir = temp_dir();
    let config = write_client_config(
        dir.path(),
        "http://127.0.0.1:9",
        &format!("apiv3_key = \"{KEY}\""),
    );
    let events = dir.path().join("events.jsonl");
    let rx = receiver(&config, "127.0.0.1:0", &events);
    let client = TestClient::new(&rx.base_url);
    let right = ApiV3Key::new(KEY).unwrap();
    let wrong = ApiV3Key::new("ffffffffffffffffffffffffffffffff").unwrap();
    for (key, probe, tamper, status, needle) in [
        (&right, false, true, 401, "signature does not match"),
        (&right, true, false, 401, "signature probe"),
        (&wrong, false, false, 400, "wrong APIv3 key"),
    ] {
        let (headers, body) = handmade(key, probe, tamper);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = client
            .raw(http::Method::POST, "/notify", &headers, body)
            .await;
        assert_eq!(
            answer.status,
            status,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert!(
            answer.json()["message"].as_str().unwrap().contains(needle),
            "{}",
            answer.json()
        );
    }
    let (headers, body) = handmade(&right, false, false);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        client
            .raw(http::Method::POST, "/notify", &headers, body)
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        lines(&events, "event").len(),
        1,
        "only the genuine callback is recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wxpay_confirm_refuses_a_coupon_that_is_not_confirming() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let openid = unique("o");
    let code = admin
        .send(
            &merchant_signer(),
            &openid,
            &send_body(dev::STOCK_WECHATPAY, &unique("R"), None),
        )
        .await
        .json()["coupon_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "");
    let run = |no: String| {
        let (config, openid, code) = (config.clone(), openid.clone(), code.clone());
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                .args([
                    "confirm",
                    "--config",
                    config.to_str().unwrap(),
                    "--openid",
                    &openid,
                    "--coupon-code",
                    &code,
                    "--stock-id",
                    dev::STOCK_WECHATPAY,
                    "--product-coupon-id",
                    dev::PRODUCT_COUPON_ID,
                    "--appid",
                    dev::APPID,
                    "--brand-id",
                    dev::BRAND_ID,
                    "--out-request-no",
                    &no,
                ])
                .output()
                .unwrap()
        })
    };
    let first = run("CONFIRM0001".into()).await.unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&first.stdout).unwrap()["coupon_state"],
        "EFFECTIVE"
    );
    let replay = run("CONFIRM0001".into()).await.unwrap();
    assert_eq!(
        replay.status.code(),
        Some(0),
        "an identical replay answers the confirmed coupon"
    );
    let other = run("CONFIRM0002".into()).await.unwrap();
    assert_eq!(other.status.code(), Some(3));
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(
        err.contains("INVALID_REQUEST") && err.contains("not CONFIRMING"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_receiver_confirms_what_it_accepted_but_had_not_confirmed() {
    let World {
        server: _server, // kept alive until the end of the test
        admin,
        dir,
        config,
    } = world(None).await;
    let events = dir.path().join("events.jsonl");
    // A receiver that records but does not confirm, as one killed before its confirms would.
    let (c, e) = (config.to_str().unwrap(), events.to_str().unwrap());
    let recorder = spawn_binary(
        BIN.as_ref(),
        &[
            "notify",
            "serve",
            "--config",
            c,
            "--listen",
            "127.0.0.1:0",
            "--events",
            e,
        ],
    );
    set_notify_url(&admin, &format!("{}/wxpay/notify", recorder.base_url)).await;
    let openid = unique("o");
    let sent = admin
        .send(
            &merchant_signer(),
            &openid,
            &send_body(dev::STOCK_WECHATPAY, &unique("R"), None),
        )
        .await;
    assert_eq!(sent.status, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while lines(&events, "event").is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(lines(&events, "event").len(), 1);
    drop(recorder);
    assert_eq!(
        coupon_state(&admin, &openid).await["coupon_state"],
        "CONFIRMING"
    );

    // Restarted with auto-confirm: no callback arrives again, the events file is enough.
    let _rx = receiver(&config, "127.0.0.1:0", &events);
    let coupon = wait_state(&admin, &openid, "EFFECTIVE", 10).await;
    assert_eq!(coupon["coupon_state"], "EFFECTIVE", "{coupon}");
    assert_eq!(
        admin.admin_get("/mock/callbacks").await.json()["data"][0]["attempts"],
        1
    );
}
