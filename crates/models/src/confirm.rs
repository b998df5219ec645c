//! `ConfirmSendUserProductCouponRequest`: 确认发放用户商品券, which takes a coupon from
//! CONFIRMING to EFFECTIVE (or PENDING until its validity begins). DESIGN.md §8.

use percent_encoding::utf8_percent_encode;
use serde::{Deserialize, Serialize};

use crate::request::{PATH_SEGMENT, check_openid};
use crate::validate::{Checker, ValidationError};

/// Confirms a sent coupon.
///
/// ```
/// let r = wxpay_models::ConfirmSendUserProductCouponRequest {
///     openid: "o1".into(), coupon_code: "Code_123456".into(), product_coupon_id: "1000000013".into(),
///     stock_id: "1000000013001".into(), appid: "wx233544546545989".into(),
///     out_request_no: "CONFIRM000001".into(), brand_id: "120344".into(),
/// };
/// r.validate()?;
/// assert_eq!(r.path(), "/v3/marketing/partner/product-coupon/users/o1/coupons/Code_123456/confirm");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
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
    /// The brand.
    pub brand_id: String,
}

impl ConfirmSendUserProductCouponRequest {
    /// The request path, openid and code percent-encoded.
    pub fn path(&self) -> String {
        format!(
            "/v3/marketing/partner/product-coupon/users/{}/coupons/{}/confirm",
            utf8_percent_encode(&self.openid, PATH_SEGMENT),
            utf8_percent_encode(&self.coupon_code, PATH_SEGMENT)
        )
    }

    /// The JSON body.
    pub fn to_body(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check_openid(&mut c, &self.openid);
        c.id("coupon_code", &self.coupon_code, 1, 40);
        c.required("product_coupon_id", &self.product_coupon_id, 40);
        c.required("stock_id", &self.stock_id, 40);
        c.required("appid", &self.appid, 64);
        c.id("out_request_no", &self.out_request_no, 6, 40);
        c.required("brand_id", &self.brand_id, 64);
        c.finish()
    }
}
