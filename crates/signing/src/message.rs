//! The exact byte strings WECHATPAY2-SHA256-RSA2048 signs.
//!
//! Request: `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`; response and callback:
//! `TIMESTAMP\nNONCE\nBODY\n`. BODY is the raw bytes on the wire: re-serializing JSON, even
//! to an equal value, breaks the signature.

/// Builds the request message. `url` is the path plus `?query`, exactly as sent.
///
/// ```
/// let m = wxpay_signing::message::request("GET", "/v3/certificates", "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242", b"");
/// assert_eq!(m, b"GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n");
/// ```
pub fn request(method: &str, url: &str, timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    join(&[
        method.as_bytes(),
        url.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ])
}

/// Builds the response (or callback) message.
///
/// ```
/// let m = wxpay_signing::message::response("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c", b"{}");
/// assert_eq!(m, b"1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{}\n");
/// ```
pub fn response(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    join(&[timestamp.as_bytes(), nonce.as_bytes(), body])
}

fn join(parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len() + 1).sum();
    let mut out = Vec::with_capacity(len);
    for part in parts {
        out.extend_from_slice(part);
        out.push(b'\n');
    }
    out
}
