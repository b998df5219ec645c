//! Certificate mode without certificate files, against the emulator: the download before
//! the first call, calls of several operations in both modes, a refresh at once on an
//! unknown serial (at most once a minute), and failed or garbage downloads keeping the
//! certificates held.

use std::path::Path;

use wxpay_coupons::models::notify::GetNotifyConfigRequest;
use wxpay_coupons::models::product_coupon::QueryProductCouponRequest;
use wxpay_coupons::models::stock::GetStockRequest;
use wxpay_coupons::notify::{CallbackError, CallbackHandler};
use wxpay_coupons::transport::certificates::{self, CertificateError};
use wxpay_coupons::{ClientConfig, CouponClient, CouponError, TransportError, VerifyError};
use wxpay_mock::Server;
use wxpay_mock::fixtures::dev;
use wxpay_signing::{ApiV3Key, PlatformSigner};
use wxpay_testkit::certs::{self, OTHER_KEY};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::proxy::{FixedServer, TcpProxy};
use wxpay_testkit::{PLATFORM_CERT_SERIAL, key_path, mock, temp_dir};

const DAY: i64 = 86_400;
const NEW_SERIAL: &str = "0B0B0B0B0B0B0B0B0B0B";

/// `[platform]` lines serving the dev certificate.
pub(crate) fn dev_certificate() -> String {
    format!(
        "certificate_file = \"{}\"\ncertificate_private_key_file = \"{}\"\n",
        key_path("platform_cert.pem").display(),
        key_path("platform_key.pem").display()
    )
}

/// An emulator serving the dev certificate.
pub(crate) async fn emulator_with_dev_certificate(dir: &Path) -> Server {
    mock::start_with(certs::emulator(dir, &dev_certificate())).await
}

/// A certificate-mode client config (an APIv3 key, no WeChat Pay public key) for the dev
/// merchant, or the dev brand in brand mode.
pub(crate) fn config(base_url: &str, brand_mode: bool) -> ClientConfig {
    let who = if brand_mode {
        format!(
            "mode = \"brand\"\nbrand_id = \"{}\"\nserial_no = \"{}\"\n",
            dev::BRAND_ID,
            dev::BRAND_SERIAL
        )
    } else {
        format!(
            "mchid = \"{}\"\nbrand_id = \"{}\"\nserial_no = \"{}\"\n",
            dev::MCHID,
            dev::BRAND_ID,
            dev::MERCHANT_SERIAL
        )
    };
    let text = format!(
        "{who}private_key_file = \"{}\"\napiv3_key = \"{}\"\nbase_url = \"{base_url}\"\n\
         backup_base_url = \"{base_url}\"\n",
        key_path("merchant_key.pem").display(),
        dev::APIV3_KEY
    );
    let config = ClientConfig::from_toml_str(&text, None).unwrap();
    assert!(config.downloads_certificates());
    config
}

/// How many certificate downloads an emulator answered.
async fn downloads(server: &Server) -> usize {
    let journal = TestClient::new(&server.base_url())
        .admin_get("/mock/requests?limit=1000")
        .await
        .json();
    journal["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "download-certificates")
        .count()
}

fn query() -> QueryProductCouponRequest {
    QueryProductCouponRequest::new(dev::PRODUCT_COUPON_ID)
}

#[tokio::test]
async fn calls_in_both_modes_download_the_certificates_first() {
    let dir = temp_dir();
    let server = emulator_with_dev_certificate(dir.path()).await;
    for brand_mode in [false, true] {
        let client = CouponClient::from_config(&config(&server.base_url(), brand_mode)).unwrap();
        let transport = client.transport();
        assert!(
            transport.key_store().is_empty(),
            "nothing before the first call"
        );
        let product = client.execute(&query()).await.unwrap();
        assert_eq!(product.product_coupon_id, dev::PRODUCT_COUPON_ID);
        assert!(transport.key_store().contains(PLATFORM_CERT_SERIAL));
        assert_eq!(transport.key_store().snapshot().len(), 1);
        assert_eq!(
            transport.wechatpay_serial().as_deref(),
            Some(PLATFORM_CERT_SERIAL)
        );
        let stock = client
            .execute(&GetStockRequest::new(
                dev::PRODUCT_COUPON_ID,
                dev::STOCK_WECHATPAY,
            ))
            .await
            .unwrap();
        assert_eq!(stock.stock_id, dev::STOCK_WECHATPAY);
        client
            .execute(&GetNotifyConfigRequest::new())
            .await
            .unwrap();
        let mut send = crate::common::request(dev::STOCK_WECHATPAY);
        send.brand_id = None; // partner: the config's brand; brand mode: its own
        let coupon = client.send_user_product_coupon(&send).await.unwrap();
        assert!(!coupon.coupon_code.is_empty());
    }
    // One download per client, then every answer verified with the certificate.
    assert_eq!(downloads(&server).await, 2);

    // Callbacks verify with the downloaded certificates too.
    let client = CouponClient::from_config(&config(&server.base_url(), false)).unwrap();
    let key = ApiV3Key::new(dev::APIV3_KEY).unwrap();
    let handler = CallbackHandler::for_transport(client.transport(), key.clone());
    let signed = PlatformSigner::new(PLATFORM_CERT_SERIAL, wxpay_testkit::platform_key())
        .sign(b"{}")
        .unwrap();
    let handle = || handler.handle(|name| signed.as_headers_map().get(name).copied(), b"{}");
    assert!(matches!(
        handle(),
        Err(CallbackError::Unverified(VerifyError::UnknownSerial(_)))
    ));
    client.execute(&query()).await.unwrap();
    assert!(
        matches!(handle(), Err(CallbackError::Malformed(_))),
        "verified, then not a notification"
    );
    let err = CallbackHandler::from_config(&config(&server.base_url(), false)).unwrap_err();
    assert!(err.to_string().contains("for_transport"), "{err}");

    // The download itself, as `wxpay certificates download` does it.
    let client = CouponClient::from_config(&config(&server.base_url(), false)).unwrap();
    let key = ApiV3Key::new(dev::APIV3_KEY).unwrap();
    let got = certificates::download(client.transport(), &key)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].serial_no, PLATFORM_CERT_SERIAL);
    assert_eq!(
        got[0].pem,
        std::fs::read_to_string(key_path("platform_cert.pem")).unwrap()
    );
    assert!(
        client.transport().key_store().is_empty(),
        "download alone stores nothing"
    );
}

#[tokio::test]
async fn an_unknown_serial_downloads_again_at_once_but_not_twice_a_minute() {
    let (dir_a, dir_b) = (temp_dir(), temp_dir());
    let now = certs::now();
    let a = emulator_with_dev_certificate(dir_a.path()).await;
    let rotated = certs::certificates_config(
        dir_b.path(),
        &[(OTHER_KEY, NEW_SERIAL, now - DAY, now + 365 * DAY)],
    );
    let b = mock::start_with(certs::emulator(dir_b.path(), &rotated)).await;
    // One address; behind it, first the emulator with the old set, then one with the new.
    let proxy = TcpProxy::start(a.local_addr()).await;
    let client =
        CouponClient::from_config(&config(&format!("http://{}", proxy.addr), false)).unwrap();
    let keys = client.transport().key_store().clone();
    client.execute(&query()).await.unwrap();
    assert!(keys.contains(PLATFORM_CERT_SERIAL));

    proxy.switch(b.local_addr());
    // The client names the old certificate; WeChat Pay (here: b) signs with the new one.
    client.execute(&query()).await.unwrap();
    assert!(keys.contains(NEW_SERIAL) && !keys.contains(PLATFORM_CERT_SERIAL));
    assert_eq!(
        client.transport().wechatpay_serial().as_deref(),
        Some(NEW_SERIAL)
    );
    assert_eq!(downloads(&b).await, 1);

    // Another unknown serial within the minute: no download, the answer is not trusted.
    proxy.switch(a.local_addr());
    let err = client
        .execute(&GetNotifyConfigRequest::new())
        .await
        .unwrap_err();
    match &err {
        CouponError::Unverified {
            kind: VerifyError::UnknownSerial(serial),
            ..
        } => assert_eq!(serial, PLATFORM_CERT_SERIAL),
        other => panic!("{other}"),
    }
    assert_eq!(downloads(&a).await, 1, "only the first call's download");
    assert!(keys.contains(NEW_SERIAL));
}

#[tokio::test]
async fn failed_or_garbage_downloads_keep_the_certificates_held() {
    let (dir, dir_other_key) = (temp_dir(), temp_dir());
    let good = emulator_with_dev_certificate(dir.path()).await;
    // The same certificate, but the caller's APIv3 key there is another one: to the client,
    // a ciphertext that does not authenticate.
    let text = std::fs::read_to_string(certs::write_mock_config(
        dir_other_key.path(),
        &dev_certificate(),
    ))
    .unwrap()
    .replace(dev::APIV3_KEY, "0123456789abcdef0123456789abcdef");
    let other_key =
        wxpay_mock::MockConfig::from_toml_str(&text, Some(dir_other_key.path().into())).unwrap();
    let other_key = mock::start_with(wxpay_mock::Emulator::from_config(&other_key).unwrap()).await;
    let garbage = FixedServer::start("200 OK", "{\"data\":\"garbage\"}").await;

    let proxy = TcpProxy::start(good.local_addr()).await;
    let client =
        CouponClient::from_config(&config(&format!("http://{}", proxy.addr), false)).unwrap();
    let transport = client.transport();
    client.execute(&query()).await.unwrap();
    let ids = || {
        let mut ids: Vec<String> = transport
            .key_store()
            .snapshot()
            .ids()
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids
    };
    let held = ids();
    assert_eq!(held, [PLATFORM_CERT_SERIAL]);

    proxy.switch(garbage.addr);
    let err = transport.refresh_certificates().await.unwrap_err();
    assert!(matches!(err, CertificateError::BadAnswer(_)), "{err}");

    proxy.switch(other_key.local_addr());
    let err = transport.refresh_certificates().await.unwrap_err();
    assert!(matches!(err, CertificateError::Decrypt { .. }), "{err}");
    assert!(err.to_string().contains("apiv3_key_file"), "{err}");

    proxy.switch(good.local_addr());
    let admin = TestClient::new(&good.base_url());
    admin
        .set_faults(serde_json::json!({"sign_probe_rate": 1.0}))
        .await;
    let err = transport.refresh_certificates().await.unwrap_err();
    assert!(
        matches!(
            err,
            CertificateError::Unverified(VerifyError::SignTestProbe)
        ),
        "{err}"
    );
    admin.set_faults(serde_json::json!({})).await;

    assert_eq!(ids(), held, "the old set, unchanged");
    client.execute(&query()).await.unwrap();

    // With nothing held, the call fails and says why.
    let fresh = CouponClient::from_config(&config(&other_key.base_url(), false)).unwrap();
    let err = fresh.execute(&query()).await.unwrap_err();
    match &err {
        CouponError::Transport(TransportError::Certificates(e)) => {
            assert!(matches!(**e, CertificateError::Decrypt { .. }), "{e}");
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("APIv3 key"), "{err}");
}

/// End to end in certificate mode: the client sends, the emulator (serving the dev
/// certificate) delivers the SEND callback signed under the certificate the client's
/// requests name, and a handler on the client's downloaded certificates accepts it.
#[tokio::test]
async fn a_callback_to_a_client_in_certificate_mode_verifies_with_its_certificates() {
    let receiver = wxpay_testkit::receiver::Recorder::start().await;
    let key = ApiV3Key::new(dev::APIV3_KEY).unwrap();
    let fast = wxpay_mock::CallbackConfig {
        retry_schedule_ms: vec![50, 100, 200],
        timeout_ms: 2000,
        ..Default::default()
    };
    let server = mock::start_with(
        wxpay_mock::Emulator::dev()
            .with_dev_certificate()
            .with_callbacks(&key, Some(&receiver.url()), fast),
    )
    .await;
    let client = CouponClient::from_config(&config(&server.base_url(), false)).unwrap();
    let mut send = crate::common::request(dev::STOCK_WECHATPAY);
    send.brand_id = None;
    let coupon = client.send_user_product_coupon(&send).await.unwrap();
    let got = receiver.wait_for(1, 10).await;
    assert_eq!(got.len(), 1, "no callback delivered");
    let callback = &got[0];
    let handler = CallbackHandler::for_transport(client.transport(), key);
    let handled = handler
        .handle(
            |name| callback.headers.get(name).and_then(|v| v.to_str().ok()),
            &callback.body,
        )
        .unwrap();
    assert_eq!(
        callback.headers["Wechatpay-Serial"].to_str().unwrap(),
        PLATFORM_CERT_SERIAL
    );
    assert_eq!(
        handled.notification.event_type.as_str(),
        "PRODUCT_COUPON_SP.SEND"
    );
    assert!(
        format!("{:?}", handled.event).contains(&coupon.coupon_code),
        "{:?}",
        handled.event
    );
}
