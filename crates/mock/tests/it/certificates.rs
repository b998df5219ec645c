//! `GET /v3/certificates`: served to authenticated callers of both modes, each certificate
//! encrypted with the caller's APIv3 key; the answer signed by a served certificate; the
//! config's certificate keys checked.

use http::Method;
use serde_json::Value;
use wxpay_mock::{Emulator, MockConfig};
use wxpay_signing::{ApiV3Key, Certificate, KeyStore, Signer, Verifier};
use wxpay_testkit::certs::{self, OTHER_KEY, PLATFORM_KEY};
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{self as kit, PLATFORM_CERT_SERIAL, key_path};

const DAY: i64 = 86_400;

/// A signed GET of the certificate list, naming `serial` in `Wechatpay-Serial` if given.
async fn download(client: &TestClient, signer: &Signer, serial: Option<&str>) -> Answer {
    let path = "/v3/certificates";
    let auth = signer.authorization("GET", path, b"").unwrap().to_string();
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Accept", "application/json"),
    ];
    if let Some(serial) = serial {
        headers.push(("Wechatpay-Serial", serial));
    }
    client.raw(Method::GET, path, &headers, "").await
}

/// The certificates of an answer, decrypted with the dev APIv3 key and parsed.
fn decrypt(answer: &Answer) -> Vec<(Value, Certificate)> {
    let key = ApiV3Key::new(wxpay_mock::fixtures::dev::APIV3_KEY).unwrap();
    answer.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let sealed = &item["encrypt_certificate"];
            assert_eq!(sealed["algorithm"], "AEAD_AES_256_GCM");
            assert_eq!(sealed["associated_data"], "certificate");
            assert_eq!(sealed["nonce"].as_str().unwrap().len(), 12);
            let pem = key
                .decrypt(
                    sealed["ciphertext"].as_str().unwrap(),
                    sealed["nonce"].as_str().unwrap(),
                    "certificate",
                )
                .unwrap();
            (item.clone(), Certificate::from_pem(&pem).unwrap())
        })
        .collect()
}

fn dev_certificate_config() -> String {
    format!(
        "certificate_file = \"{}\"\ncertificate_private_key_file = \"{}\"\n",
        key_path("platform_cert.pem").display(),
        key_path("platform_key.pem").display()
    )
}

/// Configured, or the dev state's with `--dev-certificate`: the same certificate served.
#[tokio::test]
async fn both_modes_download_the_dev_certificate_signed_by_itself() {
    let dir = kit::temp_dir();
    let configured = certs::emulator(dir.path(), &dev_certificate_config());
    for emulator in [configured, Emulator::dev().with_dev_certificate()] {
        download_the_dev_certificate(emulator).await;
    }
}

async fn download_the_dev_certificate(emulator: Emulator) {
    let server = kit::mock::start_with(emulator).await;
    let client = TestClient::new(&server.base_url());
    for signer in [kit::merchant_signer(), kit::brand_signer()] {
        let answer = download(&client, &signer, None).await;
        assert_eq!(answer.status, 200, "{}", answer.json());
        let certs = decrypt(&answer);
        assert_eq!(certs.len(), 1);
        let (item, cert) = &certs[0];
        assert_eq!(item["serial_no"], PLATFORM_CERT_SERIAL);
        assert_eq!(cert.serial_no(), PLATFORM_CERT_SERIAL);
        assert_eq!(item["effective_time"], "2026-11-29T11:57:40+08:00");
        // Signed by the certificate it carries, verifiable with it alone.
        assert_eq!(
            answer.header("Wechatpay-Serial"),
            Some(PLATFORM_CERT_SERIAL)
        );
        let verifier = Verifier::new(KeyStore::new().with_certificate(cert.clone()));
        answer.verify(&verifier).unwrap();
    }
    // The journal and the metrics name the download.
    let journal = client.admin_get("/mock/requests?limit=1").await.json();
    assert_eq!(
        journal["data"][0]["operation"], "download-certificates",
        "{journal}"
    );
    assert_eq!(journal["data"][0]["caller"], "brand 120344");
    // The console's overview lists it with its validity.
    let overview = client.admin_get("/mock/overview").await.json();
    let listed = &overview["platform_certificates"][0];
    assert_eq!(listed["serial_no"], PLATFORM_CERT_SERIAL);
    assert_eq!(listed["not_after"], "2126-11-05T11:57:40+08:00");
    assert_eq!(listed["valid_now"], true);
    // A public-key client (naming its key id) gets answers under the public key; a request
    // naming no key, as certificate-mode clients send, under the certificate.
    for (named, signed_under) in [
        (Some(kit::PLATFORM_KEY_ID), kit::PLATFORM_KEY_ID),
        (None, PLATFORM_CERT_SERIAL),
    ] {
        let sent = send_naming(&client, named).await;
        assert_eq!(sent.status, 200, "{}", sent.json());
        assert_eq!(sent.header("Wechatpay-Serial"), Some(signed_under));
        sent.verify(&both_keys()).unwrap();
    }
}

/// A send whose `Wechatpay-Serial` names `serial`, or without the header.
async fn send_naming(client: &TestClient, serial: Option<&str>) -> Answer {
    let path = format!(
        "/v3/marketing/partner/product-coupon/users/{}/coupons",
        kit::fixtures::unique("o")
    );
    let body = serde_json::to_vec(&kit::fixtures::send_body(
        wxpay_mock::fixtures::dev::STOCK_WECHATPAY,
        &kit::fixtures::unique("R"),
        None,
    ))
    .unwrap();
    let auth = kit::merchant_signer()
        .authorization("POST", &path, &body)
        .unwrap()
        .to_string();
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
    ];
    headers.extend(serial.map(|s| ("Wechatpay-Serial", s)));
    client.raw(Method::POST, &path, &headers, body).await
}

/// What a merchant in the middle of the move to the public key holds: both keys.
fn both_keys() -> Verifier {
    let pem = std::fs::read(key_path("platform_cert.pem")).unwrap();
    Verifier::new(
        KeyStore::new()
            .with_public_key(kit::PLATFORM_KEY_ID, kit::platform_public_key())
            .with_certificate(Certificate::from_pem(&pem).unwrap()),
    )
}

#[tokio::test]
async fn errors_are_signed_and_name_the_cause() {
    let dir = kit::temp_dir();
    // The dev state has no certificate: 404 RESOURCE_NOT_EXISTS, as for public-key merchants.
    let server = kit::mock::start().await;
    let client = TestClient::new(&server.base_url());
    let answer = download(&client, &kit::merchant_signer(), None).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.code(), "RESOURCE_NOT_EXISTS");
    answer.verify(&kit::platform_verifier()).unwrap();

    let server =
        kit::mock::start_with(certs::emulator(dir.path(), &dev_certificate_config())).await;
    let client = TestClient::new(&server.base_url());
    // Unsigned, and signed with another key: 401 SIGN_ERROR, signed (naming no key: under
    // the certificate).
    let answer = client.raw(Method::GET, "/v3/certificates", &[], "").await;
    assert_eq!(
        (answer.status.as_u16(), answer.code().as_str()),
        (401, "SIGN_ERROR")
    );
    assert_eq!(
        answer.header("Wechatpay-Serial"),
        Some(PLATFORM_CERT_SERIAL)
    );
    answer.verify(&both_keys()).unwrap();
    let wrong = Signer::new(kit::MCHID, kit::MERCHANT_SERIAL, kit::platform_key());
    let answer = download(&client, &wrong, None).await;
    assert_eq!(answer.status, 401);
    // An algorithm other than RSA.
    let auth = kit::merchant_signer()
        .authorization("GET", "/v3/certificates?algorithm_type=SM2", b"")
        .unwrap()
        .to_string();
    let answer = client
        .raw(
            Method::GET,
            "/v3/certificates?algorithm_type=SM2",
            &[("Authorization", &auth)],
            "",
        )
        .await;
    assert_eq!(answer.code(), "PARAM_ERROR", "{}", answer.json());

    // A caller without an APIv3 key: 400 INVALID_REQUEST naming the key.
    let config = std::fs::read_to_string(certs::write_mock_config(
        dir.path(),
        &dev_certificate_config(),
    ))
    .unwrap()
    .replacen(
        &format!("apiv3_key = \"{}\"\n", wxpay_mock::fixtures::dev::APIV3_KEY),
        "",
        1,
    );
    let config = MockConfig::from_toml_str(&config, Some(dir.path().to_path_buf())).unwrap();
    let server = kit::mock::start_with(Emulator::from_config(&config).unwrap()).await;
    let client = TestClient::new(&server.base_url());
    let answer = download(&client, &kit::merchant_signer(), None).await;
    assert_eq!(
        (answer.status.as_u16(), answer.code().as_str()),
        (400, "INVALID_REQUEST")
    );
    assert!(
        answer.json()["message"]
            .as_str()
            .unwrap()
            .contains("apiv3_key")
    );
}

#[tokio::test]
async fn a_rotation_serves_every_unexpired_certificate_and_signs_with_the_newest() {
    let dir = kit::temp_dir();
    let now = certs::now();
    let old = "0A0A0A0A0A0A0A0A0A0A";
    let new = "0B0B0B0B0B0B0B0B0B0B";
    let gone = "0C0C0C0C0C0C0C0C0C0C";
    let extra = certs::certificates_config(
        dir.path(),
        &[
            (PLATFORM_KEY, old, now - 300 * DAY, now + 30 * DAY),
            (OTHER_KEY, new, now - DAY, now + 365 * DAY),
            (PLATFORM_KEY, gone, now - 400 * DAY, now - DAY),
        ],
    );
    let server = kit::mock::start_with(certs::emulator(dir.path(), &extra)).await;
    let client = TestClient::new(&server.base_url());
    let answer = download(&client, &kit::merchant_signer(), None).await;
    let serials: Vec<String> = decrypt(&answer)
        .iter()
        .map(|(_, c)| c.serial_no().to_owned())
        .collect();
    assert_eq!(serials, [old, new], "the expired one is not served");
    assert_eq!(answer.header("Wechatpay-Serial"), Some(new));
    // Naming the old certificate gets the old one; an unknown certificate serial (one
    // rotated out) gets the newest; the public key id gets the public key.
    let answer = download(&client, &kit::merchant_signer(), Some(old)).await;
    assert_eq!(answer.header("Wechatpay-Serial"), Some(old));
    let answer = client
        .call(
            &kit::merchant_signer(),
            wxpay_models::Mode::Partner,
            &wxpay_models::notify::GetNotifyConfigRequest::new(),
        )
        .await;
    assert_eq!(
        answer.header("Wechatpay-Serial"),
        Some(kit::PLATFORM_KEY_ID)
    );
    let auth = kit::merchant_signer()
        .authorization(
            "GET",
            "/v3/marketing/partner/product-coupon/notify-configs",
            b"",
        )
        .unwrap()
        .to_string();
    let answer = client
        .raw(
            Method::GET,
            "/v3/marketing/partner/product-coupon/notify-configs",
            &[("Authorization", &auth), ("Wechatpay-Serial", "5E5E5E5E")],
            "",
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("Wechatpay-Serial"), Some(new));
}

#[test]
fn certificate_keys_are_checked_and_named() {
    let dir = kit::temp_dir();
    let cert = key_path("platform_cert.pem");
    let load = |extra: &str| {
        let path = certs::write_mock_config(dir.path(), extra);
        MockConfig::from_file(path).and_then(|c| Emulator::from_config(&c).map(|_| ()))
    };
    // The serial is read from the file; a given one must agree (any case).
    assert!(load(&dev_certificate_config()).is_ok());
    let agree = format!(
        "{}certificate_serial = \"{}\"\n",
        dev_certificate_config(),
        PLATFORM_CERT_SERIAL.to_lowercase()
    );
    assert!(load(&agree).is_ok());
    for (extra, key, needle) in [
        (
            format!(
                "{}certificate_serial = \"ABCDEF\"\n",
                dev_certificate_config()
            ),
            "platform.certificate_serial",
            "is not the serial of",
        ),
        (
            format!(
                "certificate_file = \"{}\"\ncertificate_private_key_file = \"{}\"\n",
                cert.display(),
                key_path("merchant_key.pem").display()
            ),
            "platform.certificate_private_key_file",
            "is not the private key of",
        ),
        (
            format!("certificate_file = \"{}\"\n", cert.display()),
            "platform.certificate_private_key_file",
            "goes with certificate_file",
        ),
        (
            format!(
                "certificate_file = \"{}\"\ncertificate_private_key_file = \"{}\"\n",
                key_path("platform_pub.pem").display(),
                key_path("platform_key.pem").display()
            ),
            "platform.certificate_file",
            "CERTIFICATE",
        ),
        (
            format!(
                "{}[[platform.certificates]]\nfile = \"{}\"\nprivate_key_file = \"{}\"\n",
                dev_certificate_config(),
                cert.display(),
                key_path("platform_key.pem").display()
            ),
            "platform.certificates[0].file",
            "configured twice",
        ),
    ] {
        let err = load(&extra).unwrap_err().to_string();
        assert!(err.contains(key) && err.contains(needle), "{extra}: {err}");
    }
}

/// The binary's `--dev-certificate` serves the dev certificate; without it, the dev state
/// serves none; with `--config` it is refused (the config says what to serve).
#[tokio::test]
async fn the_binarys_dev_certificate_flag_serves_the_dev_certificate() {
    let bin: &std::path::Path = env!("CARGO_BIN_EXE_wxpay-mock").as_ref();
    for (flag, status) in [(Some("--dev-certificate"), 200), (None, 404)] {
        let mut args = vec!["--listen", "127.0.0.1:0"];
        args.extend(flag);
        let process = kit::mock::spawn_binary(bin, &args);
        let client = TestClient::new(&process.base_url);
        let answer = download(&client, &kit::merchant_signer(), None).await;
        assert_eq!(answer.status, status, "{flag:?}: {}", answer.json());
        if status == 200 {
            assert_eq!(decrypt(&answer)[0].1.serial_no(), PLATFORM_CERT_SERIAL);
        }
    }
    let refused = std::process::Command::new(bin)
        .args(["--config", "mock.toml", "--dev-certificate"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("cannot be used with"), "{err}");
}

/// Callbacks are signed as their caller's last request was answered: under the public key
/// for a client that names it, under the certificate for one that names no key (a client
/// in certificate mode, which can then verify them with the certificate alone).
#[tokio::test]
async fn callbacks_are_signed_with_the_key_the_callers_requests_name() {
    let receiver = wxpay_testkit::receiver::Recorder::start().await;
    let fast = wxpay_mock::CallbackConfig {
        retry_schedule_ms: vec![50, 100, 200],
        timeout_ms: 2000,
        ..Default::default()
    };
    let apiv3 = ApiV3Key::new(wxpay_mock::fixtures::dev::APIV3_KEY).unwrap();
    let server = kit::mock::start_with(Emulator::dev().with_dev_certificate().with_callbacks(
        &apiv3,
        Some(&receiver.url()),
        fast,
    ))
    .await;
    let client = TestClient::new(&server.base_url());
    let pem = std::fs::read(key_path("platform_cert.pem")).unwrap();
    let certificate_only =
        Verifier::new(KeyStore::new().with_certificate(Certificate::from_pem(&pem).unwrap()));
    for (n, (named, signed_under, verifier)) in [
        (
            Some(kit::PLATFORM_KEY_ID),
            kit::PLATFORM_KEY_ID,
            kit::platform_verifier(),
        ),
        (None, PLATFORM_CERT_SERIAL, certificate_only),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(send_naming(&client, named).await.status, 200);
        let got = receiver.wait_for(n + 1, 10).await;
        assert_eq!(got.len(), n + 1, "callback {n} not delivered");
        let callback = &got[n];
        let serial = callback.headers.get("Wechatpay-Serial").unwrap();
        assert_eq!(serial.to_str().unwrap(), signed_under);
        let headers = wxpay_signing::ResponseHeaders::from_fn(|name| {
            callback.headers.get(name).and_then(|v| v.to_str().ok())
        })
        .unwrap();
        verifier.verify(&headers, &callback.body).unwrap();
    }
}
