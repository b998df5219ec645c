//! Fixtures: the product coupons, stocks and uploaded codes the emulator starts with, from a
//! JSON file or the built-in dev state (docs/emulator.md (dev state)).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Duration;
use wxpay_models::{
    CouponCodeCountInfo, CouponCodeMode, ProductCouponEntity, ProductCouponType,
    ProgressiveBundleUsageInfo, StockEntity, StockState, UsageMode, UserProductCouponEntity,
    WxTime,
};

/// `fixtures.json`: entity JSON exactly as in API responses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    /// Product coupons.
    #[serde(default)]
    pub product_coupons: Vec<ProductCouponEntity>,
    /// Stocks; each must belong to a product coupon above.
    #[serde(default)]
    pub stocks: Vec<StockEntity>,
    /// Codes uploaded to UPLOAD stocks, by stock id.
    #[serde(default)]
    pub uploaded_codes: BTreeMap<String, Vec<String>>,
}

/// Ids of the built-in dev state.
pub mod dev {
    /// The dev merchant (service provider).
    pub const MCHID: &str = "1900000001";
    /// Its API certificate serial.
    pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
    /// The platform public key id responses are signed under.
    pub const PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0119000000012025112900000000000001";
    /// The authorised brand (also a brand-direct caller).
    pub const BRAND_ID: &str = "120344";
    /// The dev brand's API certificate serial (brand-direct mode; it signs with the dev
    /// merchant key pair).
    pub const BRAND_SERIAL: &str = "4F8A1C9D2B3E5F60718293A4B5C6D7E8F9012345";
    /// The bound appid.
    pub const APPID: &str = "wx233544546545989";
    /// The dev merchant's APIv3 key (test-only): callbacks are encrypted with it once a
    /// notify URL is set through the notify-config API.
    pub const APIV3_KEY: &str = "DevOnly-wxpay-mock-APIv3-key-001";
    /// The seed's product coupon (SINGLE, DISCOUNT).
    pub const PRODUCT_COUPON_ID: &str = "1000000013";
    /// The seed's stock, in API_ASSIGN mode (pass `coupon_code`), 100 per user.
    pub const STOCK_API_ASSIGN: &str = "1000000013001";
    /// WECHATPAY mode: WeChat Pay assigns codes.
    pub const STOCK_WECHATPAY: &str = "1000000013002";
    /// UPLOAD mode with [`UPLOADED_CODES`] codes `UPLOAD000001`….
    pub const STOCK_UPLOAD: &str = "1000000013003";
    /// A PAUSED stock.
    pub const STOCK_PAUSED: &str = "1000000013004";
    /// The load-test stock: WECHATPAY, max_count 100,000,000, 1,000,000 per user.
    pub const STOCK_LOAD_TEST: &str = "1000000013005";
    /// A PROGRESSIVE_BUNDLE product coupon…
    pub const PRODUCT_COUPON_BUNDLE: &str = "1000000014";
    /// …and its stock (sending it is refused: 400 INVALID_REQUEST).
    pub const STOCK_BUNDLE: &str = "1000000014001";
    /// Codes uploaded to the UPLOAD stock.
    pub const UPLOADED_CODES: usize = 1000;
}

impl Fixtures {
    /// The built-in dev state, with availability windows from yesterday 00:00 to the end of the
    /// day 363 days ahead (+08:00) of `now`: the 365 days a stock may be available.
    pub fn dev(now: WxTime) -> Self {
        let seed: UserProductCouponEntity =
            match serde_json::from_str(include_str!("../data/seed-response-member.json")) {
                Ok(seed) => seed,
                Err(_) => return Self::default(),
            };
        let today = now.beijing_date();
        let begin = WxTime::start_of_beijing_day(today - Duration::days(1));
        let end = WxTime::end_of_beijing_day(today + Duration::days(363));
        let base = {
            // Keeps the sample's `coupon_code_count_info` so that answers have its shape.
            let mut stock = seed.stock.clone();
            if let Some(period) = stock
                .single_usage_rule
                .as_mut()
                .and_then(|r| r.coupon_available_period.as_mut())
            {
                period.available_begin_time = Some(begin);
                period.available_end_time = Some(end);
            }
            stock
        };
        let stock = |id: &str, remark: &str, mode: CouponCodeMode, max: i64, per_user: i64| {
            let mut s = base.clone();
            s.stock_id = id.into();
            s.remark = Some(remark.into());
            s.coupon_code_mode = mode;
            s.stock_send_rule.max_count = Some(max);
            s.stock_send_rule.max_count_per_user = Some(per_user);
            s
        };
        let mut upload = stock(
            dev::STOCK_UPLOAD,
            "dev: UPLOAD",
            CouponCodeMode::Upload,
            10_000_000,
            100,
        );
        upload.coupon_code_count_info = Some(CouponCodeCountInfo::default());
        let mut paused = stock(
            dev::STOCK_PAUSED,
            "dev: PAUSED",
            CouponCodeMode::Wechatpay,
            10_000_000,
            100,
        );
        paused.state = StockState::Paused;

        // Usable every day of the week, so that lifecycle load tests can use coupons on any
        // day they run (the seed's stock is usable Monday to Friday only).
        let mut load_test = stock(
            dev::STOCK_LOAD_TEST,
            "dev: load test",
            CouponCodeMode::Wechatpay,
            100_000_000,
            1_000_000,
        );
        if let Some(period) = load_test
            .single_usage_rule
            .as_mut()
            .and_then(|r| r.coupon_available_period.as_mut())
        {
            period.weekly_available_period = None;
        }
        let mut bundle_product = seed.product_coupon.clone();
        bundle_product.product_coupon_id = dev::PRODUCT_COUPON_BUNDLE.into();
        bundle_product.coupon_type = ProductCouponType::Normal;
        bundle_product.usage_mode = UsageMode::ProgressiveBundle;
        bundle_product.single_usage_info = None;
        bundle_product.progressive_bundle_usage_info = Some(ProgressiveBundleUsageInfo {
            count: Some(3),
            interval_days: Some(7),
        });
        let mut bundle = stock(
            dev::STOCK_BUNDLE,
            "dev: PROGRESSIVE_BUNDLE",
            CouponCodeMode::Wechatpay,
            10_000_000,
            100,
        );
        bundle.product_coupon_id = dev::PRODUCT_COUPON_BUNDLE.into();
        bundle.single_usage_rule = None;

        Self {
            product_coupons: vec![seed.product_coupon, bundle_product],
            stocks: vec![
                stock(
                    dev::STOCK_API_ASSIGN,
                    "dev: seed stock, API_ASSIGN",
                    CouponCodeMode::ApiAssign,
                    10_000_000,
                    100,
                ),
                stock(
                    dev::STOCK_WECHATPAY,
                    "dev: WECHATPAY",
                    CouponCodeMode::Wechatpay,
                    10_000_000,
                    100,
                ),
                upload,
                paused,
                load_test,
                bundle,
            ],
            uploaded_codes: BTreeMap::from([(
                dev::STOCK_UPLOAD.to_owned(),
                (1..=dev::UPLOADED_CODES)
                    .map(|i| format!("UPLOAD{i:06}"))
                    .collect(),
            )]),
        }
    }
}
