//! A stock bundle (批次组) of a PROGRESSIVE_BUNDLE product coupon: one stock per round, and
//! the `stock_bundle` object that creates one (E01, E15).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::enums::{CouponCodeMode, ProductCouponType, StockStoreScope};
use crate::product_coupon::{
    DiscountCouponUsageRule, ExchangeCouponUsageRule, NormalCouponUsageRule,
};
use crate::stock::{
    CouponAvailablePeriod, CouponDisplayInfo, NotifyConfig, StockEntity, StockSendRule,
    UsageRuleDisplayInfo,
};
use crate::validate::{Checker, Rule, index, join};

/// Rounds of a bundle: 3–15.
pub(crate) const ROUNDS: (i64, i64) = (3, 15);

/// A stock bundle: its id and its stocks, one per round (`stock_bundle_info.stock_bundle_index`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockBundleEntity {
    /// Its id.
    pub stock_bundle_id: String,
    /// Its stocks, in round order.
    pub stock_list: Vec<StockEntity>,
}

/// `stock_bundle` of E01 and E15 (StockBundleForCreate): every setting is copied to each
/// stock of the bundle.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockBundleForCreate {
    /// The brand's note, at most 20 characters.
    pub remark: Option<String>,
    /// WECHATPAY or UPLOAD (bundles cannot use API_ASSIGN).
    pub coupon_code_mode: CouponCodeMode,
    /// Budget and limits of each stock; `max_count_per_user` is required here.
    pub stock_send_rule: StockSendRule,
    /// Validity and the discount of each round.
    pub progressive_bundle_usage_rule: Option<StockBundleUsageRule>,
    /// How the rules are shown.
    pub usage_rule_display_info: UsageRuleDisplayInfo,
    /// How the coupons are shown; `code_display_mode` required.
    pub coupon_display_info: CouponDisplayInfo,
    /// The AppID callbacks name (`notify_appid`, required).
    pub notify_config: NotifyConfig,
    /// Which stores accept it.
    pub store_scope: StockStoreScope,
}

/// `progressive_bundle_usage_rule` of a new bundle (StockBundleUsageRule): one rule per round
/// in the list of the coupon's type, each at least as strong as the one before.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockBundleUsageRule {
    /// When sent coupons are valid.
    pub coupon_available_period: Option<CouponAvailablePeriod>,
    /// Amount-off rules, one per round (NORMAL).
    pub normal_coupon_list: Option<Vec<NormalCouponUsageRule>>,
    /// Percent-off rules, one per round (DISCOUNT).
    pub discount_coupon_list: Option<Vec<DiscountCouponUsageRule>>,
    /// Exchange rules, one per round (EXCHANGE).
    pub exchange_coupon_list: Option<Vec<ExchangeCouponUsageRule>>,
}

/// What the product coupon says about a new bundle, when it is known (E01).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BundleShape<'a> {
    /// `progressive_bundle_usage_info.count`.
    pub(crate) rounds: Option<i64>,
    /// The product coupon's `type`.
    pub(crate) coupon_type: Option<&'a ProductCouponType>,
}

impl StockBundleForCreate {
    /// Checks every rule, naming fields under `prefix`.
    pub(crate) fn check(&self, c: &mut Checker, prefix: &str, shape: BundleShape<'_>) {
        check::remark(c, prefix, self.remark.as_deref());
        let mode = join(prefix, "coupon_code_mode");
        c.required_enum(&mode, &self.coupon_code_mode);
        if self.coupon_code_mode == CouponCodeMode::ApiAssign {
            c.body(&mode, Rule::OneOf(&["WECHATPAY", "UPLOAD"]));
        }
        check::send_rule(
            c,
            &join(prefix, "stock_send_rule"),
            &self.stock_send_rule,
            true,
        );
        let at = join(prefix, "progressive_bundle_usage_rule");
        if let Some(rule) = c.present(&at, &self.progressive_bundle_usage_rule) {
            rule.check(c, &at, shape);
        }
        check::usage_display(
            c,
            &join(prefix, "usage_rule_display_info"),
            &self.usage_rule_display_info,
        );
        check::coupon_display(
            c,
            &join(prefix, "coupon_display_info"),
            &self.coupon_display_info,
            true,
        );
        check::notify_config(c, &join(prefix, "notify_config"), &self.notify_config, true);
        c.required_enum(&join(prefix, "store_scope"), &self.store_scope);
    }
}

impl StockBundleUsageRule {
    fn check(&self, c: &mut Checker, prefix: &str, shape: BundleShape<'_>) {
        let at = join(prefix, "coupon_available_period");
        if let Some(p) = c.present(&at, &self.coupon_available_period) {
            check::period(c, &at, p);
        }
        let normal = join(prefix, "normal_coupon_list");
        let discount = join(prefix, "discount_coupon_list");
        let exchange = join(prefix, "exchange_coupon_list");
        let lists = [
            (
                &normal,
                self.normal_coupon_list.as_ref().map(Vec::len),
                ProductCouponType::Normal,
            ),
            (
                &discount,
                self.discount_coupon_list.as_ref().map(Vec::len),
                ProductCouponType::Discount,
            ),
            (
                &exchange,
                self.exchange_coupon_list.as_ref().map(Vec::len),
                ProductCouponType::Exchange,
            ),
        ];
        let (min, max) = ROUNDS;
        let rounds = shape.rounds.filter(|n| (min..=max).contains(n));
        for (field, len, kind) in &lists {
            match (shape.coupon_type, len) {
                (Some(t), None) if t == kind => c.body(field, Rule::Required),
                (Some(t), Some(_)) if t.is_known() && t != kind => {
                    c.forbidden(field, true, &format!("for a {t} coupon"));
                }
                (_, Some(len)) => match rounds {
                    Some(n) if *len as i64 != n => c.body(
                        field,
                        Rule::Mode(format!("must have one rule per round ({n}), got {len}")),
                    ),
                    Some(_) => {}
                    None => c.items(field, *len, min as usize, max as usize),
                },
                _ => {}
            }
        }
        if shape.coupon_type.is_none() && lists.iter().all(|(_, len, _)| len.is_none()) {
            c.body(&normal, Rule::Mode("one of normal_coupon_list, discount_coupon_list or exchange_coupon_list is required".into()));
        }
        let rules = self.normal_coupon_list.iter().flatten();
        for (i, n) in rules.clone().enumerate() {
            check::normal(c, &index(&normal, i), n);
        }
        non_decreasing(
            c,
            &normal,
            "discount_amount",
            rules.map(|n| n.discount_amount),
        );
        let rules = self.discount_coupon_list.iter().flatten();
        for (i, d) in rules.clone().enumerate() {
            check::discount(c, &index(&discount, i), d);
        }
        non_decreasing(c, &discount, "percent_off", rules.map(|d| d.percent_off));
        let rules = self.exchange_coupon_list.iter().flatten();
        for (i, x) in rules.clone().enumerate() {
            check::exchange(c, &index(&exchange, i), x);
        }
        // A lower exchange price is a stronger offer.
        non_decreasing(
            c,
            &exchange,
            "exchange_price",
            rules.map(|x| x.exchange_price.map(|p| -p)),
        );
    }
}

/// Each round's offer at least as strong as the previous round's (else WeChat Pay answers
/// 268586067).
fn non_decreasing(
    c: &mut Checker,
    list: &str,
    name: &str,
    values: impl Iterator<Item = Option<i64>>,
) {
    let mut previous = None;
    for (i, value) in values.enumerate() {
        if let (Some(p), Some(v)) = (previous, value)
            && v < p
        {
            c.body(
                &join(&index(list, i), name),
                Rule::Mode("must give at least the discount of the round before".into()),
            );
            return;
        }
        previous = value.or(previous);
    }
}
