//! `--state FILE`: a restart loses nothing — the same coupons in the same states, the same
//! idempotent answers, pending callbacks delivered after the restart, the clock offset.

use std::sync::Arc;

use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_mock::{CallbackConfig, Emulator, Server};
use wxpay_models::user_coupon::{
    ConfirmSendUserProductCouponRequest, SendUserProductCouponRequest,
};
use wxpay_models::{Mode, SetNotifyConfigRequest};
use wxpay_signing::ApiV3Key;
use wxpay_testkit::fixtures::unique;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::receiver::Recorder;
use wxpay_testkit::{brand_signer, merchant_signer, temp_dir};

const KEY: &str = "0123456789abcdef0123456789ABCDEF";

fn emulator() -> Emulator {
    // The retry comes long after the test ends: the callbacks the down receiver refuses stay
    // pending however slowly this machine sends (a schedule that ran out would give them up,
    // and given-up callbacks are rightly not redelivered after a restart).
    let patient = CallbackConfig {
        retry_schedule_ms: vec![600_000],
        timeout_ms: 500,
        ..Default::default()
    };
    Emulator::dev().with_callbacks(&ApiV3Key::new(KEY).unwrap(), None, patient)
}

async fn start(path: &std::path::Path) -> Server {
    let emu = Arc::new(emulator());
    emu.open_state(path).expect("open state");
    Server::start(emu, "127.0.0.1:0".parse().unwrap(), Default::default())
        .await
        .unwrap()
}

fn send(openid: &str, no: &str) -> SendUserProductCouponRequest {
    SendUserProductCouponRequest::new(
        openid,
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        no,
    )
}

fn coupons(c: &Value) -> Vec<(String, String)> {
    c["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["coupon_code"].as_str().unwrap().to_owned(),
                e["coupon_state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_restart_with_state_loses_nothing() {
    let dir = temp_dir();
    let path = dir.path().join("state.sqlite");
    let receiver = Recorder::start().await;
    receiver.answer_with(503); // down: callbacks stay pending

    let server = start(&path).await;
    let c = TestClient::new(&server.base_url());
    let notify = SetNotifyConfigRequest::new(receiver.url());
    assert_eq!(
        c.call(&merchant_signer(), Mode::Partner, &notify)
            .await
            .status,
        200
    );
    let mut sent = Vec::new();
    for i in 0..20 {
        let openid = unique("o");
        let no = format!("STATE{i:04}{}", std::process::id());
        let answer = c
            .call(&merchant_signer(), Mode::Partner, &send(&openid, &no))
            .await;
        assert_eq!(answer.status, 200);
        sent.push((
            openid,
            no,
            answer.json()["coupon_code"].as_str().unwrap().to_owned(),
        ));
    }
    // Confirm half of them; one in brand mode too.
    for (openid, _, code) in sent.iter().take(10) {
        let confirm = ConfirmSendUserProductCouponRequest::new(
            openid.clone(),
            code.clone(),
            dev::PRODUCT_COUPON_ID,
            dev::STOCK_LOAD_TEST,
            dev::APPID,
            format!("C{code}"),
        );
        assert_eq!(
            c.call(&merchant_signer(), Mode::Partner, &confirm)
                .await
                .status,
            200
        );
    }
    let brand_sent = c
        .call(
            &brand_signer(),
            Mode::Brand,
            &send(&unique("o"), &unique("BRAND")),
        )
        .await;
    assert_eq!(brand_sent.status, 200);
    c.admin(
        http::Method::PUT,
        "/mock/clock",
        &json!({"offset_secs": 3600}),
    )
    .await;
    let before = c.admin_get("/mock/coupons?limit=1000").await.json();
    let stock_before = c
        .admin_get(&format!("/mock/stocks/{}", dev::STOCK_LOAD_TEST))
        .await
        .json();
    assert_eq!(before["total_count"], 21);
    // The brand caller has no notify URL of its own: 20 callbacks, all for the provider.
    let pending = c.admin_get("/mock/callbacks").await.json();
    assert_eq!(pending["total_count"], 20, "{pending}");
    server.shutdown().await;

    // The same file, a new process-worth of state.
    let attempts_before = receiver.count().await;
    receiver.answer_with(200);
    let server = start(&path).await;
    let c = TestClient::new(&server.base_url());
    let after = c.admin_get("/mock/coupons?limit=1000").await.json();
    assert_eq!(coupons(&after), coupons(&before));
    let stock_after = c
        .admin_get(&format!("/mock/stocks/{}", dev::STOCK_LOAD_TEST))
        .await
        .json();
    assert_eq!(
        stock_after["sent_count_info"],
        stock_before["sent_count_info"]
    );
    // Idempotent answers survive: the same number and body give the same coupon, another
    // body is refused.
    let (openid, no, code) = &sent[15];
    let replay = c
        .call(&merchant_signer(), Mode::Partner, &send(openid, no))
        .await;
    assert_eq!(replay.json()["coupon_code"].as_str(), Some(code.as_str()));
    let other = c
        .call(&merchant_signer(), Mode::Partner, &send(&unique("o"), no))
        .await;
    assert_eq!(other.status, 400);
    // The notify URL and the clock came back; the pending callbacks are delivered now, once
    // each, with their first ids.
    let ids: Vec<Value> = pending["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    let got = receiver.wait_for(attempts_before + 20, 10).await;
    let delivered: std::collections::BTreeSet<String> = got[attempts_before..]
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter_map(|b| b["id"].as_str().map(str::to_owned))
        .collect();
    for id in &ids {
        assert!(
            delivered.contains(id.as_str().unwrap()),
            "{id} not delivered after the restart"
        );
    }
    let all_delivered = |v: &Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["delivered"] == true)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut views = c.admin_get("/mock/callbacks").await.json();
    while !all_delivered(&views) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        views = c.admin_get("/mock/callbacks").await.json();
    }
    assert!(all_delivered(&views), "{views}");
    server.shutdown().await;

    // Delivered callbacks are not sent again after one more restart.
    let count = receiver.count().await;
    let server = start(&path).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(receiver.count().await, count);
    // A reset empties the file too.
    let c = TestClient::new(&server.base_url());
    c.admin(http::Method::POST, "/mock/reset", &Value::Null)
        .await;
    server.shutdown().await;
    let server = start(&path).await;
    let c = TestClient::new(&server.base_url());
    assert_eq!(c.admin_get("/mock/coupons").await.json()["total_count"], 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_state_file_of_another_format_is_refused() {
    let dir = temp_dir();
    let path = dir.path().join("state.sqlite");
    {
        let emu = Arc::new(Emulator::dev());
        emu.open_state(&path).unwrap();
        emu.close_state();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE wxpay_mock SET value = '99' WHERE key = 'format'",
        [],
    )
    .unwrap();
    drop(conn);
    let err = Arc::new(Emulator::dev())
        .open_state(&path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("format 99") && err.contains("new file"),
        "{err}"
    );
}
