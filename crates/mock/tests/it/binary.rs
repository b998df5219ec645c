//! The real `wxpay-mock` binary: start-up line, config files, refusal to expose the admin API,
//! graceful shutdown.

use std::time::{Duration, Instant};

use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{key_path, merchant_signer, mock, temp_dir};

const BIN: &str = env!("CARGO_BIN_EXE_wxpay-mock");

fn wait_exit(
    child: &mut std::process::Child,
    within: Duration,
) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < within {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A config for the dev keys; `extra` goes first (top-level keys) unless it starts a table.
fn config(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("mock.toml");
    let (top, tail) = if extra.starts_with('[') {
        ("", extra)
    } else {
        (extra, "")
    };
    let text = format!(
        "{top}[platform]\npublic_key_id = \"PUB_KEY_ID_0119000000012025112900000000000001\"\nprivate_key_file = \"{}\"\n\
         [[merchants]]\nmchid = \"1900000001\"\nserial_no = \"5157F09EFDC096DE15EBE81A47057A7232F1B8E1\"\n\
         public_key_file = \"{}\"\nbrands = [\"120344\"]\n{tail}",
        key_path("platform_key.pem").display(),
        key_path("merchant_pub.pem").display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn dev_state_binary_serves_and_shuts_down_on_sigterm() {
    let mut process = mock::spawn_binary(BIN.as_ref(), &["--listen", "127.0.0.1:0"]);
    assert!(
        process
            .first_line
            .starts_with("listening on http://127.0.0.1:"),
        "{}",
        process.first_line
    );
    let client = TestClient::new(&process.base_url);
    let (_, answer) = client.send_new("1000000013002").await;
    assert_eq!(answer.status, 200);
    let pid = process.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status =
        wait_exit(&mut process.child, Duration::from_secs(15)).expect("exits after SIGTERM");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn config_with_fixtures_and_admin_token() {
    let dir = temp_dir();
    let mut fixtures = wxpay_mock::Fixtures::dev(wxpay_models::WxTime::now());
    fixtures.stocks.retain(|s| s.stock_id == "1000000013002");
    fixtures.product_coupons.truncate(1);
    fixtures.uploaded_codes.clear();
    std::fs::write(
        dir.path().join("fixtures.json"),
        serde_json::to_vec(&fixtures).unwrap(),
    )
    .unwrap();
    let cfg = config(
        dir.path(),
        "fixtures_file = \"fixtures.json\"\nadmin_token = \"t0ken\"\n",
    );
    let process = mock::spawn_binary(
        BIN.as_ref(),
        &["--config", cfg.to_str().unwrap(), "--listen", "127.0.0.1:0"],
    );
    let client = TestClient::new(&process.base_url);
    assert_eq!(client.admin_get("/mock/health").await.status, 401);
    let ok = client
        .raw(
            http::Method::GET,
            "/mock/stocks/1000000013002",
            &[("Authorization", "Bearer t0ken")],
            "",
        )
        .await;
    assert_eq!(ok.status, 200);
    let gone = client
        .raw(
            http::Method::GET,
            "/mock/stocks/1000000013001",
            &[("Authorization", "Bearer t0ken")],
            "",
        )
        .await;
    assert_eq!(gone.status, 404, "only the fixtures' stocks exist");
    let (_, answer) = client.send_new("1000000013002").await;
    assert_eq!(answer.status, 200);
    // A merchant without an APIv3 key cannot get callbacks: setting a notify URL says why.
    let notify = client
        .signed_post(
            &merchant_signer(),
            "/v3/marketing/partner/product-coupon/notify-configs",
            br#"{"notify_url":"http://127.0.0.1:9/notify"}"#,
        )
        .await;
    assert_eq!(notify.status, 400);
    assert_eq!(notify.code(), "INVALID_REQUEST");
    assert!(
        notify.json()["message"]
            .as_str()
            .unwrap()
            .contains("apiv3_key"),
        "{}",
        notify.json()
    );
}

#[test]
fn refuses_a_public_listen_address_without_admin_token() {
    let dir = temp_dir();
    let cfg = config(dir.path(), "");
    let out = std::process::Command::new(BIN)
        .args(["--config", cfg.to_str().unwrap(), "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("admin_token"), "{err}");
}

#[test]
fn bad_configs_say_what_is_wrong() {
    let dir = temp_dir();
    for (extra, needle) in [
        ("[limits]\nrate_per_sec = 0\n", "rate_per_sec"),
        ("typo_key = 1\n", "typo_key"),
        ("fixtures_file = \"missing.json\"\n", "missing.json"),
    ] {
        let cfg = config(dir.path(), extra);
        let out = std::process::Command::new(BIN)
            .args(["--config", cfg.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{extra}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{extra}: {err}");
    }
    let bad_key = dir.path().join("bad.toml");
    std::fs::write(
        &bad_key,
        format!(
            "[platform]\npublic_key_id = \"P\"\nprivate_key_file = \"{}\"\n",
            key_path("platform_pub.pem").display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(BIN)
        .args(["--config", bad_key.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("platform.private_key_file") && err.contains("PUBLIC KEY"),
        "{err}"
    );
}
