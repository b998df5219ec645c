//! [`Transport`]: one signed, verified, retried, rate-limited API call.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use rustls_pki_types::CertificateDer;
use tracing::Instrument;
use wxpay_signing::{KeyStore, ResponseHeaders, Signer, Verifier, VerifyError, header};

use crate::config::{
    ClientConfig, ConfigError, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL, check_base_url,
};
use crate::connector::{HttpClient, http_client, proxies};
use crate::endpoints::Endpoints;
use crate::error::TransportError;
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
/// ```
/// use wxpay_signing::{KeyStore, PrivateKey, PublicKey, Signer};
/// use wxpay_transport::Transport;
/// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../mock/dev-keys");
/// let signer = Signer::new("1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", PrivateKey::from_pem_file(format!("{dir}/merchant_key.pem"))?);
/// let keys = KeyStore::new().with_public_key("PUB_KEY_ID_0119000000012025112900000000000001", PublicKey::from_pem_file(format!("{dir}/platform_pub.pem"))?);
/// let transport = Transport::builder(signer, keys).rate_limit_per_sec(500).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TransportBuilder {
    signer: Signer,
    keys: KeyStore,
    wechatpay_serial: Option<String>,
    base_url: String,
    backup_base_url: String,
    rate_limit_per_sec: u32,
    timeout: Duration,
    retry: RetryPolicy,
    proxy: Option<String>,
    roots: Option<Vec<CertificateDer<'static>>>,
    failover_cooldown: Duration,
}

impl TransportBuilder {
    /// Primary and backup WeChat Pay domains, 1000 requests/s, 10 s per attempt, 3 retries.
    pub fn new(signer: Signer, keys: KeyStore) -> Self {
        let wechatpay_serial = keys.ids().next().map(str::to_owned);
        Self {
            signer,
            wechatpay_serial,
            keys,
            base_url: DEFAULT_BASE_URL.into(),
            backup_base_url: DEFAULT_BACKUP_BASE_URL.into(),
            rate_limit_per_sec: 1000,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            proxy: None,
            roots: None,
            failover_cooldown: Duration::from_secs(30),
        }
    }

    /// Everything a configuration file says, keys loaded.
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
        builder.proxy = config.proxy.clone();
        if !config.root_cert_files.is_empty() {
            builder.roots = Some(config.root_certificates()?);
        }
        Ok(builder)
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

    /// How long requests stay on the backup after the primary failed.
    pub fn failover_cooldown(mut self, cooldown: Duration) -> Self {
        self.failover_cooldown = cooldown;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Transport, ConfigError> {
        check_base_url("base_url", &self.base_url)?;
        check_base_url("backup_base_url", &self.backup_base_url)?;
        if self.keys.is_empty() {
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
        let http = http_client(
            self.roots.as_deref(),
            proxies(self.proxy.as_deref()),
            self.timeout,
        )
        .map_err(|e| ConfigError::Invalid {
            key: "root_cert_files",
            problem: e.to_string(),
        })?;
        let limiter = NonZeroU32::new(self.rate_limit_per_sec).map(|rate| {
            // Smoother than the server's quota (burst = rate), so that jitter on the way
            // never turns into 429s.
            let burst = NonZeroU32::new(rate.get() / 10).unwrap_or(NonZeroU32::MIN);
            RateLimiter::direct(Quota::per_second(rate).allow_burst(burst))
        });
        Ok(Transport {
            inner: Arc::new(Inner {
                http,
                signer: self.signer,
                verifier: Verifier::new(self.keys),
                wechatpay_serial: self.wechatpay_serial,
                endpoints: Endpoints::new(
                    self.base_url,
                    self.backup_base_url,
                    self.failover_cooldown,
                ),
                limiter,
                pacer: tokio::sync::Mutex::new(()),
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
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: HttpClient,
    signer: Signer,
    verifier: Verifier,
    wechatpay_serial: Option<String>,
    endpoints: Endpoints,
    limiter: Option<DefaultDirectRateLimiter>,
    pacer: tokio::sync::Mutex<()>,
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
    pub fn builder(signer: Signer, keys: KeyStore) -> TransportBuilder {
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

    /// The merchant id requests are signed for.
    pub fn mchid(&self) -> &str {
        self.inner.signer.mchid()
    }

    /// Sends `body` (the exact bytes, identical in every attempt) and returns the final
    /// answer: a 2xx or a business error, verified; or, once retries are spent, the last 429
    /// or 5xx answer. Errors are what produced no usable answer at all.
    pub async fn execute(
        &self,
        method: Method,
        path_and_query: &str,
        body: Bytes,
    ) -> Result<ApiResponse, TransportError> {
        let inner = &self.inner;
        let started = Instant::now();
        let (mut which, _) = inner.endpoints.pick();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if let Some(limiter) = &inner.limiter {
                // One waiter at a time, in arrival order: the others wait on the lock
                // instead of all waking at each permit and going back to sleep.
                let _turn = inner.pacer.lock().await;
                pace(limiter).await;
            }
            let base = inner.endpoints.url(which).to_owned();
            let span = tracing::info_span!(
                "wxpay.request",
                method = %method,
                path = %path_and_query,
                attempt,
                base = %base,
                status = tracing::field::Empty,
                code = tracing::field::Empty,
                request_id = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let outcome = self
                .attempt(&method, &base, path_and_query, &body, attempt)
                .instrument(span.clone())
                .await;
            let exhausted =
                attempt > inner.retry.max_retries || started.elapsed() >= inner.retry.max_elapsed;
            let mut switched = false;
            let last = match outcome {
                Attempt::Answer(response) => {
                    inner.endpoints.succeeded(which);
                    match self.check(&response) {
                        Ok(()) if !retryable_status(response.status) => return Ok(response),
                        Ok(()) if exhausted => return Ok(response),
                        Ok(()) => {
                            tracing::debug!(parent: &span, "retryable answer {}", response.status);
                            None
                        }
                        Err(kind) => {
                            tracing::warn!(parent: &span, "answer not verified: {kind}");
                            Some(TransportError::Unverified {
                                kind,
                                status: response.status.as_u16(),
                                request_id: response.request_id,
                            })
                        }
                    }
                }
                Attempt::Unreachable(e) => {
                    tracing::warn!(parent: &span, "{e}");
                    inner.endpoints.failed(which);
                    let (next, _) = inner.endpoints.other(which);
                    switched = next != which;
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
    async fn attempt(
        &self,
        method: &Method,
        base: &str,
        path_and_query: &str,
        body: &Bytes,
        attempt: u32,
    ) -> Attempt {
        let inner = &self.inner;
        let auth = match inner
            .signer
            .authorization(method.as_str(), path_and_query, body)
        {
            Ok(auth) => auth.to_string(),
            Err(e) => return Attempt::Fatal(e.into()),
        };
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(format!("{base}{path_and_query}"))
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, &inner.user_agent);
        if let Some(serial) = &inner.wechatpay_serial {
            builder = builder.header(header::SERIAL, serial);
        }
        let request = match builder.body(Full::new(body.clone())) {
            Ok(r) => r,
            Err(e) => return Attempt::Fatal(TransportError::Request(e.to_string())),
        };
        let started = Instant::now();
        let exchange = async {
            let response = inner.http.request(request).await?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map(|b| b.to_bytes());
            Ok::<_, hyper_util::client::legacy::Error>((parts, body))
        };
        let span = tracing::Span::current();
        match tokio::time::timeout(inner.timeout, exchange).await {
            Err(_) => Attempt::Unreachable(TransportError::Timeout {
                url: base.to_owned(),
                after: inner.timeout,
            }),
            Ok(Err(e)) if e.is_connect() => Attempt::Unreachable(TransportError::Connect {
                url: base.to_owned(),
                message: error_chain(&e),
            }),
            Ok(Err(e)) => Attempt::Lost(TransportError::Lost {
                url: base.to_owned(),
                message: error_chain(&e),
            }),
            Ok(Ok((_, Err(e)))) if e.is::<http_body_util::LengthLimitError>() => {
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
                if let Some(err) = response.error_body() {
                    span.record("code", err.code.as_str());
                }
                tracing::debug!("answered");
                Attempt::Answer(response)
            }
        }
    }

    /// Verifies a 2xx answer, and any other answer that carries a signature.
    fn check(&self, response: &ApiResponse) -> Result<(), VerifyError> {
        let signed = response.headers.contains_key(header::SIGNATURE);
        if !response.status.is_success() && !signed {
            return Ok(());
        }
        let headers = ResponseHeaders::from_fn(|name| {
            response.headers.get(name).and_then(|v| v.to_str().ok())
        })?;
        self.inner.verifier.verify(&headers, &response.body)
    }
}

/// Waits for the rate limiter on tokio's timer. (governor's `until_ready` sleeps on
/// futures-timer's own thread: a cross-thread wake-up per request, which cost the campaign
/// ≈ 10 % of its CPU in context switches.)
async fn pace(limiter: &DefaultDirectRateLimiter) {
    use governor::clock::Clock as _;
    loop {
        match limiter.check() {
            Ok(()) => return,
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                // At least a millisecond: tokio's timer granularity, and no busy loop.
                tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
            }
        }
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
