//! Properties over real HTTP: whatever a signed body or an Authorization header holds, the
//! emulator answers a signed 4xx (or 200), never a 5xx, never a hang.

use std::sync::OnceLock;

use http::Method;
use proptest::prelude::*;
use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::assert_signed;
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{merchant_signer, mock};

struct Harness {
    runtime: tokio::runtime::Runtime,
    client: TestClient,
    _server: wxpay_mock::Server,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(mock::start_with(wxpay_mock::Emulator::dev().with_limits(
            wxpay_mock::Limits {
                rate_per_sec: 100_000,
                ..Default::default()
            },
        )));
        let client = TestClient::new(&server.base_url());
        Harness {
            runtime,
            client,
            _server: server,
        }
    })
}

fn post(path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let h = harness();
    h.runtime
        .block_on(h.client.raw(Method::POST, path, headers, body))
}

fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        "[ -~]{0,140}".prop_map(Value::from),
        prop::collection::vec("[A-Z]{0,8}", 0..3).prop_map(|v| json!(v)),
        Just(json!({"coupon_tag_list": ["MEMBER"]})),
        Just(json!({"coupon_tag_list": ["MEMBER"], "member_tag_info": {"member_card_id": 7}})),
    ]
}

/// Bodies close to valid ones, with any field replaced or removed.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let fields = [
        "product_coupon_id",
        "appid",
        "stock_id",
        "send_request_no",
        "brand_id",
        "coupon_code",
        "attach",
        "coupon_tag_info",
    ];
    (prop::sample::subsequence(fields.to_vec(), 0..=fields.len()), prop::collection::vec(field_value(), 8), any::<u64>()).prop_map(
        move |(replaced, values, n)| {
            let mut body = json!({
                "product_coupon_id": dev::PRODUCT_COUPON_ID, "appid": dev::APPID, "stock_id": dev::STOCK_WECHATPAY,
                "send_request_no": format!("PROP{n}"), "brand_id": dev::BRAND_ID,
            });
            for (field, value) in replaced.iter().zip(values) {
                if value.is_null() {
                    body.as_object_mut().unwrap().remove(*field);
                } else {
                    body[*field] = value;
                }
            }
            serde_json::to_vec(&body).unwrap()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn signed_bodies_never_get_a_5xx(body in body(), openid in "[A-Za-z0-9_%+-]{1,40}") {
        let path = format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons");
        let auth = merchant_signer().authorization("POST", &path, &body).unwrap().to_string();
        let answer = post(&path, &[("Authorization", &auth), ("Content-Type", "application/json")], body);
        assert_signed(&answer);
        prop_assert!([200, 400, 403, 404].contains(&answer.status.as_u16()), "{} {}", answer.status, String::from_utf8_lossy(&answer.body));
    }

    #[test]
    fn raw_bytes_never_get_a_5xx(body in prop::collection::vec(any::<u8>(), 0..400)) {
        let path = "/v3/marketing/partner/product-coupon/users/o1/coupons";
        let auth = merchant_signer().authorization("POST", path, &body).unwrap().to_string();
        let answer = post(path, &[("Authorization", &auth), ("Content-Type", "application/json")], body);
        assert_signed(&answer);
        prop_assert_eq!(answer.status.as_u16(), 400);
    }

    #[test]
    fn any_authorization_header_is_a_401(header in "[ -~]{0,300}", prefixed in any::<bool>()) {
        let header = if prefixed { format!("WECHATPAY2-SHA256-RSA2048 {header}") } else { header };
        let answer = post("/v3/marketing/partner/product-coupon/users/o1/coupons",
                          &[("Authorization", header.trim()), ("Content-Type", "application/json")], b"{}".to_vec());
        assert_signed(&answer);
        prop_assert_eq!(answer.status.as_u16(), 401);
        prop_assert_eq!(answer.code(), "SIGN_ERROR");
    }
}
