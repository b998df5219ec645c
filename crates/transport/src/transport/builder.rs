//! [`TransportBuilder`]: a transport's settings, from values or a [`ClientConfig`], checked
//! when the transport is built.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use parking_lot::Mutex;
use rustls_pki_types::CertificateDer;
use wxpay_models::{Mode, RateLimit};
use wxpay_signing::{ApiV3Key, KeyStore, Principal, RequestSigner, Verifier};

use super::refresh::{AutoCertificates, DEFAULT_REFRESH};
use super::{Inner, Transport};
use crate::config::{
    ClientConfig, ConfigError, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL, check_base_url,
};
use crate::connector::{http_client, proxies};
use crate::endpoints::Endpoints;
use crate::exchange::{self, BoxError, ExchangeSetup, HttpRequest, HttpService};
use crate::key_store::SharedKeyStore;
use crate::pacer::{Pacer, smooth_limiter};
use crate::retry::RetryPolicy;

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
#[must_use = "a builder does nothing until `build()` is called"]
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
    exchange: ExchangeSetup,
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
            .map_or(DEFAULT_REFRESH, |(_, every)| *every);
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

    /// Wraps every attempt's HTTP exchange in a tower layer of yours (tracing, a timeout, a
    /// header, your own metrics…). The request it sees is signed: a layer may add headers but
    /// must not change the method, URI or body. Each call wraps what is there so far, so the
    /// last layer added is the outermost; pass a `tower::ServiceBuilder` for a whole stack.
    ///
    /// ```
    /// use wxpay_signing::{KeyStore, PrivateKey, PublicKey, Signer};
    /// use wxpay_transport::Transport;
    /// use wxpay_transport::exchange::HttpRequest;
    /// let signer = Signer::new("1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", PrivateKey::from_pem(wxpay_mock::dev_keys::MERCHANT_KEY.as_bytes())?);
    /// let keys = KeyStore::new().with_public_key("PUB_KEY_ID_0119000000012025112900000000000001", PublicKey::from_pem(wxpay_mock::dev_keys::PLATFORM_PUB.as_bytes())?);
    /// let tagged = tower::util::MapRequestLayer::new(|mut r: HttpRequest| {
    ///     r.headers_mut().insert("x-tenant", http::HeaderValue::from_static("shop-1"));
    ///     r
    /// });
    /// let transport = Transport::builder(signer, keys).layer(tagged).build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layer<L, S, B>(mut self, layer: L) -> Self
    where
        L: tower_layer::Layer<HttpService, Service = S> + Send + Sync + 'static,
        S: tower_service::Service<HttpRequest, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.exchange.push_layer(layer);
        self
    }

    /// Sends through your HTTP client instead of the built-in one (then `proxy`, root
    /// certificates and the connect timeout are yours to set there). Any tower `Service` of
    /// [`HttpRequest`] answering an `http::Response` with a body of `Bytes`. Return a
    /// [`ConnectError`](crate::exchange::ConnectError) (or one in the source chain) when no
    /// connection was made, so that the transport may resend and fail over; any other error
    /// counts as a lost answer.
    pub fn http_client<S, B>(mut self, client: S) -> Self
    where
        S: tower_service::Service<HttpRequest, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.exchange.client = Some(exchange::boxed(client));
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
