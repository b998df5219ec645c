//! WECHATPAY2-SHA256-RSA2048: the signature scheme of WeChat Pay APIv3 (and its
//! brand-direct twin `WECHATPAY-BRAND-SHA256-RSA2048`, which differs only in the header).
//!
//! Pure and synchronous: no HTTP, no async, no files except the `*_file` loaders. Every
//! request a merchant sends carries an `Authorization` header with an RSA PKCS#1 v1.5
//! SHA-256 signature over `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`; every response and
//! callback WeChat Pay sends is signed over `TIMESTAMP\nNONCE\nBODY\n` and must be checked.
//!
//! | concern | module | main types |
//! |---|---|---|
//! | key material from PEM | [`keys`] | [`PrivateKey`], [`PublicKey`], [`Certificate`] |
//! | the signed byte strings | [`message`] | |
//! | signing | [`signer`], [`request_signer`] | [`RequestSigner`] (any key: in memory, KMS, HSM), [`Signer`] (a key in memory), [`authorize`], [`PlatformSigner`] (responses, for emulators), [`SignError`] |
//! | the `Authorization` header | [`authorization`] | [`Authorization`] |
//! | verification | [`verifier`] | [`Verifier`], [`KeyStore`], [`verify_request`] |
//! | callback resources (AEAD_AES_256_GCM) | [`aead`] | [`ApiV3Key`] |
//! | "now" | [`clock`] | [`clock::SystemClock`], [`clock::FixedClock`] |
//! | files read with a size bound | [`file`](mod@file) | [`file::read_limited`] |
//!
//! Crypto comes from one backend, chosen by cargo feature and invisible in the API:
//! [aws-lc-rs](https://docs.rs/aws-lc-rs) (feature `aws-lc-rs`, the default) or
//! [ring](https://docs.rs/ring) (feature `ring`; it wins if both are enabled); [`BACKEND`]
//! names the one in use. Both are constant-time and give byte-identical signatures; on a CPU
//! with AVX-512 IFMA, AWS-LC signs RSA-2048 2.0–2.3× faster than ring (see
//! `docs/benchmarks.md`). The signature is the whole cost of a request; everything around it
//! is a few string copies.
//!
//! ```
//! use wxpay_signing::{KeyStore, PlatformSigner, PrivateKey, Signer, Verifier};
//!
//! // Merchant side: sign a request.
//! let merchant = PrivateKey::from_pem_file("tests/data/keys/merchant_key.pem")?;
//! let signer = Signer::new("1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", merchant);
//! let auth = signer.authorization("POST", "/v3/marketing/partner/product-coupon/users/o1/coupons", b"{}")?;
//! let header_value = auth.to_string();
//! # assert!(header_value.contains("nonce_str="));
//!
//! // Verify what WeChat Pay (here: a test platform key) signed.
//! let platform = PrivateKey::from_pem_file("tests/data/keys/platform_key.pem")?;
//! let signed = PlatformSigner::new("PUB_KEY_ID_01", platform.clone()).sign(b"{\"ok\":1}")?;
//! let verifier = Verifier::new(KeyStore::new().with_public_key("PUB_KEY_ID_01", platform.public_key()));
//! verifier.verify(&signed.as_headers(), b"{\"ok\":1}")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod aead;
pub mod authorization;
mod backend;
pub mod clock;
mod error;
pub mod file;
pub mod keys;
pub mod message;
mod nonce;
pub mod request_signer;
pub mod signer;
pub mod verifier;

pub use aead::{AeadError, ApiV3Key};
pub use authorization::{Authorization, AuthorizationError, Principal};
pub use error::SignError;
pub use keys::{Certificate, KeyError, PrivateKey, PublicKey};
pub use nonce::{NONCE_LEN, is_valid as nonce_is_valid, new_nonce};
pub use request_signer::{RequestSigner, SignFuture, authorize};
pub use signer::{PlatformSigner, SignedHeaders, Signer};
pub use verifier::{
    DEFAULT_MAX_SKEW_SECS, KeyStore, ResponseHeaders, SIGNTEST_PREFIX, Verifier, VerifyError,
    header, verify_request,
};

/// The crypto backend compiled in: `"aws-lc-rs"` or `"ring"`.
///
/// ```
/// assert!(["aws-lc-rs", "ring"].contains(&wxpay_signing::BACKEND));
/// ```
pub const BACKEND: &str = backend::NAME;

/// SHA-256 of `data`, from the crate's crypto backend (so that crates above need no crypto
/// crate of their own for digests).
///
/// ```
/// let digest = wxpay_signing::sha256(b"abc");
/// assert_eq!(digest[..4], [0xba, 0x78, 0x16, 0xbf]);
/// ```
pub fn sha256(data: &[u8]) -> [u8; 32] {
    backend::sha256(data)
}
