//! E08 修改商品券指定批次 (`PATCH …/stocks/{stock_id}`), E09 修改商品券批次发放预算
//! (`POST …/stocks/{stock_id}/update-budget`) and E10 失效商品券批次
//! (`POST …/stocks/{stock_id}/deactivate`); the checks E16/E17 share.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check::{self, MAX_BUDGET};
use crate::enums::{StockStoreScope, UpdateMode};
use crate::operations::{DEACTIVATE_STOCK, UPDATE_STOCK, UPDATE_STOCK_BUDGET};
use crate::stock::{CouponDisplayInfo, NotifyConfig, StockEntity, UsageRuleDisplayInfo};
use crate::validate::{Checker, ValidationError};

/// E08 修改商品券指定批次 — `PATCH /product-coupons/{product_coupon_id}/stocks/{stock_id}`:
/// changes a SENDING or PAUSED stock's display, notify config or store scope (coupons
/// already sent keep theirs). Fields left `None` stay as they are. Answers the [`StockEntity`].
///
/// ```
/// use wxpay_models::{Endpoint, Mode, stock::UpdateStockRequest};
/// let r = UpdateStockRequest {
///     product_coupon_id: "1000000013".into(), stock_id: "1000000013001".into(),
///     out_request_no: "UPDATE_20250801_01".into(), remark: Some("周四专用".into()),
///     ..Default::default()
/// };
/// r.validate()?;
/// assert_eq!(r.path(Mode::Partner), "/v3/marketing/partner/product-coupon/product-coupons/1000000013/stocks/1000000013001");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateStockRequest {
    /// The product coupon (path).
    #[serde(skip)]
    pub product_coupon_id: String,
    /// The stock (path).
    #[serde(skip)]
    pub stock_id: String,
    /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
    pub out_request_no: String,
    /// The brand's note, at most 20 characters.
    pub remark: Option<String>,
    /// How the rules are shown (the whole object).
    pub usage_rule_display_info: Option<UsageRuleDisplayInfo>,
    /// How the coupon is shown (the whole object).
    pub coupon_display_info: Option<CouponDisplayInfo>,
    /// The AppID callbacks name.
    pub notify_config: Option<NotifyConfig>,
    /// Which stores accept it.
    pub store_scope: Option<StockStoreScope>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(UpdateStockRequest => StockEntity, UPDATE_STOCK,
    path: [product_coupon_id, stock_id], query: [], key: out_request_no, brand: brand_id);

impl UpdateStockRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::path_id(&mut c, "stock_id", &self.stock_id);
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

/// The body of E08 and E16: every field optional, each given one checked.
pub(crate) fn check_changes(
    c: &mut Checker,
    out_request_no: &str,
    remark: Option<&str>,
    usage: Option<&UsageRuleDisplayInfo>,
    display: Option<&CouponDisplayInfo>,
    notify: Option<&NotifyConfig>,
    scope: Option<&StockStoreScope>,
) {
    check::request_no(c, "out_request_no", out_request_no);
    check::remark(c, "", remark);
    if let Some(usage) = usage {
        check::usage_display(c, "usage_rule_display_info", usage);
    }
    if let Some(display) = display {
        check::coupon_display(c, "coupon_display_info", display, false);
    }
    if let Some(notify) = notify {
        check::notify_config(c, "notify_config", notify, false);
    }
    if let Some(scope) = scope {
        c.known("store_scope", scope);
    }
}

/// E09 修改商品券批次发放预算 — `POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/update-budget`:
/// changes one cap per call. `current_*` must equal the live value (an optimistic lock);
/// only the pair of `update_mode` may be given. Answers the [`StockEntity`].
///
/// ```
/// use wxpay_models::{UpdateMode, stock::UpdateStockBudgetRequest};
/// let mut r = UpdateStockBudgetRequest {
///     product_coupon_id: "1000000013".into(), stock_id: "1000000013001".into(),
///     out_request_no: "BUDGET_20250801_01".into(), update_mode: UpdateMode::MaxCount,
///     current_max_count: Some(1000), target_max_count: Some(2000),
///     ..Default::default()
/// };
/// r.validate()?;
/// r.target_max_count_per_day = Some(10);
/// assert!(r.validate().unwrap_err().has("target_max_count_per_day"));
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateStockBudgetRequest {
    /// The product coupon (path).
    #[serde(skip)]
    pub product_coupon_id: String,
    /// The stock (path).
    #[serde(skip)]
    pub stock_id: String,
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

endpoint!(UpdateStockBudgetRequest => StockEntity, UPDATE_STOCK_BUDGET,
    path: [product_coupon_id, stock_id], query: [], key: out_request_no, brand: brand_id);

impl UpdateStockBudgetRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::path_id(&mut c, "stock_id", &self.stock_id);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        check_budget(&mut c, &self.budget());
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }

    fn budget(&self) -> Budget<'_> {
        Budget {
            mode: &self.update_mode,
            total: [self.current_max_count, self.target_max_count],
            daily: [
                self.current_max_count_per_day,
                self.target_max_count_per_day,
            ],
        }
    }
}

/// The budget fields of E09 and E17.
pub(crate) struct Budget<'a> {
    pub(crate) mode: &'a UpdateMode,
    /// `current_max_count`, `target_max_count`.
    pub(crate) total: [Option<i64>; 2],
    /// `current_max_count_per_day`, `target_max_count_per_day`.
    pub(crate) daily: [Option<i64>; 2],
}

/// `update_mode` with its own current/target pair, and no other.
pub(crate) fn check_budget(c: &mut Checker, b: &Budget<'_>) {
    c.required_enum("update_mode", b.mode);
    let total = ["current_max_count", "target_max_count"];
    let daily = ["current_max_count_per_day", "target_max_count_per_day"];
    let (wanted, other, other_values) = match b.mode {
        UpdateMode::MaxCount => ((total, b.total), daily, b.daily),
        UpdateMode::MaxCountPerDay => ((daily, b.daily), total, b.total),
        _ => return,
    };
    let ([current, target], [current_value, target_value]) = wanted;
    c.required_range(current, current_value, 0, MAX_BUDGET);
    c.required_range(target, target_value, 1, MAX_BUDGET);
    let why = format!("with update_mode {}", b.mode);
    for (field, value) in other.into_iter().zip(other_values) {
        c.forbidden(field, value.is_some(), &why);
    }
}

/// E10 失效商品券批次 — `POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/deactivate`:
/// stops a SENDING or PAUSED stock for good (coupons already sent stay valid). Answers the
/// [`StockEntity`].
///
/// ```
/// use wxpay_models::stock::DeactivateStockRequest;
/// let r = DeactivateStockRequest {
///     product_coupon_id: "1000000013".into(), stock_id: "1000000013001".into(),
///     out_request_no: "DEACT_20250801_01".into(), deactivate_reason: "批次信息有误".into(),
///     brand_id: Some("120344".into()),
/// };
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivateStockRequest {
    /// The product coupon (path).
    #[serde(skip)]
    pub product_coupon_id: String,
    /// The stock (path).
    #[serde(skip)]
    pub stock_id: String,
    /// The brand's number for this deactivation: 6–40 of `[0-9A-Za-z_-]`.
    pub out_request_no: String,
    /// Why, at most 150 characters.
    pub deactivate_reason: String,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(DeactivateStockRequest => StockEntity, DEACTIVATE_STOCK,
    path: [product_coupon_id, stock_id], query: [], key: out_request_no, brand: brand_id);

impl DeactivateStockRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::path_id(&mut c, "stock_id", &self.stock_id);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        check::reason(&mut c, &self.deactivate_reason);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
