//! E16 修改商品券批次组 (`PATCH …/stock-bundles/{stock_bundle_id}`) and E17
//! 修改商品券批次组发放预算 (`POST …/stock-bundles/{stock_bundle_id}/update-budget`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::enums::{StockStoreScope, UpdateMode};
use crate::operations::{UPDATE_STOCK_BUNDLE, UPDATE_STOCK_BUNDLE_BUDGET};
use crate::stock::{
    Budget, CouponDisplayInfo, NotifyConfig, UsageRuleDisplayInfo, check_budget, check_changes,
};
use crate::stock_bundle::StockBundleEntity;
use crate::validate::{Checker, ValidationError};

/// E16 修改商品券批次组 — `PATCH /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}`:
/// changes the display, notify config or store scope of every stock in the bundle. Fields
/// left `None` stay. Answers the [`StockBundleEntity`].
///
/// ```
/// use wxpay_models::{StockStoreScope, stock_bundle::UpdateStockBundleRequest};
/// let r = UpdateStockBundleRequest {
///     product_coupon_id: "1000000013".into(), stock_bundle_id: "712315129419284901".into(),
///     out_request_no: "BUNDLE_UPD_0001".into(), store_scope: Some(StockStoreScope::All),
///     ..Default::default()
/// };
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateStockBundleRequest {
    /// The product coupon (path).
    #[serde(skip)]
    pub product_coupon_id: String,
    /// The bundle (path).
    #[serde(skip)]
    pub stock_bundle_id: String,
    /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
    pub out_request_no: String,
    /// The brand's note, at most 20 characters.
    pub remark: Option<String>,
    /// How the rules are shown (the whole object).
    pub usage_rule_display_info: Option<UsageRuleDisplayInfo>,
    /// How the coupons are shown (the whole object).
    pub coupon_display_info: Option<CouponDisplayInfo>,
    /// The AppID callbacks name.
    pub notify_config: Option<NotifyConfig>,
    /// Which stores accept it.
    pub store_scope: Option<StockStoreScope>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(UpdateStockBundleRequest => StockBundleEntity, UPDATE_STOCK_BUNDLE,
    path: [product_coupon_id, stock_bundle_id], query: [], key: out_request_no, brand: brand_id);

impl UpdateStockBundleRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::path_id(&mut c, "stock_bundle_id", &self.stock_bundle_id);
        check_changes(
            &mut c,
            &self.out_request_no,
            self.remark.as_deref(),
            self.usage_rule_display_info.as_ref(),
            self.coupon_display_info.as_ref(),
            self.notify_config.as_ref(),
            self.store_scope.as_ref(),
        );
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// E17 修改商品券批次组发放预算 — `POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/update-budget`:
/// changes one cap of every stock in the bundle; the rules of
/// [`UpdateStockBudgetRequest`](crate::stock::UpdateStockBudgetRequest). Answers the
/// [`StockBundleEntity`].
///
/// ```
/// use wxpay_models::{UpdateMode, stock_bundle::UpdateStockBundleBudgetRequest};
/// let r = UpdateStockBundleBudgetRequest {
///     product_coupon_id: "1000000013".into(), stock_bundle_id: "712315129419284901".into(),
///     out_request_no: "BUNDLE_BUDGET_01".into(), update_mode: UpdateMode::MaxCountPerDay,
///     current_max_count_per_day: Some(100), target_max_count_per_day: Some(50),
///     ..Default::default()
/// };
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateStockBundleBudgetRequest {
    /// The product coupon (path).
    #[serde(skip)]
    pub product_coupon_id: String,
    /// The bundle (path).
    #[serde(skip)]
    pub stock_bundle_id: String,
    /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
    pub out_request_no: String,
    /// Which cap changes.
    pub update_mode: UpdateMode,
    /// The live total cap (MAX_COUNT only).
    pub current_max_count: Option<i64>,
    /// The new total cap, 1–100,000,000 (MAX_COUNT only).
    pub target_max_count: Option<i64>,
    /// The live daily cap (MAX_COUNT_PER_DAY only).
    pub current_max_count_per_day: Option<i64>,
    /// The new daily cap, 1–100,000,000 (MAX_COUNT_PER_DAY only).
    pub target_max_count_per_day: Option<i64>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(UpdateStockBundleBudgetRequest => StockBundleEntity, UPDATE_STOCK_BUNDLE_BUDGET,
    path: [product_coupon_id, stock_bundle_id], query: [], key: out_request_no, brand: brand_id);

impl UpdateStockBundleBudgetRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::path_id(&mut c, "stock_bundle_id", &self.stock_bundle_id);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        check_budget(
            &mut c,
            &Budget {
                mode: &self.update_mode,
                total: [self.current_max_count, self.target_max_count],
                daily: [
                    self.current_max_count_per_day,
                    self.target_max_count_per_day,
                ],
            },
        );
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
