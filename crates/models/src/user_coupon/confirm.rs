//! E22 确认发放用户商品券: `POST {prefix}/users/{openid}/coupons/{coupon_code}/confirm`,
//! which takes a coupon from CONFIRMING to EFFECTIVE (or PENDING until its validity begins).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::UserProductCouponEntity;
use crate::validate::{Checker, ValidationError};

/// E22 确认发放用户商品券 (`POST /users/{openid}/coupons/{coupon_code}/confirm`).
const CONFIRM_SEND_USER_PRODUCT_COUPON: Operation = Operation {
    name: "ConfirmSendUserProductCoupon",
    kebab: "confirm-send-user-product-coupon",
    title: "确认发放用户商品券",
    method: Method::Post,
    path: "/users/{openid}/coupons/{coupon_code}/confirm",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(500),
    brand: per_second(500),
    carries_brand: true,
};

/// Confirms a sent coupon.
///
/// ```
/// use wxpay_models::{Endpoint, Mode, ConfirmSendUserProductCouponRequest};
/// let r = ConfirmSendUserProductCouponRequest::new(
///     "o1", "Code_123456", "1000000013", "1000000013001", "wx233544546545989", "CONFIRM000001",
/// )
/// .with_brand_id("120344");
/// r.validate()?;
/// assert_eq!(r.path(Mode::Partner), "/v3/marketing/partner/product-coupon/users/o1/coupons/Code_123456/confirm");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmSendUserProductCouponRequest {
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
    /// The brand's number for this confirm: 6–40 of `[0-9A-Za-z_-]`; the same number again is
    /// an idempotent replay.
    out_request_no: String,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(ConfirmSendUserProductCouponRequest => UserProductCouponEntity, CONFIRM_SEND_USER_PRODUCT_COUPON,
    path: [openid, coupon_code], query: [], key: out_request_no, brand: brand_id);

accessors! {
    ConfirmSendUserProductCouponRequest,
    get: [
        openid / openid_mut: String => str,
        coupon_code / coupon_code_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
        appid / appid_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl ConfirmSendUserProductCouponRequest {
    /// Confirms `openid`'s coupon `coupon_code` (of `stock_id` of `product_coupon_id`, sent
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
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
