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
/// let r = QueryProductCouponRequest::new("1000000013");
/// r.validate()?;
/// let wire = encode(&r, Target { mode: Mode::Partner, brand_id: Some("120344") })?;
/// assert_eq!(wire.path_and_query, "/v3/marketing/partner/product-coupon/product-coupons/1000000013?brand_id=120344");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryProductCouponRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The brand (partner mode, query).
    #[serde(skip)]
    pub brand_id: Option<String>,
}

endpoint!(QueryProductCouponRequest => ProductCouponEntity, QUERY_PRODUCT_COUPON,
    path: [product_coupon_id], query: [], key: none, brand: brand_id);

accessors! {
    QueryProductCouponRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl QueryProductCouponRequest {
    /// Reads `product_coupon_id`; see the [type](Self) for an example.
    pub fn new(product_coupon_id: impl Into<String>) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            brand_id: None,
        }
    }

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
/// let display_info = ProductCouponDisplayInfo {
///     name: Some("全场满100立打8折".into()),
///     image_url: Some("https://wxpaylogo.qpic.cn/wxpaylogo/a".into()),
///     background_url: Some("https://wxpaylogo.qpic.cn/wxpaylogo/b".into()),
///     ..Default::default()
/// };
/// let r = UpdateProductCouponRequest::new("1000000013", "34657_20250101_123456", display_info);
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateProductCouponRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The brand's number for this change: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// The whole new display info (the rules of create).
    display_info: ProductCouponDisplayInfo,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(UpdateProductCouponRequest => ProductCouponEntity, UPDATE_PRODUCT_COUPON,
    path: [product_coupon_id], query: [], key: out_request_no, brand: brand_id);

accessors! {
    UpdateProductCouponRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
        display_info / display_info_mut: ProductCouponDisplayInfo,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl UpdateProductCouponRequest {
    /// Replaces `product_coupon_id`'s display info with `display_info`, under `out_request_no`;
    /// see the [type](Self) for an example.
    pub fn new(
        product_coupon_id: impl Into<String>,
        out_request_no: impl Into<String>,
        display_info: ProductCouponDisplayInfo,
    ) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            out_request_no: out_request_no.into(),
            display_info,
            brand_id: None,
        }
    }

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
/// let r = DeactivateProductCouponRequest::new(
///     "1000000013", "34657_20250101_123456", "批次信息有误，重新创建",
/// );
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivateProductCouponRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The brand's number for this deactivation: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// Why, at most 150 characters.
    deactivate_reason: String,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(DeactivateProductCouponRequest => ProductCouponEntity, DEACTIVATE_PRODUCT_COUPON,
    path: [product_coupon_id], query: [], key: out_request_no, brand: brand_id);

accessors! {
    DeactivateProductCouponRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
        deactivate_reason / deactivate_reason_mut: String => str,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl DeactivateProductCouponRequest {
    /// Deactivates `product_coupon_id` for `deactivate_reason`, under `out_request_no`; see the [type](Self) for an example.
    pub fn new(
        product_coupon_id: impl Into<String>,
        out_request_no: impl Into<String>,
        deactivate_reason: impl Into<String>,
    ) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            out_request_no: out_request_no.into(),
            deactivate_reason: deactivate_reason.into(),
            brand_id: None,
        }
    }

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
