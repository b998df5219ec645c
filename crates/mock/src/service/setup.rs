//! Making an [`Emulator`]: the built-in dev state, or a configuration's callers, keys,
//! fixtures, limits and callback settings.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use wxpay_mock_core::{Fixtures, Seed, fixtures::dev};
use wxpay_models::{Mode, WxTime};
use wxpay_signing::{Certificate, PlatformSigner, PrivateKey, PublicKey};

use super::Emulator;
use super::caller::{Caller, NonceCache};
use super::certificates::Served;
use super::log::Log;
use super::metrics::Metrics;
use super::platform::Platform;
use super::snapshots::MemorySnapshots;
use super::space::{Space, fresh_salt};
use crate::config::{
    CallbackConfig, ConfigError, Limits, MAX_FIXTURES_BYTES, MockConfig, load_roots, read_to_string,
};

const DEV_MERCHANT_PUB: &[u8] = include_bytes!("../../dev-keys/merchant_pub.pem");
const DEV_PLATFORM_KEY: &[u8] = include_bytes!("../../dev-keys/platform_key.pem");
const DEV_PLATFORM_CERT: &str = include_str!("../../dev-keys/platform_cert.pem");

impl Emulator {
    /// The built-in dev state (docs/emulator.md): dev keys, merchant 1900000001 (APIv3 key
    /// [`dev::APIV3_KEY`], no notify URL), brand 120344 (also calling for itself in
    /// brand-direct mode, serial [`dev::BRAND_SERIAL`]), appid wx233544546545989, the dev
    /// product coupons and stocks.
    pub fn dev() -> Self {
        let apiv3_key = dev_key(wxpay_signing::ApiV3Key::new(dev::APIV3_KEY));
        let merchant_key = || dev_key(PublicKey::from_pem(DEV_MERCHANT_PUB));
        let brands = || vec![dev::BRAND_ID.to_owned()];
        let appids = || vec![dev::APPID.to_owned()];
        let partner = Caller::new(
            Mode::Partner,
            dev::MCHID,
            dev::MERCHANT_SERIAL,
            merchant_key(),
            brands(),
            appids(),
            Some(apiv3_key.clone()),
        );
        let brand = Caller::new(
            Mode::Brand,
            dev::BRAND_ID,
            dev::BRAND_SERIAL,
            merchant_key(),
            brands(),
            appids(),
            Some(apiv3_key),
        );
        let platform = Platform::new(
            PlatformSigner::new(
                dev::PLATFORM_KEY_ID,
                dev_key(PrivateKey::from_pem(DEV_PLATFORM_KEY)),
            ),
            Vec::new(),
            Vec::new(),
        );
        let seed = Seed::new(Fixtures::dev(WxTime::now()), fresh_salt());
        let emulator = Self::new(
            vec![partner, brand],
            platform,
            Limits::default(),
            None,
            seed,
            CallbackConfig::default(),
        );
        // The dev fixtures are compiled in and known good.
        dev_key(emulator)
    }

    /// The same state, also serving the dev platform certificate (serial
    /// `1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C`, over the dev platform key) at
    /// `GET /v3/certificates`: what a client in certificate mode downloads and verifies
    /// with. Answers to requests that name its serial, or no key at all, are signed under
    /// it, and so are the callbacks of callers whose last request did; requests naming the
    /// public key id keep the public key. `wxpay-mock --dev-certificate`.
    ///
    /// ```
    /// let emulator = wxpay_mock::Emulator::dev().with_dev_certificate();
    /// # drop(emulator);
    /// ```
    pub fn with_dev_certificate(mut self) -> Self {
        let certificate = dev_key(Certificate::from_pem(DEV_PLATFORM_CERT.as_bytes()));
        let held = self.platform.certificates().iter();
        if held
            .map(|s| s.certificate.serial_no())
            .any(|s| s == certificate.serial_no())
        {
            return self;
        }
        let key = dev_key(PrivateKey::from_pem(DEV_PLATFORM_KEY));
        let signer = PlatformSigner::new(certificate.serial_no(), key);
        self.platform.add_certificate(
            signer,
            Served {
                certificate,
                pem: DEV_PLATFORM_CERT.to_owned(),
            },
        );
        self
    }

    /// The same state with other limits (rates, timestamp window, body size).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.nonces = NonceCache::new(limits.timestamp_skew_secs);
        self.space.clear_service_state(&limits);
        self.limits = limits;
        self
    }

    /// The same state with an admin token (every admin call then needs `Authorization:
    /// Bearer <token>`).
    pub fn with_admin_token(mut self, token: Option<String>) -> Self {
        self.admin_token = token;
        self
    }

    /// The same state with callbacks: every caller gets this APIv3 key and notify URL, and
    /// deliveries follow `config` (a compressed retry schedule, in tests).
    pub fn with_callbacks(
        self,
        apiv3_key: &wxpay_signing::ApiV3Key,
        notify_url: Option<&str>,
        config: CallbackConfig,
    ) -> Self {
        let callers: Vec<Caller> = self
            .callers
            .into_inner()
            .into_values()
            .map(|c| {
                Caller::new(
                    c.actor.mode(),
                    c.actor.id(),
                    &c.serial_no,
                    c.key.clone(),
                    c.actor.brands().to_vec(),
                    c.actor.appids().to_vec(),
                    Some(apiv3_key.clone()),
                )
            })
            .collect();
        let mut seed = self.space.seed().clone();
        seed.notify = notify_url
            .map(|url| {
                callers
                    .iter()
                    .map(|c| ((c.mode(), c.id().to_owned()), url.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        // The seed was good for the same fixtures.
        dev_key(Self::new(
            callers,
            self.platform,
            self.limits,
            self.admin_token,
            seed,
            config,
        ))
    }

    /// The state a configuration describes (keys and fixtures are loaded here).
    pub fn from_config(config: &MockConfig) -> Result<Self, ConfigError> {
        let load_private = |key: &str, file: &std::path::Path| {
            PrivateKey::from_pem_file(config.resolve(file)).map_err(|source| ConfigError::Key {
                key: key.into(),
                source,
            })
        };
        let default = PlatformSigner::new(
            config.platform.public_key_id.clone(),
            load_private(
                "platform.private_key_file",
                &config.platform.private_key_file,
            )?,
        );
        let (others, certificates) = super::certificates::load(config)?;
        let mut callers = Vec::new();
        let mut notify = Vec::new();
        let entries = config
            .merchants
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    format!("merchants[{i}]"),
                    Mode::Partner,
                    &m.mchid,
                    &m.serial_no,
                    &m.public_key_file,
                    m.brands.clone(),
                    &m.appids,
                    &m.apiv3_key,
                    &m.notify_url,
                )
            })
            .chain(config.brands.iter().enumerate().map(|(i, b)| {
                (
                    format!("brands[{i}]"),
                    Mode::Brand,
                    &b.brand_id,
                    &b.serial_no,
                    &b.public_key_file,
                    vec![b.brand_id.clone()],
                    &b.appids,
                    &b.apiv3_key,
                    &b.notify_url,
                )
            }));
        for (at, mode, id, serial, key_file, brands, appids, apiv3_key, notify_url) in entries {
            let key = PublicKey::from_pem_file(config.resolve(key_file)).map_err(|source| {
                ConfigError::Key {
                    key: format!("{at}.public_key_file"),
                    source,
                }
            })?;
            let apiv3_key = apiv3_key
                .as_deref()
                .map(wxpay_signing::ApiV3Key::new)
                .transpose()
                .map_err(|e| ConfigError::invalid(format!("{at}.apiv3_key"), e.to_string()))?;
            if let Some(url) = notify_url {
                notify.push(((mode, id.clone()), url.clone()));
            }
            callers.push(Caller::new(
                mode,
                id,
                serial,
                key,
                brands,
                appids.clone(),
                apiv3_key,
            ));
        }
        let fixtures = match &config.fixtures_file {
            Some(file) => {
                let path = config.resolve(file);
                let text = read_to_string(&path, MAX_FIXTURES_BYTES, "a fixtures file")?;
                serde_json::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?
            }
            None => Fixtures::default(),
        };
        let mut callbacks = config.callbacks.clone();
        callbacks.root_cert_files = callbacks
            .root_cert_files
            .iter()
            .map(|p| config.resolve(p))
            .collect();
        load_roots(&callbacks.root_cert_files)
            .map_err(|e| ConfigError::invalid("callbacks.root_cert_files", e))?;
        let seed = Seed {
            fixtures,
            notify,
            salt: fresh_salt(),
        };
        Self::new(
            callers,
            Platform::new(default, others, certificates),
            config.limits.clone(),
            config.admin_token.clone(),
            seed,
            callbacks,
        )
        .map_err(|e| ConfigError::invalid("fixtures_file", e.0))
    }

    fn new(
        callers: Vec<Caller>,
        platform: Platform,
        limits: Limits,
        admin_token: Option<String>,
        seed: Seed,
        callback_config: CallbackConfig,
    ) -> Result<Self, wxpay_mock_core::SeedError> {
        let log = Arc::new(Log::default());
        let wake = Arc::new(tokio::sync::Notify::new());
        let now = WxTime::now().unix_timestamp();
        let space = Space::new("", seed, now, &limits, log.clone(), wake.clone())?;
        Ok(Self {
            callers: parking_lot::RwLock::new(
                callers
                    .into_iter()
                    .map(|c| ((c.mode(), c.id().to_owned()), Arc::new(c)))
                    .collect(),
            ),
            platform,
            nonces: NonceCache::new(limits.timestamp_skew_secs),
            limits,
            admin_token,
            space: Arc::new(space),
            namespaces: parking_lot::RwLock::new(std::collections::BTreeMap::new()),
            namespaces_made: AtomicU64::new(0),
            wake,
            metrics: Metrics::new(),
            callback_config,
            log,
            snapshots: parking_lot::RwLock::new(Arc::new(MemorySnapshots::default())),
            attached: parking_lot::Mutex::new(Vec::new()),
            request_prefix: fastrand::u32(..),
            request_counter: AtomicU64::new(0),
        })
    }
}

/// The dev keys and fixtures are compiled in and known good; a failure here is a build
/// defect, reported loudly rather than papered over.
fn dev_key<T, E: std::fmt::Display>(value: Result<T, E>) -> T {
    match value {
        Ok(value) => value,
        Err(e) => panic!("built-in dev state is corrupt: {e}"),
    }
}
