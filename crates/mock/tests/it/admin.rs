//! The admin API (docs/contracts.md §3.3): status codes, live stock counts, listing, reset, metrics.

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_models::SendUserProductCouponRequest;
use wxpay_testkit::fixtures::{create_stock, product_coupon_like, send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{merchant_signer, mock};

#[tokio::test]
async fn entities_are_created_once_and_validated() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    assert_eq!(
        client.admin_get("/mock/health").await.json(),
        json!({"status": "ok"})
    );
    let product = product_coupon_like(server.emulator(), "3000000001");
    assert_eq!(
        client
            .admin(Method::POST, "/mock/product-coupons", &product)
            .await
            .status,
        201
    );
    assert_eq!(
        client
            .admin(Method::POST, "/mock/product-coupons", &product)
            .await
            .status,
        409
    );
    assert_eq!(
        client
            .admin(
                Method::POST,
                "/mock/product-coupons",
                &json!({"product_coupon_id": 1})
            )
            .await
            .status,
        400
    );
    let raw = client
        .raw(Method::POST, "/mock/stocks", &[], "{not json")
        .await;
    assert_eq!(raw.status, 400);
    assert!(
        raw.json()["error"]
            .as_str()
            .unwrap()
            .contains("malformed StockEntity")
    );

    let stock = create_stock(&client, "3000000001001", |s| {
        s["product_coupon_id"] = json!("3000000001")
    })
    .await;
    assert_eq!(
        stock["sent_count_info"],
        json!({"total_count": 0, "today_count": 0})
    );
    let mut again = stock.clone();
    assert_eq!(
        client
            .admin(Method::POST, "/mock/stocks", &again)
            .await
            .status,
        409
    );
    again["stock_id"] = json!("3000000001002");
    again["product_coupon_id"] = json!("0");
    assert_eq!(
        client
            .admin(Method::POST, "/mock/stocks", &again)
            .await
            .status,
        404
    );
    assert_eq!(client.admin_get("/mock/stocks/0").await.status, 404);
    assert_eq!(client.admin_get("/mock/nothing").await.status, 404);
}

#[tokio::test]
async fn codes_go_to_upload_stocks_only() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let path = format!("/mock/stocks/{}/codes", dev::STOCK_UPLOAD);
    let added = client
        .admin(
            Method::POST,
            &path,
            &json!({"codes": ["NEW1", "NEW2", "UPLOAD000001"]}),
        )
        .await
        .json();
    assert_eq!(added["added"], 2, "a duplicate is skipped");
    assert_eq!(
        added["stock"]["coupon_code_count_info"],
        json!({"total_count": 1002, "available_count": 1002})
    );
    assert_eq!(
        client
            .admin(Method::POST, &path, &json!({"codes": ["bad code"]}))
            .await
            .status,
        400
    );
    let not_upload = format!("/mock/stocks/{}/codes", dev::STOCK_WECHATPAY);
    assert_eq!(
        client
            .admin(Method::POST, &not_upload, &json!({"codes": ["X1"]}))
            .await
            .status,
        400
    );
    assert_eq!(
        client
            .admin(
                Method::POST,
                "/mock/stocks/0/codes",
                &json!({"codes": ["X1"]})
            )
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn coupons_are_listed_with_filters_and_a_clamped_limit() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let emu = server.emulator();
    // 1005 coupons through the library (no HTTP, no RSA), 5 of them for one user.
    let heavy = unique("heavy");
    for i in 0..1005 {
        let openid = if i < 5 {
            heavy.clone()
        } else {
            format!("o{i}")
        };
        emu.send(
            dev::MCHID,
            &SendUserProductCouponRequest::new(
                openid,
                dev::PRODUCT_COUPON_ID,
                dev::STOCK_LOAD_TEST,
                dev::APPID,
                format!("LIST{i:06}"),
            )
            .with_brand_id(dev::BRAND_ID),
        )
        .unwrap();
    }
    let page = client
        .admin_get(&format!(
            "/mock/coupons?stock_id={}&limit=5000",
            dev::STOCK_LOAD_TEST
        ))
        .await
        .json();
    assert_eq!(page["total_count"], 1005);
    assert_eq!(page["data"].as_array().unwrap().len(), 1000);
    let tail = client
        .admin_get(&format!(
            "/mock/coupons?stock_id={}&offset=1000",
            dev::STOCK_LOAD_TEST
        ))
        .await
        .json();
    assert_eq!(tail["data"].as_array().unwrap().len(), 5);
    let user = client
        .admin_get(&format!("/mock/coupons?openid={heavy}"))
        .await
        .json();
    assert_eq!(user["total_count"], 5);
    let first: &Value = &user["data"][0];
    assert_eq!(first["openid"], heavy.as_str());
    assert_eq!(first["send_request_no"], "LIST000000");
    assert_eq!(client.admin_get("/mock/coupons?limit=-1").await.status, 400);
    assert_eq!(
        client.admin_get("/mock/coupons?stock_id=0").await.json()["total_count"],
        0
    );
}

#[tokio::test]
async fn reset_returns_to_the_fixtures() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let openid = unique("o");
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    assert_eq!(
        client.send(&merchant_signer(), &openid, &body).await.status,
        200
    );
    create_stock(&client, "4000000000001", |_| {}).await;
    client.set_faults(json!({"latency_ms": 1})).await;
    client
        .admin(Method::PUT, "/mock/clock", &json!({"offset_secs": 5}))
        .await;
    assert_eq!(
        client
            .admin(Method::POST, "/mock/reset", &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        client.admin_get("/mock/stocks/4000000000001").await.status,
        404
    );
    assert_eq!(
        client.admin_get("/mock/coupons").await.json()["total_count"],
        0
    );
    assert_eq!(
        client.admin_get("/mock/faults").await.json()["latency_ms"],
        0
    );
    // Idempotency records are gone: the same request issues a new coupon.
    let again = client.send(&merchant_signer(), &openid, &body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["coupon_code"], "8000000000001");
}

#[tokio::test]
async fn metrics_count_answers_by_status_and_code() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    client.send_new(dev::STOCK_WECHATPAY).await;
    client.send_new("0").await;
    let answer = client.admin_get("/mock/metrics").await;
    assert!(
        answer
            .header("Content-Type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    assert!(
        text.contains("wxpay_mock_requests_total{endpoint=\"send-user-product-coupon\",status=\"200\",code=\"\"} 1"),
        "{text}"
    );
    assert!(
        text.contains(
            "wxpay_mock_requests_total{endpoint=\"send-user-product-coupon\",status=\"404\",code=\"NOT_FOUND\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("wxpay_mock_coupons_issued_total 1"));
    assert!(text.contains("wxpay_mock_request_duration_seconds_count 2"));
    assert_eq!(server.emulator().answered_with_status(404), 1);
}
