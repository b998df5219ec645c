//! The network side: TLS with custom roots, a CONNECT proxy, the config file, and refusing
//! plain HTTP beyond loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{builder, request};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use wxpay_coupons::{ClientConfig, CouponClient, CouponError, TransportError};
use wxpay_mock::config::TlsConfig;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, ServerOptions};
use wxpay_testkit::{mock, tls_dir};

async fn tls_emulator() -> wxpay_mock::Server {
    let tls = TlsConfig {
        cert_file: tls_dir().join("server_cert.pem"),
        key_file: tls_dir().join("server_key.pem"),
    };
    let config = wxpay_mock::tls_config(&tls, |p| p.to_path_buf()).unwrap();
    mock::start_with_options(
        Emulator::dev(),
        ServerOptions {
            tls: Some(config),
            ..ServerOptions::default()
        },
    )
    .await
}

fn test_ca() -> Vec<rustls_pki_types::CertificateDer<'static>> {
    use rustls_pki_types::pem::PemObject;
    vec![rustls_pki_types::CertificateDer::from_pem_file(tls_dir().join("ca_cert.pem")).unwrap()]
}

fn https_url(server: &wxpay_mock::Server) -> String {
    format!("https://localhost:{}", server.local_addr().port())
}

#[tokio::test]
async fn tls_with_a_custom_root() {
    let server = tls_emulator().await;
    assert!(server.base_url().starts_with("https://"));
    let client = CouponClient::new(
        builder(&https_url(&server))
            .root_certificates(test_ca())
            .build()
            .unwrap(),
    );
    let coupon = client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    assert_eq!(coupon.coupon_code, "8000000000001");
}

#[tokio::test]
async fn tls_with_the_web_pki_roots_refuses_a_private_ca() {
    let server = tls_emulator().await;
    let client = CouponClient::new(
        builder(&https_url(&server))
            .retry(wxpay_coupons::RetryPolicy::none())
            .build()
            .unwrap(),
    );
    match client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
    {
        Err(CouponError::Transport(TransportError::Connect { message, .. })) => {
            assert!(message.to_lowercase().contains("certificate"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

/// A minimal CONNECT proxy that counts tunnels and remembers their targets.
async fn connect_proxy() -> (
    String,
    Arc<AtomicUsize>,
    Arc<parking_lot::Mutex<Vec<String>>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let targets = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let (c, t) = (count.clone(), targets.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (c, t) = (c.clone(), t.clone());
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                reader.read_line(&mut line).await.unwrap();
                let target = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).await.unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let mut client = reader.into_inner();
                let Ok(mut upstream) =
                    TcpStream::connect(target.replace("localhost", "127.0.0.1")).await
                else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                c.fetch_add(1, Ordering::SeqCst);
                t.lock().push(target);
                client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (url, count, targets)
}

#[tokio::test]
async fn https_goes_through_a_connect_proxy() {
    let server = tls_emulator().await;
    let (proxy, tunnels, targets) = connect_proxy().await;
    let client = CouponClient::new(
        builder(&https_url(&server))
            .root_certificates(test_ca())
            .proxy(&proxy)
            .build()
            .unwrap(),
    );
    client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    assert_eq!(tunnels.load(Ordering::SeqCst), 1);
    assert_eq!(
        targets.lock()[0],
        format!("localhost:{}", server.local_addr().port())
    );
}

#[tokio::test]
async fn a_config_file_describes_the_whole_client() {
    let server = tls_emulator().await;
    let (proxy, tunnels, _) = connect_proxy().await;
    let dir = wxpay_testkit::temp_dir();
    let extra = format!(
        "root_cert_files = [\"{}\"]\nproxy = \"{proxy}\"\nrate_limit_per_sec = 100\ntimeout_ms = 3000\nmax_retries = 1\n",
        tls_dir().join("ca_cert.pem").display()
    );
    let path = wxpay_testkit::write_client_config(dir.path(), &https_url(&server), &extra);
    let client = CouponClient::from_config(&ClientConfig::from_file(&path).unwrap()).unwrap();
    client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    assert_eq!(tunnels.load(Ordering::SeqCst), 1);
}

#[test]
fn plain_http_is_refused_beyond_loopback() {
    let err = builder("http://api.mch.weixin.qq.com")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("base_url") && err.contains("loopback"),
        "{err}"
    );
    let err = builder("http://127.0.0.1:1")
        .backup_base_url("http://10.1.2.3")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("backup_base_url"), "{err}");
    assert!(builder("http://localhost:8080").build().is_ok());
}

/// The SDK unchanged — WeChat Pay's real base URLs, the defaults — reaching the emulator
/// through its HTTPS proxy: only `proxy` and `root_cert_files` differ from production.
#[tokio::test]
async fn the_real_base_url_through_the_emulators_https_proxy() {
    let dir = wxpay_testkit::temp_dir();
    let server = mock::start_proxy(Emulator::dev(), &dir.path().join("ca")).await;
    let ca = dir.path().join("ca").join("ca.pem");
    let path = dir.path().join("client.toml");
    std::fs::write(
        &path,
        format!(
            "mchid = \"{}\"\nserial_no = \"{}\"\nprivate_key_file = \"{}\"\n\
             wechatpay_public_key_id = \"{}\"\nwechatpay_public_key_file = \"{}\"\n\
             proxy = \"{}\"\nroot_cert_files = [\"{}\"]\n",
            dev::MCHID,
            dev::MERCHANT_SERIAL,
            wxpay_testkit::key_path("merchant_key.pem").display(),
            dev::PLATFORM_KEY_ID,
            wxpay_testkit::key_path("platform_pub.pem").display(),
            server.base_url(),
            ca.display(),
        ),
    )
    .unwrap();
    let config = ClientConfig::from_file(&path).unwrap();
    assert_eq!(config.base_url, "https://api.mch.weixin.qq.com");
    assert_eq!(config.backup_base_url, "https://api2.mch.weixin.qq.com");
    let client = CouponClient::from_config(&config).unwrap();
    let sent = request(dev::STOCK_WECHATPAY);
    let coupon = client.send_user_product_coupon(&sent).await.unwrap();
    let held = server
        .emulator()
        .coupon(dev::STOCK_WECHATPAY, &coupon.coupon_code)
        .expect("the emulator issued it");
    assert_eq!(held.coupon_code, coupon.coupon_code);
    // The same send again is the idempotent replay, on the kept-alive tunnel.
    let replay = client.send_user_product_coupon(&sent).await.unwrap();
    assert_eq!(replay.coupon_code, coupon.coupon_code);
    assert_eq!(
        wxpay_testkit::mock::sent_total(&server, dev::STOCK_WECHATPAY),
        Some(1)
    );

    // The backup domain is served the same way.
    let mut backup = config.clone();
    backup.base_url = config.backup_base_url.clone();
    let client = CouponClient::from_config(&backup).unwrap();
    client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
}
