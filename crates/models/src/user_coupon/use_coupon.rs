//! E25 核销用户商品券: `POST {prefix}/users/{openid}/coupons/{coupon_code}/use`.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::WxTime;
use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::{
    AssociatedOrderInfo, AssociatedPayScoreOrderInfo, UserProductCouponEntity,
};
use crate::validate::{Checker, Rule, ValidationError};

/// E25 核销用户商品券 (`POST /users/{openid}/coupons/{coupon_code}/use`).
const USE_USER_PRODUCT_COUPON: Operation = Operation {
    name: "UseUserProductCoupon",
    kebab: "use-user-product-coupon",
    title: "核销用户商品券",
    method: Method::Post,
    path: "/users/{openid}/coupons/{coupon_code}/use",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(500),
    brand: per_second(500),
    carries_brand: true,
};

/// E25 核销用户商品券 — `POST /users/{openid}/coupons/{coupon_code}/use`: redeems an
/// EFFECTIVE coupon against exactly one order: a WeChat Pay order
/// (`associated_order_info`) or a Pay Score order (`associated_pay_score_order_info`).
/// Answers the [`UserProductCouponEntity`].
///
/// ```
/// use wxpay_models::{AssociatedOrderInfo, Endpoint, Mode, user_coupon::UseUserProductCouponRequest};
/// let mut r = UseUserProductCouponRequest::new(
///     "o1", "123446565767", "1000000013", "1000000013001", "wx233544546545989",
///     "USE_20250724_0001", "2025-07-24T00:00:00+08:00".parse()?,
/// )
/// .with_associated_order_info(AssociatedOrderInfo {
///     transaction_id: Some("4200000000123456789123456789".into()), ..Default::default()
/// });
/// r.validate()?;
/// r.associated_pay_score_order_info = Some(Default::default());
/// assert!(r.validate().unwrap_err().has("associated_pay_score_order_info"));
/// assert_eq!(r.path(Mode::Partner), "/v3/marketing/partner/product-coupon/users/o1/coupons/123446565767/use");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseUserProductCouponRequest {
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
    /// When it was used (required).
    use_time: Option<WxTime>,
    /// The WeChat Pay order: `transaction_id`, or `out_trade_no` with `mchid`.
    pub associated_order_info: Option<AssociatedOrderInfo>,
    /// The brand's number for this use: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// Deprecated: the round of a SEQUENTIAL coupon, from 0.
    pub sequential_coupon_index: Option<i64>,
    /// The store it was used in (a store of the brand, open).
    pub store_id: Option<String>,
    /// The Pay Score order, instead of `associated_order_info`.
    pub associated_pay_score_order_info: Option<AssociatedPayScoreOrderInfo>,
    /// The amount saved, in fen.
    pub saved_amount: Option<i64>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(UseUserProductCouponRequest => UserProductCouponEntity, USE_USER_PRODUCT_COUPON,
    path: [openid, coupon_code], query: [], key: out_request_no, brand: brand_id);

accessors! {
    UseUserProductCouponRequest,
    get: [
        openid / openid_mut: String => str,
        coupon_code / coupon_code_mut: String => str,
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
        appid / appid_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
    ],
    get_opt: [use_time / use_time_mut: WxTime],
    with: [
        with_associated_order_info => associated_order_info: AssociatedOrderInfo,
        with_sequential_coupon_index => sequential_coupon_index: i64,
        with_store_id => store_id: String,
        with_associated_pay_score_order_info => associated_pay_score_order_info: AssociatedPayScoreOrderInfo,
        with_saved_amount => saved_amount: i64,
        with_brand_id => brand_id: String,
    ]
}

impl UseUserProductCouponRequest {
    /// Redeems `openid`'s coupon `coupon_code` (of `stock_id` of `product_coupon_id`, sent
    /// under `appid`) at `use_time`, numbered `out_request_no`; the order is set with
    /// [`with_associated_order_info`](Self::with_associated_order_info) or
    /// [`with_associated_pay_score_order_info`](Self::with_associated_pay_score_order_info).
    /// See the [type](Self) for an example.
    pub fn new(
        openid: impl Into<String>,
        coupon_code: impl Into<String>,
        product_coupon_id: impl Into<String>,
        stock_id: impl Into<String>,
        appid: impl Into<String>,
        out_request_no: impl Into<String>,
        use_time: WxTime,
    ) -> Self {
        Self {
            openid: openid.into(),
            coupon_code: coupon_code.into(),
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            appid: appid.into(),
            use_time: Some(use_time),
            associated_order_info: None,
            out_request_no: out_request_no.into(),
            sequential_coupon_index: None,
            store_id: None,
            associated_pay_score_order_info: None,
            saved_amount: None,
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
        c.present("use_time", &self.use_time);
        match (
            &self.associated_order_info,
            &self.associated_pay_score_order_info,
        ) {
            (None, None) => c.body(
                "associated_order_info",
                Rule::Mode("or associated_pay_score_order_info is required".into()),
            ),
            (Some(_), Some(_)) => c.forbidden(
                "associated_pay_score_order_info",
                true,
                "together with associated_order_info",
            ),
            (Some(order), None) => check_order(&mut c, order),
            (None, Some(order)) => check_pay_score(&mut c, order),
        }
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        c.optional_range(
            "sequential_coupon_index",
            self.sequential_coupon_index,
            0,
            14,
        );
        c.optional("store_id", self.store_id.as_deref(), 1, 64);
        c.optional_range("saved_amount", self.saved_amount, 0, i64::MAX);
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// `transaction_id`, or `out_trade_no` with `mchid`.
fn check_order(c: &mut Checker, o: &AssociatedOrderInfo) {
    let at = "associated_order_info";
    for (name, value) in [
        ("transaction_id", &o.transaction_id),
        ("out_trade_no", &o.out_trade_no),
        ("mchid", &o.mchid),
        ("sub_mchid", &o.sub_mchid),
    ] {
        c.optional(&format!("{at}.{name}"), value.as_deref(), 1, 64);
    }
    if o.transaction_id.is_none() && o.out_trade_no.is_none() {
        c.body(
            &format!("{at}.transaction_id"),
            Rule::Mode("or out_trade_no (with mchid) is required".into()),
        );
    } else if o.transaction_id.is_none() && o.mchid.is_none() {
        c.body(
            &format!("{at}.mchid"),
            Rule::Mode("is required with out_trade_no".into()),
        );
    }
}

/// Lengths of the Pay Score order's ids.
fn check_pay_score(c: &mut Checker, o: &AssociatedPayScoreOrderInfo) {
    let at = "associated_pay_score_order_info";
    for (name, value) in [
        ("order_id", &o.order_id),
        ("out_order_no", &o.out_order_no),
        ("out_trade_no", &o.out_trade_no),
        ("mchid", &o.mchid),
        ("sub_mchid", &o.sub_mchid),
    ] {
        c.optional(&format!("{at}.{name}"), value.as_deref(), 1, 64);
    }
}
