//! The HTTP side of the WeChat Pay API: the head and body checks (step 1), faults, and
//! signed answers; `api.rs` does the rest.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use wxpay_models::ErrorRow;
use wxpay_signing::{SIGNTEST_PREFIX, header};

use crate::api::{Route, route};
use crate::error::ApiError;
use crate::faults::roll;
use crate::state::Emulator;

/// Response body type of every answer.
pub(crate) type Body = Full<Bytes>;

/// How long a client may take to send a body once its headers arrived.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The service's error: the connection is closed without an answer (drop_rate, or a client
/// that went away mid-body).
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("response dropped")
    }
}

impl std::error::Error for Dropped {}

/// Entry point of every request.
pub(crate) async fn handle(
    emu: Arc<Emulator>,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let path = req.uri().path();
    if path == "/mock" || path.starts_with("/mock/") {
        return Ok(crate::admin::handle(&emu, remote, req).await);
    }
    let started = Instant::now();
    let faults = emu.faults();
    let (parts, body) = req.into_parts();
    let (endpoint, answer) = match route(&parts.method, parts.uri.path()) {
        Route::Unknown => ("unknown", unknown(&parts).into()),
        known => {
            // Step 1 on the head first, so that an oversize body is refused unread.
            let body = match check_http(&parts.method, &parts.headers, emu.limits.max_body_bytes) {
                Ok(()) => read_body(body, emu.limits.max_body_bytes).await?,
                Err(e) => Err(e),
            };
            match body {
                Ok(body) => emu.answer(&parts, known, &body, roll(faults.error_rate)),
                Err(e) => (known.endpoint(), e.into()),
            }
        }
    };
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    if matches!(answer, Answer::Issued(_)) && roll(faults.drop_rate) {
        emu.metrics.dropped();
        emu.metrics
            .answered(endpoint, 0, "DROPPED", started.elapsed().as_secs_f64());
        return Err(Dropped);
    }
    let (status, code, body) = answer.into_parts();
    let response = signed(&emu, status, body, roll(faults.sign_probe_rate));
    emu.metrics
        .answered(endpoint, status, &code, started.elapsed().as_secs_f64());
    Ok(response.map(Full::new))
}

/// The outcome of an API call before it is signed.
pub(crate) enum Answer {
    /// A new coupon (drop_rate may lose this answer).
    Issued(Vec<u8>),
    /// Any other success.
    Ok(Vec<u8>),
    /// An error answer.
    Error(ApiError),
}

impl From<ApiError> for Answer {
    fn from(e: ApiError) -> Self {
        Answer::Error(e)
    }
}

impl Answer {
    /// (status, error code or "", body).
    fn into_parts(self) -> (u16, String, Vec<u8>) {
        match self {
            Answer::Issued(body) | Answer::Ok(body) => (200, String::new(), body),
            Answer::Error(e) => {
                let body = serde_json::to_vec(&e.body()).unwrap_or_default();
                (e.status(), e.row.code().as_str().to_owned(), body)
            }
        }
    }
}

pub(crate) fn unknown(parts: &http::request::Parts) -> ApiError {
    ApiError {
        row: ErrorRow::ProductCouponNotFound,
        message: format!("no such API: {} {}", parts.method, parts.uri.path()),
        detail: None,
    }
}

impl Emulator {
    /// The whole API for one request already in memory, signed: what the server does after
    /// reading the body, without latency or dropped answers (`error_rate` and
    /// `sign_probe_rate` apply). For embedding without sockets, and for fuzzing.
    ///
    /// ```
    /// let emu = wxpay_mock::Emulator::dev();
    /// let req = http::Request::post("/v3/marketing/partner/product-coupon/users/o1/coupons")
    ///     .header("Content-Type", "application/json")
    ///     .body(bytes::Bytes::from_static(b"{}"))?;
    /// let res = emu.call(req);
    /// assert_eq!(res.status(), 401); // not signed
    /// assert!(res.headers().contains_key("Wechatpay-Signature"));
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn call(&self, req: Request<Bytes>) -> Response<Bytes> {
        let faults = self.faults();
        let (parts, body) = req.into_parts();
        let answer = match route(&parts.method, parts.uri.path()) {
            Route::Unknown => unknown(&parts).into(),
            known => match check_http(&parts.method, &parts.headers, self.limits.max_body_bytes) {
                Err(e) => e.into(),
                Ok(()) if body.len() > self.limits.max_body_bytes => {
                    too_big(self.limits.max_body_bytes).into()
                }
                Ok(()) => self.answer(&parts, known, &body, roll(faults.error_rate)).1,
            },
        };
        let (status, _, body) = answer.into_parts();
        signed(self, status, body, roll(faults.sign_probe_rate))
    }
}

fn too_big(max: usize) -> ApiError {
    ApiError::new(
        ErrorRow::InvalidHttpRequest,
        format!("body is over the {max}-byte limit"),
    )
}

/// Step 1: Content-Type, Accept and declared length.
pub(crate) fn check_http(
    method: &http::Method,
    headers: &HeaderMap,
    max_body: usize,
) -> Result<(), ApiError> {
    let bad = |what: String| Err(ApiError::new(ErrorRow::InvalidHttpRequest, what));
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if method != http::Method::GET && !media_type_is(content_type, "application/json") {
        return bad(format!(
            "Content-Type must be application/json, got {content_type:?}"
        ));
    }
    if let Some(accept) = headers.get(ACCEPT) {
        let accept = accept.to_str().unwrap_or("");
        let ok = accept.trim().is_empty()
            || accept.split(',').any(|t| {
                ["application/json", "application/*", "*/*"]
                    .iter()
                    .any(|m| media_type_is(t, m))
            });
        if !ok {
            return bad(format!(
                "Accept must allow application/json, got {accept:?}"
            ));
        }
    }
    if let Some(len) = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        && len > max_body as u64
    {
        return bad(format!(
            "body of {len} bytes is over the {max_body}-byte limit"
        ));
    }
    Ok(())
}

fn media_type_is(value: &str, wanted: &str) -> bool {
    value
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(wanted))
}

/// Reads the whole body, at most `max` bytes, within [`BODY_READ_TIMEOUT`].
pub(crate) async fn read_body(
    body: Incoming,
    max: usize,
) -> Result<Result<Bytes, ApiError>, Dropped> {
    match tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, max).collect()).await {
        Err(_) => Ok(Err(ApiError::new(
            ErrorRow::InvalidHttpRequest,
            format!("body not received within {} s", BODY_READ_TIMEOUT.as_secs()),
        ))),
        Ok(Ok(collected)) => Ok(Ok(collected.to_bytes())),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Ok(Err(too_big(max))),
        // The client went away mid-body: there is nobody to answer.
        Ok(Err(_)) => Err(Dropped),
    }
}

/// A signed answer: Request-ID and the Wechatpay-* headers on every one, errors included.
pub(crate) fn signed(emu: &Emulator, status: u16, body: Vec<u8>, probe: bool) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    put(h, header::REQUEST_ID, &emu.request_id());
    match emu.platform.sign(&body) {
        Ok(s) => {
            put(h, header::TIMESTAMP, &s.timestamp);
            put(h, header::NONCE, &s.nonce);
            let signature = if probe {
                format!("{SIGNTEST_PREFIX}{}", s.signature)
            } else {
                s.signature
            };
            put(h, header::SIGNATURE, &signature);
            put(h, header::SERIAL, &s.serial);
            put(
                h,
                header::SIGNATURE_TYPE,
                wxpay_signing::authorization::SCHEME,
            );
        }
        Err(e) => tracing::error!("cannot sign a response: {e}"),
    }
    *response.body_mut() = Bytes::from(body);
    response
}

fn put(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn content_type_and_accept_rules() {
        let ok = |pairs: &[(&'static str, &str)]| {
            check_http(&http::Method::POST, &headers(pairs), 100).is_ok()
        };
        assert!(ok(&[("content-type", "application/json")]));
        assert!(ok(&[
            ("content-type", "Application/JSON; charset=utf-8"),
            ("accept", "*/*")
        ]));
        assert!(ok(&[
            ("content-type", "application/json"),
            ("accept", "text/html, application/json;q=0.9")
        ]));
        assert!(ok(&[
            ("content-type", "application/json"),
            ("accept", "application/*")
        ]));
        assert!(!ok(&[]));
        assert!(!ok(&[("content-type", "text/plain")]));
        assert!(!ok(&[("content-type", "application/jsonx")]));
        assert!(!ok(&[
            ("content-type", "application/json"),
            ("accept", "text/html")
        ]));
        assert!(!ok(&[
            ("content-type", "application/json"),
            ("content-length", "101")
        ]));
    }
}
