//! [`CallOptions`]: what one call may change — its per-attempt timeout, extra headers.

use std::time::Duration;

use http::HeaderMap;
use http::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderName, HeaderValue,
    TRANSFER_ENCODING,
};

use crate::error::TransportError;

/// Options of one call: a timeout per attempt instead of the transport's, and headers added
/// to every attempt (a trace id, a tenant tag for your proxy…). Headers the SDK signs or sets
/// itself (`Authorization`, `Wechatpay-Serial`, `Accept`, `Content-Type`, `Content-Length`,
/// `Host`, `Transfer-Encoding`) are refused when the call is made.
///
/// ```
/// use std::time::Duration;
/// use wxpay_transport::CallOptions;
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(2))
///     .header(http::HeaderName::from_static("x-trace-id"), http::HeaderValue::from_static("t-1"));
/// assert_eq!(options.get_timeout(), Some(Duration::from_secs(2)));
/// assert_eq!(options.headers()["x-trace-id"], "t-1");
/// ```
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    timeout: Option<Duration>,
    headers: HeaderMap,
}

/// Headers a call may not set: signed, or the transport's own.
const RESERVED: [HeaderName; 7] = [
    AUTHORIZATION,
    ACCEPT,
    CONTENT_TYPE,
    CONTENT_LENGTH,
    HOST,
    TRANSFER_ENCODING,
    HeaderName::from_static("wechatpay-serial"),
];

impl CallOptions {
    /// No changes: the transport's timeout, no extra header.
    pub fn new() -> Self {
        Self::default()
    }

    /// Timeout of each attempt of this call (connect, send, whole answer), instead of the
    /// transport's `timeout_ms`. Retries and their 60 s bound are unchanged.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Adds a header to every attempt (a second value of the same name is appended).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The timeout set, if any.
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The headers added.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Refuses a zero timeout and headers the SDK owns.
    pub(crate) fn check(&self) -> Result<(), TransportError> {
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err(TransportError::Request(
                "CallOptions::timeout must be more than 0".into(),
            ));
        }
        if let Some(name) = self.headers.keys().find(|name| RESERVED.contains(name)) {
            return Err(TransportError::Request(format!(
                "CallOptions::header {name}: set by the SDK (signed, or fixed by the protocol); \
                 remove it"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_headers_and_a_zero_timeout_are_refused() {
        let serial = CallOptions::new().header(
            HeaderName::from_static("wechatpay-serial"),
            HeaderValue::from_static("X"),
        );
        let e = serial.check().unwrap_err().to_string();
        assert!(
            e.contains("wechatpay-serial") && e.contains("set by the SDK"),
            "{e}"
        );
        let zero = CallOptions::new().timeout(Duration::ZERO);
        assert!(
            zero.check()
                .unwrap_err()
                .to_string()
                .contains("more than 0")
        );
        let fine = CallOptions::new().header(
            HeaderName::from_static("x-trace-id"),
            HeaderValue::from_static("1"),
        );
        assert!(fine.check().is_ok());
    }
}
