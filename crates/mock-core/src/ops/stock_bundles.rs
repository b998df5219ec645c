//! Stock bundles of PROGRESSIVE_BUNDLE product coupons: create (E15), update (E16),
//! budget (E17); E01 creates its first bundle here too.

use wxpay_models::stock_bundle::{
    CreateStockBundleRequest, UpdateStockBundleBudgetRequest, UpdateStockBundleRequest,
};
use wxpay_models::{
    ProductCouponType, Rule, SingleUsageRule, StockBundleEntity, StockBundleForCreate,
    StockBundleInfo, StockEntity, UsageMode, ValidationError,
};

use crate::catalog::{
    MANAGEABLE, OPEN, check_notify_appid, param_rule, replay_hidden, require_effective,
    require_usage_mode, stock_state,
};
use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::ops::stocks::{BudgetChange, changes_of, insert_stock, new_stock};
use crate::ops::{Conflict, Done, Handle};
use crate::requests::Record;
use crate::world::World;

/// A decreasing round is 268586067 (非递减优惠), still with the field's `detail`; the model
/// finds it while validating.
pub(crate) fn non_decreasing_answer(e: &ValidationError) -> ErrorAnswer {
    let mut answer = ErrorAnswer::validation(e);
    let decreasing = e.first().is_some_and(|f| {
        matches!(&f.rule, Rule::Mode(why) if why.contains("at least the discount of the round before"))
    });
    if decreasing {
        answer.biz = Some(BizCode::NonDecreasing);
    }
    answer
}

impl Handle for CreateStockBundleRequest {
    const CONFLICT: Conflict = Conflict::Create;

    fn invalid(e: &ValidationError) -> ErrorAnswer {
        non_decreasing_answer(e)
    }

    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let p = world.find_product(cx, r.product_coupon_id())?;
        require_effective(&world.ledger, p, "CreateStockBundle")?;
        let b = add_bundle(world, cx, p, r.stock_bundle())?;
        Ok(Done::wrote(world.bundle_view(b, cx), Record::Bundle(b)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        bundle_replay(world, cx, record)
    }
}

/// Checks `bundle` against product coupon `p` (usage mode, one rule per round of the
/// type's list, the AppID, room for its stocks), then adds one SENDING stock per round.
pub(crate) fn add_bundle(
    world: &mut World,
    cx: &Cx<'_>,
    p: u32,
    bundle: &StockBundleForCreate,
) -> Result<u32, ErrorAnswer> {
    require_usage_mode(
        &world.ledger,
        p,
        &UsageMode::ProgressiveBundle,
        "stock bundles belong to PROGRESSIVE_BUNDLE product coupons (add a stock with CreateStock)",
    )?;
    let product = &world.ledger.products[p as usize];
    let rule = bundle
        .progressive_bundle_usage_rule
        .as_ref()
        .ok_or_else(|| {
            param_rule(
                "stock_bundle.progressive_bundle_usage_rule",
                "is required".into(),
            )
        })?;
    let lists = [
        (
            "normal_coupon_list",
            rule.normal_coupon_list.as_ref().map(Vec::len),
            ProductCouponType::Normal,
        ),
        (
            "discount_coupon_list",
            rule.discount_coupon_list.as_ref().map(Vec::len),
            ProductCouponType::Discount,
        ),
        (
            "exchange_coupon_list",
            rule.exchange_coupon_list.as_ref().map(Vec::len),
            ProductCouponType::Exchange,
        ),
    ];
    let rounds = product
        .progressive_bundle_usage_info
        .as_ref()
        .and_then(|i| i.count)
        .and_then(|n| usize::try_from(n).ok());
    for (name, len, of) in &lists {
        let field = format!("stock_bundle.progressive_bundle_usage_rule.{name}");
        let kind = &product.coupon_type;
        match *len {
            None if kind == of => {
                return Err(param_rule(
                    &field,
                    format!("is required for a {kind} product coupon"),
                ));
            }
            Some(_) if kind != of => {
                return Err(param_rule(
                    &field,
                    format!("must not be given for a {kind} product coupon"),
                ));
            }
            Some(len) if rounds.is_some_and(|n| n != len) => {
                return Err(param_rule(
                    &field,
                    format!(
                        "must have one rule per round: the product coupon has {} rounds (progressive_bundle_usage_info.count), the list {len}",
                        rounds.unwrap_or_default()
                    ),
                ));
            }
            _ => {}
        }
    }
    let notify = bundle.notify_config.notify_appid.as_deref();
    check_notify_appid(cx, "stock_bundle.notify_config.notify_appid", notify)?;
    let count = lists
        .iter()
        .find_map(|(_, len, _)| *len)
        .unwrap_or_default();
    world.check_stock_room(p, count, cx.now)?;

    let product_id = product.product_coupon_id.clone();
    let id = world.catalog.next_bundle_id(&product_id);
    let mut stocks = Vec::with_capacity(count);
    for round in 0..count {
        let stock = StockEntity {
            product_coupon_id: product_id.clone(),
            stock_id: crate::catalog::Catalog::stock_id(&world.ledger, &product_id),
            remark: bundle.remark.clone(),
            coupon_code_mode: bundle.coupon_code_mode.clone(),
            stock_send_rule: bundle.stock_send_rule.clone(),
            progressive_bundle_usage_rule: Some(SingleUsageRule {
                coupon_available_period: rule.coupon_available_period.clone(),
                normal_coupon: rule
                    .normal_coupon_list
                    .as_ref()
                    .and_then(|l| l.get(round).cloned()),
                discount_coupon: rule
                    .discount_coupon_list
                    .as_ref()
                    .and_then(|l| l.get(round).cloned()),
                exchange_coupon: rule
                    .exchange_coupon_list
                    .as_ref()
                    .and_then(|l| l.get(round).cloned()),
            }),
            stock_bundle_info: Some(StockBundleInfo {
                stock_bundle_id: id.clone(),
                stock_bundle_index: i64::try_from(round).unwrap_or(i64::MAX),
            }),
            usage_rule_display_info: bundle.usage_rule_display_info.clone(),
            coupon_display_info: bundle.coupon_display_info.clone(),
            notify_config: bundle.notify_config.clone(),
            store_scope: bundle.store_scope.clone(),
            ..new_stock(cx)
        };
        stocks.push(insert_stock(world, stock)?);
    }
    Ok(world.catalog.add_bundle(id, p, stocks))
}

impl World {
    /// Stock bundle `b` as `cx`'s mode shows it.
    pub(crate) fn bundle_view(&self, b: u32, cx: &Cx<'_>) -> StockBundleEntity {
        let bundle = &self.catalog.bundles[b as usize];
        StockBundleEntity {
            stock_bundle_id: bundle.id.clone(),
            stock_list: bundle
                .stocks
                .iter()
                .map(|&s| self.stock_view(s, cx))
                .collect(),
        }
    }
}

fn bundle_replay(
    world: &World,
    cx: &Cx<'_>,
    record: &Record,
) -> Result<StockBundleEntity, ErrorAnswer> {
    match record {
        Record::Bundle(b) if world.visible(world.catalog.bundles[*b as usize].product, cx) => {
            Ok(world.bundle_view(*b, cx))
        }
        _ => Err(replay_hidden()),
    }
}

/// The bundle's stocks, refused (268577984) when none is in one of `allowed`.
fn open_stocks(
    world: &World,
    cx: &Cx<'_>,
    b: u32,
    op: &str,
    allowed: &[wxpay_models::StockState],
) -> Result<Vec<u32>, ErrorAnswer> {
    let bundle = &world.catalog.bundles[b as usize];
    let open: Vec<u32> = bundle
        .stocks
        .iter()
        .copied()
        .filter(|&s| allowed.contains(&stock_state(&world.ledger, s, cx.now)))
        .collect();
    if open.is_empty() {
        let wanted: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        return Err(ErrorAnswer::rule(
            BizCode::StockNotSending,
            format!(
                "no stock of stock bundle {} is {}; {op} needs at least one",
                bundle.id,
                wanted.join(" or ")
            ),
        ));
    }
    Ok(open)
}

impl Handle for UpdateStockBundleRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let (_, b) = world.find_bundle(cx, r.product_coupon_id(), r.stock_bundle_id())?;
        let stocks = open_stocks(world, cx, b, "UpdateStockBundle", &OPEN)?;
        let changes = changes_of!(r).checked(cx)?;
        // Stopped and deactivated rounds keep what they had.
        for s in stocks {
            changes.apply(&mut world.ledger.stocks[s as usize].entity);
        }
        Ok(Done::wrote(world.bundle_view(b, cx), Record::Bundle(b)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        bundle_replay(world, cx, record)
    }
}

impl Handle for UpdateStockBundleBudgetRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let (_, b) = world.find_bundle(cx, r.product_coupon_id(), r.stock_bundle_id())?;
        open_stocks(world, cx, b, "UpdateStockBundleBudget", &MANAGEABLE)?;
        let change = BudgetChange::of(
            r.update_mode(),
            [r.current_max_count, r.target_max_count],
            [r.current_max_count_per_day, r.target_max_count_per_day],
        )?;
        // Every round keeps the same caps, so all of them change together.
        let stocks = world.catalog.bundles[b as usize].stocks.clone();
        change.apply(world, &stocks, cx.now)?;
        Ok(Done::wrote(world.bundle_view(b, cx), Record::Bundle(b)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        bundle_replay(world, cx, record)
    }
}
