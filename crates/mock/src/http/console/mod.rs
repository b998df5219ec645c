//! The web console at `/mock/ui`: one HTML page, a stylesheet and a script, embedded in the
//! binary (no build step, no CDN). Every piece of data and every action goes through the
//! admin API with its usual protection; the page itself holds no data, so it is served to
//! loopback clients and, when an `admin_token` is configured, to anyone (the page then asks
//! for the token and sends it as `Authorization: Bearer`).

use std::net::SocketAddr;
use std::sync::LazyLock;

use bytes::Bytes;
use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
    REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;

use crate::http::wire::Body;
use crate::service::Emulator;

/// Where the console lives.
pub(crate) const PREFIX: &str = "/mock/ui";

/// Only this origin's own files and fetches; no inline script, no framing.
const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    etag: String,
}

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "/",
        "text/html; charset=utf-8",
        include_bytes!("assets/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/app.js"),
    ),
    (
        "/app.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/app.css"),
    ),
    (
        "/favicon.svg",
        "image/svg+xml",
        include_bytes!("assets/favicon.svg"),
    ),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(path, content_type, body)| {
            let digest = wxpay_mock_core::digest16(body);
            let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            Asset {
                path,
                content_type,
                body,
                etag: format!("\"{hex}\""),
            }
        })
        .collect()
});

/// Whether `path` is the console's.
pub(crate) fn is_ui(path: &str) -> bool {
    path == PREFIX || path.starts_with("/mock/ui/")
}

/// Serves a console file.
pub(crate) fn serve<B>(emu: &Emulator, remote: SocketAddr, req: &Request<B>) -> Response<Body> {
    if emu.admin_token().is_none() && !remote.ip().is_loopback() {
        return plain(
            StatusCode::FORBIDDEN,
            "the console answers loopback clients only (set admin_token to allow others)",
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "the console is read with GET",
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let rest = &req.uri().path()[PREFIX.len()..];
    let rest = match rest {
        "" | "/index.html" => "/",
        other => other,
    };
    let Some(asset) = ASSETS.iter().find(|a| a.path == rest) else {
        return plain(StatusCode::NOT_FOUND, "no such console file");
    };
    let fresh = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag));
    let (status, body) = if fresh {
        (StatusCode::NOT_MODIFIED, Bytes::new())
    } else if req.method() == Method::HEAD {
        (StatusCode::OK, Bytes::new())
    } else {
        (StatusCode::OK, Bytes::from_static(asset.body))
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    // Revalidated on every load (a 304 when unchanged): a new emulator build shows at once.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        headers.insert(ETAG, etag);
    }
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn plain(status: StatusCode, message: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(message.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(emu: &Emulator, remote: &str, path: &str) -> Response<Body> {
        let req = Request::get(path).body(()).unwrap_or_default();
        serve(
            emu,
            remote.parse().unwrap_or(([0, 0, 0, 0], 0).into()),
            &req,
        )
    }

    #[test]
    fn the_script_never_parses_data_as_html() {
        let script = String::from_utf8_lossy(include_bytes!("assets/app.js"));
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!script.contains(sink), "app.js uses {sink}");
        }
    }

    #[test]
    fn beyond_loopback_the_page_is_served_only_when_a_token_guards_the_data() {
        let emu = Emulator::dev();
        assert_eq!(
            get(&emu, "127.0.0.1:1", "/mock/ui").status(),
            StatusCode::OK
        );
        assert_eq!(
            get(&emu, "10.0.0.7:1", "/mock/ui").status(),
            StatusCode::FORBIDDEN
        );
        let emu = Emulator::dev().with_admin_token(Some("t".into()));
        assert_eq!(get(&emu, "10.0.0.7:1", "/mock/ui").status(), StatusCode::OK);
        assert!(!is_ui("/mock/uix"));
    }
}
