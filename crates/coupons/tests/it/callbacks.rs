//! `CallbackService`: what WeChat Pay is answered for every kind of callback, genuine or not,
//! and that a callback is acted on once however often it comes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use wxpay_coupons::notify::{CallbackDedup, DedupError, DedupFuture};
use wxpay_coupons::{CallbackHandler, CallbackOutcome, CallbackService, CouponEvent};
use wxpay_signing::{ApiV3Key, KeyStore, Verifier};
use wxpay_testkit::callbacks::{apiv3_key, sent_body, sent_callback, sent_event, signed_request};

fn handler() -> CallbackHandler {
    CallbackHandler::new(wxpay_testkit::platform_verifier(), apiv3_key())
}

/// A service counting the SEND events it acts on.
fn counting() -> (CallbackService, Arc<AtomicUsize>) {
    let acted = Arc::new(AtomicUsize::new(0));
    let count = acted.clone();
    let service = CallbackService::new(handler(), move |callback: wxpay_coupons::Callback| {
        let count = count.clone();
        async move {
            assert!(matches!(callback.event, CouponEvent::Sent(_)));
            count.fetch_add(1, Ordering::SeqCst);
            Ok::<(), std::convert::Infallible>(())
        }
    });
    (service, acted)
}

struct Answered {
    status: u16,
    outcome: Option<CallbackOutcome>,
    body: Bytes,
}

impl Answered {
    fn message(&self) -> String {
        let json: Value = serde_json::from_slice(&self.body).unwrap();
        assert_eq!(json["code"], "FAIL", "{json}");
        json["message"].as_str().unwrap().to_owned()
    }
}

async fn send(service: &CallbackService, request: http::Request<Full<Bytes>>) -> Answered {
    let response = service.respond(request).await;
    let status = response.status().as_u16();
    let outcome = response.extensions().get::<CallbackOutcome>().copied();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answered {
        status,
        outcome,
        body,
    }
}

/// `request` with one header replaced.
fn with_header(
    mut request: http::Request<Full<Bytes>>,
    name: &'static str,
    value: &str,
) -> http::Request<Full<Bytes>> {
    request
        .headers_mut()
        .insert(name, http::HeaderValue::from_str(value).unwrap());
    request
}

#[tokio::test]
async fn a_callback_is_acted_on_once_and_every_redelivery_answered_200() {
    let (service, acted) = counting();
    for _ in 0..3 {
        let answer = send(&service, sent_callback("EV-once", "C1")).await;
        assert_eq!(answer.status, 200);
        assert!(answer.body.is_empty(), "success has an empty body");
    }
    assert_eq!(acted.load(Ordering::SeqCst), 1);
    let answer = send(&service, sent_callback("EV-other", "C2")).await;
    assert_eq!(answer.outcome, Some(CallbackOutcome::Handled));
    assert_eq!(acted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn forged_stale_unknown_undecryptable_and_malformed_callbacks_are_refused() {
    let (service, acted) = counting();
    let genuine = || sent_callback("EV-bad", "C1");
    let mut tampered = genuine();
    *tampered.body_mut() = Full::new(Bytes::from(
        String::from_utf8(sent_body(&apiv3_key(), "EV-bad", &sent_event("C1")))
            .unwrap()
            .replace("EV-bad", "EV-bax"),
    ));
    let stale_ts = (time_now() - 301).to_string();
    let wrong_key = ApiV3Key::new("ffffffffffffffffffffffffffffffff").unwrap();
    let cases = [
        (tampered, 401, "signature does not match"),
        (
            with_header(genuine(), "Wechatpay-Signature", "WECHATPAY/SIGNTEST/abc"),
            401,
            "signature probe",
        ),
        (
            with_header(genuine(), "Wechatpay-Timestamp", &stale_ts),
            401,
            "stale or replayed",
        ),
        (
            with_header(genuine(), "Wechatpay-Serial", "PUB_KEY_ID_UNKNOWN"),
            401,
            "unknown Wechatpay-Serial",
        ),
        (
            signed_request(sent_body(&wrong_key, "EV-key", &sent_event("C1"))),
            400,
            "wrong APIv3 key",
        ),
        (
            signed_request(b"{\"id\": 1}".to_vec()),
            400,
            "not a WeChat Pay notification",
        ),
    ];
    for (request, status, needle) in cases {
        let answer = send(&service, request).await;
        assert_eq!(answer.status, status, "{needle}");
        assert_eq!(answer.outcome, Some(CallbackOutcome::Refused));
        assert!(answer.message().contains(needle), "{}", answer.message());
    }
    let get = http::Request::get("/notify")
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(send(&service, get).await.status, 405);
    assert_eq!(
        acted.load(Ordering::SeqCst),
        0,
        "nothing refused is acted on"
    );
    // The genuine one still goes through afterwards.
    assert_eq!(send(&service, genuine()).await.status, 200);
    assert_eq!(acted.load(Ordering::SeqCst), 1);
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn a_huge_body_is_refused_without_being_read_whole() {
    let (service, _) = counting();
    let service = service.max_body_bytes(4096);
    let huge = signed_request(vec![b' '; 1 << 20]);
    let answer = send(&service, huge).await;
    assert_eq!(answer.status, 413);
    assert!(answer.message().contains("over 4096 bytes"));
    // Without a Content-Length (chunked), the limit stops the reading.
    let stream = futures_util::stream::iter((0..64).map(|_| {
        Ok::<_, std::convert::Infallible>(http_body::Frame::data(Bytes::from(vec![b' '; 1024])))
    }));
    let chunked = http::Request::post("/notify")
        .body(http_body_util::StreamBody::new(stream))
        .unwrap();
    let response = service.respond(chunked).await;
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn a_failing_handler_has_the_callback_redelivered_and_handled_then() {
    let tries = Arc::new(AtomicUsize::new(0));
    let count = tries.clone();
    let service = CallbackService::new(handler(), move |_| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err("confirm failed: WeChat Pay busy")
            } else {
                Ok(())
            }
        }
    });
    let first = send(&service, sent_callback("EV-retry", "C1")).await;
    assert_eq!(first.status, 500);
    assert_eq!(first.outcome, Some(CallbackOutcome::Failed));
    assert!(first.message().contains("WeChat Pay busy"));
    assert_eq!(
        send(&service, sent_callback("EV-retry", "C1")).await.status,
        200
    );
    assert_eq!(
        send(&service, sent_callback("EV-retry", "C1")).await.status,
        200
    );
    assert_eq!(
        tries.load(Ordering::SeqCst),
        2,
        "failed once, handled once, then skipped"
    );
}

#[tokio::test]
async fn a_redelivery_while_the_first_is_handled_is_answered_busy() {
    let (release, wait) = tokio::sync::oneshot::channel::<()>();
    let wait = Arc::new(tokio::sync::Mutex::new(Some(wait)));
    let service = CallbackService::new(handler(), move |_| {
        let wait = wait.clone();
        async move {
            if let Some(wait) = wait.lock().await.take() {
                let _ = wait.await;
            }
            Ok::<(), std::convert::Infallible>(())
        }
    });
    let first = tokio::spawn({
        let service = service.clone();
        async move { send(&service, sent_callback("EV-busy", "C1")).await.status }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = send(&service, sent_callback("EV-busy", "C1")).await;
    assert_eq!(second.status, 503);
    assert_eq!(second.outcome, Some(CallbackOutcome::Busy));
    release.send(()).unwrap();
    assert_eq!(first.await.unwrap(), 200);
    let third = send(&service, sent_callback("EV-busy", "C1")).await;
    assert_eq!(third.outcome, Some(CallbackOutcome::Duplicate));
}

/// A store that is down.
struct Down;

impl CallbackDedup for Down {
    fn seen<'a>(&'a self, _id: &'a str) -> DedupFuture<'a, bool> {
        Box::pin(async { Err(DedupError::new("database unreachable", None)) })
    }
    fn record<'a>(&'a self, _id: &'a str) -> DedupFuture<'a, ()> {
        Box::pin(async { Err(DedupError::new("database unreachable", None)) })
    }
}

#[tokio::test]
async fn a_store_that_is_down_has_the_callback_redelivered_unacted() {
    let (service, acted) = counting();
    let service = service.dedup(Down);
    let answer = send(&service, sent_callback("EV-down", "C1")).await;
    assert_eq!(answer.status, 500);
    assert!(answer.message().contains("database unreachable"));
    assert_eq!(acted.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_key_store_without_the_platform_key_refuses_everything() {
    let service = CallbackService::new(
        CallbackHandler::new(Verifier::new(KeyStore::new()), apiv3_key()),
        |_| async { Ok::<(), std::convert::Infallible>(()) },
    );
    let answer = send(&service, sent_callback("EV-nokey", "C1")).await;
    assert_eq!(answer.status, 401);
    assert!(answer.message().contains("unknown Wechatpay-Serial"));
}

mod axum_extractor {
    use axum::Router;
    use axum::extract::FromRef;
    use axum::http::StatusCode;
    use tower::ServiceExt as _;
    use wxpay_coupons::axum::{CallbackRejection, VerifiedCallback};

    use super::*;

    #[derive(Clone)]
    struct App {
        callbacks: CallbackHandler,
    }

    impl FromRef<App> for CallbackHandler {
        fn from_ref(app: &App) -> Self {
            app.callbacks.clone()
        }
    }

    async fn notify(
        VerifiedCallback(callback): VerifiedCallback,
    ) -> Result<StatusCode, CallbackRejection> {
        match callback.event {
            CouponEvent::Sent(sent) if sent.coupon_code == "C-fail" => {
                Err(CallbackRejection::retry_later("not now"))
            }
            CouponEvent::Sent(_) => Ok(StatusCode::OK),
            _ => Err(CallbackRejection::new(
                StatusCode::BAD_REQUEST,
                "unexpected",
            )),
        }
    }

    async fn call(app: &Router, request: http::Request<Full<Bytes>>) -> (u16, Bytes) {
        let request = request.map(axum::body::Body::new);
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.into_body().collect().await.unwrap().to_bytes(),
        )
    }

    #[tokio::test]
    async fn the_extractor_verifies_the_raw_body_and_rejects_with_fail() {
        let app = Router::new()
            .route("/notify", axum::routing::post(notify))
            .with_state(App {
                callbacks: handler(),
            });
        let (status, body) = call(&app, sent_callback("EV-ax", "C1")).await;
        assert_eq!((status, body.len()), (200, 0));
        let (status, body) = call(&app, sent_callback("EV-ax2", "C-fail")).await;
        assert_eq!(status, 500);
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            serde_json::json!({"code": "FAIL", "message": "not now"})
        );
        let probe = with_header(
            sent_callback("EV-ax3", "C1"),
            "Wechatpay-Signature",
            "WECHATPAY/SIGNTEST/x",
        );
        let (status, body) = call(&app, probe).await;
        assert_eq!(status, 401);
        assert!(String::from_utf8_lossy(&body).contains("signature probe"));
        let (status, _) = call(&app, signed_request(vec![b' '; 2 << 20])).await;
        assert_eq!(status, 413);
    }

    #[tokio::test]
    async fn the_service_mounts_with_route_service() {
        let (service, acted) = counting();
        let app = Router::new().route_service("/notify", service);
        for _ in 0..2 {
            let (status, body) = call(&app, sent_callback("EV-rs", "C1")).await;
            assert_eq!((status, body.len()), (200, 0));
        }
        assert_eq!(acted.load(Ordering::SeqCst), 1);
    }
}
