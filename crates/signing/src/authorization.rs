//! The `Authorization` header of a signed request, in either of WeChat Pay's two schemes:
//! `WECHATPAY2-SHA256-RSA2048 mchid="…",…` (a service provider or merchant) and
//! `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…",…` (a brand calling for itself, the
//! product-coupon family's brand-direct mode). The signed message is the same in both.

use std::fmt;

/// The merchant scheme: `WECHATPAY2-SHA256-RSA2048` (also the type of every answer's and
/// callback's signature).
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The brand-direct scheme of the product-coupon family.
pub const BRAND_SCHEME: &str = "WECHATPAY-BRAND-SHA256-RSA2048";

/// Who signed: the id in the header and, with it, the scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Principal {
    /// `WECHATPAY2-SHA256-RSA2048 mchid="…"`: a merchant or service provider.
    Merchant(String),
    /// `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…"`: a brand (品牌直连).
    Brand(String),
}

impl Principal {
    /// The mchid or brand_id.
    pub fn id(&self) -> &str {
        match self {
            Principal::Merchant(id) | Principal::Brand(id) => id,
        }
    }

    /// The scheme token that starts the header.
    pub fn scheme(&self) -> &'static str {
        match self {
            Principal::Merchant(_) => SCHEME,
            Principal::Brand(_) => BRAND_SCHEME,
        }
    }

    /// `mchid` or `brand_id`: the header field that carries the id.
    pub fn field(&self) -> &'static str {
        match self {
            Principal::Merchant(_) => "mchid",
            Principal::Brand(_) => "brand_id",
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field(), self.id())
    }
}

/// The five fields of an `Authorization` header.
///
/// [`Display`](fmt::Display) writes the header value (merchant fields in the order of
/// WeChat Pay's APIv3 guide, brand fields in the order of Tencent's brand samples);
/// [`Authorization::parse`] reads one back, in any field order.
///
/// ```
/// use wxpay_signing::{Authorization, Principal};
/// let header = r#"WECHATPAY2-SHA256-RSA2048 serial_no="5157F09E",timestamp="1764381600",mchid="1900000001",nonce_str="abc",signature="c2ln""#;
/// let auth = Authorization::parse(header)?;
/// assert_eq!(auth.principal, Principal::Merchant("1900000001".into()));
/// assert_eq!(auth.timestamp_secs(), Some(1764381600));
/// assert_eq!(Authorization::parse(&auth.to_string())?, auth);
/// let brand = Authorization::parse(r#"WECHATPAY-BRAND-SHA256-RSA2048 brand_id="120344",nonce_str="abc",timestamp="1764381600",serial_no="5157F09E",signature="c2ln""#)?;
/// assert_eq!(brand.principal, Principal::Brand("120344".into()));
/// # Ok::<(), wxpay_signing::AuthorizationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The merchant (service provider) or brand, and so the scheme.
    pub principal: Principal,
    /// The request nonce.
    pub nonce_str: String,
    /// Base64 of the RSA signature.
    pub signature: String,
    /// Unix seconds, as sent.
    pub timestamp: String,
    /// Serial number of the API certificate whose key signed.
    pub serial_no: String,
}

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The header starts with neither scheme.
    #[error("Authorization must start with `{SCHEME} ` (or `{BRAND_SCHEME} ` for a brand)")]
    Scheme,
    /// A part between commas is not `key="value"`.
    #[error("Authorization part {part:?} is not key=\"value\"")]
    Malformed {
        /// The offending part (at most 64 characters of it).
        part: String,
    },
    /// A required field is absent or empty.
    #[error("Authorization lacks {0}")]
    Missing(&'static str),
    /// A field appears twice.
    #[error("Authorization has {0} twice")]
    Duplicate(&'static str),
    /// The timestamp is not a number of seconds.
    #[error("Authorization timestamp {0:?} is not Unix seconds")]
    Timestamp(String),
    /// The nonce has characters WeChat Pay does not allow.
    #[error("Authorization nonce_str must be printable ASCII without '\"' or ','")]
    Nonce,
}

/// The characters a field value may hold, for messages.
pub const VALUE_CHARS: &str = "printable ASCII (! to ~) except '\"' and ','";

/// Whether `value` can stand in an `Authorization` field as it is: non-empty printable ASCII
/// without spaces, `"` or `,` (the rule of every field, the nonce's included). Anything else
/// would break the header or smuggle a field into it, so [`Signer`](crate::Signer) refuses to
/// sign with such a `mchid`, `brand_id` or `serial_no`.
///
/// ```
/// use wxpay_signing::authorization::is_valid_value;
/// assert!(is_valid_value("5157F09EFDC096DE15EBE81A47057A7232F1B8E1"));
/// assert!(!is_valid_value("1900000001\",x=\"y"));
/// assert!(!is_valid_value("19000\n00001"));
/// assert!(!is_valid_value(""));
/// ```
pub fn is_valid_value(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b',')
}

/// The id field first (`mchid` or `brand_id`), then the four shared ones.
const FIELDS: [&str; 5] = ["", "nonce_str", "signature", "timestamp", "serial_no"];

impl Authorization {
    /// Parses a header value. Fields may come in any order, with optional spaces around
    /// commas; values are normally quoted, and unknown fields are ignored so that WeChat Pay
    /// can add some.
    pub fn parse(header: &str) -> Result<Self, AuthorizationError> {
        let header = header.trim();
        let (id_field, rest) = [("mchid", SCHEME), ("brand_id", BRAND_SCHEME)]
            .into_iter()
            .find_map(|(field, scheme)| {
                let rest = header.strip_prefix(scheme)?;
                rest.starts_with(' ').then_some((field, rest))
            })
            .ok_or(AuthorizationError::Scheme)?;
        let mut fields = FIELDS;
        fields[0] = id_field;
        let mut values: [Option<&str>; 5] = [None; 5];
        for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) =
                part.split_once('=')
                    .ok_or_else(|| AuthorizationError::Malformed {
                        part: part.chars().take(64).collect(),
                    })?;
            let value = value.trim();
            let value = match value.strip_prefix('"') {
                Some(inner) => {
                    inner
                        .strip_suffix('"')
                        .ok_or_else(|| AuthorizationError::Malformed {
                            part: part.chars().take(64).collect(),
                        })?
                }
                None => value,
            };
            if let Some(i) = fields.iter().position(|f| *f == key.trim())
                && values[i].replace(value).is_some()
            {
                return Err(AuthorizationError::Duplicate(fields[i]));
            }
        }
        let mut take = |i: usize| match values[i].take() {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(AuthorizationError::Missing(fields[i])),
        };
        let id = take(0)?;
        let auth = Self {
            principal: if id_field == "mchid" {
                Principal::Merchant(id)
            } else {
                Principal::Brand(id)
            },
            nonce_str: take(1)?,
            signature: take(2)?,
            timestamp: take(3)?,
            serial_no: take(4)?,
        };
        if auth.timestamp_secs().is_none() {
            return Err(AuthorizationError::Timestamp(auth.timestamp));
        }
        if !is_valid_value(&auth.nonce_str) {
            return Err(AuthorizationError::Nonce);
        }
        Ok(auth)
    }

    /// The timestamp as Unix seconds, if it is all digits (at most 12 of them).
    pub fn timestamp_secs(&self) -> Option<i64> {
        parse_timestamp(&self.timestamp)
    }
}

/// Unix seconds written as 1–12 ASCII digits (no sign, no spaces), as WeChat Pay sends them.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (nonce, signature, timestamp, serial) = (
            &self.nonce_str,
            &self.signature,
            &self.timestamp,
            &self.serial_no,
        );
        match &self.principal {
            Principal::Merchant(mchid) => write!(
                f,
                "{SCHEME} mchid=\"{mchid}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial}\""
            ),
            Principal::Brand(brand_id) => write!(
                f,
                "{BRAND_SCHEME} brand_id=\"{brand_id}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{serial}\",signature=\"{signature}\""
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="s",timestamp="1",serial_no="x""#;

    #[test]
    fn reports_what_is_wrong() {
        assert_eq!(
            Authorization::parse("Bearer x"),
            Err(AuthorizationError::Scheme)
        );
        assert_eq!(
            Authorization::parse("WECHATPAY2-SHA256-RSA2048mchid=\"1\""),
            Err(AuthorizationError::Scheme)
        );
        assert_eq!(
            Authorization::parse(&OK.replace(",serial_no=\"x\"", "")),
            Err(AuthorizationError::Missing("serial_no"))
        );
        assert_eq!(
            Authorization::parse(&OK.replace("mchid=\"1\"", "mchid=\"\"")),
            Err(AuthorizationError::Missing("mchid"))
        );
        assert_eq!(
            Authorization::parse(&format!("{OK},mchid=\"2\"")),
            Err(AuthorizationError::Duplicate("mchid"))
        );
        assert_eq!(
            Authorization::parse(&OK.replace("timestamp=\"1\"", "timestamp=\"-1\"")),
            Err(AuthorizationError::Timestamp("-1".into()))
        );
        assert!(matches!(
            Authorization::parse(&OK.replace("mchid=\"1\"", "mchid")),
            Err(AuthorizationError::Malformed { .. })
        ));
        assert!(matches!(
            Authorization::parse(&OK.replace("mchid=\"1\"", "mchid=\"1")),
            Err(AuthorizationError::Malformed { .. })
        ));
    }

    #[test]
    fn brand_scheme_wants_brand_id() {
        let brand = OK
            .replace(SCHEME, BRAND_SCHEME)
            .replace("mchid=", "brand_id=");
        let auth = Authorization::parse(&brand).expect("brand");
        assert_eq!(auth.principal, Principal::Brand("1".into()));
        assert_eq!(Authorization::parse(&auth.to_string()), Ok(auth));
        // Each scheme names its own id field.
        assert_eq!(
            Authorization::parse(&OK.replace(SCHEME, BRAND_SCHEME)),
            Err(AuthorizationError::Missing("brand_id"))
        );
        assert_eq!(
            Authorization::parse(&brand.replace(BRAND_SCHEME, SCHEME)),
            Err(AuthorizationError::Missing("mchid"))
        );
    }

    #[test]
    fn tolerates_spaces_unquoted_values_and_unknown_fields() {
        let header = r#"  WECHATPAY2-SHA256-RSA2048  serial_no = "x" , extra="y", timestamp=1,mchid="1",nonce_str="n",signature="s"  "#;
        let auth = Authorization::parse(header);
        assert_eq!(auth, Authorization::parse(OK));
    }
}
