//! What a product coupon or stock must be for WeChat Pay to hold it: the rules an emulator
//! applies to entities it is given directly (fixtures, its admin API), which skip the create
//! operations' checks. The same field rules as the API's; the caps on budgets are the service's
//! own bounds, not a create request's (a load-test stock hands a user a million coupons).

use crate::check;
use crate::product_coupon::ProductCouponEntity;
use crate::stock::StockEntity;
use crate::validate::{Checker, ValidationError};

/// Ids: `[0-9A-Za-z_-]`, like every id the API hands out.
const MAX_ID: usize = 40;

impl StockEntity {
    /// Checks that WeChat Pay could hold this stock: ids, known enum values, the send rule's
    /// caps (1–100,000,000), the usage rule's period (begin before end, `wait_days` 0–30, …).
    ///
    /// ```
    /// let mut stock = wxpay_models::examples::stock_entity();
    /// stock.validate()?;
    /// stock.stock_send_rule.max_count = Some(-1);
    /// stock.coupon_code_mode = "BOGUS".into();
    /// let e = stock.validate().unwrap_err();
    /// assert!(e.has("stock_send_rule.max_count") && e.has("coupon_code_mode"));
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.id("stock_id", &self.stock_id, 1, MAX_ID);
        c.id("product_coupon_id", &self.product_coupon_id, 1, MAX_ID);
        c.id("brand_id", &self.brand_id, 1, MAX_ID);
        c.required_enum("coupon_code_mode", &self.coupon_code_mode);
        c.required_enum("state", &self.state);
        c.required_enum("store_scope", &self.store_scope);
        let rule = &self.stock_send_rule;
        c.required_range(
            "stock_send_rule.max_count",
            rule.max_count,
            1,
            check::MAX_BUDGET,
        );
        c.optional_range(
            "stock_send_rule.max_count_per_day",
            rule.max_count_per_day,
            1,
            check::MAX_BUDGET,
        );
        c.optional_range(
            "stock_send_rule.max_count_per_user",
            rule.max_count_per_user,
            1,
            check::MAX_BUDGET,
        );
        match (&self.single_usage_rule, &self.progressive_bundle_usage_rule) {
            (Some(r), None) => check::single_usage_rule(&mut c, "single_usage_rule", r),
            (None, Some(r)) => check::single_usage_rule(&mut c, "progressive_bundle_usage_rule", r),
            (None, None) if self.sequential_usage_rule.is_some() => {}
            (None, None) => c.body("single_usage_rule", crate::Rule::Required),
            (Some(_), Some(_)) => c.forbidden(
                "progressive_bundle_usage_rule",
                true,
                "together with single_usage_rule",
            ),
        }
        check::remark(&mut c, "", self.remark.as_deref());
        c.finish()
    }
}

impl ProductCouponEntity {
    /// Checks that WeChat Pay could hold this product coupon: ids and known enum values.
    ///
    /// ```
    /// let mut product = wxpay_models::examples::product_coupon_entity();
    /// product.validate()?;
    /// product.product_coupon_id = "a/b".into();
    /// assert!(product.validate().unwrap_err().has("product_coupon_id"));
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.id("product_coupon_id", &self.product_coupon_id, 1, MAX_ID);
        c.id("brand_id", &self.brand_id, 1, MAX_ID);
        c.required_enum("scope", &self.scope);
        c.required_enum("coupon_type", &self.coupon_type);
        c.required_enum("usage_mode", &self.usage_mode);
        c.required_enum("state", &self.state);
        c.finish()
    }
}
