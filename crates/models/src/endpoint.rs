//! [`Endpoint`]: one operation of the API as data — method, path template, query, body,
//! response type, what makes a retry safe, and its rate limit — so that the client, the
//! emulator's router and the tests all read the same facts.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::validate::{FieldError, Location, Rule, ValidationError};

/// Everything but RFC 3986 unreserved characters is percent-encoded in a path segment or a
/// query value.
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// Reads.
    Get,
    /// Creates and actions.
    Post,
    /// Partial updates.
    Patch,
}

impl Method {
    /// `GET`, `POST` or `PATCH`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who calls: a service provider for its brands, or a brand for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Mode {
    /// 服务商: `WECHATPAY2-SHA256-RSA2048 mchid="…"`, paths under
    /// `/v3/marketing/partner/product-coupon`, `brand_id` in every body and GET query.
    #[default]
    Partner,
    /// 品牌直连: `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…"`, paths under
    /// `/brand/marketing/product-coupon`, no `brand_id` in bodies or queries.
    Brand,
}

impl Mode {
    /// Both modes.
    pub const ALL: [Mode; 2] = [Mode::Partner, Mode::Brand];

    /// The path prefix of every operation in this mode.
    ///
    /// ```
    /// assert_eq!(wxpay_models::Mode::Brand.prefix(), "/brand/marketing/product-coupon");
    /// ```
    pub const fn prefix(self) -> &'static str {
        match self {
            Mode::Partner => "/v3/marketing/partner/product-coupon",
            Mode::Brand => "/brand/marketing/product-coupon",
        }
    }

    /// `partner` or `brand`, as in client configs and `wxpay call --list`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Partner => "partner",
            Mode::Brand => "brand",
        }
    }

    /// The mode whose path prefix `path` starts with, and the rest of the path.
    ///
    /// ```
    /// use wxpay_models::Mode;
    /// assert_eq!(Mode::split_path("/brand/marketing/product-coupon/notify-configs"), Some((Mode::Brand, "/notify-configs")));
    /// assert_eq!(Mode::split_path("/v3/other"), None);
    /// ```
    pub fn split_path(path: &str) -> Option<(Mode, &str)> {
        Mode::ALL.into_iter().find_map(|mode| {
            let rest = path.strip_prefix(mode.prefix())?;
            (rest.is_empty() || rest.starts_with('/')).then_some((mode, rest))
        })
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "partner" => Ok(Mode::Partner),
            "brand" => Ok(Mode::Brand),
            other => Err(format!(
                "mode must be \"partner\" or \"brand\", got {other:?}"
            )),
        }
    }
}

/// Whether the client may send the same request again after an attempt went unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Retry {
    /// A read: always safe.
    Read,
    /// A write whose body carries this request number; WeChat Pay answers a repeated number
    /// with the first result, so a retry never acts twice.
    Keyed(&'static str),
    /// A write that sets state to what the body says (notify URL): repeating it is harmless.
    Overwrite,
    /// A write with no request number (store association, image upload): never retried
    /// blindly, the caller decides.
    Never,
}

impl Retry {
    /// Whether the transport may resend the same bytes.
    pub const fn is_safe(self) -> bool {
        !matches!(self, Retry::Never)
    }
}

/// A documented request rate: `count` calls per second or per minute, per caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Calls allowed in one `period`.
    pub count: u32,
    /// The period.
    pub period: Period,
}

/// The period of a [`RateLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Period {
    /// One second.
    Second,
    /// One minute.
    Minute,
}

impl RateLimit {
    /// `count` per second.
    pub const fn per_second(count: u32) -> Self {
        Self {
            count,
            period: Period::Second,
        }
    }

    /// `count` per minute.
    pub const fn per_minute(count: u32) -> Self {
        Self {
            count,
            period: Period::Minute,
        }
    }

    /// The period in seconds.
    pub const fn period_secs(self) -> u64 {
        match self.period {
            Period::Second => 1,
            Period::Minute => 60,
        }
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.period {
            Period::Second => write!(f, "{}/s", self.count),
            Period::Minute => write!(f, "{}/min", self.count),
        }
    }
}

/// How an operation's body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyKind {
    /// No body (GET); the signed body line is empty.
    Empty,
    /// `application/json`, signed as sent.
    Json,
    /// `multipart/form-data` with a `meta` JSON part and a `file` part; only `meta` is signed.
    Multipart,
}

/// The static description of one operation of the family, shared by both modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation's name in Tencent's samples, e.g. `SendUserProductCoupon`.
    pub name: &'static str,
    /// Its kebab-case, e.g. `send-user-product-coupon` (`wxpay call NAME`).
    pub kebab: &'static str,
    /// The Chinese title of WeChat Pay's document, e.g. `向用户发放商品券`.
    pub title: &'static str,
    /// HTTP method.
    pub method: Method,
    /// The path after the mode's prefix, with `{param}` placeholders.
    pub path: &'static str,
    /// What makes a retry safe.
    pub retry: Retry,
    /// Body encoding.
    pub body: BodyKind,
    /// Rate limit per service provider (mchid) in partner mode; `None` where not offered.
    pub partner: Option<RateLimit>,
    /// Rate limit per brand in brand-direct mode; `None` where not offered.
    pub brand: Option<RateLimit>,
}

impl Operation {
    /// Whether the operation exists in `mode`.
    pub const fn supports(&self, mode: Mode) -> bool {
        self.limit(mode).is_some()
    }

    /// The documented rate limit in `mode`, or `None` if the mode lacks the operation.
    pub const fn limit(&self, mode: Mode) -> Option<RateLimit> {
        match mode {
            Mode::Partner => self.partner,
            Mode::Brand => self.brand,
        }
    }

    /// The full path template in `mode`, as in the spec.
    ///
    /// ```
    /// use wxpay_models::{Mode, operations};
    /// assert_eq!(operations::SEND_USER_PRODUCT_COUPON.template(Mode::Partner), "/v3/marketing/partner/product-coupon/users/{openid}/coupons");
    /// ```
    pub fn template(&self, mode: Mode) -> String {
        format!("{}{}", mode.prefix(), self.path)
    }

    /// The placeholder names of the path, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    }

    /// Matches a path suffix (after the mode prefix) against the template; returns the raw
    /// (still percent-encoded) value of each placeholder, in order.
    ///
    /// ```
    /// use wxpay_models::operations::CONFIRM_SEND_USER_PRODUCT_COUPON as OP;
    /// assert_eq!(OP.match_path("/users/o1/coupons/C1/confirm"), Some(vec![("openid", "o1"), ("coupon_code", "C1")]));
    /// assert_eq!(OP.match_path("/users/o1/coupons"), None);
    /// ```
    pub fn match_path<'a>(&self, rest: &'a str) -> Option<Vec<(&'static str, &'a str)>> {
        let mut wanted = self.path.split('/');
        let mut given = rest.split('/');
        let mut out = Vec::new();
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return Some(out),
                (Some(w), Some(g)) => match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    Some(name) if !g.is_empty() => out.push((name, g)),
                    Some(_) => return None,
                    None if w == g => {}
                    None => return None,
                },
                _ => return None,
            }
        }
    }
}

/// One operation's request type: everything needed to send it and to receive it.
///
/// Path and query parameters are fields of the request (`#[serde(skip)]` in the body); the
/// body is the type's own serde form. `brand_id` is the mode's concern: in partner mode the
/// client puts it in the body (or, for GETs, the query), in brand mode it is left out — see
/// [`encode`].
pub trait Endpoint: Serialize + DeserializeOwned + Clone + Default + Send + Sync + 'static {
    /// The operation.
    const OPERATION: &'static Operation;
    /// The decoded 2xx answer.
    type Response: Serialize + DeserializeOwned + Send + 'static;

    /// The value of path parameter `name` (unencoded).
    fn path_param(&self, name: &str) -> Option<&str>;
    /// Sets path parameter `name`; `false` if the operation has none of that name.
    fn set_path_param(&mut self, name: &str, value: String) -> bool;
    /// The query parameters that have a value, unencoded, `brand_id` excluded.
    fn query(&self) -> Vec<(&'static str, Cow<'_, str>)>;
    /// Sets query parameter `name` from its text; `Ok(false)` if the operation has none of
    /// that name (it is then ignored, as WeChat Pay ignores unknown parameters).
    fn set_query_param(&mut self, name: &str, value: &str) -> Result<bool, Rule>;
    /// The request's `brand_id` (partner mode).
    fn brand_id(&self) -> Option<&str>;
    /// Sets or clears `brand_id`.
    fn set_brand_id(&mut self, brand_id: Option<String>);
    /// The value of the field [`Retry::Keyed`] names, if the operation has one.
    fn request_no(&self) -> Option<&str>;
    /// Checks every documented rule of the request itself (not the mode's `brand_id` rule),
    /// naming each broken field.
    fn validate(&self) -> Result<(), ValidationError>;

    /// The path in `mode`, each parameter percent-encoded.
    fn path(&self, mode: Mode) -> String {
        let mut out = String::with_capacity(mode.prefix().len() + Self::OPERATION.path.len() + 32);
        out.push_str(mode.prefix());
        for segment in Self::OPERATION.path.split('/').skip(1) {
            out.push('/');
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => out.extend(utf8_percent_encode(
                    self.path_param(name).unwrap_or_default(),
                    UNRESERVED,
                )),
                None => out.push_str(segment),
            }
        }
        out
    }

    /// The JSON body as sent (and signed). Only called for [`BodyKind::Json`] operations.
    fn json_body(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// The body for [`BodyKind::Multipart`] operations; `None` for the others.
    fn multipart(&self) -> Option<Multipart> {
        None
    }

    /// Decodes a request as a server receives it: raw (percent-encoded) path parameters, the
    /// raw query string, the body bytes. Every problem is reported with its field; the rules
    /// of [`validate`](Self::validate) are checked too.
    fn decode(raw: &RawRequest<'_>) -> Result<Self, ValidationError> {
        let mut request = match Self::OPERATION.body {
            BodyKind::Json => crate::decode::json::<Self>(raw.body)?,
            BodyKind::Empty | BodyKind::Multipart => Self::default(),
        };
        crate::decode::fill_params(&mut request, raw)?;
        request.validate().map(|()| request)
    }
}

/// A list operation: its answer is one page, and the next page is asked for with
/// `page_token` set to the answer's `next_page_token`.
pub trait Paged: Endpoint {
    /// One listed item.
    type Item: Serialize + DeserializeOwned + Send + 'static;
    /// Sets the page to ask for (`None`: the first).
    fn set_page_token(&mut self, token: Option<String>);
    /// The items of one page and the token of the next (`None` or empty: the last page).
    fn into_page(response: Self::Response) -> (Vec<Self::Item>, Option<String>);
}

/// A request as a server sees it, before decoding.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawRequest<'a> {
    /// Path parameters, as matched (still percent-encoded).
    pub path: &'a [(&'static str, &'a str)],
    /// The query string without `?`, if any.
    pub query: Option<&'a str>,
    /// The body bytes.
    pub body: &'a [u8],
}

/// A `multipart/form-data` body: the bytes sent, the part that is signed, the content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart {
    /// The whole body.
    pub body: Vec<u8>,
    /// The JSON of the `meta` part: what the signature covers.
    pub meta: Vec<u8>,
    /// `multipart/form-data; boundary=…`.
    pub content_type: String,
}

/// A request ready for the wire: what is sent, and what is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// HTTP method.
    pub method: Method,
    /// Path and query, exactly as sent and signed.
    pub path_and_query: String,
    /// The body sent.
    pub body: Vec<u8>,
    /// The body line of the signed message when it is not the body (multipart: `meta`).
    pub signed_body: Option<Vec<u8>>,
    /// The Content-Type header.
    pub content_type: Cow<'static, str>,
}

/// Where a request is going: the mode, and the brand it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// Partner or brand-direct.
    pub mode: Mode,
    /// Partner mode: the brand to use when the request names none. Brand mode: the calling
    /// brand (a request naming another brand is refused).
    pub brand_id: Option<&'a str>,
}

/// Validates `request` for `target` and encodes it: path with percent-encoded parameters,
/// query sorted by name (as Go's `url.Values` writes it, like Tencent's samples), the body,
/// and the part that is signed.
///
/// ```
/// use wxpay_models::{Mode, Target, encode, user_coupon::GetUserProductCouponRequest};
/// let request = GetUserProductCouponRequest {
///     openid: "o1".into(), coupon_code: "C+1".into(), product_coupon_id: "1000000013".into(),
///     stock_id: "1000000013001".into(), appid: "wx233544546545989".into(), brand_id: None,
/// };
/// let partner = encode(&request, Target { mode: Mode::Partner, brand_id: Some("120344") })?;
/// assert_eq!(partner.path_and_query, "/v3/marketing/partner/product-coupon/users/o1/coupons/C%2B1?appid=wx233544546545989&brand_id=120344&product_coupon_id=1000000013&stock_id=1000000013001");
/// let brand = encode(&request, Target { mode: Mode::Brand, brand_id: Some("120344") })?;
/// assert_eq!(brand.path_and_query, "/brand/marketing/product-coupon/users/o1/coupons/C%2B1?appid=wx233544546545989&product_coupon_id=1000000013&stock_id=1000000013001");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
pub fn encode<E: Endpoint>(request: &E, target: Target<'_>) -> Result<Encoded, ValidationError> {
    let op = E::OPERATION;
    if !op.supports(target.mode) {
        return Err(ValidationError::single(FieldError {
            field: "(operation)".into(),
            location: Location::Path,
            rule: Rule::Mode(format!(
                "{} is not offered in {} mode",
                op.name, target.mode
            )),
        }));
    }
    let brand = brand_for(request, target)?;
    let owned;
    let request = if request.brand_id() == brand {
        request
    } else {
        let mut copy = request.clone();
        copy.set_brand_id(brand.map(str::to_owned));
        owned = copy;
        &owned
    };
    request.validate()?;
    let mut path_and_query = request.path(target.mode);
    write_query(
        &mut path_and_query,
        request,
        brand.filter(|_| op.method == Method::Get),
    );
    let (body, signed_body, content_type) = match op.body {
        BodyKind::Empty => (Vec::new(), None, Cow::Borrowed("application/json")),
        BodyKind::Json => (
            request.json_body().map_err(encode_error)?,
            None,
            Cow::Borrowed("application/json"),
        ),
        BodyKind::Multipart => match request.multipart() {
            Some(m) => (m.body, Some(m.meta), Cow::Owned(m.content_type)),
            None => return Err(encode_error("no multipart body")),
        },
    };
    Ok(Encoded {
        method: op.method,
        path_and_query,
        body,
        signed_body,
        content_type,
    })
}

/// The `brand_id` the request carries on the wire in `target`'s mode.
fn brand_for<'a, E: Endpoint>(
    request: &'a E,
    target: Target<'a>,
) -> Result<Option<&'a str>, ValidationError> {
    let given = request.brand_id().filter(|b| !b.is_empty());
    let location = if E::OPERATION.method == Method::Get {
        Location::Query
    } else {
        Location::Body
    };
    let fail = |rule: Rule| {
        Err(ValidationError::single(FieldError {
            field: "brand_id".into(),
            location,
            rule,
        }))
    };
    match target.mode {
        // The notify URL is the service provider's own, for all its brands, and an upload
        // names no brand: no brand_id.
        Mode::Partner if !carries_brand(E::OPERATION) => Ok(None),
        Mode::Partner => match given.or(target.brand_id) {
            Some(brand) => Ok(Some(brand)),
            None => fail(Rule::Mode(
                "is required in partner mode: set it on the request or as the client's default brand_id".into(),
            )),
        },
        Mode::Brand => match (given, target.brand_id) {
            (Some(given), Some(own)) if given != own => fail(Rule::Mode(format!(
                "is {given:?}, but this brand-mode client signs as brand {own:?}; brand mode calls only for its own brand"
            ))),
            _ => Ok(None),
        },
    }
}

/// Whether the operation carries `brand_id` in partner mode: all but notify-configs (the
/// service provider's own URL) and the image upload (a multipart `meta` of file name and hash
/// only, in the YAML and Tencent's samples).
pub const fn carries_brand(op: &Operation) -> bool {
    !matches!(
        op.path.as_bytes(),
        b"/notify-configs" | b"/media/upload-image"
    )
}

fn write_query<E: Endpoint>(out: &mut String, request: &E, brand: Option<&str>) {
    let mut pairs = request.query();
    if let Some(brand) = brand {
        pairs.push(("brand_id", Cow::Borrowed(brand)));
    }
    if pairs.is_empty() {
        return;
    }
    pairs.sort_by_key(|(k, _)| *k);
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.extend(utf8_percent_encode(v, UNRESERVED));
    }
}

fn encode_error(e: impl fmt::Display) -> ValidationError {
    ValidationError::single(FieldError::body(
        "(body)",
        Rule::Mode(format!("could not be encoded: {e}")),
    ))
}

/// Implements [`Endpoint`] for a request type from the facts that differ per operation:
/// the operation, the response type, which fields are path and query parameters, the
/// request-number field and whether the request carries `brand_id`.
macro_rules! endpoint {
    (
        $req:ty => $resp:ty, $op:expr,
        path: [$($p:ident),* $(,)?],
        query: [$($q:ident),* $(,)?],
        key: $key:tt,
        brand: $brand:tt $(,)?
    ) => {
        impl $crate::endpoint::Endpoint for $req {
            const OPERATION: &'static $crate::endpoint::Operation = &$op;
            type Response = $resp;

            fn path_param(&self, name: &str) -> Option<&str> {
                match name {
                    $(stringify!($p) => Some(self.$p.as_str()),)*
                    _ => None,
                }
            }

            #[allow(unused_variables)]
            fn set_path_param(&mut self, name: &str, value: String) -> bool {
                match name {
                    $(stringify!($p) => { self.$p = value; true })*
                    _ => false,
                }
            }

            fn query(&self) -> Vec<(&'static str, std::borrow::Cow<'_, str>)> {
                #[allow(unused_mut)]
                let mut out = Vec::new();
                $(
                    if let Some(v) = $crate::decode::QueryField::query_text(&self.$q) {
                        out.push((stringify!($q), v));
                    }
                )*
                out
            }

            #[allow(unused_variables)]
            fn set_query_param(
                &mut self,
                name: &str,
                value: &str,
            ) -> Result<bool, $crate::validate::Rule> {
                match name {
                    $(stringify!($q) => {
                        $crate::decode::QueryField::set_query_text(&mut self.$q, value).map(|()| true)
                    })*
                    _ => Ok(false),
                }
            }

            endpoint!(@brand $brand);
            endpoint!(@key $key);

            fn validate(&self) -> Result<(), $crate::validate::ValidationError> {
                <$req>::validate(self)
            }
        }
    };
    (@brand brand_id) => {
        fn brand_id(&self) -> Option<&str> {
            self.brand_id.as_deref()
        }
        fn set_brand_id(&mut self, brand_id: Option<String>) {
            self.brand_id = brand_id;
        }
    };
    (@brand none) => {
        fn brand_id(&self) -> Option<&str> {
            None
        }
        fn set_brand_id(&mut self, _: Option<String>) {}
    };
    (@key none) => {
        fn request_no(&self) -> Option<&str> {
            None
        }
    };
    (@key $key:ident) => {
        fn request_no(&self) -> Option<&str> {
            Some(self.$key.as_str())
        }
    };
}

/// Implements [`Paged`] for a list request with a `page_token` field whose answer lists its
/// items in `$list` (an `Option<Vec<_>>`) beside `next_page_token`.
macro_rules! paged {
    ($req:ty => $resp:ty, $item:ty, $list:ident) => {
        impl $crate::endpoint::Paged for $req {
            type Item = $item;

            fn set_page_token(&mut self, token: Option<String>) {
                self.page_token = token;
            }

            fn into_page(response: $resp) -> (Vec<$item>, Option<String>) {
                (
                    response.$list.unwrap_or_default(),
                    response.next_page_token.filter(|t| !t.is_empty()),
                )
            }
        }
    };
}
