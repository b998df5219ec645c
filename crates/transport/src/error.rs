//! What can go wrong below the API: connecting, timing out, losing an answer, an answer that
//! does not verify.

use std::time::Duration;

use wxpay_signing::{SignError, VerifyError};

/// A request that produced no usable answer, after every attempt the retry policy allows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection could be made (refused, DNS, TLS handshake, proxy).
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The base URL tried last.
        url: String,
        /// The connector's error.
        message: String,
    },
    /// An attempt got no answer within the timeout.
    #[error("no answer from {url} within {after:?}")]
    Timeout {
        /// The base URL tried last.
        url: String,
        /// The per-attempt timeout.
        after: Duration,
    },
    /// The connection broke before a whole answer arrived (the request may have been
    /// processed: a retry with the same body is how to find out).
    #[error("answer from {url} lost: {message}")]
    Lost {
        /// The base URL tried last.
        url: String,
        /// What broke.
        message: String,
    },
    /// An answer arrived but its signature did not verify — on every attempt.
    #[error("answer (HTTP {status}, Request-ID {}) not verified: {kind}", request_id.as_deref().unwrap_or("none"))]
    Unverified {
        /// Why (a `WECHATPAY/SIGNTEST/` probe is [`VerifyError::SignTestProbe`]).
        kind: VerifyError,
        /// Its HTTP status.
        status: u16,
        /// Its Request-ID.
        request_id: Option<String>,
    },
    /// The request could not be signed.
    #[error("cannot sign the request: {0}")]
    Sign(#[from] SignError),
    /// The request could not be built (a path that is not a valid URI, say).
    #[error("invalid request: {0}")]
    Request(String),
    /// The answer is larger than the client accepts.
    #[error("answer over {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Certificate mode: no platform certificate is held, and downloading them failed.
    #[error("no WeChat Pay platform certificate to verify with: {0}")]
    Certificates(Box<crate::certificates::CertificateError>),
}

impl TransportError {
    /// Whether resending the same request could succeed (it always may be resent: the body,
    /// hence its request number, is the same).
    pub fn is_retryable(&self) -> bool {
        match self {
            TransportError::Connect { .. }
            | TransportError::Timeout { .. }
            | TransportError::Lost { .. }
            | TransportError::Unverified { .. } => true,
            TransportError::Certificates(e) => match &**e {
                crate::certificates::CertificateError::Transport(e) => e.is_retryable(),
                crate::certificates::CertificateError::Api { status, .. } => {
                    *status == 429 || *status >= 500
                }
                _ => false,
            },
            _ => false,
        }
    }
}
