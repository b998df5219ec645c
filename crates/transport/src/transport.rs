//! [`Transport`]: one signed, verified, retried, rate-limited API call.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::Full;
use parking_lot::Mutex;
use rustls_pki_types::CertificateDer;
use tracing::Instrument;
use wxpay_models::{Encoded, Mode, Operation, RateLimit, Retry, Target};
use wxpay_signing::{
    ApiV3Key, KeyStore, Principal, RequestSigner, ResponseHeaders, Verifier, VerifyError, header,
};

use crate::certificates::AutoCertificates;
use crate::config::{
    ClientConfig, ConfigError, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL, check_base_url,
};
use crate::connector::{http_client, proxies};
use crate::endpoints::{Endpoints, Which};
use crate::error::TransportError;
use crate::exchange::{self, ExchangeSetup, HttpRequest, HttpService};
use crate::key_store::SharedKeyStore;
use crate::options::CallOptions;
use crate::pacer::{Pacer, smooth_limiter};
use crate::retry::{RetryPolicy, retryable_status};

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

/// Builds a [`Transport`] from values (or from a [`ClientConfig`]).
///
/// The signer is any [`RequestSigner`]: a [`Signer`](wxpay_signing::Signer) with the key in
/// memory, or one that signs in a KMS, an HSM or another process
/// (`examples/remote_signer.rs` in wxpay-coupons).
///
/// ```
/// use wxpay_signing::{KeyStore, PrivateKey, PublicKey, Signer};
/// use wxpay_transport::Transport;
/// let signer = Signer::new("1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", PrivateKey::from_pem(wxpay_mock::dev_keys::MERCHANT_KEY.as_bytes())?);
/// let keys = KeyStore::new().with_public_key("PUB_KEY_ID_0119000000012025112900000000000001", PublicKey::from_pem(wxpay_mock::dev_keys::PLATFORM_PUB.as_bytes())?);
/// let transport = Transport::builder(signer, keys).rate_limit_per_sec(500).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TransportBuilder {
    signer: Arc<dyn RequestSigner>,
    mode: Mode,
    brand_id: Option<String>,
    keys: SharedKeyStore,
    certificates: Option<(ApiV3Key, Duration)>,
    wechatpay_serial: Option<String>,
    base_url: String,
    backup_base_url: String,
    rate_limit_per_sec: u32,
    timeout: Duration,
    retry: RetryPolicy,
    proxy: Option<String>,
    roots: Option<Vec<CertificateDer<'static>>>,
    failover_cooldown: Duration,
    pub(crate) exchange: ExchangeSetup,
}

impl TransportBuilder {
    /// Primary and backup WeChat Pay domains, 1000 requests/s, 10 s per attempt, 3 retries.
    pub fn new(signer: impl RequestSigner + 'static, keys: KeyStore) -> Self {
        let wechatpay_serial = keys.ids().next().map(str::to_owned);
        let (mode, brand_id) = match signer.principal() {
            Principal::Brand(brand) => (Mode::Brand, Some(brand.clone())),
            _ => (Mode::Partner, None),
        };
        Self {
            signer: Arc::new(signer),
            mode,
            brand_id,
            wechatpay_serial,
            keys: SharedKeyStore::new(keys),
            certificates: None,
            base_url: DEFAULT_BASE_URL.into(),
            backup_base_url: DEFAULT_BACKUP_BASE_URL.into(),
            rate_limit_per_sec: 1000,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            proxy: None,
            roots: None,
            failover_cooldown: Duration::from_secs(30),
            exchange: ExchangeSetup::default(),
        }
    }

    /// Everything a configuration file says, keys loaded. Certificate mode without
    /// certificate files ([`ClientConfig::downloads_certificates`]) downloads them before
    /// the first call.
    pub fn from_config(config: &ClientConfig) -> Result<Self, ConfigError> {
        let mut builder = Self::new(config.signer()?, config.key_store()?)
            .base_url(&config.base_url)
            .backup_base_url(&config.backup_base_url)
            .rate_limit_per_sec(config.rate_limit_per_sec)
            .timeout(config.timeout())
            .retry(RetryPolicy {
                max_retries: config.max_retries,
                ..RetryPolicy::default()
            });
        if let Some(serial) = config.wechatpay_serial() {
            builder.wechatpay_serial = Some(serial);
        }
        if config.mode == Mode::Partner {
            builder.brand_id = config.brand_id.clone();
        }
        builder.proxy = config.proxy.clone();
        if !config.root_cert_files.is_empty() {
            builder.roots = Some(config.root_certificates()?);
        }
        if config.downloads_certificates()
            && let Some(key) = config.apiv3_key()?
        {
            builder = builder
                .download_certificates(key)
                .certificate_refresh(config.certificate_refresh());
        }
        Ok(builder)
    }

    /// Verifies with `keys`, a store shared with whoever else holds a clone (another
    /// transport, a callback handler, the code that rotates keys), instead of the store
    /// given to [`new`](Self::new).
    pub fn key_store(mut self, keys: SharedKeyStore) -> Self {
        if self.wechatpay_serial.is_none() {
            self.wechatpay_serial = keys.with(|k| k.ids().next().map(str::to_owned));
        }
        self.keys = keys;
        self
    }

    /// Certificate mode without certificate files: downloads the platform certificates
    /// (`GET /v3/certificates`, decrypted with `apiv3_key`) before the first call, again
    /// every 12 h ([`certificate_refresh`](Self::certificate_refresh)) and when an answer
    /// names an unknown serial (at most once a minute). See the
    /// [`certificates`](crate::certificates) module.
    pub fn download_certificates(mut self, apiv3_key: ApiV3Key) -> Self {
        let every = self
            .certificates
            .as_ref()
            .map_or(crate::certificates::DEFAULT_REFRESH, |(_, every)| *every);
        self.certificates = Some((apiv3_key, every));
        self
    }

    /// The interval of scheduled certificate downloads (default 12 h).
    pub fn certificate_refresh(mut self, every: Duration) -> Self {
        if let Some((_, current)) = &mut self.certificates {
            *current = every;
        }
        self
    }

    /// The primary base URL (`https://`, or `http://` for a loopback emulator).
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = url.to_owned();
        self
    }

    /// The backup base URL used when the primary cannot be reached.
    pub fn backup_base_url(mut self, url: &str) -> Self {
        self.backup_base_url = url.to_owned();
        self
    }

    /// Client-side limit shared by all clones; 0 turns it off.
    pub fn rate_limit_per_sec(mut self, rate: u32) -> Self {
        self.rate_limit_per_sec = rate;
        self
    }

    /// Timeout of one attempt (connect + request + whole answer).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// HTTP proxy for `https://` destinations (CONNECT); without it, `HTTPS_PROXY`,
    /// `ALL_PROXY` and `NO_PROXY` are honoured.
    pub fn proxy(mut self, proxy: &str) -> Self {
        self.proxy = Some(proxy.to_owned());
        self
    }

    /// Trusts these roots instead of the web PKI's (webpki-roots).
    pub fn root_certificates(mut self, roots: Vec<CertificateDer<'static>>) -> Self {
        self.roots = Some(roots);
        self
    }

    /// The `Wechatpay-Serial` request header (default: the first key id).
    pub fn wechatpay_serial(mut self, serial: &str) -> Self {
        self.wechatpay_serial = Some(serial.to_owned());
        self
    }

    /// Partner mode: the brand of requests that name none (brand mode always uses the
    /// signing brand).
    pub fn default_brand_id(mut self, brand_id: &str) -> Self {
        if self.mode == Mode::Partner {
            self.brand_id = Some(brand_id.to_owned());
        }
        self
    }

    /// How long requests stay on the backup after the primary failed.
    pub fn failover_cooldown(mut self, cooldown: Duration) -> Self {
        self.failover_cooldown = cooldown;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Transport, ConfigError> {
        check_base_url("base_url", &self.base_url)?;
        check_base_url("backup_base_url", &self.backup_base_url)?;
        if self.keys.is_empty() && self.certificates.is_none() {
            return Err(ConfigError::Invalid {
                key: "wechatpay_public_key_file",
                problem: "no WeChat Pay public key or platform certificate: answers could not be verified".into(),
            });
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::Invalid {
                key: "timeout_ms",
                problem: "must be more than 0".into(),
            });
        }
        let (roots, proxy, timeout) = (self.roots, self.proxy, self.timeout);
        let http = self
            .exchange
            .build(|| {
                http_client(roots.as_deref(), proxies(proxy.as_deref()), timeout)
                    .map(exchange::hyper_service)
            })
            .map_err(|e| ConfigError::Invalid {
                key: "root_cert_files",
                problem: e.to_string(),
            })?;
        crate::metrics::describe();
        let limiter = NonZeroU32::new(self.rate_limit_per_sec)
            .map(|rate| smooth_limiter(RateLimit::per_second(rate.get())));
        Ok(Transport {
            inner: Arc::new(Inner {
                http,
                mode: self.mode,
                brand_id: self.brand_id,
                signer: self.signer,
                keys: self.keys,
                verifier: Verifier::new(KeyStore::new()),
                certificates: self
                    .certificates
                    .map(|(key, every)| AutoCertificates::new(key, every)),
                wechatpay_serial: ArcSwapOption::from_pointee(self.wechatpay_serial),
                endpoints: Endpoints::new(
                    self.base_url,
                    self.backup_base_url,
                    self.failover_cooldown,
                ),
                limiter: limiter.map(Pacer::new),
                operation_limiters: Mutex::new(Vec::new()),
                timeout: self.timeout,
                retry: self.retry,
                user_agent: format!("wxpay-coupons/{} (Rust; hyper)", env!("CARGO_PKG_VERSION")),
            }),
        })
    }
}

/// Sends WeChat Pay APIv3 requests: signs every attempt (fresh timestamp and nonce, same
/// body), verifies answers, retries what is safe to retry, fails over to the backup domain,
/// and paces itself under the rate limit. Cheap to clone; clones share the connection pool,
/// the rate limiter and the failover state.
#[derive(Debug, Clone)]
pub struct Transport {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    http: HttpService,
    mode: Mode,
    brand_id: Option<String>,
    signer: Arc<dyn RequestSigner>,
    /// The WeChat Pay keys of the moment.
    pub(crate) keys: SharedKeyStore,
    /// Clock and window only: the keys come from `keys` at each verification.
    pub(crate) verifier: Verifier,
    /// Certificate mode without certificate files.
    pub(crate) certificates: Option<AutoCertificates>,
    pub(crate) wechatpay_serial: ArcSwapOption<String>,
    endpoints: Endpoints,
    /// The client-wide cap (`rate_limit_per_sec`).
    limiter: Option<Pacer>,
    /// One per operation called so far, at its documented limit.
    operation_limiters: Mutex<Vec<(&'static str, Arc<Pacer>)>>,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
}

/// What one attempt came to.
enum Attempt {
    Answer(ApiResponse),
    Unreachable(TransportError),
    Lost(TransportError),
    Fatal(TransportError),
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
            options: None,
        };
        self.send(&call).await
    }

    /// [`execute`](Self::execute) without verifying the answer's signature: the certificate
    /// download, which verifies with the certificates it carries.
    pub(crate) async fn execute_unverified(
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

    async fn send(&self, call: &Call<'_>) -> Result<ApiResponse, TransportError> {
        self.ensure_certificates().await?;
        self.send_loop(call, true).await
    }

    /// The attempts of one call; answers are verified when `verify`.
    async fn send_loop(
        &self,
        call: &Call<'_>,
        verify: bool,
    ) -> Result<ApiResponse, TransportError> {
        let inner = &self.inner;
        let started = Instant::now();
        let (mut which, _) = inner.endpoints.pick();
        let operation_pacer = call.operation.and_then(|op| self.operation_pacer(op));
        let label = call.label();
        // Without a request number, only what surely did not reach WeChat Pay is resent:
        // a refused connection or a 429.
        let resend = call.retry.is_safe();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if attempt > 1 {
                crate::metrics::retry(label);
            }
            let waiting = Instant::now();
            if let Some(pacer) = &operation_pacer {
                pacer.wait().await;
            }
            if let Some(pacer) = &inner.limiter {
                pacer.wait().await;
            }
            crate::metrics::pacer_wait(label, waiting.elapsed());
            let base = inner.endpoints.url(which).to_owned();
            let span = tracing::info_span!(
                "wxpay.request",
                operation = call.operation.map_or("", |op| op.name),
                method = %call.method,
                path = %call.path_and_query,
                attempt,
                base = %base,
                status = tracing::field::Empty,
                code = tracing::field::Empty,
                request_id = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let outcome = self
                .attempt(call, &base, attempt)
                .instrument(span.clone())
                .await;
            let exhausted =
                attempt > inner.retry.max_retries || started.elapsed() >= inner.retry.max_elapsed;
            let mut switched = false;
            let last = match outcome {
                Attempt::Answer(response) => {
                    inner.endpoints.succeeded(which);
                    let checked = if verify {
                        self.check_refreshing(&response).await
                    } else {
                        Ok(())
                    };
                    match checked {
                        Ok(()) if !retryable_status(response.status) => return Ok(response),
                        Ok(()) if exhausted => return Ok(response),
                        // A 5xx may have acted: only a request number makes resending safe.
                        Ok(()) if !resend && response.status != StatusCode::TOO_MANY_REQUESTS => {
                            return Ok(response);
                        }
                        Ok(()) => {
                            tracing::debug!(parent: &span, "retryable answer {}", response.status);
                            None
                        }
                        Err(kind) => {
                            tracing::warn!(parent: &span, "answer not verified: {kind}");
                            let e = TransportError::Unverified {
                                kind,
                                status: response.status.as_u16(),
                                request_id: response.request_id,
                            };
                            if !resend {
                                return Err(e);
                            }
                            Some(e)
                        }
                    }
                }
                // A timeout may come after WeChat Pay acted.
                Attempt::Unreachable(e @ TransportError::Timeout { .. }) if !resend => {
                    return Err(e);
                }
                Attempt::Lost(e) if !resend => return Err(e),
                Attempt::Unreachable(e) => {
                    tracing::warn!(parent: &span, "{e}");
                    inner.endpoints.failed(which);
                    let (next, _) = inner.endpoints.other(which);
                    switched = next != which;
                    if switched {
                        crate::metrics::failover(next == Which::Backup);
                    }
                    which = next;
                    Some(e)
                }
                Attempt::Lost(e) => {
                    tracing::warn!(parent: &span, "{e}");
                    Some(e)
                }
                Attempt::Fatal(e) => return Err(e),
            };
            if exhausted && let Some(e) = last {
                return Err(e);
            }
            // Failing over to the other domain needs no pause; retrying the same one does.
            if !switched || attempt > 1 {
                tokio::time::sleep(inner.retry.backoff(attempt)).await;
            }
        }
    }

    /// One signed attempt against `base`.
    async fn attempt(&self, call: &Call<'_>, base: &str, attempt: u32) -> Attempt {
        let inner = &self.inner;
        let signed = call.signed_body.as_ref().unwrap_or(&call.body);
        let auth = match wxpay_signing::authorize(
            &*inner.signer,
            call.method.as_str(),
            call.path_and_query,
            signed,
        )
        .await
        {
            Ok(auth) => auth.to_string(),
            Err(e) => return Attempt::Fatal(e.into()),
        };
        let mut builder = Request::builder()
            .method(call.method.clone())
            .uri(format!("{base}{}", call.path_and_query))
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, call.content_type)
            .header(USER_AGENT, &inner.user_agent);
        if let Some(serial) = &*inner.wechatpay_serial.load() {
            builder = builder.header(header::SERIAL, serial.as_str());
        }
        if let Some(options) = call.options {
            for (name, value) in options.headers() {
                builder = builder.header(name, value);
            }
        }
        let request = match builder.body(Full::new(call.body.clone())) {
            Ok(r) => r,
            Err(e) => return Attempt::Fatal(TransportError::Request(e.to_string())),
        };
        let started = Instant::now();
        let outcome = self.exchange(call, base, request, attempt, started).await;
        // Answers are counted where their error code is read; the rest here, as status 0.
        let failure = match &outcome {
            Attempt::Answer(_) => None,
            Attempt::Unreachable(TransportError::Timeout { .. }) => Some("TIMEOUT"),
            Attempt::Unreachable(_) => Some("CONNECT"),
            Attempt::Lost(_) => Some("LOST"),
            Attempt::Fatal(_) => Some("TOO_LARGE"),
        };
        if let Some(code) = failure {
            crate::metrics::attempt(call.label(), 0, code, started.elapsed());
        }
        outcome
    }

    /// Sends one signed request through the exchange service and reads the whole answer.
    async fn exchange(
        &self,
        call: &Call<'_>,
        base: &str,
        request: HttpRequest,
        attempt: u32,
        started: Instant,
    ) -> Attempt {
        let inner = &self.inner;
        let timeout = call
            .options
            .and_then(CallOptions::get_timeout)
            .unwrap_or(inner.timeout);
        let exchange = exchange::send(&inner.http, request, MAX_RESPONSE_BYTES);
        let span = tracing::Span::current();
        match tokio::time::timeout(timeout, exchange).await {
            Err(_) => Attempt::Unreachable(TransportError::Timeout {
                url: base.to_owned(),
                after: timeout,
            }),
            Ok(Err(e)) if exchange::is_connect(e.as_ref()) => {
                Attempt::Unreachable(TransportError::Connect {
                    url: base.to_owned(),
                    message: error_chain(e.as_ref()),
                })
            }
            Ok(Err(e)) => Attempt::Lost(TransportError::Lost {
                url: base.to_owned(),
                message: error_chain(e.as_ref()),
            }),
            Ok(Ok((_, Err(e)))) if e.is::<exchange::BodyTooLarge>() => {
                Attempt::Fatal(TransportError::TooLarge {
                    limit: MAX_RESPONSE_BYTES,
                })
            }
            Ok(Ok((_, Err(e)))) => Attempt::Lost(TransportError::Lost {
                url: base.to_owned(),
                message: e.to_string(),
            }),
            Ok(Ok((parts, Ok(body)))) => {
                let request_id = parts
                    .headers
                    .get(header::REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                span.record("status", parts.status.as_u16());
                span.record("latency_ms", started.elapsed().as_millis() as u64);
                if let Some(id) = &request_id {
                    span.record("request_id", id.as_str());
                }
                let response = ApiResponse {
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    request_id,
                    attempts: attempt,
                };
                let code = response.error_body().map(|err| err.code);
                if let Some(code) = &code {
                    span.record("code", code.as_str());
                }
                crate::metrics::attempt(
                    call.label(),
                    response.status.as_u16(),
                    code.as_ref().map_or("", |c| c.as_str()),
                    started.elapsed(),
                );
                tracing::debug!("answered");
                Attempt::Answer(response)
            }
        }
    }

    /// Verifies a 2xx answer, and any other answer that carries a signature, with the keys
    /// of the moment.
    fn check(&self, response: &ApiResponse) -> Result<(), VerifyError> {
        let signed = response.headers.contains_key(header::SIGNATURE);
        if !response.status.is_success() && !signed {
            return Ok(());
        }
        let headers = ResponseHeaders::from_fn(|name| {
            response.headers.get(name).and_then(|v| v.to_str().ok())
        })?;
        self.inner.keys.with(|keys| {
            self.inner
                .verifier
                .verify_with(keys, &headers, &response.body)
        })
    }

    /// [`check`](Self::check); in certificate mode, an unknown serial first downloads the
    /// certificates again (at most once a minute) and checks once more.
    async fn check_refreshing(&self, response: &ApiResponse) -> Result<(), VerifyError> {
        match self.check(response) {
            Err(VerifyError::UnknownSerial(serial)) if self.inner.certificates.is_some() => {
                if self.refresh_for_unknown(&serial).await {
                    self.check(response)
                } else {
                    Err(VerifyError::UnknownSerial(serial))
                }
            }
            other => other,
        }
    }
}

/// What one call sends and how it may be retried.
#[derive(Debug)]
struct Call<'a> {
    method: Method,
    path_and_query: &'a str,
    body: Bytes,
    /// The body line of the signed message when it is not the body (multipart `meta`).
    signed_body: Option<Bytes>,
    content_type: &'a str,
    retry: Retry,
    operation: Option<&'static Operation>,
    options: Option<&'a CallOptions>,
}

impl Call<'_> {
    /// The `operation` label of logs and metrics: the kebab-case name, `raw` for `execute`.
    fn label(&self) -> &'static str {
        self.operation.map_or("raw", |op| op.kebab)
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
