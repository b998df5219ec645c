//! `SendUserProductCouponRequest`: the body (and path) of
//! `POST /v3/marketing/partner/product-coupon/users/{openid}/coupons`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use crate::coupon::{CouponTagInfo, MemberTagInfo};
use crate::enums::UserProductCouponTag;
use crate::validate::{Checker, FieldError, Location, Rule, ValidationError};

/// Everything but RFC 3986 unreserved characters is percent-encoded in a path segment.
pub(crate) const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The send endpoint's path template.
pub const SEND_PATH_TEMPLATE: &str = "/v3/marketing/partner/product-coupon/users/{openid}/coupons";

/// Longest openid accepted (WeChat openids are 28 characters; unionid-style ids are longer).
pub const MAX_OPENID_CHARS: usize = 128;

/// A request to send one product coupon to one user (向用户发放商品券).
///
/// `openid` goes into the URL path, everything else into the JSON body. Field order is the
/// order of WeChat Pay's own samples, so the body reads the same as theirs.
///
/// ```
/// use wxpay_models::{CouponTagInfo, SendUserProductCouponRequest};
/// let request = SendUserProductCouponRequest {
///     openid: "oh-394z-6CGkNoJrsDLTTUKiAnp4".into(),
///     coupon_code: Some("Code_123456".into()),
///     product_coupon_id: "1000000013".into(),
///     appid: "wx233544546545989".into(),
///     attach: Some("any attach content".into()),
///     coupon_tag_info: Some(CouponTagInfo::member("MemberCardId_1234567890")),
///     stock_id: "1000000013001".into(),
///     send_request_no: "MCHSEND202003101234".into(),
///     brand_id: "120344".into(),
/// };
/// request.validate()?;
/// assert_eq!(request.path(), "/v3/marketing/partner/product-coupon/users/oh-394z-6CGkNoJrsDLTTUKiAnp4/coupons");
/// let body = request.to_body()?;
/// assert!(body.starts_with(br#"{"coupon_code":"Code_123456","product_coupon_id":"1000000013""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendUserProductCouponRequest {
    /// The user, as the OpenID under `appid`. Sent in the path, percent-encoded.
    #[serde(skip)]
    pub openid: String,
    /// The code to give the coupon: required for API_ASSIGN stocks, forbidden otherwise.
    /// At most 40 of `[0-9A-Za-z_-]`.
    pub coupon_code: Option<String>,
    /// The product coupon.
    pub product_coupon_id: String,
    /// The AppID the openid belongs to, bound to the service provider.
    pub appid: String,
    /// Free text returned with the coupon and in callbacks; at most 150 characters.
    pub attach: Option<String>,
    /// Tags, such as MEMBER.
    pub coupon_tag_info: Option<CouponTagInfo>,
    /// The stock to send from; must belong to `product_coupon_id`.
    pub stock_id: String,
    /// The brand's unique number for this send: 6–128 of `[0-9A-Za-z_-]`. Reusing it with the
    /// same parameters returns the same coupon, which is what makes retries safe.
    pub send_request_no: String,
    /// The brand, authorised to this service provider.
    pub brand_id: String,
}

impl SendUserProductCouponRequest {
    /// The request path with `openid` percent-encoded.
    ///
    /// ```
    /// let r = wxpay_models::SendUserProductCouponRequest { openid: "o+encoded/id".into(), ..Default::default() };
    /// assert_eq!(r.path(), "/v3/marketing/partner/product-coupon/users/o%2Bencoded%2Fid/coupons");
    /// ```
    pub fn path(&self) -> String {
        format!(
            "/v3/marketing/partner/product-coupon/users/{}/coupons",
            utf8_percent_encode(&self.openid, PATH_SEGMENT)
        )
    }

    /// The JSON body (without `openid`).
    pub fn to_body(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Checks every documented rule and reports every broken one, naming the field.
    ///
    /// ```
    /// let r = wxpay_models::SendUserProductCouponRequest { send_request_no: "abc".into(), ..Default::default() };
    /// let err = r.validate().unwrap_err();
    /// assert!(err.has("send_request_no") && err.has("openid") && err.has("stock_id"));
    /// assert!(err.to_string().contains("send_request_no must be 6 to 128 characters, got 3"));
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check_openid(&mut c, &self.openid);
        if let Some(code) = &self.coupon_code {
            c.id("coupon_code", code, 1, 40);
        }
        c.required("product_coupon_id", &self.product_coupon_id, 40);
        c.required("appid", &self.appid, 64);
        if let Some(attach) = &self.attach {
            c.length("attach", attach, 0, 150);
        }
        if let Some(tags) = &self.coupon_tag_info {
            check_tags(&mut c, tags);
        }
        c.required("stock_id", &self.stock_id, 40);
        c.id("send_request_no", &self.send_request_no, 6, 128);
        c.required("brand_id", &self.brand_id, 64);
        c.finish()
    }

    /// Decodes a request as a server receives it: `openid` from the path, the body as raw
    /// bytes. Every problem is reported with its field: invalid JSON or UTF-8, a value of the
    /// wrong type, a missing field, and every rule of [`validate`](Self::validate).
    ///
    /// ```
    /// use wxpay_models::SendUserProductCouponRequest;
    /// let err = SendUserProductCouponRequest::from_body("o1", br#"{"stock_id": 5}"#).unwrap_err();
    /// assert_eq!(err.first().map(|e| e.field.as_str()), Some("product_coupon_id"));
    /// assert!(err.to_string().contains("stock_id must be a string"));
    /// ```
    pub fn from_body(openid: &str, body: &[u8]) -> Result<Self, ValidationError> {
        // Fast path: a well-typed body decodes directly.
        if let Ok(mut request) = serde_json::from_slice::<Self>(body) {
            request.openid = openid.to_owned();
            return request.validate().map(|()| request);
        }
        let mut c = Checker::default();
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                c.body("(body)", Rule::Json(json_problem(body, &e)));
                return c.finish().map(|()| Self::default());
            }
        };
        let Value::Object(map) = value else {
            c.body("(body)", Rule::Type("a JSON object"));
            return c.finish().map(|()| Self::default());
        };
        let request = Self {
            openid: openid.to_owned(),
            coupon_code: opt_string(&mut c, &map, "coupon_code", "coupon_code"),
            product_coupon_id: string(&mut c, &map, "product_coupon_id"),
            appid: string(&mut c, &map, "appid"),
            attach: opt_string(&mut c, &map, "attach", "attach"),
            coupon_tag_info: tag_info(&mut c, &map),
            stock_id: string(&mut c, &map, "stock_id"),
            send_request_no: string(&mut c, &map, "send_request_no"),
            brand_id: string(&mut c, &map, "brand_id"),
        };
        let typed = c.finish();
        match (typed, request.validate()) {
            (Ok(()), Ok(())) => Ok(request),
            (typed, rules) => {
                // Type errors first, then the rules the rest breaks (skipping fields already
                // reported), in the order fields appear above.
                let mut errors: Vec<FieldError> =
                    typed.err().map(|e| e.errors().to_vec()).unwrap_or_default();
                for e in rules.err().map(|e| e.errors().to_vec()).unwrap_or_default() {
                    if !errors.iter().any(|t| t.field == e.field) {
                        errors.push(e);
                    }
                }
                errors.sort_by_key(|e| field_rank(&e.field));
                Err(ValidationError::new(errors))
            }
        }
    }
}

pub(crate) fn check_openid(c: &mut Checker, openid: &str) {
    let rule = if openid.is_empty() {
        Some(Rule::Required)
    } else if openid.chars().count() > MAX_OPENID_CHARS {
        Some(Rule::Length {
            min: 1,
            max: MAX_OPENID_CHARS,
            actual: openid.chars().count(),
        })
    } else if openid
        .chars()
        .any(|ch| ch.is_whitespace() || ch.is_control())
    {
        Some(Rule::PathUnsafe)
    } else {
        None
    };
    if let Some(rule) = rule {
        c.push(FieldError {
            field: "openid".into(),
            location: Location::Path,
            rule,
        });
    }
}

fn check_tags(c: &mut Checker, tags: &CouponTagInfo) {
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

const FIELD_ORDER: [&str; 10] = [
    "(body)",
    "openid",
    "coupon_code",
    "product_coupon_id",
    "appid",
    "attach",
    "coupon_tag_info",
    "stock_id",
    "send_request_no",
    "brand_id",
];

fn field_rank(field: &str) -> usize {
    FIELD_ORDER
        .iter()
        .position(|f| field == *f || field.starts_with(&format!("{f}.")))
        .unwrap_or(FIELD_ORDER.len())
}

fn json_problem(body: &[u8], e: &serde_json::Error) -> String {
    if std::str::from_utf8(body).is_err() {
        "body is not valid UTF-8".into()
    } else if body.iter().all(u8::is_ascii_whitespace) {
        "body is empty".into()
    } else {
        format!("{} at line {} column {}", classify(e), e.line(), e.column())
    }
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "truncated",
        serde_json::error::Category::Syntax => "syntax error",
        _ => "invalid",
    }
}

fn string(c: &mut Checker, map: &Map<String, Value>, field: &str) -> String {
    opt_string(c, map, field, field).unwrap_or_default()
}

fn opt_string(c: &mut Checker, map: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            c.body(path, Rule::Type("a string"));
            None
        }
    }
}

fn tag_info(c: &mut Checker, map: &Map<String, Value>) -> Option<CouponTagInfo> {
    let info = match map.get("coupon_tag_info") {
        None | Some(Value::Null) => return None,
        Some(Value::Object(info)) => info,
        Some(_) => {
            c.body("coupon_tag_info", Rule::Type("an object"));
            return None;
        }
    };
    let coupon_tag_list = match info.get("coupon_tag_list") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(UserProductCouponTag::from)
                .collect(),
        ),
        Some(_) => {
            c.body(
                "coupon_tag_info.coupon_tag_list",
                Rule::Type("an array of strings"),
            );
            None
        }
    };
    let member_tag_info = match info.get("member_tag_info") {
        None | Some(Value::Null) => None,
        Some(Value::Object(member)) => Some(MemberTagInfo {
            member_card_id: opt_string(
                c,
                member,
                "member_card_id",
                "coupon_tag_info.member_tag_info.member_card_id",
            )
            .unwrap_or_default(),
        }),
        Some(_) => {
            c.body("coupon_tag_info.member_tag_info", Rule::Type("an object"));
            None
        }
    };
    Some(CouponTagInfo {
        coupon_tag_list,
        member_tag_info,
    })
}
