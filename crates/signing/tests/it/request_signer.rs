//! [`RequestSigner`]: `authorize` through the trait (a boxed remote signer, `Arc<dyn>`) signs
//! exactly what the key-file `Signer` signs; a remote failure is a `SignError::Signer`; no
//! key material in `Debug`.

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use wxpay_signing::clock::FixedClock;
use wxpay_signing::{
    Principal, PrivateKey, RequestSigner, SignError, SignFuture, Signer, authorize, verify_request,
};

/// Polls a future that must complete without waiting (no I/O in these signers).
fn now<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("the future did not complete");
}

fn key() -> PrivateKey {
    PrivateKey::from_pem_file(crate::data_path("keys/merchant_key.pem")).expect("test key")
}

/// A signer that hands the message to another thread and waits for it: a remote one.
#[derive(Debug)]
struct OtherThread {
    principal: Principal,
    key: PrivateKey,
}

impl RequestSigner for OtherThread {
    fn principal(&self) -> &Principal {
        &self.principal
    }
    fn serial_no(&self) -> &str {
        "5157F09E"
    }
    fn sign(&self, message: Vec<u8>) -> SignFuture<'_> {
        let key = self.key.clone();
        let signature = std::thread::spawn(move || key.sign(&message))
            .join()
            .unwrap_or(Err(SignError::Signer("signing thread panicked".into())));
        Box::pin(std::future::ready(signature))
    }
    fn now_unix(&self) -> i64 {
        1_764_381_600
    }
}

#[derive(Debug)]
struct Failing(Result<Vec<u8>, SignError>, Principal);

impl Failing {
    fn new(outcome: Result<Vec<u8>, SignError>) -> Self {
        Self(outcome, Principal::Merchant("1900000001".into()))
    }
}

impl RequestSigner for Failing {
    fn principal(&self) -> &Principal {
        &self.1
    }
    fn serial_no(&self) -> &str {
        "S"
    }
    fn sign(&self, _: Vec<u8>) -> SignFuture<'_> {
        Box::pin(std::future::ready(self.0.clone()))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Through `Arc<dyn RequestSigner>`, a remote signer's header verifies with the
    /// merchant's public key and has the key-file signer's signature for the same bytes.
    #[test]
    fn any_signer_signs_what_the_key_file_signer_signs(
        url in "/[!-~]{0,100}",
        body in proptest::collection::vec(any::<u8>(), 0..300),
        brand in any::<bool>(),
    ) {
        let principal = if brand {
            Principal::Brand("120344".into())
        } else {
            Principal::Merchant("1900000001".into())
        };
        let remote: Arc<dyn RequestSigner> = Arc::new(OtherThread { principal: principal.clone(), key: key() });
        let auth = now(authorize(&remote, "POST", &url, &body)).unwrap();
        prop_assert_eq!(&auth.principal, &principal);
        prop_assert_eq!(auth.timestamp.as_str(), "1764381600");
        prop_assert_eq!(auth.nonce_str.len(), 32);
        prop_assert!(verify_request(&auth, &key().public_key(), "POST", &url, &body, 1_764_381_600, 300).is_ok());
        let local = Signer::for_principal(principal, "5157F09E", key())
            .with_clock(Arc::new(FixedClock(1_764_381_600)));
        let same = local.authorization_at("POST", &url, &body, 1_764_381_600, &auth.nonce_str).unwrap();
        prop_assert_eq!(same, auth);
    }
}

#[test]
fn the_key_file_signer_through_the_trait_is_ready_at_once() {
    let signer = Signer::new("1900000001", "5157F09E", key());
    let mut future = std::pin::pin!(authorize(&signer, "GET", "/v3/certificates", b""));
    let mut cx = Context::from_waker(Waker::noop());
    let Poll::Ready(auth) = future.as_mut().poll(&mut cx) else {
        panic!("the in-memory signer suspended");
    };
    assert!(
        auth.unwrap()
            .to_string()
            .starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\"")
    );
}

#[test]
fn a_failing_or_empty_remote_signer_is_a_signer_error() {
    let err = now(authorize(
        &Failing::new(Err(SignError::Signer("KMS: access denied".into()))),
        "GET",
        "/v3/x",
        b"",
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the request signer failed: KMS: access denied"
    );
    let err = now(authorize(
        &Failing::new(Ok(Vec::new())),
        "GET",
        "/v3/x",
        b"",
    ))
    .unwrap_err();
    assert!(
        matches!(err, SignError::Signer(ref m) if m.contains("empty")),
        "{err}"
    );
    // The request's own mistakes are found before the signer is asked.
    let err = now(authorize(&Failing::new(Ok(vec![1])), "get", "/v3/x", b"")).unwrap_err();
    assert_eq!(err, SignError::Method("get".into()));
}

#[test]
fn debug_output_shows_no_key_material() {
    let pem = std::fs::read_to_string(crate::data_path("keys/merchant_key.pem")).unwrap();
    let signer: Arc<dyn RequestSigner> = Arc::new(Signer::new("1900000001", "5157F09E", key()));
    let shown = format!(
        "{signer:?} {:?}",
        OtherThread {
            principal: Principal::Merchant("1".into()),
            key: key()
        }
    );
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!shown.contains(line), "{shown}");
    }
    assert!(shown.contains("PrivateKey { bits: 2048, .. }"), "{shown}");
}
