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
/// let r = PreSendUserProductCouponRequest::new(
///     "oh-394z-6CGkNoJrsDLTTUKiAnp4", "1000000013", "1000000013001", "wx233544546545989",
///     "34657_20250101_123456",
/// );
/// r.validate()?;
/// assert_eq!(r.path(Mode::Brand), "/brand/marketing/product-coupon/users/oh-394z-6CGkNoJrsDLTTUKiAnp4/pre-send-coupon");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreSendUserProductCouponRequest {
    /// The user (path).
    #[serde(skip)]
    openid: String,
    /// The product coupon.
    product_coupon_id: String,
    /// The stock to send from.
    stock_id: String,
    /// The code to give (API_ASSIGN stocks only), at most 40 of `[0-9A-Za-z_-]`.
    pub coupon_code: Option<String>,
    /// The AppID the openid belongs to.
    appid: String,
    /// The brand's number for this send: 6–40 of `[0-9A-Za-z_-]`.
    send_request_no: String,
    /// Free text returned with the coupon, at most 150 characters.
    pub attach: Option<String>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(PreSendUserProductCouponRequest => PreSendToken, PRE_SEND_USER_PRODUCT_COUPON,
    path: [openid], query: [], key: send_request_no, brand: brand_id);

accessors! {
    PreSendUserProductCouponRequest,
    get: [
        openid / openid_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
        appid / appid_mut: String => str,
        send_request_no / send_request_no_mut: String => str,
    ],
    with: [
        with_coupon_code => coupon_code: String,
        with_attach => attach: String,
        with_brand_id => brand_id: String,
    ]
}

impl PreSendUserProductCouponRequest {
    /// A pre-send of `stock_id` (of `product_coupon_id`) to `openid` under `appid`, numbered
    /// `send_request_no`; see the [type](Self) for an example.
    pub fn new(
        openid: impl Into<String>,
        product_coupon_id: impl Into<String>,
        stock_id: impl Into<String>,
        appid: impl Into<String>,
        send_request_no: impl Into<String>,
    ) -> Self {
        Self {
            openid: openid.into(),
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            coupon_code: None,
            appid: appid.into(),
            send_request_no: send_request_no.into(),
            attach: None,
            brand_id: None,
        }
    }

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
