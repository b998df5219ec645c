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
    ($(#[$doc:meta])* $name:ident => $resp:ty, $op:path, path: [$($p:ident / $p_mut:ident: $pdoc:literal),+]) => {
        $(#[$doc])*
        #[serde_with::skip_serializing_none]
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(
                #[doc = $pdoc]
                #[serde(skip)]
                $p: String,
            )+
            /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
            out_request_no: String,
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

        accessors! {
            $name,
            get: [
                $($p / $p_mut: String => str,)+
                out_request_no / out_request_no_mut: String => str,
            ],
            with: [
                with_remark => remark: String,
                with_usage_rule_display_info => usage_rule_display_info: $crate::stock::UsageRuleDisplayInfo,
                with_coupon_display_info => coupon_display_info: $crate::stock::CouponDisplayInfo,
                with_notify_config => notify_config: $crate::stock::NotifyConfig,
                with_store_scope => store_scope: $crate::enums::StockStoreScope,
                with_brand_id => brand_id: String,
            ]
        }

        impl $name {
            /// A change numbered `out_request_no` for the path parameters (in path order);
            /// what changes is set with `with_*`. See the [type](Self) for an example.
            pub fn new($($p: impl Into<String>,)+ out_request_no: impl Into<String>) -> Self {
                Self {
                    $($p: $p.into(),)+
                    out_request_no: out_request_no.into(),
                    remark: None,
                    usage_rule_display_info: None,
                    coupon_display_info: None,
                    notify_config: None,
                    store_scope: None,
                    brand_id: None,
                }
            }

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
    ($(#[$doc:meta])* $name:ident => $resp:ty, $op:path, path: [$($p:ident / $p_mut:ident: $pdoc:literal),+]) => {
        $(#[$doc])*
        #[serde_with::skip_serializing_none]
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(
                #[doc = $pdoc]
                #[serde(skip)]
                $p: String,
            )+
            /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
            out_request_no: String,
            /// Which cap changes.
            update_mode: $crate::enums::UpdateMode,
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

        accessors! {
            $name,
            get: [
                $($p / $p_mut: String => str,)+
                out_request_no / out_request_no_mut: String => str,
                update_mode / update_mode_mut: $crate::enums::UpdateMode,
            ],
            with: [
                with_current_max_count => current_max_count: i64,
                with_target_max_count => target_max_count: i64,
                with_current_max_count_per_day => current_max_count_per_day: i64,
                with_target_max_count_per_day => target_max_count_per_day: i64,
                with_brand_id => brand_id: String,
            ]
        }

        impl $name {
            /// A change of the cap `update_mode` numbered `out_request_no`, for the path
            /// parameters (in path order); the cap's current and target values are set with
            /// `with_*`. See the [type](Self) for an example.
            pub fn new(
                $($p: impl Into<String>,)+
                out_request_no: impl Into<String>,
                update_mode: $crate::enums::UpdateMode,
            ) -> Self {
                Self {
                    $($p: $p.into(),)+
                    out_request_no: out_request_no.into(),
                    update_mode,
                    current_max_count: None,
                    target_max_count: None,
                    current_max_count_per_day: None,
                    target_max_count_per_day: None,
                    brand_id: None,
                }
            }

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
    /// let r = UpdateStockRequest::new("1000000013", "1000000013001", "UPDATE_20250801_01")
    ///     .with_remark("周四专用");
    /// r.validate()?;
    /// assert_eq!(r.path(Mode::Partner), "/v3/marketing/partner/product-coupon/product-coupons/1000000013/stocks/1000000013001");
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    UpdateStockRequest => StockEntity, UPDATE_STOCK,
    path: [product_coupon_id / product_coupon_id_mut: "The product coupon (path).", stock_id / stock_id_mut: "The stock (path)."]
}

budget_request! {
    /// E09 修改商品券批次发放预算 — `POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/update-budget`:
    /// changes one cap per call. `current_*` must equal the live value (an optimistic lock);
    /// only the pair of `update_mode` may be given. Answers the [`StockEntity`].
    ///
    /// ```
    /// use wxpay_models::{UpdateMode, stock::UpdateStockBudgetRequest};
    /// let r = UpdateStockBudgetRequest::new(
    ///     "1000000013", "1000000013001", "BUDGET_20250801_01", UpdateMode::MaxCount,
    /// )
    /// .with_current_max_count(1000)
    /// .with_target_max_count(2000);
    /// r.validate()?;
    /// let r = r.with_target_max_count_per_day(10);
    /// assert!(r.validate().unwrap_err().has("target_max_count_per_day"));
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    UpdateStockBudgetRequest => StockEntity, UPDATE_STOCK_BUDGET,
    path: [product_coupon_id / product_coupon_id_mut: "The product coupon (path).", stock_id / stock_id_mut: "The stock (path)."]
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
/// let r = DeactivateStockRequest::new("1000000013", "1000000013001", "DEACT_20250801_01", "批次信息有误")
///     .with_brand_id("120344");
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivateStockRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The stock (path).
    #[serde(skip)]
    stock_id: String,
    /// The brand's number for this deactivation: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// Why, at most 150 characters.
    deactivate_reason: String,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(DeactivateStockRequest => StockEntity, DEACTIVATE_STOCK,
    path: [product_coupon_id, stock_id], query: [], key: out_request_no, brand: brand_id);

accessors! {
    DeactivateStockRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
        deactivate_reason / deactivate_reason_mut: String => str,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl DeactivateStockRequest {
    /// Deactivates `stock_id` of `product_coupon_id` for `deactivate_reason`, under
    /// `out_request_no`; see the [type](Self) for an example.
    pub fn new(
        product_coupon_id: impl Into<String>,
        stock_id: impl Into<String>,
        out_request_no: impl Into<String>,
        deactivate_reason: impl Into<String>,
    ) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            out_request_no: out_request_no.into(),
            deactivate_reason: deactivate_reason.into(),
            brand_id: None,
        }
    }

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
