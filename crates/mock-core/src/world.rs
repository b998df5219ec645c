//! [`World`]: everything the API reads and changes, as one value — the catalogue and coupons
//! ([`Ledger`]), the records of keyed requests, stores, pre-sends, pictures and image tasks,
//! notify URLs, the callbacks owed, the business clock — so that every check and its update
//! are atomic under whoever owns it, and many worlds can exist side by side.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use wxpay_models::WxTime;

use crate::actor::{ActorKey, label};
use crate::catalog::Catalog;
use crate::event::Event;
use crate::fixtures::Fixtures;
use crate::ledger::Ledger;
use crate::media::Media;
use crate::notify::{NotifyTarget, NotifyTargets};
use crate::outbox::{Callback, DeliveryState, Outbox};
use crate::pre_sends::PreSends;
use crate::requests::Requests;

/// How a world starts (and starts again on a reset): its fixtures, the notify URLs the
/// configuration gives, and the salt of its callback ids.
///
/// ```
/// use wxpay_mock_core::{Fixtures, Seed, World};
/// let seed = Seed::new(Fixtures::default(), 42);
/// let world = World::new(&seed, 1_764_381_600)?;
/// assert_eq!(world.coupon_count(), 0);
/// # Ok::<(), wxpay_mock_core::SeedError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seed {
    /// Product coupons, stocks, uploaded codes.
    pub fixtures: Fixtures,
    /// Notify URLs of callers from the configuration.
    pub notify: Vec<(ActorKey, String)>,
    /// Makes this world's callback ids distinct from another's.
    pub salt: u64,
}

impl Seed {
    /// Fixtures and a salt, no notify URLs.
    pub fn new(fixtures: Fixtures, salt: u64) -> Self {
        Self {
            fixtures,
            notify: Vec::new(),
            salt,
        }
    }
}

/// The fixtures cannot make a world.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fixtures: {0}")]
pub struct SeedError(pub String);

/// Business time stays within 2000-01-01 and 2099-12-31 (+08:00): the ledger keeps times as
/// unsigned 32-bit seconds (until 2106), and coupons stay valid for years after they are sent.
pub const BUSINESS_TIME_RANGE: std::ops::RangeInclusive<i64> = 946_656_000..=4_102_415_999;

/// Everything the operations act on.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct World {
    pub(crate) ledger: Ledger,
    pub(crate) requests: Requests,
    /// Stores associated with each stock (by stock index), for SPECIFIC store scopes.
    pub(crate) stores: HashMap<u32, BTreeSet<String>>,
    pub(crate) pre_sends: PreSends,
    /// Uploaded and generated pictures, image-generation tasks.
    pub(crate) media: Media,
    /// Product coupon ownership, stock bundles, users' bundles, id counters.
    pub(crate) catalog: Catalog,
    pub(crate) notify: NotifyTargets,
    pub(crate) outbox: Outbox,
    /// Business time minus real time, seconds (`PUT /mock/clock`).
    pub(crate) clock_offset: i64,
    /// Callback ids: this world's salt and count.
    pub(crate) event_salt: u64,
    pub(crate) events: u64,
}

/// What an event became: its callback id, and its callback's index in the outbox when one is
/// owed (the caller has a notify URL and an APIv3 key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// The callback id.
    pub id: String,
    /// Whether the event issued a coupon.
    pub issued: bool,
    /// The callback owed, if any.
    pub callback: Option<usize>,
}

impl World {
    /// The world `seed` describes, its notify URLs set at business time `now`.
    pub fn new(seed: &Seed, now: i64) -> Result<Self, SeedError> {
        let fixtures = &seed.fixtures;
        let mut world = Self {
            event_salt: seed.salt,
            ..Self::default()
        };
        let ledger = &mut world.ledger;
        for product in &fixtures.product_coupons {
            if !ledger.add_product(product.clone()) {
                return Err(SeedError(format!(
                    "product coupon {} is listed twice",
                    product.product_coupon_id
                )));
            }
        }
        for stock in &fixtures.stocks {
            ledger.add_stock(stock.clone()).map_err(|duplicate| {
                SeedError(if duplicate {
                    format!("stock {} is listed twice", stock.stock_id)
                } else {
                    format!(
                        "stock {} belongs to an unknown product coupon {}",
                        stock.stock_id, stock.product_coupon_id
                    )
                })
            })?;
        }
        for (id, codes) in &fixtures.uploaded_codes {
            let stock = ledger
                .stock(id)
                .ok_or_else(|| SeedError(format!("uploaded_codes for unknown stock {id}")))?;
            ledger.upload_codes(stock, codes.iter().map(String::as_str));
        }
        for (caller, url) in &seed.notify {
            world.notify.set(
                caller.clone(),
                NotifyTarget {
                    url: url.clone(),
                    update_time: now,
                },
            );
        }
        Ok(world)
    }

    /// The id of the next callback: stable across a replay, distinct across worlds.
    pub(crate) fn next_event_id(&mut self) -> String {
        self.events += 1;
        format!("{:016x}{:016x}", self.event_salt, self.events)
    }

    /// Gives each event its id and records the callbacks owed to `owner` (a caller with a
    /// notify URL and an APIv3 key) at business time `now`.
    pub(crate) fn emit(
        &mut self,
        owner: &ActorKey,
        has_apiv3_key: bool,
        events: Vec<Event>,
        now: i64,
    ) -> Vec<Emitted> {
        let url = self
            .notify
            .get(owner)
            .map(|t| t.url.clone())
            .filter(|_| has_apiv3_key);
        events
            .into_iter()
            .map(|event| {
                let id = self.next_event_id();
                let issued = event.issues_coupon();
                let callback = url.as_ref().and_then(|url| {
                    let plaintext = event.plaintext(owner.0).ok()?;
                    let coupon = event
                        .coupon()
                        .map(|(s, c)| (s.to_owned(), c.to_owned()))
                        .unwrap_or_default();
                    Some(self.outbox.push(Callback {
                        id: id.clone(),
                        owner: owner.clone(),
                        kind: event.kind().to_owned(),
                        coupon,
                        created: now,
                        url: url.clone(),
                        plaintext,
                        state: DeliveryState::Pending,
                    }))
                });
                Emitted {
                    id,
                    issued,
                    callback,
                }
            })
            .collect()
    }

    /// The business clock's offset from real time, seconds.
    pub fn clock_offset(&self) -> i64 {
        self.clock_offset
    }

    /// Business time at real time `real_now`: real time plus the offset, kept inside
    /// [`BUSINESS_TIME_RANGE`].
    pub fn business_now(&self, real_now: i64) -> i64 {
        real_now
            .saturating_add(self.clock_offset)
            .clamp(*BUSINESS_TIME_RANGE.start(), *BUSINESS_TIME_RANGE.end())
    }

    /// The callbacks owed, in the order they happened.
    pub fn callbacks(&self) -> &[Callback] {
        self.outbox.all()
    }

    /// Callback `index` of [`World::callbacks`].
    pub fn callback(&self, index: usize) -> Option<&Callback> {
        self.outbox.get(index)
    }

    /// The callback with `id`.
    pub fn find_callback(&self, id: &str) -> Option<&Callback> {
        self.outbox.find(id)
    }

    /// The notify URL of `caller`, and when it was set.
    pub fn notify_url(&self, caller: &ActorKey) -> Option<(&str, WxTime)> {
        self.notify
            .get(caller)
            .map(|t| (t.url.as_str(), WxTime::from_unix_clamped(t.update_time)))
    }

    /// Coupons issued.
    pub fn coupon_count(&self) -> usize {
        self.ledger.coupons.len()
    }

    /// Bytes the ledger holds for its coupons (records, text, indexes), by capacity.
    pub fn ledger_heap_bytes(&self) -> usize {
        self.ledger.heap_bytes()
    }

    /// The id of the user coupon bundle coupon `i` belongs to, if any.
    pub(crate) fn user_bundle_id_of(&self, i: u32) -> Option<&str> {
        let (bundle, _round) = self.ledger.life(i)?.bundle?;
        Some(&self.ledger.bundles.get(bundle as usize)?.id)
    }

    /// Rebuilds every index from the records (after a snapshot was read).
    pub(crate) fn reindex(&mut self) {
        self.ledger.reindex();
        self.catalog.reindex();
        self.media.reindex();
        self.outbox.reindex();
    }
}

/// `mchid …` / `brand …` of a caller key.
pub(crate) fn owner_label(owner: &ActorKey) -> String {
    label(owner.0, &owner.1)
}
