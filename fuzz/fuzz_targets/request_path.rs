//! The emulator's whole request path (steps 1–11 and the signed answer) on arbitrary input:
//! never a panic, never a 5xx, always a signed answer.
//!
//! The first byte picks what is arbitrary: the body of a correctly signed request, the
//! Authorization header, or the openid path segment.

#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use wxpay_mock::{Emulator, Limits};
use wxpay_signing::{PrivateKey, Signer};

const MERCHANT_KEY: &[u8] = include_bytes!("../../crates/mock/dev-keys/merchant_key.pem");

fn setup() -> &'static (Emulator, Signer) {
    static S: OnceLock<(Emulator, Signer)> = OnceLock::new();
    S.get_or_init(|| {
        let limits = Limits { rate_per_sec: 1_000_000_000, ..Limits::default() };
        let key = PrivateKey::from_pem(MERCHANT_KEY).expect("dev key");
        (Emulator::dev().with_limits(limits), Signer::new("1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", key))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let (emulator, signer) = setup();
    let mut openid = "o1".to_owned();
    let mut body = rest.to_vec();
    let mut authorization = None;
    match mode % 3 {
        0 => {}
        1 => {
            let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            authorization = Some(String::from_utf8_lossy(&rest[..split]).into_owned());
            body = rest.get(split + 1..).unwrap_or_default().to_vec();
        }
        _ => {
            let segment: String = String::from_utf8_lossy(rest).chars().filter(|c| c.is_ascii_graphic() && *c != '/' && *c != '?' && *c != '#').collect();
            if segment.is_empty() {
                return;
            }
            openid = segment;
            body = br#"{"product_coupon_id":"1000000013","appid":"wx233544546545989","stock_id":"1000000013002","send_request_no":"FUZZ000001","brand_id":"120344"}"#.to_vec();
        }
    }
    let path = format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons");
    let authorization = match authorization {
        Some(a) => a,
        None => match signer.authorization("POST", &path, &body) {
            Ok(a) => a.to_string(),
            Err(_) => return,
        },
    };
    let Ok(request) = http::Request::post(path.as_str())
        .header("Content-Type", "application/json")
        .header("Authorization", authorization.as_str())
        .body(Bytes::from(body))
    else {
        return; // not representable as an HTTP request (e.g. a header with a newline)
    };
    let response = emulator.call(request);
    assert!(response.status().as_u16() < 500, "{} {:?}", response.status(), response.body());
    assert!(response.headers().contains_key("Wechatpay-Signature"));
    assert!(response.headers().contains_key("Request-ID"));
});
