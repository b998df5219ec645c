//! [`Transport`]: one signed, verified, retried, rate-limited API call. Its parts:
//! [`builder`] (settings, checked when the transport is built), [`send`] (the attempts of
//! one call) and [`refresh`] (certificate mode: the platform certificates downloaded and kept
//! fresh).

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use parking_lot::Mutex;
use wxpay_models::{Encoded, Mode, Operation, Retry, Target};
use wxpay_signing::{KeyStore, Principal, RequestSigner, Verifier};

use crate::config::{ClientConfig, ConfigError};
use crate::endpoints::Endpoints;
use crate::error::TransportError;
use crate::exchange::HttpService;
use crate::key_store::SharedKeyStore;
use crate::options::CallOptions;
use crate::pacer::{Pacer, smooth_limiter};
use crate::retry::RetryPolicy;

mod builder;
pub(crate) mod refresh;
mod send;

pub use builder::TransportBuilder;
use refresh::AutoCertificates;
use send::Call;

/// Largest answer accepted (the send endpoint's are ≈ 3.3 KB).
pub const MAX_RESPONSE_BYTES: usize = 4 << 20;

/// A final answer: verified when it is 2xx or carries signature headers.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body, as received (and as verified).
    pub body: Bytes,
    /// `Request-ID`, to quote to WeChat Pay support.
    pub request_id: Option<String>,
    /// Attempts made, 1 when the first one answered.
    pub attempts: u32,
}

impl ApiResponse {
    /// The WeChat Pay error body of a non-2xx answer, if it is one.
    pub fn error_body(&self) -> Option<wxpay_models::ApiErrorBody> {
        if self.status.is_success() {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }
}

/// Sends WeChat Pay APIv3 requests: signs every attempt (fresh timestamp and nonce, same
/// body), verifies answers, retries what is safe to retry, fails over to the backup domain,
/// and paces itself under the rate limit. Cheap to clone; clones share the connection pool,
/// the rate limiter and the failover state.
#[derive(Debug, Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: HttpService,
    mode: Mode,
    brand_id: Option<String>,
    signer: Arc<dyn RequestSigner>,
    /// The WeChat Pay keys of the moment.
    keys: SharedKeyStore,
    /// Clock and window only: the keys come from `keys` at each verification.
    verifier: Verifier,
    /// Certificate mode without certificate files.
    certificates: Option<AutoCertificates>,
    wechatpay_serial: ArcSwapOption<String>,
    endpoints: Endpoints,
    /// The client-wide cap (`rate_limit_per_sec`).
    limiter: Option<Pacer>,
    /// One per operation called so far, at its documented limit.
    operation_limiters: Mutex<Vec<(&'static str, Arc<Pacer>)>>,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
}

impl Transport {
    /// A builder from a signer and the WeChat Pay keys to verify with.
    pub fn builder(signer: impl RequestSigner + 'static, keys: KeyStore) -> TransportBuilder {
        TransportBuilder::new(signer, keys)
    }

    /// A transport as a configuration file describes it.
    pub fn from_config(config: &ClientConfig) -> Result<Self, ConfigError> {
        TransportBuilder::from_config(config)?.build()
    }

    /// Whether requests currently go to the backup domain.
    pub fn on_backup(&self) -> bool {
        self.inner.endpoints.on_backup()
    }

    /// Who requests are signed as: the merchant (partner mode) or the brand.
    pub fn principal(&self) -> &Principal {
        self.inner.signer.principal()
    }

    /// The WeChat Pay keys answers are verified with: replace them while calls run (a
    /// rotated public key), or read what certificate mode downloaded.
    pub fn key_store(&self) -> &SharedKeyStore {
        &self.inner.keys
    }

    /// The `Wechatpay-Serial` request header sent now: the key id the client verifies
    /// with (certificate mode: the newest platform certificate it holds).
    pub fn wechatpay_serial(&self) -> Option<String> {
        self.inner
            .wechatpay_serial
            .load_full()
            .map(|s| (*s).clone())
    }

    /// Changes the `Wechatpay-Serial` request header (after rotating to a new public key).
    pub fn set_wechatpay_serial(&self, serial: Option<&str>) {
        self.inner
            .wechatpay_serial
            .store(serial.map(|s| Arc::new(s.to_owned())));
    }

    /// Partner or brand-direct.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// Where typed requests go: the mode and the brand (partner mode: the default brand).
    pub fn target(&self) -> Target<'_> {
        Target {
            mode: self.inner.mode,
            brand_id: self.inner.brand_id.as_deref(),
        }
    }

    /// Sends `body` (the exact bytes, identical in every attempt) as `application/json` and
    /// returns the final answer: a 2xx or a business error, verified; or, once retries are
    /// spent, the last 429 or 5xx answer. Errors are what produced no usable answer at all.
    ///
    /// Every unanswered attempt is retried with the same bytes: use it for reads and for
    /// writes that carry a request number. [`call`](Self::call) takes the retry class and
    /// the rate limit from the operation.
    pub async fn execute(
        &self,
        method: Method,
        path_and_query: &str,
        body: Bytes,
    ) -> Result<ApiResponse, TransportError> {
        let call = Call {
            method,
            path_and_query,
            body,
            signed_body: None,
            content_type: "application/json",
            retry: Retry::Read,
            operation: None,
            label: "raw",
            options: None,
        };
        self.send(&call).await
    }

    /// [`execute`](Self::execute) without verifying the answer's signature: the certificate
    /// download, which verifies with the certificates it carries.
    async fn execute_unverified(
        &self,
        method: Method,
        path_and_query: &str,
    ) -> Result<ApiResponse, TransportError> {
        let call = Call {
            method,
            path_and_query,
            body: Bytes::new(),
            signed_body: None,
            content_type: "application/json",
            retry: Retry::Read,
            operation: None,
            label: "download-certificates",
            options: None,
        };
        self.send_loop(&call, false).await
    }

    /// Sends an encoded request of `operation`: retried only as its [`Retry`] class allows,
    /// paced under the operation's documented rate limit in this transport's mode (and the
    /// client-wide `rate_limit_per_sec`).
    pub async fn call(
        &self,
        operation: &'static Operation,
        encoded: &Encoded,
    ) -> Result<ApiResponse, TransportError> {
        self.call_inner(operation, encoded, None).await
    }

    /// [`call`](Self::call) with options of this call: a timeout per attempt, extra headers
    /// ([`CallOptions`]).
    pub async fn call_with(
        &self,
        operation: &'static Operation,
        encoded: &Encoded,
        options: &CallOptions,
    ) -> Result<ApiResponse, TransportError> {
        options.check()?;
        self.call_inner(operation, encoded, Some(options)).await
    }

    async fn call_inner(
        &self,
        operation: &'static Operation,
        encoded: &Encoded,
        options: Option<&CallOptions>,
    ) -> Result<ApiResponse, TransportError> {
        let method = Method::from_bytes(encoded.method.as_str().as_bytes())
            .map_err(|e| TransportError::Request(e.to_string()))?;
        let call = Call {
            method,
            path_and_query: &encoded.path_and_query,
            body: Bytes::copy_from_slice(&encoded.body),
            signed_body: encoded.signed_body.as_deref().map(Bytes::copy_from_slice),
            content_type: &encoded.content_type,
            retry: operation.retry,
            operation: Some(operation),
            label: operation.kebab,
            options,
        };
        self.send(&call).await
    }

    /// The pacer of `operation` at its documented limit in this mode, made on first use.
    fn operation_pacer(&self, operation: &'static Operation) -> Option<Arc<Pacer>> {
        let limit = operation.limit(self.inner.mode)?;
        let mut pacers = self.inner.operation_limiters.lock();
        if let Some((_, pacer)) = pacers.iter().find(|(name, _)| *name == operation.name) {
            return Some(pacer.clone());
        }
        let pacer = Arc::new(Pacer::new(smooth_limiter(limit)));
        pacers.push((operation.name, pacer.clone()));
        Some(pacer)
    }
}
