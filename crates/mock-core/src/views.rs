//! What the emulator's admin API and console read from a world: coupons with their owners,
//! filtered lists, counts by state, stocks with live counters, pictures and image tasks.

use std::collections::BTreeMap;

use wxpay_models::{
    ProductCouponEntity, StockEntity, UserProductCouponEntity, UserProductCouponState, WxTime,
};

use crate::catalog::beijing_day;
use crate::ledger::Ledger;
use crate::media::Image;
use crate::world::World;

/// A coupon with what the API's entity leaves out: its owner and AppID.
#[derive(Debug, Clone, PartialEq)]
pub struct CouponRow {
    /// The user.
    pub openid: String,
    /// The AppID it was sent under.
    pub appid: String,
    /// As the API shows it now.
    pub entity: UserProductCouponEntity,
}

/// Which coupons `GET /mock/coupons` lists; `None` matches any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CouponFilter {
    /// Only this user's.
    pub openid: Option<String>,
    /// Only this stock's.
    pub stock_id: Option<String>,
    /// Only this code.
    pub code: Option<String>,
    /// Only coupons in this state now.
    pub state: Option<UserProductCouponState>,
}

/// Coupons counted by state, and per stock the most coupons one user holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerCounts {
    /// Coupons by the state the API shows now.
    pub by_state: BTreeMap<String, u64>,
    /// Per stock id, the most coupons one user holds.
    pub top_user: BTreeMap<String, u32>,
}

/// An image-generation task as `GET /mock/image-tasks` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageTaskRow {
    /// As E35 answers it.
    pub entity: wxpay_models::ImageGenerationTaskEntity,
    /// `mchid …` that created it.
    pub created_by: String,
    /// When (business time, Unix seconds).
    pub create_time: i64,
    /// When it finishes (business time, Unix seconds).
    pub due_time: i64,
}

impl World {
    /// The coupon `code` of stock `stock_id`, as the API shows it at business time `now`.
    pub fn coupon(&self, stock_id: &str, code: &str, now: i64) -> Option<CouponRow> {
        let ledger = &self.ledger;
        let i = ledger
            .stock(stock_id)
            .and_then(|s| ledger.find_code(s, code))?;
        Some(row(ledger, i, now))
    }

    /// The coupons `filter` matches, issue order: how many, and the `limit` from `offset`.
    pub fn coupons(
        &self,
        filter: &CouponFilter,
        offset: usize,
        limit: usize,
        now: i64,
    ) -> (usize, Vec<CouponRow>) {
        let ledger = &self.ledger;
        let stock = match filter.stock_id.as_deref().map(|id| ledger.stock(id)) {
            Some(None) => return (0, Vec::new()),
            Some(Some(s)) => Some(s),
            None => None,
        };
        let mut total = 0;
        let mut rows = Vec::new();
        for i in 0..to_u32(ledger.coupons.len()) {
            let matches = stock.is_none_or(|s| ledger.coupons[i as usize].stock == s)
                && filter
                    .openid
                    .as_deref()
                    .is_none_or(|o| ledger.text(i).openid == o)
                && filter.code.as_deref().is_none_or(|c| ledger.code(i) == c);
            if !matches {
                continue;
            }
            // The state is the rendered one (it moves with business time), so only candidates
            // that passed the cheap filters are rendered.
            if let Some(wanted) = &filter.state
                && ledger.state_at(i, now) != *wanted
            {
                continue;
            }
            if total >= offset && rows.len() < limit {
                rows.push(row(ledger, i, now));
            }
            total += 1;
        }
        (total, rows)
    }

    /// Counts coupons `from..from + chunk` into `counts`; returns where the next chunk starts,
    /// or `None` when all were counted (so a caller can count a big ledger a chunk at a time).
    pub fn count_coupons(
        &self,
        counts: &mut LedgerCounts,
        from: usize,
        chunk: usize,
        now: i64,
    ) -> Option<usize> {
        let ledger = &self.ledger;
        let end = from.saturating_add(chunk).min(ledger.coupons.len());
        for i in (from..end).filter_map(|i| u32::try_from(i).ok()) {
            let state = ledger.state_at(i, now);
            *counts
                .by_state
                .entry(state.as_str().to_owned())
                .or_insert(0) += 1;
            let stock = ledger.coupons[i as usize].stock;
            let held = ledger.user_count(stock, ledger.text(i).openid);
            let top = counts
                .top_user
                .entry(ledger.stocks[stock as usize].entity.stock_id.clone())
                .or_insert(0);
            *top = (*top).max(held);
        }
        (end < ledger.coupons.len()).then_some(end)
    }

    /// Every product coupon, as stored.
    pub fn product_coupons(&self) -> &[ProductCouponEntity] {
        &self.ledger.products
    }

    /// The product coupon `id`, as stored.
    pub fn product_coupon(&self, id: &str) -> Option<&ProductCouponEntity> {
        let p = self.ledger.product(id)?;
        self.ledger.products.get(p as usize)
    }

    /// Every stock with its live counters at business time `now`.
    pub fn stocks(&self, now: i64) -> Vec<StockEntity> {
        let day = beijing_day(now);
        (0..to_u32(self.ledger.stocks.len()))
            .map(|s| self.ledger.stock_entity(s, day))
            .collect()
    }

    /// The stock `id` with its live counters at business time `now`.
    pub fn stock(&self, id: &str, now: i64) -> Option<StockEntity> {
        let s = self.ledger.stock(id)?;
        Some(self.ledger.stock_entity(s, beijing_day(now)))
    }

    /// Every known picture, uploaded or generated, oldest first.
    pub fn images(&self) -> &[Image] {
        self.media.images()
    }

    /// Every image-generation task, as E35 answers it, with who created it and when it is
    /// due (the caller finishes due tasks first, with [`crate::AdminAction::FinishTasks`]).
    pub fn image_tasks(&self) -> Vec<ImageTaskRow> {
        self.media
            .tasks()
            .iter()
            .map(|t| ImageTaskRow {
                entity: t.entity(),
                created_by: crate::world::owner_label(&t.creator),
                create_time: t.create_time,
                due_time: t.due,
            })
            .collect()
    }

    /// Whether a pre-send `token` exists.
    pub fn has_pre_send(&self, token: &str) -> bool {
        self.pre_sends.get(token).is_some()
    }
}

fn row(ledger: &Ledger, i: u32, now: i64) -> CouponRow {
    CouponRow {
        openid: ledger.text(i).openid.to_owned(),
        appid: ledger.appid_of(i).to_owned(),
        entity: ledger.entity(i, now),
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `now` as an API time.
pub(crate) fn wx_time(now: i64) -> WxTime {
    WxTime::from_unix_clamped(now)
}
