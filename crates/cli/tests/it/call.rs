//! `wxpay call`: any operation by name, signed and verified, in either mode; `--list`.

use std::process::{Command, Output};

use serde_json::Value;
use wxpay_mock::fixtures::dev;
use wxpay_testkit::{mock, temp_dir, write_brand_client_config, write_client_config};

fn wxpay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(args)
        .output()
        .expect("run wxpay")
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn list_prints_every_operation_in_each_mode() {
    let out = wxpay(&["call", "--list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 65);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("partner ")).count(),
        35
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("brand ")).count(), 30);
    assert!(lines.contains(
        &"partner POST /v3/marketing/partner/product-coupon/users/{openid}/coupons send-user-product-coupon"
    ));
    assert!(lines.contains(
        &"brand GET /brand/marketing/product-coupon/users/{openid}/coupons/{coupon_code} get-user-product-coupon"
    ));
    for line in &lines {
        assert_eq!(line.split(' ').count(), 4, "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_operation_in_both_modes() {
    let server = mock::start().await;
    let dir = temp_dir();
    let partner = write_client_config(
        dir.path(),
        &server.base_url(),
        &format!(
            "brand_id = \"{}\"\nappid = \"{}\"",
            dev::BRAND_ID,
            dev::APPID
        ),
    );
    let brand = write_brand_client_config(dir.path(), &server.base_url(), "");
    for (config, openid) in [(&partner, "oCallPartner1"), (&brand, "oCallBrand1")] {
        let config = config.to_str().unwrap();
        let body = format!(
            r#"{{"product_coupon_id":"{}","appid":"{}","stock_id":"{}","send_request_no":"CALL{openid}"}}"#,
            dev::PRODUCT_COUPON_ID,
            dev::APPID,
            dev::STOCK_LOAD_TEST
        );
        let path = format!("openid={openid}");
        let sent = json(&wxpay(&[
            "call",
            "send-user-product-coupon",
            "--config",
            config,
            "--path",
            &path,
            "--body",
            &body,
        ]));
        let code = sent["coupon_code"].as_str().unwrap();
        let code_path = format!("coupon_code={code}");
        let read = json(&wxpay(&[
            "call",
            "get-user-product-coupon",
            "--config",
            config,
            "--path",
            &path,
            "--path",
            &code_path,
            "--query",
            &format!("product_coupon_id={}", dev::PRODUCT_COUPON_ID),
            "--query",
            &format!("stock_id={}", dev::STOCK_LOAD_TEST),
            "--query",
            &format!("appid={}", dev::APPID),
        ]));
        assert_eq!(read["coupon_state"], "CONFIRMING");
        let listed = json(&wxpay(&[
            "call",
            "list-user-product-coupons",
            "--config",
            config,
            "--path",
            &path,
            "--query",
            &format!("appid={}", dev::APPID),
        ]));
        assert_eq!(listed["total_count"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_image_takes_a_file_in_both_modes() {
    let server = mock::start().await;
    let dir = temp_dir();
    let image = dir.path().join("logo.png");
    std::fs::write(&image, wxpay_coupons::models::examples::png()).unwrap();
    let image = image.to_str().unwrap();
    let partner = write_client_config(dir.path(), &server.base_url(), "");
    let brand = write_brand_client_config(dir.path(), &server.base_url(), "");
    let mut urls = Vec::new();
    for config in [&partner, &brand] {
        let config = config.to_str().unwrap();
        let answer = json(&wxpay(&[
            "call",
            "upload-image",
            "--config",
            config,
            "--file",
            image,
        ]));
        let url = answer["media_url"].as_str().expect("media_url").to_owned();
        assert!(url.starts_with("https://"), "{url}");
        urls.push(url);
    }
    // Uploads are content-addressed: the same bytes, whoever sends them, get one URL.
    assert_eq!(urls[0], urls[1]);

    let out = wxpay(&[
        "call",
        "upload-image",
        "--config",
        partner.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--file PATH"));
    let out = wxpay(&[
        "call",
        "get-notify-config",
        "--config",
        partner.to_str().unwrap(),
        "--file",
        image,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only upload-image"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_calls_say_what_is_wrong() {
    let server = mock::start().await;
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "");
    let config = config.to_str().unwrap();
    let brand = write_brand_client_config(dir.path(), &server.base_url(), "");
    let brand = brand.to_str().unwrap();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["call", "no-such-op", "--config", config],
            2,
            "wxpay call --list",
        ),
        (
            &[
                "call",
                "get-notify-config",
                "--config",
                config,
                "--path",
                "x=1",
            ],
            2,
            "no path parameter",
        ),
        (
            &[
                "call",
                "list-stocks",
                "--config",
                config,
                "--query",
                "bogus=1",
            ],
            2,
            "no query parameter",
        ),
        (
            &[
                "call",
                "get-notify-config",
                "--config",
                config,
                "--path",
                "novalue",
            ],
            2,
            "NAME=VALUE",
        ),
        (
            &[
                "call",
                "send-user-product-coupon",
                "--config",
                config,
                "--path",
                "openid=o1",
                "--body",
                "{",
            ],
            2,
            "--body",
        ),
        // Validation before sending: the brand is missing in partner mode.
        (
            &[
                "call",
                "get-stock",
                "--config",
                config,
                "--path",
                "product_coupon_id=1",
                "--path",
                "stock_id=2",
            ],
            2,
            "brand_id",
        ),
        (
            &["call", "create-image-generation-task", "--config", brand],
            2,
            "not offered in brand mode",
        ),
        // An API error: exit 3 with the Request-ID.
        (
            &[
                "call",
                "get-stock",
                "--config",
                brand,
                "--path",
                "product_coupon_id=1",
                "--path",
                "stock_id=2",
            ],
            3,
            "Request-ID",
        ),
    ];
    for (args, code, needle) in cases {
        let out = wxpay(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_json_operation_without_body_names_every_missing_field() {
    // No --body: the request starts empty (as a server's decoder starts), so validation
    // names every required field at once instead of the first one a JSON parser misses.
    let dir = temp_dir();
    let config = write_brand_client_config(dir.path(), "http://127.0.0.1:9", "");
    let out = wxpay(&[
        "call",
        "confirm-send-user-product-coupon",
        "--config",
        config.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for field in [
        "openid",
        "coupon_code",
        "product_coupon_id",
        "stock_id",
        "appid",
        "out_request_no",
    ] {
        assert!(err.contains(&format!("{field} ")), "{field}: {err}");
    }
}
