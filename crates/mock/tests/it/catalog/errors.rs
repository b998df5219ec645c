//! Every error row of the catalogue and bundle operations, each triggered on purpose: one
//! table per mode, checked as a whole (status, code, Request-ID business code, message).

use serde_json::json;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, MockConfig};
use wxpay_models::product_coupon::{
    CreateProductCouponRequest, DeactivateProductCouponRequest, QueryProductCouponRequest,
    UpdateProductCouponRequest,
};
use wxpay_models::stock::{
    AssociateStoresRequest, CreateStockRequest, GetStockRequest, ListAssociatedStoresRequest,
    ListStocksRequest, UpdateStockRequest, UploadCouponCodesRequest,
};
use wxpay_models::stock_bundle::{
    AssociateStoresForStockBundleRequest, CreateStockBundleRequest, UpdateStockBundleBudgetRequest,
    UpdateStockBundleRequest,
};
use wxpay_models::user_coupon::{GetUserProductCouponRequest, ListUserProductCouponsRequest};
use wxpay_models::user_coupon_bundle::{
    DeactivateUserProductCouponBundleRequest, PreSendUserProductCouponBundleRequest,
};
use wxpay_models::{
    CouponCodeMode, DiscountCouponUsageRule, Endpoint, Mode, NormalCouponUsageRule,
    SendUserProductCouponRequest, SequentialUsageInfo, SequentialUsageRule, SequentialUsageType,
    StockStoreScope, StoreInfo, UpdateMode, UsageMode,
};
use wxpay_signing::Signer;
use wxpay_testkit::fixtures::ForBrand;
use wxpay_testkit::http_client::Answer;
use wxpay_testkit::{key_path, merchant_key, mock};

use crate::catalog::bundles::{send, three_rounds};
use crate::catalog::{
    Api, biz, bundle, bundle_product, no, period, product_display, send_rule, server,
    single_product, single_stock, stock, stop_stock,
};

/// One expected error answer.
struct Row {
    name: String,
    answer: Answer,
    status: u16,
    code: &'static str,
    biz: Option<u32>,
    part: &'static str,
}

/// Checks every row, reporting all mismatches at once.
fn check(rows: &[Row]) {
    let mut wrong = Vec::new();
    for r in rows {
        let json = r.answer.json();
        let message = json["message"].as_str().unwrap_or_default();
        let got = (
            r.answer.status.as_u16(),
            json["code"].as_str().unwrap_or_default(),
            biz(&r.answer),
        );
        if got != (r.status, r.code, r.biz) || !message.contains(r.part) {
            wrong.push(format!(
                "{}: got {got:?} {message:?}, want ({}, {}, {:?}) containing {:?}",
                r.name, r.status, r.code, r.biz, r.part
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rows wrong:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

macro_rules! row {
    ($rows:ident, $api:expr, $name:expr, $answer:expr => $status:expr, $code:expr, $biz:expr, $part:expr) => {
        $rows.push(Row {
            name: format!("{} ({})", $name, $api.mode),
            answer: $answer.await,
            status: $status,
            code: $code,
            biz: $biz,
            part: $part,
        })
    };
}

const NOT_FOUND: Option<u32> = Some(268_578_608);
const NOT_SENDING: Option<u32> = Some(268_577_984);
const PARAM_RULE: Option<u32> = Some(268_578_224);
const APPID: Option<u32> = Some(268_578_704);
const ALL_STORES: Option<u32> = Some(268_578_813);
const SAME_NO: Option<u32> = Some(268_578_927);

#[tokio::test]
async fn every_catalogue_error_row_in_both_modes() {
    let server = server().await;
    let mut rows = Vec::new();
    for api in Api::both(&server.base_url()) {
        let b = api.brand_id();
        let all = |api| {
            single_stock(
                api,
                CouponCodeMode::Wechatpay,
                StockStoreScope::All,
                send_rule(10, None, 1),
            )
        };
        let (pid, sid) = all(&api).await;
        let (bpid, stock_bundle) = three_rounds(&api, send_rule(10, None, 1)).await;
        let bid = stock_bundle.stock_bundle_id.clone();
        let bsid = stock_bundle.stock_list[0].stock_id.clone();
        let (dpid, dsid) = all(&api).await;
        let deactivate =
            DeactivateProductCouponRequest::new(dpid.clone(), no("DP"), "x").for_brand(b.clone());
        api.ok(&deactivate).await;
        for openid in ["o-err-1", "o-err-2"] {
            api.ok(&SendUserProductCouponRequest::new(
                openid,
                pid.clone(),
                sid.clone(),
                dev::APPID,
                no("R"),
            )
            .for_brand(b.clone()))
                .await;
        }
        let get = |p: &str, s: &str| GetStockRequest::new(p, s).for_brand(b.clone());
        let create_stock =
            |p: &str, stock| CreateStockRequest::new(p, no("ST"), stock).for_brand(b.clone());
        let plain = || {
            stock(
                CouponCodeMode::Wechatpay,
                StockStoreScope::None,
                send_rule(10, None, 1),
            )
        };
        let update = |p: &str, s: &str| {
            UpdateStockRequest::new(p, s, no("US"))
                .with_remark("r")
                .for_brand(b.clone())
        };
        let budget = |s: &str, mode, current, target| {
            let p = if s == bsid { &bpid } else { &pid };
            crate::catalog::budget(&api, (p, s), mode, current, target)
        };
        let stores = vec![StoreInfo {
            store_id: "S1".into(),
        }];

        row!(rows, api, "E02 unknown product coupon", api.call(&QueryProductCouponRequest::new("2999999999").for_brand(b.clone()))
            => 404, "NOT_FOUND", NOT_FOUND, "2999999999");
        row!(rows, api, "E07 stock of another product coupon", api.call(&get(&pid, &bsid))
            => 404, "NOT_FOUND", NOT_FOUND, "does not exist in product coupon");
        row!(rows, api, "E03 deactivated product coupon", api.call(&UpdateProductCouponRequest::new(dpid.clone(), no("UP"), product_display("新名字呀")).for_brand(b.clone()))
            => 400, "INVALID_REQUEST", None, "is DEACTIVATED");
        row!(rows, api, "E04 twice", api.call(&{ let mut r = deactivate.clone(); *r.out_request_no_mut() = no("DP"); r })
            => 400, "INVALID_REQUEST", None, "needs an EFFECTIVE product coupon");
        row!(rows, api, "E05 on a bundle product coupon", api.call(&create_stock(&bpid, plain()))
            => 400, "INVALID_REQUEST", None, "CreateStockBundle");
        row!(rows, api, "E05 on a deactivated product coupon", api.call(&create_stock(&dpid, plain()))
            => 400, "INVALID_REQUEST", None, "EFFECTIVE");
        let mut misplaced = plain();
        misplaced.single_usage_rule.as_mut().unwrap().normal_coupon = Some(NormalCouponUsageRule {
            threshold: Some(100),
            discount_amount: Some(10),
        });
        row!(rows, api, "E05 rule in the stock of a scope ALL coupon", api.call(&create_stock(&pid, misplaced))
            => 400, "PARAM_ERROR", PARAM_RULE, "single_usage_info");
        let mut unbound = plain();
        unbound.notify_config.notify_appid = Some("wx_not_bound".into());
        row!(rows, api, "E05 unbound notify AppID", api.call(&create_stock(&pid, unbound))
            => 400, "INVALID_REQUEST", APPID, "AppID非法");
        row!(rows, api, "E08 a bundle's stock", api.call(&update(&bpid, &bsid))
            => 400, "INVALID_REQUEST", None, "UpdateStockBundle");
        row!(rows, api, "E08 deactivated stock", api.call(&update(&dpid, &dsid))
            => 400, "INVALID_REQUEST", NOT_SENDING, "is DEACTIVATED");
        row!(rows, api, "E09 current is not live", api.call(&budget(&sid, UpdateMode::MaxCount, 11, 20))
            => 400, "INVALID_REQUEST", None, "live max_count is 10");
        row!(rows, api, "E09 target below sent", api.call(&budget(&sid, UpdateMode::MaxCount, 10, 1))
            => 400, "INVALID_REQUEST", None, "already sent 2");
        row!(rows, api, "E09 no daily cap to change", api.call(&budget(&sid, UpdateMode::MaxCountPerDay, 5, 6))
            => 400, "INVALID_REQUEST", None, "created without max_count_per_day");
        row!(rows, api, "E09 a bundle's stock", api.call(&budget(&bsid, UpdateMode::MaxCount, 10, 20))
            => 400, "INVALID_REQUEST", None, "UpdateStockBundleBudget");
        row!(rows, api, "E10 deactivated stock", api.call(&stop_stock(&api, &dpid, &dsid))
            => 400, "INVALID_REQUEST", NOT_SENDING, "SENDING or PAUSED");
        row!(rows, api, "E11 not an UPLOAD stock", api.call(&UploadCouponCodesRequest::new(pid.clone(), sid.clone(), no("UC"), vec!["C1".into()]).for_brand(b.clone()))
            => 400, "INVALID_REQUEST", None, "only to UPLOAD stocks");
        row!(rows, api, "E12 all-store stock", api.call(&AssociateStoresRequest::new(pid.clone(), sid.clone(), stores.clone()).for_brand(b.clone()))
            => 400, "INVALID_REQUEST", ALL_STORES, "store_scope ALL");
        row!(rows, api, "E12 a bundle's stock", api.call(&AssociateStoresRequest::new(bpid.clone(), bsid.clone(), stores.clone()).for_brand(b.clone()))
            => 400, "INVALID_REQUEST", None, "AssociateStoresForStockBundle");
        row!(rows, api, "E14 all-store stock", api.call(&ListAssociatedStoresRequest::new(pid.clone(), sid.clone()).for_brand(b.clone()))
            => 400, "INVALID_REQUEST", ALL_STORES, "SPECIFIC");
        row!(rows, api, "E14 foreign page_token", api.call(&ListAssociatedStoresRequest::new(bpid.clone(), bsid.clone()).with_page_token("zz").for_brand(b.clone()))
            => 400, "PARAM_ERROR", Some(268_435_461), "page_token");
        row!(rows, api, "E06 unknown stock bundle", api.call(&ListStocksRequest::new(bpid.clone()).with_stock_bundle_id("nope").for_brand(b.clone()))
            => 404, "NOT_FOUND", NOT_FOUND, "stock bundle nope");
        let create_bundle = |p: &str, bundle| {
            CreateStockBundleRequest::new(p, no("SB"), bundle).for_brand(b.clone())
        };
        row!(rows, api, "E15 on a SINGLE product coupon", api.call(&create_bundle(&pid, bundle(3, send_rule(10, None, 1), StockStoreScope::None)))
            => 400, "INVALID_REQUEST", None, "PROGRESSIVE_BUNDLE");
        row!(rows, api, "E15 a rule per round", api.call(&create_bundle(&bpid, bundle(4, send_rule(10, None, 1), StockStoreScope::None)))
            => 400, "PARAM_ERROR", PARAM_RULE, "one rule per round");
        let mut discount = bundle(3, send_rule(10, None, 1), StockStoreScope::None);
        let rule = discount.progressive_bundle_usage_rule.as_mut().unwrap();
        rule.normal_coupon_list = None;
        rule.discount_coupon_list = Some(vec![
            DiscountCouponUsageRule {
                threshold: Some(100),
                percent_off: Some(10)
            };
            3
        ]);
        row!(rows, api, "E15 the list of another type", api.call(&create_bundle(&bpid, discount))
            => 400, "PARAM_ERROR", PARAM_RULE, "is required for a NORMAL product coupon");
        let mut decreasing = serde_json::to_value(create_bundle(
            &bpid,
            bundle(3, send_rule(10, None, 1), StockStoreScope::None),
        ))
        .unwrap();
        decreasing["stock_bundle"]["progressive_bundle_usage_rule"]["normal_coupon_list"][2]["discount_amount"] =
            json!(500);
        row!(rows, api, "E15 decreasing round", api.post_json(&format!("/product-coupons/{bpid}/stock-bundles"), &decreasing)
            => 400, "PARAM_ERROR", Some(268_586_067), "at least the discount of the round before");
        let mut decreasing = serde_json::to_value(bundle_product(
            &api,
            3,
            bundle(3, send_rule(10, None, 1), StockStoreScope::None),
        ))
        .unwrap();
        decreasing["stock_bundle"]["progressive_bundle_usage_rule"]["normal_coupon_list"][1]["discount_amount"] =
            json!(1);
        row!(rows, api, "E01 decreasing round", api.post_json("/product-coupons", &decreasing)
            => 400, "PARAM_ERROR", Some(268_586_067), "at least the discount of the round before");
        row!(rows, api, "E01 SEQUENTIAL", api.call(&sequential(&api))
            => 400, "INVALID_REQUEST", None, "SEQUENTIAL");
        let first = single_product(&api, plain());
        api.ok(&first).await;
        row!(rows, api, "E01 used number, other body", api.call(&{ let mut r = first; *r.display_info_mut() = product_display("另一个名字"); r })
            => 400, "ALREADY_EXISTS", SAME_NO, "already used");
        // A bundle whose every round is deactivated takes no changes.
        let spent = api
            .ok(&create_bundle(
                &bpid,
                bundle(3, send_rule(10, None, 1), StockStoreScope::All),
            ))
            .await;
        for s in &spent.stock_list {
            api.ok(&stop_stock(&api, &bpid, &s.stock_id)).await;
        }
        row!(rows, api, "E16 no open round", api.call(&UpdateStockBundleRequest::new(bpid.clone(), spent.stock_bundle_id.clone(), no("UB")).with_remark("r").for_brand(b.clone()))
            => 400, "INVALID_REQUEST", NOT_SENDING, "no stock of stock bundle");
        row!(rows, api, "E17 current is not live", api.call(&UpdateStockBundleBudgetRequest::new(bpid.clone(), bid.clone(), no("BB"), UpdateMode::MaxCount).with_current_max_count(9).with_target_max_count(20).for_brand(b.clone()))
            => 400, "INVALID_REQUEST", None, "live max_count is 10");
        row!(rows, api, "E18 all-store bundle", api.call(&AssociateStoresForStockBundleRequest::new(bpid.clone(), spent.stock_bundle_id.clone(), stores.clone()).for_brand(b.clone()))
            => 400, "INVALID_REQUEST", ALL_STORES, "store_scope ALL");
        if api.mode == Mode::Partner {
            row!(rows, api, "E02 brand that did not authorise the provider", api.call(&QueryProductCouponRequest::new(pid.clone()).with_brand_id("999999"))
                => 400, "INVALID_REQUEST", Some(268_579_803), "has not authorised");
            bundle_send_rows(&mut rows, &api).await;
            limit_rows(&mut rows, &api).await;
        }
    }
    assert_eq!(rows.len(), 76, "every row ran");
    check(&rows);
    // Brand mode offers no user-bundle operations.
    for op in [
        <wxpay_models::user_coupon_bundle::SendUserProductCouponBundleRequest as Endpoint>::OPERATION,
        <wxpay_models::user_coupon_bundle::PreSendUserProductCouponBundleRequest as Endpoint>::OPERATION,
        <wxpay_models::user_coupon_bundle::DeactivateUserProductCouponBundleRequest as Endpoint>::OPERATION,
    ] {
        let served = wxpay_mock::served();
        assert!(
            served.contains(&(Mode::Partner, op)) && !served.contains(&(Mode::Brand, op)),
            "{}",
            op.name
        );
    }
}

/// A valid request of the deprecated generation.
fn sequential(api: &Api) -> CreateProductCouponRequest {
    let mut stock = stock(
        CouponCodeMode::Wechatpay,
        StockStoreScope::None,
        send_rule(10, None, 1),
    );
    stock.single_usage_rule = None;
    stock.sequential_usage_rule = Some(SequentialUsageRule {
        coupon_available_period: Some(period()),
        normal_coupon_list: Some(vec![
            NormalCouponUsageRule {
                threshold: Some(100),
                discount_amount: Some(10)
            };
            3
        ]),
        ..SequentialUsageRule::default()
    });
    {
        let mut r = single_product(api, stock);
        *r.usage_mode_mut() = UsageMode::Sequential;
        r.single_usage_info = None;
        r.sequential_usage_info = Some(SequentialUsageInfo {
            usage_type: SequentialUsageType::Incremental,
            count: Some(3),
            available_days: Some(30),
            interval_days: None,
        });
        r
    }
}

/// The rows of E23, E24 and E30 (partner mode only).
async fn bundle_send_rows(rows: &mut Vec<Row>, api: &Api) {
    let (pid, stock_bundle) = three_rounds(api, send_rule(1, None, 1)).await;
    let bid = stock_bundle.stock_bundle_id.clone();
    let sent = api.ok(&send(&pid, &bid, "o-b-1")).await;
    row!(rows, api, "E23 unknown stock bundle", api.call(&send(&pid, "nope", "o-b-2"))
        => 404, "NOT_FOUND", NOT_FOUND, "stock bundle nope");
    row!(rows, api, "E23 per-user cap", api.call(&send(&pid, &bid, "o-b-1"))
        => 400, "INVALID_REQUEST", Some(272_756_740), "max_count_per_user 1");
    row!(rows, api, "E23 budget spent", api.call(&send(&pid, &bid, "o-b-2"))
        => 403, "NOT_ENOUGH", None, "max_count 1");
    row!(rows, api, "E23 unbound AppID", api.call(&{ let mut r = send(&pid, &bid, "o-b-2"); *r.appid_mut() = "wx_not_bound".into(); r })
        => 400, "INVALID_REQUEST", APPID, "AppID非法");
    let single_no = no("R");
    let (spid, ssid) = single_stock(
        api,
        CouponCodeMode::Wechatpay,
        StockStoreScope::None,
        send_rule(10, None, 1),
    )
    .await;
    api.ok(&SendUserProductCouponRequest::new(
        "o-b-3",
        spid.clone(),
        ssid,
        dev::APPID,
        single_no.clone(),
    )
    .for_brand(api.brand_id()))
        .await;
    let (open_pid, open) = three_rounds(api, send_rule(10, None, 2)).await;
    row!(rows, api, "E23 number of a single send", api.call(&{ let mut r = send(&open_pid, &open.stock_bundle_id, "o-b-3"); *r.send_request_no_mut() = single_no; r })
        => 400, "INVALID_REQUEST", SAME_NO, "already used by another send");
    // One round not SENDING: nothing is sent from the others either.
    api.ok(&stop_stock(api, &open_pid, &open.stock_list[1].stock_id))
        .await;
    row!(rows, api, "E23 a round not SENDING", api.call(&send(&open_pid, &open.stock_bundle_id, "o-b-4"))
        => 400, "INVALID_REQUEST", NOT_SENDING, "(round 1)");
    let first_round = api
        .ok(
            &GetStockRequest::new(open_pid.clone(), open.stock_list[0].stock_id.clone())
                .for_brand(api.brand_id()),
        )
        .await;
    assert_eq!(
        first_round.sent_count_info.total_count,
        Some(0),
        "all or nothing"
    );
    row!(rows, api, "E24 a round not SENDING", api.call(&PreSendUserProductCouponBundleRequest::new("o-b-4", open_pid.clone(), open.stock_bundle_id.clone(), dev::APPID, no("PS")).for_brand(api.brand_id()))
        => 400, "INVALID_REQUEST", NOT_SENDING, "not SENDING");
    let deactivate = |p: &str, ub: &str, appid: &str| {
        DeactivateUserProductCouponBundleRequest::new(
            "o-b-1",
            ub,
            p,
            bid.clone(),
            appid,
            no("DU"),
            "x",
        )
        .for_brand(api.brand_id())
    };
    row!(rows, api, "E30 a SINGLE product coupon", api.call(&deactivate(&spid, &sent.user_coupon_bundle_id, dev::APPID))
        => 400, "INVALID_REQUEST", None, "PROGRESSIVE_BUNDLE");
    row!(rows, api, "E30 unknown user bundle", api.call(&deactivate(&pid, "UB9", dev::APPID))
        => 404, "NOT_FOUND", NOT_FOUND, "no user coupon bundle UB9");
    row!(rows, api, "E30 another AppID", api.call(&deactivate(&pid, &sent.user_coupon_bundle_id, "wx_other"))
        => 400, "INVALID_REQUEST", APPID, "sent under");
}

/// The limits: 200 effective stocks per product coupon, 200 codes or stores per call.
async fn limit_rows(rows: &mut Vec<Row>, api: &Api) {
    let plain = || {
        stock(
            CouponCodeMode::Wechatpay,
            StockStoreScope::None,
            send_rule(10, None, 1),
        )
    };
    let (pid, sid) = single_stock(
        api,
        CouponCodeMode::Wechatpay,
        StockStoreScope::None,
        send_rule(10, None, 1),
    )
    .await;
    let create =
        || CreateStockRequest::new(pid.clone(), no("ST"), plain()).for_brand(api.brand_id());
    for _ in 1..200 {
        api.ok(&create()).await;
    }
    row!(rows, api, "E05 a 201st effective stock", api.call(&create())
        => 400, "INVALID_REQUEST", None, "at most 200 may be effective");
    api.ok(&stop_stock(api, &pid, &sid)).await;
    assert_eq!(
        api.call(&create()).await.status,
        200,
        "a deactivated stock does not count"
    );
    let many: Vec<String> = (0..201).map(|i| format!("X{i}")).collect();
    let body = json!({ "out_request_no": no("UC"), "code_list": many, "brand_id": dev::BRAND_ID });
    row!(rows, api, "E11 201 codes", api.post_json(&format!("/product-coupons/{pid}/stocks/{sid}/upload-coupon-codes"), &body)
        => 400, "PARAM_ERROR", Some(268_435_461), "code_list");
    let stores: Vec<_> = many.iter().map(|id| json!({ "store_id": id })).collect();
    let body = json!({ "store_list": stores, "brand_id": dev::BRAND_ID });
    row!(rows, api, "E12 201 stores", api.post_json(&format!("/product-coupons/{pid}/stocks/{sid}/associate-stores"), &body)
        => 400, "PARAM_ERROR", Some(268_435_461), "store_list");
}

/// Partner mode shows a provider only the product coupons it created (and fixtures); the
/// brand sees all of its own.
#[tokio::test]
async fn a_provider_sees_only_its_own_product_coupons() {
    let key = key_path("merchant_pub.pem").display().to_string();
    let text = format!(
        "[platform]\npublic_key_id = \"{}\"\nprivate_key_file = \"{}\"\n\
         [[merchants]]\nmchid = \"{}\"\nserial_no = \"{}\"\npublic_key_file = \"{key}\"\nbrands = [\"{}\"]\nappids = [\"{appid}\"]\n\
         [[merchants]]\nmchid = \"1900000002\"\nserial_no = \"SERIAL2\"\npublic_key_file = \"{key}\"\nbrands = [\"{}\"]\nappids = [\"{appid}\"]\n\
         [[brands]]\nbrand_id = \"{}\"\nserial_no = \"{}\"\npublic_key_file = \"{key}\"\n",
        dev::PLATFORM_KEY_ID,
        key_path("platform_key.pem").display(),
        dev::MCHID,
        dev::MERCHANT_SERIAL,
        dev::BRAND_ID,
        dev::BRAND_ID,
        dev::BRAND_ID,
        dev::BRAND_SERIAL,
        appid = dev::APPID,
    );
    let config = MockConfig::from_toml_str(&text, None).unwrap();
    let server = mock::start_with(Emulator::from_config(&config).unwrap()).await;
    let base = server.base_url();
    let first = Api::partner(&base);
    let second = Api::new(
        &base,
        Mode::Partner,
        Signer::new("1900000002", "SERIAL2", merchant_key()),
    );
    let brand = Api::brand(&base);
    let query = |api: &Api, id: &str| QueryProductCouponRequest::new(id).for_brand(api.brand_id());
    let plain = || {
        stock(
            CouponCodeMode::Wechatpay,
            StockStoreScope::None,
            send_rule(10, None, 1),
        )
    };

    let mine = first
        .ok(&single_product(&first, plain()))
        .await
        .product_coupon
        .product_coupon_id;
    assert_eq!(first.call(&query(&first, &mine)).await.status, 200);
    crate::catalog::expect(
        &second.call(&query(&second, &mine)).await,
        404,
        "NOT_FOUND",
        NOT_FOUND,
        "created by another service provider",
    );
    assert_eq!(brand.call(&query(&brand, &mine)).await.status, 200);
    let brands = brand
        .ok(&single_product(&brand, plain()))
        .await
        .product_coupon
        .product_coupon_id;
    assert_eq!(first.call(&query(&first, &brands)).await.status, 404);
    // One added as a fixture (admin API) is every provider's of its brand.
    let mut fixture = serde_json::to_value(first.ok(&query(&first, &mine)).await).unwrap();
    fixture["product_coupon_id"] = json!("3000000001");
    assert_eq!(
        first
            .client
            .admin(http::Method::POST, "/mock/product-coupons", &fixture)
            .await
            .status,
        201
    );
    for api in [&first, &second, &brand] {
        assert_eq!(
            api.call(&query(api, "3000000001")).await.status,
            200,
            "{}",
            api.mode
        );
    }
    // Its stocks are hidden the same way.
    let sid = format!("{mine}001");
    let get = GetStockRequest::new(mine.clone(), sid).for_brand(second.brand_id());
    assert_eq!(second.call(&get).await.status, 404);

    // Sends and the operations on issued coupons hold to the same rule: 268578608 reads
    // "属于当前品牌且由当前服务商创建" for every ID-addressed operation.
    let sid = format!("{mine}001");
    let send = |api: &Api| {
        SendUserProductCouponRequest::new(
            "o-owner-1",
            mine.clone(),
            sid.clone(),
            dev::APPID,
            no("OWN"),
        )
        .for_brand(api.brand_id())
    };
    crate::catalog::expect(
        &second.call(&send(&second)).await,
        404,
        "NOT_FOUND",
        NOT_FOUND,
        "created by another service provider",
    );
    let coupon = first.ok(&send(&first)).await;
    let get = |api: &Api| {
        GetUserProductCouponRequest::new(
            "o-owner-1",
            coupon.coupon_code.clone(),
            mine.clone(),
            sid.clone(),
            dev::APPID,
        )
        .for_brand(api.brand_id())
    };
    assert_eq!(first.call(&get(&first)).await.status, 200);
    assert_eq!(second.call(&get(&second)).await.status, 404);
    let confirm = |api: &Api| {
        wxpay_models::ConfirmSendUserProductCouponRequest::new(
            "o-owner-1",
            coupon.coupon_code.clone(),
            mine.clone(),
            sid.clone(),
            dev::APPID,
            no("OWNC"),
        )
        .for_brand(api.brand_id())
    };
    crate::catalog::expect(
        &second.call(&confirm(&second)).await,
        404,
        "NOT_FOUND",
        NOT_FOUND,
        "created by another service provider",
    );
    assert_eq!(first.call(&confirm(&first)).await.status, 200);
    let list = |api: &Api| {
        ListUserProductCouponsRequest::new("o-owner-1", dev::APPID).for_brand(api.brand_id())
    };
    assert_eq!(first.ok(&list(&first)).await.total_count, Some(1));
    assert_eq!(second.ok(&list(&second)).await.total_count, Some(0));
}
