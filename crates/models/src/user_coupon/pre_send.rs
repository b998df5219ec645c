//! E21 向用户预发放商品券: `POST {prefix}/users/{openid}/pre-send-coupon`, a token for the
//! mini-program receive component (领券组件).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::MAX_OPENID_CHARS;
use crate::validate::{Checker, ValidationError};

/// E21 向用户预发放商品券 (`POST /users/{openid}/pre-send-coupon`).
const PRE_SEND_USER_PRODUCT_COUPON: Operation = Operation {
    name: "PreSendUserProductCoupon",
    kebab: "pre-send-user-product-coupon",
    title: "向用户预发放商品券",
    method: Method::Post,
    path: "/users/{openid}/pre-send-coupon",
    retry: Retry::Keyed("send_request_no"),
    body: BodyKind::Json,
    partner: per_second(500),
    brand: per_second(500),
    carries_brand: true,
};

/// E21 向用户预发放商品券 — `POST /users/{openid}/pre-send-coupon`: reserves a send for the
/// receive component; the user claims it there (then SEND callback, then confirm). Bound by
/// the stock's budgets like a send. Answers a [`PreSendToken`].
///
/// ```
/// use wxpay_models::{Endpoint, Mode, user_coupon::PreSendUserProductCouponRequest};
/// let r = PreSendUserProductCouponRequest {
///     openid: "oh-394z-6CGkNoJrsDLTTUKiAnp4".into(), product_coupon_id: "1000000013".into(),
///     stock_id: "1000000013001".into(), appid: "wx233544546545989".into(),
///     send_request_no: "34657_20250101_123456".into(), ..Default::default()
/// };
/// r.validate()?;
/// assert_eq!(r.path(Mode::Brand), "/brand/marketing/product-coupon/users/oh-394z-6CGkNoJrsDLTTUKiAnp4/pre-send-coupon");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreSendUserProductCouponRequest {
    /// The user (path).
    #[serde(skip)]
    pub openid: String,
    /// The product coupon.
    pub product_coupon_id: String,
    /// The stock to send from.
    pub stock_id: String,
    /// The code to give (API_ASSIGN stocks only), at most 40 of `[0-9A-Za-z_-]`.
    pub coupon_code: Option<String>,
    /// The AppID the openid belongs to.
    pub appid: String,
    /// The brand's number for this send: 6–40 of `[0-9A-Za-z_-]`.
    pub send_request_no: String,
    /// Free text returned with the coupon, at most 150 characters.
    pub attach: Option<String>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(PreSendUserProductCouponRequest => PreSendToken, PRE_SEND_USER_PRODUCT_COUPON,
    path: [openid], query: [], key: send_request_no, brand: brand_id);

impl PreSendUserProductCouponRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.path("openid", &self.openid, MAX_OPENID_CHARS);
        check::coupon_ref(&mut c, &self.product_coupon_id, &self.stock_id, &self.appid);
        c.optional_id("coupon_code", self.coupon_code.as_deref(), 1, 40);
        c.id("send_request_no", &self.send_request_no, 6, 40);
        c.optional("attach", self.attach.as_deref(), 0, 150);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// The answer of a pre-send (E21, E24): the token the receive component takes, valid for
/// five minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreSendToken {
    /// 预发券token.
    pub token: String,
}
