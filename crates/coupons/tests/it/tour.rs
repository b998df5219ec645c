//! Every operation, in every mode that offers it, through `CouponClient::execute` against the
//! emulator: the request is encoded, signed in the mode's scheme, routed to its own operation
//! (the emulator's journal says which), verified and decoded — a typed answer or a typed API
//! error, never a signature, transport or decoding failure. Then a catalogue made through the
//! SDK feeds sends, and the stock list streams.

use futures_util::TryStreamExt;
use serde_json::Value;
use wxpay_coupons::models::product_coupon::CreateProductCouponRequest;
use wxpay_coupons::models::stock::{CreateStockRequest, ListStocksRequest};
use wxpay_coupons::models::{
    Endpoint, Mode, SendUserProductCouponRequest, StockStoreScope, WxTime, examples, operations,
};
use wxpay_coupons::{CouponClient, CouponError, Transport};
use wxpay_mock::fixtures::dev;
use wxpay_signing::KeyStore;
use wxpay_testkit::fixtures::unique;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;

use crate::common::builder;

fn clients(base: &str) -> [(Mode, CouponClient); 2] {
    let keys =
        KeyStore::new().with_public_key(dev::PLATFORM_KEY_ID, wxpay_testkit::platform_public_key());
    let brand = Transport::builder(wxpay_testkit::brand_signer(), keys)
        .base_url(base)
        .backup_base_url(base)
        .build()
        .unwrap();
    [
        (
            Mode::Partner,
            CouponClient::new(
                builder(base)
                    .default_brand_id(dev::BRAND_ID)
                    .build()
                    .unwrap(),
            ),
        ),
        (Mode::Brand, CouponClient::new(brand)),
    ]
}

/// Calls `request` in `mode`; returns whether the operation was reached.
async fn reach<E: Endpoint>(
    admin: &TestClient,
    mode: Mode,
    client: &CouponClient,
    request: E,
) -> bool {
    let op = E::OPERATION;
    if !op.supports(mode) {
        // Refused before anything is sent.
        assert!(
            matches!(client.execute(&request).await, Err(CouponError::Invalid(_))),
            "{}",
            op.kebab
        );
        return false;
    }
    match client.execute(&request).await {
        Ok(_) => {}
        Err(CouponError::Api(e)) => {
            assert!(
                matches!(e.status, 400 | 403 | 404),
                "{} in {mode}: {e}",
                op.kebab
            );
            assert!(e.request_id.is_some(), "{}", op.kebab);
        }
        Err(other) => panic!("{} in {mode}: {other}", op.kebab),
    }
    let journal = admin.admin_get("/mock/requests?limit=1").await.json();
    let last = &journal["data"][0];
    assert_eq!(last["operation"], op.kebab, "{last}");
    assert_eq!(last["mode"], mode.as_str(), "{last}");
    let caller = last["caller"].as_str().unwrap_or_default();
    assert!(
        caller.starts_with(if mode == Mode::Brand {
            "brand"
        } else {
            "mchid"
        }),
        "{last}"
    );
    true
}

macro_rules! tour {
    ($admin:expr, $mode:expr, $client:expr, [$($example:ident),* $(,)?]) => {{
        let mut reached = Vec::new();
        $(
            if reach($admin, $mode, $client, examples::$example()).await {
                reached.push(stringify!($example));
            }
        )*
        reached
    }};
}

#[tokio::test]
async fn every_operation_reaches_the_emulator_in_both_modes() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let mut counts = Vec::new();
    for (mode, client) in clients(&server.base_url()) {
        let reached = tour!(
            &admin,
            mode,
            &client,
            [
                create_product_coupon,
                query_product_coupon,
                update_product_coupon,
                deactivate_product_coupon,
                create_stock,
                list_stocks,
                get_stock,
                update_stock,
                update_stock_budget,
                deactivate_stock,
                upload_coupon_codes,
                associate_stores,
                disassociate_stores,
                list_associated_stores,
                create_stock_bundle,
                update_stock_bundle,
                update_stock_bundle_budget,
                associate_bundle_stores,
                disassociate_bundle_stores,
                send,
                pre_send,
                confirm,
                send_bundle,
                pre_send_bundle,
                use_coupon,
                get_coupon,
                list_coupons,
                deactivate_coupon,
                return_coupon,
                deactivate_bundle,
                set_notify,
                get_notify,
                upload,
                create_task,
                get_task,
            ]
        );
        counts.push(reached.len());
    }
    let offered = |mode| {
        operations::ALL
            .iter()
            .filter(|op| op.supports(mode))
            .count()
    };
    assert_eq!(counts, [offered(Mode::Partner), offered(Mode::Brand)]);
    assert_eq!(counts, [35, 30]);
}

#[tokio::test]
async fn a_catalogue_made_through_the_sdk_feeds_sends() {
    let server = mock::start().await;
    for (_, client) in clients(&server.base_url()) {
        // A product coupon with its first stock, valid from now on.
        let mut create: CreateProductCouponRequest = examples::create_product_coupon();
        *create.out_request_no_mut() = unique("PC");
        let stock = create.stock.as_mut().unwrap();
        let period = stock
            .single_usage_rule
            .as_mut()
            .unwrap()
            .coupon_available_period
            .as_mut()
            .unwrap();
        period.available_begin_time = Some(WxTime::now().plus_days(-1));
        period.available_end_time = Some(WxTime::now().plus_days(60));
        period.weekly_available_period = None;
        stock.store_scope = StockStoreScope::All;
        stock.notify_config.notify_appid = Some(dev::APPID.into());
        let created = client.execute(&create).await.unwrap();
        let pid = created.product_coupon.product_coupon_id.clone();
        // A replay of the create answers the same product coupon.
        assert_eq!(
            client
                .execute(&create)
                .await
                .unwrap()
                .product_coupon
                .product_coupon_id,
            pid
        );
        // Two more stocks.
        for _ in 0..2 {
            let stock = create.stock.clone().unwrap();
            let more = CreateStockRequest::new(pid.clone(), unique("ST"), stock);
            client.execute(&more).await.unwrap();
        }
        let list = ListStocksRequest::new(pid.clone()).with_page_size(2);
        let stocks: Vec<_> = client.paginate(list).try_collect().await.unwrap();
        assert_eq!(stocks.len(), 3);
        // Send from the second stock.
        let send = SendUserProductCouponRequest::new(
            unique("o"),
            pid.clone(),
            stocks[1].stock_id.clone(),
            examples::APPID,
            unique("SEND"),
        );
        let coupon = client.send_user_product_coupon(&send).await.unwrap();
        let json: Value = serde_json::to_value(&coupon).unwrap();
        assert_eq!(json["stock"]["stock_id"], stocks[1].stock_id.as_str());
    }
}
