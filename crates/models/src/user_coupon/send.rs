//! E20 向用户发放商品券: `POST {prefix}/users/{openid}/coupons`.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::user_coupon::{CouponTagInfo, UserProductCouponEntity};
use crate::validate::{Checker, Rule, ValidationError};

/// E20 向用户发放商品券 (`POST /users/{openid}/coupons`).
const SEND_USER_PRODUCT_COUPON: Operation = Operation {
    name: "SendUserProductCoupon",
    kebab: "send-user-product-coupon",
    title: "向用户发放商品券",
    method: Method::Post,
    path: "/users/{openid}/coupons",
    retry: Retry::Keyed("send_request_no"),
    body: BodyKind::Json,
    partner: per_second(1000),
    brand: per_second(500),
    carries_brand: true,
};

/// Longest openid accepted (WeChat openids are 28 characters; unionid-style ids are longer).
pub const MAX_OPENID_CHARS: usize = 128;

/// A request to send one product coupon to one user (向用户发放商品券).
///
/// `openid` goes into the URL path, everything else into the JSON body. Field order is the
/// order of WeChat Pay's own samples, so the body reads the same as theirs. The required
/// fields are arguments of [`new`](Self::new), the optional ones are set with `with_*`.
///
/// ```
/// use wxpay_models::{CouponTagInfo, Endpoint, Mode, SendUserProductCouponRequest};
/// let request = SendUserProductCouponRequest::new(
///     "oh-394z-6CGkNoJrsDLTTUKiAnp4", // openid
///     "1000000013",                   // product_coupon_id
///     "1000000013001",                // stock_id
///     "wx233544546545989",            // appid
///     "MCHSEND202003101234",          // send_request_no
/// )
/// .with_coupon_code("Code_123456")
/// .with_attach("any attach content")
/// .with_coupon_tag_info(CouponTagInfo::member("MemberCardId_1234567890"))
/// .with_brand_id("120344");
/// request.validate()?;
/// assert_eq!(request.path(Mode::Partner), "/v3/marketing/partner/product-coupon/users/oh-394z-6CGkNoJrsDLTTUKiAnp4/coupons");
/// let body = request.to_body()?;
/// assert!(body.starts_with(br#"{"coupon_code":"Code_123456","product_coupon_id":"1000000013""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A required field cannot be left out. The fields are private and there is no `Default`,
/// so a struct literal does not compile (E0451, private field) …
///
/// ```compile_fail,E0451
/// let request = wxpay_models::SendUserProductCouponRequest {
///     openid: "oh-394z-6CGkNoJrsDLTTUKiAnp4".into(),
///     coupon_code: None,
///     product_coupon_id: "1000000013".into(),
///     appid: "wx233544546545989".into(),
///     attach: None,
///     coupon_tag_info: None,
///     stock_id: "1000000013001".into(),
///     send_request_no: "MCHSEND202003101234".into(),
///     brand_id: None,
/// };
/// ```
///
/// … nor does `new` without one of them (E0061, missing argument) …
///
/// ```compile_fail,E0061
/// let request = wxpay_models::SendUserProductCouponRequest::new(
///     "oh-394z-6CGkNoJrsDLTTUKiAnp4", "1000000013", "1000000013001", "wx233544546545989",
/// );
/// ```
///
/// … nor an empty request from `Default` (E0277, trait not implemented):
///
/// ```compile_fail,E0277
/// let request: wxpay_models::SendUserProductCouponRequest = Default::default();
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendUserProductCouponRequest {
    /// The user, as the OpenID under `appid`. Sent in the path, percent-encoded.
    #[serde(skip)]
    openid: String,
    /// The code to give the coupon: required for API_ASSIGN stocks, forbidden otherwise.
    /// At most 40 of `[0-9A-Za-z_-]`.
    pub coupon_code: Option<String>,
    /// The product coupon.
    product_coupon_id: String,
    /// The AppID the openid belongs to, bound to the service provider.
    appid: String,
    /// Free text returned with the coupon and in callbacks; at most 150 characters.
    pub attach: Option<String>,
    /// Tags, such as MEMBER.
    pub coupon_tag_info: Option<CouponTagInfo>,
    /// The stock to send from; must belong to `product_coupon_id`.
    stock_id: String,
    /// The brand's unique number for this send: 6–128 of `[0-9A-Za-z_-]`. Reusing it with the
    /// same parameters returns the same coupon, which is what makes retries safe.
    send_request_no: String,
    /// The brand (partner mode; the client fills in its default brand when `None`, and leaves
    /// it out in brand-direct mode).
    pub brand_id: Option<String>,
}

endpoint!(SendUserProductCouponRequest => UserProductCouponEntity, SEND_USER_PRODUCT_COUPON,
    path: [openid], query: [], key: send_request_no, brand: brand_id);

accessors! {
    SendUserProductCouponRequest,
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
        with_coupon_tag_info => coupon_tag_info: CouponTagInfo,
        with_brand_id => brand_id: String,
    ]
}

impl SendUserProductCouponRequest {
    /// A send of `stock_id` (of `product_coupon_id`) to `openid` under `appid`, numbered
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
            coupon_code: None,
            product_coupon_id: product_coupon_id.into(),
            appid: appid.into(),
            attach: None,
            coupon_tag_info: None,
            stock_id: stock_id.into(),
            send_request_no: send_request_no.into(),
            brand_id: None,
        }
    }

    /// The JSON body (without `openid`), as sent in partner mode when `brand_id` is set.
    pub fn to_body(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Decodes a body as a server receives it, `openid` already taken from the path: the
    /// first problem names its field, then every rule of [`validate`](Self::validate).
    ///
    /// ```
    /// use wxpay_models::SendUserProductCouponRequest;
    /// let err = SendUserProductCouponRequest::from_body("o1", br#"{"stock_id": 5}"#).unwrap_err();
    /// assert!(err.to_string().contains("stock_id must be a string"));
    /// ```
    pub fn from_body(openid: &str, body: &[u8]) -> Result<Self, ValidationError> {
        let mut request: Self = crate::server::json(body)?;
        request.openid = openid.to_owned();
        request.validate().map(|()| request)
    }

    /// Checks every documented rule and reports every broken one, naming the field.
    ///
    /// ```
    /// let r = wxpay_models::SendUserProductCouponRequest::new("", "", "", "", "abc");
    /// let err = r.validate().unwrap_err();
    /// assert!(err.has("send_request_no") && err.has("openid") && err.has("stock_id"));
    /// assert!(err.to_string().contains("send_request_no must be 6 to 128 characters, got 3"));
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.path("openid", &self.openid, MAX_OPENID_CHARS);
        if let Some(code) = &self.coupon_code {
            c.id("coupon_code", code, 1, 40);
        }
        c.required("product_coupon_id", &self.product_coupon_id, 40);
        c.required("appid", &self.appid, 64);
        c.optional("attach", self.attach.as_deref(), 0, 150);
        if let Some(tags) = &self.coupon_tag_info {
            check_tags(&mut c, tags);
        }
        c.required("stock_id", &self.stock_id, 40);
        c.id("send_request_no", &self.send_request_no, 6, 128);
        c.optional("brand_id", self.brand_id.as_deref(), 1, 64);
        c.finish()
    }
}

/// `coupon_tag_info`: MEMBER needs `member_tag_info.member_card_id`.
pub(crate) fn check_tags(c: &mut Checker, tags: &CouponTagInfo) {
    if let Some(list) = &tags.coupon_tag_list {
        for tag in list {
            c.known("coupon_tag_info.coupon_tag_list", tag);
        }
    }
    if tags.is_member() {
        match &tags.member_tag_info {
            None => c.body("coupon_tag_info.member_tag_info", Rule::MemberTagInfo),
            Some(info) => c.required(
                "coupon_tag_info.member_tag_info.member_card_id",
                &info.member_card_id,
                128,
            ),
        }
    }
}
