//! Product coupons and stocks through their whole life, in both modes, and the catalogue
//! feeding single sends (E20).

use serde_json::json;
use wxpay_models::product_coupon::{
    DeactivateProductCouponRequest, QueryProductCouponRequest, UpdateProductCouponRequest,
};
use wxpay_models::stock::{
    AssociateStoresRequest, CreateStockRequest, DeactivateStockRequest, DisassociateStoresRequest,
    GetStockRequest, ListAssociatedStoresRequest, ListStocksRequest, UpdateStockRequest,
    UploadCouponCodesRequest,
};
use wxpay_models::{
    CouponCodeMode, Mode, ProductCouponState, StockState, StockStoreScope, StoreInfo, UpdateMode,
};
use wxpay_testkit::fixtures::ForBrand;
use wxpay_testkit::fixtures::{send_body, unique};
use wxpay_testkit::merchant_signer;

use crate::catalog::{
    Api, no, product_display, send_rule, server, single_product, single_stock, stock, stop_stock,
};

fn stores(ids: &[&str]) -> Vec<StoreInfo> {
    ids.iter()
        .map(|id| StoreInfo {
            store_id: (*id).into(),
        })
        .collect()
}

#[tokio::test]
async fn product_coupons_and_stocks_live_and_die_in_both_modes() {
    let server = server().await;
    for api in Api::both(&server.base_url()) {
        let brand_id = api.brand_id();
        let rule = send_rule(1000, Some(500), 10);
        let created = api
            .ok(&single_product(
                &api,
                stock(
                    CouponCodeMode::Wechatpay,
                    StockStoreScope::None,
                    rule.clone(),
                ),
            ))
            .await;
        let product = created.product_coupon;
        let pid = product.product_coupon_id.clone();
        assert!(pid.starts_with("20000000") && pid.len() == 10, "{pid}");
        assert_eq!(product.state, ProductCouponState::Effective);
        // brand_id is in partner answers only.
        assert_eq!(product.brand_id.is_empty(), api.mode == Mode::Brand);
        let first = created.stock.expect("the first stock");
        assert_eq!(first.stock_id, format!("{pid}001"));
        assert_eq!(first.state, StockState::Sending);
        assert_eq!(first.sent_count_info.total_count, Some(0));

        // E02, E03.
        let query = QueryProductCouponRequest::new(pid.clone()).for_brand(brand_id.clone());
        assert_eq!(api.ok(&query).await.product_coupon_id, pid);
        let renamed = api
            .ok(&UpdateProductCouponRequest::new(
                pid.clone(),
                no("UP"),
                product_display("满100减10新"),
            )
            .for_brand(brand_id.clone()))
            .await;
        assert_eq!(renamed.display_info.name.as_deref(), Some("满100减10新"));

        // E05: an UPLOAD stock with specific stores.
        let upload = api
            .ok(&CreateStockRequest::new(
                pid.clone(),
                no("ST"),
                stock(
                    CouponCodeMode::Upload,
                    StockStoreScope::Specific,
                    rule.clone(),
                ),
            )
            .for_brand(brand_id.clone()))
            .await;
        assert_eq!(upload.stock_id, format!("{pid}002"));
        let sid = upload.stock_id.clone();

        // E06: paged, in creation order, filtered by state.
        let list = |page_token: Option<String>, state: Option<StockState>| {
            let mut r = ListStocksRequest::new(pid.clone()).with_page_size(1);
            r.state = state;
            r.page_token = page_token;
            r.brand_id = brand_id.clone();
            r
        };
        let page1 = api.ok(&list(None, None)).await;
        assert_eq!(page1.total_count, Some(2));
        assert_eq!(
            page1.stock_list.as_ref().unwrap()[0].stock_id,
            first.stock_id
        );
        let page2 = api.ok(&list(page1.next_page_token.clone(), None)).await;
        assert_eq!(page2.stock_list.as_ref().unwrap()[0].stock_id, sid);
        assert_eq!(page2.next_page_token, None);
        // Brand mode gives the total on the first page only.
        assert_eq!(page2.total_count.is_none(), api.mode == Mode::Brand);

        // E07, E08, E09.
        let get = GetStockRequest::new(pid.clone(), sid.clone()).for_brand(brand_id.clone());
        assert_eq!(api.ok(&get).await.stock_send_rule, rule);
        let updated = api
            .ok(&UpdateStockRequest::new(pid.clone(), sid.clone(), no("US"))
                .with_remark("周四专用")
                .for_brand(brand_id.clone()))
            .await;
        assert_eq!(updated.remark.as_deref(), Some("周四专用"));
        assert_eq!(updated.stock_send_rule, rule);
        let budget = |mode, current, target| {
            crate::catalog::budget(&api, (&pid, &sid), mode, current, target)
        };
        let lowered = api.ok(&budget(UpdateMode::MaxCount, 1000, 800)).await;
        assert_eq!(lowered.stock_send_rule.max_count, Some(800));
        let daily = api.ok(&budget(UpdateMode::MaxCountPerDay, 500, 600)).await;
        assert_eq!(daily.stock_send_rule.max_count_per_day, Some(600));

        // E11: new codes, then the same again.
        let upload_codes = |codes: &[&str]| {
            UploadCouponCodesRequest::new(
                pid.clone(),
                sid.clone(),
                no("UC"),
                codes.iter().map(|c| (*c).to_owned()).collect(),
            )
            .for_brand(brand_id.clone())
        };
        let first_upload = api.ok(&upload_codes(&["C1", "C2"])).await;
        assert_eq!(first_upload.total_count, 2);
        assert_eq!(
            first_upload.success_code_list,
            Some(vec!["C1".into(), "C2".into()])
        );
        let again = api.ok(&upload_codes(&["C2", "C3"])).await;
        assert_eq!(again.success_code_list, Some(vec!["C3".into()]));
        assert_eq!(again.already_exist_code_list, Some(vec!["C2".into()]));
        let counted = api.ok(&get).await.coupon_code_count_info.unwrap();
        assert_eq!(
            (counted.total_count, counted.available_count),
            (Some(3), Some(3))
        );

        // E12, E14, E13.
        let associated = api
            .ok(&AssociateStoresRequest::new(
                pid.clone(),
                sid.clone(),
                stores(&["S3", "S1", "S2", "S1"]),
            )
            .for_brand(brand_id.clone()))
            .await;
        assert_eq!(associated.total_count, 3);
        assert_eq!(associated.success_store_list.unwrap().len(), 3);
        let listed = |page_token: Option<String>| {
            let mut r =
                ListAssociatedStoresRequest::new(pid.clone(), sid.clone()).with_page_size(2);
            r.page_token = page_token;
            r.brand_id = brand_id.clone();
            r
        };
        let p1 = api.ok(&listed(None)).await;
        assert_eq!(p1.total_count, Some(3));
        assert_eq!(p1.store_list, Some(stores(&["S1", "S2"])));
        let p2 = api.ok(&listed(p1.next_page_token)).await;
        assert_eq!(
            (p2.store_list, p2.next_page_token),
            (Some(stores(&["S3"])), None)
        );
        // Without page_size a page has 20 stores.
        let many: Vec<String> = (0..25).map(|i| format!("M{i:02}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        api.ok(
            &AssociateStoresRequest::new(pid.clone(), sid.clone(), stores(&many))
                .for_brand(brand_id.clone()),
        )
        .await;
        let default_page = api
            .ok(&{
                let mut r = listed(None);
                r.page_size = None;
                r
            })
            .await;
        assert_eq!(default_page.total_count, Some(28));
        assert_eq!(default_page.store_list.unwrap().len(), 20);
        assert!(default_page.next_page_token.is_some());
        let removed = api
            .ok(&{
                let mut r =
                    DisassociateStoresRequest::new(pid.clone(), sid.clone(), stores(&["S2", "S9"]));
                r.brand_id = brand_id.clone();
                r
            })
            .await;
        assert_eq!(removed.success_store_list, Some(stores(&["S2"])));
        let failed = removed.failed_store_list.unwrap();
        assert_eq!(
            (failed[0].store_id.as_str(), failed[0].code.as_str()),
            ("S9", "NOT_FOUND")
        );

        // E10, then E04 takes the remaining stock with it.
        let stopped = api
            .ok(&{
                let mut r =
                    DeactivateStockRequest::new(pid.clone(), sid.clone(), no("DS"), "批次信息有误");
                r.brand_id = brand_id.clone();
                r
            })
            .await;
        assert_eq!(stopped.state, StockState::Deactivated);
        assert_eq!(stopped.deactivate_reason.as_deref(), Some("批次信息有误"));
        let gone = api
            .ok(
                &DeactivateProductCouponRequest::new(pid.clone(), no("DP"), "活动结束")
                    .for_brand(brand_id.clone()),
            )
            .await;
        assert_eq!(gone.state, ProductCouponState::Deactivated);
        let sending = api.ok(&list(None, Some(StockState::Sending))).await;
        assert_eq!(sending.total_count, Some(0));
        let deactivated = api.ok(&list(None, Some(StockState::Deactivated))).await;
        assert_eq!(deactivated.total_count, Some(2));
    }
}

/// The emulator is useful only if the catalogue API feeds the send path: a product coupon,
/// a stock, codes and stores made through the API, then single sends (E20) from it.
#[tokio::test]
async fn a_stock_made_through_the_api_sends_its_uploaded_codes() {
    let server = server().await;
    let api = Api::partner(&server.base_url());
    let (pid, sid) = single_stock(
        &api,
        CouponCodeMode::Upload,
        StockStoreScope::Specific,
        send_rule(2, None, 1),
    )
    .await;
    api.ok(&UploadCouponCodesRequest::new(
        pid.clone(),
        sid.clone(),
        no("UC"),
        vec![
            "API_CODE_1".into(),
            "API_CODE_2".into(),
            "API_CODE_3".into(),
        ],
    )
    .for_brand(api.brand_id()))
        .await;
    api.ok(
        &AssociateStoresRequest::new(pid.clone(), sid.clone(), stores(&["STORE_1"]))
            .for_brand(api.brand_id()),
    )
    .await;
    let send = |openid: &str| {
        let mut body = send_body(&sid, &unique("R"), None);
        body["product_coupon_id"] = json!(pid);
        let client = api.client.clone();
        let openid = openid.to_owned();
        async move { client.send(&merchant_signer(), &openid, &body).await }
    };
    let coupon = send("o-api-1").await;
    assert_eq!(
        coupon.status,
        200,
        "{}",
        String::from_utf8_lossy(&coupon.body)
    );
    let coupon = coupon.json();
    assert_eq!(coupon["coupon_code"], "API_CODE_1");
    assert_eq!(coupon["coupon_state"], "CONFIRMING");
    assert_eq!(coupon["stock"]["store_scope"], "SPECIFIC");
    // The per-user cap of 1 and the total of 2 are the API-made stock's.
    assert_eq!(send("o-api-1").await.status, 400);
    assert_eq!(send("o-api-2").await.json()["coupon_code"], "API_CODE_2");
    assert_eq!(send("o-api-3").await.status, 403);
    let stock = api
        .ok(&GetStockRequest::new(pid, sid).for_brand(api.brand_id()))
        .await;
    assert_eq!(stock.sent_count_info.total_count, Some(2));
    assert_eq!(
        stock.coupon_code_count_info.unwrap().available_count,
        Some(1)
    );
}

/// A stock shows STOPPED once its window is over by the business clock, and refuses what
/// needs a live stock.
#[tokio::test]
async fn a_stock_past_its_window_shows_stopped() {
    let server = server().await;
    let api = Api::brand(&server.base_url());
    let (pid, sid) = single_stock(
        &api,
        CouponCodeMode::Wechatpay,
        StockStoreScope::None,
        send_rule(10, None, 1),
    )
    .await;
    server
        .emulator()
        .set_clock_offset(40 * 86_400)
        .expect("clock");
    let get = GetStockRequest::new(pid.clone(), sid.clone());
    assert_eq!(api.ok(&get).await.state, StockState::Stopped);
    let answer = api.call(&stop_stock(&api, &pid, &sid)).await;
    crate::catalog::expect(
        &answer,
        400,
        "INVALID_REQUEST",
        Some(268_577_984),
        "is STOPPED",
    );
}
