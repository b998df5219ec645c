//! E01 创建商品券: `POST {prefix}/product-coupons`, a product coupon with its first stock
//! (SINGLE) or first stock bundle (PROGRESSIVE_BUNDLE).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::enums::{ProductCouponScope, ProductCouponType, UsageMode};
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::product_coupon::{
    ProductCouponDisplayInfo, ProductCouponEntity, ProgressiveBundleUsageInfo, SequentialUsageInfo,
    SingleUsageInfo,
};
use crate::stock::{StockEntity, StockForCreate};
use crate::stock_bundle::{BundleShape, ROUNDS, StockBundleEntity, StockBundleForCreate};
use crate::validate::{Checker, Rule, ValidationError};

/// E01 创建商品券 (`POST /product-coupons`).
const CREATE_PRODUCT_COUPON: Operation = Operation {
    name: "CreateProductCoupon",
    kebab: "create-product-coupon",
    title: "创建商品券",
    method: Method::Post,
    path: "/product-coupons",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E01 创建商品券 — `POST /product-coupons`: creates a product coupon and its first stock
/// (`stock`, usage mode SINGLE) or stock bundle (`stock_bundle`, PROGRESSIVE_BUNDLE; not in
/// the YAML, but in Tencent's samples). Needs the notify URL set first (E31). Answers
/// [`CreateProductCouponResponse`].
///
/// Where the discount rule goes depends on `scope`: ALL puts it in `single_usage_info`,
/// SINGLE in `stock.single_usage_rule`; EXCHANGE needs SINGLE.
///
/// ```
/// use wxpay_models::product_coupon::CreateProductCouponRequest;
/// use wxpay_models::{ProductCouponDisplayInfo, ProductCouponScope, ProductCouponType, UsageMode, Endpoint, Mode};
/// let r = CreateProductCouponRequest::new(
///     "12345_20250101_A3489",
///     ProductCouponScope::All,
///     ProductCouponType::Normal,
///     UsageMode::Single,
///     ProductCouponDisplayInfo::default(),
/// );
/// let err = r.validate().unwrap_err();
/// assert!(err.has("single_usage_info") && err.has("stock") && err.has("display_info.name"));
/// assert_eq!(r.path(Mode::Brand), "/brand/marketing/product-coupon/product-coupons");
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateProductCouponRequest {
    /// The brand's number for this create: 6–40 of `[0-9A-Za-z_-]`, unique per brand.
    out_request_no: String,
    /// Whole order (ALL), one product (SINGLE) or a category (CATEGORY).
    scope: ProductCouponScope,
    /// NORMAL, DISCOUNT or EXCHANGE (`type` on the wire).
    #[serde(rename = "type")]
    coupon_type: ProductCouponType,
    /// SINGLE or PROGRESSIVE_BUNDLE (SEQUENTIAL deprecated).
    usage_mode: UsageMode,
    /// The discount rule of a SINGLE coupon of scope ALL.
    pub single_usage_info: Option<SingleUsageInfo>,
    /// Rounds (3–15) and spacing (0–7 days) of a PROGRESSIVE_BUNDLE coupon.
    pub progressive_bundle_usage_info: Option<ProgressiveBundleUsageInfo>,
    /// Deprecated: the rules of a SEQUENTIAL coupon.
    pub sequential_usage_info: Option<SequentialUsageInfo>,
    /// Name (3–15 characters) and pictures (from 图片上传).
    display_info: ProductCouponDisplayInfo,
    /// The brand's own product number, at most 40 characters.
    pub out_product_no: Option<String>,
    /// The first stock (SINGLE and SEQUENTIAL coupons).
    pub stock: Option<StockForCreate>,
    /// The first stock bundle (PROGRESSIVE_BUNDLE coupons).
    pub stock_bundle: Option<StockBundleForCreate>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(CreateProductCouponRequest => CreateProductCouponResponse, CREATE_PRODUCT_COUPON,
    path: [], query: [], key: out_request_no, brand: brand_id);

accessors! {
    CreateProductCouponRequest,
    get: [
        out_request_no / out_request_no_mut: String => str,
        scope / scope_mut: ProductCouponScope,
        coupon_type / coupon_type_mut: ProductCouponType,
        usage_mode / usage_mode_mut: UsageMode,
        display_info / display_info_mut: ProductCouponDisplayInfo,
    ],
    with: [
        with_single_usage_info => single_usage_info: SingleUsageInfo,
        with_progressive_bundle_usage_info => progressive_bundle_usage_info: ProgressiveBundleUsageInfo,
        with_sequential_usage_info => sequential_usage_info: SequentialUsageInfo,
        with_out_product_no => out_product_no: String,
        with_stock => stock: StockForCreate,
        with_stock_bundle => stock_bundle: StockBundleForCreate,
        with_brand_id => brand_id: String,
    ]
}

impl CreateProductCouponRequest {
    /// A product coupon of `scope`, `coupon_type` and `usage_mode`, shown as `display_info`,
    /// created under `out_request_no`; its rule and first stock (or stock bundle) are set with
    /// `with_*`. See the [type](Self) for an example.
    pub fn new(
        out_request_no: impl Into<String>,
        scope: ProductCouponScope,
        coupon_type: ProductCouponType,
        usage_mode: UsageMode,
        display_info: ProductCouponDisplayInfo,
    ) -> Self {
        Self {
            out_request_no: out_request_no.into(),
            scope,
            coupon_type,
            usage_mode,
            single_usage_info: None,
            progressive_bundle_usage_info: None,
            sequential_usage_info: None,
            display_info,
            out_product_no: None,
            stock: None,
            stock_bundle: None,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        c.required_enum("scope", &self.scope);
        c.required_enum("type", &self.coupon_type);
        c.required_enum("usage_mode", &self.usage_mode);
        if self.coupon_type == ProductCouponType::Exchange
            && matches!(
                self.scope,
                ProductCouponScope::All | ProductCouponScope::Category
            )
        {
            c.body(
                "type",
                Rule::Mode(format!("EXCHANGE needs scope SINGLE, not {}", self.scope)),
            );
        }
        if let Some(info) = &self.single_usage_info {
            if let Some(n) = &info.normal_coupon {
                check::normal(&mut c, "single_usage_info.normal_coupon", n);
            }
            if let Some(d) = &info.discount_coupon {
                check::discount(&mut c, "single_usage_info.discount_coupon", d);
            }
        }
        check::product_display(&mut c, "display_info", &self.display_info);
        c.optional("out_product_no", self.out_product_no.as_deref(), 1, 40);
        if let Some(stock) = &self.stock {
            stock.check(&mut c, "stock");
        }
        match &self.usage_mode {
            UsageMode::Single => self.check_single(&mut c),
            UsageMode::ProgressiveBundle => self.check_bundle(&mut c),
            UsageMode::Sequential => self.check_sequential(&mut c),
            // Usage mode missing or unknown: still exactly one of stock and stock_bundle.
            _ => match (&self.stock, &self.stock_bundle) {
                (None, None) => c.body("stock", Rule::Mode("or stock_bundle is required".into())),
                (Some(_), Some(_)) => c.forbidden("stock_bundle", true, "together with stock"),
                _ => {}
            },
        }
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }

    /// SINGLE: a `stock` with `single_usage_rule`; the rule where `scope` wants it.
    fn check_single(&self, c: &mut Checker) {
        let why = "for usage_mode SINGLE";
        c.forbidden(
            "progressive_bundle_usage_info",
            self.progressive_bundle_usage_info.is_some(),
            why,
        );
        c.forbidden(
            "sequential_usage_info",
            self.sequential_usage_info.is_some(),
            why,
        );
        c.forbidden("stock_bundle", self.stock_bundle.is_some(), why);
        let rule = match c.present("stock", &self.stock) {
            Some(stock) => {
                c.forbidden(
                    "stock.sequential_usage_rule",
                    stock.sequential_usage_rule.is_some(),
                    why,
                );
                c.present("stock.single_usage_rule", &stock.single_usage_rule)
            }
            None => None,
        };
        let kind = rule_name(&self.coupon_type);
        match &self.scope {
            ProductCouponScope::All => {
                let why = "for scope ALL (the rule goes in single_usage_info)";
                if let Some(rule) = rule {
                    c.forbidden(
                        "stock.single_usage_rule.normal_coupon",
                        rule.normal_coupon.is_some(),
                        why,
                    );
                    c.forbidden(
                        "stock.single_usage_rule.discount_coupon",
                        rule.discount_coupon.is_some(),
                        why,
                    );
                    c.forbidden(
                        "stock.single_usage_rule.exchange_coupon",
                        rule.exchange_coupon.is_some(),
                        why,
                    );
                }
                let info = c.present("single_usage_info", &self.single_usage_info);
                // EXCHANGE with ALL is reported on `type`.
                let kind = kind.filter(|_| self.coupon_type != ProductCouponType::Exchange);
                if let (Some(info), Some(kind)) = (info, kind) {
                    let given = match self.coupon_type {
                        ProductCouponType::Normal => info.normal_coupon.is_some(),
                        _ => info.discount_coupon.is_some(),
                    };
                    if !given {
                        c.body(&format!("single_usage_info.{kind}"), Rule::Required);
                    }
                }
            }
            ProductCouponScope::Single => {
                let why = "for scope SINGLE (the rule goes in stock.single_usage_rule)";
                c.forbidden("single_usage_info", self.single_usage_info.is_some(), why);
                if let (Some(rule), Some(kind)) = (rule, kind) {
                    let given = match self.coupon_type {
                        ProductCouponType::Normal => rule.normal_coupon.is_some(),
                        ProductCouponType::Discount => rule.discount_coupon.is_some(),
                        _ => rule.exchange_coupon.is_some(),
                    };
                    if !given {
                        c.body(&format!("stock.single_usage_rule.{kind}"), Rule::Required);
                    }
                }
                let d = &self.display_info;
                if d.original_price.is_none() && d.combo_package_list.is_none() {
                    c.body(
                        "display_info.original_price",
                        Rule::Mode(
                            "or display_info.combo_package_list is required for scope SINGLE"
                                .into(),
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    /// PROGRESSIVE_BUNDLE: `progressive_bundle_usage_info` and a `stock_bundle` with one rule
    /// per round.
    fn check_bundle(&self, c: &mut Checker) {
        let why = "for usage_mode PROGRESSIVE_BUNDLE";
        c.forbidden("single_usage_info", self.single_usage_info.is_some(), why);
        c.forbidden(
            "sequential_usage_info",
            self.sequential_usage_info.is_some(),
            why,
        );
        c.forbidden("stock", self.stock.is_some(), why);
        let mut rounds = None;
        if let Some(info) = c.present(
            "progressive_bundle_usage_info",
            &self.progressive_bundle_usage_info,
        ) {
            let (min, max) = ROUNDS;
            c.required_range("progressive_bundle_usage_info.count", info.count, min, max);
            c.optional_range(
                "progressive_bundle_usage_info.interval_days",
                info.interval_days,
                0,
                7,
            );
            rounds = info.count;
        }
        if let Some(bundle) = c.present("stock_bundle", &self.stock_bundle) {
            let shape = BundleShape {
                rounds,
                coupon_type: Some(&self.coupon_type),
            };
            bundle.check(c, "stock_bundle", shape);
        }
    }

    /// Deprecated SEQUENTIAL: `sequential_usage_info` and a `stock` with
    /// `sequential_usage_rule`.
    fn check_sequential(&self, c: &mut Checker) {
        let why = "for usage_mode SEQUENTIAL";
        c.forbidden(
            "progressive_bundle_usage_info",
            self.progressive_bundle_usage_info.is_some(),
            why,
        );
        c.forbidden("stock_bundle", self.stock_bundle.is_some(), why);
        if let Some(info) = c.present("sequential_usage_info", &self.sequential_usage_info) {
            c.required_enum("sequential_usage_info.type", &info.usage_type);
            c.required_range("sequential_usage_info.count", info.count, 1, 15);
            c.required_range(
                "sequential_usage_info.available_days",
                info.available_days,
                3,
                365,
            );
            c.optional_range(
                "sequential_usage_info.interval_days",
                info.interval_days,
                0,
                7,
            );
        }
        if let Some(stock) = c.present("stock", &self.stock) {
            c.present("stock.sequential_usage_rule", &stock.sequential_usage_rule);
            c.forbidden(
                "stock.single_usage_rule",
                stock.single_usage_rule.is_some(),
                why,
            );
        }
    }
}

/// The rule object of a coupon type.
fn rule_name(kind: &ProductCouponType) -> Option<&'static str> {
    match kind {
        ProductCouponType::Normal => Some("normal_coupon"),
        ProductCouponType::Discount => Some("discount_coupon"),
        ProductCouponType::Exchange => Some("exchange_coupon"),
        _ => None,
    }
}

/// The answer of E01: the product coupon, with the stock or stock bundle created with it.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateProductCouponResponse {
    /// The product coupon (its fields at the top level of the answer).
    #[serde(flatten)]
    pub product_coupon: ProductCouponEntity,
    /// The first stock (SINGLE).
    pub stock: Option<StockEntity>,
    /// The first stock bundle (PROGRESSIVE_BUNDLE).
    pub stock_bundle: Option<StockBundleEntity>,
}
