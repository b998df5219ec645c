//! `wxpay campaign` as a real process against the emulator: input checks before anything is
//! written, status and export, and exactly-once across SIGKILLs at random points.

use std::collections::HashMap;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::unique;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{mock, temp_dir, write_client_config};

const BIN: &str = env!("CARGO_BIN_EXE_wxpay");

fn users(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let prefix = unique("oK");
    let mut csv = String::from("openid,member_card_id\n");
    for i in 0..n {
        csv.push_str(&format!(
            "{prefix}{i:05},{}\n",
            if i % 2 == 0 {
                format!("m{i}")
            } else {
                String::new()
            }
        ));
    }
    let path = dir.join("users.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn run_args<'a>(config: &'a str, input: &'a str, journal: &'a str) -> Vec<&'a str> {
    vec![
        "campaign",
        "run",
        "--config",
        config,
        "--input",
        input,
        "--journal",
        journal,
        "--stock-id",
        dev::STOCK_LOAD_TEST,
        "--product-coupon-id",
        dev::PRODUCT_COUPON_ID,
        "--appid",
        dev::APPID,
        "--brand-id",
        dev::BRAND_ID,
    ]
}

async fn wxpay(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || Command::new(BIN).args(&args).output().unwrap())
        .await
        .unwrap()
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_reported_per_line_and_nothing_is_written() {
    let dir = temp_dir();
    let config = write_client_config(dir.path(), "http://127.0.0.1:9", "");
    let input = dir.path().join("bad.csv");
    std::fs::write(
        &input,
        "openid,attach\no1,fine\n,missing openid\no1,duplicate\no4,\"unterminated\n",
    )
    .unwrap();
    let journal = dir.path().join("c.db");
    let out = wxpay(owned(&run_args(
        config.to_str().unwrap(),
        input.to_str().unwrap(),
        journal.to_str().unwrap(),
    )))
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3: openid is empty"), "{err}");
    assert!(
        err.contains("line 4: openid o1 for stock") && err.contains("duplicates line 2"),
        "{err}"
    );
    assert!(!journal.exists(), "nothing may be written");
    assert!(!dir.path().join("c.creating").exists());

    let good = users(dir.path(), 5);
    let mut args = run_args(
        config.to_str().unwrap(),
        good.to_str().unwrap(),
        journal.to_str().unwrap(),
    );
    args.push("--dry-run");
    let out = wxpay(owned(&args)).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("5 rows, all valid"));
    assert!(!journal.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_reports_and_exports() {
    let server = mock::start().await;
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "");
    let input = users(dir.path(), 30);
    let journal = dir.path().join("c.db");
    let (c, i, j) = (
        config.to_str().unwrap(),
        input.to_str().unwrap(),
        journal.to_str().unwrap(),
    );
    let out = wxpay(owned(&run_args(c, i, j))).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = wxpay(owned(&["campaign", "status", "--journal", j])).await;
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("issued     30"), "{text}");
    let json = wxpay(owned(&[
        "campaign",
        "export",
        "--journal",
        j,
        "--format",
        "json",
    ]))
    .await;
    let rows: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 30);
    assert_eq!(rows[0]["state"], "issued");
    assert!(rows[0]["coupon_code"].as_str().unwrap().starts_with('8'));
    let csv_path = dir.path().join("out.csv");
    let out = wxpay(owned(&[
        "campaign",
        "export",
        "--journal",
        j,
        "--format",
        "csv",
        "--output",
        csv_path.to_str().unwrap(),
    ]))
    .await;
    assert!(out.status.success());
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        csv.starts_with("row,line,openid,stock_id,send_request_no,state,coupon_code"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 31);
    // The same journal with another input is refused; with the same input it resumes.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "openid\nx1\n").unwrap();
    let out = wxpay(owned(&run_args(c, other.to_str().unwrap(), j))).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("differs"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = wxpay(owned(&run_args(c, i, j))).await;
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_then_resume_issues_each_row_exactly_once() {
    sigkill_then_resume(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_then_resume_confirms_each_row_exactly_once() {
    sigkill_then_resume(true).await;
}

/// Kills `campaign run` (with `--confirm` when `confirm`) at random points, resumes, then
/// checks the emulator's ledger against the journal.
async fn sigkill_then_resume(confirm: bool) {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    // Some answers are lost after issuing, as in real life: replays must return them.
    admin
        .set_faults(serde_json::json!({"drop_rate": 0.05}))
        .await;
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "");
    let rows = 400;
    let input = users(dir.path(), rows);
    let journal = dir.path().join("c.db");
    let (c, i, j) = (
        config.to_str().unwrap(),
        input.to_str().unwrap(),
        journal.to_str().unwrap(),
    );
    let mut kills = 0;
    for _ in 0..6 {
        // Until the journal exists (a kill during creation leaves none), start from the input.
        let mut args = if journal.exists() {
            owned(&["campaign", "run", "--journal", j])
        } else {
            let mut args = owned(&run_args(c, i, j));
            if confirm {
                args.push("--confirm".into());
            }
            args
        };
        args.extend(owned(&["--rate", "200", "--concurrency", "16"]));
        let mut child = Command::new(BIN)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let after = Duration::from_millis(150 + fastrand::u64(0..500));
        tokio::time::sleep(after).await;
        if child.try_wait().unwrap().is_none() {
            Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status()
                .unwrap();
            kills += 1;
        }
        let _ = child.wait();
    }
    assert!(
        kills >= 3,
        "the test must really kill the process ({kills} kills)"
    );
    admin.set_faults(serde_json::json!({})).await;
    let out = wxpay(owned(&["campaign", "run", "--journal", j])).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The emulator's ledger: each row's request number exactly once.
    let mut seen = HashMap::new();
    let mut offset = 0;
    loop {
        let page = admin
            .admin_get(&format!(
                "/mock/coupons?stock_id={}&offset={offset}&limit=1000",
                dev::STOCK_LOAD_TEST
            ))
            .await
            .json();
        let data = page["data"].as_array().unwrap();
        if data.is_empty() {
            break;
        }
        for coupon in data {
            let no = coupon["send_request_no"].as_str().unwrap().to_owned();
            assert!(
                seen.insert(no, coupon.clone()).is_none(),
                "issued twice: {coupon}"
            );
        }
        offset += data.len();
    }
    assert_eq!(seen.len(), rows);
    let exported = wxpay(owned(&[
        "campaign",
        "export",
        "--journal",
        j,
        "--format",
        "json",
    ]))
    .await;
    let exported: Value = serde_json::from_slice(&exported.stdout).unwrap();
    for row in exported.as_array().unwrap() {
        assert_eq!(row["state"], "issued");
        let coupon = &seen[row["send_request_no"].as_str().unwrap()];
        assert_eq!(coupon["coupon_code"], row["coupon_code"]);
        if confirm {
            assert_eq!(coupon["coupon_state"], "EFFECTIVE", "{coupon}");
            assert_eq!(row["coupon_state"], "EFFECTIVE", "{row}");
            let number = row["confirm_request_no"].as_str().unwrap();
            assert!(number.contains("-K"), "{number}");
            assert_eq!(coupon["confirm_request_no"], number);
        } else {
            assert_eq!(coupon["coupon_state"], "CONFIRMING", "{coupon}");
        }
    }
}
