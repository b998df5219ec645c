//! `wxpay send` against the emulator: the answer on stdout and docs/contracts.md §5's exit codes.

use std::process::{Command, Output};

use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{mock, temp_dir, write_client_config};

fn wxpay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(args)
        .output()
        .expect("run wxpay")
}

fn send(config: &std::path::Path, stock: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "send",
        "--config",
        config.to_str().unwrap(),
        "--openid",
        "oh-394z-6CGkNoJrsDLTTUKiAnp4",
        "--stock-id",
        stock,
        "--product-coupon-id",
        dev::PRODUCT_COUPON_ID,
        "--appid",
        dev::APPID,
        "--brand-id",
        dev::BRAND_ID,
    ];
    args.extend_from_slice(extra);
    wxpay(&args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_and_prints_the_coupon() {
    let server = mock::start().await;
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "");
    let out = tokio::task::spawn_blocking(move || {
        send(
            &config,
            dev::STOCK_API_ASSIGN,
            &[
                "--coupon-code",
                "CLI_CODE_1",
                "--send-request-no",
                "CLISEND0001",
                "--attach",
                "from the CLI",
                "--member-card-id",
                "card-9",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let coupon: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(coupon["coupon_code"], "CLI_CODE_1");
    assert_eq!(coupon["send_request_no"], "CLISEND0001");
    assert_eq!(
        coupon["coupon_tag_info"]["member_tag_info"]["member_card_id"],
        "card-9"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_request_number_is_printed_for_retries() {
    let server = mock::start().await;
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "");
    let out = tokio::task::spawn_blocking(move || send(&config, dev::STOCK_WECHATPAY, &[]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let no = serde_json::from_slice::<Value>(&out.stdout).unwrap()["send_request_no"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(stderr(&out).contains(&no), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes() {
    let server = mock::start().await;
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "max_retries = 0");
    let base = server.base_url();
    let admin = TestClient::new(&base);

    // 2: validation, before anything is sent.
    let c = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        send(&c, dev::STOCK_WECHATPAY, &["--send-request-no", "abc"])
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("send_request_no"), "{}", stderr(&out));
    let out = wxpay(&[
        "send",
        "--config",
        "/nonexistent.toml",
        "--openid",
        "o",
        "--stock-id",
        "1",
        "--product-coupon-id",
        "1",
        "--appid",
        "a",
        "--brand-id",
        "b",
        "--send-request-no",
        "ABCDEF",
    ]);
    assert_eq!(out.status.code(), Some(2));

    // 3: an API error, with code, message and Request-ID.
    let c = config.clone();
    let out = tokio::task::spawn_blocking(move || send(&c, "9999999", &[]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("NOT_FOUND")
            && err.contains("stock_id 9999999")
            && err.contains("Request-ID: "),
        "{err}"
    );

    // 4: answers that do not verify.
    admin.set_faults(json!({"sign_probe_rate": 1.0})).await;
    let c = config.clone();
    let out = tokio::task::spawn_blocking(move || send(&c, dev::STOCK_WECHATPAY, &[]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("WECHATPAY/SIGNTEST/"),
        "{}",
        stderr(&out)
    );
    admin.set_faults(json!({})).await;

    // 5: nobody listening.
    server.shutdown().await;
    let c = config.clone();
    let out = tokio::task::spawn_blocking(move || send(&c, dev::STOCK_WECHATPAY, &[]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot connect"), "{}", stderr(&out));
}
