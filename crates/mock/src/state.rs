//! [`Emulator`]: everything the server shares between connections.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use parking_lot::{Mutex, RwLock};
use time::Date;
use wxpay_models::{ErrorRow, SendUserProductCouponRequest, UserProductCouponEntity, WxTime};
use wxpay_signing::clock::{Clock, SystemClock};
use wxpay_signing::{PlatformSigner, PrivateKey, PublicKey};

use crate::auth::{Merchant, NonceCache};
use crate::callbacks::Callbacks;
use crate::config::{CallbackConfig, ConfigError, Limits, MockConfig, read_to_string};
use crate::error::ApiError;
use crate::faults::Faults;
use crate::fixtures::{Fixtures, dev};
use crate::ledger::{Ledger, digest16};
use crate::metrics::Metrics;
use crate::rules::{Caller, SendInput, Sent};

const DEV_MERCHANT_PUB: &[u8] = include_bytes!("../dev-keys/merchant_pub.pem");
const DEV_PLATFORM_KEY: &[u8] = include_bytes!("../dev-keys/platform_key.pem");

/// The emulator's whole state: configuration, keys, ledger, limits, faults, metrics.
///
/// Usable without HTTP (for tests and for measuring the ledger): [`Emulator::send`] applies
/// the business rules directly.
///
/// ```
/// use wxpay_mock::{Emulator, fixtures::dev};
/// use wxpay_models::SendUserProductCouponRequest;
/// let emulator = Emulator::dev();
/// let coupon = emulator.send(dev::MCHID, &SendUserProductCouponRequest {
///     openid: "o1".into(),
///     product_coupon_id: dev::PRODUCT_COUPON_ID.into(),
///     appid: dev::APPID.into(),
///     stock_id: dev::STOCK_WECHATPAY.into(),
///     send_request_no: "REQ000001".into(),
///     brand_id: dev::BRAND_ID.into(),
///     ..Default::default()
/// })?;
/// assert_eq!(coupon.coupon_code, "8000000000001");
/// # Ok::<(), wxpay_mock::ApiError>(())
/// ```
#[derive(Debug)]
pub struct Emulator {
    pub(crate) merchants: HashMap<String, Merchant>,
    pub(crate) platform: PlatformSigner,
    pub(crate) limits: Limits,
    pub(crate) admin_token: Option<String>,
    fixtures: Fixtures,
    pub(crate) ledger: Mutex<Ledger>,
    pub(crate) nonces: NonceCache,
    limiter: RwLock<Arc<DefaultKeyedRateLimiter<String>>>,
    faults: RwLock<Faults>,
    clock_offset: AtomicI64,
    pub(crate) metrics: Metrics,
    pub(crate) callbacks: Callbacks,
    request_prefix: u32,
    request_counter: AtomicU64,
}

/// Size of the coupon ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerStats {
    /// Coupons issued.
    pub coupons: usize,
    /// Bytes the ledger holds for them (records, text, indexes), by capacity.
    pub heap_bytes: usize,
}

impl Emulator {
    /// The built-in dev state (DESIGN.md §3.3): dev keys, merchant 1900000001 (APIv3 key
    /// [`dev::APIV3_KEY`], no notify URL), brand 120344, appid wx233544546545989, the dev
    /// product coupons and stocks.
    pub fn dev() -> Self {
        let merchant = Merchant {
            mchid: dev::MCHID.into(),
            serial_no: dev::MERCHANT_SERIAL.into(),
            key: dev_key(PublicKey::from_pem(DEV_MERCHANT_PUB)),
            brands: vec![dev::BRAND_ID.into()],
            appids: vec![dev::APPID.into()],
            apiv3_key: Some(match wxpay_signing::ApiV3Key::new(dev::APIV3_KEY) {
                Ok(key) => key,
                Err(e) => panic!("built-in dev APIv3 key is invalid: {e}"),
            }),
            notify_url: RwLock::new(None),
        };
        let platform = PlatformSigner::new(
            dev::PLATFORM_KEY_ID,
            dev_key(PrivateKey::from_pem(DEV_PLATFORM_KEY)),
        );
        Self::new(
            vec![merchant],
            platform,
            Limits::default(),
            None,
            Fixtures::dev(WxTime::now()),
        )
    }

    /// The same state with other limits (rate, timestamp window, body size).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.nonces = NonceCache::new(limits.timestamp_skew_secs);
        *self.limiter.get_mut() = Arc::new(limiter(limits.rate_per_sec));
        self.limits = limits;
        self
    }

    /// The same state with an admin token (every admin call then needs `Authorization:
    /// Bearer <token>`).
    pub fn with_admin_token(mut self, token: Option<String>) -> Self {
        self.admin_token = token;
        self
    }

    /// The same state with callbacks: every merchant gets this APIv3 key and notify URL, and
    /// deliveries follow `config` (a compressed retry schedule, in tests).
    pub fn with_callbacks(
        mut self,
        apiv3_key: &wxpay_signing::ApiV3Key,
        notify_url: Option<&str>,
        config: CallbackConfig,
    ) -> Self {
        for m in self.merchants.values_mut() {
            m.apiv3_key = Some(apiv3_key.clone());
            *m.notify_url.get_mut() = notify_url.map(str::to_owned);
        }
        self.callbacks = Callbacks::new(config);
        self
    }

    /// The state a configuration describes (keys and fixtures are loaded here).
    pub fn from_config(config: &MockConfig) -> Result<Self, ConfigError> {
        let platform_key = PrivateKey::from_pem_file(
            config.resolve(&config.platform.private_key_file),
        )
        .map_err(|source| ConfigError::Key {
            key: "platform.private_key_file".into(),
            source,
        })?;
        let platform = PlatformSigner::new(config.platform.public_key_id.clone(), platform_key);
        let mut merchants = Vec::new();
        for (i, m) in config.merchants.iter().enumerate() {
            let key =
                PublicKey::from_pem_file(config.resolve(&m.public_key_file)).map_err(|source| {
                    ConfigError::Key {
                        key: format!("merchants[{i}].public_key_file"),
                        source,
                    }
                })?;
            let apiv3_key = m
                .apiv3_key
                .as_deref()
                .map(wxpay_signing::ApiV3Key::new)
                .transpose()
                .map_err(|e| {
                    ConfigError::invalid(format!("merchants[{i}].apiv3_key"), e.to_string())
                })?;
            merchants.push(Merchant {
                mchid: m.mchid.clone(),
                serial_no: m.serial_no.clone(),
                key,
                brands: m.brands.clone(),
                appids: m.appids.clone(),
                apiv3_key,
                notify_url: RwLock::new(m.notify_url.clone()),
            });
        }
        let fixtures = match &config.fixtures_file {
            Some(file) => {
                let path = config.resolve(file);
                serde_json::from_str(&read_to_string(&path)?).map_err(|e| ConfigError::Parse {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?
            }
            None => Fixtures::default(),
        };
        let mut emulator = Self::new(
            merchants,
            platform,
            config.limits.clone(),
            config.admin_token.clone(),
            fixtures,
        );
        emulator.callbacks = Callbacks::new(config.callbacks.clone());
        emulator.check_fixtures()?;
        Ok(emulator)
    }

    fn new(
        merchants: Vec<Merchant>,
        platform: PlatformSigner,
        limits: Limits,
        admin_token: Option<String>,
        fixtures: Fixtures,
    ) -> Self {
        let emulator = Self {
            merchants: merchants
                .into_iter()
                .map(|m| (m.mchid.clone(), m))
                .collect(),
            platform,
            nonces: NonceCache::new(limits.timestamp_skew_secs),
            limiter: RwLock::new(Arc::new(limiter(limits.rate_per_sec))),
            limits,
            admin_token,
            fixtures,
            ledger: Mutex::new(Ledger::default()),
            faults: RwLock::new(Faults::default()),
            clock_offset: AtomicI64::new(0),
            metrics: Metrics::new(),
            callbacks: Callbacks::new(CallbackConfig::default()),
            request_prefix: fastrand::u32(..),
            request_counter: AtomicU64::new(0),
        };
        emulator.reset();
        emulator
    }

    /// Loading fixtures reports what it skipped; a config with bad fixtures is an error.
    fn check_fixtures(&self) -> Result<(), ConfigError> {
        let ledger = self.ledger.lock();
        for stock in &self.fixtures.stocks {
            if ledger.stock(&stock.stock_id).is_none() {
                return Err(ConfigError::invalid(
                    "fixtures_file",
                    format!(
                        "stock {} is a duplicate or belongs to an unknown product coupon {}",
                        stock.stock_id, stock.product_coupon_id
                    ),
                ));
            }
        }
        if ledger.products.len() != self.fixtures.product_coupons.len() {
            return Err(ConfigError::invalid(
                "fixtures_file",
                "duplicate product_coupon_id",
            ));
        }
        for id in self.fixtures.uploaded_codes.keys() {
            if ledger.stock(id).is_none() {
                return Err(ConfigError::invalid(
                    "fixtures_file",
                    format!("uploaded_codes for unknown stock {id}"),
                ));
            }
        }
        Ok(())
    }

    /// Back to the loaded fixtures: clears coupons, idempotency records, nonces, rate
    /// windows, faults and the clock offset.
    pub fn reset(&self) {
        let mut ledger = Ledger::default();
        for product in &self.fixtures.product_coupons {
            ledger.add_product(product.clone());
        }
        for stock in &self.fixtures.stocks {
            let _ = ledger.add_stock(stock.clone());
        }
        for (id, codes) in &self.fixtures.uploaded_codes {
            if let Some(stock) = ledger.stock(id) {
                ledger.upload_codes(stock, codes.clone());
            }
        }
        *self.ledger.lock() = ledger;
        self.nonces.clear();
        *self.limiter.write() = Arc::new(limiter(self.limits.rate_per_sec));
        *self.faults.write() = Faults::default();
        self.clock_offset.store(0, Ordering::Relaxed);
        self.callbacks.clear();
    }

    /// Real time, Unix seconds (the signature window).
    pub(crate) fn real_now(&self) -> i64 {
        SystemClock.now_unix()
    }

    /// Business time: real time plus the `PUT /mock/clock` offset.
    pub fn business_now(&self) -> i64 {
        self.real_now() + self.clock_offset.load(Ordering::Relaxed)
    }

    pub(crate) fn business_day(&self) -> Date {
        WxTime::from_unix(self.business_now())
            .map_or_else(|_| WxTime::now().beijing_date(), |t| t.beijing_date())
    }

    /// Moves business time by `secs` from real time (absolute, not cumulative).
    pub fn set_clock_offset(&self, secs: i64) {
        self.clock_offset.store(secs, Ordering::Relaxed);
    }

    /// The current fault set.
    pub fn faults(&self) -> Faults {
        *self.faults.read()
    }

    /// Replaces the fault set.
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.write() = faults;
    }

    /// Whether `mchid` may make one more call now.
    pub(crate) fn admit(&self, mchid: &str) -> bool {
        let limiter = self.limiter.read().clone();
        limiter.check_key(&mchid.to_owned()).is_ok()
    }

    /// A fresh Request-ID: 28 upper-case hex digits, like WeChat Pay's.
    pub(crate) fn request_id(&self) -> String {
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        format!("{:08X}{:020X}", self.request_prefix, n)
    }

    /// Applies the business rules (steps 5–11) for an already-authenticated `mchid`, without
    /// HTTP, signatures or rate limit. Injected faults other than `error_rate` do not apply.
    pub fn send(
        &self,
        mchid: &str,
        request: &SendUserProductCouponRequest,
    ) -> Result<UserProductCouponEntity, ApiError> {
        let merchant = self
            .merchants
            .get(mchid)
            .ok_or_else(|| ApiError::new(ErrorRow::SignError, format!("unknown mchid {mchid}")))?;
        request.validate().map_err(|e| ApiError::validation(&e))?;
        let fail = crate::faults::roll(self.faults().error_rate);
        self.send_checked(merchant, request, fail)
            .map(|(entity, _)| entity)
    }

    /// Steps 5–11 for a decoded, valid request: the entity and whether it is new.
    pub(crate) fn send_checked(
        &self,
        merchant: &Merchant,
        request: &SendUserProductCouponRequest,
        fail: bool,
    ) -> Result<(UserProductCouponEntity, bool), ApiError> {
        let params = digest16(&request.to_body().unwrap_or_default());
        let now = self.business_now();
        let input = SendInput {
            caller: Caller {
                mchid: &merchant.mchid,
                brands: &merchant.brands,
                appids: &merchant.appids,
            },
            request,
            params,
            now,
            fail,
        };
        let mut ledger = self.ledger.lock();
        let sent = ledger.send(&input)?;
        let entity = ledger.entity(sent.coupon(), now);
        drop(ledger);
        match sent {
            Sent::New(_) => {
                self.metrics.issued();
                self.queue_callback(merchant, &request.openid, &entity);
            }
            Sent::Replay(_) => self.metrics.replayed(),
        }
        Ok((entity, matches!(sent, Sent::New(_))))
    }

    /// A product coupon as stored.
    pub fn product_coupon(&self, id: &str) -> Option<wxpay_models::ProductCouponEntity> {
        let ledger = self.ledger.lock();
        ledger
            .product(id)
            .map(|p| ledger.products[p as usize].clone())
    }

    /// A stock with its live counters.
    pub fn stock(&self, id: &str) -> Option<wxpay_models::StockEntity> {
        let day = self.business_day();
        let ledger = self.ledger.lock();
        ledger.stock(id).map(|s| ledger.stock_entity(s, day))
    }

    /// Coupons issued and the bytes the ledger holds for them.
    pub fn ledger_stats(&self) -> LedgerStats {
        let ledger = self.ledger.lock();
        LedgerStats {
            coupons: ledger.coupons.len(),
            heap_bytes: ledger.heap_bytes(),
        }
    }

    /// Answers counted with HTTP `status`, from the metrics.
    pub fn answered_with_status(&self, status: u16) -> u64 {
        self.metrics.count_status(status)
    }
}

fn limiter(rate: u32) -> DefaultKeyedRateLimiter<String> {
    RateLimiter::keyed(Quota::per_second(
        NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN),
    ))
}

/// The dev keys are compiled in and known good; a failure here is a build defect, reported
/// loudly rather than papered over.
fn dev_key<T>(key: Result<T, wxpay_signing::KeyError>) -> T {
    match key {
        Ok(key) => key,
        Err(e) => panic!("built-in dev key is corrupt: {e}"),
    }
}
