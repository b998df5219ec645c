//! E23 向用户发放商品券批次组 (`POST …/users/{openid}/coupon-bundles`) and E24
//! 向用户预发放商品券批次组 (`POST …/users/{openid}/pre-send-coupon-bundle`); partner mode only.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::{CouponTagInfo, MAX_OPENID_CHARS, PreSendToken, check_tags};
use crate::user_coupon_bundle::UserProductCouponBundleEntity;
use crate::validate::{Checker, ValidationError};

/// E24 向用户预发放商品券批次组 (`POST /users/{openid}/pre-send-coupon-bundle`).
const PRE_SEND_USER_PRODUCT_COUPON_BUNDLE: Operation = Operation {
    name: "PreSendUserProductCouponBundle",
    kebab: "pre-send-user-product-coupon-bundle",
    title: "向用户预发放商品券批次组",
    method: Method::Post,
    path: "/users/{openid}/pre-send-coupon-bundle",
    retry: Retry::Keyed("send_request_no"),
    body: BodyKind::Json,
    partner: per_second(500),
    brand: None,
    carries_brand: true,
};

/// E23 向用户发放商品券批次组 (`POST /users/{openid}/coupon-bundles`).
const SEND_USER_PRODUCT_COUPON_BUNDLE: Operation = Operation {
    name: "SendUserProductCouponBundle",
    kebab: "send-user-product-coupon-bundle",
    title: "向用户发放商品券批次组",
    method: Method::Post,
    path: "/users/{openid}/coupon-bundles",
    retry: Retry::Keyed("send_request_no"),
    body: BodyKind::Json,
    partner: per_second(500),
    brand: None,
    carries_brand: true,
};

/// E23 向用户发放商品券批次组 — `POST /users/{openid}/coupon-bundles`: sends a whole stock
/// bundle (one coupon per round) to a user. Partner mode only. Answers the
/// [`UserProductCouponBundleEntity`].
///
/// ```
/// use wxpay_models::{Endpoint, Mode, Target, encode, user_coupon_bundle::SendUserProductCouponBundleRequest};
/// let r = SendUserProductCouponBundleRequest {
///     openid: "o1".into(), product_coupon_id: "1000000013".into(),
///     stock_bundle_id: "712315129419284901".into(), appid: "wx233544546545989".into(),
///     send_request_no: "MCHSEND202003101234".into(), ..Default::default()
/// };
/// r.validate()?;
/// assert!(encode(&r, Target { mode: Mode::Brand, brand_id: None }).is_err());
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendUserProductCouponBundleRequest {
    /// The user (path).
    #[serde(skip)]
    pub openid: String,
    /// The product coupon.
    pub product_coupon_id: String,
    /// The stock bundle to send.
    pub stock_bundle_id: String,
    /// The AppID the openid belongs to.
    pub appid: String,
    /// The brand's number for this send: 6–128 of `[0-9A-Za-z_-]`.
    pub send_request_no: String,
    /// Free text returned with the coupons, at most 150 characters.
    pub attach: Option<String>,
    /// Tags, such as MEMBER.
    pub coupon_tag_info: Option<CouponTagInfo>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(SendUserProductCouponBundleRequest => UserProductCouponBundleEntity, SEND_USER_PRODUCT_COUPON_BUNDLE,
    path: [openid], query: [], key: send_request_no, brand: brand_id);

impl SendUserProductCouponBundleRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.path("openid", &self.openid, MAX_OPENID_CHARS);
        c.required("product_coupon_id", &self.product_coupon_id, 40);
        c.required("stock_bundle_id", &self.stock_bundle_id, 40);
        c.required("appid", &self.appid, 64);
        c.id("send_request_no", &self.send_request_no, 6, 128);
        c.optional("attach", self.attach.as_deref(), 0, 150);
        if let Some(tags) = &self.coupon_tag_info {
            check_tags(&mut c, tags);
        }
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// E24 向用户预发放商品券批次组 — `POST /users/{openid}/pre-send-coupon-bundle`: a token for
/// the receive component, for a whole stock bundle. Partner mode only. Answers a
/// [`PreSendToken`].
///
/// ```
/// use wxpay_models::user_coupon_bundle::PreSendUserProductCouponBundleRequest;
/// let r = PreSendUserProductCouponBundleRequest {
///     openid: "o1".into(), product_coupon_id: "1000000013".into(),
///     stock_bundle_id: "712315129419284901".into(), appid: "wx233544546545989".into(),
///     send_request_no: "x".repeat(41), ..Default::default()
/// };
/// assert!(r.validate().unwrap_err().to_string().contains("send_request_no must be 6 to 40 characters"));
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreSendUserProductCouponBundleRequest {
    /// The user (path).
    #[serde(skip)]
    pub openid: String,
    /// The product coupon.
    pub product_coupon_id: String,
    /// The stock bundle to send.
    pub stock_bundle_id: String,
    /// The AppID the openid belongs to.
    pub appid: String,
    /// The brand's number for this send: 6–40 of `[0-9A-Za-z_-]`.
    pub send_request_no: String,
    /// Free text returned with the coupons, at most 150 characters.
    pub attach: Option<String>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(PreSendUserProductCouponBundleRequest => PreSendToken, PRE_SEND_USER_PRODUCT_COUPON_BUNDLE,
    path: [openid], query: [], key: send_request_no, brand: brand_id);

impl PreSendUserProductCouponBundleRequest {
    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.path("openid", &self.openid, MAX_OPENID_CHARS);
        c.required("product_coupon_id", &self.product_coupon_id, 40);
        c.required("stock_bundle_id", &self.stock_bundle_id, 40);
        c.required("appid", &self.appid, 64);
        c.id("send_request_no", &self.send_request_no, 6, 40);
        c.optional("attach", self.attach.as_deref(), 0, 150);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
