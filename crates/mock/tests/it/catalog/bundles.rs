//! Stock bundles (E15–E19) in both modes; users' bundles (E23, E24 and its claim, E30) in
//! partner mode, with their SEND callbacks.

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::CallbackConfig;
use wxpay_mock::fixtures::dev;
use wxpay_models::stock::{GetStockRequest, ListAssociatedStoresRequest, ListStocksRequest};
use wxpay_models::stock_bundle::{
    AssociateStoresForStockBundleRequest, CreateStockBundleRequest,
    DisassociateStoresForStockBundleRequest, UpdateStockBundleBudgetRequest,
    UpdateStockBundleRequest,
};
use wxpay_models::user_coupon::{ListUserProductCouponsRequest, UseUserProductCouponRequest};
use wxpay_models::user_coupon_bundle::{
    DeactivateUserProductCouponBundleRequest, PreSendUserProductCouponBundleRequest,
    SendUserProductCouponBundleRequest, UserProductCouponBundleEntity,
};
use wxpay_models::{
    AssociatedOrderInfo, ConfirmSendUserProductCouponRequest, CouponSentEvent, Mode, Notification,
    StockBundleEntity, StockStoreScope, StoreInfo, UpdateMode, UserProductCouponSendChannel,
    UserProductCouponState, WxTime,
};
use wxpay_signing::ApiV3Key;
use wxpay_testkit::fixtures::ForBrand;
use wxpay_testkit::fixtures::send_body;
use wxpay_testkit::receiver::Recorder;
use wxpay_testkit::{merchant_signer, mock};

use crate::catalog::{Api, bundle, bundle_product, emulator, expect, no, send_rule, server};

/// A 3-round bundle product coupon made by `api`; its id and first bundle.
pub(crate) async fn three_rounds(
    api: &Api,
    rule: wxpay_models::StockSendRule,
) -> (String, StockBundleEntity) {
    let created = api
        .ok(&bundle_product(
            api,
            3,
            bundle(3, rule, StockStoreScope::Specific),
        ))
        .await;
    (
        created.product_coupon.product_coupon_id,
        created.stock_bundle.expect("the first bundle"),
    )
}

/// E23 of `openid` for the bundle, partner mode.
pub(crate) fn send(pid: &str, bundle_id: &str, openid: &str) -> SendUserProductCouponBundleRequest {
    SendUserProductCouponBundleRequest::new(openid, pid, bundle_id, dev::APPID, no("BS"))
        .with_attach("bundle attach")
        .with_brand_id(dev::BRAND_ID)
}

#[tokio::test]
async fn stock_bundles_in_both_modes() {
    let server = server().await;
    for api in Api::both(&server.base_url()) {
        let brand_id = api.brand_id();
        let (pid, first) = three_rounds(&api, send_rule(100, Some(50), 2)).await;
        assert_eq!(first.stock_bundle_id, format!("{pid}B001"));
        for (i, stock) in first.stock_list.iter().enumerate() {
            assert_eq!(stock.stock_id, format!("{pid}00{}", i + 1));
            let info = stock.stock_bundle_info.as_ref().unwrap();
            assert_eq!(
                (info.stock_bundle_id.as_str(), info.stock_bundle_index),
                (first.stock_bundle_id.as_str(), i as i64)
            );
            let round = stock.progressive_bundle_usage_rule.as_ref().unwrap();
            assert_eq!(
                round.normal_coupon.as_ref().unwrap().discount_amount,
                Some(1_000 + 100 * i as i64)
            );
            assert_eq!(stock.brand_id.is_empty(), api.mode == Mode::Brand);
        }
        // E15: a second bundle, one stock per round again.
        let second = api
            .ok(&CreateStockBundleRequest::new(
                pid.clone(),
                no("SB"),
                bundle(3, send_rule(100, Some(50), 2), StockStoreScope::All),
            )
            .for_brand(brand_id.clone()))
            .await;
        let bid = second.stock_bundle_id.clone();
        assert_eq!(bid, format!("{pid}B002"));
        assert_eq!(second.stock_list[2].stock_id, format!("{pid}006"));
        let listed = api
            .ok(&ListStocksRequest::new(pid.clone())
                .with_stock_bundle_id(bid.clone())
                .for_brand(brand_id.clone()))
            .await;
        let ids: Vec<_> = listed
            .stock_list
            .unwrap()
            .into_iter()
            .map(|s| s.stock_id)
            .collect();
        assert_eq!(
            ids,
            second
                .stock_list
                .iter()
                .map(|s| s.stock_id.clone())
                .collect::<Vec<_>>()
        );

        // E16 changes every round; E17 every round's cap.
        let updated = api
            .ok(
                &UpdateStockBundleRequest::new(pid.clone(), bid.clone(), no("UB"))
                    .with_remark("改")
                    .with_store_scope(StockStoreScope::Specific)
                    .for_brand(brand_id.clone()),
            )
            .await;
        assert!(updated.stock_list.iter().all(
            |s| s.remark.as_deref() == Some("改") && s.store_scope == StockStoreScope::Specific
        ));
        let budget = api
            .ok(&UpdateStockBundleBudgetRequest::new(
                pid.clone(),
                bid.clone(),
                no("BB"),
                UpdateMode::MaxCountPerDay,
            )
            .with_current_max_count_per_day(50)
            .with_target_max_count_per_day(20)
            .for_brand(brand_id.clone()))
            .await;
        assert!(
            budget
                .stock_list
                .iter()
                .all(|s| s.stock_send_rule.max_count_per_day == Some(20))
        );

        // E18, E19: every round's stores.
        let store_list = vec![StoreInfo {
            store_id: "B_STORE".into(),
        }];
        let associate =
            AssociateStoresForStockBundleRequest::new(pid.clone(), bid.clone(), store_list.clone())
                .for_brand(brand_id.clone());
        let associated = api.ok(&associate).await;
        assert_eq!(associated.success_store_list, Some(store_list.clone()));
        for stock in &second.stock_list {
            let stores = api
                .ok(&{
                    let mut r =
                        ListAssociatedStoresRequest::new(pid.clone(), stock.stock_id.clone());
                    r.brand_id = brand_id.clone();
                    r
                })
                .await;
            assert_eq!(stores.store_list, Some(store_list.clone()));
        }
        let again = api.ok(&associate).await;
        assert_eq!(again.failed_store_list.unwrap()[0].code, "ALREADY_EXISTS");
        let removed = api
            .ok(&DisassociateStoresForStockBundleRequest::new(
                pid.clone(),
                bid.clone(),
                store_list.clone(),
            )
            .for_brand(brand_id.clone()))
            .await;
        assert_eq!(removed.success_store_list, Some(store_list));
    }
}

fn fast() -> CallbackConfig {
    CallbackConfig {
        retry_schedule_ms: vec![50, 100, 200],
        timeout_ms: 500,
        ..CallbackConfig::default()
    }
}

const KEY: &str = "0123456789abcdef0123456789ABCDEF";

#[tokio::test]
async fn a_bundle_send_issues_every_round_at_once_with_a_callback_each() {
    let receiver = Recorder::start().await;
    let key = ApiV3Key::new(KEY).unwrap();
    let server =
        mock::start_with(emulator().with_callbacks(&key, Some(&receiver.url()), fast())).await;
    let api = Api::partner(&server.base_url());
    let (pid, stock_bundle) = three_rounds(&api, send_rule(10, None, 1)).await;
    let request = send(&pid, &stock_bundle.stock_bundle_id, "o-bundle-1");
    let answer = api.call(&request).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let sent: UserProductCouponBundleEntity = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(sent.user_coupon_bundle_id, "UB0000000000000001");
    assert_eq!(sent.user_product_coupon_list.len(), 3);
    for (i, coupon) in sent.user_product_coupon_list.iter().enumerate() {
        assert_eq!(coupon.coupon_state, UserProductCouponState::Confirming);
        assert_eq!(coupon.stock.stock_id, stock_bundle.stock_list[i].stock_id);
        assert_eq!(coupon.stock.sent_count_info.total_count, Some(1));
        assert_eq!(coupon.send_request_no, request.send_request_no());
        assert_eq!(coupon.attach.as_deref(), Some("bundle attach"));
        let info = coupon.user_product_coupon_bundle_info.as_ref().unwrap();
        assert_eq!(
            (
                info.user_coupon_bundle_id.as_str(),
                info.user_coupon_bundle_index,
                info.total_count,
                info.used_count
            ),
            ("UB0000000000000001", i as i64, 3, 0)
        );
        assert!(
            coupon.progressive_bundle_usage_detail.is_some()
                && coupon.single_usage_detail.is_none()
        );
    }
    // The same number and body: the same bundle, no new coupon, no new callback.
    let replay = api.call(&request).await;
    assert_eq!(replay.json(), answer.json());
    let metrics = api.client.admin_get("/mock/metrics").await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(text.contains("wxpay_mock_coupons_issued_total 3"), "{text}");
    // The user's list filters by bundle.
    for (bundle, expected) in [("UB0000000000000001", 3), ("UB0000000000000002", 0)] {
        let listed = api
            .ok(
                &ListUserProductCouponsRequest::new("o-bundle-1", request.appid().to_owned())
                    .with_user_coupon_bundle_id(bundle)
                    .with_brand_id(dev::BRAND_ID),
            )
            .await;
        assert_eq!(listed.total_count, Some(expected), "{bundle}");
    }
    // The same number, another body.
    let other = request.clone().with_attach("other");
    expect(
        &api.call(&other).await,
        400,
        "INVALID_REQUEST",
        Some(268_578_927),
        "already used",
    );
    // A single send refuses bundle stocks.
    let mut single = send_body(&stock_bundle.stock_list[0].stock_id, &no("R"), None);
    single["product_coupon_id"] = json!(pid);
    let refused = api
        .client
        .send(&merchant_signer(), "o-bundle-2", &single)
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("PROGRESSIVE_BUNDLE")
    );

    let got = receiver.wait_for(3, 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received.lock().await.len(),
        3,
        "one SEND callback per round, none for the replay"
    );
    let mut codes = Vec::new();
    for r in &got {
        let n: Notification = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(n.event_type, "PRODUCT_COUPON_SP.SEND");
        let plain = key
            .decrypt(
                &n.resource.ciphertext,
                &n.resource.nonce,
                &n.resource.associated_data,
            )
            .unwrap();
        let event: CouponSentEvent = serde_json::from_slice(&plain).unwrap();
        assert_eq!(
            event.user_coupon_bundle_id.as_deref(),
            Some("UB0000000000000001")
        );
        assert_eq!(
            event.stock_bundle_id.as_deref(),
            Some(stock_bundle.stock_bundle_id.as_str())
        );
        codes.push(event.coupon_code);
    }
    codes.sort();
    let mut issued: Vec<_> = sent
        .user_product_coupon_list
        .iter()
        .map(|c| c.coupon_code.clone())
        .collect();
    issued.sort();
    assert_eq!(codes, issued);

    // A round is confirmed and used like a single coupon; the bundle counts it, and the
    // console's timeline shows the use from the round's usage detail.
    let round = &sent.user_product_coupon_list[0];
    let confirm = ConfirmSendUserProductCouponRequest::new(
        "o-bundle-1",
        round.coupon_code.clone(),
        pid.clone(),
        round.stock.stock_id.clone(),
        request.appid().to_owned(),
        no("BC"),
    )
    .with_brand_id(dev::BRAND_ID);
    api.ok(&confirm).await;
    let use_round = UseUserProductCouponRequest::new(
        "o-bundle-1",
        round.coupon_code.clone(),
        pid.clone(),
        round.stock.stock_id.clone(),
        request.appid().to_owned(),
        no("BU"),
        WxTime::now(),
    )
    .with_associated_order_info(AssociatedOrderInfo {
        transaction_id: Some("4200000000123456789123456789".into()),
        ..AssociatedOrderInfo::default()
    })
    .with_brand_id(dev::BRAND_ID);
    let used = api.ok(&use_round).await;
    assert_eq!(used.coupon_state, UserProductCouponState::Used);
    let detail = used.progressive_bundle_usage_detail.as_ref().unwrap();
    assert_eq!(
        detail.usage.use_request_no.as_deref(),
        Some(use_round.out_request_no())
    );
    assert_eq!(used.user_product_coupon_bundle_info.unwrap().used_count, 1);
    let path = format!(
        "/mock/coupons/{}/{}",
        round.stock.stock_id, round.coupon_code
    );
    let timeline = api.client.admin_get(&path).await.json()["timeline"].clone();
    let events: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .filter(|e| *e != "callback")
        .collect();
    assert_eq!(events, ["sent", "confirmed", "used"], "{timeline}");
}

#[tokio::test]
async fn a_pre_sent_bundle_is_claimed_once_within_five_minutes() {
    let server = server().await;
    let api = Api::partner(&server.base_url());
    let (pid, stock_bundle) = three_rounds(&api, send_rule(10, None, 2)).await;
    let pre = |openid: &str| {
        PreSendUserProductCouponBundleRequest::new(
            openid,
            pid.clone(),
            stock_bundle.stock_bundle_id.clone(),
            dev::APPID,
            no("PS"),
        )
        .with_brand_id(dev::BRAND_ID)
    };
    let request = pre("o-pre-1");
    let token = api.ok(&request).await.token;
    assert_eq!(
        api.ok(&request).await.token,
        token,
        "a replay answers the same token"
    );
    let stock_get = GetStockRequest::new(pid.clone(), stock_bundle.stock_list[0].stock_id.clone())
        .with_brand_id(dev::BRAND_ID);
    assert_eq!(
        api.ok(&stock_get).await.sent_count_info.total_count,
        Some(0),
        "a pre-send reserves nothing"
    );

    let claim = |token: String| {
        let client = api.client.clone();
        async move {
            client
                .admin(
                    Method::POST,
                    &format!("/mock/pre-sends/{token}/claim"),
                    &Value::Null,
                )
                .await
        }
    };
    let claimed = claim(token.clone()).await;
    assert_eq!(
        claimed.status,
        200,
        "{}",
        String::from_utf8_lossy(&claimed.body)
    );
    let claimed: UserProductCouponBundleEntity = serde_json::from_slice(&claimed.body).unwrap();
    assert_eq!(claimed.user_product_coupon_list.len(), 3);
    assert!(
        claimed
            .user_product_coupon_list
            .iter()
            .all(
                |c| c.send_channel == UserProductCouponSendChannel::ReceiveComponent
                    && c.send_request_no == request.send_request_no()
            )
    );
    assert_eq!(
        api.ok(&stock_get).await.sent_count_info.total_count,
        Some(1)
    );
    let twice = claim(token).await;
    assert_eq!(twice.status, 409);
    assert!(
        twice.json()["error"]
            .as_str()
            .unwrap()
            .contains(&claimed.user_coupon_bundle_id)
    );
    assert_eq!(claim("nope".into()).await.status, 404);

    let late = api.ok(&pre("o-pre-2")).await.token;
    server.emulator().set_clock_offset(301).expect("clock");
    assert_eq!(claim(late).await.status, 410);
}

#[tokio::test]
async fn deactivating_a_user_bundle_deactivates_every_round() {
    let server = server().await;
    let api = Api::partner(&server.base_url());
    let (pid, stock_bundle) = three_rounds(&api, send_rule(10, None, 1)).await;
    let sent = api
        .ok(&send(&pid, &stock_bundle.stock_bundle_id, "o-deact"))
        .await;
    let request = DeactivateUserProductCouponBundleRequest::new(
        "o-deact",
        sent.user_coupon_bundle_id.clone(),
        pid.clone(),
        stock_bundle.stock_bundle_id.clone(),
        dev::APPID,
        no("DU"),
        "活动结束",
    )
    .with_brand_id(dev::BRAND_ID);
    let done = api.ok(&request).await;
    assert_eq!(done.user_coupon_bundle_id, sent.user_coupon_bundle_id);
    for coupon in &done.user_product_coupon_list {
        assert_eq!(coupon.coupon_state, UserProductCouponState::Deactivated);
        assert_eq!(
            coupon.deactivate_request_no.as_deref(),
            Some(request.out_request_no())
        );
        assert_eq!(coupon.deactivate_reason.as_deref(), Some("活动结束"));
    }
    assert_eq!(api.ok(&request).await, done, "a replay answers the same");
    let again = {
        let mut r = request;
        *r.out_request_no_mut() = no("DU");
        r
    };
    expect(
        &api.call(&again).await,
        400,
        "INVALID_REQUEST",
        Some(268_578_367),
        "DEACTIVATED",
    );
    // Expired coupons are final.
    let late = api
        .ok(&send(&pid, &stock_bundle.stock_bundle_id, "o-late"))
        .await;
    server
        .emulator()
        .set_clock_offset(40 * 86_400)
        .expect("clock");
    let expired = {
        let mut r = again;
        *r.openid_mut() = "o-late".into();
        *r.user_coupon_bundle_id_mut() = late.user_coupon_bundle_id;
        *r.out_request_no_mut() = no("DU");
        r
    };
    expect(
        &api.call(&expired).await,
        400,
        "INVALID_REQUEST",
        Some(268_578_776),
        "EXPIRED",
    );
}
