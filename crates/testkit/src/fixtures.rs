//! Request bodies and stocks for tests, built on the emulator's dev state.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_models::Endpoint;

use crate::http_client::{Answer, TestClient};

/// A string unique within this test process: `prefix` + pid + counter (valid as an openid,
/// send_request_no or coupon_code).
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Sets a built request's `brand_id` from an `Option` (tests that run in both modes pass
/// `Some` in partner mode and `None` in brand mode): `GetStockRequest::new(p, s).for_brand(b)`.
pub trait ForBrand: Endpoint {
    /// The request with `brand_id` set to `brand`.
    #[must_use]
    fn for_brand(mut self, brand: Option<String>) -> Self {
        self.set_brand_id(brand);
        self
    }
}

impl<E: Endpoint> ForBrand for E {}

/// A send body for the dev brand, appid and product coupon.
pub fn send_body(stock_id: &str, send_request_no: &str, coupon_code: Option<&str>) -> Value {
    let mut body = json!({
        "product_coupon_id": dev::PRODUCT_COUPON_ID,
        "appid": dev::APPID,
        "stock_id": stock_id,
        "send_request_no": send_request_no,
        "brand_id": dev::BRAND_ID,
    });
    if let Some(code) = coupon_code {
        body["coupon_code"] = json!(code);
    }
    body
}

/// The seed's member request body with a fresh send_request_no and coupon_code.
pub fn seed_member_body() -> Value {
    let mut body: Value =
        serde_json::from_str(include_str!("../../models/tests/data/request-member.json")).unwrap();
    body["send_request_no"] = json!(unique("MCHSEND"));
    body["coupon_code"] = json!(unique("Code_"));
    body
}

/// Creates (through the admin API) a stock of the dev product coupon, a copy of the dev
/// WECHATPAY stock changed by `edit`. Panics unless the emulator answers 201.
pub async fn create_stock(
    client: &TestClient,
    stock_id: &str,
    edit: impl FnOnce(&mut Value),
) -> Value {
    let mut stock = client
        .admin_get(&format!("/mock/stocks/{}", dev::STOCK_WECHATPAY))
        .await
        .json();
    stock["stock_id"] = json!(stock_id);
    edit(&mut stock);
    let answer = client
        .admin(http::Method::POST, "/mock/stocks", &stock)
        .await;
    assert_eq!(
        answer.status,
        201,
        "create stock: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

/// The dev product coupon's JSON under another id, to edit and `POST /mock/product-coupons`.
pub fn product_coupon_like(emulator: &wxpay_mock::Emulator, product_coupon_id: &str) -> Value {
    let mut product = serde_json::to_value(
        emulator
            .product_coupon(dev::PRODUCT_COUPON_ID)
            .expect("the dev product coupon"),
    )
    .unwrap();
    product["product_coupon_id"] = json!(product_coupon_id);
    product
}

/// The stock's live issued count.
pub async fn issued(client: &TestClient, stock_id: &str) -> i64 {
    let stock = client
        .admin_get(&format!("/mock/stocks/{stock_id}"))
        .await
        .json();
    stock["sent_count_info"]["total_count"]
        .as_i64()
        .unwrap_or(-1)
}

/// Asserts Request-ID (28 hex digits, then `-{business code}` on errors that have one) and
/// the Wechatpay-* headers are present, and the signature verifies.
pub fn assert_signed(answer: &Answer) {
    let well_formed = |id: &str| {
        let (hex, code) = id.split_once('-').unwrap_or((id, "0"));
        hex.len() == 28
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
            && !code.is_empty()
            && code.bytes().all(|b| b.is_ascii_digit())
    };
    assert!(
        answer.header("Request-ID").is_some_and(well_formed),
        "Request-ID on {answer:?}"
    );
    answer
        .verify(&crate::platform_verifier())
        .unwrap_or_else(|e| panic!("answer {} not verified: {e}", answer.status));
}

impl TestClient {
    /// Sends one new coupon of `stock_id` (WeChat Pay–assigned codes) to a fresh openid,
    /// signed by the dev merchant; returns the openid and the answer.
    pub async fn send_new(&self, stock_id: &str) -> (String, Answer) {
        let openid = unique("o");
        let body = send_body(stock_id, &unique("R"), None);
        let answer = self.send(&crate::merchant_signer(), &openid, &body).await;
        (openid, answer)
    }
}
