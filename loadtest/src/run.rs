//! One load-test run: the emulator (in-process or remote), the plan, the goose attack, the
//! ledger check, the summary.

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use goose::GooseAttack;
use tokio::runtime::Runtime;
use wxpay_mock::cpu::threads_cpu;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, Faults, Limits, SandboxCa, Server, ServerOptions};
use wxpay_signing::{KeyStore, PrivateKey, PublicKey, Signer, Verifier};
use wxpay_transport::{ClientConfig, RetryPolicy};

use crate::lifecycle::Ids;
use crate::options::{Options, Scenario};
use crate::plan::{now, prepare};
use crate::report::{Cpu, RunFacts, Summary, summarize};
use crate::scenario::{ProxyRoute, Shared, transaction, warm_up};
use crate::stats::Recorder;

const DEV_MERCHANT_KEY: &[u8] = include_bytes!("../../crates/mock/dev-keys/merchant_key.pem");
const DEV_PLATFORM_PUB: &[u8] = include_bytes!("../../crates/mock/dev-keys/platform_pub.pem");
/// Threads of the in-process emulator's runtime.
const EMULATOR_THREADS: &str = "mock-srv";
/// Threads of the load generator's runtime.
const GENERATOR_THREADS: &str = "loadgen";

/// The faults of the retry-faults scenario.
pub const RETRY_FAULTS: Faults = Faults {
    error_rate: 0.05,
    latency_ms: 0,
    drop_rate: 0.02,
    sign_probe_rate: 0.01,
    callback_fail_rate: 0.0,
    callback_duplicate_rate: 0.0,
    seed: None,
};

/// The URL of WeChat Pay's API that requests name when they go through the proxy.
const API_BASE: &str = "https://api.mch.weixin.qq.com";

/// Where the requests go.
enum Target {
    InProcess {
        server: Server,
        _runtime: Runtime,
        /// The run's own sandbox CA, removed at the end.
        _ca: Option<TempCa>,
    },
    Remote {
        base: String,
        admin: reqwest::Client,
        token: Option<String>,
    },
}

impl Target {
    fn base_url(&self) -> String {
        match self {
            Target::InProcess { server, .. } => server.base_url(),
            Target::Remote { base, .. } => base.clone(),
        }
    }

    /// Coupons issued so far from `stock_id`.
    fn issued(&self, rt: &Runtime, stock_id: &str) -> Result<i64, String> {
        match self {
            Target::InProcess { server, .. } => server
                .emulator()
                .stock(stock_id)
                .and_then(|s| s.sent_count_info.total_count)
                .ok_or_else(|| format!("the emulator has no stock {stock_id}")),
            Target::Remote { .. } => {
                let stock: serde_json::Value = rt.block_on(self.admin(
                    reqwest::Method::GET,
                    &format!("/mock/stocks/{stock_id}"),
                    None,
                ))?;
                stock["sent_count_info"]["total_count"]
                    .as_i64()
                    .ok_or_else(|| format!("GET /mock/stocks/{stock_id} has no sent_count_info.total_count: {stock}"))
            }
        }
    }

    /// The state of coupon `code` of `stock_id` now.
    fn coupon_state(&self, rt: &Runtime, stock_id: &str, code: &str) -> Result<String, String> {
        match self {
            Target::InProcess { server, .. } => server
                .emulator()
                .coupon(stock_id, code)
                .map(|c| c.coupon_state.to_string())
                .ok_or_else(|| format!("the emulator has no coupon {code} in {stock_id}")),
            Target::Remote { .. } => {
                let found = rt.block_on(self.admin(
                    reqwest::Method::GET,
                    &format!("/mock/coupons/{stock_id}/{code}"),
                    None,
                ))?;
                Ok(found["coupon"]["coupon_state"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned())
            }
        }
    }

    fn set_faults(&self, rt: &Runtime, faults: Faults) -> Result<(), String> {
        match self {
            Target::InProcess { server, .. } => {
                server.emulator().set_faults(faults);
                Ok(())
            }
            Target::Remote { .. } => {
                let body = serde_json::to_value(faults).map_err(|e| e.to_string())?;
                rt.block_on(self.admin(reqwest::Method::PUT, "/mock/faults", Some(body)))
                    .map(|_| ())
            }
        }
    }

    async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, String> {
        let Target::Remote { base, admin, token } = self else {
            return Err("no admin API in-process".into());
        };
        let mut request = admin.request(method, format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("admin API {path}: {e}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("admin API {path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("admin API {path}: HTTP {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("admin API {path}: {e}"))
    }
}

fn runtime(name: &str) -> Result<Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))
}

/// A CA directory made for one run; removed when dropped.
struct TempCa(PathBuf);

impl Drop for TempCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where to send and with which keys.
struct Setup {
    target: Target,
    /// `--via-proxy`: the proxy and the CA goose's clients trust.
    proxy: Option<ProxyRoute>,
    signer: Signer,
    verifier: Verifier,
    wechatpay_serial: Option<String>,
    /// The emulator's rate limit, when it is ours.
    emulator_limit: Option<u32>,
}

/// The target and keys for these options.
fn setup(options: &Options) -> Result<Setup, String> {
    match &options.config {
        Some(path) => {
            let config = ClientConfig::from_file(path).map_err(|e| e.to_string())?;
            let base = options
                .host
                .clone()
                .unwrap_or_else(|| config.base_url.clone());
            let admin = reqwest::Client::builder()
                .build()
                .map_err(|e| e.to_string())?;
            let target = Target::Remote {
                base: base.trim_end_matches('/').to_owned(),
                admin,
                token: options.admin_token.clone(),
            };
            let signer = config.signer().map_err(|e| e.to_string())?;
            let verifier = Verifier::new(config.key_store().map_err(|e| e.to_string())?);
            let proxy = match &options.proxy_ca {
                Some(path) => Some(ProxyRoute {
                    url: target.base_url(),
                    ca_pem: wxpay_signing::file::read_limited(
                        path,
                        wxpay_signing::file::MAX_PEM_BUNDLE_BYTES,
                        "a CA certificate",
                    )
                    .map_err(|e| format!("--proxy-ca {}: {e}", path.display()))?,
                }),
                None => None,
            };
            Ok(Setup {
                target,
                proxy,
                signer,
                verifier,
                wechatpay_serial: config.wechatpay_serial(),
                emulator_limit: None,
            })
        }
        None => {
            let rt = runtime(EMULATOR_THREADS)?;
            let mut limits = Limits::default();
            if let Some(limit) = options.emulator_rate_limit {
                limits.rate_per_sec = limit;
            }
            let rate = limits.rate_per_sec;
            // The dev state, without callbacks (each would cost one more RSA signature).
            let emulator = Arc::new(Emulator::dev().with_limits(limits));
            if let Some(path) = &options.state {
                emulator.open_state(path).map_err(|e| e.to_string())?;
            }
            let ca = if options.via_proxy {
                let dir = TempCa(
                    std::env::temp_dir().join(format!("wxpay-loadtest-ca-{}", std::process::id())),
                );
                let ca = SandboxCa::open(&dir.0).map_err(|e| e.to_string())?;
                Some((dir, ca))
            } else {
                None
            };
            let server = rt
                .block_on(Server::start(
                    emulator,
                    ([127, 0, 0, 1], 0).into(),
                    ServerOptions {
                        proxy: ca.as_ref().map(|(_, ca)| ca.clone()),
                        ..ServerOptions::default()
                    },
                ))
                .map_err(|e| format!("cannot start the emulator: {e}"))?;
            let proxy = ca.as_ref().map(|(_, ca)| ProxyRoute {
                url: server.base_url(),
                ca_pem: ca.ca_pem().as_bytes().to_vec(),
            });
            let key = PrivateKey::from_pem(DEV_MERCHANT_KEY).map_err(|e| e.to_string())?;
            let signer = Signer::new(dev::MCHID, dev::MERCHANT_SERIAL, key);
            let public = PublicKey::from_pem(DEV_PLATFORM_PUB).map_err(|e| e.to_string())?;
            let verifier =
                Verifier::new(KeyStore::new().with_public_key(dev::PLATFORM_KEY_ID, public));
            Ok(Setup {
                target: Target::InProcess {
                    server,
                    _runtime: rt,
                    _ca: ca.map(|(dir, _)| dir),
                },
                proxy,
                signer,
                verifier,
                wechatpay_serial: Some(dev::PLATFORM_KEY_ID.into()),
                emulator_limit: Some(rate),
            })
        }
    }
}

/// CPU counters at the start of the measured window.
#[derive(Debug, Clone, Copy)]
struct CpuMark {
    at: Instant,
    emulator: Duration,
    generator: Duration,
}

fn cpu_mark() -> Option<CpuMark> {
    Some(CpuMark {
        at: Instant::now(),
        emulator: threads_cpu(EMULATOR_THREADS)?,
        generator: threads_cpu(GENERATOR_THREADS)?,
    })
}

/// Runs the load test and writes `summary.json` (and goose's `report.html`).
pub fn run(options: &Options) -> Result<Summary, String> {
    options.check()?;
    // goose's reqwest takes rustls's process default when there is one: make it the backend
    // both parties sign with, so the process runs one crypto provider.
    let _ = crypto_provider().install_default();
    // Goose logs every failed request at WARN; the run counts them in its summary instead.
    if log::set_boxed_logger(Box::new(ErrorsOnly)).is_ok() {
        log::set_max_level(log::LevelFilter::Error);
    }
    let report_dir = options.report_dir();
    std::fs::create_dir_all(&report_dir)
        .map_err(|e| format!("cannot create {}: {e}", report_dir.display()))?;
    let generator = runtime(GENERATOR_THREADS)?;
    let Setup {
        target,
        proxy,
        signer,
        verifier,
        wechatpay_serial,
        emulator_limit,
    } = setup(options)?;
    if let Some(route) = &proxy {
        // Checked once here; each goose user builds its own client (its own tunnel).
        route
            .client()?
            .build()
            .map_err(|e| format!("the proxy client: {e}"))?;
    }
    // Through the proxy the requests name WeChat Pay's own URL, as an unchanged app's do.
    let base = match &proxy {
        Some(_) => API_BASE.to_owned(),
        None => target.base_url(),
    };
    let host = match &proxy {
        Some(route) => format!("{API_BASE} via {}", route.url),
        None => base.clone(),
    };
    let issued_before = target.issued(&generator, &options.stock_id)?;
    let run_id: String = wxpay_signing::new_nonce()
        .map_err(|e| e.to_string())?
        .chars()
        .take(8)
        .collect();
    let plan = prepare(options, &signer, &run_id)?;
    plan.check_start(
        options.presigned(),
        now() + crate::scenario::LEAD.as_secs_f64(),
    )?;
    if options.scenario == Scenario::RetryFaults {
        target.set_faults(&generator, RETRY_FAULTS)?;
    }
    let total = plan.requests.len();
    let start_mark = Arc::new(Mutex::new(None));
    let mark = start_mark.clone();
    let shared = Arc::new(Shared {
        plan: plan.requests,
        rate: f64::from(options.rate()),
        next: AtomicUsize::new(0),
        recorder: Recorder::new(total),
        signer,
        verifier,
        wechatpay_serial,
        scenario: options.scenario,
        retry: RetryPolicy::default(),
        on_start: Box::new(move || {
            if let Ok(mut m) = mark.lock() {
                *m = cpu_mark();
            }
        }),
        lifecycle: (options.scenario == Scenario::Lifecycle).then(|| Ids {
            run_id: run_id.clone(),
            product_coupon_id: options.product_coupon_id.clone(),
            stock_id: options.stock_id.clone(),
            appid: options.appid.clone(),
            brand_id: options.brand_id.clone(),
            codes: (0..total).map(|_| std::sync::OnceLock::new()).collect(),
        }),
    });
    let attack = attack(options, &base, &report_dir, shared.clone(), proxy)?;
    generator
        .block_on(attack.execute())
        .map_err(|e| format!("goose: {e:?}"))?;
    let end_mark = cpu_mark();
    if options.scenario == Scenario::RetryFaults {
        target.set_faults(&generator, Faults::default())?;
    }
    let issued_after = target.issued(&generator, &options.stock_id)?;
    let stats = shared.recorder.stats();
    let final_states = match &shared.lifecycle {
        Some(ids) => Some(final_states(&target, &generator, &options.stock_id, ids)?),
        None => None,
    };
    let cpu = match (start_mark.lock().ok().and_then(|m| *m), end_mark) {
        (Some(a), Some(b)) => {
            let wall = b.at.duration_since(a.at).as_secs_f64().max(f64::EPSILON);
            let pct = |d: Duration| (d.as_secs_f64() / wall * 1000.0).round() / 10.0;
            Cpu {
                emulator_pct: matches!(target, Target::InProcess { .. })
                    .then(|| pct(b.emulator - a.emulator)),
                generator_pct: Some(pct(b.generator - a.generator)),
            }
        }
        _ => Cpu {
            emulator_pct: None,
            generator_pct: None,
        },
    };
    let facts = RunFacts {
        final_states,
        issued_by_emulator: issued_after - issued_before,
        cpu,
        host,
        emulator_limit,
    };
    let summary = summarize(options, &stats, facts);
    summary
        .write(&report_dir)
        .map_err(|e| format!("cannot write summary.json: {e}"))?;
    Ok(summary)
}

/// Every coupon the lifecycle sent, checked against the emulator: how many are USED, and
/// how many were sent in all.
fn final_states(
    target: &Target,
    rt: &Runtime,
    stock_id: &str,
    ids: &Ids,
) -> Result<(u64, u64), String> {
    let mut used = 0;
    let mut sent = 0;
    for code in ids.codes.iter().filter_map(|c| c.get()) {
        sent += 1;
        if target.coupon_state(rt, stock_id, code)? == "USED" {
            used += 1;
        }
    }
    Ok((used, sent))
}

/// The goose attack: `users` users launched within a second, each running the transaction
/// until every slot is claimed.
fn attack(
    options: &Options,
    base: &str,
    report_dir: &std::path::Path,
    shared: Arc<Shared>,
    proxy: Option<ProxyRoute>,
) -> Result<GooseAttack, String> {
    let users = options.users.min(options.total().max(1));
    let iterations = options.total().div_ceil(users) + 1;
    let report: PathBuf = report_dir.join("report.html");
    let args = [
        "--host".to_owned(),
        base.to_owned(),
        "--users".into(),
        users.to_string(),
        "--increase-rate".into(),
        users.to_string(),
        "--iterations".into(),
        iterations.to_string(),
        "--report-file".into(),
        report.display().to_string(),
        "--timeout".into(),
        "10".into(),
        "--co-mitigation".into(),
        "disabled".into(),
        // Goose's per-second granular data costs the generator ≈ 10 % more CPU and stalls it
        // once a second (p99 of inline-signed runs went from 478 ms to 13 ms without it).
        "--no-granular-report".into(),
        "--no-print-metrics".into(),
        "--no-error-summary".into(),
        "--no-telnet".into(),
        "--quiet".into(),
    ];
    let config = goose::config::GooseConfiguration::parse_args_default(&args)
        .map_err(|e| format!("goose configuration: {e:?}"))?;
    let attack =
        GooseAttack::initialize_with_config(config).map_err(|e| format!("goose: {e:?}"))?;
    Ok(attack.register_scenario(
        goose::goose::Scenario::new("IssueCoupons")
            .register_transaction(warm_up(options.admin_token.clone(), proxy))
            .register_transaction(transaction(shared)),
    ))
}

/// A `log` logger that prints errors only (installed before goose's, which then stays out).
struct ErrorsOnly;

impl log::Log for ErrorsOnly {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Error
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{}: {}", record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

/// rustls on the load test's backend (ring when both features are on, as in wxpay-signing).
fn crypto_provider() -> rustls::crypto::CryptoProvider {
    #[cfg(all(feature = "aws-lc-rs", not(feature = "ring")))]
    use rustls::crypto::aws_lc_rs as tls_backend;
    #[cfg(feature = "ring")]
    use rustls::crypto::ring as tls_backend;
    tls_backend::default_provider()
}
