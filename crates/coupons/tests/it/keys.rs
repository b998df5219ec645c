//! Keys for production: a key store replaced under concurrent calls, a signer in another
//! task, inline keys, the config's key rules, and no key material in Debug output.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use wxpay_coupons::models::notify::GetNotifyConfigRequest;
use wxpay_coupons::models::user_coupon::ListUserProductCouponsRequest;
use wxpay_coupons::models::{Endpoint, encode};
use wxpay_coupons::{ClientConfig, CouponClient};
use wxpay_mock::fixtures::dev;
use wxpay_signing::{KeyStore, PublicKey};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{PLATFORM_CERT_SERIAL, key_path, mock, temp_dir};

#[path = "../../examples/remote_signer.rs"]
#[allow(dead_code)] // its main is the example's
mod remote_signer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_store_rotates_under_concurrent_calls_with_no_failed_call() {
    // The emulator signs with the public key or the certificate, whichever the request's
    // Wechatpay-Serial names (the same key pair here; only the ids matter to the store).
    let dir = temp_dir();
    let server = crate::certificate_mode::emulator_with_dev_certificate(dir.path()).await;
    let transport = crate::common::builder(&server.base_url())
        .default_brand_id(dev::BRAND_ID)
        .rate_limit_per_sec(0)
        .build()
        .unwrap();
    let shared = transport.key_store().clone();
    let public = wxpay_testkit::platform_public_key();
    let other = PublicKey::from_pem_file(key_path("merchant_pub.pem")).unwrap();
    let (failures, by_serial) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(parking_lot::Mutex::new(Vec::new())),
    );
    let mut callers = Vec::new();
    for task in 0..8 {
        let (transport, failures, by_serial) =
            (transport.clone(), failures.clone(), by_serial.clone());
        callers.push(tokio::spawn(async move {
            for i in 0..30 {
                let request = ListUserProductCouponsRequest::new(
                    format!("o-rotation-{task}-{i}"),
                    dev::APPID,
                );
                let wire = encode(&request, transport.target()).unwrap();
                match transport
                    .call(ListUserProductCouponsRequest::OPERATION, &wire)
                    .await
                {
                    Ok(answer) if answer.status == 200 => {
                        let serial = answer.headers["Wechatpay-Serial"]
                            .to_str()
                            .unwrap()
                            .to_owned();
                        by_serial.lock().push(serial);
                    }
                    Ok(answer) => panic!("HTTP {}: {:?}", answer.status, answer.body),
                    Err(e) => {
                        eprintln!("failed: {e}");
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }));
    }
    // Meanwhile: a new store every few milliseconds, the request header switching between
    // the two keys every store holds (and sometimes a third, unused one).
    let mut swaps = 0;
    while callers.iter().any(|c| !c.is_finished()) && swaps < 2000 {
        let mut store = KeyStore::new()
            .with_public_key(dev::PLATFORM_KEY_ID, public.clone())
            .with_public_key(PLATFORM_CERT_SERIAL, public.clone());
        if swaps % 3 == 0 {
            store.insert("PUB_KEY_ID_NEXT", other.clone());
        }
        shared.replace(store);
        let serial = if swaps % 2 == 0 {
            PLATFORM_CERT_SERIAL
        } else {
            dev::PLATFORM_KEY_ID
        };
        transport.set_wechatpay_serial(Some(serial));
        swaps += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for caller in callers {
        caller.await.unwrap();
    }
    assert_eq!(failures.load(Ordering::SeqCst), 0);
    let seen = by_serial.lock();
    assert_eq!(seen.len(), 240);
    assert!(
        swaps >= 10,
        "the store was replaced {swaps} times during the calls"
    );
    let under = |serial: &str| seen.iter().filter(|s| *s == serial).count();
    for serial in [dev::PLATFORM_KEY_ID, PLATFORM_CERT_SERIAL] {
        assert!(under(serial) > 0, "no answer signed under {serial}");
    }
    println!(
        "rotation: {} calls, 0 failed, {swaps} store replacements; answers signed under {}: {}, under {}: {}",
        seen.len(),
        dev::PLATFORM_KEY_ID,
        under(dev::PLATFORM_KEY_ID),
        PLATFORM_CERT_SERIAL,
        under(PLATFORM_CERT_SERIAL)
    );
}

#[tokio::test]
async fn a_remote_signer_signs_in_another_task() {
    let server = mock::start().await;
    let code = remote_signer::send_with_remote_signer(&server.base_url())
        .await
        .unwrap();
    let coupon = server
        .emulator()
        .coupon(dev::STOCK_WECHATPAY, &code)
        .expect("issued");
    assert_eq!(coupon.coupon_code, code);
    let journal = TestClient::new(&server.base_url())
        .admin_get("/mock/requests?limit=1")
        .await
        .json();
    assert_eq!(
        journal["data"][0]["caller"],
        format!("mchid {}", dev::MCHID)
    );
}

fn base(base_url: &str, keys: &str) -> String {
    format!(
        "mchid = \"{}\"\nserial_no = \"{}\"\n{keys}\nwechatpay_public_key_id = \"{}\"\n\
         wechatpay_public_key_file = \"{}\"\nbase_url = \"{base_url}\"\nbackup_base_url = \"{base_url}\"\n",
        dev::MCHID,
        dev::MERCHANT_SERIAL,
        dev::PLATFORM_KEY_ID,
        key_path("platform_pub.pem").display()
    )
}

#[tokio::test]
async fn an_inline_private_key_signs_and_stays_out_of_debug_output() {
    let server = mock::start().await;
    let pem = std::fs::read_to_string(key_path("merchant_key.pem")).unwrap();
    let text = base(
        &server.base_url(),
        &format!(
            "private_key_pem = \"\"\"\n{pem}\"\"\"\napiv3_key = \"{}\"",
            dev::APIV3_KEY
        ),
    );
    let config = ClientConfig::from_toml_str(&text, None).unwrap();
    let client = CouponClient::from_config(&config).unwrap();
    client
        .execute(&GetNotifyConfigRequest::new())
        .await
        .unwrap();
    // No line of the PEM body, nor the APIv3 key, in any Debug output.
    let shown = format!(
        "{config:?}\n{:?}\n{:?}\n{client:?}",
        config.signer().unwrap(),
        config.apiv3_key().unwrap()
    );
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !shown.contains(line),
            "key material in Debug output: {line}"
        );
    }
    assert!(!shown.contains(dev::APIV3_KEY));
    assert!(shown.contains("Secret(..)"), "{shown}");
}

#[test]
fn key_sources_are_exactly_one_and_errors_name_the_keys() {
    let file = format!(
        "private_key_file = \"{}\"",
        key_path("merchant_key.pem").display()
    );
    let parse = |keys: &str| ClientConfig::from_toml_str(&base("http://127.0.0.1:1", keys), None);
    assert!(parse(&file).is_ok());
    for (keys, needles) in [
        (
            "",
            &[
                "private_key_file",
                "private_key_pem",
                "private_key_env",
                "missing",
            ][..],
        ),
        (
            &format!("{file}\nprivate_key_env = \"WXPAY_KEY\""),
            &[
                "private_key_file and private_key_env are all set",
                "exactly one",
            ][..],
        ),
        (
            &format!(
                "{file}\napiv3_key = \"{}\"\napiv3_key_env = \"K\"",
                dev::APIV3_KEY
            ),
            &["apiv3_key and apiv3_key_env", "apiv3_key_file"][..],
        ),
        (
            &format!("{file}\ncertificate_refresh_secs = 10"),
            &["certificate_refresh_secs", "at least 60"][..],
        ),
    ] {
        let err = parse(keys).unwrap_err().to_string();
        for needle in needles {
            assert!(err.contains(needle), "{keys:?}: {err}");
        }
    }
    // Sources are read when the keys are loaded: an unset variable, a PEM that is not one.
    let config = parse("private_key_env = \"WXPAY_TEST_SURELY_UNSET_VARIABLE\"").unwrap();
    let err = config.signer().unwrap_err().to_string();
    assert!(
        err.contains("private_key_env")
            && err.contains("WXPAY_TEST_SURELY_UNSET_VARIABLE is not set"),
        "{err}"
    );
    let config = parse("private_key_pem = \"not a key\"").unwrap();
    let err = config.signer().unwrap_err().to_string();
    assert!(
        err.contains("private_key_pem") && err.contains("not PEM"),
        "{err}"
    );
    let config = parse(&format!("{file}\napiv3_key = \"short\"")).unwrap();
    let err = config.apiv3_key().unwrap_err().to_string();
    assert!(
        err.contains("apiv3_key") && err.contains("32 bytes"),
        "{err}"
    );
    // Neither a public key nor an APIv3 key: no way to verify.
    let text = format!("mchid = \"{}\"\nserial_no = \"S\"\n{file}\n", dev::MCHID);
    let err = ClientConfig::from_toml_str(&text, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no verification key") && err.contains("apiv3_key_file"),
        "{err}"
    );
    // Existing configs: a key file and a public key, no certificate download.
    assert!(!parse(&file).unwrap().downloads_certificates());
}
