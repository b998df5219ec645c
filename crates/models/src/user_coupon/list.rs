//! E27 指定券状态查询用户商品券列表: `GET {prefix}/users/{openid}/coupons`.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::enums::UserProductCouponState;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::{MAX_OPENID_CHARS, UserProductCouponEntity};
use crate::validate::{Checker, ValidationError};

/// E27 指定券状态查询用户商品券列表 (`GET /users/{openid}/coupons`).
const LIST_USER_PRODUCT_COUPONS: Operation = Operation {
    name: "ListUserProductCoupons",
    kebab: "list-user-product-coupons",
    title: "指定券状态查询用户商品券列表",
    method: Method::Get,
    path: "/users/{openid}/coupons",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: per_second(500),
    brand: per_second(500),
    carries_brand: true,
};

/// E27 指定券状态查询用户商品券列表 — `GET /users/{openid}/coupons`: one page of a user's
/// coupons under an AppID, optionally of one product coupon, stock, state or user bundle.
/// Every field is a path or query parameter.
///
/// ```
/// use wxpay_models::{Mode, Target, UserProductCouponState, encode, user_coupon::ListUserProductCouponsRequest};
/// let r = ListUserProductCouponsRequest::new("o1", "wx233544546545989")
///     .with_coupon_state(UserProductCouponState::Effective);
/// r.validate()?;
/// let wire = encode(&r, Target { mode: Mode::Partner, brand_id: Some("120344") })?;
/// assert_eq!(wire.path_and_query, "/v3/marketing/partner/product-coupon/users/o1/coupons?appid=wx233544546545989&brand_id=120344&coupon_state=EFFECTIVE");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListUserProductCouponsRequest {
    /// The user (path).
    #[serde(skip)]
    openid: String,
    /// Only this product coupon's (query; absent: every one of the brand).
    #[serde(skip)]
    pub product_coupon_id: Option<String>,
    /// Only this stock's (query).
    #[serde(skip)]
    pub stock_id: Option<String>,
    /// The AppID the openid belongs to (query, required).
    #[serde(skip)]
    appid: String,
    /// Only coupons in this state (query).
    #[serde(skip)]
    pub coupon_state: Option<UserProductCouponState>,
    /// Only the coupons of this user bundle (query; in Tencent's samples, not in the YAML).
    #[serde(skip)]
    pub user_coupon_bundle_id: Option<String>,
    /// Coupons per page, 1–50 (query).
    #[serde(skip)]
    pub page_size: Option<i64>,
    /// The previous answer's `next_page_token` (query).
    #[serde(skip)]
    pub page_token: Option<String>,
    /// The brand (partner mode, query).
    #[serde(skip)]
    pub brand_id: Option<String>,
}

endpoint!(ListUserProductCouponsRequest => ListUserProductCouponsResponse, LIST_USER_PRODUCT_COUPONS,
    path: [openid],
    query: [product_coupon_id, stock_id, appid, coupon_state, user_coupon_bundle_id, page_size, page_token],
    key: none, brand: brand_id);

accessors! {
    ListUserProductCouponsRequest,
    get: [
        openid / openid_mut: String => str,
        appid / appid_mut: String => str,
    ],
    with: [
        with_product_coupon_id => product_coupon_id: String,
        with_stock_id => stock_id: String,
        with_coupon_state => coupon_state: UserProductCouponState,
        with_user_coupon_bundle_id => user_coupon_bundle_id: String,
        with_page_size => page_size: i64,
        with_page_token => page_token: String,
        with_brand_id => brand_id: String,
    ]
}

impl ListUserProductCouponsRequest {
    /// The first page of `openid`'s coupons under `appid`; the filters and the page are set
    /// with `with_*`. See the [type](Self) for an example.
    pub fn new(openid: impl Into<String>, appid: impl Into<String>) -> Self {
        Self {
            openid: openid.into(),
            product_coupon_id: None,
            stock_id: None,
            appid: appid.into(),
            coupon_state: None,
            user_coupon_bundle_id: None,
            page_size: None,
            page_token: None,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.path("openid", &self.openid, MAX_OPENID_CHARS);
        c.query_optional("product_coupon_id", self.product_coupon_id.as_deref(), 40);
        c.query_optional("stock_id", self.stock_id.as_deref(), 40);
        c.query("appid", &self.appid, 64);
        if let Some(state) = &self.coupon_state {
            c.known_query("coupon_state", state);
        }
        c.query_optional(
            "user_coupon_bundle_id",
            self.user_coupon_bundle_id.as_deref(),
            40,
        );
        c.page_size(self.page_size);
        c.query_optional("page_token", self.page_token.as_deref(), 256);
        check::query_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// One page of a user's coupons.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListUserProductCouponsResponse {
    /// Coupons in all (brand mode: given on the first page only).
    pub total_count: Option<i64>,
    /// The token of the next page; absent or empty on the last.
    pub next_page_token: Option<String>,
    /// This page's coupons.
    pub user_coupon_list: Option<Vec<UserProductCouponEntity>>,
}

paged!(ListUserProductCouponsRequest => ListUserProductCouponsResponse, UserProductCouponEntity, user_coupon_list);
