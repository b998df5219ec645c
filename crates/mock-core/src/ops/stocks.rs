//! Stocks: create (E05), list (E06), get (E07), update (E08), budget (E09), deactivate
//! (E10), upload codes (E11); the budget rules E17 shares.

use wxpay_models::stock::{
    CreateStockRequest, DeactivateStockRequest, GetStockRequest, ListStocksRequest,
    ListStocksResponse, UpdateStockBudgetRequest, UpdateStockRequest, UploadCouponCodesRequest,
    UploadCouponCodesResponse,
};
use wxpay_models::{
    CouponCodeMode, ErrorRow, ProductCouponScope, ProductCouponType, StockEntity, StockForCreate,
    StockState, UpdateMode, UsageMode,
};

use crate::catalog::{
    MANAGEABLE, OPEN, beijing_day, check_notify_appid, param_rule, refuse_bundle_stock,
    replay_hidden, require_effective, require_stock_state, require_usage_mode, stock_state,
    wx_time,
};
use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::ops::{Conflict, Done, Handle};
use crate::requests::Record;
use crate::world::World;

impl Handle for CreateStockRequest {
    const CONFLICT: Conflict = Conflict::Create;

    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let p = world.find_product(cx, r.product_coupon_id())?;
        require_effective(&world.ledger, p, "CreateStock")?;
        require_usage_mode(
            &world.ledger,
            p,
            &UsageMode::Single,
            "only SINGLE product coupons take stocks (add a stock bundle with CreateStockBundle)",
        )?;
        let product = &world.ledger.products[p as usize];
        check_rule_placement(&product.scope, &product.coupon_type, r.stock())?;
        let notify = r.stock().notify_config.notify_appid.as_deref();
        check_notify_appid(cx, "stock.notify_config.notify_appid", notify)?;
        world.check_stock_room(p, 1, cx.now)?;
        let s = add_stock(world, cx, p, r.stock())?;
        Ok(Done::wrote(world.stock_view(s, cx), Record::Stock(s)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        stock_replay(world, cx, record)
    }
}

/// Where the discount rule of a SINGLE coupon's stock goes: scope ALL keeps it on the
/// product coupon (`single_usage_info`), scope SINGLE in `stock.single_usage_rule`.
fn check_rule_placement(
    scope: &ProductCouponScope,
    kind: &ProductCouponType,
    stock: &StockForCreate,
) -> Result<(), ErrorAnswer> {
    if stock.sequential_usage_rule.is_some() {
        return Err(param_rule(
            "stock.sequential_usage_rule",
            "must not be given: the product coupon's usage_mode is SINGLE (use single_usage_rule)"
                .into(),
        ));
    }
    let Some(rule) = &stock.single_usage_rule else {
        return Err(param_rule("stock.single_usage_rule", "is required".into()));
    };
    let given = [
        (
            "normal_coupon",
            rule.normal_coupon.is_some(),
            ProductCouponType::Normal,
        ),
        (
            "discount_coupon",
            rule.discount_coupon.is_some(),
            ProductCouponType::Discount,
        ),
        (
            "exchange_coupon",
            rule.exchange_coupon.is_some(),
            ProductCouponType::Exchange,
        ),
    ];
    for (name, present, of) in given {
        let field = format!("stock.single_usage_rule.{name}");
        match scope {
            ProductCouponScope::Single if *kind == of && !present => {
                return Err(param_rule(
                    &field,
                    format!("is required: the product coupon is a scope SINGLE {kind} coupon"),
                ));
            }
            ProductCouponScope::Single if *kind != of && present => {
                return Err(param_rule(
                    &field,
                    format!("must not be given: the product coupon's type is {kind}"),
                ));
            }
            ProductCouponScope::Single => {}
            _ if present => {
                return Err(param_rule(
                    &field,
                    format!(
                        "must not be given: for scope {scope} the rule is the product coupon's single_usage_info"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Adds a new SENDING stock made from `stock` to product coupon `p`; returns its index.
pub(crate) fn add_stock(
    world: &mut World,
    cx: &Cx<'_>,
    p: u32,
    stock: &StockForCreate,
) -> Result<u32, ErrorAnswer> {
    let product_id = world.ledger.products[p as usize].product_coupon_id.clone();
    let id = crate::catalog::Catalog::stock_id(&world.ledger, &product_id);
    let entity = StockEntity {
        product_coupon_id: product_id,
        stock_id: id,
        remark: stock.remark.clone(),
        coupon_code_mode: stock.coupon_code_mode.clone(),
        stock_send_rule: stock.stock_send_rule.clone(),
        single_usage_rule: stock.single_usage_rule.clone(),
        usage_rule_display_info: stock.usage_rule_display_info.clone(),
        coupon_display_info: stock.coupon_display_info.clone(),
        notify_config: stock.notify_config.clone(),
        store_scope: stock.store_scope.clone(),
        ..new_stock(cx)
    };
    insert_stock(world, entity)
}

/// The fields every new stock shares: SENDING (no review is emulated), nothing sent.
pub(crate) fn new_stock(cx: &Cx<'_>) -> StockEntity {
    StockEntity {
        state: StockState::Sending,
        brand_id: cx.brand.to_owned(),
        ..StockEntity::default()
    }
}

/// Adds `entity` to the ledger.
pub(crate) fn insert_stock(world: &mut World, entity: StockEntity) -> Result<u32, ErrorAnswer> {
    let id = entity.stock_id.clone();
    world
        .ledger
        .add_stock(entity)
        .map_err(|_| ErrorAnswer::system(format!("stock id {id} is taken")))
}

fn stock_replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<StockEntity, ErrorAnswer> {
    match record {
        Record::Stock(s) if world.visible(world.ledger.stocks[*s as usize].product, cx) => {
            Ok(world.stock_view(*s, cx))
        }
        _ => Err(replay_hidden()),
    }
}

impl Handle for ListStocksRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let p = world.find_product(cx, r.product_coupon_id())?;
        let only: Option<Vec<u32>> = match &r.stock_bundle_id {
            Some(id) if !id.is_empty() => {
                let (_, b) = world.find_bundle(cx, r.product_coupon_id(), id)?;
                Some(world.catalog.bundles[b as usize].stocks.clone())
            }
            _ => None,
        };
        let matching: Vec<u32> = world
            .stocks_of(p)
            .filter(|s| only.as_ref().is_none_or(|only| only.contains(s)))
            .filter(|&s| {
                r.state
                    .as_ref()
                    .is_none_or(|want| stock_state(&world.ledger, s, cx.now) == *want)
            })
            .collect();
        let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
        let first_page = r.page_token.as_deref().is_none_or(str::is_empty);
        let (stocks, next) =
            crate::catalog::page(matching, r.page_size, r.page_token.as_deref(), |s| {
                format!("{s:010}")
            })?;
        Ok(Done::read(ListStocksResponse {
            // Brand mode gives the total on the first page only (the brand documents).
            total_count: (first_page || cx.mode != wxpay_models::Mode::Brand).then_some(total),
            next_page_token: next,
            stock_list: Some(
                stocks
                    .into_iter()
                    .map(|s| world.stock_view(s, cx))
                    .collect(),
            ),
        }))
    }
}

impl Handle for GetStockRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let (_, s) = world.find_stock(cx, r.product_coupon_id(), r.stock_id())?;
        Ok(Done::read(world.stock_view(s, cx)))
    }
}

impl Handle for UpdateStockRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let (_, s) = world.find_stock(cx, r.product_coupon_id(), r.stock_id())?;
        refuse_bundle_stock(&world.ledger, s, "UpdateStockBundle")?;
        require_stock_state(&world.ledger, s, cx.now, "UpdateStock", &OPEN)?;
        let changes = changes_of!(r).checked(cx)?;
        changes.apply(&mut world.ledger.stocks[s as usize].entity);
        Ok(Done::wrote(world.stock_view(s, cx), Record::Stock(s)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        stock_replay(world, cx, record)
    }
}

/// What E08 and E16 may change: display, notify config, store scope, remark — never the
/// rules or budget, so coupons already sent keep their validity and codes.
pub(crate) struct StockChanges {
    pub(crate) remark: Option<String>,
    pub(crate) usage: Option<wxpay_models::UsageRuleDisplayInfo>,
    pub(crate) display: Option<wxpay_models::CouponDisplayInfo>,
    pub(crate) notify: Option<wxpay_models::NotifyConfig>,
    pub(crate) scope: Option<wxpay_models::StockStoreScope>,
}

/// The changes an E08 or E16 request asks for (the two have the same fields).
macro_rules! changes_of {
    ($r:ident) => {
        $crate::ops::stocks::StockChanges {
            remark: $r.remark,
            usage: $r.usage_rule_display_info,
            display: $r.coupon_display_info,
            notify: $r.notify_config,
            scope: $r.store_scope,
        }
    };
}
pub(crate) use changes_of;

impl StockChanges {
    /// The changes, once their notify AppID is known to be the caller's.
    pub(crate) fn checked(self, cx: &Cx<'_>) -> Result<Self, ErrorAnswer> {
        let appid = self.notify.as_ref().and_then(|n| n.notify_appid.as_deref());
        check_notify_appid(cx, "notify_config.notify_appid", appid)?;
        Ok(self)
    }

    pub(crate) fn apply(&self, stock: &mut StockEntity) {
        if let Some(v) = &self.remark {
            stock.remark = Some(v.clone());
        }
        if let Some(v) = &self.usage {
            stock.usage_rule_display_info = v.clone();
        }
        if let Some(v) = &self.display {
            stock.coupon_display_info = v.clone();
        }
        if let Some(v) = &self.notify {
            stock.notify_config = v.clone();
        }
        if let Some(v) = &self.scope {
            stock.store_scope = v.clone();
        }
    }
}

impl Handle for UpdateStockBudgetRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let (_, s) = world.find_stock(cx, r.product_coupon_id(), r.stock_id())?;
        refuse_bundle_stock(&world.ledger, s, "UpdateStockBundleBudget")?;
        require_stock_state(&world.ledger, s, cx.now, "UpdateStockBudget", &MANAGEABLE)?;
        let change = BudgetChange::of(
            r.update_mode(),
            [r.current_max_count, r.target_max_count],
            [r.current_max_count_per_day, r.target_max_count_per_day],
        )?;
        change.apply(world, &[s], cx.now)?;
        Ok(Done::wrote(world.stock_view(s, cx), Record::Stock(s)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        stock_replay(world, cx, record)
    }
}

/// One budget change of E09 or E17: which cap, its expected live value, its new value.
pub(crate) struct BudgetChange {
    daily: bool,
    current: i64,
    target: i64,
}

impl BudgetChange {
    /// From the request's fields (the model has checked only the mode's pair is given).
    pub(crate) fn of(
        mode: &UpdateMode,
        total: [Option<i64>; 2],
        daily: [Option<i64>; 2],
    ) -> Result<Self, ErrorAnswer> {
        let (is_daily, [current, target]) = match mode {
            UpdateMode::MaxCount => (false, total),
            UpdateMode::MaxCountPerDay => (true, daily),
            other => {
                return Err(ErrorAnswer::new(
                    ErrorRow::ParamError,
                    format!("update_mode {other} is not MAX_COUNT or MAX_COUNT_PER_DAY"),
                ));
            }
        };
        match (current, target) {
            (Some(current), Some(target)) => Ok(Self {
                daily: is_daily,
                current,
                target,
            }),
            _ => Err(ErrorAnswer::new(
                ErrorRow::ParamError,
                format!("update_mode {mode} needs its current and target values"),
            )),
        }
    }

    /// Checks the change against every stock of `stocks`, then applies it to all of them;
    /// under the world's lock, so a racing send never takes the stock past its cap.
    pub(crate) fn apply(
        &self,
        world: &mut World,
        stocks: &[u32],
        now: i64,
    ) -> Result<(), ErrorAnswer> {
        let (name, field) = if self.daily {
            ("max_count_per_day", "current_max_count_per_day")
        } else {
            ("max_count", "current_max_count")
        };
        let day = beijing_day(now);
        for &s in stocks {
            let slot = &world.ledger.stocks[s as usize];
            let id = &slot.entity.stock_id;
            let rule = &slot.entity.stock_send_rule;
            let (live, sent, sent_what) = if self.daily {
                (
                    rule.max_count_per_day,
                    world.ledger.sent_on(s, day),
                    "today",
                )
            } else {
                (rule.max_count, slot.sent_total, "in all")
            };
            let fail = |what: String| Err(ErrorAnswer::new(ErrorRow::BusinessRule, what));
            let Some(live) = live else {
                return fail(format!(
                    "stock {id} was created without {name}; a stock cannot gain (or lose) a {name} cap after creation"
                ));
            };
            if live != self.current {
                return fail(format!(
                    "{field} is {} but stock {id}'s live {name} is {live}; read the stock (GetStock) and pass its value",
                    self.current
                ));
            }
            if self.target < sent {
                return fail(format!(
                    "stock {id} has already sent {sent} coupons {sent_what}; the new {name} must be at least {sent}, not {}",
                    self.target
                ));
            }
        }
        for &s in stocks {
            let rule = &mut world.ledger.stocks[s as usize].entity.stock_send_rule;
            if self.daily {
                rule.max_count_per_day = Some(self.target);
            } else {
                rule.max_count = Some(self.target);
            }
        }
        Ok(())
    }
}

impl Handle for DeactivateStockRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let (_, s) = world.find_stock(cx, r.product_coupon_id(), r.stock_id())?;
        require_stock_state(&world.ledger, s, cx.now, "DeactivateStock", &OPEN)?;
        let stock = &mut world.ledger.stocks[s as usize].entity;
        stock.state = StockState::Deactivated;
        stock.deactivate_request_no = Some(r.out_request_no().to_owned());
        stock.deactivate_time = Some(wx_time(cx.now));
        stock.deactivate_reason = Some(r.deactivate_reason().to_owned());
        Ok(Done::wrote(world.stock_view(s, cx), Record::Stock(s)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        stock_replay(world, cx, record)
    }
}

impl Handle for UploadCouponCodesRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let (_, s) = world.find_stock(cx, r.product_coupon_id(), r.stock_id())?;
        let mode = &world.ledger.stocks[s as usize].entity.coupon_code_mode;
        if *mode != CouponCodeMode::Upload {
            return Err(ErrorAnswer::new(
                ErrorRow::BusinessRule,
                format!(
                    "stock {} has coupon_code_mode {mode}; codes can be uploaded only to UPLOAD stocks",
                    r.stock_id()
                ),
            ));
        }
        require_stock_state(&world.ledger, s, cx.now, "UploadCouponCodes", &MANAGEABLE)?;
        // The model refuses a list with repeats, so every code here is distinct.
        let (known, new): (Vec<String>, Vec<String>) =
            r.code_list().iter().cloned().partition(|code| {
                world.ledger.find_code(s, code).is_some()
                    || world.ledger.stocks[s as usize].codes.contains(code)
            });
        let total = known.len() + new.len();
        world.ledger.upload_codes(s, new.iter().map(String::as_str));
        let response = UploadCouponCodesResponse {
            total_count: i64::try_from(total).unwrap_or(i64::MAX),
            success_code_list: Some(new),
            failed_code_list: Some(Vec::new()),
            already_exist_code_list: Some(known),
            duplicate_code_list: Some(Vec::new()),
        };
        let bytes = serde_json::to_vec(&response)
            .map_err(|e| ErrorAnswer::system(format!("cannot record the answer: {e}")))?;
        Ok(Done::wrote(response, Record::Bytes(bytes.into())))
    }
}
