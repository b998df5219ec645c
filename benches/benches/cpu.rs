//! CPU per request of both parties, each against one bare RSA-2048 sign + one verify
//! measured in the same run (`cargo bench -p wxpay-benches --bench cpu`). Goal: ≤ 1.1× each.
//!
//! - `emulator`: wxpay-mock (one tokio worker, threads `mock-srv`, pinned to core 0) serves
//!   `WXPAY_BENCH_REQUESTS` (default 4000) pre-signed sends from a raw hyper driver pinned to
//!   core 1; the CPU of the `mock-srv` threads per request.
//! - `client`: `CouponClient::send_user_product_coupon` (validate, serialize, sign, send,
//!   verify, decode) on one worker (threads `wx-client`, core 1) against the emulator on
//!   core 0; the CPU of the `wx-client` threads per request.
//!
//! - `campaign`: the same, through wxpay-campaign's engine with its SQLite journal (claim,
//!   send, record), concurrency 4, no rate limit; compare with `client` for the journal's share.
//!
//! Rounds alternate the baseline and the measured work, so both see the same machine (it is
//! shared, and its speed drifts). The baseline runs on the measured party's core while the
//! other core is busy, as it is during the measurement. Pass `emulator` or `client` to run one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use core_affinity::CoreId;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::runtime::Runtime;
use wxpay_benches::{Fixture, PLATFORM_KEY_ID, load_test_request as request};
use wxpay_coupons::{CouponClient, Transport};
use wxpay_mock::cpu::threads_cpu_split;
use wxpay_mock::{Emulator, Limits, Server};
use wxpay_models::{Endpoint, Mode};
use wxpay_signing::KeyStore;

const ROUNDS: usize = 4;

fn requests() -> usize {
    std::env::var("WXPAY_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000)
}

fn pin(core: Option<CoreId>) -> impl Fn() + Send + Sync + Clone + 'static {
    move || {
        if let Some(core) = core {
            core_affinity::set_for_current(core);
        }
    }
}

/// A one-worker runtime whose threads are named `name` and pinned to `core`.
fn runtime(name: &str, core: Option<CoreId>) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_start(pin(core))
        .thread_name(name)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Mean bare RSA sign and verify on `core`, with `other` kept busy signing meanwhile.
fn baseline(f: &Fixture, core: Option<CoreId>, other: Option<CoreId>) -> (Duration, Duration) {
    let busy = AtomicBool::new(true);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            pin(other)();
            let message = vec![b'y'; 600];
            while busy.load(Ordering::Relaxed) {
                std::hint::black_box(f.merchant_key.sign(&message).expect("sign"));
            }
        });
        let measured = scope
            .spawn(|| {
                pin(core)();
                let message = vec![b'x'; 600];
                let sig = f.merchant_key.sign(&message).expect("sign");
                let public = f.merchant_key.public_key();
                let n = 150;
                let started = Instant::now();
                for _ in 0..n {
                    std::hint::black_box(
                        f.merchant_key
                            .sign(std::hint::black_box(&message))
                            .expect("sign"),
                    );
                }
                let sign = started.elapsed() / n;
                let started = Instant::now();
                for _ in 0..n * 10 {
                    assert!(public.verify(std::hint::black_box(&message), &sig));
                }
                (sign, started.elapsed() / (n * 10))
            })
            .join()
            .expect("baseline");
        busy.store(false, Ordering::Relaxed);
        measured
    })
}

/// Runs `work(batch)` in rounds, each after a baseline; reports the CPU of threads `name`.
fn measure(
    label: &str,
    name: &str,
    f: &Fixture,
    cores: (Option<CoreId>, Option<CoreId>),
    mut work: impl FnMut(std::ops::Range<usize>),
) {
    let n = requests() / ROUNDS * ROUNDS;
    let (mut sign, mut verify, mut user, mut system, mut wall) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    work(0..200); // warm-up: connections, caches
    let mut next = 200;
    for _ in 0..ROUNDS {
        let (s, v) = baseline(f, cores.0, cores.1);
        sign += s / ROUNDS as u32;
        verify += v / ROUNDS as u32;
        let before = threads_cpu_split(name).expect("Linux /proc");
        let started = Instant::now();
        work(next..next + n / ROUNDS);
        wall += started.elapsed();
        let after = threads_cpu_split(name).expect("Linux /proc");
        user += after.0 - before.0;
        system += after.1 - before.1;
        next += n / ROUNDS;
    }
    let n32 = u32::try_from(n).expect("n");
    let per_request = (user + system) / n32;
    let floor = sign + verify;
    println!(
        "{label}: {n} requests in {ROUNDS} rounds, {wall:.2?} ({:.0}/s while sending)",
        n as f64 / wall.as_secs_f64()
    );
    println!(
        "{label}: user {:.1?} + system {:.1?} per request",
        user / n32,
        system / n32
    );
    println!(
        "{label}: rsa_sign {sign:.1?}  rsa_verify {verify:.1?}  floor (sign+verify) {floor:.1?}"
    );
    println!(
        "{label}: per request {per_request:.1?}  ratio {:.3}  (goal <= 1.1)",
        per_request.as_secs_f64() / floor.as_secs_f64()
    );
}

fn start_emulator(rt: &Runtime) -> Server {
    let emulator = Emulator::dev().with_limits(Limits {
        rate_per_sec: 1_000_000,
        ..Limits::default()
    });
    rt.block_on(Server::start(
        Arc::new(emulator),
        "127.0.0.1:0".parse().expect("addr"),
        Default::default(),
    ))
    .expect("server")
}

fn emulator_cpu(f: &Fixture, server_core: Option<CoreId>, driver_core: Option<CoreId>) {
    let server_rt = runtime("mock-srv", server_core);
    let server = start_emulator(&server_rt);
    let base = server.base_url();
    let driver = runtime("driver", driver_core);
    // Pre-signed: the driver's RSA work is not what is measured here.
    let signed: Vec<(String, String, Bytes)> = (0..requests() + 200)
        .map(|i| {
            let r = request(i);
            let body = r.to_body().expect("body");
            let auth = f
                .signer
                .authorization("POST", &r.path(Mode::Partner), &body)
                .expect("sign")
                .to_string();
            (r.path(Mode::Partner), auth, Bytes::from(body))
        })
        .collect();
    let signed = Arc::new(signed);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    measure(
        "emulator",
        "mock-srv",
        f,
        (server_core, driver_core),
        |range| {
            let (client, base, signed) = (client.clone(), base.clone(), signed.clone());
            driver.block_on(each_index(range, 8, move |i| {
                let (client, base, signed) = (client.clone(), base.clone(), signed.clone());
                async move {
                    let (path, auth, body) = &signed[i];
                    let req = http::Request::post(format!("{base}{path}"))
                        .header("Authorization", auth)
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json")
                        .body(Full::new(body.clone()))
                        .expect("request");
                    let res = client.request(req).await.expect("answer");
                    assert_eq!(res.status(), 200);
                    res.into_body().collect().await.expect("body");
                }
            }));
        },
    );
    drop(server);
}

fn client_cpu(f: &Fixture, server_core: Option<CoreId>, client_core: Option<CoreId>) {
    let server_rt = runtime("mock-srv", server_core);
    let server = start_emulator(&server_rt);
    let client_rt = runtime("wx-client", client_core);
    let client = unlimited_client(f, &client_rt, &server.base_url());
    measure(
        "client",
        "wx-client",
        f,
        (client_core, server_core),
        |range| {
            let client = client.clone();
            client_rt.block_on(each_index(range, 4, move |i| {
                let client = client.clone();
                async move {
                    client
                        .send_user_product_coupon(&request(1_000_000 + i))
                        .await
                        .expect("issued");
                }
            }));
        },
    );
    drop(server);
}

fn campaign_cpu(f: &Fixture, server_core: Option<CoreId>, client_core: Option<CoreId>) {
    let server_rt = runtime("mock-srv", server_core);
    let server = start_emulator(&server_rt);
    let client_rt = runtime("wx-client", client_core);
    let client = unlimited_client(f, &client_rt, &server.base_url());
    let dir = std::env::temp_dir().join(format!("wxpay-bench-campaign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let defaults = wxpay_campaign::Defaults {
        stock_id: Some("1000000013005".into()),
        product_coupon_id: Some("1000000013".into()),
        appid: Some("wx233544546545989".into()),
        brand_id: Some("120344".into()),
        attach: None,
    };
    let mut journals = 0;
    measure(
        "campaign",
        "wx-client",
        f,
        (client_core, server_core),
        |range| {
            // One journal per round, created before the clock starts counting.
            journals += 1;
            let id = format!("CBENCH{journals:02}{}", std::process::id());
            let mut csv = String::from("openid,member_card_id\n");
            for i in range.clone() {
                csv.push_str(&format!(
                    "oCB{id}{i:08},{}\n",
                    if i % 2 == 0 {
                        format!("m{i}")
                    } else {
                        String::new()
                    }
                ));
            }
            let rows =
                wxpay_campaign::input::parse(csv.as_bytes(), &defaults, None, &id).expect("rows");
            let meta = wxpay_campaign::CampaignMeta {
                campaign_id: id.clone(),
                created_at: 0,
                input_file: "bench".into(),
                input_sha256: String::new(),
                config_file: None,
                generate_codes: None,
                defaults: defaults.clone(),
                confirm: false,
            };
            let journal = Arc::new(
                wxpay_campaign::Journal::create(&dir.join(format!("{id}.db")), &meta, &rows)
                    .expect("journal"),
            );
            let options = wxpay_campaign::RunOptions {
                concurrency: 4,
                stop: Arc::default(),
                progress: Arc::new(wxpay_campaign::Silent),
                ..wxpay_campaign::RunOptions::default()
            };
            let report = client_rt
                .block_on(wxpay_campaign::run(journal, client.clone(), options))
                .expect("run");
            assert!(report.complete());
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
    drop(server);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |part: &str| args.is_empty() || args.iter().any(|a| a == part);
    let f = Fixture::new().expect("fixture");
    println!("crypto backend: {}", wxpay_signing::BACKEND);
    // Each party gets a core to itself, as if it had its own machine: sharing a core would
    // charge it for cache misses the other causes.
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    let (core0, core1) = (cores.first().copied(), cores.get(1).copied());
    pin(core0)();
    if want("emulator") {
        emulator_cpu(&f, core0, core1);
    }
    if want("client") {
        client_cpu(&f, core0, core1);
    }
    if want("campaign") {
        campaign_cpu(&f, core0, core1);
    }
}

/// A client of the emulator at `base_url` without its own rate limit (the bench paces nothing).
fn unlimited_client(f: &Fixture, rt: &tokio::runtime::Runtime, base_url: &str) -> CouponClient {
    let keys = KeyStore::new().with_public_key(PLATFORM_KEY_ID, f.platform_key.public_key());
    let transport = rt
        .block_on(async {
            Transport::builder(f.signer.clone(), keys)
                .base_url(base_url)
                .backup_base_url(base_url)
                .rate_limit_per_sec(0)
                .build()
        })
        .expect("transport");
    CouponClient::new(transport)
}

/// Runs `job(i)` for every index of `range`, `workers` at a time.
async fn each_index<F, Fut>(range: std::ops::Range<usize>, workers: usize, job: F)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(range.start));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (job, next, end) = (job.clone(), next.clone(), range.end);
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        break;
                    }
                    job(i).await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.expect("worker");
    }
}
