//! [`Endpoint`]: the client half of an operation's request type — its [`Operation`], path
//! and query parameters, body and response type — and [`encode`], which turns a request into
//! the bytes sent and signed. What a server needs to read a request back is
//! [`crate::server::Decode`].

use std::borrow::Cow;
use std::fmt;

use percent_encoding::utf8_percent_encode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::operation::{BodyKind, BrandRule, Method, Mode, Operation};
use crate::validate::{FieldError, Location, Rule, ValidationError};
use crate::wire::UNRESERVED;

/// One operation's request type: everything needed to send it.
///
/// Path and query parameters are fields of the request (`#[serde(skip)]` in the body); the
/// body is the type's own serde form. `brand_id` is the mode's concern: in partner mode the
/// client puts it in the body (or, for GETs, the query), in brand mode it is left out — see
/// [`encode`].
pub trait Endpoint: Serialize + Clone + Send + Sync + 'static {
    /// The operation.
    const OPERATION: &'static Operation;
    /// The decoded 2xx answer.
    type Response: Serialize + DeserializeOwned + Send + 'static;

    /// The names of the query parameters the operation takes (`brand_id` excluded).
    const QUERY_PARAMS: &'static [&'static str] = &[];

    /// The value of path parameter `name` (unencoded).
    fn path_param(&self, name: &str) -> Option<&str>;
    /// The query parameters that have a value, unencoded, `brand_id` excluded.
    fn query(&self) -> Vec<(&'static str, Cow<'_, str>)>;
    /// The request's `brand_id` (partner mode).
    fn brand_id(&self) -> Option<&str>;
    /// Sets or clears `brand_id` (the encoder puts the client's default brand there).
    fn set_brand_id(&mut self, brand_id: Option<String>);
    /// The value of the field [`crate::Retry::Keyed`] names, if the operation has one.
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
/// let request = GetUserProductCouponRequest::new(
///     "o1", "C+1", "1000000013", "1000000013001", "wx233544546545989",
/// );
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
    match E::OPERATION.brand_rule(target.mode, request.brand_id(), target.brand_id) {
        BrandRule::None => Ok(None),
        BrandRule::Brand(brand) => Ok(Some(brand)),
        BrandRule::Missing => fail(Rule::Mode(
            "is required in partner mode: set it on the request or as the client's default brand_id".into(),
        )),
        BrandRule::OtherBrand { given, own } => fail(Rule::Mode(format!(
            "is {given:?}, but this brand-mode client signs as brand {own:?}; brand mode calls only for its own brand"
        ))),
    }
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
            const OPERATION: &'static $crate::operation::Operation = &$op;
            const QUERY_PARAMS: &'static [&'static str] = &[$(stringify!($q)),*];
            type Response = $resp;

            fn path_param(&self, name: &str) -> Option<&str> {
                match name {
                    $(stringify!($p) => Some(self.$p.as_str()),)*
                    _ => None,
                }
            }

            fn query(&self) -> Vec<(&'static str, std::borrow::Cow<'_, str>)> {
                #[allow(unused_mut)]
                let mut out = Vec::new();
                $(
                    if let Some(v) = $crate::wire::QueryField::query_text(&self.$q) {
                        out.push((stringify!($q), v));
                    }
                )*
                out
            }

            endpoint!(@brand $brand);
            endpoint!(@key $key);

            fn validate(&self) -> Result<(), $crate::validate::ValidationError> {
                <$req>::validate(self)
            }
        }

        impl $crate::server::Decode for $req {
            fn empty() -> Self {
                Self::blank()
            }

            #[allow(unused_variables)]
            fn set_path_param(&mut self, name: &str, value: String) -> bool {
                match name {
                    $(stringify!($p) => { self.$p = value; true })*
                    _ => false,
                }
            }

            #[allow(unused_variables)]
            fn set_query_param(
                &mut self,
                name: &str,
                value: &str,
            ) -> Result<bool, $crate::validate::Rule> {
                match name {
                    $(stringify!($q) => {
                        $crate::wire::QueryField::set_query_text(&mut self.$q, value).map(|()| true)
                    })*
                    _ => Ok(false),
                }
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
