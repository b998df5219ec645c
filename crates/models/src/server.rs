//! The server half of a request type: [`Decode`] reads a request back as a server receives
//! it — strict serde for the body, with the JSON path of the first problem, and the path and
//! query parameters by name. The emulator and `wxpay call --body` use it; SDK users need only
//! [`Endpoint`].

use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;
use crate::operation::BodyKind;
use crate::validate::{FieldError, Location, Rule, ValidationError};

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

/// A request type a server can read back: its path and query parameters set by name, and
/// [`Decode::decode`], which checks every documented rule on the way.
pub trait Decode: Endpoint + DeserializeOwned {
    /// The request with every field empty (not valid, not for sending): where a decoder
    /// starts when there is no body to read it from. Request types have no `Default`, so
    /// that a client cannot leave a required field out; this is for decoders only.
    #[doc(hidden)]
    fn empty() -> Self;
    /// Sets path parameter `name`; `false` if the operation has none of that name.
    fn set_path_param(&mut self, name: &str, value: String) -> bool;
    /// Sets query parameter `name` from its text; `Ok(false)` if the operation has none of
    /// that name (it is then ignored, as WeChat Pay ignores unknown parameters).
    fn set_query_param(&mut self, name: &str, value: &str) -> Result<bool, Rule>;

    /// Decodes a request as a server receives it: raw (percent-encoded) path parameters, the
    /// raw query string, the body bytes. Every problem is reported with its field; the rules
    /// of [`Endpoint::validate`] are checked too.
    fn decode(raw: &RawRequest<'_>) -> Result<Self, ValidationError> {
        let mut request = match Self::OPERATION.body {
            BodyKind::Json => json::<Self>(raw.body)?,
            BodyKind::Empty | BodyKind::Multipart => Self::empty(),
        };
        fill_params(&mut request, raw)?;
        request.validate().map(|()| request)
    }
}

/// Decodes a JSON body into `T`, naming the field of the first problem.
///
/// ```
/// use wxpay_models::{server as decode, user_coupon::ConfirmSendUserProductCouponRequest as Confirm};
/// let e = decode::json::<Confirm>(br#"{"stock_id": 5}"#).unwrap_err();
/// assert_eq!(e.to_string(), "invalid request: stock_id must be a string");
/// let e = decode::json::<Confirm>(br#"{"stock_id": "1"}"#).unwrap_err();
/// assert_eq!(e.to_string(), "invalid request: product_coupon_id is required and must not be empty");
/// ```
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ValidationError> {
    // Fast path: a well-formed body decodes directly.
    let error = match serde_json::from_slice::<T>(body) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if error.is_syntax() || error.is_eof() || std::str::from_utf8(body).is_err() {
        return Err(body_error(Rule::Json(json_problem(body, &error))));
    }
    // serde would read a struct from an array too; WeChat Pay wants an object.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(body_error(Rule::Type("a JSON object")));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    let path = error.path().to_string();
    let message = error.inner().to_string();
    let message = strip_position(&message);
    Err(ValidationError::single(field_error(&path, message)))
}

fn body_error(rule: Rule) -> ValidationError {
    ValidationError::single(FieldError::body("(body)", rule))
}

/// Turns serde's message at `path` into a field and a rule.
fn field_error(path: &str, message: &str) -> FieldError {
    let parent = if path == "." || path.is_empty() {
        ""
    } else {
        path
    };
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    if let Some(name) = between(message, "missing field `", "`") {
        return FieldError::body(join(name), Rule::Required);
    }
    if let Some(name) = between(message, "duplicate field `", "`") {
        return FieldError::body(join(name), Rule::Mode("is given twice".into()));
    }
    let field = if parent.is_empty() { "(body)" } else { parent };
    let rule = match message.split_once(", expected ") {
        Some((_, expected)) if message.starts_with("invalid type") => {
            Rule::Type(expected_type(expected, parent.is_empty()))
        }
        _ => Rule::Mode(message.to_owned()),
    };
    FieldError::body(field, rule)
}

fn expected_type(expected: &str, top: bool) -> &'static str {
    if top {
        return "a JSON object";
    }
    match expected {
        e if e.contains("string") || e.contains("RFC 3339") => "a string",
        e if e.starts_with("struct") || e.contains("map") => "an object",
        e if e.contains("sequence") => "an array",
        e if e.contains("bool") => "a boolean",
        e if e.starts_with('i') || e.starts_with('u') || e.contains("integer") => "an integer",
        _ => "of another type",
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = s.split_once(start)?.1;
    Some(rest.split_once(end)?.0)
}

/// serde_json appends " at line L column C"; the field path says more.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

fn json_problem(body: &[u8], e: &serde_json::Error) -> String {
    if std::str::from_utf8(body).is_err() {
        "body is not valid UTF-8".into()
    } else if body.iter().all(u8::is_ascii_whitespace) {
        "body is empty".into()
    } else {
        let kind = if e.is_eof() {
            "truncated"
        } else {
            "syntax error"
        };
        format!("{kind} at line {} column {}", e.line(), e.column())
    }
}

/// Sets the path and query parameters of `request` from their raw text.
pub(crate) fn fill_params<E: Decode>(
    request: &mut E,
    raw: &RawRequest<'_>,
) -> Result<(), ValidationError> {
    for &(name, value) in raw.path {
        // A '+' in a path segment is a plus sign, not a space.
        let decoded = crate::percent::decode(value, false)
            .map_err(|rule| param_error(name, Location::Path, rule))?;
        request.set_path_param(name, decoded);
    }
    let Some(query) = raw.query else {
        return Ok(());
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        // A pair without a name (`=x`) is still named in the error.
        let field = if key.is_empty() { "(query)" } else { key };
        let invalid = |rule| param_error(field, Location::Query, rule);
        let key = crate::percent::decode(key, true).map_err(invalid)?;
        let value = crate::percent::decode(value, true).map_err(invalid)?;
        if key == "brand_id" {
            request.set_brand_id(Some(value));
            continue;
        }
        request
            .set_query_param(&key, &value)
            .map_err(|rule| param_error(&key, Location::Query, rule))?;
    }
    Ok(())
}

fn param_error(field: &str, location: Location, rule: Rule) -> ValidationError {
    ValidationError::single(FieldError {
        field: field.into(),
        location,
        rule,
    })
}
