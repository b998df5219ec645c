//! The console: its admin JSON and files over HTTP (`api`), and its pages in a real browser
//! (`pages`, headless Chromium over WebDriver).

use wxpay_mock::{CallbackConfig, Emulator, Server};
use wxpay_signing::ApiV3Key;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;
use wxpay_testkit::receiver::Recorder;

mod api;
mod browser;
mod pages;
mod worlds;

/// An emulator whose callers' callbacks go to a fresh recorder, retried after
/// `retry_schedule_ms`.
async fn with_receiver(retry_schedule_ms: Vec<u64>) -> (Server, TestClient, Recorder) {
    let receiver = Recorder::start().await;
    let key = ApiV3Key::new(crate::callbacks::KEY).expect("key");
    let config = CallbackConfig {
        retry_schedule_ms,
        timeout_ms: 2000,
        ..Default::default()
    };
    let server =
        mock::start_with(Emulator::dev().with_callbacks(&key, Some(&receiver.url()), config)).await;
    let client = TestClient::new(&server.base_url());
    (server, client, receiver)
}

/// Confirms a coupon of the dev WECHATPAY stock with a fresh out_request_no; returns it.
async fn confirm_new(client: &TestClient, openid: &str, code: &str) -> String {
    let no = wxpay_testkit::fixtures::unique("CF");
    let body = crate::confirm::confirm_body(wxpay_mock::fixtures::dev::STOCK_WECHATPAY, &no);
    let answer = crate::confirm::confirm(client, openid, code, &body).await;
    assert_eq!(answer.status, 200, "confirm: {:?}", answer.json());
    no
}
