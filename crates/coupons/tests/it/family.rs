//! The family through the SDK's one generic call, against the emulator over HTTP, in both
//! modes: a coupon's whole life, the list as a stream, the notify config, typed errors, and
//! the retry class and rate limit that come with each operation.

use futures_util::TryStreamExt;
use wxpay_coupons::models::user_coupon::{
    ConfirmSendUserProductCouponRequest, DeactivateUserProductCouponRequest,
    GetUserProductCouponRequest, ListUserProductCouponsRequest, ReturnUserProductCouponRequest,
    UseUserProductCouponRequest,
};
use wxpay_coupons::models::{
    AssociatedOrderInfo, GetNotifyConfigRequest, Mode, SetNotifyConfigRequest, WxTime,
};
use wxpay_coupons::{CouponClient, CouponError, Transport, UserProductCouponState};
use wxpay_mock::fixtures::dev;
use wxpay_signing::KeyStore;
use wxpay_testkit::fixtures::unique;
use wxpay_testkit::mock;

use crate::common::{builder, client, request};

/// The dev brand calling for itself.
fn brand_client(base: &str) -> CouponClient {
    let keys =
        KeyStore::new().with_public_key(dev::PLATFORM_KEY_ID, wxpay_testkit::platform_public_key());
    let transport = Transport::builder(wxpay_testkit::brand_signer(), keys)
        .base_url(base)
        .backup_base_url(base)
        .build()
        .unwrap();
    assert_eq!(transport.mode(), Mode::Brand);
    CouponClient::new(transport)
}

/// A partner client whose default brand fills requests that name none.
fn partner_client(base: &str) -> CouponClient {
    CouponClient::new(
        builder(base)
            .default_brand_id(dev::BRAND_ID)
            .build()
            .unwrap(),
    )
}

async fn life(client: CouponClient) {
    let mut send = request(dev::STOCK_LOAD_TEST);
    send.brand_id = None; // the mode's concern: default brand, or the signing brand
    let coupon = client.send_user_product_coupon(&send).await.unwrap();
    assert_eq!(coupon.coupon_state, UserProductCouponState::Confirming);
    let ids = |c: &str| (send.openid().to_owned(), c.to_owned());
    let (openid, code) = ids(&coupon.coupon_code);
    let confirm = ConfirmSendUserProductCouponRequest::new(
        openid.clone(),
        code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        unique("CONF"),
    );
    let confirmed = client
        .confirm_send_user_product_coupon(&confirm)
        .await
        .unwrap();
    assert_eq!(confirmed.coupon_state, UserProductCouponState::Effective);
    let use_ = UseUserProductCouponRequest::new(
        openid.clone(),
        code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        unique("USE"),
        WxTime::now(),
    )
    .with_associated_order_info(AssociatedOrderInfo {
        transaction_id: Some("4200000000123456789123456789".into()),
        ..Default::default()
    });
    let used = client.execute_answered(&use_).await.unwrap();
    assert_eq!(used.entity.coupon_state, UserProductCouponState::Used);
    assert!(used.request_id.is_some());
    // The same request again is a replay, not a second use.
    assert_eq!(client.execute(&use_).await.unwrap(), used.entity);
    let ret = ReturnUserProductCouponRequest::new(
        openid.clone(),
        code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        unique("RET"),
    );
    assert_eq!(
        client.execute(&ret).await.unwrap().coupon_state,
        UserProductCouponState::Effective
    );
    let off = DeactivateUserProductCouponRequest::new(
        openid.clone(),
        code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        unique("OFF"),
        "done",
    );
    assert_eq!(
        client.execute(&off).await.unwrap().coupon_state,
        UserProductCouponState::Deactivated
    );
    let read = client
        .execute(&GetUserProductCouponRequest::new(
            openid,
            code,
            dev::PRODUCT_COUPON_ID,
            dev::STOCK_LOAD_TEST,
            dev::APPID,
        ))
        .await
        .unwrap();
    assert_eq!(read.deactivate_reason.as_deref(), Some("done"));
}

#[tokio::test]
async fn a_coupons_life_through_execute_in_partner_mode() {
    let server = mock::start().await;
    life(partner_client(&server.base_url())).await;
}

#[tokio::test]
async fn a_coupons_life_through_execute_in_brand_mode() {
    let server = mock::start().await;
    life(brand_client(&server.base_url())).await;
}

#[tokio::test]
async fn partner_mode_needs_a_brand_somewhere() {
    let server = mock::start().await;
    let client = client(&server.base_url()); // no default brand
    let mut send = request(dev::STOCK_LOAD_TEST);
    send.brand_id = None;
    match client.send_user_product_coupon(&send).await {
        Err(CouponError::Invalid(e)) => {
            assert!(e.has("brand_id"), "{e}");
            assert!(e.to_string().contains("partner mode"), "{e}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    // A brand-mode client refuses to act for another brand.
    let brand = brand_client(&server.base_url());
    let mut other = request(dev::STOCK_LOAD_TEST);
    other.brand_id = Some("999999".into());
    assert!(matches!(
        brand.send_user_product_coupon(&other).await,
        Err(CouponError::Invalid(_))
    ));
}

#[tokio::test]
async fn lists_stream_page_after_page() {
    let server = mock::start().await;
    for client in [
        partner_client(&server.base_url()),
        brand_client(&server.base_url()),
    ] {
        let openid = unique("o");
        let mut codes = Vec::new();
        for _ in 0..7 {
            let mut send = request(dev::STOCK_LOAD_TEST);
            *send.openid_mut() = openid.clone();
            send.brand_id = None;
            codes.push(
                client
                    .send_user_product_coupon(&send)
                    .await
                    .unwrap()
                    .coupon_code,
            );
        }
        let list = ListUserProductCouponsRequest::new(openid, dev::APPID).with_page_size(3);
        let all: Vec<_> = client.paginate(list).try_collect().await.unwrap();
        let listed: Vec<String> = all.into_iter().map(|c| c.coupon_code).collect();
        assert_eq!(listed, codes);
    }
}

#[tokio::test]
async fn the_notify_config_is_per_provider_and_per_brand() {
    let server = mock::start().await;
    let partner = partner_client(&server.base_url());
    let brand = brand_client(&server.base_url());
    let url = "http://127.0.0.1:9/notify";
    let set = partner
        .execute(&SetNotifyConfigRequest::new(url))
        .await
        .unwrap();
    assert_eq!(set.notify_url, url);
    assert!(set.update_time.is_some());
    let read = partner
        .execute(&GetNotifyConfigRequest::new())
        .await
        .unwrap();
    assert_eq!(read.notify_url, url);
    let other = brand.execute(&GetNotifyConfigRequest::new()).await.unwrap();
    assert_eq!(other.notify_url, "");
    // An https URL only (loopback http is the tests' exception): refused before sending.
    let bad = SetNotifyConfigRequest::new("http://example.com/n");
    assert!(matches!(
        brand.execute(&bad).await,
        Err(CouponError::Invalid(_))
    ));
}

#[tokio::test]
async fn each_operation_is_paced_at_its_own_limit() {
    // set-notify-config is documented at 20/s per provider, and the emulator holds it to
    // that: 40 at once would be refused in part, but the client paces that operation at
    // its own limit (sends keep theirs), so none is refused.
    let server = mock::start().await;
    let client = partner_client(&server.base_url());
    let set = SetNotifyConfigRequest::new("http://127.0.0.1:9/notify");
    let calls = (0..40).map(|_| {
        let (client, set) = (client.clone(), set.clone());
        tokio::spawn(async move { client.execute(&set).await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.emulator().answered_with_status(429), 0);
}
