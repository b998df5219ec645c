//! The emulator's own CPU per request (`cargo bench -p wxpay-benches --bench emulator`):
//! wxpay-mock serves `WXPAY_BENCH_REQUESTS` (default 4000) pre-signed sends over loopback
//! HTTP on its own runtime (threads `mock-srv*`); the CPU those threads used, per request, is
//! compared with one bare RSA-2048 sign + one verify measured just before, in the same
//! process. Goal: ≤ 1.1×.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use wxpay_benches::{Fixture, load_test_request as request};
use wxpay_mock::{Emulator, Limits, Server};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Mean time of one bare RSA-2048 signature and one verification.
fn rsa_baseline(f: &Fixture) -> (Duration, Duration) {
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
}

fn cpu_per_request(f: &Fixture) {
    let n = env_usize("WXPAY_BENCH_REQUESTS", 4000);
    let rounds = 4;
    // The emulator gets core 0 to itself and the driver core 1, as if each had its own
    // machine: sharing a core would charge the emulator for cache misses the driver causes.
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    let (server_core, driver_core) = (cores.first().copied(), cores.get(1).copied());
    let pin = |core: Option<core_affinity::CoreId>| {
        move || {
            if let Some(core) = core {
                core_affinity::set_for_current(core);
            }
        }
    };
    pin(server_core)();
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_start(pin(server_core))
        .thread_name("mock-srv")
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = Emulator::dev().with_limits(Limits {
        rate_per_sec: 1_000_000,
        ..Limits::default()
    });
    let server: Server = server_rt
        .block_on(Server::start(
            Arc::new(emulator),
            "127.0.0.1:0".parse().expect("addr"),
            Default::default(),
        ))
        .expect("server");
    let base = server.base_url();
    let driver = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_start(pin(driver_core))
        .thread_name("driver")
        .enable_all()
        .build()
        .expect("runtime");

    // Pre-signed requests: the client's RSA work is not what is measured here.
    let requests: Vec<(String, String, Bytes)> = (0..n + 200)
        .map(|i| {
            let r = request(i);
            let body = r.to_body().expect("body");
            let auth = f
                .signer
                .authorization("POST", &r.path(), &body)
                .expect("sign")
                .to_string();
            (r.path(), auth, Bytes::from(body))
        })
        .collect();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let send_all = |batch: Vec<(String, String, Bytes)>| {
        let (client, base) = (client.clone(), base.clone());
        driver.block_on(async move {
            let batch = Arc::new(tokio::sync::Mutex::new(batch.into_iter()));
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    let (client, base, batch) = (client.clone(), base.clone(), batch.clone());
                    tokio::spawn(async move {
                        let mut ok = 0usize;
                        loop {
                            let Some((path, auth, body)) = batch.lock().await.next() else {
                                break;
                            };
                            let req = http::Request::post(format!("{base}{path}"))
                                .header("Authorization", auth)
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json")
                                .body(Full::new(body))
                                .expect("request");
                            let res = client.request(req).await.expect("answer");
                            ok += usize::from(res.status() == 200);
                            res.into_body().collect().await.expect("body");
                        }
                        ok
                    })
                })
                .collect();
            let mut ok = 0;
            for w in workers {
                ok += w.await.expect("worker");
            }
            ok
        })
    };
    let mut requests = requests.into_iter();
    assert_eq!(
        send_all(requests.by_ref().take(200).collect()),
        200,
        "warm-up"
    );
    // Rounds alternate the bare-RSA baseline and the emulator, so that both see the same
    // machine (it is shared and its speed drifts).
    let (mut sign, mut verify, mut wall) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut user, mut system) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        // The baseline runs on the emulator's core while the driver's core is busy too, as
        // it is while the emulator serves (an idle neighbour core lets this one clock higher).
        let busy = std::sync::atomic::AtomicBool::new(true);
        let (s, v) = std::thread::scope(|scope| {
            scope.spawn(|| {
                pin(driver_core)();
                let message = vec![b'y'; 600];
                while busy.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::black_box(f.merchant_key.sign(&message).expect("sign"));
                }
            });
            let measured = rsa_baseline(f);
            busy.store(false, std::sync::atomic::Ordering::Relaxed);
            measured
        });
        sign += s / rounds;
        verify += v / rounds;
        let before = wxpay_mock::cpu::threads_cpu_split("mock-srv").expect("Linux /proc");
        let started = Instant::now();
        let batch: Vec<_> = requests.by_ref().take(n / rounds as usize).collect();
        let expected = batch.len();
        assert_eq!(send_all(batch), expected, "every request must succeed");
        wall += started.elapsed();
        let after = wxpay_mock::cpu::threads_cpu_split("mock-srv").expect("Linux /proc");
        user += after.0 - before.0;
        system += after.1 - before.1;
    }
    let n = n / rounds as usize * rounds as usize;
    let n32 = u32::try_from(n).expect("n");
    let per_request = (user + system) / n32;
    let floor = sign + verify;
    println!(
        "emulator_cpu: {n} requests in {rounds} rounds, {wall:.2?} ({:.0}/s while sending)",
        n as f64 / wall.as_secs_f64()
    );
    println!(
        "emulator_cpu: user {:.1?} + system {:.1?} per request",
        user / n32,
        system / n32
    );
    println!(
        "emulator_cpu: rsa_sign {sign:.1?}  rsa_verify {verify:.1?}  floor (sign+verify) {floor:.1?}"
    );
    println!(
        "emulator_cpu: per request {per_request:.1?}  ratio {:.3}  (goal <= 1.1)",
        per_request.as_secs_f64() / floor.as_secs_f64()
    );
    drop(server);
}

fn main() {
    let f = Fixture::new().expect("fixture");
    cpu_per_request(&f);
}
