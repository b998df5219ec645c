//! Receiving callbacks: verify the signature (the same headers and rules as answers; probes
//! refused), decrypt the AEAD_AES_256_GCM resource with the APIv3 key, type the event.
//!
//! [`CallbackHandler`] does that for one raw body. [`CallbackService`] is the whole notify
//! URL as a tower `Service` (axum's `route_service`, hyper, any tower stack): it reads the
//! body within limits, de-duplicates by callback id through a [`CallbackDedup`] store
//! ([`MemoryDedup`] by default), runs your handler once per callback and answers what WeChat
//! Pay expects. With the `axum` feature, `wxpay_coupons::axum` adds an extractor.

mod dedup;
mod service;

pub use dedup::{CallbackDedup, DedupError, DedupFuture, MemoryDedup};
pub use service::{CALLBACKS_TOTAL, CallbackOutcome, CallbackService, DEFAULT_MAX_BODY_BYTES};

use wxpay_models::{CouponEvent, Notification};
use wxpay_signing::{AeadError, ApiV3Key, KeyStore, ResponseHeaders, Verifier, VerifyError};
use wxpay_transport::{ClientConfig, ConfigError};
use wxpay_transport::{SharedKeyStore, Transport};

/// A verified, decrypted callback.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// The envelope (id, create_time, event_type, summary, the encrypted resource).
    pub notification: Notification,
    /// The decrypted event.
    pub event: CouponEvent,
}

/// Why a callback was refused. Answer it with a non-2xx status: WeChat Pay then delivers it
/// again later.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The signature did not verify (including `WECHATPAY/SIGNTEST/` probes).
    #[error("callback signature not verified: {0}")]
    Unverified(#[from] VerifyError),
    /// The body is not a callback envelope.
    #[error("callback body is not a WeChat Pay notification: {0}")]
    Malformed(String),
    /// The resource uses another algorithm.
    #[error("unsupported resource algorithm {0:?} (expected AEAD_AES_256_GCM)")]
    Algorithm(String),
    /// The resource could not be decrypted (a wrong APIv3 key, say).
    #[error("callback resource: {0}")]
    Decrypt(#[from] AeadError),
    /// The decrypted event is not the shape its type promises.
    #[error("callback event {event_type}: {message}")]
    Event {
        /// The event type.
        event_type: String,
        /// The decoder's message.
        message: String,
    },
}

/// Verifies and decrypts callbacks. Takes the raw body bytes as received: a body a framework
/// re-serialized would no longer match its signature.
///
/// ```
/// use wxpay_coupons::notify::CallbackHandler;
/// use wxpay_signing::{ApiV3Key, KeyStore, PlatformSigner, PrivateKey, Verifier};
/// let platform = PrivateKey::from_pem(wxpay_mock::dev_keys::PLATFORM_KEY.as_bytes())?;
/// let key = ApiV3Key::new("0123456789abcdef0123456789ABCDEF")?;
/// let handler = CallbackHandler::new(Verifier::new(KeyStore::new().with_public_key("PUB_KEY_ID_01", platform.public_key())), key);
/// let signed = PlatformSigner::new("PUB_KEY_ID_01", platform).sign(b"{}")?;
/// let err = handler.handle(|name| signed.as_headers_map().get(name).copied(), b"{}").unwrap_err();
/// assert!(err.to_string().contains("not a WeChat Pay notification"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CallbackHandler {
    verifier: Verifier,
    /// When set, the keys of the moment (instead of the verifier's own).
    keys: Option<SharedKeyStore>,
    key: ApiV3Key,
}

impl CallbackHandler {
    /// A handler from a verifier (WeChat Pay's keys) and the APIv3 key.
    pub fn new(verifier: Verifier, key: ApiV3Key) -> Self {
        Self {
            verifier,
            keys: None,
            key,
        }
    }

    /// A handler that verifies with `transport`'s key store as it is at each callback: the
    /// certificates certificate mode downloaded, or keys rotated by hand.
    ///
    /// ```
    /// # use wxpay_coupons::{notify::CallbackHandler, ApiV3Key, Transport};
    /// # use wxpay_signing::{KeyStore, PrivateKey, Signer};
    /// # let key = PrivateKey::from_pem(wxpay_mock::dev_keys::MERCHANT_KEY.as_bytes())?;
    /// let apiv3 = ApiV3Key::new("0123456789abcdef0123456789ABCDEF")?;
    /// let transport = Transport::builder(Signer::new("1900000001", "5157F09E", key), KeyStore::new())
    ///     .download_certificates(apiv3.clone())
    ///     .build()?;
    /// let handler = CallbackHandler::for_transport(&transport, apiv3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_transport(transport: &Transport, key: ApiV3Key) -> Self {
        Self {
            verifier: Verifier::new(KeyStore::new()),
            keys: Some(transport.key_store().clone()),
            key,
        }
    }

    /// A handler for a client configuration (it needs an APIv3 key). Certificate mode with
    /// downloads has no keys in the file: use [`CallbackHandler::for_transport`].
    pub fn from_config(config: &ClientConfig) -> Result<Self, ConfigError> {
        let key = config.apiv3_key()?.ok_or(ConfigError::Invalid {
            key: "apiv3_key_file",
            problem:
                "is required to decrypt callbacks (the APIv3 key set in the merchant platform)"
                    .into(),
        })?;
        if config.downloads_certificates() {
            return Err(ConfigError::Invalid {
                key: "wechatpay_platform_cert_files",
                problem: "certificate mode with downloads: callbacks are verified with the downloaded certificates; \
                          build the handler with CallbackHandler::for_transport, or give the certificate files \
                          (`wxpay certificates download`)"
                    .into(),
            });
        }
        Ok(Self::new(Verifier::new(config.key_store()?), key))
    }

    /// Verifies, decrypts and types one callback. `header` looks a request header up by name.
    pub fn handle<'a>(
        &self,
        header: impl Fn(&'static str) -> Option<&'a str>,
        body: &[u8],
    ) -> Result<Callback, CallbackError> {
        let headers = ResponseHeaders::from_fn(header)?;
        match &self.keys {
            Some(keys) => keys.with(|keys| self.verifier.verify_with(keys, &headers, body))?,
            None => self.verifier.verify(&headers, body)?,
        }
        let notification: Notification =
            serde_json::from_slice(body).map_err(|e| CallbackError::Malformed(e.to_string()))?;
        let r = &notification.resource;
        if r.algorithm != "AEAD_AES_256_GCM" {
            return Err(CallbackError::Algorithm(r.algorithm.clone()));
        }
        let plaintext = self
            .key
            .decrypt(&r.ciphertext, &r.nonce, &r.associated_data)?;
        let event = CouponEvent::parse(&notification.event_type, &plaintext).map_err(|e| {
            CallbackError::Event {
                event_type: notification.event_type.clone(),
                message: e.to_string(),
            }
        })?;
        Ok(Callback {
            notification,
            event,
        })
    }
}
