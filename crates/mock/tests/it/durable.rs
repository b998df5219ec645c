//! `--state`: what the emulator answered survives a SIGKILL at any moment, and the state file
//! refuses what it cannot honour (another holder, another program's database, a disk that
//! stops taking writes).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::{send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock::{MockProcess, spawn_binary};
use wxpay_testkit::{merchant_signer, temp_dir};

const BIN: &str = env!("CARGO_BIN_EXE_wxpay-mock");

fn start(state: &Path) -> MockProcess {
    let state = state.to_str().expect("utf-8 path");
    let process = spawn_binary(BIN.as_ref(), &["--listen", "127.0.0.1:0", "--state", state]);
    assert!(
        process.first_line.starts_with("listening on "),
        "{}",
        process.first_line
    );
    process
}

/// The binary's exit code and stderr, for a start that must fail.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(BIN)
        .args(args)
        .output()
        .expect("run wxpay-mock");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every coupon of the load-test stock: code → (openid, send_request_no).
async fn ledger(client: &TestClient) -> (usize, HashMap<String, (String, String)>) {
    let mut codes = HashMap::new();
    let mut rows = 0;
    let mut offset = 0;
    loop {
        let page = client
            .admin_get(&format!(
                "/mock/coupons?stock_id={}&offset={offset}&limit=1000",
                dev::STOCK_LOAD_TEST
            ))
            .await
            .json();
        let data = page["data"].as_array().cloned().unwrap_or_default();
        for c in &data {
            rows += 1;
            codes.insert(
                c["coupon_code"].as_str().unwrap_or_default().to_owned(),
                (
                    c["openid"].as_str().unwrap_or_default().to_owned(),
                    c["send_request_no"].as_str().unwrap_or_default().to_owned(),
                ),
            );
        }
        if data.len() < 1000 {
            return (rows, codes);
        }
        offset += 1000;
    }
}

/// What a sender was told: (openid, send_request_no, coupon_code).
type Answered = (String, String, String);

/// Eight senders until `stop`, each on its own openid; what each was answered 200.
async fn send_until(base_url: &str, stop: Instant) -> Vec<Answered> {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = TestClient::new(base_url);
        tasks.push(tokio::spawn(async move {
            let signer = merchant_signer();
            let openid = unique("crash");
            let mut answered = Vec::new();
            while Instant::now() < stop {
                let no = unique("K");
                let body = send_body(dev::STOCK_LOAD_TEST, &no, None);
                match client.try_send(&signer, &openid, &body).await {
                    Ok(answer) if answer.status == 200 => {
                        let code = answer.json()["coupon_code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        answered.push((openid.clone(), no, code));
                    }
                    Ok(_) => {}
                    Err(_) => break, // the process is gone
                }
            }
            answered
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    all
}

#[tokio::test]
async fn a_sigkill_loses_no_answered_coupon_and_reissues_no_code() {
    let dir = temp_dir();
    let state = dir.path().join("state.sqlite");
    let mut answered: Vec<Answered> = Vec::new();
    for round in 0..3u64 {
        let mut process = start(&state);
        // Kill while sends are in flight, at a different moment each round.
        let run_for = Duration::from_millis(400 + 150 * round);
        let kill_at = Instant::now() + run_for;
        let base_url = process.base_url.clone();
        let senders =
            tokio::spawn(
                async move { send_until(&base_url, kill_at + Duration::from_secs(5)).await },
            );
        tokio::time::sleep(run_for).await;
        process.child.kill().expect("SIGKILL");
        let _ = process.child.wait();
        answered.extend(senders.await.expect("senders"));
    }
    // Restarted once more: everything answered is there, once.
    let process = start(&state);
    let client = TestClient::new(&process.base_url);
    let (rows, codes) = ledger(&client).await;
    let mut lost = 0;
    let mut reissued = 0;
    for (openid, no, code) in &answered {
        match codes.get(code) {
            None => lost += 1,
            Some((o, n)) if o != openid || n != no => reissued += 1,
            Some(_) => {}
        }
    }
    println!(
        "crash test: {} sends answered 200 over 3 SIGKILLs, {} coupons in the ledger, {lost} lost, {reissued} reissued",
        answered.len(),
        rows
    );
    assert!(answered.len() > 50, "too few sends to mean anything");
    assert_eq!(lost, 0, "answered coupons missing after restart");
    assert_eq!(
        reissued, 0,
        "codes answered to one request now belong to another"
    );
    assert_eq!(rows, codes.len(), "a code appears twice in the ledger");
    // A replay of an answered send answers the same coupon.
    let signer = merchant_signer();
    for (openid, no, code) in answered.iter().step_by(answered.len() / 10 + 1) {
        let answer = client
            .send(&signer, openid, &send_body(dev::STOCK_LOAD_TEST, no, None))
            .await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["coupon_code"].as_str(), Some(code.as_str()));
    }
}

#[tokio::test]
async fn a_state_file_in_use_is_refused_naming_its_holder() {
    let dir = temp_dir();
    let state = dir.path().join("state.sqlite");
    let first = start(&state);
    let (code, stderr) = refused(&[
        "--listen",
        "127.0.0.1:0",
        "--state",
        state.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("in use by another wxpay-mock")
            && stderr.contains(&format!("pid {}", first.child.id()))
            && stderr.contains(&state.display().to_string()),
        "{stderr}"
    );
    // The first keeps serving.
    let (_, answer) = TestClient::new(&first.base_url)
        .send_new(dev::STOCK_WECHATPAY)
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn another_programs_database_is_refused_and_left_untouched() {
    let dir = temp_dir();
    let path = dir.path().join("journal.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.execute_batch(
            "CREATE TABLE campaign (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO campaign (name) VALUES ('spring');",
        )
        .expect("schema");
    }
    let before = std::fs::read(&path).expect("read");
    let (code, stderr) = refused(&["--state", path.to_str().expect("path")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("not a wxpay-mock state file") && stderr.contains("campaign"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "the file was changed"
    );
    assert!(!dir.path().join("journal.db-wal").exists());
    let not_sqlite = dir.path().join("notes.txt");
    std::fs::write(&not_sqlite, "hello").expect("write");
    let (code, stderr) = refused(&["--state", not_sqlite.to_str().expect("path")]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not an SQLite database"), "{stderr}");
    assert_eq!(std::fs::read(&not_sqlite).expect("read"), b"hello");
}

/// Runs the binary with its file size limited to `blocks` × 512 bytes (SIGXFSZ ignored, so a
/// write past it fails with EFBIG): a disk that stops taking writes.
fn start_limited(state: &Path, blocks: u32) -> std::process::Child {
    let script = format!(
        "trap '' XFSZ; ulimit -f {blocks}; exec '{BIN}' --listen 127.0.0.1:0 --state '{}'",
        state.display()
    );
    Command::new("bash")
        .args(["-c", &script])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash")
}

#[tokio::test]
async fn a_state_file_that_cannot_be_written_is_refused_at_start() {
    let dir = temp_dir();
    let state = dir.path().join("state.sqlite");
    let child = start_limited(&state, 1);
    let output = child.wait_with_output().expect("exit");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&state.display().to_string()), "{stderr}");
    assert!(output.stdout.is_empty(), "it must not say it is listening");
}

#[tokio::test]
async fn a_write_that_fails_later_is_never_answered_as_a_success() {
    let dir = temp_dir();
    let state = dir.path().join("state.sqlite");
    // Room for the start and some sends, not for many.
    let mut child = start_limited(&state, 600);
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening")
        .to_owned();
    let client = TestClient::new(&base);
    let mut answered = Vec::new();
    let mut failed = None;
    for _ in 0..3000 {
        let (openid, answer) = client.send_new(dev::STOCK_LOAD_TEST).await;
        if answer.status == 200 {
            answered.push((openid, answer.json()["coupon_code"].clone()));
        } else {
            failed = Some(answer);
            break;
        }
    }
    let failed = failed.expect("the file stopped taking writes");
    assert_eq!(failed.status, 500);
    let message = failed.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("state file cannot be written"),
        "{message}"
    );
    let health = client.admin_get("/mock/health").await;
    assert_eq!(health.status, 503);
    // Later sends fail the same way: nothing is answered as done.
    let (_, again) = client.send_new(dev::STOCK_LOAD_TEST).await;
    assert_eq!(again.status, 500);
    let _ = child.kill();
    let _ = child.wait();
    // Without the limit, every coupon answered 200 is there.
    let process = start(&state);
    let client = TestClient::new(&process.base_url);
    let (_, codes) = ledger(&client).await;
    let kept: HashSet<&String> = codes.values().map(|(openid, _)| openid).collect();
    println!(
        "write failure test: {} sends answered 200 before the file filled up",
        answered.len()
    );
    assert!(!answered.is_empty());
    for (openid, code) in &answered {
        assert!(
            kept.contains(openid),
            "coupon {code} of {openid} was answered but is gone"
        );
    }
}
