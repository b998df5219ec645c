//! axum integration (feature `axum`). The whole notify URL is
//! [`CallbackService`](crate::notify::CallbackService), mounted with `route_service`; for a
//! handler of your own, [`VerifiedCallback`] extracts a verified, decrypted, typed callback
//! from the raw body, and [`CallbackRejection`] answers WeChat Pay with a retry.
//!
//! ```
//! use axum::{Router, extract::FromRef, http::StatusCode};
//! use wxpay_coupons::axum::{CallbackRejection, VerifiedCallback};
//! use wxpay_coupons::{CallbackHandler, CouponEvent};
//!
//! #[derive(Clone)]
//! struct App {
//!     callbacks: CallbackHandler,
//! }
//! impl FromRef<App> for CallbackHandler {
//!     fn from_ref(app: &App) -> Self {
//!         app.callbacks.clone()
//!     }
//! }
//!
//! async fn notify(VerifiedCallback(callback): VerifiedCallback) -> Result<StatusCode, CallbackRejection> {
//!     if let CouponEvent::Sent(sent) = &callback.event {
//!         // act on it (idempotently: WeChat Pay may deliver it again)
//!         let _ = &sent.coupon_code;
//!     }
//!     Ok(StatusCode::OK) // 200, empty body
//! }
//!
//! fn router(app: App) -> Router {
//!     Router::new().route("/notify", axum::routing::post(notify)).with_state(app)
//! }
//! ```

use ::axum::body::Body;
use ::axum::extract::{FromRef, FromRequest, Request};
use ::axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};

use crate::notify::{Callback, CallbackError, CallbackHandler, DEFAULT_MAX_BODY_BYTES};

/// A callback verified against the raw body, decrypted and typed; refused with
/// [`CallbackRejection`] otherwise (401 for a signature that does not verify, 413 for a body
/// over [`DEFAULT_MAX_BODY_BYTES`], 400 for the rest). The state provides the
/// [`CallbackHandler`] (`FromRef`). It does not de-duplicate: the callback's
/// `notification.id` is the key, and [`CallbackService`](crate::notify::CallbackService)
/// does it for you.
#[derive(Debug, Clone)]
pub struct VerifiedCallback(pub Callback);

impl<S> FromRequest<S> for VerifiedCallback
where
    S: Send + Sync,
    CallbackHandler: FromRef<S>,
{
    type Rejection = CallbackRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let handler = CallbackHandler::from_ref(state);
        let (parts, body) = request.into_parts();
        let body = read(body).await?;
        let header = |name: &'static str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        match handler.handle(header, &body) {
            Ok(callback) => Ok(Self(callback)),
            Err(e) => {
                tracing::warn!(serial = header("Wechatpay-Serial"), "callback refused: {e}");
                let status = match e {
                    CallbackError::Unverified(_) => StatusCode::UNAUTHORIZED,
                    _ => StatusCode::BAD_REQUEST,
                };
                Err(CallbackRejection::new(status, e.to_string()))
            }
        }
    }
}

async fn read(body: Body) -> Result<Bytes, CallbackRejection> {
    ::axum::body::to_bytes(body, DEFAULT_MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            let too_large =
                std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |e| {
                    e.source()
                })
                .any(|e| e.is::<http_body_util::LengthLimitError>());
            tracing::warn!("callback refused: body not read: {e}");
            if too_large {
                CallbackRejection::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("body over {DEFAULT_MAX_BODY_BYTES} bytes"),
                )
            } else {
                CallbackRejection::new(StatusCode::BAD_REQUEST, format!("body not received: {e}"))
            }
        })
}

/// An answer that makes WeChat Pay deliver the callback again: a 4xx/5xx with
/// `{"code":"FAIL","message":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRejection {
    status: StatusCode,
    message: String,
}

impl CallbackRejection {
    /// A refusal with this status (a 4xx or 5xx; anything else becomes 500).
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Self {
            status,
            message: message.into(),
        }
    }

    /// 500: your handler could not act now; WeChat Pay retries later.
    pub fn retry_later(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The status answered.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message answered.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for CallbackRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": "FAIL", "message": self.message }).to_string();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}
