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

/// `wxpay campaign run` over the load-test stock (also the hostile-input table's).
pub(crate) fn run_args<'a>(config: &'a str, input: &'a str, journal: &'a str) -> Vec<&'a str> {
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

/// `campaign run` on a PostgreSQL campaign, as a child process.
fn pg_worker(url: &str, name: &str, extra: &[&str]) -> std::process::Child {
    Command::new(BIN)
        .args(["campaign", "run", "--journal", url, "--campaign", name])
        .args(extra)
        .env("RUST_LOG", "wxpay_campaign=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn password_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .password()
        .filter(|p| p.len() >= 4)
        .map(str::to_owned)
}

/// Every coupon of `stock` in the emulator, by request number (asserting each once).
async fn ledger(admin: &TestClient, stock: &str) -> HashMap<String, Value> {
    let mut seen = HashMap::new();
    let mut offset = 0;
    loop {
        let page = admin
            .admin_get(&format!(
                "/mock/coupons?stock_id={stock}&offset={offset}&limit=1000"
            ))
            .await
            .json();
        let data = page["data"].as_array().unwrap();
        if data.is_empty() {
            return seen;
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_three_workers_one_sigkilled_and_restarted_issue_each_row_once_at_the_rate() {
    let test = "pg_three_workers_one_sigkilled_and_restarted_issue_each_row_once_at_the_rate";
    let Some(db) = wxpay_testkit::pg::fresh_db(test).await else {
        return;
    };
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let stock = unique("9");
    wxpay_testkit::fixtures::create_stock(&admin, &stock, |_| {}).await;
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "");
    let rows = 1500;
    let rate = 300;
    let input = users(dir.path(), rows);
    let (c, i) = (config.to_str().unwrap(), input.to_str().unwrap());
    let url = db.url.as_str();
    let common = ["--rate", "300", "--concurrency", "16", "--lease-secs", "2"];
    let mut create = vec![
        "--config",
        c,
        "--input",
        i,
        "--stock-id",
        &stock,
        "--product-coupon-id",
        dev::PRODUCT_COUPON_ID,
        "--appid",
        dev::APPID,
        "--brand-id",
        dev::BRAND_ID,
    ];
    create.extend(common);
    let mut workers = vec![pg_worker(url, "spring", &create)];
    // The others join (no --input) once the campaign exists.
    let started = std::time::Instant::now();
    loop {
        let status = wxpay(owned(&[
            "campaign",
            "status",
            "--journal",
            url,
            "--campaign",
            "spring",
        ]))
        .await;
        if status.status.success() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never created");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    workers.push(pg_worker(url, "spring", &common));
    workers.push(pg_worker(url, "spring", &common));
    // One of them, at a random moment, SIGKILLed; then restarted.
    tokio::time::sleep(Duration::from_millis(500 + fastrand::u64(0..2000))).await;
    let victim = fastrand::usize(0..3);
    assert!(
        workers[victim].try_wait().unwrap().is_none(),
        "still running when killed"
    );
    Command::new("kill")
        .args(["-KILL", &workers[victim].id().to_string()])
        .status()
        .unwrap();
    let _ = workers[victim].wait();
    workers[victim] = pg_worker(url, "spring", &common);
    let mut outputs = Vec::new();
    for w in workers {
        let out = tokio::task::spawn_blocking(move || w.wait_with_output().unwrap())
            .await
            .unwrap();
        outputs.push(out);
    }
    for out in &outputs {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        if let Some(pw) = password_of(url) {
            assert!(!err.contains(&pw), "the password leaked: {err}");
        }
    }
    // Exactly once: each request number once in the emulator, and as the journal says.
    let coupons = ledger(&admin, &stock).await;
    assert_eq!(coupons.len(), rows);
    let exported = wxpay(owned(&[
        "campaign",
        "export",
        "--journal",
        url,
        "--campaign",
        "spring",
        "--format",
        "json",
    ]))
    .await;
    let exported: Value = serde_json::from_slice(&exported.stdout).unwrap();
    for row in exported.as_array().unwrap() {
        assert_eq!(row["state"], "issued");
        let coupon = &coupons[row["send_request_no"].as_str().unwrap()];
        assert_eq!(coupon["coupon_code"], row["coupon_code"]);
    }
    // One budget for all: no whole second above the rate + 2 % (+1 for where the second
    // falls), and the emulator never had to refuse a call.
    let mut per_second = std::collections::BTreeMap::<String, u64>::new();
    for coupon in coupons.values() {
        let t = coupon["receive_time"].as_str().unwrap();
        *per_second.entry(t[..19].to_owned()).or_default() += 1;
    }
    let counts: Vec<u64> = per_second.values().copied().collect();
    let inner = &counts[1..counts.len() - 1];
    let ceiling = (rate as f64 * 1.02).ceil() as u64 + 1;
    assert!(inner.iter().all(|&n| n <= ceiling), "{per_second:?}");
    assert_eq!(server.emulator().answered_with_status(429), 0);
    eprintln!("per second: {per_second:?}");
    // Status from anywhere: the totals, and nobody holding rows.
    let status = wxpay(owned(&[
        "campaign",
        "status",
        "--journal",
        url,
        "--campaign",
        "spring",
    ]))
    .await;
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains(&format!("issued     {rows}")), "{text}");
    assert!(text.contains("rate       300/s for all workers"), "{text}");
    assert!(
        !text.contains("holding 1") && text.contains("0 live"),
        "{text}"
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_bad_journal_arguments_get_specific_errors() {
    let test = "pg_bad_journal_arguments_get_specific_errors";
    let Some(db) = wxpay_testkit::pg::fresh_db(test).await else {
        return;
    };
    let server = mock::start().await;
    let dir = temp_dir();
    let config = write_client_config(dir.path(), &server.base_url(), "");
    let input = users(dir.path(), 5);
    let (c, i) = (config.to_str().unwrap(), input.to_str().unwrap());
    let url = db.url.as_str();
    let expect = |out: &Output, code: i32, text: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{err}");
        assert!(err.contains(text), "expected {text:?} in: {err}");
        assert!(!err.contains("Wr0ng-S3cret"), "{err}");
        if let Some(pw) = password_of(url) {
            assert!(!err.contains(&pw), "{err}");
        }
    };
    let status = |journal: &str, campaign: Option<&str>| {
        let mut args = owned(&["campaign", "status", "--journal", journal]);
        if let Some(name) = campaign {
            args.extend(owned(&["--campaign", name]));
        }
        wxpay(args)
    };
    expect(
        &status("postgres://app:Wr0ng-S3cret@127.0.0.1/", Some("x")).await,
        2,
        "one database name",
    );
    expect(&status(url, None).await, 2, "name one with --campaign NAME");
    expect(
        &status("c.db", Some("x")).await,
        2,
        "a SQLite journal file holds one campaign",
    );
    expect(
        &status(&db.url_with_password("Wr0ng-S3cret"), Some("x")).await,
        2,
        "password authentication failed",
    );
    expect(
        &status("postgres://app:Wr0ng-S3cret@127.0.0.1:1/db", Some("x")).await,
        1,
        "unreachable",
    );
    expect(&status(url, Some("nope")).await, 2, "no campaign \"nope\"");
    let create = |input: &str| {
        owned(&[
            "campaign",
            "run",
            "--config",
            c,
            "--input",
            input,
            "--journal",
            url,
            "--campaign",
            "once",
            "--stock-id",
            dev::STOCK_LOAD_TEST,
            "--product-coupon-id",
            dev::PRODUCT_COUPON_ID,
            "--appid",
            dev::APPID,
            "--brand-id",
            dev::BRAND_ID,
        ])
    };
    let out = wxpay(create(i)).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "openid\nx1\n").unwrap();
    expect(&wxpay(create(other.to_str().unwrap())).await, 2, "differs");
    // The same input again joins (nothing left to send).
    let out = wxpay(create(i)).await;
    expect(&out, 0, "joining campaign");
    db.drop_db().await;
}
