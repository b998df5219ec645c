//! `ProductCouponEntity`: the product coupon a stock belongs to.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::WxTime;
use crate::enums::{
    ProductCouponScope, ProductCouponState, ProductCouponType, SequentialUsageType, UsageMode,
};

/// A product coupon (商品券): what the coupon gives, shared by its stocks.
///
/// `brand_id` is absent in brand-direct answers: it reads as empty and is left out again.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCouponEntity {
    /// Its id, made by WeChat Pay.
    pub product_coupon_id: String,
    /// Whole order or single product.
    pub scope: ProductCouponScope,
    /// Amount off, percent off or exchange (`type` on the wire).
    #[serde(rename = "type")]
    pub coupon_type: ProductCouponType,
    /// SINGLE or PROGRESSIVE_BUNDLE.
    pub usage_mode: UsageMode,
    /// Rules for SINGLE coupons.
    pub single_usage_info: Option<SingleUsageInfo>,
    /// Rules for PROGRESSIVE_BUNDLE coupons.
    pub progressive_bundle_usage_info: Option<ProgressiveBundleUsageInfo>,
    /// Deprecated: rules of the older SEQUENTIAL generation (still in the YAML).
    pub sequential_usage_info: Option<SequentialUsageInfo>,
    /// Name and pictures.
    pub display_info: ProductCouponDisplayInfo,
    /// The brand's own product number.
    pub out_product_no: Option<String>,
    /// Review state.
    pub state: ProductCouponState,
    /// Deactivation request number.
    pub deactivate_request_no: Option<String>,
    /// When it was deactivated.
    pub deactivate_time: Option<WxTime>,
    /// Why it was deactivated.
    pub deactivate_reason: Option<String>,
    /// The brand (partner mode; empty and left out in brand-direct mode).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub brand_id: String,
}

/// `single_usage_info`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SingleUsageInfo {
    /// Amount-off rule.
    pub normal_coupon: Option<NormalCouponUsageRule>,
    /// Percent-off rule.
    pub discount_coupon: Option<DiscountCouponUsageRule>,
}

/// `progressive_bundle_usage_info`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressiveBundleUsageInfo {
    /// Rounds (coupons) in the bundle: 3–15, required.
    pub count: Option<i64>,
    /// Days to wait after a use before the next round: 0–7 (0: the same day).
    pub interval_days: Option<i64>,
}

/// Deprecated `sequential_usage_info` (SEQUENTIAL generation).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequentialUsageInfo {
    /// INCREMENTAL or EQUAL (`type` on the wire).
    #[serde(rename = "type")]
    pub usage_type: SequentialUsageType,
    /// Uses, at most 15.
    pub count: Option<i64>,
    /// Days the coupon stays valid: 3–365.
    pub available_days: Option<i64>,
    /// Days between uses, at most 7.
    pub interval_days: Option<i64>,
}

/// `normal_coupon`: amounts in fen.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalCouponUsageRule {
    /// Minimum order amount.
    pub threshold: Option<i64>,
    /// Amount off.
    pub discount_amount: Option<i64>,
}

/// `discount_coupon`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountCouponUsageRule {
    /// Minimum order amount, in fen.
    pub threshold: Option<i64>,
    /// Percent off.
    pub percent_off: Option<i64>,
}

/// `exchange_coupon`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeCouponUsageRule {
    /// Minimum order amount, in fen.
    pub threshold: Option<i64>,
    /// Price paid for the exchanged product, in fen.
    pub exchange_price: Option<i64>,
}

/// `display_info` of a product coupon.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCouponDisplayInfo {
    /// Name.
    pub name: Option<String>,
    /// Picture.
    pub image_url: Option<String>,
    /// Background picture.
    pub background_url: Option<String>,
    /// Detail pictures.
    pub detail_image_url_list: Option<Vec<String>>,
    /// Original price, in fen.
    pub original_price: Option<i64>,
    /// Combo packages.
    pub combo_package_list: Option<Vec<ComboPackage>>,
}

/// A combo package.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComboPackage {
    /// Name.
    pub name: Option<String>,
    /// How many choices to pick.
    pub pick_count: Option<i64>,
    /// The choices.
    pub choice_list: Option<Vec<ComboPackageChoice>>,
}

/// A choice in a combo package.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComboPackageChoice {
    /// Name.
    pub name: Option<String>,
    /// Price, in fen.
    pub price: Option<i64>,
    /// Count.
    pub count: Option<i64>,
    /// Picture.
    pub image_url: Option<String>,
    /// Mini program appid.
    pub mini_program_appid: Option<String>,
    /// Mini program path.
    pub mini_program_path: Option<String>,
}
