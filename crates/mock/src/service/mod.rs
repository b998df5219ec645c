//! The service: [`Emulator`] owns the callers and their keys, the platform keys, limits, the
//! world ([`space::Space`], the only owner of its lock), faults, metrics, the journal, the
//! callback queue and the log of changes for the state file. The layers above it (HTTP, I/O)
//! reach the world only through it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wxpay_mock_core::{Actor, ActorKey, ErrorAnswer, Handle};
use wxpay_models::{Mode, SendUserProductCouponRequest, UserProductCouponEntity};
use wxpay_signing::clock::{Clock, SystemClock};

use crate::config::{CallbackConfig, Limits};

mod actions;
pub(crate) mod caller;
pub(crate) mod certificates;
pub(crate) mod deliveries;
pub(crate) mod faults;
pub(crate) mod fields;
pub(crate) mod journal;
pub(crate) mod limits;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod namespaces;
pub(crate) mod pipeline;
pub(crate) mod platform;
pub(crate) mod rules;
mod setup;
pub(crate) mod snapshots;
pub(crate) mod space;

use caller::{Caller, Callers, NonceCache};
use faults::Faults;
use log::Log;
use metrics::Metrics;
use platform::Platform;
use snapshots::SnapshotStore;
use space::Space;

/// The emulator's whole state: configuration, keys, the world, limits, faults, metrics.
///
/// Usable without HTTP (for tests and for measuring the ledger): [`Emulator::send`] applies
/// the send rules directly, [`Emulator::call`] runs the whole API on an in-memory request.
///
/// ```
/// use wxpay_mock::{Emulator, fixtures::dev};
/// use wxpay_models::SendUserProductCouponRequest;
/// let emulator = Emulator::dev();
/// let send = SendUserProductCouponRequest::new(
///     "o1", dev::PRODUCT_COUPON_ID, dev::STOCK_WECHATPAY, dev::APPID, "REQ000001",
/// )
/// .with_brand_id(dev::BRAND_ID);
/// let coupon = emulator.send(dev::MCHID, &send)?;
/// assert_eq!(coupon.coupon_code, "8000000000001");
/// # Ok::<(), wxpay_mock::ErrorAnswer>(())
/// ```
#[derive(Debug)]
pub struct Emulator {
    callers: parking_lot::RwLock<Callers>,
    platform: Platform,
    limits: Limits,
    admin_token: Option<String>,
    nonces: NonceCache,
    /// The configured world.
    space: Arc<Space>,
    /// Worlds made by `POST /mock/namespaces`, by name.
    namespaces: parking_lot::RwLock<std::collections::BTreeMap<String, namespaces::Namespace>>,
    namespaces_made: AtomicU64,
    /// Wakes the delivery task, whichever world queued a callback.
    wake: Arc<tokio::sync::Notify>,
    metrics: Metrics,
    callback_config: CallbackConfig,
    log: Arc<Log>,
    snapshots: parking_lot::RwLock<Arc<dyn SnapshotStore>>,
    attached: parking_lot::Mutex<Vec<Box<dyn Attached>>>,
    request_prefix: u32,
    request_counter: AtomicU64,
}

/// Background I/O that lives as long as the emulator uses it (the state file's writer).
pub(crate) trait Attached: std::fmt::Debug + Send + Sync {
    /// Finishes what is pending and stops.
    fn close(&self);
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
    /// Real time, Unix seconds (the signature window).
    pub(crate) fn real_now(&self) -> i64 {
        SystemClock.now_unix()
    }

    /// Business time: real time plus the `PUT /mock/clock` offset.
    pub fn business_now(&self) -> i64 {
        let real = self.real_now();
        self.space.peek(|w| w.business_now(real))
    }

    /// The business clock's offset from real time, seconds.
    pub fn clock_offset(&self) -> i64 {
        self.space.peek(|w| w.clock_offset())
    }

    /// The configured world's fault set.
    pub fn faults(&self) -> Faults {
        self.space.faults()
    }

    /// Replaces the configured world's fault set.
    pub fn set_faults(&self, faults: Faults) {
        self.space.set_faults(faults);
    }

    /// A caller by mode and id.
    pub fn caller(&self, mode: Mode, id: &str) -> Option<Arc<Caller>> {
        self.callers.read().get(&(mode, id.to_owned())).cloned()
    }

    /// The callers of world `space` ("" for the configured one).
    pub(crate) fn callers_of(&self, space: &str) -> Vec<Arc<Caller>> {
        self.callers
            .read()
            .values()
            .filter(|c| c.space == space)
            .cloned()
            .collect()
    }

    /// The namespaces' names, in order.
    pub(crate) fn namespace_names(&self) -> Vec<String> {
        self.namespaces.read().keys().cloned().collect()
    }

    /// The world identity of caller `key`, if known.
    pub(crate) fn actor(&self, key: &ActorKey) -> Option<Actor> {
        self.callers.read().get(key).map(|c| c.actor.clone())
    }

    /// Authenticates a request against every caller, configured or of a namespace.
    pub(crate) fn authenticate(
        &self,
        presented: caller::Presented<'_>,
    ) -> Result<Arc<Caller>, Box<caller::AuthFailure>> {
        let callers = self.callers.read();
        caller::authenticate(
            &callers,
            &self.nonces,
            self.limits.timestamp_skew_secs,
            presented,
            self.real_now(),
        )
        .cloned()
    }

    /// The configured world.
    pub(crate) fn space(&self) -> &Arc<Space> {
        &self.space
    }

    /// The world `name` names: the configured one for `None` or "", else a namespace's.
    pub(crate) fn space_named(&self, name: Option<&str>) -> Option<Arc<Space>> {
        match name.filter(|n| !n.is_empty()) {
            None => Some(self.space.clone()),
            Some(name) => self.namespaces.read().get(name).map(|n| n.space.clone()),
        }
    }

    /// The world a caller acts on.
    pub(crate) fn space_of(&self, caller: &Caller) -> Option<Arc<Space>> {
        self.space_named(Some(&caller.space))
    }

    /// Every world: the configured one first, then the namespaces by name.
    pub(crate) fn spaces(&self) -> Vec<Arc<Space>> {
        let mut all = vec![self.space.clone()];
        all.extend(self.namespaces.read().values().map(|n| n.space.clone()));
        all
    }

    /// Wakes the delivery task.
    pub(crate) fn delivery_wake(&self) -> &Arc<tokio::sync::Notify> {
        &self.wake
    }

    pub(crate) fn platform(&self) -> &Platform {
        &self.platform
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    pub(crate) fn admin_token(&self) -> Option<&str> {
        self.admin_token.as_deref()
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub(crate) fn callback_config(&self) -> &CallbackConfig {
        &self.callback_config
    }

    pub(crate) fn log(&self) -> &Arc<Log> {
        &self.log
    }

    /// Where named snapshots are kept (memory, or the state file once one is open).
    pub(crate) fn snapshot_store(&self) -> Arc<dyn SnapshotStore> {
        self.snapshots.read().clone()
    }

    pub(crate) fn set_snapshot_store(&self, store: Arc<dyn SnapshotStore>) {
        *self.snapshots.write() = store;
    }

    /// Keeps `io` running until [`Emulator::detach`].
    pub(crate) fn attach(&self, io: Box<dyn Attached>) {
        self.attached.lock().push(io);
    }

    /// Closes what was attached (graceful shutdown).
    pub(crate) fn detach(&self) {
        let attached = std::mem::take(&mut *self.attached.lock());
        for io in attached {
            io.close();
        }
    }

    /// A fresh Request-ID: 28 upper-case hex digits, like WeChat Pay's, then `-{code}` when
    /// the answer has a numeric business code.
    pub(crate) fn request_id(&self, biz: Option<wxpay_models::BizCode>) -> String {
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
        let fail = self.space.roll(self.faults().error_rate);
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

    /// Runs `request` for partner `mchid` from decoding on (validated here), `fail` being the
    /// injected-error roll.
    fn direct<E: Handle>(
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
        pipeline::direct(self, &caller, request.clone(), fail)
    }

    /// A product coupon as stored.
    pub fn product_coupon(&self, id: &str) -> Option<wxpay_models::ProductCouponEntity> {
        self.space.peek(|w| w.product_coupon(id).cloned())
    }

    /// The user coupon `code` of stock `stock_id`, as the API shows it now.
    pub fn coupon(&self, stock_id: &str, code: &str) -> Option<UserProductCouponEntity> {
        let real = self.real_now();
        self.space
            .peek(|w| w.coupon(stock_id, code, w.business_now(real)))
            .map(|row| row.entity)
    }

    /// A stock with its live counters.
    pub fn stock(&self, id: &str) -> Option<wxpay_models::StockEntity> {
        let real = self.real_now();
        self.space.peek(|w| w.stock(id, w.business_now(real)))
    }

    /// Coupons issued and the bytes the ledger holds for them.
    pub fn ledger_stats(&self) -> LedgerStats {
        self.space.peek(|w| LedgerStats {
            coupons: w.coupon_count(),
            heap_bytes: w.ledger_heap_bytes(),
        })
    }

    /// Answers counted with HTTP `status`, from the metrics.
    pub fn answered_with_status(&self, status: u16) -> u64 {
        self.metrics.count_status(status)
    }
}
