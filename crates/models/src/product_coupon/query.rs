//! E02 查询商品券 (`GET …/product-coupons/{product_coupon_id}`), E03 修改商品券
//! (`PATCH` the same path) and E04 失效商品券 (`POST …/deactivate`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::product_coupon::{ProductCouponDisplayInfo, ProductCouponEntity};
use crate::validate::{Checker, ValidationError};

/// E04 失效商品券 (`POST /product-coupons/{product_coupon_id}/deactivate`).
const DEACTIVATE_PRODUCT_COUPON: Operation = Operation {
    name: "DeactivateProductCoupon",
    kebab: "deactivate-product-coupon",
    title: "失效商品券",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/deactivate",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E02 查询商品券 (`GET /product-coupons/{product_coupon_id}`).
const QUERY_PRODUCT_COUPON: Operation = Operation {
    name: "QueryProductCoupon",
    kebab: "query-product-coupon",
    title: "查询商品券",
    method: Method::Get,
    path: "/product-coupons/{product_coupon_id}",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E03 修改商品券 (`PATCH /product-coupons/{product_coupon_id}`).
const UPDATE_PRODUCT_COUPON: Operation = Operation {
    name: "UpdateProductCoupon",
    kebab: "update-product-coupon",
    title: "修改商品券",
    method: Method::Patch,
    path: "/product-coupons/{product_coupon_id}",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E02 查询商品券 — `GET /product-coupons/{product_coupon_id}`: the product coupon, without
/// its stocks. Answers the [`ProductCouponEntity`].
///
/// ```
/// use wxpay_models::{Mode, Target, encode, product_coupon::QueryProductCouponRequest};
/// let r = QueryProductCouponRequest { product_coupon_id: "1000000013".into(), brand_id: None };
/// r.validate()?;
/// let wire = encode(&r, Target { mode: Mode::Partner, brand_id: Some("120344") })?;
/// assert_eq!(wire.path_and_query, "/v3/marketing/partner/product-coupon/product-coupons/1000000013?brand_id=120344");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryProductCouponRequest {
    /// The product coupon (path).
    #[serde(skip)]
    pub product_coupon_id: String,
    /// The brand (partner mode, query).
    #[serde(skip)]
    pub brand_id: Option<String>,
}

endpoint!(QueryProductCouponRequest => ProductCouponEntity, QUERY_PRODUCT_COUPON,
    path: [product_coupon_id], query: [], key: none, brand: brand_id);

impl QueryProductCouponRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::query_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// E03 修改商品券 — `PATCH /product-coupons/{product_coupon_id}`: replaces the display info of
/// an EFFECTIVE product coupon, for coupons sent afterwards. Answers the
/// [`ProductCouponEntity`].
///
/// ```
/// use wxpay_models::{ProductCouponDisplayInfo, product_coupon::UpdateProductCouponRequest};
/// let r = UpdateProductCouponRequest {
///     product_coupon_id: "1000000013".into(),
///     out_request_no: "34657_20250101_123456".into(),
///     display_info: ProductCouponDisplayInfo {
///         name: Some("全场满100立打8折".into()),
///         image_url: Some("https://wxpaylogo.qpic.cn/wxpaylogo/a".into()),
///         background_url: Some("https://wxpaylogo.qpic.cn/wxpaylogo/b".into()),
///         ..Default::default()
///     },
///     brand_id: None,
/// };
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateProductCouponRequest {
    /// The product coupon (path).
    #[serde(skip)]
    pub product_coupon_id: String,
    /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
    pub out_request_no: String,
    /// The whole new display info (the rules of create).
    pub display_info: ProductCouponDisplayInfo,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(UpdateProductCouponRequest => ProductCouponEntity, UPDATE_PRODUCT_COUPON,
    path: [product_coupon_id], query: [], key: out_request_no, brand: brand_id);

impl UpdateProductCouponRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        check::product_display(&mut c, "display_info", &self.display_info);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// E04 失效商品券 — `POST /product-coupons/{product_coupon_id}/deactivate`: deactivates the
/// product coupon and all its stocks (coupons already sent stay valid). Answers the
/// [`ProductCouponEntity`].
///
/// ```
/// use wxpay_models::product_coupon::DeactivateProductCouponRequest;
/// let r = DeactivateProductCouponRequest {
///     product_coupon_id: "1000000013".into(), out_request_no: "34657_20250101_123456".into(),
///     deactivate_reason: "批次信息有误，重新创建".into(), brand_id: None,
/// };
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivateProductCouponRequest {
    /// The product coupon (path).
    #[serde(skip)]
    pub product_coupon_id: String,
    /// The brand's number for this deactivation: 6–40 of `[0-9A-Za-z_-]`.
    pub out_request_no: String,
    /// Why, at most 150 characters.
    pub deactivate_reason: String,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(DeactivateProductCouponRequest => ProductCouponEntity, DEACTIVATE_PRODUCT_COUPON,
    path: [product_coupon_id], query: [], key: out_request_no, brand: brand_id);

impl DeactivateProductCouponRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        check::reason(&mut c, &self.deactivate_reason);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
