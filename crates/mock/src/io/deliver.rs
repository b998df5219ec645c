//! Callback delivery: each callback the world owes is encrypted with its caller's APIv3 key
//! (AES-256-GCM), signed with the platform key and POSTed to its notify URL — `http://` or
//! `https://` (TLS trusting the web PKI and `[callbacks] root_cert_files`) — and retried on
//! the schedule until a receiver answers 2xx in time, or given up. Partner mode's events are
//! `PRODUCT_COUPON_SP.*`, brand mode's `PRODUCT_COUPON.*`. Runs on its own task; the world
//! learns how each delivery ended.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use wxpay_mock_core::{ActorKey, AdminAction};
use wxpay_models::{EncryptedResource, Mode, Notification, WxTime, event_type};
use wxpay_signing::{ApiV3Key, header};

use crate::config::load_roots;
use crate::service::Emulator;
use crate::service::deliveries::label;
use crate::service::space::Space;

pub(crate) type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The summary line of each event (our choice: the guides fix only SEND's).
fn summary(kind: &str) -> &'static str {
    match kind {
        "SEND" => "商品券领券通知",
        "USE" => "商品券核销通知",
        "RETURN" => "商品券退券通知",
        _ => "商品券图片生成结果通知",
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

/// The callback body of `kind` in `mode`, its resource encrypted with `key`.
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
        create_time: WxTime::from_unix_clamped(now),
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

/// A client for notify URLs: plain HTTP, or TLS trusting the web PKI plus the configured
/// roots.
pub(crate) fn notify_client(emu: &Emulator) -> Result<HttpsClient, String> {
    let extra = load_roots(&emu.callback_config().root_cert_files)?;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in extra {
        roots
            .add(root)
            .map_err(|e| format!("callbacks.root_cert_files: a certificate was refused: {e}"))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(crate::tls::crypto_provider())
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

/// Delivers the callbacks of every world until the emulator is dropped; started by the
/// server.
pub(crate) async fn deliver(emu: Arc<Emulator>, client: HttpsClient) {
    let wake = emu.delivery_wake().clone();
    loop {
        let mut next: Option<std::time::Instant> = None;
        for space in emu.spaces() {
            let (due, due_next) = space.deliveries.due();
            for id in due {
                tokio::spawn(attempt(emu.clone(), space.clone(), client.clone(), id));
            }
            next = match (next, due_next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let wait = next.map_or(Duration::from_secs(3600), |n| {
            n.saturating_duration_since(std::time::Instant::now())
        });
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Where a callback goes, what it says, and whom it is for.
struct Target {
    url: String,
    body: Bytes,
    owner: ActorKey,
}

/// The notification of callback `id`, built once (every attempt sends the same bytes).
fn body_of(emu: &Emulator, space: &Space, id: &str) -> Result<Target, String> {
    if let Some(a) = space.deliveries.attempts(id)
        && let Some(body) = a.body
    {
        let (url, owner) = space
            .peek(|w| {
                w.find_callback(id)
                    .map(|c| (c.url.clone(), c.owner.clone()))
            })
            .ok_or("the callback is gone")?;
        return Ok(Target { url, body, owner });
    }
    let callback = space
        .peek(|w| w.find_callback(id).cloned())
        .ok_or("the callback is gone")?;
    let caller = emu
        .caller(callback.owner.0, &callback.owner.1)
        .ok_or_else(|| format!("{} is no longer configured", label(&callback.owner)))?;
    let key = caller
        .apiv3_key
        .as_ref()
        .ok_or_else(|| format!("{} has no apiv3_key", label(&callback.owner)))?;
    let body = notification(
        &callback.id,
        callback.owner.0,
        &callback.kind,
        &callback.plaintext,
        key,
        callback.created,
    )?;
    space.deliveries.set_body(id, body.clone());
    Ok(Target {
        url: callback.url,
        body,
        owner: callback.owner,
    })
}

/// One delivery attempt of a callback of `space`; records the result and schedules the
/// next.
async fn attempt(emu: Arc<Emulator>, space: Arc<Space>, client: HttpsClient, id: String) {
    let faults = space.faults();
    let (status, target) = match body_of(&emu, &space, &id) {
        Err(e) => (Err(e), None),
        Ok(_) if space.roll(faults.callback_fail_rate) => (
            Err("injected failure (callback_fail_rate)".to_owned()),
            None,
        ),
        Ok(target) => (post(&emu, &client, &target).await, Some(target)),
    };
    let delivered = matches!(&status, Ok(code) if (200..300).contains(code));
    let ended = space
        .deliveries
        .attempted(&id, status, &emu.callback_config().retry_schedule_ms);
    if let Some(delivered) = ended {
        let action = AdminAction::CallbackDone {
            id: id.clone(),
            delivered,
        };
        if let Err(e) = emu.admin_in(&space, &action).await {
            tracing::warn!("callback {id}: cannot record the end of its delivery: {e}");
        }
    }
    if delivered
        && space.roll(faults.callback_duplicate_rate)
        && let Some(target) = target
    {
        // The same callback (same id) once more, as WeChat Pay sometimes does.
        let again = post(&emu, &client, &target).await;
        space.deliveries.duplicated(&id, again);
    }
    space.deliveries.wake.notify_one();
}

/// POSTs a freshly signed callback, under the key its owner's last request was answered
/// with; the receiver has `timeout_ms` to answer.
async fn post(emu: &Emulator, client: &HttpsClient, target: &Target) -> Result<u16, String> {
    let Target { url, body, owner } = target;
    let last = emu.caller(owner.0, &owner.1).and_then(|c| c.last_serial());
    let signed = emu
        .platform()
        .for_callback(last.as_ref().map(Option::as_deref))
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
    let timeout = Duration::from_millis(emu.callback_config().timeout_ms);
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
