//! The catalogue's own state beside the ledger: who created each product coupon (partner
//! mode shows a provider only its own), what E01 created with it, stock bundles, users'
//! bundles by id and the id counters; and the rules the catalogue operations share
//! (`ops/{product_coupons,stocks,stock_bundles,user_coupon_bundles}.rs`). The lookups that
//! need the whole world are in `lookup.rs`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use wxpay_models::{
    ErrorCode, ErrorRow, FieldError, Mode, ProductCouponState, Rule, StockState, UsageMode, WxTime,
};

use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::ledger::Ledger;

/// Who created a product coupon through the API. Fixtures and admin-added product
/// coupons have none: every caller of their brand sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Creator {
    /// A service provider (partner mode), by mchid.
    Partner(String),
    /// The brand itself (brand-direct mode).
    Brand,
}

/// What E01 created with a product coupon, for replays of E01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum First {
    Stock(u32),
    Bundle(u32),
}

/// A stock bundle: its id, product coupon and stocks (ledger indexes, round order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StockBundle {
    pub(crate) id: String,
    pub(crate) product: u32,
    pub(crate) stocks: Vec<u32>,
}

/// Effective stocks (not STOPPED or DEACTIVATED) a product coupon may have.
pub(crate) const MAX_EFFECTIVE_STOCKS: usize = 200;

/// The catalogue's state (see the module doc).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Catalog {
    creators: HashMap<u32, Creator>,
    pub(crate) created_with: HashMap<u32, First>,
    pub(crate) bundles: Vec<StockBundle>,
    #[serde(skip)]
    bundle_ids: HashMap<String, u32>,
    /// Users' bundles by id → index in `Ledger::bundles`.
    pub(crate) user_bundles: HashMap<String, u32>,
    products_made: u64,
    user_bundles_made: u64,
}

impl Catalog {
    /// A new product coupon id: `2000000001`, `2000000002`, … (fixtures use 10000000NN),
    /// skipping any id in use.
    pub(crate) fn product_id(&mut self, ledger: &Ledger) -> String {
        loop {
            self.products_made += 1;
            let id = (2_000_000_000 + self.products_made).to_string();
            if ledger.product(&id).is_none() {
                return id;
            }
        }
    }

    /// A new stock id of product coupon `product`: its id and 3 digits, as the fixtures'.
    pub(crate) fn stock_id(ledger: &Ledger, product: &str) -> String {
        let mut n = ledger
            .stocks
            .iter()
            .filter(|s| s.entity.product_coupon_id == product)
            .count();
        loop {
            n += 1;
            let id = format!("{product}{n:03}");
            if ledger.stock(&id).is_none() {
                return id;
            }
        }
    }

    /// Records a new stock bundle `id` of `product` with `stocks`; returns its index.
    pub(crate) fn add_bundle(&mut self, id: String, product: u32, stocks: Vec<u32>) -> u32 {
        let index = u32::try_from(self.bundles.len()).unwrap_or(u32::MAX);
        self.bundle_ids.insert(id.clone(), index);
        self.bundles.push(StockBundle {
            id,
            product,
            stocks,
        });
        index
    }

    /// The id the next bundle of `product_id` gets: the product coupon's id, `B` and 3
    /// digits (`2000000001B001`), unlike a stock id.
    pub(crate) fn next_bundle_id(&self, product_id: &str) -> String {
        let mut n = self
            .bundles
            .iter()
            .filter(|b| b.id.starts_with(product_id))
            .count();
        loop {
            n += 1;
            let id = format!("{product_id}B{n:03}");
            if !self.bundle_ids.contains_key(&id) {
                return id;
            }
        }
    }

    /// A new user coupon bundle id: `UB` and 16 digits.
    pub(crate) fn user_bundle_id(&mut self) -> String {
        self.user_bundles_made += 1;
        format!("UB{:016}", self.user_bundles_made)
    }

    pub(crate) fn set_creator(&mut self, product: u32, cx: &Cx<'_>) {
        let creator = match cx.mode {
            Mode::Brand => Creator::Brand,
            _ => Creator::Partner(cx.caller.id.clone()),
        };
        self.creators.insert(product, creator);
    }

    /// Whether `cx` may see product coupon `product` of brand `brand_id`: its brand's, and
    /// in partner mode one the provider created (or a fixture).
    pub(crate) fn visible(&self, product: u32, brand_id: &str, cx: &Cx<'_>) -> bool {
        brand_id == cx.brand
            && match (self.creators.get(&product), cx.mode) {
                (None, _) | (Some(_), Mode::Brand) => true,
                (Some(Creator::Partner(mchid)), _) => *mchid == cx.caller.id,
                (Some(Creator::Brand), _) => false,
            }
    }

    pub(crate) fn bundle(&self, id: &str) -> Option<u32> {
        self.bundle_ids.get(id).copied()
    }

    /// Rebuilds the index of stock bundles (after a snapshot was read).
    pub(crate) fn reindex(&mut self) {
        self.bundle_ids = self
            .bundles
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.clone(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
    }
}

/// The state a stock shows at `now`: SENDING and PAUSED become STOPPED after
/// `available_end_time` (as coupons become EXPIRED, by the business clock).
pub(crate) fn stock_state(ledger: &Ledger, s: u32, now: i64) -> StockState {
    let stock = &ledger.stocks[s as usize].entity;
    let ended = stock
        .single_usage_rule
        .as_ref()
        .or(stock.progressive_bundle_usage_rule.as_ref())
        .and_then(|r| r.coupon_available_period.as_ref())
        .and_then(|p| p.available_end_time)
        .is_some_and(|end| end.unix_timestamp() < now);
    match &stock.state {
        StockState::Sending | StockState::Paused if ended => StockState::Stopped,
        state => state.clone(),
    }
}

/// STOPPED and DEACTIVATED are final.
pub(crate) fn is_final(state: &StockState) -> bool {
    matches!(state, StockState::Stopped | StockState::Deactivated)
}

/// The Beijing day of business time `now`.
pub(crate) fn beijing_day(now: i64) -> time::Date {
    WxTime::from_unix_clamped(now).beijing_date()
}

/// `now` as an API time.
pub(crate) fn wx_time(now: i64) -> WxTime {
    WxTime::from_unix_clamped(now)
}

/// 400 INVALID_REQUEST 268577984: stock `id` is in `state`, and `op` needs `wanted`.
pub(crate) fn stock_state_error(
    id: &str,
    state: &StockState,
    op: &str,
    wanted: &str,
) -> ErrorAnswer {
    ErrorAnswer::rule(
        BizCode::StockNotSending,
        format!("stock {id} is {state}; {op} needs a stock that is {wanted}"),
    )
}

/// Refuses unless stock `s` shows one of `allowed` at `cx.now` (268577984).
pub(crate) fn require_stock_state(
    ledger: &Ledger,
    s: u32,
    now: i64,
    op: &str,
    allowed: &[StockState],
) -> Result<(), ErrorAnswer> {
    let state = stock_state(ledger, s, now);
    if allowed.contains(&state) {
        return Ok(());
    }
    let wanted = allowed
        .iter()
        .map(StockState::as_str)
        .collect::<Vec<_>>()
        .join(" or ");
    Err(stock_state_error(
        &ledger.stocks[s as usize].entity.stock_id,
        &state,
        op,
        &wanted,
    ))
}

/// States in which a stock can still be managed: neither STOPPED nor DEACTIVATED.
pub(crate) const MANAGEABLE: [StockState; 3] = [
    StockState::Auditing,
    StockState::Sending,
    StockState::Paused,
];
/// States in which a stock's settings can change (E08, E10, E16).
pub(crate) const OPEN: [StockState; 2] = [StockState::Sending, StockState::Paused];

/// Refuses unless product coupon `p` is EFFECTIVE (no numeric code is documented).
pub(crate) fn require_effective(ledger: &Ledger, p: u32, op: &str) -> Result<(), ErrorAnswer> {
    let product = &ledger.products[p as usize];
    if product.state == ProductCouponState::Effective {
        return Ok(());
    }
    Err(ErrorAnswer::new(
        ErrorRow::BusinessRule,
        format!(
            "product coupon {} is {}; {op} needs an EFFECTIVE product coupon",
            product.product_coupon_id, product.state
        ),
    ))
}

/// Refuses unless product coupon `p` has usage mode `wanted`; `instead` says what to do.
pub(crate) fn require_usage_mode(
    ledger: &Ledger,
    p: u32,
    wanted: &UsageMode,
    instead: &str,
) -> Result<(), ErrorAnswer> {
    let product = &ledger.products[p as usize];
    if product.usage_mode == *wanted {
        return Ok(());
    }
    Err(ErrorAnswer::new(
        ErrorRow::BusinessRule,
        format!(
            "product coupon {} has usage_mode {}, not {wanted}; {instead}",
            product.product_coupon_id, product.usage_mode
        ),
    ))
}

/// Refuses a SINGLE-only operation on a PROGRESSIVE_BUNDLE product coupon's stock.
pub(crate) fn refuse_bundle_stock(
    ledger: &Ledger,
    s: u32,
    instead: &str,
) -> Result<(), ErrorAnswer> {
    let slot = &ledger.stocks[s as usize];
    if ledger.products[slot.product as usize].usage_mode != UsageMode::ProgressiveBundle {
        return Ok(());
    }
    Err(ErrorAnswer::new(
        ErrorRow::BusinessRule,
        format!(
            "stock {} belongs to a PROGRESSIVE_BUNDLE product coupon; use {instead} on its stock bundle",
            slot.entity.stock_id
        ),
    ))
}

/// Refuses a notify AppID not bound to the caller (268578704).
pub(crate) fn check_notify_appid(
    cx: &Cx<'_>,
    field: &str,
    appid: Option<&str>,
) -> Result<(), ErrorAnswer> {
    match appid {
        Some(appid) if !cx.caller.appid_bound(appid) => {
            // A brand calling for itself is named once.
            let to = match cx.mode {
                Mode::Brand => cx.caller.label(),
                _ => format!("{} or brand {}", cx.caller.label(), cx.brand),
            };
            Err(ErrorAnswer::rule(
                BizCode::AppidIllegal,
                format!("AppID非法: {field} {appid} is not bound to {to}; use a bound AppID"),
            ))
        }
        _ => Ok(()),
    }
}

/// 400 PARAM_ERROR 268578224 (参数错误) for `field`: a rule that depends on the product coupon.
pub(crate) fn param_rule(field: &str, problem: String) -> ErrorAnswer {
    let mut e = ErrorAnswer::param(&FieldError::body(field, Rule::Mode(problem)));
    e.biz = Some(BizCode::ParamRule);
    e
}

/// A replay of a keyed request whose target the caller may no longer see.
pub(crate) fn replay_hidden() -> ErrorAnswer {
    ErrorAnswer::coded(
        404,
        ErrorCode::NotFound,
        BizCode::NotFound,
        "当前访问对象不存在: the object this request number created is not visible to this caller",
    )
}

/// One page of `items` (already in the list's stable order) from position `start`; returns
/// the page and the next page's token.
pub(crate) fn page<T>(
    items: Vec<T>,
    size: Option<i64>,
    token: Option<&str>,
    key: impl Fn(&T) -> String,
) -> Result<(Vec<T>, Option<String>), ErrorAnswer> {
    let size = usize::try_from(size.unwrap_or(wxpay_models::stock::DEFAULT_PAGE_SIZE))
        .unwrap_or(1)
        .max(1);
    // The token is the hex of the last key the previous page returned, so a page does not
    // move when items are added before it.
    let after = match token.filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(unhex(t).ok_or_else(|| {
            ErrorAnswer::param(&FieldError {
                field: "page_token".into(),
                location: wxpay_models::Location::Query,
                rule: Rule::Mode(
                    "is not a next_page_token this list returned; omit it for the first page"
                        .into(),
                ),
            })
        })?),
    };
    let mut rest: Vec<T> = match &after {
        None => items,
        Some(after) => items.into_iter().filter(|i| key(i) > *after).collect(),
    };
    let more = rest.len() > size;
    rest.truncate(size);
    let next = more
        .then(|| rest.last().map(|last| hex(&key(last))))
        .flatten();
    Ok((rest, next))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}
