//! PRODUCT_COUPON.SEND callbacks (DESIGN.md §8): after every newly issued coupon, a signed,
//! AES-256-GCM-encrypted notification is POSTed to the merchant's notify URL, retried on a
//! schedule until a receiver answers 2xx in time, or given up. Delivery runs on its own task:
//! the send path only appends to a queue.

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
    CouponSentEvent, EncryptedResource, Notification, UserProductCouponEntity, WxTime, event_type,
};
use wxpay_signing::{ApiV3Key, header};

use crate::config::CallbackConfig;
use crate::faults::roll;
use crate::state::Emulator;

/// What the callback summary says (our choice: the guides do not fix it).
const SUMMARY: &str = "商品券发放通知";

/// One callback and its delivery so far, as `GET /mock/callbacks` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryView {
    /// The callback id (the same on every redelivery).
    pub id: String,
    /// `PRODUCT_COUPON.SEND`.
    pub event_type: String,
    /// The coupon it is about.
    pub coupon_code: String,
    /// Its stock.
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
}

#[derive(Debug)]
struct Delivery {
    view: DeliveryView,
    body: Bytes,
    next_at: Instant,
    in_progress: bool,
}

/// The callbacks of an emulator.
#[derive(Debug)]
pub(crate) struct Callbacks {
    config: CallbackConfig,
    deliveries: Mutex<Vec<Delivery>>,
    wake: tokio::sync::Notify,
}

impl Callbacks {
    pub(crate) fn new(config: CallbackConfig) -> Self {
        Self {
            config,
            deliveries: Mutex::new(Vec::new()),
            wake: tokio::sync::Notify::new(),
        }
    }

    pub(crate) fn list(&self) -> Vec<DeliveryView> {
        self.deliveries
            .lock()
            .iter()
            .map(|d| d.view.clone())
            .collect()
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
        });
        self.wake.notify_one();
    }
}

/// The callback body for a newly issued coupon, its resource encrypted with `key`.
/// Checks a notify URL the emulator can deliver to: `http://host…`, at most 256 characters.
/// WeChat Pay requires https in production; the emulator delivers over plain HTTP only, so an
/// https URL is refused here rather than failing every delivery later.
pub(crate) fn check_notify_url(url: &str) -> Result<(), String> {
    if url.len() > 256 {
        return Err(format!("is {} characters; at most 256", url.len()));
    }
    if url.starts_with("https://") {
        return Err(
            "is https: the emulator delivers callbacks over http:// only; point it at \
                    your receiver's plain-HTTP address (behind its TLS terminator)"
                .into(),
        );
    }
    match url.parse::<http::Uri>() {
        Ok(uri)
            if uri.scheme_str() == Some("http") && uri.host().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(())
        }
        _ => Err(format!("{url:?} is not an http:// URL with a host")),
    }
}

pub(crate) fn notification(
    entity: &UserProductCouponEntity,
    openid: &str,
    key: &ApiV3Key,
    now: i64,
) -> Result<(String, Bytes), String> {
    let event = CouponSentEvent {
        coupon_code: entity.coupon_code.clone(),
        product_coupon_id: entity.product_coupon.product_coupon_id.clone(),
        stock_id: entity.stock.stock_id.clone(),
        openid: openid.to_owned(),
        brand_id: entity.brand_id.clone(),
        send_channel: entity.send_channel.clone(),
        send_request_no: entity.send_request_no.clone(),
        receive_time: entity.receive_time,
        valid_begin_time: entity.valid_begin_time,
        valid_end_time: entity.valid_end_time,
        attach: entity.attach.clone(),
    };
    let plaintext = serde_json::to_vec(&event).map_err(|e| e.to_string())?;
    let nonce: String = wxpay_signing::new_nonce()
        .map_err(|e| e.to_string())?
        .chars()
        .take(12)
        .collect();
    let ciphertext = key
        .encrypt(&plaintext, &nonce, "product_coupon")
        .map_err(|e| e.to_string())?;
    let id = format!("{:032x}", fastrand::u128(..));
    let body = Notification {
        id: id.clone(),
        create_time: WxTime::from_unix(now).unwrap_or_else(|_| WxTime::now()),
        event_type: event_type::SEND.into(),
        resource_type: "encrypt-resource".into(),
        summary: Some(SUMMARY.into()),
        resource: EncryptedResource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext,
            nonce,
            associated_data: "product_coupon".into(),
            original_type: "product_coupon".into(),
        },
    };
    Ok((
        id,
        Bytes::from(serde_json::to_vec(&body).map_err(|e| e.to_string())?),
    ))
}

impl Emulator {
    /// Queues the PRODUCT_COUPON.SEND callback of a new coupon, when the merchant has a
    /// notify URL and an APIv3 key.
    pub(crate) fn queue_callback(
        &self,
        merchant: &crate::Merchant,
        openid: &str,
        entity: &UserProductCouponEntity,
    ) {
        let Some(url) = merchant.notify_url.read().clone() else {
            return;
        };
        let Some(key) = &merchant.apiv3_key else {
            tracing::warn!(
                "mchid {} has a notify_url but no apiv3_key: callbacks cannot be encrypted",
                merchant.mchid
            );
            return;
        };
        match notification(entity, openid, key, self.business_now()) {
            Ok((id, body)) => self.callbacks.push(
                DeliveryView {
                    id,
                    event_type: event_type::SEND.into(),
                    coupon_code: entity.coupon_code.clone(),
                    stock_id: entity.stock.stock_id.clone(),
                    attempts: 0,
                    last_status: None,
                    delivered: false,
                    given_up: false,
                    notify_url: url,
                },
                body,
            ),
            Err(e) => tracing::error!("cannot build a callback: {e}"),
        }
    }

    /// Every callback and its delivery state.
    pub fn callbacks(&self) -> Vec<DeliveryView> {
        self.callbacks.list()
    }
}

/// Delivers callbacks until the emulator is dropped; started by the server.
pub(crate) async fn deliver(emu: Arc<Emulator>) {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
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
async fn attempt(
    emu: Arc<Emulator>,
    client: Client<HttpConnector, Full<Bytes>>,
    index: usize,
    url: String,
    body: Bytes,
) {
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
            match emu
                .callbacks
                .config
                .retry_schedule_ms
                .get(d.view.attempts as usize - 1)
            {
                Some(ms) => d.next_at = Instant::now() + Duration::from_millis(*ms),
                None => d.view.given_up = true,
            }
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
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    body: &Bytes,
) -> Result<u16, String> {
    let signed = emu.platform.sign(body).map_err(|e| e.to_string())?;
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
            .map_err(|e| format!("unreachable: {e}"))?;
        let status = response.status().as_u16();
        let _ = response.into_body().collect().await;
        Ok::<_, String>(status)
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} ms", timeout.as_millis())))
}
