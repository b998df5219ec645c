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
/// let r = ConfirmSendUserProductCouponRequest {
///     openid: "o1".into(), coupon_code: "Code_123456".into(), product_coupon_id: "1000000013".into(),
///     stock_id: "1000000013001".into(), appid: "wx233544546545989".into(),
///     out_request_no: "CONFIRM000001".into(), brand_id: Some("120344".into()),
/// };
/// r.validate()?;
/// assert_eq!(r.path(Mode::Partner), "/v3/marketing/partner/product-coupon/users/o1/coupons/Code_123456/confirm");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmSendUserProductCouponRequest {
    /// The user (path).
    #[serde(skip)]
    pub openid: String,
    /// The coupon's code (path).
    #[serde(skip)]
    pub coupon_code: String,
    /// Its product coupon.
    pub product_coupon_id: String,
    /// Its stock.
    pub stock_id: String,
    /// The AppID it was sent under.
    pub appid: String,
    /// The brand's number for this confirm: 6–40 of `[0-9A-Za-z_-]`; the same number again is
    /// an idempotent replay.
    pub out_request_no: String,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(ConfirmSendUserProductCouponRequest => UserProductCouponEntity, CONFIRM_SEND_USER_PRODUCT_COUPON,
    path: [openid, coupon_code], query: [], key: out_request_no, brand: brand_id);

impl ConfirmSendUserProductCouponRequest {
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
