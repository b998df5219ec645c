//! Bad input never becomes action: one table of hostile or careless inputs for the `wxpay`
//! binary, each a named case with the exit code and the words its message must hold. None
//! of them needs a server: each must be refused before anything is sent or written.
//! Endless input is `/dev/zero` (Linux).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use wxpay_testkit::{TempDir, key_path, temp_dir, write_client_config};

/// Runs `wxpay`, killing it (and failing) if it has not finished within 60 s: a case that
/// reads without end must fail the test, not hang it.
fn wxpay(args: &[String]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_wxpay"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wxpay");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.expect("wait for wxpay"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("wxpay {args:?} still running after 60 s");
        }
    }
}

/// Files the cases point at.
struct Fixture {
    dir: TempDir,
    config: String,
    key: String,
    pub_key: String,
    /// Endless input.
    zero: String,
}

impl Fixture {
    fn new() -> Self {
        let dir = temp_dir();
        let config = write_client_config(dir.path(), "http://127.0.0.1:9", "");
        Self {
            config: s(&config),
            key: s(&key_path("merchant_key.pem")),
            pub_key: s(&key_path("platform_pub.pem")),
            zero: "/dev/zero".into(),
            dir,
        }
    }

    /// A file in the fixture's directory holding `text`.
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        s(&path)
    }

    fn path(&self, name: &str) -> String {
        s(&self.dir.path().join(name))
    }
}

fn s(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").to_owned()
}

/// A directory in which no file can be created, if this machine has one: a read-only
/// temporary directory, or (as root, who may write anywhere) `/sys`.
fn read_only_dir(fixture: &Fixture) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = fixture.dir.path().join("read-only");
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).ok()?;
    [dir, PathBuf::from("/sys")]
        .into_iter()
        .find(|d| d.is_dir() && std::fs::File::create(d.join("probe")).is_err())
}

fn sign(f: &Fixture, mchid: &str, serial: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "sign",
        "--mchid",
        mchid,
        "--serial-no",
        serial,
        "--private-key",
        &f.key,
        "--method",
        "GET",
        "--url",
        "/v3/x",
    ];
    args.extend_from_slice(extra);
    args.into_iter().map(str::to_owned).collect()
}

fn verify(f: &Fixture, serial: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "verify",
        "--public-key",
        &f.pub_key,
        "--timestamp",
        "1764381600",
        "--nonce",
        "n",
        "--signature",
        "c2ln",
        "--serial",
        serial,
    ];
    if !extra.contains(&"--body-file") {
        args.extend(["--body", "{}"]);
    }
    args.extend_from_slice(extra);
    args.into_iter().map(str::to_owned).collect()
}

fn call(f: &Fixture, op: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["call", op, "--config", &f.config];
    args.extend_from_slice(extra);
    args.into_iter().map(str::to_owned).collect()
}

fn campaign(f: &Fixture, input: &str, journal: &str, extra: &[&str]) -> Vec<String> {
    let mut args = crate::campaign::run_args(&f.config, input, journal);
    args.extend_from_slice(extra);
    args.into_iter().map(str::to_owned).collect()
}

/// (name, arguments, exit code, words the message must hold).
type Case = (&'static str, Vec<String>, i32, String);

#[rustfmt::skip]
fn cases(f: &Fixture) -> Vec<Case> {
    let z = f.zero.as_str();
    let good_csv = f.file("users.csv", "openid\no1\no2\n");
    let unterminated = f.file(
        "unterminated.csv",
        "openid,attach\no1,\"unterminated\no2,a\no3,b\no4,c\n",
    );
    let crlf_duplicate = f.file("crlf.csv", "openid\r\no1\r\no2\r\no3\r\no1\r\n");
    let injected_config = f.file(
        "injected.toml",
        &std::fs::read_to_string(&f.config)
            .expect("config")
            .replace("serial_no = \"", "serial_no = \"X\\\",y=\\\""),
    );
    let notify_dir = f.dir.path().join("notify");
    std::fs::create_dir_all(&notify_dir).expect("dir");
    let notify_config = s(&write_client_config(
        &notify_dir,
        "http://127.0.0.1:9",
        "apiv3_key = \"0123456789abcdef0123456789ABCDEF\"",
    ));
    let dir = f.path("");
    let missing_dir_journal = f.path("no-such-dir/c.db");
    let mut cases: Vec<Case> = vec![
        // wxpay sign: header fields that would break or extend the Authorization header.
        ("sign_mchid_quote_injection", sign(f, "1900000001\",x=\"y", "5157F09E", &[]), 2,
            r#"--mchid "1900000001\",x=\"y": a merchant id is digits only"#.into()),
        ("sign_mchid_newline", sign(f, "1900000001\nX-Evil: 1", "5157F09E", &[]), 2,
            "a merchant id is digits only".into()),
        ("sign_serial_no_quote", sign(f, "1900000001", "5157\"F09E", &[]), 2,
            r#"--serial-no "5157\"F09E": may only hold printable ASCII (! to ~) except '"' and ','"#.into()),
        ("sign_serial_no_comma", sign(f, "1900000001", "5157,F09E", &[]), 2,
            "--serial-no \"5157,F09E\": may only hold printable ASCII".into()),
        ("sign_serial_no_newline", sign(f, "1900000001", "5157\nF09E", &[]), 2,
            "--serial-no \"5157\\nF09E\": may only hold printable ASCII".into()),
        ("sign_nonce_comma", sign(f, "1900000001", "5157F09E", &["--nonce", "a,b"]), 2,
            "--nonce \"a,b\": may only hold printable ASCII".into()),
        ("sign_config_serial_no_injection", vec!["sign".into(), "--config".into(), injected_config, "--method".into(), "GET".into(), "--url".into(), "/v3/x".into()], 2,
            "config: serial_no: \"X\\\",y=\\\"".into()),
        // Files read without end.
        ("sign_private_key_dev_zero", sign(f, "1900000001", "5157F09E", &[]).into_iter().map(|a| if a == f.key { z.to_owned() } else { a }).collect(), 2,
            "larger than 64 KiB, the limit for a PEM key or certificate".into()),
        ("sign_body_file_dev_zero", sign(f, "1900000001", "5157F09E", &["--body-file", z]), 2,
            format!("cannot read --body-file {z}: larger than 1 MiB, the limit for a request body")),
        ("sign_config_dev_zero", vec!["sign".into(), "--config".into(), z.into(), "--method".into(), "GET".into(), "--url".into(), "/v3/x".into()], 2,
            "larger than 1 MiB, the limit for a client config".into()),
        ("verify_public_key_dev_zero", verify(f, "PUB_KEY_ID_01", &[]).into_iter().map(|a| if a == f.pub_key { z.to_owned() } else { a }).collect(), 2,
            format!("cannot read --public-key {z}: larger than 64 KiB")),
        ("verify_body_file_dev_zero", verify(f, "PUB_KEY_ID_01", &["--body-file", z]), 2,
            "larger than 4 MiB, the limit for an answer or callback body".into()),
        ("call_body_file_dev_zero", call(f, "set-notify-config", &["--body-file", z]), 2,
            "larger than 1 MiB, the limit for a request body".into()),
        ("call_upload_file_dev_zero", call(f, "upload-image", &["--file", z]), 2,
            "larger than 2 MiB, the limit for an image (upload-image)".into()),
        ("campaign_input_dev_zero", campaign(f, z, &f.path("zero.db"), &["--dry-run"]), 2,
            format!("cannot read {z}: not a regular file")),
        ("notify_events_dev_zero", vec!["notify".into(), "serve".into(), "--config".into(), notify_config, "--listen".into(), "127.0.0.1:0".into(), "--events".into(), z.into()], 2,
            format!("--events {z}: line 1 is longer than 1 MiB")),
        // wxpay verify: an empty serial names no key.
        ("verify_serial_empty", verify(f, "", &[]), 2,
            "--serial is empty: give the value of the answer's Wechatpay-Serial header".into()),
        ("verify_nonce_blank", verify(f, "PUB_KEY_ID_01", &[]).into_iter().map(|a| if a == "n" { " ".to_owned() } else { a }).collect(), 2,
            "--nonce is empty".into()),
        // wxpay call: a parameter given twice.
        ("call_path_repeated", call(f, "list-user-product-coupons", &["--path", "openid=o1", "--path", "openid=o2", "--query", "appid=wx1"]), 2,
            r#"--path openid is given twice ("o1", then "o2"): give each parameter once"#.into()),
        ("call_query_repeated", call(f, "list-user-product-coupons", &["--path", "openid=o1", "--query", "appid=wx1", "--query", "appid=wx2"]), 2,
            r#"--query appid is given twice ("wx1", then "wx2")"#.into()),
        ("call_query_brand_repeated", call(f, "list-stocks", &["--path", "product_coupon_id=1", "--query", "brand_id=1", "--query", "brand_id=2"]), 2,
            "--query brand_id is given twice".into()),
        // The models' rules, before sending.
        ("call_notify_port_out_of_range", call(f, "set-notify-config", &["--body", r#"{"notify_url":"https://a.b:99999/c"}"#]), 2,
            "notify_url has a port out of range: ports are 1 to 65535".into()),
        // wxpay campaign run: the input and the journal.
        ("campaign_unterminated_quote", campaign(f, &unterminated, &f.path("u.db"), &["--dry-run"]), 2,
            "line 2: a quote opened on this line is still open at its end".into()),
        ("campaign_crlf_duplicate", campaign(f, &crlf_duplicate, &f.path("d.db"), &["--dry-run"]), 2,
            "line 5: openid o1 for stock 1000000013005 duplicates line 2".into()),
        ("campaign_journal_is_a_directory", campaign(f, &good_csv, &dir, &[]), 2,
            "is a directory: --journal names the journal's file, e.g.".into()),
        ("campaign_resume_journal_is_a_directory", vec!["campaign".into(), "run".into(), "--journal".into(), dir.clone()], 2,
            "is a directory".into()),
        ("campaign_journal_in_missing_directory", campaign(f, &good_csv, &missing_dir_journal, &[]), 2,
            format!("journal {missing_dir_journal}: cannot be created: directory {} does not exist", f.path("no-such-dir"))),
        ("campaign_journal_empty", campaign(f, &good_csv, "", &[]), 2,
            "--journal: is empty".into()),
    ];
    if let Some(ro) = read_only_dir(f) {
        let journal = s(&ro.join("c.db"));
        cases.push((
            "campaign_journal_in_read_only_directory",
            campaign(f, &good_csv, &journal, &[]),
            2,
            format!("journal {journal}: cannot be created: directory {} is not writable", ro.display()),
        ));
    }
    cases
}

#[test]
fn each_hostile_input_is_refused_with_what_is_wrong() {
    let fixture = Fixture::new();
    let mut failures = Vec::new();
    let cases = cases(&fixture);
    for (name, args, code, needle) in &cases {
        let out = wxpay(args);
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(*code) || !err.contains(needle.as_str()) {
            failures.push(format!(
                "{name}: exit {:?} (want {code}), stderr: {err}\n  wanted: {needle}",
                out.status.code()
            ));
        }
        if err.contains(".creating") {
            failures.push(format!("{name}: names the temporary file: {err}"));
        }
        if *code == 2 && !out.stdout.is_empty() {
            failures.push(format!(
                "{name}: printed {:?}",
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing was written: no journal, no temporary file.
    let left: Vec<_> = std::fs::read_dir(fixture.dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".db") || n.ends_with(".creating"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    println!("hostile input: {} cases", cases.len());
}
