//! `wxpay certificates download`: the platform certificates as `DIR/<serial>.pem`; a wrong
//! APIv3 key, an unauthenticated caller or a bad answer exit non-zero, name the cause and
//! write nothing. Also a private key from an environment variable.

use std::path::Path;
use std::process::{Command, Output};

use wxpay_mock::fixtures::dev;
use wxpay_testkit::proxy::FixedServer;
use wxpay_testkit::{PLATFORM_CERT_SERIAL, certs, key_path, mock, temp_dir};

fn wxpay(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run wxpay")
}

/// A client config for the dev merchant at `base_url` with these key lines.
/// `wxpay certificates download --config CONFIG --out OUT` with `env`.
fn download(config: &str, out: &Path, env: &[(&str, &str)]) -> Output {
    wxpay(
        &[
            "certificates",
            "download",
            "--config",
            config,
            "--out",
            out.to_str().expect("UTF-8 path"),
        ],
        env,
    )
}

fn config(dir: &Path, base_url: &str, keys: &str) -> String {
    config_with_serial(dir, base_url, keys, dev::MERCHANT_SERIAL)
}

fn config_with_serial(dir: &Path, base_url: &str, keys: &str, serial: &str) -> String {
    let path = dir.join("client.toml");
    let text = format!(
        "mchid = \"{}\"\nserial_no = \"{serial}\"\n{keys}\nbase_url = \"{base_url}\"\n\
         backup_base_url = \"{base_url}\"\nmax_retries = 0\n",
        dev::MCHID,
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn key_file() -> String {
    format!(
        "private_key_file = \"{}\"",
        key_path("merchant_key.pem").display()
    )
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_writes_each_certificate_and_prints_its_validity() {
    let dir = temp_dir();
    let extra = format!(
        "certificate_file = \"{}\"\ncertificate_private_key_file = \"{}\"\n",
        key_path("platform_cert.pem").display(),
        key_path("platform_key.pem").display()
    );
    let server = mock::start_with(certs::emulator(dir.path(), &extra)).await;
    // Certificate mode: only the APIv3 key, no WeChat Pay key at all.
    let path = config(
        dir.path(),
        &server.base_url(),
        &format!("{}\napiv3_key = \"{}\"", key_file(), dev::APIV3_KEY),
    );
    let out_dir = dir.path().join("certs");
    let out = download(&path, &out_dir, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.trim(),
        format!(
            "{PLATFORM_CERT_SERIAL}  valid 2026-11-29T11:57:40+08:00 to 2126-11-05T11:57:40+08:00"
        )
    );
    assert_eq!(files(&out_dir), [format!("{PLATFORM_CERT_SERIAL}.pem")]);
    assert_eq!(
        std::fs::read(out_dir.join(format!("{PLATFORM_CERT_SERIAL}.pem"))).unwrap(),
        std::fs::read(key_path("platform_cert.pem")).unwrap()
    );

    // The private key from an environment variable, on one line with \n escapes.
    let pem = std::fs::read_to_string(key_path("merchant_key.pem"))
        .unwrap()
        .replace('\n', "\\n");
    let env_dir = temp_dir();
    let path = config(
        env_dir.path(),
        &server.base_url(),
        "private_key_env = \"WXPAY_TEST_KEY\"\napiv3_key_env = \"WXPAY_TEST_APIV3\"",
    );
    let out_dir = env_dir.path().join("certs");
    let out = download(
        &path,
        &out_dir,
        &[
            ("WXPAY_TEST_KEY", &pem),
            ("WXPAY_TEST_APIV3", dev::APIV3_KEY),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files(&out_dir), [format!("{PLATFORM_CERT_SERIAL}.pem")]);
    // The variable unset: a usage error naming it.
    let out = download(&path, &out_dir, &[("WXPAY_TEST_APIV3", dev::APIV3_KEY)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("private_key_env") && stderr.contains("WXPAY_TEST_KEY"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_exit_non_zero_name_the_cause_and_write_nothing() {
    let dir = temp_dir();
    let extra = format!(
        "certificate_file = \"{}\"\ncertificate_private_key_file = \"{}\"\n",
        key_path("platform_cert.pem").display(),
        key_path("platform_key.pem").display()
    );
    let server = mock::start_with(certs::emulator(dir.path(), &extra)).await;
    let garbage = FixedServer::start("200 OK", "{\"data\":[{\"serial_no\":\"1\"}]}").await;
    let right_key = format!("{}\napiv3_key = \"{}\"", key_file(), dev::APIV3_KEY);
    let wrong_key = format!(
        "{}\napiv3_key = \"0123456789abcdef0123456789abcdef\"",
        key_file()
    );
    for (base_url, keys, serial, code, needles) in [
        // The wrong APIv3 key.
        (
            server.base_url(),
            &wrong_key,
            dev::MERCHANT_SERIAL,
            4,
            &["does not decrypt", "APIv3 key", PLATFORM_CERT_SERIAL][..],
        ),
        // A serial_no the emulator does not know for this merchant: not authenticated.
        (
            server.base_url(),
            &right_key,
            "0000",
            3,
            &["401", "SIGN_ERROR", "not authenticated"][..],
        ),
        // Not the documented JSON.
        (
            format!("http://{}", garbage.addr),
            &right_key,
            dev::MERCHANT_SERIAL,
            4,
            &["not a valid certificate list"][..],
        ),
    ] {
        let case = temp_dir();
        let path = config_with_serial(case.path(), &base_url, keys, serial);
        let out_dir = case.path().join("certs");
        let out = download(&path, &out_dir, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
        }
        assert!(
            files(&out_dir).is_empty(),
            "files written: {:?}",
            files(&out_dir)
        );
        assert!(out.stdout.is_empty());
    }
    // No APIv3 key in the config at all.
    let case = temp_dir();
    let path = config(
        case.path(),
        &server.base_url(),
        &format!(
            "{}\nwechatpay_public_key_id = \"{}\"\nwechatpay_public_key_file = \"{}\"",
            key_file(),
            dev::PLATFORM_KEY_ID,
            key_path("platform_pub.pem").display()
        ),
    );
    let out = download(&path, Path::new("unused"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no APIv3 key"));
}
