//! Certificate mode without certificate files: a transport downloads the platform
//! certificates before its first call, on schedule and when an answer names a serial it does
//! not hold (the rules: [`certificates`](crate::certificates)).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::Method;
use wxpay_signing::clock::{Clock, SystemClock};
use wxpay_signing::{ApiV3Key, KeyStore, ResponseHeaders};

use super::Transport;
use crate::certificate_list::{PlatformCertificate, decrypt_all};
use crate::error::{CERTIFICATES_PATH, CertificateError, TransportError};

/// The default interval of scheduled downloads: 12 h (WeChat Pay publishes a new
/// certificate 24 h before it signs with it).
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(12 * 3600);

/// The shortest interval between two downloads that an unknown serial triggers.
pub const MIN_UNKNOWN_SERIAL_GAP: Duration = Duration::from_secs(60);

/// A transport's certificate-mode state.
#[derive(Debug)]
pub(super) struct AutoCertificates {
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
    pub(super) fn new(apiv3_key: ApiV3Key, every: Duration) -> Self {
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
    /// Downloads the platform certificates valid now (signed as this transport's signer),
    /// decrypts them with `apiv3_key`, and verifies the answer's signature with the trusted
    /// keys or, failing that, with the downloaded certificates. Changes nothing: what
    /// [`certificates::download`](crate::certificates::download) and the refreshes call.
    pub(crate) async fn fetch_certificates(
        &self,
        apiv3_key: &ApiV3Key,
    ) -> Result<Vec<PlatformCertificate>, CertificateError> {
        let response = self
            .execute_unverified(Method::GET, CERTIFICATES_PATH)
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
        let headers = ResponseHeaders::from_fn(|name| {
            response.headers.get(name).and_then(|v| v.to_str().ok())
        })
        .map_err(CertificateError::Unverified)?;
        let inner = &self.inner;
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

    /// Before a call in certificate mode: the first download (the call waits and fails
    /// without certificates), or a scheduled one (done by one caller; failures keep the
    /// old set).
    pub(super) async fn ensure_certificates(&self) -> Result<(), TransportError> {
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
    pub(super) async fn refresh_for_unknown(&self, serial: &str) -> bool {
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
            let certificates = match self.fetch_certificates(&auto.apiv3_key).await {
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
