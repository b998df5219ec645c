//! The `axum_callbacks` example, as its real binary, against the emulator over HTTP: SEND
//! callbacks (each delivered twice, then redelivered by hand) confirm every coupon exactly
//! once, and `/metrics` shows the SDK's counts.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_mock::{CallbackConfig, Emulator};
use wxpay_testkit::callbacks::{APIV3_KEY, apiv3_key};
use wxpay_testkit::fixtures::{send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock::{self, spawn_binary};
use wxpay_testkit::{merchant_signer, temp_dir, write_client_config};

/// The example's binary, built by `cargo test` beside this test binary (the crate's
/// dev-dependency on itself turns the `axum` feature on).
fn example_binary() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let path = deps
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples")
        .join(format!("axum_callbacks{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo test -p wxpay-coupons` (which builds examples), or \
         `cargo build -p wxpay-coupons --features axum --example axum_callbacks` first",
        path.display()
    );
    path
}

/// Polls `check` every 50 ms for at most `secs`.
async fn eventually<T>(secs: u64, mut check: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Some(found) = check().await {
            return Some(found);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

async fn confirms(admin: &TestClient) -> Vec<Value> {
    admin.admin_get("/mock/requests").await.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["operation"] == "confirm-send-user-product-coupon")
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_confirms_each_coupon_once_through_redeliveries() {
    let fast = CallbackConfig {
        retry_schedule_ms: vec![100, 200, 400, 800],
        timeout_ms: 2000,
        ..Default::default()
    };
    let server = mock::start_with(Emulator::dev().with_callbacks(&apiv3_key(), None, fast)).await;
    let admin = TestClient::new(&server.base_url());
    let dir = temp_dir();
    let config = write_client_config(
        dir.path(),
        &server.base_url(),
        &format!("apiv3_key = \"{APIV3_KEY}\""),
    );
    let app = spawn_binary(
        &example_binary(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
    );
    let addr = app
        .first_line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line {:?}", app.first_line));
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );
    let body =
        serde_json::to_vec(&json!({ "notify_url": format!("{}/notify", app.base_url) })).unwrap();
    let set = admin
        .signed_post(
            &merchant_signer(),
            "/v3/marketing/partner/product-coupon/notify-configs",
            &body,
        )
        .await;
    assert_eq!(set.status, 200);
    // Every callback is delivered twice.
    admin
        .set_faults(json!({"callback_duplicate_rate": 1.0}))
        .await;
    let mut openids = Vec::new();
    for _ in 0..3 {
        let openid = unique("o");
        let sent = admin
            .send(
                &merchant_signer(),
                &openid,
                &send_body(dev::STOCK_WECHATPAY, &unique("R"), None),
            )
            .await;
        assert_eq!(sent.status, 200);
        openids.push(openid);
    }
    for openid in &openids {
        let coupon = eventually(10, async || {
            let c = admin
                .admin_get(&format!("/mock/coupons?openid={openid}"))
                .await
                .json()["data"][0]
                .clone();
            (c["coupon_state"] == "EFFECTIVE").then_some(c)
        })
        .await
        .unwrap_or_else(|| panic!("{openid} not confirmed"));
        assert!(
            coupon["confirm_request_no"]
                .as_str()
                .unwrap()
                .starts_with("CF")
        );
    }
    // Both deliveries of each callback answered 200; then each is redelivered once more.
    let twice = |c: &Value| c["delivered"] == true && c["attempts"] == 2;
    let delivered = eventually(10, async || {
        let list = admin.admin_get("/mock/callbacks").await.json();
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(twice)
            .then_some(list)
    })
    .await
    .expect("every callback delivered twice");
    admin.set_faults(json!({})).await;
    for callback in delivered["data"].as_array().unwrap() {
        let id = callback["id"].as_str().unwrap();
        let answer = admin
            .admin(
                http::Method::POST,
                &format!("/mock/callbacks/{id}/redeliver"),
                &json!({}),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.json());
    }
    eventually(10, async || {
        let list = admin.admin_get("/mock/callbacks").await.json();
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| {
                c["delivered"] == true
                    && c["last_status"].as_str().is_some_and(|s| s.contains("200"))
            })
            .then_some(())
    })
    .await
    .expect("every redelivery answered 200");

    // Exactly one confirm per coupon reached the emulator, each a success.
    let confirms = confirms(&admin).await;
    assert_eq!(confirms.len(), 3, "{confirms:#?}");
    assert!(confirms.iter().all(|c| c["status"] == 200), "{confirms:#?}");

    let metrics = TestClient::new(&app.base_url)
        .raw(http::Method::GET, "/metrics", &[], Vec::new())
        .await;
    let text = String::from_utf8(metrics.body.to_vec()).unwrap();
    assert!(
        text.contains(
            "wxpay_client_requests_total{operation=\"confirm-send-user-product-coupon\",status=\"200\",code=\"\"} 3"
        ),
        "{text}"
    );
    let line = |outcome: &str| {
        text.lines()
            .find(|l| {
                l.starts_with("wxpay_callbacks_total")
                    && l.contains(&format!("outcome=\"{outcome}\""))
            })
            .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    assert_eq!(line("handled"), 3, "{text}");
    assert_eq!(
        line("duplicate"),
        6,
        "one per duplicate and per redelivery: {text}"
    );
    assert!(text.contains("app_coupons_confirmed_total 3"), "{text}");
}
