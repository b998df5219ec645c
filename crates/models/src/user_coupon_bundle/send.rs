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
/// let r = SendUserProductCouponBundleRequest::new(
///     "o1", "1000000013", "712315129419284901", "wx233544546545989", "MCHSEND202003101234",
/// );
/// r.validate()?;
/// assert!(encode(&r, Target { mode: Mode::Brand, brand_id: None }).is_err());
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendUserProductCouponBundleRequest {
    /// The user (path).
    #[serde(skip)]
    openid: String,
    /// The product coupon.
    product_coupon_id: String,
    /// The stock bundle to send.
    stock_bundle_id: String,
    /// The AppID the openid belongs to.
    appid: String,
    /// The brand's number for this send: 6–128 of `[0-9A-Za-z_-]`.
    send_request_no: String,
    /// Free text returned with the coupons, at most 150 characters.
    pub attach: Option<String>,
    /// Tags, such as MEMBER.
    pub coupon_tag_info: Option<CouponTagInfo>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(SendUserProductCouponBundleRequest => UserProductCouponBundleEntity, SEND_USER_PRODUCT_COUPON_BUNDLE,
    path: [openid], query: [], key: send_request_no, brand: brand_id);

accessors! {
    SendUserProductCouponBundleRequest,
    get: [
        openid / openid_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_bundle_id / stock_bundle_id_mut: String => str,
        appid / appid_mut: String => str,
        send_request_no / send_request_no_mut: String => str,
    ],
    with: [
        with_attach => attach: String,
        with_coupon_tag_info => coupon_tag_info: CouponTagInfo,
        with_brand_id => brand_id: String,
    ]
}

impl SendUserProductCouponBundleRequest {
    /// A send of `stock_bundle_id` (of `product_coupon_id`) to `openid` under `appid`, numbered
    /// `send_request_no`; see the [type](Self) for an example.
    pub fn new(
        openid: impl Into<String>,
        product_coupon_id: impl Into<String>,
        stock_bundle_id: impl Into<String>,
        appid: impl Into<String>,
        send_request_no: impl Into<String>,
    ) -> Self {
        Self {
            openid: openid.into(),
            product_coupon_id: product_coupon_id.into(),
            stock_bundle_id: stock_bundle_id.into(),
            appid: appid.into(),
            send_request_no: send_request_no.into(),
            attach: None,
            coupon_tag_info: None,
            brand_id: None,
        }
    }

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
/// let r = PreSendUserProductCouponBundleRequest::new(
///     "o1", "1000000013", "712315129419284901", "wx233544546545989", "x".repeat(41),
/// );
/// assert!(r.validate().unwrap_err().to_string().contains("send_request_no must be 6 to 40 characters"));
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreSendUserProductCouponBundleRequest {
    /// The user (path).
    #[serde(skip)]
    openid: String,
    /// The product coupon.
    product_coupon_id: String,
    /// The stock bundle to send.
    stock_bundle_id: String,
    /// The AppID the openid belongs to.
    appid: String,
    /// The brand's number for this send: 6–40 of `[0-9A-Za-z_-]`.
    send_request_no: String,
    /// Free text returned with the coupons, at most 150 characters.
    pub attach: Option<String>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(PreSendUserProductCouponBundleRequest => PreSendToken, PRE_SEND_USER_PRODUCT_COUPON_BUNDLE,
    path: [openid], query: [], key: send_request_no, brand: brand_id);

accessors! {
    PreSendUserProductCouponBundleRequest,
    get: [
        openid / openid_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_bundle_id / stock_bundle_id_mut: String => str,
        appid / appid_mut: String => str,
        send_request_no / send_request_no_mut: String => str,
    ],
    with: [
        with_attach => attach: String,
        with_brand_id => brand_id: String,
    ]
}

impl PreSendUserProductCouponBundleRequest {
    /// A pre-send of `stock_bundle_id` (of `product_coupon_id`) to `openid` under `appid`,
    /// numbered `send_request_no`; see the [type](Self) for an example.
    pub fn new(
        openid: impl Into<String>,
        product_coupon_id: impl Into<String>,
        stock_bundle_id: impl Into<String>,
        appid: impl Into<String>,
        send_request_no: impl Into<String>,
    ) -> Self {
        Self {
            openid: openid.into(),
            product_coupon_id: product_coupon_id.into(),
            stock_bundle_id: stock_bundle_id.into(),
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
        c.required("product_coupon_id", &self.product_coupon_id, 40);
        c.required("stock_bundle_id", &self.stock_bundle_id, 40);
        c.required("appid", &self.appid, 64);
        c.id("send_request_no", &self.send_request_no, 6, 40);
        c.optional("attach", self.attach.as_deref(), 0, 150);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
