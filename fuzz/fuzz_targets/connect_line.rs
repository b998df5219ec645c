//! The HTTPS proxy's CONNECT line on arbitrary bytes, as the server meets it: httparse (what
//! hyper parses a request head with), the request-target as an `http::Uri`, then
//! `wxpay_mock::proxy::parse_connect_target`. Never a panic; accepted only for an API host on
//! port 443; every refusal a 400 or 403 with a bounded message. The raw bytes as UTF-8 go
//! straight to the parser too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wxpay_mock::proxy::{API_HOSTS, parse_connect_target};

fn check(target: &str) {
    match parse_connect_target(target) {
        Ok(host) => {
            assert!(API_HOSTS.contains(&host));
            assert_eq!(target.to_ascii_lowercase(), format!("{host}:443"));
        }
        Err(refusal) => {
            assert!(matches!(refusal.status().as_u16(), 400 | 403));
            let message = refusal.message();
            assert!(!message.is_empty() && message.len() < 2048, "{message}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut request = httparse::Request::new(&mut headers);
    if !matches!(request.parse(data), Ok(httparse::Status::Complete(_))) {
        return;
    }
    if request.method != Some("CONNECT") {
        return;
    }
    let Some(path) = request.path else { return };
    if let Ok(uri) = path.parse::<http::Uri>() {
        check(&uri.to_string());
    }
});
