//! User coupon bundles (用户商品券组): the coupons of one stock bundle sent to one user, and
//! the partner-only operations E23, E24 and E30.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::{MAX_OPENID_CHARS, UserProductCouponEntity};
use crate::validate::{Checker, ValidationError};

/// E30 失效用户商品券组 (`POST /users/{openid}/coupon-bundles/{user_coupon_bundle_id}/deactivate`).
const DEACTIVATE_USER_PRODUCT_COUPON_BUNDLE: Operation = Operation {
    name: "DeactivateUserProductCouponBundle",
    kebab: "deactivate-user-product-coupon-bundle",
    title: "失效用户商品券组",
    method: Method::Post,
    path: "/users/{openid}/coupon-bundles/{user_coupon_bundle_id}/deactivate",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(500),
    brand: None,
    carries_brand: true,
};

mod send;

pub use send::{PreSendUserProductCouponBundleRequest, SendUserProductCouponBundleRequest};

/// A user's coupon bundle: one coupon per round, each with `user_product_coupon_bundle_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProductCouponBundleEntity {
    /// The user's bundle.
    pub user_coupon_bundle_id: String,
    /// Its coupons, in round order.
    pub user_product_coupon_list: Vec<UserProductCouponEntity>,
}

/// E30 失效用户商品券组 — `POST /users/{openid}/coupon-bundles/{user_coupon_bundle_id}/deactivate`:
/// deactivates every coupon of a user's bundle. Partner mode only. Answers the
/// [`UserProductCouponBundleEntity`].
///
/// ```
/// use wxpay_models::{Endpoint, Mode, user_coupon_bundle::DeactivateUserProductCouponBundleRequest};
/// let r = DeactivateUserProductCouponBundleRequest::new(
///     "o1", "UB1", "1000000013", "712315129419284901", "wx233544546545989", "DEACT_0001", "活动结束",
/// );
/// r.validate()?;
/// assert_eq!(r.path(Mode::Partner), "/v3/marketing/partner/product-coupon/users/o1/coupon-bundles/UB1/deactivate");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivateUserProductCouponBundleRequest {
    /// The user (path).
    #[serde(skip)]
    openid: String,
    /// The user's bundle (path), at most 40 characters.
    #[serde(skip)]
    user_coupon_bundle_id: String,
    /// Its product coupon.
    product_coupon_id: String,
    /// Its stock bundle.
    stock_bundle_id: String,
    /// The AppID it was sent under.
    appid: String,
    /// The brand's number for this deactivation: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// Why, at most 150 characters.
    deactivate_reason: String,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(DeactivateUserProductCouponBundleRequest => UserProductCouponBundleEntity, DEACTIVATE_USER_PRODUCT_COUPON_BUNDLE,
    path: [openid, user_coupon_bundle_id], query: [], key: out_request_no, brand: brand_id);

accessors! {
    DeactivateUserProductCouponBundleRequest,
    get: [
        openid / openid_mut: String => str,
        user_coupon_bundle_id / user_coupon_bundle_id_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_bundle_id / stock_bundle_id_mut: String => str,
        appid / appid_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
        deactivate_reason / deactivate_reason_mut: String => str,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl DeactivateUserProductCouponBundleRequest {
    /// Deactivates `openid`'s bundle `user_coupon_bundle_id` (of `stock_bundle_id` of
    /// `product_coupon_id`, sent under `appid`) for `deactivate_reason`, numbered
    /// `out_request_no`; see the [type](Self) for an example.
    pub fn new(
        openid: impl Into<String>,
        user_coupon_bundle_id: impl Into<String>,
        product_coupon_id: impl Into<String>,
        stock_bundle_id: impl Into<String>,
        appid: impl Into<String>,
        out_request_no: impl Into<String>,
        deactivate_reason: impl Into<String>,
    ) -> Self {
        Self {
            openid: openid.into(),
            user_coupon_bundle_id: user_coupon_bundle_id.into(),
            product_coupon_id: product_coupon_id.into(),
            stock_bundle_id: stock_bundle_id.into(),
            appid: appid.into(),
            out_request_no: out_request_no.into(),
            deactivate_reason: deactivate_reason.into(),
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.path("openid", &self.openid, MAX_OPENID_CHARS);
        c.path("user_coupon_bundle_id", &self.user_coupon_bundle_id, 40);
        c.required("product_coupon_id", &self.product_coupon_id, 40);
        c.required("stock_bundle_id", &self.stock_bundle_id, 40);
        c.required("appid", &self.appid, 64);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        check::reason(&mut c, &self.deactivate_reason);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
