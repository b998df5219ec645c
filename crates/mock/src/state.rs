//! [`Emulator`]: everything the server shares between connections — callers, keys, the
//! world (catalogue, coupons, request records), limits, faults, clock, metrics, callbacks.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use parking_lot::{Mutex, RwLock};
use time::Date;
use wxpay_models::{
    Mode, Operation, SendUserProductCouponRequest, UserProductCouponEntity, WxTime, operations,
};
use wxpay_signing::clock::{Clock, SystemClock};
use wxpay_signing::{PlatformSigner, PrivateKey, PublicKey};

use crate::callbacks::Callbacks;
use crate::caller::{Caller, Callers, NonceCache, NotifyTarget};
use crate::config::{
    CallbackConfig, ConfigError, Limits, MAX_FIXTURES_BYTES, MockConfig, read_to_string,
};
use crate::error::ErrorAnswer;
use crate::faults::Faults;
use crate::fixtures::{Fixtures, dev};
use crate::journal::Journal;
use crate::metrics::Metrics;
use crate::world::World;

const DEV_MERCHANT_PUB: &[u8] = include_bytes!("../dev-keys/merchant_pub.pem");
const DEV_PLATFORM_KEY: &[u8] = include_bytes!("../dev-keys/platform_key.pem");

/// The emulator's whole state: configuration, keys, world, limits, faults, metrics.
///
/// Usable without HTTP (for tests and for measuring the ledger): [`Emulator::send`] applies
/// the send rules directly, [`Emulator::call`] runs the whole API on an in-memory request.
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
///     brand_id: Some(dev::BRAND_ID.into()),
///     ..Default::default()
/// })?;
/// assert_eq!(coupon.coupon_code, "8000000000001");
/// # Ok::<(), wxpay_mock::ErrorAnswer>(())
/// ```
#[derive(Debug)]
pub struct Emulator {
    pub(crate) callers: Callers,
    pub(crate) platform: Platform,
    pub(crate) limits: Limits,
    pub(crate) admin_token: Option<String>,
    fixtures: Fixtures,
    pub(crate) world: Mutex<World>,
    pub(crate) nonces: NonceCache,
    limiters: RwLock<Arc<OperationLimiters>>,
    faults: RwLock<Faults>,
    clock_offset: AtomicI64,
    pub(crate) metrics: Metrics,
    pub(crate) callbacks: Callbacks,
    pub(crate) journal: Journal,
    request_prefix: u32,
    request_counter: AtomicU64,
    persister: Mutex<Option<crate::persist::Persister>>,
}

/// Size of the coupon ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerStats {
    /// Coupons issued.
    pub coupons: usize,
    /// Bytes the ledger holds for them (records, text, indexes), by capacity.
    pub heap_bytes: usize,
}

/// The WeChat Pay keys answers are signed with: the public key first (the default), then a
/// platform certificate's, if configured.
#[derive(Debug)]
pub(crate) struct Platform {
    signers: Vec<PlatformSigner>,
}

impl Platform {
    /// The signer `Wechatpay-Serial` names, else the default one.
    pub(crate) fn for_serial(&self, serial: Option<&str>) -> &PlatformSigner {
        serial
            .and_then(|s| {
                self.signers
                    .iter()
                    .find(|p| p.serial().eq_ignore_ascii_case(s))
            })
            .unwrap_or(&self.signers[0])
    }

    /// The default signer (callbacks).
    pub(crate) fn default_signer(&self) -> &PlatformSigner {
        &self.signers[0]
    }
}

/// One keyed limiter per operation and mode, at its documented (or configured) rate.
#[derive(Debug)]
struct OperationLimiters {
    /// Index: position in [`operations::ALL`] × 2 + mode.
    limiters: Vec<(u32, DefaultKeyedRateLimiter<String>)>,
}

impl OperationLimiters {
    fn new(limits: &Limits) -> Self {
        let mut limiters = Vec::with_capacity(operations::ALL.len() * 2);
        for op in operations::ALL {
            for mode in Mode::ALL {
                let rate = rate_of(limits, op, mode);
                limiters.push((
                    rate,
                    RateLimiter::keyed(Quota::per_second(
                        NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN),
                    )),
                ));
            }
        }
        Self { limiters }
    }

    fn slot(&self, op: &Operation, mode: Mode) -> Option<&(u32, DefaultKeyedRateLimiter<String>)> {
        let index = operations::ALL.iter().position(|o| o.name == op.name)?;
        self.limiters
            .get(index * 2 + usize::from(mode == Mode::Brand))
    }
}

/// The per-second rate of `op` per caller in `mode`: `[limits.operations]`, else (sends)
/// `rate_per_sec`, else the documented one.
pub(crate) fn rate_of(limits: &Limits, op: &Operation, mode: Mode) -> u32 {
    if let Some(&rate) = limits.operations.get(op.kebab) {
        return rate;
    }
    if op.name == operations::SEND_USER_PRODUCT_COUPON.name && mode == Mode::Partner {
        return limits.rate_per_sec;
    }
    op.limit(mode).map_or(limits.rate_per_sec, |l| {
        // Per-minute limits become their per-second average, at least 1.
        (l.count / u32::try_from(l.period_secs()).unwrap_or(1)).max(1)
    })
}

impl Emulator {
    /// The built-in dev state (docs/emulator.md): dev keys, merchant 1900000001 (APIv3 key
    /// [`dev::APIV3_KEY`], no notify URL), brand 120344 (also calling for itself in
    /// brand-direct mode, serial [`dev::BRAND_SERIAL`]), appid wx233544546545989, the dev
    /// product coupons and stocks.
    pub fn dev() -> Self {
        let apiv3_key = match wxpay_signing::ApiV3Key::new(dev::APIV3_KEY) {
            Ok(key) => key,
            Err(e) => panic!("built-in dev APIv3 key is invalid: {e}"),
        };
        let partner = Caller {
            mode: Mode::Partner,
            id: dev::MCHID.into(),
            serial_no: dev::MERCHANT_SERIAL.into(),
            key: dev_key(PublicKey::from_pem(DEV_MERCHANT_PUB)),
            brands: vec![dev::BRAND_ID.into()],
            appids: vec![dev::APPID.into()],
            apiv3_key: Some(apiv3_key.clone()),
            notify: RwLock::new(None),
        };
        let brand = Caller {
            mode: Mode::Brand,
            id: dev::BRAND_ID.into(),
            serial_no: dev::BRAND_SERIAL.into(),
            key: dev_key(PublicKey::from_pem(DEV_MERCHANT_PUB)),
            brands: vec![dev::BRAND_ID.into()],
            appids: vec![dev::APPID.into()],
            apiv3_key: Some(apiv3_key),
            notify: RwLock::new(None),
        };
        let platform = Platform {
            signers: vec![PlatformSigner::new(
                dev::PLATFORM_KEY_ID,
                dev_key(PrivateKey::from_pem(DEV_PLATFORM_KEY)),
            )],
        };
        Self::new(
            vec![partner, brand],
            platform,
            Limits::default(),
            None,
            Fixtures::dev(WxTime::now()),
        )
    }

    /// The same state with other limits (rates, timestamp window, body size).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.nonces = NonceCache::new(limits.timestamp_skew_secs);
        *self.limiters.get_mut() = Arc::new(OperationLimiters::new(&limits));
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
        mut self,
        apiv3_key: &wxpay_signing::ApiV3Key,
        notify_url: Option<&str>,
        config: CallbackConfig,
    ) -> Self {
        let now = WxTime::now();
        for c in self.callers.values_mut() {
            c.apiv3_key = Some(apiv3_key.clone());
            *c.notify.get_mut() = notify_url.map(|url| NotifyTarget {
                url: url.to_owned(),
                update_time: now,
            });
        }
        self.callbacks = Callbacks::new(config);
        self
    }

    /// The state a configuration describes (keys and fixtures are loaded here).
    pub fn from_config(config: &MockConfig) -> Result<Self, ConfigError> {
        let load_private = |key: &str, file: &std::path::Path| {
            PrivateKey::from_pem_file(config.resolve(file)).map_err(|source| ConfigError::Key {
                key: key.into(),
                source,
            })
        };
        let mut signers = vec![PlatformSigner::new(
            config.platform.public_key_id.clone(),
            load_private(
                "platform.private_key_file",
                &config.platform.private_key_file,
            )?,
        )];
        if let (Some(serial), Some(file)) = (
            &config.platform.certificate_serial,
            &config.platform.certificate_private_key_file,
        ) {
            signers.push(PlatformSigner::new(
                serial.clone(),
                load_private("platform.certificate_private_key_file", file)?,
            ));
        }
        let now = WxTime::now();
        let mut callers = Vec::new();
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
            callers.push(Caller {
                mode,
                id: id.clone(),
                serial_no: serial.clone(),
                key,
                brands,
                appids: appids.clone(),
                apiv3_key,
                notify: RwLock::new(notify_url.as_ref().map(|url| NotifyTarget {
                    url: url.clone(),
                    update_time: now,
                })),
            });
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
        let mut emulator = Self::new(
            callers,
            Platform { signers },
            config.limits.clone(),
            config.admin_token.clone(),
            fixtures,
        );
        let mut callbacks = config.callbacks.clone();
        callbacks.root_cert_files = callbacks
            .root_cert_files
            .iter()
            .map(|p| config.resolve(p))
            .collect();
        crate::callbacks::load_roots(&callbacks.root_cert_files)
            .map_err(|e| ConfigError::invalid("callbacks.root_cert_files", e))?;
        emulator.callbacks = Callbacks::new(callbacks);
        emulator
            .world
            .get_mut()
            .check_fixtures(&emulator.fixtures)?;
        Ok(emulator)
    }

    fn new(
        callers: Vec<Caller>,
        platform: Platform,
        limits: Limits,
        admin_token: Option<String>,
        fixtures: Fixtures,
    ) -> Self {
        let emulator = Self {
            callers: callers
                .into_iter()
                .map(|c| ((c.mode, c.id.clone()), c))
                .collect(),
            platform,
            nonces: NonceCache::new(limits.timestamp_skew_secs),
            limiters: RwLock::new(Arc::new(OperationLimiters::new(&limits))),
            limits,
            admin_token,
            world: Mutex::new(World::default()),
            fixtures,
            faults: RwLock::new(Faults::default()),
            clock_offset: AtomicI64::new(0),
            metrics: Metrics::new(),
            callbacks: Callbacks::new(CallbackConfig::default()),
            journal: Journal::default(),
            request_prefix: fastrand::u32(..),
            request_counter: AtomicU64::new(0),
            persister: Mutex::new(None),
        };
        emulator.reset();
        emulator
    }

    /// Back to the loaded fixtures: clears coupons, request records, nonces, rate windows,
    /// faults, the clock offset, callbacks and the request journal.
    pub fn reset(&self) {
        {
            let mut world = self.world.lock();
            let logging = world.logging;
            *world = World::from_fixtures(&self.fixtures);
            if logging {
                // The state file starts over too, with this world's callback salt.
                world.logging = true;
                world.log_reset = true;
                let salt = world.event_salt.to_string();
                world.log(|| crate::persist::Entry::Admin {
                    kind: "salt",
                    data: salt,
                    now: 0,
                });
            }
        }
        self.nonces.clear();
        *self.limiters.write() = Arc::new(OperationLimiters::new(&self.limits));
        *self.faults.write() = Faults::default();
        self.clock_offset.store(0, Ordering::Relaxed);
        self.callbacks.clear();
        self.journal.clear();
    }

    /// Keeps all state in the SQLite file `path` (`--state`): replays what it holds, then
    /// logs every change to it. See [`crate::persist`].
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("wxpay-mock-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let emu = std::sync::Arc::new(wxpay_mock::Emulator::dev());
    /// emu.open_state(&dir.join("state.sqlite"))?;
    /// emu.close_state(); // writes what is pending
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_state(
        self: &Arc<Self>,
        path: &std::path::Path,
    ) -> Result<(), crate::persist::StateError> {
        let persister = crate::persist::open(self, path)?;
        *self.persister.lock() = Some(persister);
        Ok(())
    }

    /// Writes pending changes to the state file and stops writing (graceful shutdown).
    pub fn close_state(&self) {
        if let Some(mut persister) = self.persister.lock().take() {
            persister.finish();
        }
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

    /// The business clock's offset from real time, seconds.
    pub fn clock_offset(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    /// The current fault set.
    pub fn faults(&self) -> Faults {
        *self.faults.read()
    }

    /// Replaces the fault set.
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.write() = faults;
    }

    /// A caller by mode and id.
    pub fn caller(&self, mode: Mode, id: &str) -> Option<&Caller> {
        self.callers.get(&(mode, id.to_owned()))
    }

    /// Whether `caller` may make one more `op` call now; the rate it is held to otherwise.
    pub(crate) fn admit(&self, op: &Operation, caller: &Caller) -> Result<(), u32> {
        let limiters = self.limiters.read().clone();
        match limiters.slot(op, caller.mode) {
            Some((rate, limiter)) => limiter.check_key(&caller.id).map_err(|_| *rate),
            None => Ok(()),
        }
    }

    /// A fresh Request-ID: 28 upper-case hex digits, like WeChat Pay's, then `-{code}` when
    /// the answer has a numeric business code.
    pub(crate) fn request_id(&self, biz: Option<u32>) -> String {
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        match biz {
            Some(code) => format!("{:08X}{:020X}-{code}", self.request_prefix, n),
            None => format!("{:08X}{:020X}", self.request_prefix, n),
        }
    }

    /// Applies the send rules for an already-authenticated partner `mchid`, without HTTP,
    /// signatures or rate limit. Injected faults other than `error_rate` do not apply.
    pub fn send(
        &self,
        mchid: &str,
        request: &SendUserProductCouponRequest,
    ) -> Result<UserProductCouponEntity, ErrorAnswer> {
        let fail = crate::faults::roll(self.faults().error_rate);
        self.direct(mchid, request, fail)
    }

    /// Confirms a coupon for an already-authenticated partner `mchid`, without HTTP,
    /// signatures or rate limit (as [`Emulator::send`]).
    pub fn confirm(
        &self,
        mchid: &str,
        request: &wxpay_models::ConfirmSendUserProductCouponRequest,
    ) -> Result<UserProductCouponEntity, ErrorAnswer> {
        self.direct(mchid, request, false)
    }

    /// Uses (核销) a coupon for an already-authenticated partner `mchid`, without HTTP,
    /// signatures or rate limit (as [`Emulator::send`]).
    pub fn use_coupon(
        &self,
        mchid: &str,
        request: &wxpay_models::user_coupon::UseUserProductCouponRequest,
    ) -> Result<UserProductCouponEntity, ErrorAnswer> {
        self.direct(mchid, request, false)
    }

    /// Runs `request` for partner `mchid` from step 4 on (validated here), `fail` being the
    /// injected-error roll.
    fn direct<E: crate::ops::Handle>(
        &self,
        mchid: &str,
        request: &E,
        fail: bool,
    ) -> Result<E::Response, ErrorAnswer> {
        let caller = self
            .caller(Mode::Partner, mchid)
            .ok_or_else(|| ErrorAnswer::sign(format!("unknown mchid {mchid}")))?;
        request
            .validate()
            .map_err(|e| ErrorAnswer::validation(&e))?;
        crate::pipeline::run_direct(self, caller, request.clone(), fail)
    }

    /// A product coupon as stored.
    pub fn product_coupon(&self, id: &str) -> Option<wxpay_models::ProductCouponEntity> {
        let world = self.world.lock();
        world
            .ledger
            .product(id)
            .map(|p| world.ledger.products[p as usize].clone())
    }

    /// The user coupon `code` of stock `stock_id`, as the API shows it now.
    pub fn coupon(&self, stock_id: &str, code: &str) -> Option<UserProductCouponEntity> {
        let now = self.business_now();
        let world = self.world.lock();
        let ledger = &world.ledger;
        let i = ledger
            .stock(stock_id)
            .and_then(|s| ledger.find_code(s, code))?;
        Some(ledger.entity(i, now))
    }

    /// A stock with its live counters.
    pub fn stock(&self, id: &str) -> Option<wxpay_models::StockEntity> {
        let day = self.business_day();
        let world = self.world.lock();
        world
            .ledger
            .stock(id)
            .map(|s| world.ledger.stock_entity(s, day))
    }

    /// Coupons issued and the bytes the ledger holds for them.
    pub fn ledger_stats(&self) -> LedgerStats {
        let world = self.world.lock();
        LedgerStats {
            coupons: world.ledger.coupons.len(),
            heap_bytes: world.ledger.heap_bytes(),
        }
    }

    /// Answers counted with HTTP `status`, from the metrics.
    pub fn answered_with_status(&self, status: u16) -> u64 {
        self.metrics.count_status(status)
    }
}

/// The dev keys are compiled in and known good; a failure here is a build defect, reported
/// loudly rather than papered over.
fn dev_key<T>(key: Result<T, wxpay_signing::KeyError>) -> T {
    match key {
        Ok(key) => key,
        Err(e) => panic!("built-in dev key is corrupt: {e}"),
    }
}
