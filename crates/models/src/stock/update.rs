//! E08 修改商品券指定批次 (`PATCH …/stocks/{stock_id}`), E09 修改商品券批次发放预算
//! (`POST …/stocks/{stock_id}/update-budget`) and E10 失效商品券批次
//! (`POST …/stocks/{stock_id}/deactivate`); the request shapes E16/E17 share.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check::{self, MAX_BUDGET};
use crate::enums::UpdateMode;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::stock::StockEntity;
use crate::validate::{Checker, ValidationError};

/// E10 失效商品券批次 (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/deactivate`).
const DEACTIVATE_STOCK: Operation = Operation {
    name: "DeactivateStock",
    kebab: "deactivate-stock",
    title: "失效商品券批次",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/deactivate",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E08 修改商品券指定批次 (`PATCH /product-coupons/{product_coupon_id}/stocks/{stock_id}`).
const UPDATE_STOCK: Operation = Operation {
    name: "UpdateStock",
    kebab: "update-stock",
    title: "修改商品券指定批次",
    method: Method::Patch,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E09 修改商品券批次发放预算 (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/update-budget`).
const UPDATE_STOCK_BUDGET: Operation = Operation {
    name: "UpdateStockBudget",
    kebab: "update-stock-budget",
    title: "修改商品券批次发放预算",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/update-budget",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// Declares a change request (E08, E16): every body field optional, each given one checked.
macro_rules! changes_request {
    ($(#[$doc:meta])* $name:ident => $resp:ty, $op:path, path: [$($p:ident: $pdoc:literal),+]) => {
        $(#[$doc])*
        #[serde_with::skip_serializing_none]
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(
                #[doc = $pdoc]
                #[serde(skip)]
                pub $p: String,
            )+
            /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
            pub out_request_no: String,
            /// The brand's note, at most 20 characters.
            pub remark: Option<String>,
            /// How the rules are shown (the whole object).
            pub usage_rule_display_info: Option<$crate::stock::UsageRuleDisplayInfo>,
            /// How the coupon is shown (the whole object).
            pub coupon_display_info: Option<$crate::stock::CouponDisplayInfo>,
            /// The AppID callbacks name.
            pub notify_config: Option<$crate::stock::NotifyConfig>,
            /// Which stores accept it.
            pub store_scope: Option<$crate::enums::StockStoreScope>,
            /// The brand (partner mode).
            pub brand_id: Option<String>,
        }

        endpoint!($name => $resp, $op,
            path: [$($p),+], query: [], key: out_request_no, brand: brand_id);

        impl $name {
            /// Checks every rule, naming each broken field.
            pub fn validate(&self) -> Result<(), $crate::validate::ValidationError> {
                use $crate::check;
                let mut c = $crate::validate::Checker::default();
                $(check::path_id(&mut c, stringify!($p), &self.$p);)+
                check::request_no(&mut c, "out_request_no", &self.out_request_no);
                check::remark(&mut c, "", self.remark.as_deref());
                if let Some(usage) = &self.usage_rule_display_info {
                    check::usage_display(&mut c, "usage_rule_display_info", usage);
                }
                if let Some(display) = &self.coupon_display_info {
                    check::coupon_display(&mut c, "coupon_display_info", display, false);
                }
                if let Some(notify) = &self.notify_config {
                    check::notify_config(&mut c, "notify_config", notify, false);
                }
                if let Some(scope) = &self.store_scope {
                    c.known("store_scope", scope);
                }
                check::body_brand(&mut c, self.brand_id.as_deref());
                c.finish()
            }
        }
    };
}
pub(crate) use changes_request;

/// Declares a budget update (E09, E17): `update_mode` with its own current/target pair.
macro_rules! budget_request {
    ($(#[$doc:meta])* $name:ident => $resp:ty, $op:path, path: [$($p:ident: $pdoc:literal),+]) => {
        $(#[$doc])*
        #[serde_with::skip_serializing_none]
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(
                #[doc = $pdoc]
                #[serde(skip)]
                pub $p: String,
            )+
            /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
            pub out_request_no: String,
            /// Which cap changes.
            pub update_mode: $crate::enums::UpdateMode,
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

        endpoint!($name => $resp, $op,
            path: [$($p),+], query: [], key: out_request_no, brand: brand_id);

        impl $name {
            /// Checks every rule, naming each broken field.
            pub fn validate(&self) -> Result<(), $crate::validate::ValidationError> {
                let mut c = $crate::validate::Checker::default();
                $($crate::check::path_id(&mut c, stringify!($p), &self.$p);)+
                $crate::check::request_no(&mut c, "out_request_no", &self.out_request_no);
                $crate::stock::check_budget(
                    &mut c,
                    &self.update_mode,
                    [self.current_max_count, self.target_max_count],
                    [self.current_max_count_per_day, self.target_max_count_per_day],
                );
                $crate::check::body_brand(&mut c, self.brand_id.as_deref());
                c.finish()
            }
        }
    };
}
pub(crate) use budget_request;

changes_request! {
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
    UpdateStockRequest => StockEntity, UPDATE_STOCK,
    path: [product_coupon_id: "The product coupon (path).", stock_id: "The stock (path)."]
}

budget_request! {
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
    UpdateStockBudgetRequest => StockEntity, UPDATE_STOCK_BUDGET,
    path: [product_coupon_id: "The product coupon (path).", stock_id: "The stock (path)."]
}

/// `update_mode` with its own current/target pair (`[current, target]` of the total and the
/// daily cap), and no other.
pub(crate) fn check_budget(
    c: &mut Checker,
    mode: &UpdateMode,
    total: [Option<i64>; 2],
    daily: [Option<i64>; 2],
) {
    c.required_enum("update_mode", mode);
    let total_names = ["current_max_count", "target_max_count"];
    let daily_names = ["current_max_count_per_day", "target_max_count_per_day"];
    let (wanted, other, other_values) = match mode {
        UpdateMode::MaxCount => ((total_names, total), daily_names, daily),
        UpdateMode::MaxCountPerDay => ((daily_names, daily), total_names, total),
        _ => return,
    };
    let ([current, target], [current_value, target_value]) = wanted;
    c.required_range(current, current_value, 0, MAX_BUDGET);
    c.required_range(target, target_value, 1, MAX_BUDGET);
    let why = format!("with update_mode {mode}");
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
