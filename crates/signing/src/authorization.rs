//! The `Authorization` header: `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…`.

use std::fmt;

use crate::nonce;

/// The only signature scheme WeChat Pay APIv3 uses.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The five fields of a WECHATPAY2-SHA256-RSA2048 `Authorization` header.
///
/// [`Display`](fmt::Display) writes the header value; [`Authorization::parse`] reads one back,
/// in any field order.
///
/// ```
/// use wxpay_signing::Authorization;
/// let header = r#"WECHATPAY2-SHA256-RSA2048 serial_no="5157F09E",timestamp="1764381600",mchid="1900000001",nonce_str="abc",signature="c2ln""#;
/// let auth = Authorization::parse(header)?;
/// assert_eq!(auth.mchid, "1900000001");
/// assert_eq!(auth.timestamp_secs(), Some(1764381600));
/// assert_eq!(Authorization::parse(&auth.to_string())?, auth);
/// # Ok::<(), wxpay_signing::AuthorizationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The merchant (service provider) id.
    pub mchid: String,
    /// The request nonce.
    pub nonce_str: String,
    /// Base64 of the RSA signature.
    pub signature: String,
    /// Unix seconds, as sent.
    pub timestamp: String,
    /// Serial number of the merchant API certificate whose key signed.
    pub serial_no: String,
}

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The header does not start with `WECHATPAY2-SHA256-RSA2048 `.
    #[error("Authorization must start with `{SCHEME} `")]
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

const FIELDS: [&str; 5] = ["mchid", "nonce_str", "signature", "timestamp", "serial_no"];

impl Authorization {
    /// Parses a header value. Fields may come in any order, with optional spaces around
    /// commas; values are normally quoted, and unknown fields are ignored so that WeChat Pay
    /// can add some.
    pub fn parse(header: &str) -> Result<Self, AuthorizationError> {
        let rest = header
            .trim()
            .strip_prefix(SCHEME)
            .filter(|r| r.starts_with(' '))
            .ok_or(AuthorizationError::Scheme)?;
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
            if let Some(i) = FIELDS.iter().position(|f| *f == key.trim())
                && values[i].replace(value).is_some()
            {
                return Err(AuthorizationError::Duplicate(FIELDS[i]));
            }
        }
        let mut take = |i: usize| match values[i].take() {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(AuthorizationError::Missing(FIELDS[i])),
        };
        let auth = Self {
            mchid: take(0)?,
            nonce_str: take(1)?,
            signature: take(2)?,
            timestamp: take(3)?,
            serial_no: take(4)?,
        };
        if auth.timestamp_secs().is_none() {
            return Err(AuthorizationError::Timestamp(auth.timestamp));
        }
        if !nonce::is_valid(&auth.nonce_str) {
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
        write!(
            f,
            "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",signature=\"{}\",timestamp=\"{}\",serial_no=\"{}\"",
            self.mchid, self.nonce_str, self.signature, self.timestamp, self.serial_no
        )
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
    fn tolerates_spaces_unquoted_values_and_unknown_fields() {
        let header = r#"  WECHATPAY2-SHA256-RSA2048  serial_no = "x" , extra="y", timestamp=1,mchid="1",nonce_str="n",signature="s"  "#;
        let auth = Authorization::parse(header);
        assert_eq!(auth, Authorization::parse(OK));
    }
}
