//! Invariants: sign→verify round trips, any single-byte tampering fails, the header parser
//! never panics and reads back what the signer writes.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use wxpay_signing::clock::FixedClock;
use wxpay_signing::{
    Authorization, KeyStore, PlatformSigner, Principal, PrivateKey, Signer, Verifier,
    verify_request,
};

const NOW: i64 = 1_764_381_600;

struct Keys {
    merchant: Signer,
    merchant_key: PrivateKey,
    platform: PlatformSigner,
    verifier: Verifier,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let load = |name: &str| {
            PrivateKey::from_pem_file(crate::data_path(&format!("keys/{name}"))).expect("test key")
        };
        let merchant_key = load("merchant_key.pem");
        let platform_key = load("platform_key.pem");
        Keys {
            merchant: Signer::new("1900000001", "5157F09E", merchant_key.clone()),
            merchant_key,
            platform: PlatformSigner::new("PUB_KEY_ID_01", platform_key.clone()),
            verifier: Verifier::new(
                KeyStore::new().with_public_key("PUB_KEY_ID_01", platform_key.public_key()),
            )
            .with_clock(Arc::new(FixedClock(NOW))),
        }
    })
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_owned()),
        Just("POST".to_owned()),
        "[A-Z]{1,10}"
    ]
}

fn url() -> impl Strategy<Value = String> {
    "/[!-~]{0,200}"
}

fn nonce() -> impl Strategy<Value = String> {
    "[!#-+\\--~]{1,64}" // printable ASCII without '"' (0x22) and ',' (0x2C)
}

fn flip(bytes: &mut [u8], index: prop::sample::Index, mask: u8) {
    let i = index.index(bytes.len());
    bytes[i] ^= mask;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn request_round_trip(method in method(), url in url(), body in prop::collection::vec(any::<u8>(), 0..512),
                          nonce in nonce(), skew in -300i64..=300) {
        let k = keys();
        let auth = k.merchant.authorization_at(&method, &url, &body, NOW + skew, &nonce).expect("sign");
        let parsed = Authorization::parse(&auth.to_string()).expect("parse own header");
        prop_assert_eq!(&parsed, &auth);
        prop_assert!(verify_request(&parsed, &k.merchant_key.public_key(), &method, &url, &body, NOW, 300).is_ok());
    }

    #[test]
    fn request_tampering_fails(body in prop::collection::vec(any::<u8>(), 1..256), nonce in nonce(),
                               index in any::<prop::sample::Index>(), mask in 1u8..=255, field in 0usize..4) {
        let k = keys();
        let url = "/v3/marketing/partner/product-coupon/users/o1/coupons";
        let auth = k.merchant.authorization_at("POST", url, &body, NOW, &nonce).expect("sign");
        let public = k.merchant_key.public_key();
        let mut body2 = body.clone();
        let mut auth2 = auth.clone();
        match field {
            0 => flip(&mut body2, index, mask),
            1 => auth2.timestamp = tamper_str(&auth.timestamp, index, mask),
            2 => auth2.nonce_str = tamper_str(&auth.nonce_str, index, mask),
            _ => auth2.signature = tamper_str(&auth.signature, index, mask),
        }
        prop_assert!(verify_request(&auth2, &public, "POST", url, &body2, NOW, 300).is_err());
    }

    #[test]
    fn response_round_trip(body in prop::collection::vec(any::<u8>(), 0..1024), nonce in nonce(), skew in -300i64..=300) {
        let k = keys();
        let signed = k.platform.sign_at(&body, NOW + skew, &nonce).expect("sign");
        prop_assert!(k.verifier.verify(&signed.as_headers(), &body).is_ok());
    }

    #[test]
    fn response_tampering_fails(body in prop::collection::vec(any::<u8>(), 1..256), nonce in nonce(),
                                index in any::<prop::sample::Index>(), mask in 1u8..=255, field in 0usize..4) {
        let k = keys();
        let signed = k.platform.sign_at(&body, NOW, &nonce).expect("sign");
        let mut body2 = body.clone();
        let mut h = signed.clone();
        match field {
            0 => flip(&mut body2, index, mask),
            1 => h.timestamp = tamper_str(&signed.timestamp, index, mask),
            2 => h.nonce = tamper_str(&signed.nonce, index, mask),
            _ => h.signature = tamper_str(&signed.signature, index, mask),
        }
        prop_assert!(k.verifier.verify(&h.as_headers(), &body2).is_err());
    }

    #[test]
    fn header_parser_never_panics(input in ".{0,300}") {
        let _ = Authorization::parse(&input);
        let _ = Authorization::parse(&format!("WECHATPAY2-SHA256-RSA2048 {input}"));
    }

    #[test]
    fn header_parser_reads_any_field_order(order in Just([0usize, 1, 2, 3, 4]).prop_shuffle(), brand in any::<bool>(),
                                           id in "[0-9]{1,12}", nonce in nonce(), sig in "[A-Za-z0-9+/=]{1,344}",
                                           ts in "[0-9]{1,10}", serial in "[0-9A-Z_]{1,64}") {
        let (scheme, field, principal) = if brand {
            ("WECHATPAY-BRAND-SHA256-RSA2048", "brand_id", Principal::Brand(id.clone()))
        } else {
            ("WECHATPAY2-SHA256-RSA2048", "mchid", Principal::Merchant(id.clone()))
        };
        let fields = [(field, &id), ("nonce_str", &nonce), ("signature", &sig), ("timestamp", &ts), ("serial_no", &serial)];
        let parts: Vec<String> = order.iter().map(|&i| format!("{}=\"{}\"", fields[i].0, fields[i].1)).collect();
        let auth = Authorization::parse(&format!("{scheme} {}", parts.join(","))).expect("parse");
        prop_assert_eq!(auth, Authorization { principal, nonce_str: nonce, signature: sig, timestamp: ts, serial_no: serial });
    }
}

/// Changes one byte of an ASCII string; the result may stop being ASCII, which must fail too.
fn tamper_str(s: &str, index: prop::sample::Index, mask: u8) -> String {
    let mut bytes = s.as_bytes().to_vec();
    flip(&mut bytes, index, mask);
    String::from_utf8_lossy(&bytes).into_owned()
}
