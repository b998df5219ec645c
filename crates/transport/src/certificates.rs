//! Certificate mode without certificate files: the platform certificates come from
//! `GET /v3/certificates` (signed in the caller's own scheme, the same path in both modes).
//!
//! Each `encrypt_certificate` is AEAD_AES_256_GCM under the merchant's APIv3 key; a
//! certificate is kept when it decrypts, parses, carries the serial the answer names and is
//! valid now (its own `notBefore`/`notAfter`). A certificate published ahead of its validity
//! is picked up by a later download.
//!
//! **Trust.** The answer's own signature must verify: with a key the client already trusts
//! when it names one, otherwise with one of the certificates in the answer — what WeChat Pay's
//! own SDKs do the first time. That second case is sound because of the AEAD: only WeChat Pay
//! and the merchant know the APIv3 key, so a certificate that decrypts under it (its tag
//! checks the ciphertext, nonce and `associated_data`) was put there by WeChat Pay; a
//! forged answer cannot bring its own certificate.
//!
//! **Refresh.** Before the first call, then lazily on the first call after each
//! `certificate_refresh_secs` (default 12 h), and at once when an answer names a serial the
//! client does not hold (at most once a minute). A failed or garbage download keeps the
//! certificates already held and says why in a warning; only when none is held does the call
//! fail, with [`TransportError::Certificates`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::Method;
use serde::Deserialize;
use wxpay_models::WxTime;
use wxpay_signing::clock::{Clock, SystemClock};
use wxpay_signing::{AeadError, ApiV3Key, Certificate, KeyStore, ResponseHeaders, VerifyError};

use crate::error::TransportError;
use crate::transport::Transport;

/// The download's path, in partner and brand-direct mode alike.
pub const PATH: &str = "/v3/certificates";

/// The default interval of scheduled downloads: 12 h (WeChat Pay publishes a new
/// certificate 24 h before it signs with it).
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(12 * 3600);

/// The shortest interval between two downloads that an unknown serial triggers.
pub const MIN_UNKNOWN_SERIAL_GAP: Duration = Duration::from_secs(60);

/// Why a certificate download gave no usable certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// No answer at all (connection, timeout, …).
    #[error("GET {PATH}: {0}")]
    Transport(TransportError),
    /// WeChat Pay answered an error (401 SIGN_ERROR: the request's signature or serial;
    /// 404: no platform certificate for this merchant, which then uses public-key mode).
    #[error("GET {PATH} answered HTTP {status} {code}: {message} (Request-ID {})", request_id.as_deref().unwrap_or("none"))]
    Api {
        /// HTTP status.
        status: u16,
        /// The error code.
        code: String,
        /// WeChat Pay's message.
        message: String,
        /// Its Request-ID.
        request_id: Option<String>,
    },
    /// The answer is not the documented JSON, or a certificate in it is not what it claims.
    #[error("GET {PATH}: not a valid certificate list: {0}")]
    BadAnswer(String),
    /// A certificate did not decrypt: the APIv3 key is not the merchant's, or the answer was
    /// altered.
    #[error(
        "certificate {serial_no} does not decrypt with the configured APIv3 key ({source}): check apiv3_key_file against the APIv3 key set in the merchant platform"
    )]
    Decrypt {
        /// The serial the answer gave it.
        serial_no: String,
        /// What the AEAD said.
        source: AeadError,
    },
    /// The answer's signature did not verify, with a trusted key or a downloaded certificate.
    #[error("GET {PATH}: answer signature not verified: {0}")]
    Unverified(VerifyError),
    /// Every certificate in the answer is expired or not yet valid.
    #[error("GET {PATH}: no certificate is valid now: {0}")]
    NoneValid(String),
}

/// A platform certificate as downloaded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformCertificate {
    /// Its serial, upper-case hex.
    pub serial_no: String,
    /// `effective_time` as answered (RFC 3339).
    pub effective_time: String,
    /// `expire_time` as answered (RFC 3339).
    pub expire_time: String,
    /// The decrypted X.509 PEM (public material).
    pub pem: String,
    /// The parsed certificate (key and validity).
    pub certificate: Certificate,
}

impl PlatformCertificate {
    /// Its own validity period, `notBefore` to `notAfter`, as RFC 3339 `+08:00`.
    pub fn validity(&self) -> (String, String) {
        let show =
            |secs| WxTime::from_unix(secs).map_or_else(|_| secs.to_string(), |t| t.to_string());
        (
            show(self.certificate.not_before()),
            show(self.certificate.not_after()),
        )
    }
}

#[derive(Deserialize)]
struct Answer {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    serial_no: String,
    effective_time: String,
    expire_time: String,
    encrypt_certificate: Encrypted,
}

#[derive(Deserialize)]
struct Encrypted {
    algorithm: String,
    nonce: String,
    associated_data: String,
    ciphertext: String,
}

/// Downloads the platform certificates valid now through `transport` (signed as its
/// signer), decrypts them with `apiv3_key`, and verifies the answer's signature with the
/// transport's trusted keys or, failing that, with the downloaded certificates (module
/// docs). Changes nothing in the transport: what `wxpay certificates download` calls.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use wxpay_transport::{ClientConfig, Transport, certificates};
/// let config = ClientConfig::from_file("client.toml")?;
/// let transport = Transport::from_config(&config)?;
/// let key = config.apiv3_key()?.ok_or("apiv3_key_file is needed")?;
/// for cert in certificates::download(&transport, &key).await? {
///     println!("{} valid until {}", cert.serial_no, cert.expire_time);
/// }
/// # Ok(()) }
/// ```
pub async fn download(
    transport: &Transport,
    apiv3_key: &ApiV3Key,
) -> Result<Vec<PlatformCertificate>, CertificateError> {
    let response = transport
        .execute_unverified(Method::GET, PATH)
        .await
        .map_err(CertificateError::Transport)?;
    if !response.status.is_success() {
        let body = response.error_body();
        return Err(CertificateError::Api {
            status: response.status.as_u16(),
            code: body
                .as_ref()
                .map_or_else(|| "none".into(), |b| b.code.as_str().to_owned()),
            message: body.map_or_else(
                || {
                    String::from_utf8_lossy(&response.body)
                        .chars()
                        .take(200)
                        .collect()
                },
                |b| b.message,
            ),
            request_id: response.request_id,
        });
    }
    let now = SystemClock.now_unix();
    let certificates = decrypt_all(&response.body, apiv3_key, now)?;
    let headers =
        ResponseHeaders::from_fn(|name| response.headers.get(name).and_then(|v| v.to_str().ok()))
            .map_err(CertificateError::Unverified)?;
    let inner = &transport.inner;
    let trusted = inner.keys.snapshot();
    let verified = if trusted.get(headers.serial).is_some() {
        inner
            .verifier
            .verify_with(&trusted, &headers, &response.body)
    } else {
        let offered = certificates.iter().fold(KeyStore::new(), |store, c| {
            store.with_certificate(c.certificate.clone())
        });
        inner
            .verifier
            .verify_with(&offered, &headers, &response.body)
    };
    verified.map_err(CertificateError::Unverified)?;
    Ok(certificates)
}

/// Parses and decrypts the answer; keeps what is valid at `now`.
fn decrypt_all(
    body: &[u8],
    apiv3_key: &ApiV3Key,
    now: i64,
) -> Result<Vec<PlatformCertificate>, CertificateError> {
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|e| CertificateError::BadAnswer(format!("the JSON: {e}")))?;
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for item in answer.data {
        let sealed = &item.encrypt_certificate;
        if sealed.algorithm != "AEAD_AES_256_GCM" {
            return Err(CertificateError::BadAnswer(format!(
                "certificate {} is encrypted with {:?}; only AEAD_AES_256_GCM is known",
                item.serial_no, sealed.algorithm
            )));
        }
        let plain = apiv3_key
            .decrypt(&sealed.ciphertext, &sealed.nonce, &sealed.associated_data)
            .map_err(|source| CertificateError::Decrypt {
                serial_no: item.serial_no.clone(),
                source,
            })?;
        let pem = String::from_utf8(plain).map_err(|_| {
            CertificateError::BadAnswer(format!("certificate {} is not PEM text", item.serial_no))
        })?;
        let certificate = Certificate::from_pem(pem.as_bytes()).map_err(|e| {
            CertificateError::BadAnswer(format!("certificate {}: {e}", item.serial_no))
        })?;
        if !certificate
            .serial_no()
            .eq_ignore_ascii_case(&item.serial_no)
        {
            return Err(CertificateError::BadAnswer(format!(
                "serial_no {} names a certificate whose serial is {}",
                item.serial_no,
                certificate.serial_no()
            )));
        }
        let cert = PlatformCertificate {
            serial_no: certificate.serial_no().to_owned(),
            effective_time: item.effective_time,
            expire_time: item.expire_time,
            pem,
            certificate,
        };
        if cert.certificate.is_valid_at(now) {
            kept.push(cert);
        } else {
            let (from, to) = cert.validity();
            dropped.push(format!("{} (valid {from} to {to})", cert.serial_no));
        }
    }
    if !dropped.is_empty() {
        tracing::warn!(
            "platform certificates not valid now, left out: {}",
            dropped.join(", ")
        );
    }
    if kept.is_empty() {
        return Err(CertificateError::NoneValid(if dropped.is_empty() {
            "the list is empty".into()
        } else {
            dropped.join(", ")
        }));
    }
    Ok(kept)
}

/// A transport's certificate-mode state.
#[derive(Debug)]
pub(crate) struct AutoCertificates {
    apiv3_key: ApiV3Key,
    every: Duration,
    /// Held while a download runs: one at a time.
    turn: tokio::sync::Mutex<()>,
    times: parking_lot::Mutex<Times>,
}

#[derive(Debug, Default)]
struct Times {
    attempted: Option<Instant>,
    succeeded: Option<Instant>,
    /// The last download an unknown serial triggered.
    for_unknown: Option<Instant>,
}

impl AutoCertificates {
    pub(crate) fn new(apiv3_key: ApiV3Key, every: Duration) -> Self {
        Self {
            apiv3_key,
            every,
            turn: tokio::sync::Mutex::new(()),
            times: parking_lot::Mutex::new(Times::default()),
        }
    }

    fn due(&self) -> bool {
        let times = self.times.lock();
        times.succeeded.is_none_or(|at| at.elapsed() >= self.every)
            && times
                .attempted
                .is_none_or(|at| at.elapsed() >= MIN_UNKNOWN_SERIAL_GAP)
    }
}

type Refresh<'a> = Pin<Box<dyn Future<Output = Result<usize, CertificateError>> + Send + 'a>>;

impl Transport {
    /// Before a call in certificate mode: the first download (the call waits and fails
    /// without certificates), or a scheduled one (done by one caller; failures keep the
    /// old set).
    pub(crate) async fn ensure_certificates(&self) -> Result<(), TransportError> {
        let Some(auto) = &self.inner.certificates else {
            return Ok(());
        };
        if self.inner.keys.is_empty() {
            let _turn = auto.turn.lock().await;
            if self.inner.keys.is_empty() {
                self.refresh_now(auto, "first call")
                    .await
                    .map_err(|e| TransportError::Certificates(Box::new(e)))?;
            }
        } else if auto.due()
            && let Ok(_turn) = auto.turn.try_lock()
            && let Err(e) = self.refresh_now(auto, "scheduled").await
        {
            tracing::warn!("platform certificates kept as they were: {e}");
        }
        Ok(())
    }

    /// An answer named `serial`, which no held key has: downloads again unless a download
    /// ran less than a minute ago. Whether the store has it now.
    pub(crate) async fn refresh_for_unknown(&self, serial: &str) -> bool {
        let Some(auto) = &self.inner.certificates else {
            return false;
        };
        let _turn = auto.turn.lock().await;
        if self.inner.keys.contains(serial) {
            return true; // another call's download brought it
        }
        let recent = {
            let mut times = auto.times.lock();
            let recent = times
                .for_unknown
                .is_some_and(|at| at.elapsed() < MIN_UNKNOWN_SERIAL_GAP);
            if !recent {
                times.for_unknown = Some(Instant::now());
            }
            recent
        };
        if recent {
            tracing::warn!(
                "answer signed by unknown serial {serial}; an unknown serial made the client download the certificates less than {} s ago, not again",
                MIN_UNKNOWN_SERIAL_GAP.as_secs()
            );
            return false;
        }
        if let Err(e) = self.refresh_now(auto, "unknown serial").await {
            tracing::warn!("platform certificates kept as they were: {e}");
        }
        self.inner.keys.contains(serial)
    }

    /// Downloads the certificates now and, if usable, makes them the key store; the
    /// `Wechatpay-Serial` header then names the newest. Certificate mode only.
    ///
    /// ```no_run
    /// # async fn run(transport: wxpay_transport::Transport) -> Result<(), Box<dyn std::error::Error>> {
    /// let held = transport.refresh_certificates().await?;
    /// println!("{held} platform certificates held");
    /// # Ok(()) }
    /// ```
    pub async fn refresh_certificates(&self) -> Result<usize, CertificateError> {
        let Some(auto) = &self.inner.certificates else {
            return Err(CertificateError::BadAnswer(
                "this transport is not in certificate mode (no APIv3 key for downloads)".into(),
            ));
        };
        let _turn = auto.turn.lock().await;
        self.refresh_now(auto, "asked").await
    }

    /// One download, its outcome recorded. Boxed: a call's answer may trigger a download,
    /// which is itself a call.
    fn refresh_now<'a>(&'a self, auto: &'a AutoCertificates, why: &'a str) -> Refresh<'a> {
        Box::pin(async move {
            auto.times.lock().attempted = Some(Instant::now());
            let certificates = match download(self, &auto.apiv3_key).await {
                Ok(certificates) => certificates,
                Err(e) => {
                    tracing::warn!("platform certificate download ({why}) failed: {e}");
                    return Err(e);
                }
            };
            let newest = certificates
                .iter()
                .max_by_key(|c| c.certificate.not_before())
                .map(|c| c.serial_no.clone());
            let store = certificates.iter().fold(KeyStore::new(), |store, c| {
                store.with_certificate(c.certificate.clone())
            });
            let held = store.len();
            self.inner.keys.replace(store);
            self.inner.wechatpay_serial.store(newest.map(Arc::new));
            auto.times.lock().succeeded = Some(Instant::now());
            let serials: Vec<&str> = certificates.iter().map(|c| c.serial_no.as_str()).collect();
            tracing::info!(
                "platform certificates ({why}): {} held: {}",
                held,
                serials.join(", ")
            );
            Ok(held)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_bad_answer_naming_the_problem() {
        let key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        for (body, needle) in [
            (&b"not json"[..], "the JSON"),
            (br#"{"data":[{"serial_no":"1"}]}"#, "the JSON"),
            (
                br#"{"data":[{"serial_no":"1","effective_time":"","expire_time":"","encrypt_certificate":{"algorithm":"SM4","nonce":"n","associated_data":"certificate","ciphertext":""}}]}"#,
                "SM4",
            ),
        ] {
            let err = decrypt_all(body, &key, 0).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
        let err = decrypt_all(br#"{"data":[]}"#, &key, 0).unwrap_err();
        assert!(matches!(err, CertificateError::NoneValid(_)), "{err}");
    }

    #[test]
    fn a_wrong_key_names_the_serial_and_the_config_key() {
        let right = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let wrong = ApiV3Key::new("ffffffffffffffffffffffffffffffff").unwrap();
        let sealed = right
            .encrypt(
                b"-----BEGIN CERTIFICATE-----",
                "0123456789ab",
                "certificate",
            )
            .unwrap();
        let body = format!(
            r#"{{"data":[{{"serial_no":"ABC","effective_time":"","expire_time":"","encrypt_certificate":{{"algorithm":"AEAD_AES_256_GCM","nonce":"0123456789ab","associated_data":"certificate","ciphertext":"{sealed}"}}}}]}}"#
        );
        let err = decrypt_all(body.as_bytes(), &wrong, 0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ABC") && err.contains("apiv3_key_file"),
            "{err}"
        );
        let err = decrypt_all(body.as_bytes(), &right, 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("certificate ABC"), "{err}");
    }
}
