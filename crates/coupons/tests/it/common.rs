//! Shared by this crate's tests: a client for an emulator, requests of the dev state.

use std::time::Duration;

use wxpay_coupons::{
    CouponClient, RetryPolicy, SendUserProductCouponRequest, Transport, TransportBuilder,
};
use wxpay_mock::fixtures::dev;
use wxpay_signing::KeyStore;
use wxpay_testkit::fixtures::unique;

/// A builder for the dev merchant against `base` (both domains), fast retries.
pub(crate) fn builder(base: &str) -> TransportBuilder {
    let keys =
        KeyStore::new().with_public_key(dev::PLATFORM_KEY_ID, wxpay_testkit::platform_public_key());
    Transport::builder(wxpay_testkit::merchant_signer(), keys)
        .base_url(base)
        .backup_base_url(base)
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
}

pub(crate) fn client(base: &str) -> CouponClient {
    CouponClient::new(builder(base).build().unwrap())
}

/// A send of the dev product coupon from `stock_id`, with fresh openid and request number.
pub(crate) fn request(stock_id: &str) -> SendUserProductCouponRequest {
    SendUserProductCouponRequest::new(
        unique("o"),
        dev::PRODUCT_COUPON_ID,
        stock_id,
        dev::APPID,
        unique("REQ"),
    )
    .with_brand_id(dev::BRAND_ID)
}

/// The emulator answers the next `times` sends 429 RATELIMIT_EXCEEDED, as its rate limit
/// does (a fault rule: a real 1/s limit would let a stalled machine's next send through).
pub(crate) async fn rate_limit_next(server: &wxpay_mock::Server, times: u32) {
    let answer = wxpay_testkit::http_client::TestClient::new(&server.base_url())
        .admin(
            http::Method::POST,
            "/mock/faults/rules",
            &serde_json::json!({"operation": "send-user-product-coupon", "times": times, "answer": {"status": 429}}),
        )
        .await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
}

/// A URL whose port refuses connections and stays ours while the socket lives: bound, never
/// listening (a dropped listener's port could be taken by another process meanwhile).
pub(crate) fn refusing_url() -> (tokio::net::TcpSocket, String) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let url = format!("http://{}", socket.local_addr().expect("address"));
    (socket, url)
}
