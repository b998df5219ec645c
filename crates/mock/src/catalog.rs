//! The catalogue's own state beside the ledger: who created each product coupon (partner
//! mode shows a provider only its own), what E01 created with it, stock bundles, users'
//! bundles by id, pre-send tokens and the id counters; and the lookups, views and rules the
//! catalogue operations share (`ops/{product_coupons,stocks,stock_bundles,user_coupon_bundles}.rs`).

use std::collections::HashMap;

use wxpay_models::{
    ErrorCode, ErrorRow, FieldError, Mode, ProductCouponEntity, ProductCouponState, Rule,
    StockEntity, StockState, UsageMode, WxTime,
};

use crate::error::{ErrorAnswer, biz};
use crate::ledger::Ledger;
use crate::ops::Cx;
use crate::world::World;

/// Who created a product coupon through the API. Fixtures and admin-added product
/// coupons have none: every caller of their brand sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Creator {
    /// A service provider (partner mode), by mchid.
    Partner(String),
    /// The brand itself (brand-direct mode).
    Brand,
}

/// What E01 created with a product coupon, for replays of E01.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum First {
    Stock(u32),
    Bundle(u32),
}

/// A stock bundle: its id, product coupon and stocks (ledger indexes, round order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StockBundle {
    pub(crate) id: String,
    pub(crate) product: u32,
    pub(crate) stocks: Vec<u32>,
}

/// A pre-sent bundle (E24) waiting for its claim (`POST /mock/pre-sends/{token}/claim`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreSend {
    pub(crate) caller: (Mode, String),
    pub(crate) brand: String,
    pub(crate) request: wxpay_models::user_coupon_bundle::PreSendUserProductCouponBundleRequest,
    pub(crate) params: [u8; 16],
    pub(crate) created: i64,
    /// The user bundle its claim issued.
    pub(crate) claimed: Option<u32>,
}

/// How long a pre-send token can be claimed (the receive component's 5 minutes).
pub(crate) const TOKEN_SECS: i64 = 300;
/// Effective stocks (not STOPPED or DEACTIVATED) a product coupon may have.
pub(crate) const MAX_EFFECTIVE_STOCKS: usize = 200;

/// The catalogue's state (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    creators: HashMap<u32, Creator>,
    pub(crate) created_with: HashMap<u32, First>,
    pub(crate) bundles: Vec<StockBundle>,
    bundle_ids: HashMap<String, u32>,
    /// Users' bundles by id → index in `Ledger::bundles`.
    pub(crate) user_bundles: HashMap<String, u32>,
    pub(crate) pre_sends: HashMap<String, PreSend>,
    products_made: u64,
    user_bundles_made: u64,
    tokens_made: u64,
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

    /// A new pre-send token.
    pub(crate) fn token(&mut self) -> String {
        self.tokens_made += 1;
        format!("mock-presend-token-{:016}", self.tokens_made)
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
    fn visible(&self, product: u32, brand_id: &str, cx: &Cx<'_>) -> bool {
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
}

impl World {
    /// The product coupon `id` as `cx` may see it, or 404 NOT_FOUND (268578608).
    pub(crate) fn find_product(&self, cx: &Cx<'_>, id: &str) -> Result<u32, ErrorAnswer> {
        self.ledger
            .product(id)
            .filter(|&p| self.visible(p, cx))
            .ok_or_else(|| {
                ErrorAnswer::not_found(format!(
                    "product coupon {id} does not exist, is not brand {}'s{}; check product_coupon_id",
                    cx.brand,
                    match cx.mode {
                        Mode::Brand => "",
                        _ => " or was created by another service provider",
                    }
                ))
            })
    }

    /// 404 NOT_FOUND (268578608) when product coupon `id` is the caller's brand's but was
    /// created by another service provider ("属于当前品牌且由当前服务商创建" holds for every
    /// ID-addressed operation, sends included). An unknown id or another brand's is left to
    /// the operation's own checks, which say so in their words.
    pub(crate) fn check_creator(&self, cx: &Cx<'_>, id: &str) -> Result<(), ErrorAnswer> {
        match self.ledger.product(id) {
            Some(p)
                if self.ledger.products[p as usize].brand_id == cx.brand
                    && !self.visible(p, cx) =>
            {
                self.find_product(cx, id).map(|_| ())
            }
            _ => Ok(()),
        }
    }

    /// Whether `cx` may see product coupon `p`.
    pub(crate) fn visible(&self, p: u32, cx: &Cx<'_>) -> bool {
        let brand = &self.ledger.products[p as usize].brand_id;
        self.catalog.visible(p, brand, cx)
    }

    /// Stock `stock_id` of product coupon `product_id`, as (product, stock), or 404.
    pub(crate) fn find_stock(
        &self,
        cx: &Cx<'_>,
        product_id: &str,
        stock_id: &str,
    ) -> Result<(u32, u32), ErrorAnswer> {
        let p = self.find_product(cx, product_id)?;
        let s = self
            .ledger
            .stock(stock_id)
            .filter(|&s| self.ledger.stocks[s as usize].product == p)
            .ok_or_else(|| {
                ErrorAnswer::not_found(format!(
                    "stock {stock_id} does not exist in product coupon {product_id}; check stock_id (ListStocks lists them)"
                ))
            })?;
        Ok((p, s))
    }

    /// Stock bundle `bundle_id` of product coupon `product_id`, as (product, bundle), or 404.
    pub(crate) fn find_bundle(
        &self,
        cx: &Cx<'_>,
        product_id: &str,
        bundle_id: &str,
    ) -> Result<(u32, u32), ErrorAnswer> {
        let p = self.find_product(cx, product_id)?;
        let b = self
            .catalog
            .bundle(bundle_id)
            .filter(|&b| self.catalog.bundles[b as usize].product == p)
            .ok_or_else(|| {
                ErrorAnswer::not_found(format!(
                    "stock bundle {bundle_id} does not exist in product coupon {product_id}; check stock_bundle_id"
                ))
            })?;
        Ok((p, b))
    }

    /// The product coupon as `cx`'s mode shows it.
    pub(crate) fn product_view(&self, p: u32, cx: &Cx<'_>) -> ProductCouponEntity {
        let mut product = self.ledger.products[p as usize].clone();
        if cx.mode == Mode::Brand {
            product.brand_id.clear();
        }
        product
    }

    /// The stock as `cx`'s mode shows it at `cx.now`: live counters, STOPPED once its
    /// availability window is over.
    pub(crate) fn stock_view(&self, s: u32, cx: &Cx<'_>) -> StockEntity {
        let mut stock = self.ledger.stock_entity(s, beijing_day(cx.now));
        stock.state = stock_state(&self.ledger, s, cx.now);
        if cx.mode == Mode::Brand {
            stock.brand_id.clear();
        }
        stock
    }

    /// Stocks of product coupon `p`, in creation order.
    pub(crate) fn stocks_of(&self, p: u32) -> impl Iterator<Item = u32> + '_ {
        self.ledger
            .stocks
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.product == p)
            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
    }

    /// Refuses when product coupon `p` already has `adding` too many effective stocks.
    pub(crate) fn check_stock_room(
        &self,
        p: u32,
        adding: usize,
        now: i64,
    ) -> Result<(), ErrorAnswer> {
        let effective = self
            .stocks_of(p)
            .filter(|&s| !is_final(&stock_state(&self.ledger, s, now)))
            .count();
        if effective + adding > MAX_EFFECTIVE_STOCKS {
            return Err(ErrorAnswer::new(
                ErrorRow::BusinessRule,
                format!(
                    "product coupon {} has {effective} effective stocks; at most {MAX_EFFECTIVE_STOCKS} may be effective (deactivate some first)",
                    self.ledger.products[p as usize].product_coupon_id
                ),
            ));
        }
        Ok(())
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
    WxTime::from_unix(now).map_or_else(|_| WxTime::now().beijing_date(), |t| t.beijing_date())
}

/// `now` as an API time.
pub(crate) fn wx_time(now: i64) -> WxTime {
    WxTime::from_unix(now).unwrap_or_else(|_| WxTime::now())
}

/// 400 INVALID_REQUEST 268577984: stock `id` is in `state`, and `op` needs `wanted`.
pub(crate) fn stock_state_error(
    id: &str,
    state: &StockState,
    op: &str,
    wanted: &str,
) -> ErrorAnswer {
    ErrorAnswer::rule(
        biz::STOCK_NOT_SENDING,
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
        Some(appid) if !cx.caller.appid_bound(appid) => Err(ErrorAnswer::rule(
            biz::APPID_ILLEGAL,
            format!(
                "AppID非法: {field} {appid} is not bound to {} or brand {}; use a bound AppID",
                cx.caller.label(),
                cx.brand
            ),
        )),
        _ => Ok(()),
    }
}

/// 400 PARAM_ERROR 268578224 (参数错误) for `field`: a rule that depends on the product coupon.
pub(crate) fn param_rule(field: &str, problem: String) -> ErrorAnswer {
    let mut e = ErrorAnswer::param(&FieldError::body(field, Rule::Mode(problem)));
    e.biz = Some(biz::PARAM_RULE);
    e
}

/// A replay of a keyed request whose target the caller may no longer see.
pub(crate) fn replay_hidden() -> ErrorAnswer {
    ErrorAnswer::coded(
        404,
        ErrorCode::NotFound,
        biz::NOT_FOUND,
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
