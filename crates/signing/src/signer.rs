//! Signing: merchant requests with a key in memory ([`Signer`], the default
//! [`RequestSigner`](crate::RequestSigner)) and, for emulators, WeChat Pay's own responses and
//! callbacks ([`PlatformSigner`]).

use std::fmt;

use base64::Engine as _;

use crate::authorization::{Authorization, Principal};
use crate::backend::SystemRandom;
use crate::clock::{Clock, SystemClock};
use crate::{PrivateKey, PublicKey, message, nonce};

pub use crate::error::SignError;

/// Signs requests with a private key held in memory: builds the `Authorization` header
/// value, as a merchant ([`Signer::new`], `WECHATPAY2-SHA256-RSA2048`) or as a brand
/// ([`Signer::brand`], `WECHATPAY-BRAND-SHA256-RSA2048`). It is the default
/// [`RequestSigner`](crate::RequestSigner); a key that never leaves a KMS or HSM implements
/// that trait instead.
///
/// The private key is parsed once, when the signer is made; signing is then one RSA
/// operation plus a few string copies. `Debug` shows the principal, serial and key size only.
///
/// ```
/// use wxpay_signing::{PrivateKey, Signer};
/// let key = PrivateKey::from_pem_file("tests/data/keys/merchant_key.pem")?;
/// let signer = Signer::new("1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", key);
/// let auth = signer.authorization("POST", "/v3/marketing/partner/product-coupon/users/o1/coupons", b"{}")?;
/// assert!(auth.to_string().starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\""));
/// assert_eq!(auth.nonce_str.len(), 32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    principal: Principal,
    serial_no: String,
    key: PrivateKey,
    rng: SystemRandom,
    clock: std::sync::Arc<dyn Clock>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("principal", &self.principal)
            .field("serial_no", &self.serial_no)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for merchant `mchid` whose API certificate has serial `serial_no`. Both go
    /// into the header as they are, so signing refuses values that would break it
    /// ([`authorization::is_valid_value`](crate::authorization::is_valid_value)).
    ///
    /// ```
    /// # use wxpay_signing::{PrivateKey, SignError, Signer};
    /// let key = PrivateKey::from_pem_file("tests/data/keys/merchant_key.pem")?;
    /// let injected = Signer::new("1900000001\",x=\"y", "5157F09E", key);
    /// assert!(matches!(
    ///     injected.authorization("GET", "/v3/x", b""),
    ///     Err(SignError::Field { field: "mchid", .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(mchid: impl Into<String>, serial_no: impl Into<String>, key: PrivateKey) -> Self {
        Self::for_principal(Principal::Merchant(mchid.into()), serial_no, key)
    }

    /// A signer for brand `brand_id` (brand-direct mode) whose brand API certificate has
    /// serial `serial_no`.
    ///
    /// ```
    /// # use wxpay_signing::{PrivateKey, Signer};
    /// let signer = Signer::brand("120344", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", PrivateKey::from_pem_file("tests/data/keys/merchant_key.pem")?);
    /// let auth = signer.authorization_at("GET", "/brand/marketing/product-coupon/notify-configs", b"", 1764381600, "abc")?;
    /// assert!(auth.to_string().starts_with(r#"WECHATPAY-BRAND-SHA256-RSA2048 brand_id="120344",nonce_str="abc",timestamp="1764381600""#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn brand(
        brand_id: impl Into<String>,
        serial_no: impl Into<String>,
        key: PrivateKey,
    ) -> Self {
        Self::for_principal(Principal::Brand(brand_id.into()), serial_no, key)
    }

    /// A signer for `principal`.
    pub fn for_principal(
        principal: Principal,
        serial_no: impl Into<String>,
        key: PrivateKey,
    ) -> Self {
        Self {
            principal,
            serial_no: serial_no.into(),
            key,
            rng: SystemRandom::new(),
            clock: std::sync::Arc::new(SystemClock),
        }
    }

    /// Uses `clock` for the timestamps of [`Signer::authorization`].
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Who signs: the merchant or the brand.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The API certificate serial.
    pub fn serial_no(&self) -> &str {
        &self.serial_no
    }

    /// Signs with the current time and a fresh 32-character nonce.
    pub fn authorization(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
    ) -> Result<Authorization, SignError> {
        let nonce = nonce::generate(&self.rng)?;
        let timestamp = self.clock.now_unix().to_string();
        self.sign_parts(method, url, body, timestamp, nonce)
    }

    /// Signs with an explicit timestamp and nonce: deterministic, for tests and for
    /// reproducing a signature someone else computed.
    ///
    /// ```
    /// # use wxpay_signing::{PrivateKey, Signer};
    /// # let signer = Signer::new("1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", PrivateKey::from_pem_file("tests/data/keys/merchant_key.pem")?);
    /// let a = signer.authorization_at("GET", "/v3/x", b"", 1764381600, "abc")?;
    /// let b = signer.authorization_at("GET", "/v3/x", b"", 1764381600, "abc")?;
    /// assert_eq!(a, b); // RSA PKCS#1 v1.5 is deterministic
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorization_at(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> Result<Authorization, SignError> {
        if !nonce::is_valid(nonce) {
            return Err(SignError::Nonce(nonce.to_owned()));
        }
        self.sign_parts(method, url, body, timestamp.to_string(), nonce.to_owned())
    }

    fn sign_parts(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        timestamp: String,
        nonce: String,
    ) -> Result<Authorization, SignError> {
        check_fields(&self.principal, &self.serial_no)?;
        let message = request_message(method, url, body, &timestamp, &nonce)?;
        let signature = self.key.sign(&message)?;
        Ok(assemble(
            self.principal.clone(),
            &self.serial_no,
            nonce,
            timestamp,
            &signature,
        ))
    }

    /// The current time of this signer's clock, Unix seconds.
    pub(crate) fn now_unix(&self) -> i64 {
        self.clock.now_unix()
    }

    /// The raw RSA signature over `message`.
    pub(crate) fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key.sign(message)
    }
}

/// Checks method and URL and builds `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`.
pub(crate) fn request_message(
    method: &str,
    url: &str,
    body: &[u8],
    timestamp: &str,
    nonce: &str,
) -> Result<Vec<u8>, SignError> {
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(SignError::Method(method.to_owned()));
    }
    if !url.starts_with('/') || url.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(SignError::Url(url.to_owned()));
    }
    Ok(message::request(method, url, timestamp, nonce, body))
}

/// The header fields around a signature.
/// Refuses a principal id or serial that cannot go into the header as it is (a `"`, a `,`,
/// a control character would break or inject a field).
pub(crate) fn check_fields(principal: &Principal, serial_no: &str) -> Result<(), SignError> {
    for (field, value) in [
        (principal.field(), principal.id()),
        ("serial_no", serial_no),
    ] {
        if !crate::authorization::is_valid_value(value) {
            return Err(SignError::Field {
                field,
                value: value.to_owned(),
            });
        }
    }
    Ok(())
}

pub(crate) fn assemble(
    principal: Principal,
    serial_no: &str,
    nonce: String,
    timestamp: String,
    signature: &[u8],
) -> Authorization {
    Authorization {
        principal,
        nonce_str: nonce,
        signature: encode(signature),
        timestamp,
        serial_no: serial_no.to_owned(),
    }
}

/// The `Wechatpay-*` headers of a signed response or callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `Wechatpay-Timestamp`.
    pub timestamp: String,
    /// `Wechatpay-Nonce`.
    pub nonce: String,
    /// `Wechatpay-Signature`.
    pub signature: String,
    /// `Wechatpay-Serial`: the public key id or certificate serial to verify with.
    pub serial: String,
}

/// Signs responses and callbacks the way WeChat Pay does, with a platform key. This is what
/// an emulator (or a test) needs; merchants only ever verify.
///
/// ```
/// use wxpay_signing::{KeyStore, PlatformSigner, PrivateKey, Verifier};
/// let key = PrivateKey::from_pem_file("tests/data/keys/platform_key.pem")?;
/// let signer = PlatformSigner::new("PUB_KEY_ID_01", key.clone());
/// let headers = signer.sign(b"{}")?;
/// let verifier = Verifier::new(KeyStore::new().with_public_key("PUB_KEY_ID_01", key.public_key()));
/// verifier.verify(&headers.as_headers(), b"{}")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PlatformSigner {
    serial: String,
    key: PrivateKey,
    rng: SystemRandom,
}

impl fmt::Debug for PlatformSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformSigner")
            .field("serial", &self.serial)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl PlatformSigner {
    /// A signer whose signatures name `serial` (a `PUB_KEY_ID_…` or a certificate serial).
    pub fn new(serial: impl Into<String>, key: PrivateKey) -> Self {
        Self {
            serial: serial.into(),
            key,
            rng: SystemRandom::new(),
        }
    }

    /// The serial written into `Wechatpay-Serial`.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The public key that verifies this signer's signatures (what WeChat Pay hands out as
    /// its public key).
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// Signs `body` now, with a fresh nonce.
    pub fn sign(&self, body: &[u8]) -> Result<SignedHeaders, SignError> {
        let nonce = nonce::generate(&self.rng)?;
        self.sign_at(body, SystemClock.now_unix(), &nonce)
    }

    /// Signs `body` with an explicit timestamp and nonce.
    pub fn sign_at(
        &self,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> Result<SignedHeaders, SignError> {
        if !nonce::is_valid(nonce) {
            return Err(SignError::Nonce(nonce.to_owned()));
        }
        let timestamp = timestamp.to_string();
        let signature = encode(&self.key.sign(&message::response(&timestamp, nonce, body))?);
        Ok(SignedHeaders {
            timestamp,
            nonce: nonce.to_owned(),
            signature,
            serial: self.serial.clone(),
        })
    }
}

fn encode(signature: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(signature)
}
