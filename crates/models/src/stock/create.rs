//! E05 添加商品券批次: `POST {prefix}/product-coupons/{product_coupon_id}/stocks`, and the
//! `stock` object that E01 creates too.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::enums::{CouponCodeMode, StockStoreScope};
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::stock::{
    CouponDisplayInfo, NotifyConfig, SequentialUsageRule, SingleUsageRule, StockEntity,
    StockSendRule, UsageRuleDisplayInfo,
};
use crate::validate::{Checker, Rule, ValidationError, index, join};

/// E05 添加商品券批次 (`POST /product-coupons/{product_coupon_id}/stocks`).
const CREATE_STOCK: Operation = Operation {
    name: "CreateStock",
    kebab: "create-stock",
    title: "添加商品券批次",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// `stock` of E01 and E05 (StockForCreate): a new stock of a SINGLE (or deprecated
/// SEQUENTIAL) product coupon.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockForCreate {
    /// The brand's note, at most 20 characters.
    pub remark: Option<String>,
    /// Who assigns coupon codes.
    pub coupon_code_mode: CouponCodeMode,
    /// Budget and limits: `max_count` required (≤ 100,000,000), `max_count_per_day`
    /// (≤ 100,000,000) and `max_count_per_user` (≤ 100) optional.
    pub stock_send_rule: StockSendRule,
    /// Validity (and, for scope SINGLE, the discount rule) of a SINGLE coupon's stock.
    pub single_usage_rule: Option<SingleUsageRule>,
    /// Deprecated: the rules of a SEQUENTIAL coupon's stock.
    pub sequential_usage_rule: Option<SequentialUsageRule>,
    /// How the rules are shown.
    pub usage_rule_display_info: UsageRuleDisplayInfo,
    /// How the coupon is shown; `code_display_mode` required.
    pub coupon_display_info: CouponDisplayInfo,
    /// The AppID callbacks name (`notify_appid`, required).
    pub notify_config: NotifyConfig,
    /// Which stores accept it.
    pub store_scope: StockStoreScope,
}

impl StockForCreate {
    /// Checks everything but which usage rule must be present (that depends on the product
    /// coupon's usage mode), naming fields under `prefix`.
    pub(crate) fn check(&self, c: &mut Checker, prefix: &str) {
        check::remark(c, prefix, self.remark.as_deref());
        c.required_enum(&join(prefix, "coupon_code_mode"), &self.coupon_code_mode);
        check::send_rule(
            c,
            &join(prefix, "stock_send_rule"),
            &self.stock_send_rule,
            false,
        );
        if let Some(rule) = &self.single_usage_rule {
            check::single_usage_rule(c, &join(prefix, "single_usage_rule"), rule);
        }
        if let Some(rule) = &self.sequential_usage_rule {
            sequential_rule(c, &join(prefix, "sequential_usage_rule"), rule);
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

/// `sequential_usage_rule`: the period, and at most 15 rules per list.
fn sequential_rule(c: &mut Checker, prefix: &str, r: &SequentialUsageRule) {
    let at = join(prefix, "coupon_available_period");
    if let Some(p) = c.present(&at, &r.coupon_available_period) {
        check::period(c, &at, p);
    }
    let lists = [
        (
            "normal_coupon_list",
            r.normal_coupon_list.as_ref().map(Vec::len),
        ),
        (
            "discount_coupon_list",
            r.discount_coupon_list.as_ref().map(Vec::len),
        ),
        (
            "exchange_coupon_list",
            r.exchange_coupon_list.as_ref().map(Vec::len),
        ),
    ];
    for (name, len) in lists {
        if let Some(len) = len {
            c.items(&join(prefix, name), len, 1, 15);
        }
    }
    for (i, n) in r.normal_coupon_list.iter().flatten().enumerate() {
        check::normal(c, &index(&join(prefix, "normal_coupon_list"), i), n);
    }
    for (i, d) in r.discount_coupon_list.iter().flatten().enumerate() {
        check::discount(c, &index(&join(prefix, "discount_coupon_list"), i), d);
    }
    for (i, x) in r.exchange_coupon_list.iter().flatten().enumerate() {
        check::exchange(c, &index(&join(prefix, "exchange_coupon_list"), i), x);
    }
}

/// E05 添加商品券批次 — `POST /product-coupons/{product_coupon_id}/stocks`: adds a stock to
/// an EFFECTIVE SINGLE product coupon. Answers the [`StockEntity`].
///
/// ```
/// use wxpay_models::stock::{CreateStockRequest, StockForCreate};
/// use wxpay_models::{CouponCodeMode, CouponUsageMethod, CouponCodeDisplayMode, StockStoreScope};
/// use wxpay_models::{CouponAvailablePeriod, SingleUsageRule, StockSendRule, UsageRuleDisplayInfo};
/// use wxpay_models::{CouponDisplayInfo, NotifyConfig, Endpoint, Mode};
/// let stock = StockForCreate {
///     coupon_code_mode: CouponCodeMode::Wechatpay,
///     stock_send_rule: StockSendRule { max_count: Some(1000), ..Default::default() },
///     single_usage_rule: Some(SingleUsageRule {
///         coupon_available_period: Some(CouponAvailablePeriod {
///             available_begin_time: Some("2025-08-01T00:00:00+08:00".parse()?),
///             available_end_time: Some("2025-08-31T23:59:59+08:00".parse()?),
///             ..Default::default()
///         }),
///         ..Default::default()
///     }),
///     usage_rule_display_info: UsageRuleDisplayInfo {
///         coupon_usage_method_list: Some(vec![CouponUsageMethod::Offline]),
///         usage_description: Some("工作日可用".into()),
///         ..Default::default()
///     },
///     coupon_display_info: CouponDisplayInfo {
///         code_display_mode: Some(CouponCodeDisplayMode::Qrcode),
///         ..Default::default()
///     },
///     notify_config: NotifyConfig { notify_appid: Some("wx23232232323".into()) },
///     store_scope: StockStoreScope::None,
///     ..Default::default()
/// };
/// let r = CreateStockRequest::new("1000000013", "STOCK_20250801_01", stock);
/// r.validate()?;
/// assert_eq!(r.path(Mode::Brand), "/brand/marketing/product-coupon/product-coupons/1000000013/stocks");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateStockRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The brand's number for this create: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// The new stock; needs `single_usage_rule` (or, deprecated, `sequential_usage_rule`).
    stock: StockForCreate,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(CreateStockRequest => StockEntity, CREATE_STOCK,
    path: [product_coupon_id], query: [], key: out_request_no, brand: brand_id);

accessors! {
    CreateStockRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
        stock / stock_mut: StockForCreate,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl CreateStockRequest {
    /// Adds `stock` to `product_coupon_id`, under `out_request_no`; see the [type](Self) for an example.
    pub fn new(
        product_coupon_id: impl Into<String>,
        out_request_no: impl Into<String>,
        stock: StockForCreate,
    ) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            out_request_no: out_request_no.into(),
            stock,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        self.stock.check(&mut c, "stock");
        match (
            &self.stock.single_usage_rule,
            &self.stock.sequential_usage_rule,
        ) {
            (None, None) => c.body("stock.single_usage_rule", Rule::Required),
            (Some(_), Some(_)) => c.forbidden(
                "stock.sequential_usage_rule",
                true,
                "together with single_usage_rule",
            ),
            _ => {}
        }
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
