//! A valid request of every operation, with the ids of WeChat Pay's document examples (which
//! the emulator's dev state shares): a starting point for tests, for `wxpay call` bodies and
//! for reading what each request looks like.
//!
//! ```
//! use wxpay_models::{Endpoint, examples};
//! assert!(examples::use_coupon().validate().is_ok());
//! assert_eq!(examples::get_stock().path(wxpay_models::Mode::Brand), "/brand/marketing/product-coupon/product-coupons/1000000013/stocks/1000000013001");
//! ```

use crate::media::{
    CombineImage, CreateImageGenerationTaskRequest, GetImageGenerationTaskRequest,
    UploadImageRequest,
};
use crate::product_coupon::*;
use crate::stock::*;
use crate::stock_bundle::*;
use crate::user_coupon::*;
use crate::user_coupon_bundle::*;
use crate::*;

/// The example `PRODUCT`.
pub const PRODUCT: &str = "1000000013";
/// The example `STOCK`.
pub const STOCK: &str = "1000000013001";
/// The example `BUNDLE`.
pub const BUNDLE: &str = "712315129419284901";
/// The example `OPENID`.
pub const OPENID: &str = "oh-394z-6CGkNoJrsDLTTUKiAnp4";
/// The example `APPID`.
pub const APPID: &str = "wx233544546545989";
/// The example `CODE`.
pub const CODE: &str = "123446565767";
/// The example `NO`.
pub const NO: &str = "34657_20250101_123456";

/// A compiled-in literal of this file: a parse failure is a defect here, not bad input.
#[allow(clippy::expect_used)]
fn time(s: &str) -> WxTime {
    s.parse().expect("an RFC 3339 literal")
}

/// The example `period`.
pub fn period() -> CouponAvailablePeriod {
    CouponAvailablePeriod {
        available_begin_time: Some(time("2025-08-01T00:00:00+08:00")),
        available_end_time: Some(time("2025-08-31T23:59:59+08:00")),
        available_days: Some(30),
        ..Default::default()
    }
}

/// The example `usage_display`.
pub fn usage_display() -> UsageRuleDisplayInfo {
    UsageRuleDisplayInfo {
        coupon_usage_method_list: Some(vec![CouponUsageMethod::Offline]),
        usage_description: Some("工作日可用".into()),
        ..Default::default()
    }
}

/// The example `coupon_display`.
pub fn coupon_display() -> CouponDisplayInfo {
    CouponDisplayInfo {
        code_display_mode: Some(CouponCodeDisplayMode::Qrcode),
        background_color: Some("Color020".into()),
        ..Default::default()
    }
}

/// The example `notify`.
pub fn notify() -> NotifyConfig {
    NotifyConfig {
        notify_appid: Some("wx23232232323".into()),
    }
}

/// The example `display`.
pub fn display() -> ProductCouponDisplayInfo {
    ProductCouponDisplayInfo {
        name: Some("全场满100立减10".into()),
        image_url: Some("https://wxpaylogo.qpic.cn/wxpaylogo/a".into()),
        background_url: Some("https://wxpaylogo.qpic.cn/wxpaylogo/b".into()),
        ..Default::default()
    }
}

/// A stock of a SINGLE coupon of scope ALL: the period only.
pub fn stock_for_create() -> StockForCreate {
    StockForCreate {
        remark: None,
        coupon_code_mode: CouponCodeMode::Wechatpay,
        stock_send_rule: StockSendRule {
            max_count: Some(100_000),
            max_count_per_day: None,
            max_count_per_user: Some(5),
        },
        single_usage_rule: Some(SingleUsageRule {
            coupon_available_period: Some(period()),
            ..Default::default()
        }),
        sequential_usage_rule: None,
        usage_rule_display_info: usage_display(),
        coupon_display_info: coupon_display(),
        notify_config: notify(),
        store_scope: StockStoreScope::None,
    }
}

/// A three-round DISCOUNT bundle.
pub fn bundle_for_create() -> StockBundleForCreate {
    StockBundleForCreate {
        remark: Some("疯狂星期四".into()),
        coupon_code_mode: CouponCodeMode::Upload,
        stock_send_rule: StockSendRule {
            max_count: Some(1000),
            max_count_per_day: Some(100),
            max_count_per_user: Some(1),
        },
        progressive_bundle_usage_rule: Some(StockBundleUsageRule {
            coupon_available_period: Some(period()),
            discount_coupon_list: Some(
                [10, 20, 30]
                    .map(|percent_off| DiscountCouponUsageRule {
                        threshold: Some(0),
                        percent_off: Some(percent_off),
                    })
                    .to_vec(),
            ),
            ..Default::default()
        }),
        usage_rule_display_info: usage_display(),
        coupon_display_info: coupon_display(),
        notify_config: notify(),
        store_scope: StockStoreScope::All,
    }
}

/// The example `create_product_coupon`.
pub fn create_product_coupon() -> CreateProductCouponRequest {
    CreateProductCouponRequest::new(
        NO,
        ProductCouponScope::All,
        ProductCouponType::Normal,
        UsageMode::Single,
        display(),
    )
    .with_single_usage_info(SingleUsageInfo {
        normal_coupon: Some(NormalCouponUsageRule {
            threshold: Some(10_000),
            discount_amount: Some(1_000),
        }),
        discount_coupon: None,
    })
    .with_stock(stock_for_create())
    .with_brand_id("120344")
}

/// The example `create_bundle_coupon`.
pub fn create_bundle_coupon() -> CreateProductCouponRequest {
    CreateProductCouponRequest::new(
        NO,
        ProductCouponScope::All,
        ProductCouponType::Discount,
        UsageMode::ProgressiveBundle,
        display(),
    )
    .with_progressive_bundle_usage_info(ProgressiveBundleUsageInfo {
        count: Some(3),
        interval_days: Some(1),
    })
    .with_stock_bundle(bundle_for_create())
}

/// The example `query_product_coupon`.
pub fn query_product_coupon() -> QueryProductCouponRequest {
    QueryProductCouponRequest::new(PRODUCT)
}

/// The example `update_product_coupon`.
pub fn update_product_coupon() -> UpdateProductCouponRequest {
    UpdateProductCouponRequest::new(PRODUCT, NO, display())
}

/// The example `deactivate_product_coupon`.
pub fn deactivate_product_coupon() -> DeactivateProductCouponRequest {
    DeactivateProductCouponRequest::new(PRODUCT, NO, "批次信息有误")
}

/// The example `create_stock`.
pub fn create_stock() -> CreateStockRequest {
    CreateStockRequest::new(PRODUCT, NO, stock_for_create())
}

/// The example `list_stocks`.
pub fn list_stocks() -> ListStocksRequest {
    ListStocksRequest::new(PRODUCT)
        .with_state(StockState::Sending)
        .with_page_size(20)
}

/// The example `get_stock`.
pub fn get_stock() -> GetStockRequest {
    GetStockRequest::new(PRODUCT, STOCK)
}

/// The example `update_stock`.
pub fn update_stock() -> UpdateStockRequest {
    UpdateStockRequest::new(PRODUCT, STOCK, NO).with_coupon_display_info(coupon_display())
}

/// The example `update_stock_budget`.
pub fn update_stock_budget() -> UpdateStockBudgetRequest {
    UpdateStockBudgetRequest::new(PRODUCT, STOCK, NO, UpdateMode::MaxCount)
        .with_current_max_count(100)
        .with_target_max_count(200)
}

/// The example `deactivate_stock`.
pub fn deactivate_stock() -> DeactivateStockRequest {
    DeactivateStockRequest::new(PRODUCT, STOCK, NO, "活动结束")
}

/// The example `upload_coupon_codes`.
pub fn upload_coupon_codes() -> UploadCouponCodesRequest {
    UploadCouponCodesRequest::new(PRODUCT, STOCK, NO, vec!["vCode_1".into(), "vCode_2".into()])
}

/// The example `stores`.
pub fn stores() -> Vec<StoreInfo> {
    vec![StoreInfo {
        store_id: "100000001".into(),
    }]
}

/// The example `associate_stores`.
pub fn associate_stores() -> AssociateStoresRequest {
    AssociateStoresRequest::new(PRODUCT, STOCK, stores())
}

/// The example `disassociate_stores`.
pub fn disassociate_stores() -> DisassociateStoresRequest {
    DisassociateStoresRequest::new(PRODUCT, STOCK, stores())
}

/// The example `list_associated_stores`.
pub fn list_associated_stores() -> ListAssociatedStoresRequest {
    ListAssociatedStoresRequest::new(PRODUCT, STOCK)
}

/// The example `create_stock_bundle`.
pub fn create_stock_bundle() -> CreateStockBundleRequest {
    CreateStockBundleRequest::new(PRODUCT, NO, bundle_for_create())
}

/// The example `update_stock_bundle`.
pub fn update_stock_bundle() -> UpdateStockBundleRequest {
    UpdateStockBundleRequest::new(PRODUCT, BUNDLE, NO).with_notify_config(notify())
}

/// The example `update_stock_bundle_budget`.
pub fn update_stock_bundle_budget() -> UpdateStockBundleBudgetRequest {
    UpdateStockBundleBudgetRequest::new(PRODUCT, BUNDLE, NO, UpdateMode::MaxCountPerDay)
        .with_current_max_count_per_day(100)
        .with_target_max_count_per_day(50)
}

/// The example `associate_bundle_stores`.
pub fn associate_bundle_stores() -> AssociateStoresForStockBundleRequest {
    AssociateStoresForStockBundleRequest::new(PRODUCT, BUNDLE, stores())
}

/// The example `disassociate_bundle_stores`.
pub fn disassociate_bundle_stores() -> DisassociateStoresForStockBundleRequest {
    DisassociateStoresForStockBundleRequest::new(PRODUCT, BUNDLE, stores())
}

/// The example `send`.
pub fn send() -> SendUserProductCouponRequest {
    SendUserProductCouponRequest::new(OPENID, PRODUCT, STOCK, APPID, NO)
}

/// The example `pre_send`.
pub fn pre_send() -> PreSendUserProductCouponRequest {
    PreSendUserProductCouponRequest::new(OPENID, PRODUCT, STOCK, APPID, NO)
        .with_attach("example_attach")
}

/// The example `confirm`.
pub fn confirm() -> ConfirmSendUserProductCouponRequest {
    ConfirmSendUserProductCouponRequest::new(OPENID, CODE, PRODUCT, STOCK, APPID, NO)
}

/// The example `send_bundle`.
pub fn send_bundle() -> SendUserProductCouponBundleRequest {
    SendUserProductCouponBundleRequest::new(OPENID, PRODUCT, BUNDLE, APPID, NO)
}

/// The example `pre_send_bundle`.
pub fn pre_send_bundle() -> PreSendUserProductCouponBundleRequest {
    PreSendUserProductCouponBundleRequest::new(OPENID, PRODUCT, BUNDLE, APPID, NO)
}

/// The example `use_coupon`.
pub fn use_coupon() -> UseUserProductCouponRequest {
    UseUserProductCouponRequest::new(
        OPENID,
        CODE,
        PRODUCT,
        STOCK,
        APPID,
        NO,
        time("2025-07-24T00:00:00+08:00"),
    )
    .with_associated_order_info(AssociatedOrderInfo {
        out_trade_no: Some("trade_no_20250724123456".into()),
        mchid: Some("1234567890".into()),
        ..Default::default()
    })
    .with_store_id("100000001")
    .with_saved_amount(100)
}

/// The example `get_coupon`.
pub fn get_coupon() -> GetUserProductCouponRequest {
    GetUserProductCouponRequest::new(OPENID, CODE, PRODUCT, STOCK, APPID)
}

/// The example `list_coupons`.
pub fn list_coupons() -> ListUserProductCouponsRequest {
    ListUserProductCouponsRequest::new(OPENID, APPID)
        .with_coupon_state(UserProductCouponState::Used)
        .with_page_size(50)
}

/// The example `deactivate_coupon`.
pub fn deactivate_coupon() -> DeactivateUserProductCouponRequest {
    DeactivateUserProductCouponRequest::new(OPENID, CODE, PRODUCT, STOCK, APPID, NO, "商品已下线")
}

/// The example `return_coupon`.
pub fn return_coupon() -> ReturnUserProductCouponRequest {
    ReturnUserProductCouponRequest::new(OPENID, CODE, PRODUCT, STOCK, APPID, NO)
}

/// The example `deactivate_bundle`.
pub fn deactivate_bundle() -> DeactivateUserProductCouponBundleRequest {
    DeactivateUserProductCouponBundleRequest::new(
        OPENID,
        "UB_1",
        PRODUCT,
        BUNDLE,
        APPID,
        NO,
        "活动结束",
    )
}

/// The example `set_notify`.
pub fn set_notify() -> SetNotifyConfigRequest {
    SetNotifyConfigRequest::new("https://pay.example.com/cb")
}

/// The example `get_notify`.
pub fn get_notify() -> GetNotifyConfigRequest {
    GetNotifyConfigRequest::new()
}

/// The smallest bytes that pass as a PNG.
pub fn png() -> Vec<u8> {
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01".to_vec()
}

/// The example `upload`.
pub fn upload() -> UploadImageRequest {
    UploadImageRequest::new("logo.png", png())
}

/// The example `create_task`.
pub fn create_task() -> CreateImageGenerationTaskRequest {
    CreateImageGenerationTaskRequest::new(
        "image_generation_task_1",
        ImageGenerationType::CombineImage,
    )
    .with_combine_image(CombineImage {
        scope: ProductCouponScope::All,
        coupon_type: ProductCouponType::Normal,
        usage_mode: UsageMode::Single,
        normal_coupon: Some(NormalCouponUsageRule {
            threshold: Some(10_000),
            discount_amount: Some(1_000),
        }),
        background_color: Some("#ff5733".into()),
        ..Default::default()
    })
}

/// The example `get_task`.
pub fn get_task() -> GetImageGenerationTaskRequest {
    GetImageGenerationTaskRequest::new("image_generation_task_1", ImageGenerationType::CombineImage)
}

/// The user coupon of WeChat Pay's send example (`response-normal.json`), with its product
/// coupon and stock.
#[allow(clippy::expect_used)]
pub fn coupon_entity() -> UserProductCouponEntity {
    // A compiled-in sample: a parse failure is a defect here, not bad input.
    serde_json::from_str(include_str!("../tests/data/response-normal.json"))
        .expect("response-normal.json is a UserProductCouponEntity")
}

/// The stock of [`coupon_entity`].
pub fn stock_entity() -> StockEntity {
    coupon_entity().stock
}

/// The product coupon of [`coupon_entity`].
pub fn product_coupon_entity() -> ProductCouponEntity {
    coupon_entity().product_coupon
}
