//! The confirm endpoint (docs/contracts.md §8) over HTTP: CONFIRMING → EFFECTIVE, PENDING before the
//! validity begins, idempotent replays, and a clear error for every wrong confirm.

use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::{assert_signed, create_stock, send_body, unique};
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{merchant_signer, mock};

async fn issue(client: &TestClient, stock: &str) -> (String, String) {
    let openid = unique("o");
    let answer = client
        .send(
            &merchant_signer(),
            &openid,
            &send_body(stock, &unique("R"), None),
        )
        .await;
    assert_eq!(answer.status, 200);
    (
        openid,
        answer.json()["coupon_code"].as_str().unwrap().to_owned(),
    )
}

pub(crate) fn confirm_body(stock: &str, out_request_no: &str) -> Value {
    json!({
        "product_coupon_id": dev::PRODUCT_COUPON_ID, "stock_id": stock, "appid": dev::APPID,
        "out_request_no": out_request_no, "brand_id": dev::BRAND_ID,
    })
}

pub(crate) async fn confirm(client: &TestClient, openid: &str, code: &str, body: &Value) -> Answer {
    let path =
        format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons/{code}/confirm");
    let answer = client
        .signed_post(
            &merchant_signer(),
            &path,
            &serde_json::to_vec(body).unwrap(),
        )
        .await;
    assert_signed(&answer);
    answer
}

#[tokio::test]
async fn confirm_makes_a_coupon_effective_once() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let (openid, code) = issue(&client, dev::STOCK_WECHATPAY).await;
    let no = unique("CF");
    let answer = confirm(
        &client,
        &openid,
        &code,
        &confirm_body(dev::STOCK_WECHATPAY, &no),
    )
    .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let entity = answer.json();
    assert_eq!(entity["coupon_state"], "EFFECTIVE");
    assert_eq!(entity["confirm_request_no"], no.as_str());
    assert!(entity["confirm_time"].as_str().unwrap().ends_with("+08:00"));
    // An identical replay answers the same; another number for the same coupon is refused.
    let again = confirm(
        &client,
        &openid,
        &code,
        &confirm_body(dev::STOCK_WECHATPAY, &no),
    )
    .await;
    assert_eq!(
        (again.status.as_u16(), again.json()["confirm_time"].clone()),
        (200, entity["confirm_time"].clone())
    );
    let other = confirm(
        &client,
        &openid,
        &code,
        &confirm_body(dev::STOCK_WECHATPAY, &unique("CF")),
    )
    .await;
    assert_eq!(other.status, 400);
    assert_eq!(other.code(), "INVALID_REQUEST");
    assert!(
        other.json()["message"]
            .as_str()
            .unwrap()
            .contains("not CONFIRMING"),
        "{}",
        other.json()
    );
    // The ledger shows it.
    let listed = client
        .admin_get(&format!("/mock/coupons?openid={openid}"))
        .await
        .json();
    assert_eq!(listed["data"][0]["coupon_state"], "EFFECTIVE");
    // The same number for another coupon is a conflict.
    let (openid2, code2) = issue(&client, dev::STOCK_WECHATPAY).await;
    let conflict = confirm(
        &client,
        &openid2,
        &code2,
        &confirm_body(dev::STOCK_WECHATPAY, &no),
    )
    .await;
    assert_eq!(
        (conflict.status.as_u16(), conflict.code()),
        (400, "ALREADY_EXISTS".to_owned())
    );
}

#[tokio::test]
async fn a_coupon_not_yet_valid_is_pending_until_its_day() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |s| {
        s["single_usage_rule"]["coupon_available_period"]["wait_days_after_receive"] = json!(2)
    })
    .await;
    let (openid, code) = issue(&client, &stock).await;
    let answer = confirm(
        &client,
        &openid,
        &code,
        &confirm_body(&stock, &unique("CF")),
    )
    .await;
    assert_eq!(answer.json()["coupon_state"], "PENDING");
    client
        .admin(
            http::Method::PUT,
            "/mock/clock",
            &json!({"offset_secs": 3 * 86_400}),
        )
        .await;
    let listed = client
        .admin_get(&format!("/mock/coupons?openid={openid}"))
        .await
        .json();
    assert_eq!(listed["data"][0]["coupon_state"], "EFFECTIVE");
}

#[tokio::test]
async fn wrong_confirms_say_what_is_wrong() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let (openid, code) = issue(&client, dev::STOCK_WECHATPAY).await;
    let no = unique("CF");
    let unknown = confirm(
        &client,
        &openid,
        "NOSUCHCODE",
        &confirm_body(dev::STOCK_WECHATPAY, &no),
    )
    .await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.code()),
        (404, "NOT_FOUND".to_owned())
    );
    let other_user = confirm(
        &client,
        "someone-else",
        &code,
        &confirm_body(dev::STOCK_WECHATPAY, &no),
    )
    .await;
    assert_eq!(other_user.status, 404);
    for (field, value) in [
        ("product_coupon_id", json!(dev::PRODUCT_COUPON_BUNDLE)),
        ("appid", json!("wx0000000000000000")),
    ] {
        let mut body = confirm_body(dev::STOCK_WECHATPAY, &no);
        body[field] = value;
        let answer = confirm(&client, &openid, &code, &body).await;
        assert_eq!(
            (answer.status.as_u16(), answer.code()),
            (400, "PARAM_ERROR".to_owned()),
            "{field}"
        );
        assert_eq!(answer.json()["detail"]["field"], field);
    }
    let bad_no = confirm(
        &client,
        &openid,
        &code,
        &confirm_body(dev::STOCK_WECHATPAY, "x"),
    )
    .await;
    assert_eq!(bad_no.code(), "PARAM_ERROR");
    assert!(
        bad_no.json()["message"]
            .as_str()
            .unwrap()
            .contains("out_request_no")
    );
    let not_json = client
        .signed_post(
            &merchant_signer(),
            &format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons/{code}/confirm"),
            b"{",
        )
        .await;
    assert_eq!(not_json.code(), "PARAM_ERROR");
    // After all that, the coupon is still CONFIRMING and can be confirmed.
    assert_eq!(
        confirm(
            &client,
            &openid,
            &code,
            &confirm_body(dev::STOCK_WECHATPAY, &no)
        )
        .await
        .status,
        200
    );
}
