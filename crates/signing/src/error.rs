//! [`SignError`]: why a message could not be signed — by a [`Signer`](crate::Signer), a
//! [`RequestSigner`](crate::RequestSigner), a key or the nonce source.

use crate::authorization::VALUE_CHARS;

/// Why a message could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The operating system's random source failed (needed for nonces and RSA blinding).
    #[error("system random source unavailable")]
    Random,
    /// An explicit nonce breaks the rules of [`nonce::is_valid`](crate::nonce_is_valid).
    #[error("nonce {0:?} must be non-empty printable ASCII without '\"' or ','")]
    Nonce(String),
    /// The method is not an upper-case HTTP method token.
    #[error("HTTP method {0:?} must be upper-case letters, e.g. POST")]
    Method(String),
    /// The URL is not a path (plus optional query) starting with `/`.
    #[error("URL {0:?} must be the path and query as sent, starting with '/'")]
    Url(String),
    /// A [`RequestSigner`](crate::RequestSigner) outside this process (a KMS, an HSM, a
    /// signing service) failed or gave no signature.
    #[error("the request signer failed: {0}")]
    Signer(String),
    /// The signer's `mchid`, `brand_id` or `serial_no` cannot go into the header as it is.
    #[error(
        "{field} {value:?} cannot go into the Authorization header: it may only hold {VALUE_CHARS}"
    )]
    Field {
        /// `mchid`, `brand_id` or `serial_no`.
        field: &'static str,
        /// The value.
        value: String,
    },
}
