//! [`CouponError`]: every way a call can fail, typed.

use wxpay_models::{BizCode, ErrorCode, ErrorDetail, ValidationError};
use wxpay_signing::VerifyError;
use wxpay_transport::{ConfigError, TransportError};

/// An error answer from WeChat Pay (a row of the endpoint's error table).
///
/// [`biz_code`](Self::biz_code) tells apart errors that share a status and `code`:
///
/// ```
/// use wxpay_coupons::ApiError;
/// use wxpay_models::{BizCode, ErrorCode};
/// let e = ApiError { status: 400, code: ErrorCode::InvalidRequest, message: "expired".into(), detail: None, request_id: Some("08F7A1B2C3D4E5F6-268578776".into()), attempts: 1 };
/// assert_eq!(e.biz_code(), Some(BizCode::CouponExpired));
/// let source: &(dyn std::error::Error + Send + Sync) = &e;
/// assert!(source.to_string().contains("INVALID_REQUEST"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The error code, e.g. [`ErrorCode::NotEnough`].
    pub code: ErrorCode,
    /// WeChat Pay's message.
    pub message: String,
    /// Details (the offending field for PARAM_ERROR).
    pub detail: Option<ErrorDetail>,
    /// `Request-ID`, to quote to WeChat Pay support.
    pub request_id: Option<String>,
    /// Attempts made (more than 1 when 429 / SYSTEM_ERROR were retried).
    pub attempts: u32,
}

impl ApiError {
    /// The numeric business code that ends the Request-ID (docs/contracts.md §2), typed:
    /// a documented [`BizCode`], or `BizCode::Unknown(n)`. `None` when the Request-ID is
    /// missing or carries no code.
    pub fn biz_code(&self) -> Option<BizCode> {
        self.request_id
            .as_deref()
            .and_then(BizCode::from_request_id)
    }
}

impl std::error::Error for ApiError {}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WeChat Pay answered {} {}: {}",
            self.status, self.code, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (Request-ID {id})")?;
        }
        Ok(())
    }
}

/// Why a call did not return its entity.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CouponError {
    /// The request breaks a documented rule; nothing was sent.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// WeChat Pay answered with an error.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// Every attempt's answer failed signature verification: a `WECHATPAY/SIGNTEST/` probe
    /// ([`VerifyError::SignTestProbe`]) or a bad signature. Never treated as success: the
    /// coupon may exist; resending the same request returns it once answers verify again.
    #[error("answer (HTTP {status}, Request-ID {}) not verified: {kind}", request_id.as_deref().unwrap_or("none"))]
    Unverified {
        /// Why.
        kind: VerifyError,
        /// The HTTP status of the last answer.
        status: u16,
        /// Its Request-ID.
        request_id: Option<String>,
    },
    /// No answer: connection, timeout, lost answer.
    #[error(transparent)]
    Transport(TransportError),
    /// A verified 2xx answer that is not the expected JSON.
    #[error("answer (Request-ID {}) is not a valid {what}: {message}", request_id.as_deref().unwrap_or("none"))]
    Decode {
        /// The type expected.
        what: &'static str,
        /// The decoder's message.
        message: String,
        /// Its Request-ID.
        request_id: Option<String>,
    },
    /// The client could not be configured.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl From<TransportError> for CouponError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Unverified {
                kind,
                status,
                request_id,
            } => CouponError::Unverified {
                kind,
                status,
                request_id,
            },
            other => CouponError::Transport(other),
        }
    }
}

impl CouponError {
    /// Whether sending the same request again (same body, same request number) may succeed:
    /// SYSTEM_ERROR, RATELIMIT_EXCEEDED, no answer, an unverifiable answer. Validation and
    /// business errors are not.
    ///
    /// ```
    /// use wxpay_coupons::{ApiError, CouponError};
    /// use wxpay_models::ErrorCode;
    /// let e = CouponError::Api(Box::new(ApiError { status: 403, code: ErrorCode::NotEnough, message: "budget".into(), detail: None, request_id: None, attempts: 1 }));
    /// assert!(!e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            CouponError::Api(e) => e.code.is_retryable(),
            CouponError::Transport(e) => e.is_retryable(),
            CouponError::Unverified { .. } => true,
            _ => false,
        }
    }

    /// The Request-ID of the answer this error is about, if there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            CouponError::Api(e) => e.request_id.as_deref(),
            CouponError::Unverified { request_id, .. } | CouponError::Decode { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The business code ending the Request-ID, for [`CouponError::Api`]
    /// ([`ApiError::biz_code`]).
    pub fn biz_code(&self) -> Option<BizCode> {
        match self {
            CouponError::Api(e) => e.biz_code(),
            _ => None,
        }
    }

    /// The API error code, for [`CouponError::Api`].
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            CouponError::Api(e) => Some(&e.code),
            _ => None,
        }
    }

    /// Whether the answers were WeChat Pay's deliberate signature probes.
    pub fn is_sign_probe(&self) -> bool {
        matches!(
            self,
            CouponError::Unverified {
                kind: VerifyError::SignTestProbe,
                ..
            }
        )
    }
}
