//! `wxpay sign` and `wxpay verify`, run as the real binary against the signing vectors.

use std::process::{Command, Output};

use serde_json::Value;
use wxpay_testkit as kit;

fn wxpay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(args)
        .output()
        .expect("run wxpay")
}

fn vectors() -> Value {
    serde_json::from_slice(&std::fs::read(kit::vectors_path()).expect("vectors")).expect("json")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn sign_reproduces_every_request_vector() {
    let key = kit::key_path("merchant_key.pem");
    for r in vectors()["requests"].as_array().expect("requests") {
        let s = |k: &str| r[k].as_str().expect(k).to_owned();
        let out = wxpay(&[
            "sign",
            "--mchid",
            kit::MCHID,
            "--serial-no",
            kit::MERCHANT_SERIAL,
            "--private-key",
            key.to_str().expect("path"),
            "--method",
            &s("method"),
            "--url",
            &s("url"),
            "--body",
            &s("body"),
            "--timestamp",
            &s("timestamp"),
            "--nonce",
            &s("nonce"),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(s("authorization").as_str()));
        assert_eq!(
            lines.next().map(str::to_owned),
            Some(s("message").replace('\n', "\\n"))
        );
    }
}

#[test]
fn sign_with_config_and_full_url_and_body_file() {
    let dir = kit::temp_dir();
    let config = kit::write_client_config(dir.path(), "https://api.mch.weixin.qq.com", "");
    let v = vectors();
    let r = &v["requests"][0];
    let body_file = dir.path().join("body.json");
    std::fs::write(&body_file, r["body"].as_str().expect("body")).expect("write");
    let url = format!(
        "https://api.mch.weixin.qq.com{}",
        r["url"].as_str().expect("url")
    );
    let out = wxpay(&[
        "sign",
        "--config",
        config.to_str().expect("path"),
        "--method",
        "post",
        "--url",
        &url,
        "--body-file",
        body_file.to_str().expect("path"),
        "--timestamp",
        r["timestamp"].as_str().expect("ts"),
        "--nonce",
        r["nonce"].as_str().expect("nonce"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout(&out).lines().next(), r["authorization"].as_str());
}

#[test]
fn sign_without_timestamp_and_nonce_is_fresh() {
    let key = kit::key_path("merchant_key.pem");
    let args = [
        "sign",
        "--mchid",
        "1",
        "--serial-no",
        "S",
        "--private-key",
        key.to_str().expect("p"),
        "--method",
        "GET",
        "--url",
        "/v3/x",
    ];
    let (a, b) = (stdout(&wxpay(&args)), stdout(&wxpay(&args)));
    assert!(
        a.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1\""),
        "{a}"
    );
    assert_ne!(a, b, "nonce must differ between runs");
}

#[test]
fn sign_reports_a_bad_key_clearly() {
    let pubkey = kit::key_path("merchant_pub.pem");
    let out = wxpay(&[
        "sign",
        "--mchid",
        "1",
        "--serial-no",
        "S",
        "--private-key",
        pubkey.to_str().expect("p"),
        "--method",
        "GET",
        "--url",
        "/v3/x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("wrong PEM label") && err.contains("PUBLIC KEY"),
        "{err}"
    );
}

#[test]
fn verify_gives_each_response_vector_its_verdict() {
    let v = vectors();
    let key = kit::key_path("platform_pub.pem");
    for r in v["responses"].as_array().expect("responses") {
        let h = |k: &str| r["headers"][k].as_str().expect(k).to_owned();
        let now = r["now"].as_i64().expect("now").to_string();
        let out = wxpay(&[
            "verify",
            "--public-key",
            key.to_str().expect("p"),
            "--public-key-id",
            kit::PLATFORM_KEY_ID,
            "--timestamp",
            &h("Wechatpay-Timestamp"),
            "--nonce",
            &h("Wechatpay-Nonce"),
            "--signature",
            &h("Wechatpay-Signature"),
            "--serial",
            &h("Wechatpay-Serial"),
            "--body",
            r["body"].as_str().expect("body"),
            "--now",
            &now,
        ]);
        let name = r["name"].as_str().expect("name");
        if r["valid"].as_bool().expect("valid") {
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(stdout(&out).trim(), "valid");
        } else {
            assert_eq!(out.status.code(), Some(1), "{name}");
            let reason = String::from_utf8_lossy(&out.stderr);
            assert!(reason.starts_with("invalid: "), "{name}: {reason}");
        }
    }
}

#[test]
fn verify_accepts_a_certificate_under_its_serial() {
    let v = vectors();
    let r = &v["responses"][0];
    let h = |k: &str| r["headers"][k].as_str().expect(k).to_owned();
    let cert = kit::key_path("platform_cert.pem");
    let now = r["now"].as_i64().expect("now").to_string();
    let out = wxpay(&[
        "verify",
        "--public-key",
        cert.to_str().expect("p"),
        "--timestamp",
        &h("Wechatpay-Timestamp"),
        "--nonce",
        &h("Wechatpay-Nonce"),
        "--signature",
        &h("Wechatpay-Signature"),
        "--serial",
        kit::PLATFORM_CERT_SERIAL,
        "--body",
        r["body"].as_str().expect("body"),
        "--now",
        &now,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
