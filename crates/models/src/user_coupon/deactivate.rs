//! E28 失效用户商品券 (`POST …/coupons/{coupon_code}/deactivate`) and E29 退券
//! (`POST …/coupons/{coupon_code}/return`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::UserProductCouponEntity;
use crate::validate::{Checker, ValidationError};

/// E28 失效用户商品券 (`POST /users/{openid}/coupons/{coupon_code}/deactivate`).
const DEACTIVATE_USER_PRODUCT_COUPON: Operation = Operation {
    name: "DeactivateUserProductCoupon",
    kebab: "deactivate-user-product-coupon",
    title: "失效用户商品券",
    method: Method::Post,
    path: "/users/{openid}/coupons/{coupon_code}/deactivate",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(500),
    brand: per_second(500),
    carries_brand: true,
};

/// E29 退券 (`POST /users/{openid}/coupons/{coupon_code}/return`).
const RETURN_USER_PRODUCT_COUPON: Operation = Operation {
    name: "ReturnUserProductCoupon",
    kebab: "return-user-product-coupon",
    title: "退券",
    method: Method::Post,
    path: "/users/{openid}/coupons/{coupon_code}/return",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(500),
    brand: per_second(500),
    carries_brand: true,
};

/// E28 失效用户商品券 — `POST /users/{openid}/coupons/{coupon_code}/deactivate`: makes a sent
/// coupon unusable for good. Answers the [`UserProductCouponEntity`].
///
/// ```
/// use wxpay_models::user_coupon::DeactivateUserProductCouponRequest;
/// let r = DeactivateUserProductCouponRequest::new(
///     "o1", "123446565767", "1000000013", "1000000013001", "wx233544546545989",
///     "DEACT_0001", "商品已下线",
/// );
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivateUserProductCouponRequest {
    /// The user (path).
    #[serde(skip)]
    openid: String,
    /// The coupon's code (path).
    #[serde(skip)]
    coupon_code: String,
    /// Its product coupon.
    product_coupon_id: String,
    /// Its stock.
    stock_id: String,
    /// The AppID it was sent under.
    appid: String,
    /// The brand's number for this deactivation: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// Why, at most 150 characters.
    deactivate_reason: String,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(DeactivateUserProductCouponRequest => UserProductCouponEntity, DEACTIVATE_USER_PRODUCT_COUPON,
    path: [openid, coupon_code], query: [], key: out_request_no, brand: brand_id);

accessors! {
    DeactivateUserProductCouponRequest,
    get: [
        openid / openid_mut: String => str,
        coupon_code / coupon_code_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
        appid / appid_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
        deactivate_reason / deactivate_reason_mut: String => str,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl DeactivateUserProductCouponRequest {
    /// Deactivates `openid`'s coupon `coupon_code` (of `stock_id` of `product_coupon_id`, sent
    /// under `appid`) for `deactivate_reason`, numbered `out_request_no`; see the [type](Self) for an example.
    pub fn new(
        openid: impl Into<String>,
        coupon_code: impl Into<String>,
        product_coupon_id: impl Into<String>,
        stock_id: impl Into<String>,
        appid: impl Into<String>,
        out_request_no: impl Into<String>,
        deactivate_reason: impl Into<String>,
    ) -> Self {
        Self {
            openid: openid.into(),
            coupon_code: coupon_code.into(),
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            appid: appid.into(),
            out_request_no: out_request_no.into(),
            deactivate_reason: deactivate_reason.into(),
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::user_coupon(
            &mut c,
            &self.openid,
            &self.coupon_code,
            &self.product_coupon_id,
            &self.stock_id,
            &self.appid,
        );
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        check::reason(&mut c, &self.deactivate_reason);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// E29 退券 — `POST /users/{openid}/coupons/{coupon_code}/return`: gives a USED coupon back
/// to the user (for a bundle, only its latest used round). Answers the
/// [`UserProductCouponEntity`].
///
/// ```
/// use wxpay_models::user_coupon::ReturnUserProductCouponRequest;
/// let r = ReturnUserProductCouponRequest::new(
///     "o1", "123446565767", "1000000013", "1000000013001", "wx233544546545989", "RETURN_0001",
/// );
/// r.validate()?;
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnUserProductCouponRequest {
    /// The user (path).
    #[serde(skip)]
    openid: String,
    /// The coupon's code (path).
    #[serde(skip)]
    coupon_code: String,
    /// Its product coupon.
    product_coupon_id: String,
    /// Its stock.
    stock_id: String,
    /// The AppID it was sent under.
    appid: String,
    /// The brand's number for this return: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// Deprecated: the round of a SEQUENTIAL coupon, from 0.
    pub sequential_coupon_index: Option<i64>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(ReturnUserProductCouponRequest => UserProductCouponEntity, RETURN_USER_PRODUCT_COUPON,
    path: [openid, coupon_code], query: [], key: out_request_no, brand: brand_id);

accessors! {
    ReturnUserProductCouponRequest,
    get: [
        openid / openid_mut: String => str,
        coupon_code / coupon_code_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
        appid / appid_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
    ],
    with: [
        with_sequential_coupon_index => sequential_coupon_index: i64,
        with_brand_id => brand_id: String,
    ]
}

impl ReturnUserProductCouponRequest {
    /// Returns `openid`'s used coupon `coupon_code` (of `stock_id` of `product_coupon_id`, sent
    /// under `appid`), numbered `out_request_no`; see the [type](Self) for an example.
    pub fn new(
        openid: impl Into<String>,
        coupon_code: impl Into<String>,
        product_coupon_id: impl Into<String>,
        stock_id: impl Into<String>,
        appid: impl Into<String>,
        out_request_no: impl Into<String>,
    ) -> Self {
        Self {
            openid: openid.into(),
            coupon_code: coupon_code.into(),
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            appid: appid.into(),
            out_request_no: out_request_no.into(),
            sequential_coupon_index: None,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::user_coupon(
            &mut c,
            &self.openid,
            &self.coupon_code,
            &self.product_coupon_id,
            &self.stock_id,
            &self.appid,
        );
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        c.optional_range(
            "sequential_coupon_index",
            self.sequential_coupon_index,
            0,
            14,
        );
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
