//! Verifying what WeChat Pay signed (responses, callbacks) and, for emulators, what merchants
//! signed (requests).

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;

use crate::authorization::{Authorization, SCHEME, parse_timestamp};
use crate::clock::{Clock, SystemClock};
use crate::signer::SignedHeaders;
use crate::{Certificate, PublicKey, message};

/// WeChat Pay's response and callback header names.
pub mod header {
    /// Unix seconds the signature was made at.
    pub const TIMESTAMP: &str = "Wechatpay-Timestamp";
    /// The signer's nonce.
    pub const NONCE: &str = "Wechatpay-Nonce";
    /// Base64 RSA signature (or a `WECHATPAY/SIGNTEST/` probe).
    pub const SIGNATURE: &str = "Wechatpay-Signature";
    /// Which key signed: a `PUB_KEY_ID_…` or a platform certificate serial.
    pub const SERIAL: &str = "Wechatpay-Serial";
    /// `WECHATPAY2-SHA256-RSA2048`.
    pub const SIGNATURE_TYPE: &str = "Wechatpay-Signature-Type";
    /// WeChat Pay's id for the request, to quote when asking for support.
    pub const REQUEST_ID: &str = "Request-ID";
}

/// Prefix of the deliberately invalid signatures WeChat Pay sends to check that clients verify.
pub const SIGNTEST_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// The default and documented maximum clock difference, in seconds.
pub const DEFAULT_MAX_SKEW_SECS: i64 = 300;

/// Why a signature was not accepted. Every case is its own variant, so that callers can tell
/// a signature probe from tampering from a clock problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A required `Wechatpay-*` header is absent or empty.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// `Wechatpay-Signature-Type` names another scheme.
    #[error("unsupported signature type {0:?}, expected {SCHEME}")]
    SignatureType(String),
    /// The signature is a WeChat Pay `WECHATPAY/SIGNTEST/` probe; it is meant to fail.
    #[error(
        "signature probe (Wechatpay-Signature starts with {SIGNTEST_PREFIX}): not a real answer"
    )]
    SignTestProbe,
    /// No key with this serial / public key id is configured.
    #[error(
        "unknown Wechatpay-Serial {0:?}: no WeChat Pay public key or platform certificate with this id is configured"
    )]
    UnknownSerial(String),
    /// The timestamp is not Unix seconds.
    #[error("timestamp {0:?} is not Unix seconds")]
    InvalidTimestamp(String),
    /// The timestamp is older than the allowed window.
    #[error(
        "timestamp {timestamp} is {age} s old (more than {max_skew} s): stale or replayed; check the clock"
    )]
    Stale {
        /// The signed timestamp.
        timestamp: i64,
        /// How many seconds before now it lies.
        age: i64,
        /// The window.
        max_skew: i64,
    },
    /// The timestamp lies further in the future than the allowed window.
    #[error(
        "timestamp {timestamp} is {ahead} s in the future (more than {max_skew} s); check the clock"
    )]
    Future {
        /// The signed timestamp.
        timestamp: i64,
        /// How many seconds after now it lies.
        ahead: i64,
        /// The window.
        max_skew: i64,
    },
    /// The signature is not standard base64.
    #[error("signature is not valid base64")]
    BadBase64,
    /// The signature does not match the message and key: tampered, or signed with another key.
    #[error("signature does not match: the body or headers were altered, or another key signed")]
    BadSignature,
}

/// The signature headers of one response or callback, borrowed from wherever the caller keeps
/// headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    /// `Wechatpay-Timestamp`.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`.
    pub signature: &'a str,
    /// `Wechatpay-Serial`.
    pub serial: &'a str,
    /// `Wechatpay-Signature-Type`, when sent.
    pub signature_type: Option<&'a str>,
}

impl<'a> ResponseHeaders<'a> {
    /// Collects the headers through `get`, which looks a header up by name (case-insensitive
    /// lookup is the caller's business; `http::HeaderMap` does it). An empty header counts as
    /// missing.
    ///
    /// ```
    /// use wxpay_signing::ResponseHeaders;
    /// let get = |name: &str| (name != "Wechatpay-Nonce").then_some("x");
    /// assert!(ResponseHeaders::from_fn(get).is_err());
    /// let get = |name: &str| Some(if name == "Wechatpay-Serial" { "" } else { "x" });
    /// assert!(ResponseHeaders::from_fn(get).is_err());
    /// ```
    pub fn from_fn(get: impl Fn(&'static str) -> Option<&'a str>) -> Result<Self, VerifyError> {
        let need = |name| {
            get(name)
                .filter(|v| !v.is_empty())
                .ok_or(VerifyError::MissingHeader(name))
        };
        Ok(Self {
            timestamp: need(header::TIMESTAMP)?,
            nonce: need(header::NONCE)?,
            signature: need(header::SIGNATURE)?,
            serial: need(header::SERIAL)?,
            signature_type: get(header::SIGNATURE_TYPE),
        })
    }
}

impl SignedHeaders {
    /// The headers by name, as a receiver would look them up.
    pub fn as_headers_map(&self) -> HashMap<&'static str, &str> {
        HashMap::from([
            (header::TIMESTAMP, self.timestamp.as_str()),
            (header::NONCE, self.nonce.as_str()),
            (header::SIGNATURE, self.signature.as_str()),
            (header::SERIAL, self.serial.as_str()),
            (header::SIGNATURE_TYPE, SCHEME),
        ])
    }

    /// Borrows these headers for verification.
    pub fn as_headers(&self) -> ResponseHeaders<'_> {
        ResponseHeaders {
            timestamp: &self.timestamp,
            nonce: &self.nonce,
            signature: &self.signature,
            serial: &self.serial,
            signature_type: Some(SCHEME),
        }
    }
}

/// The WeChat Pay keys a client trusts, by the id that `Wechatpay-Serial` names: public keys
/// under their `PUB_KEY_ID_…` (public-key mode) and platform certificates under their serial
/// (certificate mode). Several at once is normal during a key rotation.
///
/// ```
/// use wxpay_signing::{Certificate, KeyStore, PublicKey};
/// let store = KeyStore::new()
///     .with_public_key("PUB_KEY_ID_01", PublicKey::from_pem_file("tests/data/keys/platform_pub.pem")?)
///     .with_certificate(Certificate::from_pem_file("tests/data/keys/platform_cert.pem")?);
/// assert_eq!(store.len(), 2);
/// assert!(store.get("1dde55ad98ed71d6edd4a4a16996de7b47773a8c").is_some()); // serials compare case-insensitively
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct KeyStore {
    keys: HashMap<String, PublicKey>,
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a WeChat Pay public key under its id.
    pub fn with_public_key(mut self, id: impl Into<String>, key: PublicKey) -> Self {
        self.insert(id, key);
        self
    }

    /// Adds a platform certificate under its serial.
    pub fn with_certificate(mut self, cert: Certificate) -> Self {
        self.insert(cert.serial_no(), cert.public_key().clone());
        self
    }

    /// Adds (or replaces) a key.
    pub fn insert(&mut self, id: impl Into<String>, key: PublicKey) {
        self.keys.insert(id.into(), key);
    }

    /// The key named by `serial`, compared exactly, then ignoring ASCII case.
    pub fn get(&self, serial: &str) -> Option<&PublicKey> {
        self.keys.get(serial).or_else(|| {
            self.keys
                .iter()
                .find(|(id, _)| id.eq_ignore_ascii_case(serial))
                .map(|(_, key)| key)
        })
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The ids held, in no particular order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}

/// Verifies responses and callbacks from WeChat Pay.
///
/// ```
/// use std::sync::Arc;
/// use wxpay_signing::{KeyStore, PublicKey, ResponseHeaders, Verifier, VerifyError, clock::FixedClock};
/// let key = PublicKey::from_pem_file("tests/data/keys/platform_pub.pem")?;
/// let verifier = Verifier::new(KeyStore::new().with_public_key("PUB_KEY_ID_01", key))
///     .with_clock(Arc::new(FixedClock(1764381700)));
/// let headers = ResponseHeaders {
///     timestamp: "1764381690", nonce: "n", signature: "WECHATPAY/SIGNTEST/abc",
///     serial: "PUB_KEY_ID_01", signature_type: None,
/// };
/// assert_eq!(verifier.verify(&headers, b"{}"), Err(VerifyError::SignTestProbe));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: KeyStore,
    max_skew: i64,
    clock: Arc<dyn Clock>,
}

impl Verifier {
    /// A verifier over `keys` with the system clock and the 300 s window.
    pub fn new(keys: KeyStore) -> Self {
        Self {
            keys,
            max_skew: DEFAULT_MAX_SKEW_SECS,
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses `clock` as "now".
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Changes the allowed clock difference.
    pub fn with_max_skew(mut self, secs: i64) -> Self {
        self.max_skew = secs;
        self
    }

    /// The trusted keys.
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// Checks `headers` against the raw `body` bytes as received.
    pub fn verify(&self, headers: &ResponseHeaders<'_>, body: &[u8]) -> Result<(), VerifyError> {
        self.verify_with(&self.keys, headers, body)
    }

    /// [`verify`](Self::verify) with another set of keys: this verifier's clock and window,
    /// the keys of the moment (a store that rotates, see wxpay-transport's
    /// `SharedKeyStore`).
    ///
    /// ```
    /// use wxpay_signing::{KeyStore, PlatformSigner, PrivateKey, Verifier, VerifyError};
    /// let key = PrivateKey::from_pem_file("tests/data/keys/platform_key.pem")?;
    /// let signed = PlatformSigner::new("PUB_KEY_ID_02", key.clone()).sign(b"{}")?;
    /// let verifier = Verifier::new(KeyStore::new());
    /// let rotated = KeyStore::new().with_public_key("PUB_KEY_ID_02", key.public_key());
    /// assert!(verifier.verify(&signed.as_headers(), b"{}").is_err());
    /// verifier.verify_with(&rotated, &signed.as_headers(), b"{}")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_with(
        &self,
        keys: &KeyStore,
        headers: &ResponseHeaders<'_>,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        if let Some(kind) = headers.signature_type
            && kind != SCHEME
        {
            return Err(VerifyError::SignatureType(kind.to_owned()));
        }
        if headers.signature.starts_with(SIGNTEST_PREFIX) {
            return Err(VerifyError::SignTestProbe);
        }
        // An empty serial names no key, even in a store that holds one under "".
        if headers.serial.is_empty() {
            return Err(VerifyError::MissingHeader(header::SERIAL));
        }
        let key = keys
            .get(headers.serial)
            .ok_or_else(|| VerifyError::UnknownSerial(headers.serial.to_owned()))?;
        check_window(headers.timestamp, self.clock.now_unix(), self.max_skew)?;
        let message = message::response(headers.timestamp, headers.nonce, body);
        check_signature(key, &message, headers.signature)
    }
}

/// Checks a merchant's request signature: the emulator's side of [`crate::Signer`]. Matching
/// `mchid` and `serial_no` to a registered merchant, and nonce replay, are the caller's
/// business; this checks the time window and the RSA signature.
///
/// ```
/// use wxpay_signing::{PrivateKey, Signer, verify_request};
/// let key = PrivateKey::from_pem_file("tests/data/keys/merchant_key.pem")?;
/// let auth = Signer::new("1900000001", "5157", key.clone()).authorization_at("POST", "/v3/x", b"{}", 1000, "n")?;
/// assert!(verify_request(&auth, &key.public_key(), "POST", "/v3/x", b"{}", 1010, 300).is_ok());
/// assert!(verify_request(&auth, &key.public_key(), "POST", "/v3/x", b"{ }", 1010, 300).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_request(
    auth: &Authorization,
    key: &PublicKey,
    method: &str,
    url: &str,
    body: &[u8],
    now: i64,
    max_skew: i64,
) -> Result<(), VerifyError> {
    check_window(&auth.timestamp, now, max_skew)?;
    let message = message::request(method, url, &auth.timestamp, &auth.nonce_str, body);
    check_signature(key, &message, &auth.signature)
}

fn check_window(timestamp: &str, now: i64, max_skew: i64) -> Result<(), VerifyError> {
    let ts = parse_timestamp(timestamp)
        .ok_or_else(|| VerifyError::InvalidTimestamp(timestamp.to_owned()))?;
    let diff = now.saturating_sub(ts);
    if diff > max_skew {
        return Err(VerifyError::Stale {
            timestamp: ts,
            age: diff,
            max_skew,
        });
    }
    if -diff > max_skew {
        return Err(VerifyError::Future {
            timestamp: ts,
            ahead: -diff,
            max_skew,
        });
    }
    Ok(())
}

fn check_signature(
    key: &PublicKey,
    message: &[u8],
    signature_b64: &str,
) -> Result<(), VerifyError> {
    // An RSA-8192 signature is 1,366 base64 characters; anything longer is not one.
    if signature_b64.len() > 2048 {
        return Err(VerifyError::BadSignature);
    }
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature_b64)
        .map_err(|_| VerifyError::BadBase64)?;
    if key.verify(message, &signature) {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_inclusive_at_the_limit() {
        assert!(check_window("1000", 1300, 300).is_ok());
        assert!(check_window("1300", 1000, 300).is_ok());
        assert!(matches!(
            check_window("999", 1300, 300),
            Err(VerifyError::Stale { age: 301, .. })
        ));
        assert!(matches!(
            check_window("1301", 1000, 300),
            Err(VerifyError::Future { ahead: 301, .. })
        ));
        assert_eq!(
            check_window("1e3", 1000, 300),
            Err(VerifyError::InvalidTimestamp("1e3".into()))
        );
        assert_eq!(
            check_window("", 1000, 300),
            Err(VerifyError::InvalidTimestamp(String::new()))
        );
    }
}
