//! E26 查询用户商品券详情: `GET {prefix}/users/{openid}/coupons/{coupon_code}`.

use serde::{Deserialize, Serialize};

use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::{MAX_OPENID_CHARS, UserProductCouponEntity};
use crate::validate::{Checker, ValidationError};

/// E26 查询用户商品券详情 (`GET /users/{openid}/coupons/{coupon_code}`).
const GET_USER_PRODUCT_COUPON: Operation = Operation {
    name: "GetUserProductCoupon",
    kebab: "get-user-product-coupon",
    title: "查询用户商品券详情",
    method: Method::Get,
    path: "/users/{openid}/coupons/{coupon_code}",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: per_second(500),
    brand: per_second(500),
    carries_brand: true,
};

/// Reads one of a user's coupons. Every field is a path or query parameter.
///
/// ```
/// use wxpay_models::{Endpoint, Mode, user_coupon::GetUserProductCouponRequest};
/// let r = GetUserProductCouponRequest::new(
///     "o1", "8000000000001", "1000000013", "1000000013001", "wx233544546545989",
/// );
/// r.validate()?;
/// assert_eq!(r.query().len(), 3);
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetUserProductCouponRequest {
    /// The user (path).
    #[serde(skip)]
    openid: String,
    /// The coupon's code (path).
    #[serde(skip)]
    coupon_code: String,
    /// Its product coupon (query, required).
    #[serde(skip)]
    product_coupon_id: String,
    /// Its stock (query, required).
    #[serde(skip)]
    stock_id: String,
    /// The AppID the openid belongs to (query, required).
    #[serde(skip)]
    appid: String,
    /// The brand (partner mode, query).
    #[serde(skip)]
    pub brand_id: Option<String>,
}

endpoint!(GetUserProductCouponRequest => UserProductCouponEntity, GET_USER_PRODUCT_COUPON,
    path: [openid, coupon_code], query: [product_coupon_id, stock_id, appid], key: none, brand: brand_id);

accessors! {
    GetUserProductCouponRequest,
    get: [
        openid / openid_mut: String => str,
        coupon_code / coupon_code_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
        appid / appid_mut: String => str,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl GetUserProductCouponRequest {
    /// Reads `openid`'s coupon `coupon_code` (of `stock_id` of `product_coupon_id`, sent under
    /// `appid`); see the [type](Self) for an example.
    pub fn new(
        openid: impl Into<String>,
        coupon_code: impl Into<String>,
        product_coupon_id: impl Into<String>,
        stock_id: impl Into<String>,
        appid: impl Into<String>,
    ) -> Self {
        Self {
            openid: openid.into(),
            coupon_code: coupon_code.into(),
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            appid: appid.into(),
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.path("openid", &self.openid, MAX_OPENID_CHARS);
        c.path("coupon_code", &self.coupon_code, 40);
        c.query("product_coupon_id", &self.product_coupon_id, 40);
        c.query("stock_id", &self.stock_id, 40);
        c.query("appid", &self.appid, 64);
        c.finish()
    }
}
