//! A reference callback receiver (`wxpay notify serve`), built on the SDK's
//! [`CallbackService`]: verifies and decrypts each callback, de-duplicates by callback id and
//! by (stock_id, coupon_code, event_type), answers at once, appends events as JSON lines, and
//! — with auto-confirm — confirms every sent coupon exactly once, retrying on its own while
//! WeChat Pay is slow.

use std::collections::HashSet;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use wxpay_coupons::notify::{
    Callback, CallbackHandler, CallbackOutcome, CallbackService, MemoryDedup,
};
use wxpay_coupons::{ConfirmSendUserProductCouponRequest, CouponClient, CouponEvent};
use wxpay_models::{CouponSentEvent, event_type};

/// The out_request_no a receiver confirms a coupon with: derived from (stock, code), so that
/// every receiver, restart or redelivery confirms it with the same number.
pub fn auto_confirm_request_no(stock_id: &str, coupon_code: &str) -> String {
    let digest = wxpay_signing::sha256(format!("{stock_id}/{coupon_code}").as_bytes());
    let hex: String = digest
        .as_ref()
        .iter()
        .take(15)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("AC{hex}")
}

/// One line of the events file.
#[derive(Debug, Serialize)]
struct EventLine<'a> {
    kind: &'static str,
    id: &'a str,
    event_type: &'a str,
    create_time: String,
    stock_id: Option<&'a str>,
    coupon_code: Option<&'a str>,
    event: serde_json::Value,
}

/// A confirm's outcome, also written to the events file.
#[derive(Debug, Serialize)]
struct ConfirmLine<'a> {
    kind: &'static str,
    stock_id: &'a str,
    coupon_code: &'a str,
    out_request_no: &'a str,
    result: String,
}

/// Counts, for tests and the exit line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReceiverStats {
    /// Callbacks accepted (new).
    pub accepted: u64,
    /// Duplicates answered 200 without acting.
    pub duplicates: u64,
    /// Callbacks refused (signature, decryption, shape).
    pub refused: u64,
    /// Coupons confirmed.
    pub confirmed: u64,
}

/// What auto-confirm needs: a client, and optionally the AppID to confirm under.
#[derive(Debug, Clone)]
pub struct AutoConfirm {
    /// Confirms with this client (its retries apply, then the receiver's own).
    pub client: CouponClient,
    /// The AppID to confirm under; `None`: the event's own `appid` (the AppID the openid
    /// belongs to, which partner SEND events carry).
    pub appid: Option<String>,
}

/// The receiver: the SDK's [`CallbackService`] (verify, decrypt, type, de-duplicate by id,
/// answer), with this receiver's recording and confirming as its handler.
pub struct Receiver {
    service: CallbackService,
    recorder: Arc<Recorder>,
}

/// What the handler of each new callback does: de-duplicate by coupon, record, queue the
/// confirm.
struct Recorder {
    seen_events: Mutex<HashSet<(String, String, String)>>,
    events: Mutex<Option<std::fs::File>>,
    confirm: Option<mpsc::UnboundedSender<(CouponSentEvent, u32)>>,
    stats: Mutex<ReceiverStats>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("auto_confirm", &self.recorder.confirm.is_some())
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver; `events` is appended to (and read back first, so that a restarted receiver
    /// still knows what it has seen, and confirms what it accepted but had not confirmed yet);
    /// with `auto_confirm`, sent coupons are confirmed through the client, under the AppID
    /// given (callbacks do not carry it). Call within a tokio runtime (the confirm worker is
    /// spawned).
    pub fn new(
        handler: CallbackHandler,
        events: Option<&Path>,
        auto_confirm: Option<AutoConfirm>,
    ) -> std::io::Result<Arc<Self>> {
        let mut seen = Seen::default();
        let file = match events {
            Some(path) => {
                if path.exists() {
                    seen = load(path)?;
                }
                Some(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)?,
                )
            }
            None => None,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        if auto_confirm.is_some() {
            for event in seen.unconfirmed {
                let _ = tx.send((event, 0));
            }
        }
        let ids = MemoryDedup::with_capacity(MemoryDedup::DEFAULT_CAPACITY.max(2 * seen.ids.len()));
        for id in &seen.ids {
            ids.remember(id);
        }
        let recorder = Arc::new(Recorder {
            seen_events: Mutex::new(seen.events),
            events: Mutex::new(file),
            confirm: auto_confirm.is_some().then_some(tx),
            stats: Mutex::new(ReceiverStats::default()),
        });
        let on_event = recorder.clone();
        let service = CallbackService::new(handler, move |callback| {
            on_event.record(callback);
            std::future::ready(Ok::<(), std::convert::Infallible>(()))
        })
        .dedup(ids)
        .max_body_bytes(1 << 20)
        .body_timeout(Duration::from_secs(4));
        if let Some(auto) = auto_confirm {
            tokio::spawn(confirm_worker(recorder.clone(), auto, rx));
        }
        Ok(Arc::new(Self { service, recorder }))
    }

    /// Counts so far.
    pub fn stats(&self) -> ReceiverStats {
        self.recorder.stats()
    }

    /// Answers one request to the notify URL: the SDK's answer (200 with an empty body when
    /// handled, `{"code":"FAIL","message"}` otherwise), with this receiver's
    /// `{"code":"SUCCESS"}` body on success (docs/notify.md).
    pub async fn respond<B>(&self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut response = self.service.respond(request).await;
        let outcome = response.extensions().get::<CallbackOutcome>().copied();
        let success = match outcome {
            Some(CallbackOutcome::Handled) => Some("成功"),
            Some(CallbackOutcome::Duplicate) => {
                self.recorder.count(|s| s.duplicates += 1);
                Some("duplicate")
            }
            Some(CallbackOutcome::Refused) => {
                self.recorder.count(|s| s.refused += 1);
                None
            }
            _ => None,
        };
        if let Some(message) = success {
            let body = serde_json::json!({ "code": "SUCCESS", "message": message }).to_string();
            *response.body_mut() = Full::new(Bytes::from(body));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
        }
        response
    }
}

impl Recorder {
    fn stats(&self) -> ReceiverStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    fn count(&self, f: impl FnOnce(&mut ReceiverStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    fn append(&self, line: &impl Serialize) {
        if let Ok(mut file) = self.events.lock()
            && let Some(file) = file.as_mut()
        {
            let mut text = serde_json::to_vec(line).unwrap_or_default();
            text.push(b'\n');
            if let Err(e) = file.write_all(&text).and_then(|()| file.flush()) {
                tracing::error!("cannot append to the events file: {e}");
            }
        }
    }

    /// A callback new by id: recorded unless its (stock, code, event type) was seen.
    fn record(&self, callback: Callback) {
        let n = &callback.notification;
        let coupon = callback
            .event
            .coupon()
            .map(|(s, c)| (s.to_owned(), c.to_owned()));
        let new_event = match &coupon {
            Some((stock, code)) => self
                .seen_events
                .lock()
                .map(|mut seen| seen.insert((stock.clone(), code.clone(), n.event_type.clone())))
                .unwrap_or(false),
            None => true,
        };
        if !new_event {
            self.count(|s| s.duplicates += 1);
            return;
        }
        let event = match &callback.event {
            CouponEvent::Sent(e) => serde_json::to_value(e),
            CouponEvent::Used(e) => serde_json::to_value(e),
            CouponEvent::Returned(e) => serde_json::to_value(e),
            CouponEvent::Unknown { plaintext, .. } => Ok(plaintext.clone()),
            _ => Ok(serde_json::Value::Null),
        }
        .unwrap_or_default();
        self.append(&EventLine {
            kind: "event",
            id: &n.id,
            event_type: &n.event_type,
            create_time: n.create_time.to_string(),
            stock_id: coupon.as_ref().map(|(s, _)| s.as_str()),
            coupon_code: coupon.as_ref().map(|(_, c)| c.as_str()),
            event,
        });
        self.count(|s| s.accepted += 1);
        if let (Some(tx), CouponEvent::Sent(sent)) = (&self.confirm, callback.event) {
            let _ = tx.send((sent, 0));
        }
    }
}

/// What an earlier run of the receiver saw, read back from its events file.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    events: HashSet<(String, String, String)>,
    /// Sent coupons accepted with no confirm line: the run stopped before confirming them.
    unconfirmed: Vec<CouponSentEvent>,
}

/// Reads an events file; lines it cannot parse (a torn last line) are skipped. A line is an
/// event of a callback body (at most 1 MiB), so a longer one means this is no events file.
fn load(path: &Path) -> std::io::Result<Seen> {
    let mut seen = Seen::default();
    let mut sent = Vec::new();
    let mut confirmed = HashSet::new();
    let file = std::fs::File::open(path)?;
    let mut lines = crate::lines::Lines::new(file, 1 << 20, u64::MAX, "an events file");
    let mut buf = Vec::new();
    while let Some((_, line)) = lines.next_line(&mut buf)? {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let (stock, code) = (v["stock_id"].as_str(), v["coupon_code"].as_str());
        if v["kind"] == "confirm" {
            if let (Some(s), Some(c)) = (stock, code) {
                confirmed.insert((s.to_owned(), c.to_owned()));
            }
            continue;
        }
        if v["kind"] != "event" {
            continue;
        }
        if let Some(id) = v["id"].as_str() {
            seen.ids.insert(id.to_owned());
        }
        if let (Some(s), Some(c), Some(t)) = (stock, code, v["event_type"].as_str()) {
            seen.events
                .insert((s.to_owned(), c.to_owned(), t.to_owned()));
        }
        if v["event_type"].as_str().is_some_and(is_send)
            && let Ok(event) = serde_json::from_value::<CouponSentEvent>(v["event"].clone())
        {
            sent.push(event);
        }
    }
    seen.unconfirmed = sent
        .into_iter()
        .filter(|e| !confirmed.contains(&(e.stock_id.clone(), e.coupon_code.clone())))
        .collect();
    Ok(seen)
}

/// Confirms sent coupons one by one; what fails retryably is tried again with backoff (up
/// to a minute apart), forever: a confirm must not be lost.
async fn confirm_worker(
    receiver: Arc<Recorder>,
    auto: AutoConfirm,
    mut rx: mpsc::UnboundedReceiver<(CouponSentEvent, u32)>,
) {
    let AutoConfirm { client, appid } = auto;
    let (retry_tx, mut retry_rx) = mpsc::unbounded_channel::<(CouponSentEvent, u32)>();
    loop {
        let (event, tries) = tokio::select! {
            Some(item) = rx.recv() => item,
            Some(item) = retry_rx.recv() => item,
            else => return,
        };
        let out_request_no = auto_confirm_request_no(&event.stock_id, &event.coupon_code);
        let Some(appid) = appid.clone().or_else(|| event.appid.clone()) else {
            tracing::error!(
                "confirm of {} impossible: the event carries no appid; pass --appid",
                event.coupon_code
            );
            continue;
        };
        let mut request = ConfirmSendUserProductCouponRequest::new(
            &event.openid,
            &event.coupon_code,
            &event.product_coupon_id,
            &event.stock_id,
            appid,
            &out_request_no,
        );
        request.brand_id.clone_from(&event.brand_id);
        let result = client.confirm_send_user_product_coupon(&request).await;
        let text = match &result {
            Ok(coupon) => {
                receiver.count(|s| s.confirmed += 1);
                coupon.coupon_state.to_string()
            }
            Err(e) if e.is_retryable() => {
                let delay = Duration::from_millis((500u64 << tries.min(7)).min(60_000));
                tracing::warn!("confirm of {} retried in {delay:?}: {e}", event.coupon_code);
                let retry_tx = retry_tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = retry_tx.send((event, tries + 1));
                });
                continue;
            }
            Err(e) => {
                tracing::error!("confirm of {} failed: {e}", event.coupon_code);
                format!("failed: {e}")
            }
        };
        receiver.append(&ConfirmLine {
            kind: "confirm",
            stock_id: &event.stock_id,
            coupon_code: &event.coupon_code,
            out_request_no: &out_request_no,
            result: text,
        });
    }
}

/// Serves callbacks on `listener` until `shutdown` completes. Any POST path is a notify URL.
pub async fn serve(
    listener: TcpListener,
    receiver: Arc<Receiver>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = &mut shutdown => break,
        };
        let receiver = receiver.clone();
        let service = service_fn(move |req| answer(receiver.clone(), remote, req));
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let watched = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = watched.await;
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
    Ok(())
}

/// Answers a callback within WeChat Pay's 5 s: recording is quick; confirms happen later.
async fn answer(
    receiver: Arc<Receiver>,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let response = receiver.respond(req).await;
    if !response.status().is_success() {
        tracing::warn!("callback from {remote} refused: HTTP {}", response.status());
    }
    Ok(response)
}

/// A SEND event in either mode (`PRODUCT_COUPON_SP.SEND`, `PRODUCT_COUPON.SEND`).
fn is_send(event_type: &str) -> bool {
    event_type == event_type::SEND || event_type == event_type::SP_SEND
}
