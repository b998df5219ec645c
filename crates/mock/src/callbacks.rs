//! Callbacks: after an event (a coupon sent, used, returned; an image task done), a signed,
//! AES-256-GCM-encrypted notification is POSTed to the caller's notify URL — `http://` or
//! `https://` (TLS trusting the web PKI and `[callbacks] root_cert_files`) — and retried on
//! a schedule until a receiver answers 2xx in time, or given up. Partner mode's events are
//! `PRODUCT_COUPON_SP.*`, brand mode's `PRODUCT_COUPON.*`. Delivery runs on its own task:
//! the API only appends to a queue.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use parking_lot::Mutex;
use serde::Serialize;
use wxpay_models::{
    CouponSentEvent, EncryptedResource, Mode, Notification, UserProductCouponEntity, WxTime,
    event_type,
};
use wxpay_signing::{ApiV3Key, header};

use crate::caller::Caller;
use crate::config::CallbackConfig;
use crate::faults::roll;
use crate::state::Emulator;

pub(crate) type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Something a callback reports.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub(crate) enum Event {
    /// A coupon was sent (E20, bundle sends); `appid` is the one it was sent under.
    Sent {
        openid: String,
        appid: String,
        entity: Box<UserProductCouponEntity>,
    },
    /// Any other event: its kind (`USE`, `RETURN`, `IMAGE_GENERATION`), the coupon it is
    /// about (stock, code) if any, and the plaintext without `brand_id` (added in partner
    /// mode).
    Other {
        kind: &'static str,
        coupon: Option<(String, String)>,
        plaintext: serde_json::Map<String, serde_json::Value>,
    },
}

/// The summary line of each event (our choice: the guides fix only SEND's).
fn summary(kind: &str) -> &'static str {
    match kind {
        "SEND" => "商品券领券通知",
        "USE" => "商品券核销通知",
        "RETURN" => "商品券退券通知",
        _ => "商品券图片生成结果通知",
    }
}

/// One callback and its delivery so far, as `GET /mock/callbacks` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryView {
    /// The callback id (the same on every redelivery).
    pub id: String,
    /// `PRODUCT_COUPON_SP.SEND`, `PRODUCT_COUPON.USE`, …
    pub event_type: String,
    /// Whose callback: `mchid …` or `brand …`.
    pub caller: String,
    /// The coupon it is about ("" for image tasks).
    pub coupon_code: String,
    /// Its stock ("" for image tasks).
    pub stock_id: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's HTTP status, or what went wrong.
    pub last_status: Option<String>,
    /// Whether a receiver answered 2xx in time.
    pub delivered: bool,
    /// Whether the retry schedule ran out.
    pub given_up: bool,
    /// Where it goes.
    pub notify_url: String,
    /// When it was queued (business time; the notification's `create_time`).
    pub created_time: String,
    /// What the last failed attempt met (`HTTP 500`, `unreachable: …`); kept after a later
    /// success, so the page still shows why earlier attempts failed.
    pub last_error: Option<String>,
    /// While pending: milliseconds until the next attempt (0: due or under way).
    pub next_attempt_in_ms: Option<u64>,
    /// While pending: when the next attempt is due (real time).
    pub next_attempt_time: Option<String>,
}

#[derive(Debug)]
struct Delivery {
    view: DeliveryView,
    body: Bytes,
    next_at: Instant,
    in_progress: bool,
    /// Attempts made before the last redelivery: the retry schedule restarts there.
    schedule_from: u32,
}

/// The callbacks of an emulator.
#[derive(Debug)]
pub(crate) struct Callbacks {
    config: CallbackConfig,
    roots: Vec<rustls_pki_types::CertificateDer<'static>>,
    deliveries: Mutex<Vec<Delivery>>,
    wake: tokio::sync::Notify,
}

impl Callbacks {
    /// Deliveries as `config` says; `root_cert_files` must already be resolved paths (see
    /// [`load_roots`]).
    pub(crate) fn new(config: CallbackConfig) -> Self {
        let roots = load_roots(&config.root_cert_files).unwrap_or_else(|e| {
            tracing::error!("{e}");
            Vec::new()
        });
        Self {
            config,
            roots,
            deliveries: Mutex::new(Vec::new()),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Marks the delivery `id` as finished (a replayed state file: it is not sent again).
    pub(crate) fn finished(&self, id: &str, delivered: bool) {
        if let Some(d) = self.deliveries.lock().iter_mut().find(|d| d.view.id == id) {
            d.view.delivered = delivered;
            d.view.given_up = !delivered;
        }
    }

    /// The extra roots trusted for https notify URLs.
    pub(crate) fn roots(&self) -> &[rustls_pki_types::CertificateDer<'static>] {
        &self.roots
    }

    pub(crate) fn list(&self) -> Vec<DeliveryView> {
        let now = Instant::now();
        let wall = time::OffsetDateTime::now_utc();
        self.deliveries
            .lock()
            .iter()
            .map(|d| {
                let mut view = d.view.clone();
                if !view.delivered && !view.given_up {
                    let wait = d.next_at.saturating_duration_since(now);
                    view.next_attempt_in_ms =
                        Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
                    view.next_attempt_time =
                        Some(WxTime::from_offset_date_time(wall + wait).to_string());
                }
                view
            })
            .collect()
    }

    /// Queues delivery `id` again now, whatever its state, with a fresh retry schedule; its
    /// view, or `None` for an unknown id. An attempt already under way counts as the
    /// redelivery.
    pub(crate) fn redeliver(&self, id: &str) -> Option<DeliveryView> {
        let view = {
            let mut deliveries = self.deliveries.lock();
            let d = deliveries.iter_mut().find(|d| d.view.id == id)?;
            d.view.delivered = false;
            d.view.given_up = false;
            d.next_at = Instant::now();
            d.schedule_from = d.view.attempts;
            d.view.clone()
        };
        self.wake.notify_one();
        Some(view)
    }

    pub(crate) fn clear(&self) {
        self.deliveries.lock().clear();
    }

    fn push(&self, view: DeliveryView, body: Bytes) {
        self.deliveries.lock().push(Delivery {
            view,
            body,
            next_at: Instant::now(),
            in_progress: false,
            schedule_from: 0,
        });
        self.wake.notify_one();
    }
}

/// An error and its causes, `a: b: c` (hyper's own message alone says only "Connect").
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// The certificates of `root_cert_files` (resolved paths).
pub(crate) fn load_roots(
    files: &[std::path::PathBuf],
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, String> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = Vec::new();
    for path in files {
        let bad = |e: &dyn std::fmt::Display| {
            format!("callbacks.root_cert_files: {}: {e}", path.display())
        };
        let pem = wxpay_signing::file::read_limited(
            path,
            wxpay_signing::file::MAX_PEM_BUNDLE_BYTES,
            "a PEM bundle",
        )
        .map_err(|e| bad(&e))?;
        let certs = rustls_pki_types::CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(&e))?;
        if certs.is_empty() {
            return Err(format!(
                "callbacks.root_cert_files: {}: no CERTIFICATE in it",
                path.display()
            ));
        }
        roots.extend(certs);
    }
    Ok(roots)
}

/// A stable UnionID for an openid (the emulator has no users; this one is derived).
pub(crate) fn unionid(openid: &str, appid: &str) -> String {
    let digest = crate::ledger::digest16(format!("{appid}\n{openid}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("oU{}", &hex[..26])
}

/// An event's kind, the coupon (stock, code) it is about, and its plaintext.
type Plain = (&'static str, Option<(String, String)>, Vec<u8>);

/// The plaintext of an event in `mode` (partner plaintexts carry `brand_id`).
fn plaintext(mode: Mode, event: &Event) -> Result<Plain, String> {
    match event {
        Event::Sent {
            openid,
            appid,
            entity,
        } => {
            let sent = CouponSentEvent {
                brand_id: (mode == Mode::Partner).then(|| entity.brand_id.clone()),
                coupon_code: entity.coupon_code.clone(),
                product_coupon_id: entity.product_coupon.product_coupon_id.clone(),
                stock_id: entity.stock.stock_id.clone(),
                stock_bundle_id: entity
                    .stock
                    .stock_bundle_info
                    .as_ref()
                    .map(|b| b.stock_bundle_id.clone()),
                user_coupon_bundle_id: entity
                    .user_product_coupon_bundle_info
                    .as_ref()
                    .map(|b| b.user_coupon_bundle_id.clone()),
                // The AppID the openid belongs to: for an API send, the request's (the
                // stock's notify_appid is the event AppID of other channels).
                appid: Some(appid.clone()),
                openid: openid.clone(),
                unionid: Some(unionid(openid, appid)),
                receive_time: entity.receive_time,
                send_request_no: entity.send_request_no.clone(),
                send_channel: entity.send_channel.clone(),
                valid_begin_time: entity.valid_begin_time,
                valid_end_time: entity.valid_end_time,
                phone_number: None,
                country_code: None,
                attach: entity.attach.clone(),
                channel_custom_info: entity.channel_custom_info.clone(),
            };
            let coupon = Some((sent.stock_id.clone(), sent.coupon_code.clone()));
            Ok((
                "SEND",
                coupon,
                serde_json::to_vec(&sent).map_err(|e| e.to_string())?,
            ))
        }
        Event::Other {
            kind,
            coupon,
            plaintext,
        } => {
            let brand = plaintext.get("brand_id").cloned();
            let mut map = plaintext.clone();
            if mode == Mode::Brand {
                map.remove("brand_id");
            } else if let Some(brand) = brand {
                map.insert("brand_id".into(), brand);
            }
            Ok((
                kind,
                coupon.clone(),
                serde_json::to_vec(&map).map_err(|e| e.to_string())?,
            ))
        }
    }
}

/// The callback body of `event_type`, its resource encrypted with `key`.
pub(crate) fn notification(
    id: &str,
    mode: Mode,
    kind: &str,
    plaintext: &[u8],
    key: &ApiV3Key,
    now: i64,
) -> Result<Bytes, String> {
    let nonce: String = wxpay_signing::new_nonce()
        .map_err(|e| e.to_string())?
        .chars()
        .take(12)
        .collect();
    let associated_data = event_type::associated_data(mode);
    let ciphertext = key
        .encrypt(plaintext, &nonce, associated_data)
        .map_err(|e| e.to_string())?;
    let body = Notification {
        id: id.to_owned(),
        create_time: WxTime::from_unix(now).unwrap_or_else(|_| WxTime::now()),
        event_type: event_type::of(mode, kind),
        resource_type: "encrypt-resource".into(),
        summary: Some(summary(kind).into()),
        resource: EncryptedResource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext,
            nonce,
            associated_data: associated_data.into(),
            original_type: "product_coupon".into(),
        },
    };
    Ok(Bytes::from(
        serde_json::to_vec(&body).map_err(|e| e.to_string())?,
    ))
}

impl Callbacks {
    /// Queues the callback of `event` under `id` (given out under the world's lock, so that
    /// a replayed state file gives the same ids) when the caller has a notify URL and an
    /// APIv3 key.
    pub(crate) fn enqueue(&self, emu: &Emulator, caller: &Caller, event: Event, id: String) {
        let Some(url) = caller.notify_url() else {
            return;
        };
        let Some(key) = &caller.apiv3_key else {
            tracing::warn!(
                "{} has a notify_url but no apiv3_key: callbacks cannot be encrypted",
                caller.label()
            );
            return;
        };
        let built = plaintext(caller.mode, &event).and_then(|(kind, coupon, plain)| {
            let now = emu.business_now();
            let body = notification(&id, caller.mode, kind, &plain, key, now)?;
            Ok((kind, coupon, id, body, now))
        });
        match built {
            Ok((kind, coupon, id, body, now)) => {
                let (stock_id, coupon_code) = coupon.unwrap_or_default();
                self.push(
                    DeliveryView {
                        id,
                        event_type: event_type::of(caller.mode, kind),
                        caller: caller.label(),
                        coupon_code,
                        stock_id,
                        attempts: 0,
                        last_status: None,
                        delivered: false,
                        given_up: false,
                        notify_url: url,
                        created_time: WxTime::from_unix(now)
                            .unwrap_or_else(|_| WxTime::now())
                            .to_string(),
                        last_error: None,
                        next_attempt_in_ms: None,
                        next_attempt_time: None,
                    },
                    body,
                );
            }
            Err(e) => tracing::error!("cannot build a callback: {e}"),
        }
    }
}

impl Emulator {
    /// Every callback and its delivery state.
    pub fn callbacks(&self) -> Vec<DeliveryView> {
        self.callbacks.list()
    }
}

/// A client for notify URLs: plain HTTP, or TLS trusting the web PKI plus `extra_roots`.
pub(crate) fn notify_client(
    extra_roots: &[rustls_pki_types::CertificateDer<'static>],
) -> Result<HttpsClient, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in extra_roots {
        roots
            .add(root.clone())
            .map_err(|e| format!("callbacks.root_cert_files: a certificate was refused: {e}"))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(crate::server::crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("callback TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// Delivers callbacks until the emulator is dropped; started by the server.
pub(crate) async fn deliver(emu: Arc<Emulator>, client: HttpsClient) {
    loop {
        let next = {
            let mut deliveries = emu.callbacks.deliveries.lock();
            let now = Instant::now();
            let mut next: Option<Instant> = None;
            for (index, d) in deliveries.iter_mut().enumerate() {
                if d.view.delivered || d.view.given_up || d.in_progress {
                    continue;
                }
                if d.next_at <= now {
                    d.in_progress = true;
                    tokio::spawn(attempt(
                        emu.clone(),
                        client.clone(),
                        index,
                        d.view.notify_url.clone(),
                        d.body.clone(),
                    ));
                } else {
                    next = Some(next.map_or(d.next_at, |n| n.min(d.next_at)));
                }
            }
            next
        };
        let wait = next.map_or(Duration::from_secs(3600), |n| {
            n.saturating_duration_since(Instant::now())
        });
        tokio::select! {
            _ = emu.callbacks.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// One delivery attempt; records the result and schedules the next.
async fn attempt(emu: Arc<Emulator>, client: HttpsClient, index: usize, url: String, body: Bytes) {
    let faults = emu.faults();
    let status = if roll(faults.callback_fail_rate) {
        Err("injected failure (callback_fail_rate)".to_owned())
    } else {
        post(&emu, &client, &url, &body).await
    };
    let delivered = matches!(&status, Ok(code) if (200..300).contains(code));
    {
        let mut deliveries = emu.callbacks.deliveries.lock();
        let Some(d) = deliveries.get_mut(index) else {
            return;
        };
        d.in_progress = false;
        d.view.attempts += 1;
        d.view.last_status = Some(match &status {
            Ok(code) => code.to_string(),
            Err(e) => e.clone(),
        });
        if delivered {
            d.view.delivered = true;
        } else {
            d.view.last_error = d.view.last_status.as_ref().map(|s| match &status {
                Ok(_) => format!("HTTP {s}"),
                Err(_) => s.clone(),
            });
            let retry = d.view.attempts.saturating_sub(d.schedule_from + 1);
            match emu.callbacks.config.retry_schedule_ms.get(retry as usize) {
                Some(ms) => d.next_at = Instant::now() + Duration::from_millis(*ms),
                None => d.view.given_up = true,
            }
        }
        if d.view.delivered || d.view.given_up {
            let finished = (d.view.id.clone(), d.view.delivered);
            drop(deliveries);
            emu.world.lock().log_delivery(finished.0, finished.1);
        }
    }
    if delivered && roll(faults.callback_duplicate_rate) {
        // The same callback (same id) once more, as WeChat Pay sometimes does.
        let again = post(&emu, &client, &url, &body).await;
        if let Some(d) = emu.callbacks.deliveries.lock().get_mut(index) {
            d.view.attempts += 1;
            d.view.last_status = Some(match again {
                Ok(code) => format!("{code} (duplicate)"),
                Err(e) => format!("{e} (duplicate)"),
            });
        }
    }
    emu.callbacks.wake.notify_one();
}

/// POSTs a freshly signed callback; the receiver has `timeout_ms` to answer.
async fn post(
    emu: &Emulator,
    client: &HttpsClient,
    url: &str,
    body: &Bytes,
) -> Result<u16, String> {
    let signed = emu
        .platform
        .default_signer()
        .sign(body)
        .map_err(|e| e.to_string())?;
    let request = http::Request::post(url)
        .header("Content-Type", "application/json")
        .header(header::TIMESTAMP, &signed.timestamp)
        .header(header::NONCE, &signed.nonce)
        .header(header::SIGNATURE, &signed.signature)
        .header(header::SERIAL, &signed.serial)
        .header(header::SIGNATURE_TYPE, wxpay_signing::authorization::SCHEME)
        .body(Full::new(body.clone()))
        .map_err(|e| format!("bad notify_url: {e}"))?;
    let timeout = Duration::from_millis(emu.callbacks.config.timeout_ms);
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("unreachable: {}", with_causes(&e)))?;
        let status = response.status().as_u16();
        let _ = response.into_body().collect().await;
        Ok::<_, String>(status)
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} ms", timeout.as_millis())))
}
