//! Known-answer vectors from an independent implementation (`data/signing-vectors.json`).
//! RSA PKCS#1 v1.5 is deterministic, so request signatures must match byte for byte.

use std::sync::Arc;

use serde::Deserialize;
use wxpay_signing::clock::FixedClock;
use wxpay_signing::{
    Authorization, KeyStore, PrivateKey, PublicKey, ResponseHeaders, Signer, Verifier, VerifyError,
    message,
};

#[derive(Deserialize)]
struct Vectors {
    merchant: Party,
    platform: Party,
    max_skew_secs: i64,
    requests: Vec<RequestVector>,
    responses: Vec<ResponseVector>,
}

#[derive(Deserialize)]
struct Party {
    mchid: Option<String>,
    serial_no: Option<String>,
    public_key_id: Option<String>,
    private_key: String,
    public_key: String,
}

#[derive(Deserialize)]
struct RequestVector {
    method: String,
    url: String,
    timestamp: String,
    nonce: String,
    body: String,
    message: String,
    signature: String,
    authorization: String,
}

#[derive(Deserialize)]
struct ResponseVector {
    name: String,
    now: i64,
    headers: std::collections::HashMap<String, String>,
    body: String,
    valid: bool,
    why: String,
}

fn data(path: &str) -> Vec<u8> {
    let full = crate::data_path(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn vectors() -> Vectors {
    serde_json::from_slice(&data("signing-vectors.json")).expect("vectors parse")
}

#[test]
fn request_vectors_match_byte_for_byte() {
    let v = vectors();
    let key = PrivateKey::from_pem(&data(&v.merchant.private_key)).expect("merchant key");
    let signer = Signer::new(
        v.merchant.mchid.clone().expect("mchid"),
        v.merchant.serial_no.clone().expect("serial"),
        key,
    );
    assert_eq!(v.requests.len(), 5);
    for r in &v.requests {
        let message =
            message::request(&r.method, &r.url, &r.timestamp, &r.nonce, r.body.as_bytes());
        assert_eq!(
            String::from_utf8(message).expect("utf8"),
            r.message,
            "{}",
            r.url
        );
        let ts = r.timestamp.parse().expect("timestamp");
        let auth = signer
            .authorization_at(&r.method, &r.url, r.body.as_bytes(), ts, &r.nonce)
            .expect("sign");
        assert_eq!(
            auth.signature, r.signature,
            "signature of {} {}",
            r.method, r.url
        );
        assert_eq!(auth.to_string(), r.authorization);
        assert_eq!(Authorization::parse(&r.authorization).expect("parse"), auth);
    }
}

#[test]
fn request_vectors_verify_with_the_merchant_public_key() {
    let v = vectors();
    let public = PublicKey::from_pem(&data(&v.merchant.public_key)).expect("merchant pub");
    for r in &v.requests {
        let auth = Authorization::parse(&r.authorization).expect("parse");
        let now = auth.timestamp_secs().expect("ts");
        wxpay_signing::verify_request(
            &auth,
            &public,
            &r.method,
            &r.url,
            r.body.as_bytes(),
            now,
            300,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", r.url));
    }
}

#[test]
fn response_vectors_give_the_expected_verdict() {
    let v = vectors();
    let id = v.platform.public_key_id.clone().expect("id");
    let key = PublicKey::from_pem(&data(&v.platform.public_key)).expect("platform pub");
    // The platform private key is in the set too: its public half must be the same key.
    let private = PrivateKey::from_pem(&data(&v.platform.private_key)).expect("platform key");
    assert_eq!(private.public_key(), key);
    assert_eq!(v.responses.len(), 9);
    for r in &v.responses {
        let verifier = Verifier::new(KeyStore::new().with_public_key(id.clone(), key.clone()))
            .with_clock(Arc::new(FixedClock(r.now)))
            .with_max_skew(v.max_skew_secs);
        let headers = ResponseHeaders::from_fn(|name| r.headers.get(name).map(String::as_str))
            .expect("headers present");
        let verdict = verifier.verify(&headers, r.body.as_bytes());
        assert_eq!(
            verdict.is_ok(),
            r.valid,
            "{}: {verdict:?} ({})",
            r.name,
            r.why
        );
        let expected_kind = match r.name.as_str() {
            "ok" | "ok-empty-body" => None,
            "tampered-body" | "wrong-key" => Some("BadSignature"),
            "unknown-serial" => Some("UnknownSerial"),
            "stale" => Some("Stale"),
            "future" => Some("Future"),
            "sign-probe" => Some("SignTestProbe"),
            "garbage-signature" => Some("BadBase64"),
            other => panic!("vector {other} has no expectation here; add one"),
        };
        let kind = verdict.err().map(|e| match e {
            VerifyError::BadSignature => "BadSignature",
            VerifyError::UnknownSerial(_) => "UnknownSerial",
            VerifyError::Stale { .. } => "Stale",
            VerifyError::Future { .. } => "Future",
            VerifyError::SignTestProbe => "SignTestProbe",
            VerifyError::BadBase64 => "BadBase64",
            other => panic!("{}: unexpected {other:?}", r.name),
        });
        assert_eq!(kind, expected_kind, "{}", r.name);
    }
}

#[derive(Deserialize)]
struct BrandVectors {
    brand_id: String,
    serial_no: String,
    private_key: String,
    public_key: String,
    requests: Vec<RequestVector>,
}

/// Brand-direct mode (`WECHATPAY-BRAND-SHA256-RSA2048 brand_id=…`), from python `cryptography`
/// (`data/make_brand_vectors.py`): same message, the brand sample's header layout.
#[test]
fn brand_vectors_match_byte_for_byte_and_verify() {
    let v: BrandVectors =
        serde_json::from_slice(&data("brand-signing-vectors.json")).expect("brand vectors");
    let key = PrivateKey::from_pem(&data(&v.private_key)).expect("brand key");
    let public = PublicKey::from_pem(&data(&v.public_key)).expect("brand pub");
    let signer = Signer::brand(v.brand_id.clone(), v.serial_no.clone(), key);
    assert_eq!(v.requests.len(), 5);
    for r in &v.requests {
        let ts = r.timestamp.parse().expect("timestamp");
        let message =
            message::request(&r.method, &r.url, &r.timestamp, &r.nonce, r.body.as_bytes());
        assert_eq!(String::from_utf8(message).expect("utf8"), r.message);
        let auth = signer
            .authorization_at(&r.method, &r.url, r.body.as_bytes(), ts, &r.nonce)
            .expect("sign");
        assert_eq!(auth.signature, r.signature, "{} {}", r.method, r.url);
        assert_eq!(auth.to_string(), r.authorization);
        let parsed = Authorization::parse(&r.authorization).expect("parse");
        assert_eq!(parsed, auth);
        assert_eq!(
            parsed.principal,
            wxpay_signing::Principal::Brand(v.brand_id.clone())
        );
        wxpay_signing::verify_request(
            &parsed,
            &public,
            &r.method,
            &r.url,
            r.body.as_bytes(),
            ts,
            300,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", r.url));
    }
}
