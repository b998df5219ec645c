//! The recipes of docs/sandbox.md, each run by its own toolchain: an unchanged client per
//! ecosystem (interop/go, interop/java, interop/node, interop/python) signs real requests
//! with the dev merchant key and calls `https://api.mch.weixin.qq.com/…` through the
//! emulator's HTTPS proxy, trusting the sandbox CA the ecosystem's own way, and verifies the
//! answers' signatures. A toolchain that is not installed skips its test with the reason,
//! unless `WXPAY_REQUIRE_INTEROP=1` (CI): then it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wxpay_mock::Emulator;
use wxpay_mock::fixtures::dev;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{mock, temp_dir, workspace_dir};

/// A cold `go run` compiles net/http first: allow for it on 2 busy cores.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Whether `program args` runs; `Err` says why not.
fn probe(program: &str, args: &[&str]) -> Result<(), String> {
    match Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!(
            "`{program} {}` exited with {status}",
            args.join(" ")
        )),
        Err(e) => Err(format!("`{program}` cannot run: {e}")),
    }
}

/// `Ok` to run, or the skip (or, with WXPAY_REQUIRE_INTEROP=1, the failure).
fn available(recipe: &str, probes: &[(&str, &[&str])]) -> bool {
    let missing = probes.iter().find_map(|(p, a)| probe(p, a).err());
    match missing {
        None => true,
        Some(why) if std::env::var("WXPAY_REQUIRE_INTEROP").as_deref() == Ok("1") => {
            panic!("the {recipe} recipe cannot run and WXPAY_REQUIRE_INTEROP=1: {why}")
        }
        Some(why) => {
            eprintln!(
                "skipped the {recipe} recipe: {why} (WXPAY_REQUIRE_INTEROP=1 makes this a failure)"
            );
            false
        }
    }
}

/// Runs `command` in the workspace within [`RUN_LIMIT`]; its stdout, or a panic with both
/// outputs.
fn run(mut command: Command, dir: &Path) -> String {
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = command
        .current_dir(workspace_dir())
        .env(
            "WXPAY_DEV_KEYS",
            workspace_dir().join("crates/mock/dev-keys"),
        )
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} still ran after {} s", RUN_LIMIT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read_to_string(&out).unwrap();
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(
        status.success(),
        "{command:?}: {status}\n{stdout}\n{stderr}"
    );
    stdout
}

/// Starts the proxy, runs the recipe that `command` builds (proxy URL, CA file, scratch
/// directory), and checks that the coupon it reports is in this emulator's ledger.
async fn recipe(name: &str, command: impl FnOnce(&str, &Path, &Path) -> Command + Send + 'static) {
    let dir = temp_dir();
    let server = mock::start_proxy(Emulator::dev(), &dir.path().join("ca")).await;
    let proxy = server.base_url();
    let ca = dir.path().join("ca").join("ca.pem");
    let scratch: PathBuf = dir.path().to_path_buf();
    let stdout = tokio::task::spawn_blocking(move || run(command(&proxy, &ca, &scratch), &scratch))
        .await
        .unwrap();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("coupon_code="))
        .unwrap_or_else(|| panic!("{name}: no result line in\n{stdout}"));
    let (code, openid) = line
        .strip_prefix("coupon_code=")
        .and_then(|rest| rest.split_once(" openid="))
        .unwrap_or_else(|| panic!("{name}: {line}"));
    assert_eq!(
        stdout.matches("signature verified").count(),
        2,
        "{name}: {stdout}"
    );
    let held = TestClient::new(&server.base_url())
        .admin_get(&format!("/mock/coupons?openid={openid}"))
        .await
        .json();
    assert_eq!(held["total_count"], 1, "{name}: {held}");
    assert_eq!(held["data"][0]["coupon_code"], code, "{name}: {held}");
    assert_eq!(
        held["data"][0]["stock"]["stock_id"],
        dev::STOCK_LOAD_TEST,
        "{name}: {held}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn go_with_https_proxy_and_ssl_cert_file() {
    if !available("Go", &[("go", &["version"])]) {
        return;
    }
    recipe("Go", |proxy, ca, _| {
        let mut c = Command::new("go");
        c.args(["run", "interop/go/main.go"])
            .env("HTTPS_PROXY", proxy)
            .env("SSL_CERT_FILE", ca)
            // Standard library only: never a download of a module or a toolchain.
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOFLAGS", "");
        c
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn java_with_https_proxy_properties_and_a_truststore() {
    if !available("Java", &[("java", &["-version"]), ("keytool", &["-help"])]) {
        return;
    }
    recipe("Java", |proxy, ca, scratch| {
        let store = scratch.join("wxpay-mock.p12");
        let mut keytool = Command::new("keytool");
        keytool
            .args([
                "-importcert",
                "-noprompt",
                "-alias",
                "wxpay-mock",
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
            ])
            .arg("-file")
            .arg(ca)
            .arg("-keystore")
            .arg(&store);
        run(keytool, scratch);
        let (host, port) = proxy
            .trim_start_matches("http://")
            .rsplit_once(':')
            .expect("host:port");
        let mut c = Command::new("java");
        c.arg(format!("-Dhttps.proxyHost={host}"))
            .arg(format!("-Dhttps.proxyPort={port}"))
            .arg(format!("-Djavax.net.ssl.trustStore={}", store.display()))
            .arg("-Djavax.net.ssl.trustStorePassword=changeit")
            .arg(format!(
                "-Dwxpay.devKeys={}",
                workspace_dir().join("crates/mock/dev-keys").display()
            ))
            .arg("interop/java/Interop.java");
        c
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn node_with_node_extra_ca_certs_and_a_connect_agent() {
    if !available("Node.js", &[("node", &["--version"])]) {
        return;
    }
    recipe("Node.js", |proxy, ca, _| {
        let mut c = Command::new("node");
        c.arg("interop/node/interop.mjs")
            .env("HTTPS_PROXY", proxy)
            .env("NODE_EXTRA_CA_CERTS", ca);
        c
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn python_requests_with_https_proxy_and_requests_ca_bundle() {
    // CI points this at a venv with requests and cryptography (.ci/run).
    let python = std::env::var("WXPAY_INTEROP_PYTHON").unwrap_or_else(|_| "python3".into());
    if !available(
        "Python requests",
        &[(&python, &["-c", "import requests, cryptography"])],
    ) {
        return;
    }
    recipe("Python requests", move |proxy, ca, _| {
        let mut c = Command::new(&python);
        c.arg("interop/python/send_via_proxy.py")
            .env("HTTPS_PROXY", proxy)
            .env("REQUESTS_CA_BUNDLE", ca);
        c
    })
    .await;
}
