//! Key loading: every accepted form, and a clear error for every rejected one.

use wxpay_signing::{Certificate, KeyError, KeyStore, PrivateKey, PublicKey};

fn key(name: &str) -> Vec<u8> {
    let path = crate::data_path(&format!("keys/{name}"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn pkcs8_and_pkcs1_private_keys_are_the_same_key() {
    let pkcs8 = PrivateKey::from_pem(&key("merchant_key.pem")).expect("pkcs8");
    let pkcs1 = PrivateKey::from_pem(&key("merchant_key_pkcs1.pem")).expect("pkcs1");
    assert_eq!(pkcs8.public_key(), pkcs1.public_key());
    assert_eq!(
        pkcs8.public_key(),
        PublicKey::from_pem(&key("merchant_pub.pem")).expect("spki")
    );
    assert_eq!(
        pkcs8.sign(b"m").expect("sign"),
        pkcs1.sign(b"m").expect("sign")
    );
}

#[test]
fn certificate_gives_serial_and_key() {
    let cert = Certificate::from_pem(&key("platform_cert.pem")).expect("cert");
    assert_eq!(cert.serial_no(), "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
    let spki = PublicKey::from_pem(&key("platform_pub.pem")).expect("spki");
    assert_eq!(cert.public_key(), &spki);
    // A certificate is accepted where a public key is asked for.
    assert_eq!(
        PublicKey::from_pem(&key("platform_cert.pem")).expect("cert as key"),
        spki
    );
}

#[test]
fn wrong_label_names_what_was_found_and_expected() {
    let err = PrivateKey::from_pem(&key("merchant_pub.pem")).expect_err("public as private");
    assert!(
        matches!(&err, KeyError::WrongLabel { found, .. } if found == "PUBLIC KEY"),
        "{err}"
    );
    assert!(err.to_string().contains("PRIVATE KEY"), "{err}");

    let err = PublicKey::from_pem(&key("merchant_key.pem")).expect_err("private as public");
    assert!(
        matches!(&err, KeyError::WrongLabel { found, .. } if found == "PRIVATE KEY"),
        "{err}"
    );

    let err = Certificate::from_pem(&key("platform_pub.pem")).expect_err("key as cert");
    assert!(
        matches!(&err, KeyError::WrongLabel { found, .. } if found == "PUBLIC KEY"),
        "{err}"
    );

    let encrypted =
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let err = PrivateKey::from_pem(encrypted).expect_err("encrypted");
    assert!(
        matches!(&err, KeyError::WrongLabel { found, .. } if found == "ENCRYPTED PRIVATE KEY"),
        "{err}"
    );
}

#[test]
fn non_rsa_keys_are_refused() {
    let err = PrivateKey::from_pem(&key("ec_key.pem")).expect_err("ec private");
    assert!(
        matches!(&err, KeyError::NotRsa { algorithm } if algorithm.contains("EC")),
        "{err}"
    );
    let err = PublicKey::from_pem(&key("ec_pub.pem")).expect_err("ec public");
    assert!(matches!(&err, KeyError::NotRsa { .. }), "{err}");
}

#[test]
fn small_keys_are_refused_with_their_size() {
    let err = PrivateKey::from_pem(&key("rsa1024_key.pem")).expect_err("1024 private");
    assert!(matches!(err, KeyError::TooSmall { bits: 1024 }), "{err}");
    let err = PublicKey::from_pem(&key("rsa1024_pub.pem")).expect_err("1024 public");
    assert!(matches!(err, KeyError::TooSmall { bits: 1024 }), "{err}");
    assert!(err.to_string().contains("2048"));
}

#[test]
fn garbage_is_not_pem() {
    for input in [&b""[..], b"hello", b"\xff\xfe\x00", b"-----BEGIN"] {
        let err = PrivateKey::from_pem(input).expect_err("garbage");
        assert!(matches!(err, KeyError::NotPem { .. }), "{input:?}: {err}");
    }
    let bad_body = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    let err = PrivateKey::from_pem(bad_body).expect_err("bad der");
    assert!(matches!(err, KeyError::Malformed { .. }), "{err}");
    let err = PublicKey::from_pem(b"-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n")
        .expect_err("bad base64");
    assert!(matches!(err, KeyError::Malformed { .. }), "{err}");
}

#[test]
fn missing_file_names_the_path() {
    let err = PrivateKey::from_pem_file("/nonexistent/apiclient_key.pem").expect_err("missing");
    assert!(
        err.to_string().contains("/nonexistent/apiclient_key.pem"),
        "{err}"
    );
}

#[test]
fn debug_output_never_shows_key_material() {
    let private = PrivateKey::from_pem(&key("merchant_key.pem")).expect("key");
    let pem = String::from_utf8(key("merchant_key.pem")).expect("utf8");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let signer = wxpay_signing::Signer::new("1900000001", "serial", private.clone());
    for shown in [
        format!("{private:?}"),
        format!("{signer:?}"),
        format!("{:#?}", signer),
    ] {
        assert!(shown.contains("bits: 2048"), "{shown}");
        for chunk in body.as_bytes().chunks(16) {
            let chunk = std::str::from_utf8(chunk).expect("ascii");
            assert!(
                !shown.contains(chunk),
                "key material in Debug output: {shown}"
            );
        }
    }
}

#[test]
fn key_store_holds_several_keys_for_rotation() {
    let old = PublicKey::from_pem(&key("platform_pub.pem")).expect("old");
    let new = PublicKey::from_pem(&key("merchant_pub.pem")).expect("new");
    let cert = Certificate::from_pem(&key("platform_cert.pem")).expect("cert");
    let store = KeyStore::new()
        .with_public_key("PUB_KEY_ID_OLD", old.clone())
        .with_public_key("PUB_KEY_ID_NEW", new.clone())
        .with_certificate(cert);
    assert_eq!(store.get("PUB_KEY_ID_OLD"), Some(&old));
    assert_eq!(store.get("PUB_KEY_ID_NEW"), Some(&new));
    assert_eq!(
        store.get("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"),
        Some(&old)
    );
    assert_eq!(store.get("PUB_KEY_ID_NONE"), None);
}
