//! The HTTP layer every API answer shares: the head and body checks (step 1), reading the
//! body, and signed answers. A leaf: it knows no operation.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use wxpay_models::{BodyKind, ErrorRow};
use wxpay_signing::{PlatformSigner, SIGNTEST_PREFIX, header};

use wxpay_mock_core::ErrorAnswer;

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

/// The largest body of a multipart upload: a 2 MB image with its parts, and room for the
/// operation to answer an image somewhat over 2 MB with its own code (270087680) rather
/// than this layer's generic refusal.
pub(crate) const MAX_MULTIPART_BODY: usize = 2 * wxpay_models::media::MAX_IMAGE_BYTES;

/// The body limit of an operation whose body is `kind`: `limits.max_body_bytes`, except for
/// multipart uploads, which take up to [`MAX_MULTIPART_BODY`] whatever the general limit.
pub(crate) fn body_limit(kind: BodyKind, general: usize) -> usize {
    match kind {
        BodyKind::Multipart => general.max(MAX_MULTIPART_BODY),
        _ => general,
    }
}

pub(crate) fn too_big(max: usize) -> ErrorAnswer {
    ErrorAnswer::new(
        ErrorRow::InvalidHttpRequest,
        format!("body is over the {max}-byte limit"),
    )
}

/// Step 1: Content-Type (as the operation's body needs), Accept and declared length.
pub(crate) fn check_http(
    body_kind: BodyKind,
    headers: &HeaderMap,
    max_body: usize,
) -> Result<(), ErrorAnswer> {
    let bad = |what: String| Err(ErrorAnswer::new(ErrorRow::InvalidHttpRequest, what));
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let wanted = match body_kind {
        BodyKind::Json => Some("application/json"),
        BodyKind::Multipart => Some("multipart/form-data"),
        _ => None,
    };
    if let Some(wanted) = wanted
        && !media_type_is(content_type, wanted)
    {
        return bad(format!(
            "Content-Type must be {wanted}, got {content_type:?}"
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
) -> Result<Result<Bytes, ErrorAnswer>, Dropped> {
    match tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, max).collect()).await {
        Err(_) => Ok(Err(ErrorAnswer::new(
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
pub(crate) fn signed(
    platform: &PlatformSigner,
    request_id: &str,
    status: u16,
    body: Vec<u8>,
    probe: bool,
) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    put(h, header::REQUEST_ID, request_id);
    match platform.sign(&body) {
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
            check_http(BodyKind::Json, &headers(pairs), 100).is_ok()
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
        let multipart = |ct: &str| {
            check_http(BodyKind::Multipart, &headers(&[("content-type", ct)]), 100).is_ok()
        };
        assert!(multipart("multipart/form-data; boundary=x"));
        assert!(!multipart("application/json"));
        assert!(check_http(BodyKind::Empty, &headers(&[]), 100).is_ok());
    }

    #[test]
    fn multipart_bodies_have_their_own_limit() {
        assert_eq!(body_limit(BodyKind::Json, 65_536), 65_536);
        assert_eq!(body_limit(BodyKind::Empty, 65_536), 65_536);
        assert_eq!(body_limit(BodyKind::Multipart, 65_536), 4 << 20);
        assert_eq!(body_limit(BodyKind::Multipart, 8 << 20), 8 << 20);
    }
}
