//! The crate's errors: [`TransportError`] (what can go wrong below the API: connecting, timing
//! out, losing an answer, an answer that does not verify), [`CertificateError`] (a platform
//! certificate download that gave nothing usable; each of the two can hold the other) and
//! [`ConfigError`] (a client configuration that cannot be used).

use std::time::Duration;

use wxpay_signing::{AeadError, KeyError, SignError, VerifyError};

/// The path of the platform certificate download, in partner and brand-direct mode alike.
pub const CERTIFICATES_PATH: &str = "/v3/certificates";

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
    Certificates(Box<CertificateError>),
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
                CertificateError::Transport(e) => e.is_retryable(),
                CertificateError::Api { status, .. } => *status == 429 || *status >= 500,
                _ => false,
            },
            _ => false,
        }
    }
}

/// Why a certificate download gave no usable certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// No answer at all (connection, timeout, …).
    #[error("GET {CERTIFICATES_PATH}: {0}")]
    Transport(TransportError),
    /// WeChat Pay answered an error (401 SIGN_ERROR: the request's signature or serial;
    /// 404: no platform certificate for this merchant, which then uses public-key mode).
    #[error("GET {CERTIFICATES_PATH} answered HTTP {status} {code}: {message} (Request-ID {})", request_id.as_deref().unwrap_or("none"))]
    Api {
        /// HTTP status.
        status: u16,
        /// The error code.
        code: String,
        /// WeChat Pay's message.
        message: String,
        /// Its Request-ID.
        request_id: Option<String>,
    },
    /// The answer is not the documented JSON, or a certificate in it is not what it claims.
    #[error("GET {CERTIFICATES_PATH}: not a valid certificate list: {0}")]
    BadAnswer(String),
    /// A certificate did not decrypt: the APIv3 key is not the merchant's, or the answer was
    /// altered.
    #[error(
        "certificate {serial_no} does not decrypt with the configured APIv3 key ({source}): check apiv3_key_file against the APIv3 key set in the merchant platform"
    )]
    Decrypt {
        /// The serial the answer gave it.
        serial_no: String,
        /// What the AEAD said.
        source: AeadError,
    },
    /// The answer's signature did not verify, with a trusted key or a downloaded certificate.
    #[error("GET {CERTIFICATES_PATH}: answer signature not verified: {0}")]
    Unverified(VerifyError),
    /// Every certificate in the answer is expired or not yet valid.
    #[error("GET {CERTIFICATES_PATH}: no certificate is valid now: {0}")]
    NoneValid(String),
}

/// A configuration that cannot be used, with what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML, a wrong type, or an unknown key.
    #[error("config{}: {message}", path.as_deref().map(|p| format!(" {p}")).unwrap_or_default())]
    Toml {
        /// The file, when read from one.
        path: Option<String>,
        /// The parser's message (it names the key and line).
        message: String,
    },
    /// A value breaks a rule.
    #[error("config: {key}: {problem}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong and what to do.
        problem: String,
    },
    /// A key file could not be loaded.
    #[error("config: {key}: {source}")]
    Key {
        /// The config key naming the file.
        key: &'static str,
        /// Why.
        source: KeyError,
    },
}
