//! The state file (`cargo bench -p wxpay-benches --bench state`): how big it is per coupon,
//! how long a restart takes with `WXPAY_BENCH_COUPONS` (default 1,000,000) coupons in it
//! after a SIGKILL (the snapshot plus the changes written since, up to the compaction bound),
//! and how long a named snapshot of `WXPAY_BENCH_SNAPSHOT_COUPONS` (default 100,000) takes to
//! restore over HTTP. Goals (docs/benchmarks.md): restart ≤ 2 s, restore ≤ 200 ms.
//!
//! The state is written by a child process (this binary, run again with
//! `WXPAY_BENCH_STATE_CHILD=1`) that is killed with SIGKILL once it says it is done, so the
//! file is read back as a crash leaves it (its write-ahead log not checkpointed).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use wxpay_benches::load_test_request as request;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, Server};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Changes written after the snapshot: just under the bound that compacts the file, the
/// most a restart replays.
const AFTER_SNAPSHOT: usize = 49_000;

fn issue(emulator: &Emulator, range: std::ops::Range<usize>) {
    for i in range {
        if let Err(e) = emulator.send(dev::MCHID, &request(i)) {
            panic!("send {i}: {e}");
        }
    }
}

/// The child: `n` coupons in memory, the state file opened (its snapshot written), then
/// [`AFTER_SNAPSHOT`] more sends from 32 threads, each answered once durable; then "done".
fn child(path: &Path, n: usize) {
    let emulator = Arc::new(Emulator::dev());
    let started = Instant::now();
    issue(&emulator, 0..n - AFTER_SNAPSHOT.min(n));
    let issued = started.elapsed();
    let started = Instant::now();
    if let Err(e) = emulator.open_state(path) {
        panic!("open state: {e}");
    }
    let opened = started.elapsed();
    let started = Instant::now();
    let from = n - AFTER_SNAPSHOT.min(n);
    let threads = 32;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let emulator = &emulator;
            scope.spawn(move || {
                for i in (from..n).filter(|i| i % threads == t) {
                    if let Err(e) = emulator.send(dev::MCHID, &request(i)) {
                        panic!("send {i}: {e}");
                    }
                }
            });
        }
    });
    let durable = started.elapsed();
    println!(
        "done: {from} coupons issued in memory in {:.1} s; state file opened (snapshot written) in {:.2} s; {} durable sends in {:.1} s",
        issued.as_secs_f64(),
        opened.as_secs_f64(),
        n - from,
        durable.as_secs_f64()
    );
    // Wait to be killed.
    std::thread::sleep(Duration::from_secs(3600));
}

fn file_bytes(path: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(PathBuf::from(p)).ok()
        })
        .map(|m| m.len())
        .sum()
}

fn restart(dir: &Path, n: usize) {
    let path = dir.join("state.sqlite");
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .env("WXPAY_BENCH_STATE_CHILD", &path)
        .env("WXPAY_BENCH_COUPONS", n.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("child");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout).read_line(&mut line).expect("line");
    println!("{}", line.trim());
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let bytes = file_bytes(&path);
    println!(
        "state file after SIGKILL: {bytes} bytes (database + write-ahead log) for {n} coupons = {:.1} bytes per coupon",
        bytes as f64 / n as f64
    );
    for attempt in 1..=3 {
        let emulator = Arc::new(Emulator::dev());
        let started = Instant::now();
        if let Err(e) = emulator.open_state(&path) {
            panic!("restart: {e}");
        }
        let took = started.elapsed();
        let coupons = emulator.ledger_stats().coupons;
        println!(
            "restart {attempt}: {coupons} coupons back in {:.2} s (goal ≤ 2 s)",
            took.as_secs_f64()
        );
        assert_eq!(coupons, n);
        emulator.close_state();
    }
    println!(
        "state file after a clean close (write-ahead log folded in): {:.1} bytes per coupon",
        file_bytes(&path) as f64 / n as f64
    );
}

async fn restore(n: usize) {
    let emulator = Arc::new(Emulator::dev());
    issue(&emulator, 0..n);
    let server = Server::start(
        emulator,
        "127.0.0.1:0".parse().expect("addr"),
        Default::default(),
    )
    .await
    .expect("server");
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let post = |path: &str, body: &'static str| {
        http::Request::post(format!("{}{path}", server.base_url()))
            .header("Content-Type", "application/json")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("request")
    };
    let answer = client
        .request(post("/mock/snapshots", r#"{"name":"base"}"#))
        .await
        .expect("save");
    let saved = answer.into_body().collect().await.expect("body").to_bytes();
    println!("saved: {}", String::from_utf8_lossy(&saved));
    for attempt in 1..=5 {
        let started = Instant::now();
        let answer = client
            .request(post("/mock/snapshots/base/restore", ""))
            .await
            .expect("restore");
        let status = answer.status();
        let body = answer.into_body().collect().await.expect("body").to_bytes();
        println!(
            "restore {attempt} of {n} coupons: HTTP {status} in {:.1} ms ({})",
            started.elapsed().as_secs_f64() * 1000.0,
            String::from_utf8_lossy(&body)
        );
    }
    server.shutdown().await;
}

fn main() {
    if let Some(path) = std::env::var_os("WXPAY_BENCH_STATE_CHILD") {
        child(
            Path::new(&path),
            env_usize("WXPAY_BENCH_COUPONS", 1_000_000),
        );
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test` runs benches with no flag: keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("wxpay-bench-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    restart(&dir, env_usize("WXPAY_BENCH_COUPONS", 1_000_000));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(restore(env_usize("WXPAY_BENCH_SNAPSHOT_COUPONS", 100_000)));
    let _ = std::fs::remove_dir_all(&dir);
}
