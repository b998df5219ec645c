//! `send_user_product_coupon` against the real emulator over HTTP: each coupon_code mode, and
//! every error row the client can meet, as typed errors.

use crate::common::{builder, client, request};
use serde_json::json;
use wxpay_coupons::{CouponError, CouponTagInfo, ErrorCode, UserProductCouponState};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::{create_stock, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;

fn api(e: CouponError) -> wxpay_coupons::ApiError {
    match e {
        CouponError::Api(api) => *api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn each_coupon_code_mode() {
    let server = mock::start().await;
    let client = client(&server.base_url());
    let mut assigned = request(dev::STOCK_API_ASSIGN);
    assigned.coupon_code = Some(unique("C"));
    assigned.coupon_tag_info = Some(CouponTagInfo::member("card-1"));
    assigned.attach = Some("会员专享 ✓".into());
    let coupon = client.send_user_product_coupon(&assigned).await.unwrap();
    assert_eq!(Some(coupon.coupon_code.clone()), assigned.coupon_code);
    assert_eq!(coupon.coupon_state, UserProductCouponState::Confirming);
    assert_eq!(coupon.attach.as_deref(), Some("会员专享 ✓"));
    assert!(coupon.coupon_tag_info.unwrap().is_member());

    let generated = client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    assert_eq!(generated.coupon_code, "8000000000001");
    let uploaded = client
        .send_user_product_coupon(&request(dev::STOCK_UPLOAD))
        .await
        .unwrap();
    assert_eq!(uploaded.coupon_code, "UPLOAD000001");
    assert_eq!(
        uploaded
            .stock
            .coupon_code_count_info
            .unwrap()
            .available_count,
        Some(999)
    );
}

#[tokio::test]
async fn invalid_requests_are_not_sent() {
    let server = mock::start().await;
    let client = client(&server.base_url());
    let mut bad = request(dev::STOCK_WECHATPAY);
    *bad.send_request_no_mut() = "x".into();
    *bad.openid_mut() = String::new();
    match client.send_user_product_coupon(&bad).await {
        Err(CouponError::Invalid(e)) => assert!(e.has("send_request_no") && e.has("openid"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.emulator().answered_with_status(400) + server.emulator().answered_with_status(200),
        0,
        "nothing reached the emulator"
    );
}

#[tokio::test]
async fn business_errors_are_typed_and_not_retried() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let client = client(&server.base_url());

    // PARAM_ERROR (step 7: a code for a WECHATPAY stock).
    let mut r = request(dev::STOCK_WECHATPAY);
    r.coupon_code = Some("MINE01".into());
    let e = api(client.send_user_product_coupon(&r).await.unwrap_err());
    assert_eq!(
        (e.status, &e.code, e.attempts),
        (400, &ErrorCode::ParamError, 1)
    );
    assert_eq!(
        e.detail.and_then(|d| d.field).as_deref(),
        Some("coupon_code")
    );
    assert!(e.request_id.is_some());

    // INVALID_REQUEST: business rules (paused stock) and the per-user limit.
    let e = api(client
        .send_user_product_coupon(&request(dev::STOCK_PAUSED))
        .await
        .unwrap_err());
    assert_eq!((e.status, e.code), (400, ErrorCode::InvalidRequest));
    let stock = unique("9");
    create_stock(&admin, &stock, |s| {
        s["stock_send_rule"]["max_count_per_user"] = json!(1);
        s["stock_send_rule"]["max_count"] = json!(2);
    })
    .await;
    let first = request(&stock);
    client.send_user_product_coupon(&first).await.unwrap();
    let mut same_user = request(&stock);
    *same_user.openid_mut() = first.openid().to_owned();
    let e = api(client
        .send_user_product_coupon(&same_user)
        .await
        .unwrap_err());
    assert!(e.message.contains("用户领取已达到上限"), "{e}");

    // ALREADY_EXISTS: request number reused with other parameters; code reused.
    let mut conflict = first.clone();
    conflict.attach = Some("other".into());
    let e = api(client
        .send_user_product_coupon(&conflict)
        .await
        .unwrap_err());
    assert_eq!((e.status, e.code), (400, ErrorCode::AlreadyExists));
    let code = unique("C");
    let mut a = request(dev::STOCK_API_ASSIGN);
    a.coupon_code = Some(code.clone());
    client.send_user_product_coupon(&a).await.unwrap();
    let mut b = request(dev::STOCK_API_ASSIGN);
    b.coupon_code = Some(code);
    assert_eq!(
        api(client.send_user_product_coupon(&b).await.unwrap_err()).code,
        ErrorCode::AlreadyExists
    );

    // NOT_ENOUGH: budget; and uploaded codes.
    client
        .send_user_product_coupon(&request(&stock))
        .await
        .unwrap();
    let e = api(client
        .send_user_product_coupon(&request(&stock))
        .await
        .unwrap_err());
    assert_eq!(
        (e.status, e.code, e.attempts),
        (403, ErrorCode::NotEnough, 1)
    );
    let upload = unique("9");
    create_stock(&admin, &upload, |s| s["coupon_code_mode"] = json!("UPLOAD")).await;
    let e = api(client
        .send_user_product_coupon(&request(&upload))
        .await
        .unwrap_err());
    assert_eq!((e.status, e.code), (403, ErrorCode::NotEnough));

    // NOT_FOUND: product coupon, stock.
    let mut r = request(dev::STOCK_WECHATPAY);
    *r.product_coupon_id_mut() = "9999".into();
    assert_eq!(
        api(client.send_user_product_coupon(&r).await.unwrap_err()).status,
        404
    );
    let e = api(client
        .send_user_product_coupon(&request("9999"))
        .await
        .unwrap_err());
    assert_eq!((e.status, e.code.clone()), (404, ErrorCode::NotFound));
    assert!(!CouponError::Api(Box::new(e)).is_retryable());
}

#[tokio::test]
async fn sign_error_from_a_wrong_serial() {
    let server = mock::start().await;
    let keys = wxpay_signing::KeyStore::new()
        .with_public_key(dev::PLATFORM_KEY_ID, wxpay_testkit::platform_public_key());
    let signer =
        wxpay_signing::Signer::new(dev::MCHID, "WRONGSERIAL", wxpay_testkit::merchant_key());
    let transport = wxpay_coupons::Transport::builder(signer, keys)
        .base_url(&server.base_url())
        .backup_base_url(&server.base_url())
        .build()
        .unwrap();
    let e = api(wxpay_coupons::CouponClient::new(transport)
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap_err());
    assert_eq!((e.status, e.code), (401, ErrorCode::SignError));
    assert!(e.message.contains("WRONGSERIAL"), "{}", e.message);
}

#[tokio::test]
async fn system_error_and_rate_limit_are_retried_then_reported() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    admin.set_faults(json!({"error_rate": 1.0})).await;
    let client = client(&server.base_url());
    let err = client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    let e = api(err);
    assert_eq!(
        (e.status, e.code, e.attempts),
        (500, ErrorCode::SystemError, 4)
    );
    assert_eq!(
        wxpay_testkit::mock::sent_total(&server, dev::STOCK_WECHATPAY),
        Some(0)
    );

    let limited = mock::start().await;
    let client = wxpay_coupons::CouponClient::new(
        builder(&limited.base_url())
            .rate_limit_per_sec(0)
            .retry(wxpay_coupons::RetryPolicy::none())
            .build()
            .unwrap(),
    );
    client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    crate::common::rate_limit_next(&limited, 1).await;
    let e = api(client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap_err());
    assert_eq!((e.status, e.code), (429, ErrorCode::RatelimitExceeded));
}
