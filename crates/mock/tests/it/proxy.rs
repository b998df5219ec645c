//! The HTTPS proxy that impersonates WeChat Pay (`--ca-dir`): tunnels to the API hosts over
//! TLS with the sandbox CA's leaf (h2 and HTTP/1.1 by ALPN), the refusals (another host,
//! a malformed target, no proxy, no SNI or another name), and the CA directory.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, SandboxCa};
use wxpay_testkit::fixtures::{send_body, unique};
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{merchant_signer, mock, platform_verifier, temp_dir};

const API: &str = "api.mch.weixin.qq.com";
const API2: &str = "api2.mch.weixin.qq.com";

/// The answer to `CONNECT target` on a fresh connection: status, body, and the connection.
async fn connect(proxy: SocketAddr, target: &str) -> (u16, String, TcpStream) {
    let mut stream = TcpStream::connect(proxy).await.unwrap();
    stream
        .write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // Byte by byte up to the blank line: after a 200 the TLS bytes follow at once.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        assert!(head.len() < 8192, "no end of head");
        head.push(stream.read_u8().await.unwrap());
    }
    let head = String::from_utf8(head).unwrap();
    let status: u16 = head[9..12].parse().unwrap();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    let first = head.lines().next().unwrap_or_default().to_owned();
    (
        status,
        format!("{first}\n{}", String::from_utf8_lossy(&body)),
        stream,
    )
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[cfg(all(feature = "aws-lc-rs", not(feature = "ring")))]
    use rustls::crypto::aws_lc_rs as backend;
    #[cfg(feature = "ring")]
    use rustls::crypto::ring as backend;
    Arc::new(backend::default_provider())
}

/// A TLS client trusting only the sandbox CA; `sni: false` sends no server name.
fn tls_client(ca: &SandboxCa, alpn: &[u8], sni: bool) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.ca_pem().as_bytes()).unwrap())
        .unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    config.enable_sni = sni;
    TlsConnector::from(Arc::new(config))
}

async fn handshake(
    stream: TcpStream,
    ca: &SandboxCa,
    name: &str,
    alpn: &[u8],
    sni: bool,
) -> std::io::Result<TlsStream<TcpStream>> {
    let name = ServerName::try_from(name.to_owned()).unwrap();
    tls_client(ca, alpn, sni).connect(name, stream).await
}

/// A signed send over an open TLS tunnel, by HTTP/1.1 or h2 as negotiated.
async fn send_through(tls: TlsStream<TcpStream>, host: &str) -> (Answer, String) {
    let openid = unique("oProxy");
    let body = send_body(dev::STOCK_LOAD_TEST, &unique("PX"), None);
    let path = format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons");
    let answer = post_through(tls, host, &merchant_signer(), &path, &body).await;
    (answer, openid)
}

/// `body` POSTed to `path` signed by `signer` over an open TLS tunnel.
async fn post_through(
    tls: TlsStream<TcpStream>,
    host: &str,
    signer: &wxpay_signing::Signer,
    path: &str,
    body: &serde_json::Value,
) -> Answer {
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    let body = serde_json::to_vec(body).unwrap();
    let auth = signer
        .authorization("POST", path, &body)
        .unwrap()
        .to_string();
    let request = http::Request::post(if h2 {
        format!("https://{host}{path}")
    } else {
        path.to_owned()
    })
    .header("Host", host)
    .header("Authorization", auth)
    .header("Content-Type", "application/json")
    .header("Accept", "application/json")
    .header("Wechatpay-Serial", dev::PLATFORM_KEY_ID)
    .body(Full::new(Bytes::from(body)))
    .unwrap();
    let io = TokioIo::new(tls);
    let response = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .unwrap();
        tokio::spawn(conn);
        sender.send_request(request).await.unwrap()
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        sender.send_request(request).await.unwrap()
    };
    let (parts, body) = response.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

#[tokio::test]
async fn a_namespace_caller_reaches_its_own_world_through_the_proxy() {
    let dir = temp_dir();
    let server = mock::start_proxy(Emulator::dev(), dir.path()).await;
    let ca = SandboxCa::open(dir.path()).unwrap();
    let client = TestClient::new(&server.base_url());
    let ns = crate::namespaces::Namespace::create(&client, "partner").await;
    let (status, head, stream) = connect(server.local_addr(), &format!("{API}:443")).await;
    assert_eq!(status, 200, "{head}");
    let tls = handshake(stream, &ca, API, b"http/1.1", true)
        .await
        .unwrap();
    let path = format!(
        "/v3/marketing/partner/product-coupon/users/{}/coupons",
        unique("o")
    );
    let body = ns.send_body(&unique("PX"));
    let answer = post_through(tls, API, &ns.signer(), &path, &body).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.verify(&ns.verifier()).unwrap();
    let stock = ns.made["stock_id"].as_str().unwrap();
    let theirs = client
        .admin_get(&ns.admin(&format!("/mock/coupons?stock_id={stock}")))
        .await
        .json();
    assert_eq!(
        theirs["total_count"], 1,
        "the identity chose the world, not the URL"
    );
    let configured = client
        .admin_get(&format!("/mock/coupons?stock_id={stock}"))
        .await
        .json();
    assert_eq!(configured["total_count"], 0);
}

#[tokio::test]
async fn a_tunnel_to_either_api_host_serves_the_api_by_alpn() {
    let dir = temp_dir();
    let server = mock::start_proxy(Emulator::dev(), dir.path()).await;
    let ca = SandboxCa::open(dir.path()).unwrap();
    assert!(!ca.created(), "the second open reuses the CA");
    for (host, alpn) in [
        (API, &b"h2"[..]),
        (API, b"http/1.1"),
        (API2, b"h2"),
        (API2, b"http/1.1"),
    ] {
        let (status, head, stream) = connect(server.local_addr(), &format!("{host}:443")).await;
        assert_eq!(status, 200, "{head}");
        let tls = handshake(stream, &ca, host, alpn, true).await.unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(alpn));
        let (answer, openid) = send_through(tls, host).await;
        assert_eq!(answer.status, 200, "{host} {alpn:?}: {answer:?}");
        answer.verify(&platform_verifier()).unwrap();
        let code = answer.json()["coupon_code"].as_str().unwrap().to_owned();
        let coupon = server
            .emulator()
            .coupon(dev::STOCK_LOAD_TEST, &code)
            .expect("the coupon is in the ledger");
        assert_eq!(coupon.coupon_code, code);
        // The journal shows the request as sent inside the tunnel.
        let journal = TestClient::new(&server.base_url())
            .admin_get("/mock/requests?limit=1")
            .await
            .json();
        assert!(
            journal["data"][0]["path"]
                .as_str()
                .unwrap()
                .contains(&openid),
            "{journal}"
        );
    }
}

#[tokio::test]
async fn connect_refusals_name_the_problem_and_never_tunnel() {
    let dir = temp_dir();
    let server = mock::start_proxy(Emulator::dev(), dir.path()).await;
    let addr = server.local_addr();
    for (target, status, needle) in [
        ("example.com:443", 403, "api2.mch.weixin.qq.com:443"),
        (
            "api.mch.weixin.qq.com:8443",
            403,
            "never connects anywhere else",
        ),
        ("127.0.0.1:443", 403, "is not served"),
        ("api.mch.weixin.qq.com", 400, "the port is missing"),
        ("api.mch.weixin.qq.com:99999", 400, "from 1 to 65535"),
        ("https://api.mch.weixin.qq.com/", 400, "no scheme, path"),
    ] {
        let (got, text, mut stream) = connect(addr, target).await;
        assert_eq!(got, status, "{target}: {text}");
        assert!(text.contains(needle), "{target}: {text}");
        // No tunnel: the same connection still speaks HTTP to the emulator.
        stream
            .write_all(b"GET /mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 12];
        stream.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200", "{target}");
    }
    // The reason phrase says it too (Java and Go show the status line).
    let (_, text, _) = connect(addr, "example.com:443").await;
    assert!(
        text.starts_with("HTTP/1.1 403 Forbidden: only api.mch.weixin.qq.com:443"),
        "{text}"
    );

    let plain = mock::start().await;
    let (status, text, _) = connect(plain.local_addr(), "api.mch.weixin.qq.com:443").await;
    assert_eq!(status, 405, "{text}");
    assert!(text.contains("--ca-dir"), "{text}");
}

#[tokio::test]
async fn a_handshake_without_sni_or_for_another_name_is_refused() {
    let dir = temp_dir();
    let server = mock::start_proxy(Emulator::dev(), dir.path()).await;
    let ca = SandboxCa::open(dir.path()).unwrap();
    for (name, sni) in [(API, false), ("example.com", true), ("localhost", true)] {
        let (status, _, stream) = connect(server.local_addr(), "api.mch.weixin.qq.com:443").await;
        assert_eq!(status, 200);
        let err = handshake(stream, &ca, name, b"http/1.1", sni)
            .await
            .expect_err("refused");
        assert!(
            err.to_string().to_lowercase().contains("access"),
            "{name} sni={sni}: {err}"
        );
    }
    // The emulator keeps serving, through the proxy and directly.
    let (status, _, stream) = connect(server.local_addr(), "api.mch.weixin.qq.com:443").await;
    assert_eq!(status, 200);
    let tls = handshake(stream, &ca, API, b"h2", true).await.unwrap();
    assert_eq!(send_through(tls, API).await.0.status, 200);
    let health = TestClient::new(&server.base_url())
        .admin_get("/mock/health")
        .await;
    assert_eq!(health.status, 200);
}

#[test]
fn the_ca_directory_is_made_once_then_checked() {
    let root = temp_dir();
    let dir = root.path().join("new/ca");
    let ca = SandboxCa::open(&dir).unwrap();
    assert!(ca.created());
    assert_eq!(ca.ca_file(), dir.join("ca.pem"));
    assert_eq!(std::fs::read_to_string(ca.ca_file()).unwrap(), ca.ca_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("ca-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = SandboxCa::open(&dir).unwrap();
    assert!(!again.created());
    assert_eq!(again.ca_pem(), ca.ca_pem());
    assert!(!format!("{again:?}").contains("PRIVATE"));

    // Another CA's key beside this certificate.
    let other = root.path().join("other");
    SandboxCa::open(&other).unwrap();
    let err = |dir: &std::path::Path| SandboxCa::open(dir).unwrap_err().to_string();
    std::fs::copy(other.join("ca-key.pem"), dir.join("ca-key.pem")).unwrap();
    let message = err(&dir);
    assert!(message.contains("is not the key of"), "{message}");
    // Only one of the two files.
    std::fs::remove_file(dir.join("ca-key.pem")).unwrap();
    let message = err(&dir);
    assert!(
        message.contains("ca-key.pem") && message.contains("is missing"),
        "{message}"
    );
    // Not a certificate; not a CA.
    std::fs::write(dir.join("ca-key.pem"), "nonsense").unwrap();
    let message = err(&dir);
    assert!(message.contains("not a PKCS#8 private key"), "{message}");
    std::fs::copy(other.join("ca-key.pem"), dir.join("ca-key.pem")).unwrap();
    std::fs::write(dir.join("ca.pem"), "not a certificate").unwrap();
    let message = err(&dir);
    assert!(message.contains("no PEM CERTIFICATE"), "{message}");
    let tls = wxpay_testkit::tls_dir();
    std::fs::copy(tls.join("server_cert.pem"), dir.join("ca.pem")).unwrap();
    std::fs::copy(tls.join("server_key.pem"), dir.join("ca-key.pem")).unwrap();
    let message = err(&dir);
    assert!(message.contains("is not a CA certificate"), "{message}");
}

/// Emulators starting together on one new directory make one CA between them, and every
/// one of them uses it.
#[test]
fn emulators_opening_one_new_directory_together_share_one_ca() {
    let root = temp_dir();
    let dir = root.path().join("shared/ca");
    let start = std::sync::Barrier::new(4);
    let opened: Vec<SandboxCa> = std::thread::scope(|scope| {
        let opening: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    SandboxCa::open(&dir)
                })
            })
            .collect();
        opening
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect()
    });
    assert_eq!(opened.iter().filter(|ca| ca.created()).count(), 1);
    let on_disk = std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    assert!(opened.iter().all(|ca| ca.ca_pem() == on_disk));
}

#[tokio::test]
async fn the_binary_proxies_with_ca_dir_or_ca_dir_in_its_config() {
    let root = temp_dir();
    let ca_dir = root.path().join("ca");
    let bin: &std::path::Path = env!("CARGO_BIN_EXE_wxpay-mock").as_ref();
    let process = mock::spawn_binary(
        bin,
        &[
            "--listen",
            "127.0.0.1:0",
            "--ca-dir",
            ca_dir.to_str().unwrap(),
        ],
    );
    assert!(
        process
            .first_line
            .starts_with("listening on http://127.0.0.1:"),
        "{}",
        process.first_line
    );
    let addr: SocketAddr = process.base_url["http://".len()..].parse().unwrap();
    let ca = SandboxCa::open(&ca_dir).unwrap();
    let (status, _, stream) = connect(addr, "api.mch.weixin.qq.com:443").await;
    assert_eq!(status, 200);
    let tls = handshake(stream, &ca, API, b"h2", true).await.unwrap();
    let (answer, _) = send_through(tls, API).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.verify(&platform_verifier()).unwrap();
    drop(process);

    // `ca_dir` in the config, relative to the config file.
    let config = wxpay_testkit::certs::write_mock_config(root.path(), "");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("ca_dir = \"ca\"\n{text}")).unwrap();
    let process = mock::spawn_binary(
        bin,
        &[
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
    );
    let addr: SocketAddr = process.base_url["http://".len()..].parse().unwrap();
    let (status, _, stream) = connect(addr, "api2.mch.weixin.qq.com:443").await;
    assert_eq!(status, 200);
    handshake(stream, &ca, API2, b"http/1.1", true)
        .await
        .expect("the same CA, reused");

    // A CA directory that cannot be used stops start-up with exit 2 and the reason.
    std::fs::write(ca_dir.join("ca.pem"), "garbage").unwrap();
    let output = std::process::Command::new(bin)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--ca-dir",
            ca_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--ca-dir") && stderr.contains("ca.pem"),
        "{stderr}"
    );
}
