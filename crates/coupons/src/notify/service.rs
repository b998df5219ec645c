//! [`CallbackService`]: a notify URL as a tower `Service`, for axum (`route_service`), hyper
//! (`service_fn` around it, or `hyper_util::service::TowerToHyperService`) and any tower stack.

use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use parking_lot::Mutex;

use super::dedup::{CallbackDedup, MemoryDedup};
use super::{Callback, CallbackError, CallbackHandler};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type OnEvent = dyn Fn(Callback) -> BoxFuture<Result<(), BoxError>> + Send + Sync;

/// Largest callback body read by default (a real one is 1–2 KB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// Counter of callbacks received, by `event_type` (empty when refused before decryption) and
/// `outcome` ([`CallbackOutcome::as_str`]). docs/contracts.md §9.
pub const CALLBACKS_TOTAL: &str = "wxpay_callbacks_total";

/// What became of one callback; also put in the answer's extensions, for layers and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackOutcome {
    /// Verified, decrypted, handled: 200.
    Handled,
    /// Handled before (same id): 200, the handler not run again.
    Duplicate,
    /// The same id is being handled by another delivery right now: 503, WeChat Pay retries.
    Busy,
    /// Not a genuine, readable callback: 4xx (signature, body, decryption, shape; `405` for
    /// another method, `413` for a body over the limit).
    Refused,
    /// Genuine, but the handler or the de-duplication store failed: 500, WeChat Pay retries.
    Failed,
}

impl CallbackOutcome {
    /// The `outcome` label: `handled`, `duplicate`, `busy`, `refused`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackOutcome::Handled => "handled",
            CallbackOutcome::Duplicate => "duplicate",
            CallbackOutcome::Busy => "busy",
            CallbackOutcome::Refused => "refused",
            CallbackOutcome::Failed => "failed",
        }
    }
}

/// The notify URL as a tower `Service`: reads the raw body (at most
/// [`max_body_bytes`](Self::max_body_bytes), within [`body_timeout`](Self::body_timeout)),
/// verifies, decrypts and types it ([`CallbackHandler`]), skips a callback id already handled
/// ([`CallbackDedup`], in memory by default), runs your handler, and answers as WeChat Pay
/// expects: 200 with an empty body when handled (or already handled), else a 4xx/5xx with
/// `{"code":"FAIL","message":"…"}`, so that WeChat Pay delivers it again.
///
/// The handler runs before the answer: keep it within WeChat Pay's 5 s, or hand the work to a
/// queue of yours. It returns `Err` to have the callback redelivered (and handled again);
/// after `Ok` the id is recorded, so redeliveries are answered 200 without running it. A
/// process that stops between the two handles that callback again: make the handler's
/// effect idempotent (a confirm with an `out_request_no` derived from the coupon is).
///
/// ```
/// use wxpay_coupons::notify::{CallbackHandler, CallbackService, MemoryDedup};
/// use wxpay_coupons::CouponEvent;
/// # let platform = wxpay_signing::PrivateKey::from_pem(wxpay_mock::dev_keys::PLATFORM_KEY.as_bytes())?;
/// # let keys = wxpay_signing::KeyStore::new().with_public_key("PUB_KEY_ID_01", platform.public_key());
/// let handler = CallbackHandler::new(wxpay_signing::Verifier::new(keys), wxpay_signing::ApiV3Key::new("0123456789abcdef0123456789ABCDEF")?);
/// let service = CallbackService::new(handler, |callback: wxpay_coupons::Callback| async move {
///     if let CouponEvent::Sent(sent) = callback.event {
///         println!("coupon {} sent to {}", sent.coupon_code, sent.openid);
///     }
///     Ok::<(), std::convert::Infallible>(())
/// })
/// .dedup(MemoryDedup::with_capacity(50_000));
/// // axum: Router::new().route_service("/notify", service)
/// # let _ = service;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CallbackService {
    handler: Arc<CallbackHandler>,
    on_event: Arc<OnEvent>,
    dedup: Arc<dyn CallbackDedup>,
    in_flight: Arc<Mutex<HashSet<String>>>,
    max_body_bytes: usize,
    body_timeout: Duration,
}

impl std::fmt::Debug for CallbackService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackService")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("body_timeout", &self.body_timeout)
            .finish_non_exhaustive()
    }
}

/// An answer and what it means.
struct Answer {
    status: StatusCode,
    outcome: CallbackOutcome,
    message: Option<String>,
    event_type: String,
}

impl Answer {
    fn ok(outcome: CallbackOutcome, event_type: &str) -> Self {
        Self {
            status: StatusCode::OK,
            outcome,
            message: None,
            event_type: event_type.to_owned(),
        }
    }

    fn fail(status: StatusCode, outcome: CallbackOutcome, message: String) -> Self {
        Self {
            status,
            outcome,
            message: Some(message),
            event_type: String::new(),
        }
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        ::metrics::counter!(
            CALLBACKS_TOTAL,
            "event_type" => self.event_type,
            "outcome" => self.outcome.as_str()
        )
        .increment(1);
        let body = match &self.message {
            Some(message) => serde_json::json!({ "code": "FAIL", "message": message }).to_string(),
            None => String::new(),
        };
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = self.status;
        if self.message.is_some() {
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        response.extensions_mut().insert(self.outcome);
        response
    }
}

/// Frees a callback id's in-flight mark however its handling ends (a panic included).
struct InFlight<'a> {
    set: &'a Mutex<HashSet<String>>,
    id: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.set.lock().remove(&self.id);
    }
}

impl CallbackService {
    /// A service verifying and decrypting with `handler`, running `on_event` once per new
    /// callback; ids in a [`MemoryDedup`] of the default capacity.
    pub fn new<F, Fut, E>(handler: CallbackHandler, on_event: F) -> Self
    where
        F: Fn(Callback) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let on_event: Arc<OnEvent> = Arc::new(move |callback| {
            let running = on_event(callback);
            Box::pin(async move { running.await.map_err(Into::into) })
        });
        Self {
            handler: Arc::new(handler),
            on_event,
            dedup: Arc::new(MemoryDedup::new()),
            in_flight: Arc::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_timeout: Duration::from_secs(4),
        }
    }

    /// Where handled ids are kept (a persistent store survives restarts and is shared by
    /// replicas).
    pub fn dedup(mut self, store: impl CallbackDedup) -> Self {
        self.dedup = Arc::new(store);
        self
    }

    /// [`dedup`](Self::dedup) with a store shared with other code.
    pub fn dedup_shared(mut self, store: Arc<dyn CallbackDedup>) -> Self {
        self.dedup = store;
        self
    }

    /// Largest body read (default [`DEFAULT_MAX_BODY_BYTES`]); larger ones are answered 413.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// How long reading the body may take (default 4 s, under WeChat Pay's 5 s).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Handles one request: the whole of what the `Service` does, as a plain async call.
    pub async fn respond<B>(&self, request: http::Request<B>) -> Response<Full<Bytes>>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        self.answer(request).await.into_response()
    }

    async fn answer<B>(&self, request: http::Request<B>) -> Answer
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        if parts.method != Method::POST {
            tracing::warn!(method = %parts.method, "callback refused: WeChat Pay POSTs callbacks");
            return Answer::fail(
                StatusCode::METHOD_NOT_ALLOWED,
                CallbackOutcome::Refused,
                "callbacks are POSTed".into(),
            );
        }
        let body = match self.read(&parts.headers, body).await {
            Ok(body) => body,
            Err(answer) => return answer,
        };
        let header = |name: &'static str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let callback = match self.handler.handle(header, &body) {
            Ok(callback) => callback,
            Err(e) => {
                let status = match e {
                    CallbackError::Unverified(_) => StatusCode::UNAUTHORIZED,
                    _ => StatusCode::BAD_REQUEST,
                };
                tracing::warn!(serial = header("Wechatpay-Serial"), "callback refused: {e}");
                return Answer::fail(status, CallbackOutcome::Refused, e.to_string());
            }
        };
        self.dispatch(callback).await
    }

    /// Reads the whole body within the size and time limits.
    async fn read<B>(&self, headers: &http::HeaderMap, body: B) -> Result<Bytes, Answer>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let too_large = || {
            tracing::warn!(
                limit = self.max_body_bytes,
                "callback refused: body too large"
            );
            Answer::fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                CallbackOutcome::Refused,
                format!("body over {} bytes", self.max_body_bytes),
            )
        };
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body_bytes as u64) {
            return Err(too_large());
        }
        let reading = Limited::new(body, self.max_body_bytes).collect();
        match tokio::time::timeout(self.body_timeout, reading).await {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.is::<LengthLimitError>() => Err(too_large()),
            Ok(Err(e)) => {
                tracing::warn!("callback refused: body not received: {e}");
                Err(Answer::fail(
                    StatusCode::BAD_REQUEST,
                    CallbackOutcome::Refused,
                    format!("body not received: {e}"),
                ))
            }
            Err(_) => {
                tracing::warn!(
                    "callback refused: body not received within {:?}",
                    self.body_timeout
                );
                Err(Answer::fail(
                    StatusCode::BAD_REQUEST,
                    CallbackOutcome::Refused,
                    format!("body not received within {:?}", self.body_timeout),
                ))
            }
        }
    }

    /// De-duplicates and runs the handler.
    async fn dispatch(&self, callback: Callback) -> Answer {
        let id = callback.notification.id.clone();
        let event_type = callback.notification.event_type.clone();
        if !self.in_flight.lock().insert(id.clone()) {
            tracing::info!(%id, %event_type, "callback being handled by another delivery");
            let mut answer = Answer::fail(
                StatusCode::SERVICE_UNAVAILABLE,
                CallbackOutcome::Busy,
                format!("callback {id} is being handled by another delivery; retry later"),
            );
            answer.event_type = event_type;
            return answer;
        }
        let _in_flight = InFlight {
            set: &self.in_flight,
            id: id.clone(),
        };
        let failed = |message: String| {
            let mut answer = Answer::fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                CallbackOutcome::Failed,
                message,
            );
            answer.event_type = event_type.clone();
            answer
        };
        match self.dedup.seen(&id).await {
            Ok(true) => {
                tracing::info!(%id, %event_type, "callback already handled: answered, not acted on");
                return Answer::ok(CallbackOutcome::Duplicate, &event_type);
            }
            Ok(false) => {}
            Err(e) => {
                tracing::error!(%id, %event_type, "callback not handled: {e}");
                return failed(e.to_string());
            }
        }
        if let Err(e) = (self.on_event)(callback).await {
            tracing::error!(%id, %event_type, "callback handler failed (WeChat Pay will redeliver): {e}");
            return failed(format!("handler failed: {e}"));
        }
        match self.dedup.record(&id).await {
            Ok(()) => tracing::info!(%id, %event_type, "callback handled"),
            // Handled all the same: only a redelivery, if one comes, is handled again.
            Err(e) => tracing::error!(%id, %event_type, "callback handled but not recorded: {e}"),
        }
        Answer::ok(CallbackOutcome::Handled, &event_type)
    }
}

impl<B> tower_service::Service<http::Request<B>> for CallbackService
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<Full<Bytes>>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.respond(request).await) })
    }
}
