//! The HTTPS proxy that impersonates WeChat Pay (docs/sandbox.md): which CONNECT targets are
//! served, the answers to the others, and the TLS handshake inside an accepted tunnel. It
//! never opens a connection anywhere: an accepted tunnel is served by the emulator itself.

use std::net::Ipv6Addr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::ext::ReasonPhrase;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::ca::API_HOSTS;
use crate::http::wire::Body;

/// The only port served: WeChat Pay's API is HTTPS on 443.
pub const API_PORT: u16 = 443;

/// Why a CONNECT is not served.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectRefusal {
    /// Not `host:port` (400): the message names the rule.
    Malformed(String),
    /// A well-formed target other than an API host on port 443 (403).
    NotServed(String),
    /// The emulator runs without `--ca-dir` (405).
    Disabled,
}

impl ConnectRefusal {
    /// The answer's status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::NotServed(_) => StatusCode::FORBIDDEN,
            Self::Disabled => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// What the answer says, in words.
    pub fn message(&self) -> String {
        match self {
            Self::Malformed(m) | Self::NotServed(m) => m.clone(),
            Self::Disabled => format!(
                "this wxpay-mock is no HTTPS proxy: start it with --ca-dir DIR (or ca_dir in its config) to serve \
                 CONNECT {}:{API_PORT} and {}:{API_PORT}, and trust DIR/ca.pem (docs/sandbox.md)",
                API_HOSTS[0], API_HOSTS[1]
            ),
        }
    }

    /// The short reason phrase of the status line (clients such as Java's and Go's show it).
    fn reason(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "Bad Request: CONNECT needs host:port",
            Self::NotServed(_) => {
                "Forbidden: only api.mch.weixin.qq.com:443 and api2.mch.weixin.qq.com:443 are served"
            }
            Self::Disabled => "Method Not Allowed: start wxpay-mock with --ca-dir to proxy",
        }
    }
}

/// The API host a CONNECT request-target names, or why it is refused. `target` is the
/// request-target as received (`api.mch.weixin.qq.com:443`); the host matches in any case.
///
/// ```
/// use wxpay_mock::proxy::{parse_connect_target, ConnectRefusal};
/// assert_eq!(parse_connect_target("API.mch.weixin.qq.com:443"), Ok("api.mch.weixin.qq.com"));
/// assert!(matches!(parse_connect_target("example.com:443"), Err(ConnectRefusal::NotServed(_))));
/// assert!(matches!(parse_connect_target("api.mch.weixin.qq.com"), Err(ConnectRefusal::Malformed(_))));
/// ```
pub fn parse_connect_target(target: &str) -> Result<&'static str, ConnectRefusal> {
    let shown = shown(target);
    let malformed = |rule: &str| {
        Err(ConnectRefusal::Malformed(format!(
            "CONNECT {shown}: {rule}; the target must be host:port, e.g. {}:{API_PORT}",
            API_HOSTS[0]
        )))
    };
    if target.is_empty() {
        return malformed("the target is empty");
    }
    if !target.bytes().all(|b| b.is_ascii_graphic()) {
        return malformed("the target has spaces, control or non-ASCII characters");
    }
    if target.contains(['/', '?', '#', '@']) {
        return malformed("a CONNECT target has no scheme, path, query or user");
    }
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return malformed("the IPv6 literal has no closing ]");
        };
        if literal.parse::<Ipv6Addr>().is_err() {
            return malformed("the bracketed host is not an IPv6 address");
        }
        let Some(port) = after.strip_prefix(':') else {
            return malformed("the port is missing");
        };
        (literal, port)
    } else {
        let Some((host, port)) = target.rsplit_once(':') else {
            return malformed("the port is missing");
        };
        if host.is_empty() {
            return malformed("the host is empty");
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return malformed("the host has characters no host name has");
        }
        (host, port)
    };
    let port = match port.parse::<u16>() {
        Ok(p) if p > 0 && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) => p,
        _ => return malformed("the port is not a number from 1 to 65535"),
    };
    match API_HOSTS.iter().find(|h| h.eq_ignore_ascii_case(host)) {
        Some(api) if port == API_PORT => Ok(api),
        _ => Err(ConnectRefusal::NotServed(format!(
            "CONNECT {shown} is not served: this proxy serves only {}:{API_PORT} and {}:{API_PORT} (WeChat Pay, \
             impersonated by this emulator) and never connects anywhere else",
            API_HOSTS[0], API_HOSTS[1]
        ))),
    }
}

/// At most 100 characters of a target, quoted and escaped (it goes into logs), for messages.
fn shown(target: &str) -> String {
    let head: String = target.chars().take(100).collect();
    if head.len() < target.len() {
        format!("{head:?}…")
    } else {
        format!("{head:?}")
    }
}

/// The answer to a refused CONNECT: its status with a reason phrase that says why, and
/// `{"error": "…"}`.
pub(crate) fn refuse(refusal: &ConnectRefusal) -> Response<Body> {
    let body = serde_json::json!({ "error": refusal.message() }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = refusal.status();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
        .extensions_mut()
        .insert(ReasonPhrase::from_static(refusal.reason().as_bytes()));
    response
}

/// 503: no room for another connection.
pub(crate) fn busy() -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(
        br#"{"error":"too many open connections; try again later"}"#,
    )));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
}

/// 200: the tunnel is open (hyper then hands the connection over).
pub(crate) fn established() -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()));
    response
        .extensions_mut()
        .insert(ReasonPhrase::from_static(b"Connection Established"));
    response
}

/// The tunnel a 200 opened, with the client's TLS handshake done (SNI checked by the CA's
/// resolver), within `timeout`.
pub(crate) async fn accept<B>(
    request: Request<B>,
    tls: Arc<ServerConfig>,
    timeout: Duration,
) -> Result<TlsStream<TokioIo<Upgraded>>, String> {
    let upgraded = hyper::upgrade::on(request)
        .await
        .map_err(|e| format!("the tunnel did not open: {e}"))?;
    match tokio::time::timeout(
        timeout,
        TlsAcceptor::from(tls).accept(TokioIo::new(upgraded)),
    )
    .await
    {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(format!("TLS handshake failed: {e}")),
        Err(_) => Err(format!("no TLS handshake within {} s", timeout.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn targets() {
        for ok in [
            "api.mch.weixin.qq.com:443",
            "api2.mch.weixin.qq.com:443",
            "Api.Mch.Weixin.QQ.com:443",
        ] {
            assert!(parse_connect_target(ok).is_ok(), "{ok}");
        }
        for not_served in [
            "example.com:443",
            "api.mch.weixin.qq.com:8443",
            "api.mch.weixin.qq.com.:443",
            "127.0.0.1:443",
            "[::1]:443",
        ] {
            let err = parse_connect_target(not_served).unwrap_err();
            assert!(matches!(err, ConnectRefusal::NotServed(_)), "{not_served}");
            assert_eq!(err.status(), 403);
            assert!(err.message().contains("api2.mch.weixin.qq.com:443"));
        }
        for (malformed, rule) in [
            ("", "empty"),
            ("api.mch.weixin.qq.com", "port is missing"),
            ("api.mch.weixin.qq.com:", "port is not a number"),
            ("api.mch.weixin.qq.com:0", "port is not a number"),
            ("api.mch.weixin.qq.com:65536", "port is not a number"),
            ("api.mch.weixin.qq.com:+443", "port is not a number"),
            (":443", "host is empty"),
            ("https://api.mch.weixin.qq.com:443/", "no scheme"),
            ("user@api.mch.weixin.qq.com:443", "no scheme"),
            ("a b:443", "spaces"),
            ("[::1:443", "closing ]"),
            ("[nope]:443", "not an IPv6"),
            ("a:b:443", "characters no host name has"),
        ] {
            let err = parse_connect_target(malformed).unwrap_err();
            assert_eq!(err.status(), 400, "{malformed}");
            assert!(
                err.message().contains(rule),
                "{malformed}: {}",
                err.message()
            );
        }
        assert!(ConnectRefusal::Disabled.message().contains("--ca-dir"));
        // A target goes into logs quoted and escaped, and cut at 100 characters.
        let err = parse_connect_target("evil\x1b[2J:443").unwrap_err();
        assert!(
            !err.message().contains('\x1b') && err.message().contains("\\u{1b}"),
            "{}",
            err.message()
        );
        let long = format!("{}:443", "a".repeat(5000));
        assert!(parse_connect_target(&long).unwrap_err().message().len() < 400);
    }

    proptest! {
        /// Whatever the input: no panic, and an accepted target is an API host on 443.
        #[test]
        fn only_api_hosts_are_accepted(target in "\\PC{0,64}") {
            if let Ok(host) = parse_connect_target(&target) {
                prop_assert!(API_HOSTS.contains(&host));
                prop_assert_eq!(target.to_ascii_lowercase(), format!("{}:443", host));
            }
        }

        #[test]
        fn an_api_host_in_any_case_is_accepted(host in prop::sample::select(API_HOSTS.to_vec()), upper in any::<u64>()) {
            let mixed: String = host.chars().enumerate()
                .map(|(i, c)| if upper >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c })
                .collect();
            prop_assert_eq!(parse_connect_target(&format!("{mixed}:443")), Ok(host));
        }
    }
}
