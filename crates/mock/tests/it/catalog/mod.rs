//! The catalogue and bundle operations (E01–E19, E23, E24, E30) over real HTTP with real
//! signatures, in both modes where offered: the lifecycle, every error row, idempotent
//! replays under concurrency, exact budgets under 64-way races, and the catalogue feeding
//! the single send (E20).

mod bundles;
mod errors;
mod lifecycle;
mod races;

use std::collections::BTreeMap;
use wxpay_testkit::fixtures::ForBrand;

use bytes::Bytes;
use serde_json::Value;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, Limits, Server};
use wxpay_models::product_coupon::CreateProductCouponRequest;
use wxpay_models::stock::{DeactivateStockRequest, UpdateStockBudgetRequest};
use wxpay_models::{
    CouponAvailablePeriod, CouponCodeDisplayMode, CouponCodeMode, CouponDisplayInfo,
    CouponUsageMethod, Endpoint, Mode, NormalCouponUsageRule, NotifyConfig,
    ProductCouponDisplayInfo, ProductCouponScope, ProductCouponType, ProgressiveBundleUsageInfo,
    SingleUsageRule, StockBundleForCreate, StockBundleUsageRule, StockForCreate, StockSendRule,
    StockStoreScope, UpdateMode, UsageMode, UsageRuleDisplayInfo, WxTime,
};
use wxpay_signing::Signer;
use wxpay_testkit::fixtures::{assert_signed, unique};
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{brand_signer, merchant_signer, mock};

/// A caller in one mode: the dev merchant (partner) or the dev brand (brand-direct).
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) client: TestClient,
    pub(crate) mode: Mode,
    pub(crate) signer: Signer,
}

impl Api {
    pub(crate) fn partner(base_url: &str) -> Self {
        Self::new(base_url, Mode::Partner, merchant_signer())
    }

    pub(crate) fn brand(base_url: &str) -> Self {
        Self::new(base_url, Mode::Brand, brand_signer())
    }

    pub(crate) fn new(base_url: &str, mode: Mode, signer: Signer) -> Self {
        Self {
            client: TestClient::new(base_url),
            mode,
            signer,
        }
    }

    /// Both modes against one server.
    pub(crate) fn both(base_url: &str) -> [Self; 2] {
        [Self::partner(base_url), Self::brand(base_url)]
    }

    /// A signed, typed call; the answer's signature is checked.
    pub(crate) async fn call<E: Endpoint>(&self, request: &E) -> Answer {
        let answer = self.client.call(&self.signer, self.mode, request).await;
        assert_signed(&answer);
        answer
    }

    /// A call that must succeed; its decoded answer.
    pub(crate) async fn ok<E: Endpoint>(&self, request: &E) -> E::Response {
        let answer = self.call(request).await;
        assert_eq!(
            answer.status,
            200,
            "{} in {} mode: {}",
            E::OPERATION.name,
            self.mode,
            String::from_utf8_lossy(&answer.body)
        );
        serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
            panic!(
                "{}: {e}: {}",
                E::OPERATION.name,
                String::from_utf8_lossy(&answer.body)
            )
        })
    }

    /// A signed POST of raw JSON (what the typed client refuses to send) to `path` after
    /// the mode's prefix.
    pub(crate) async fn post_json(&self, path: &str, body: &Value) -> Answer {
        let path = format!("{}{path}", self.mode.prefix());
        let body = serde_json::to_vec(body).unwrap();
        let auth = self
            .signer
            .authorization("POST", &path, &body)
            .unwrap()
            .to_string();
        let answer = self
            .client
            .raw(
                http::Method::POST,
                &path,
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                    ("Accept", "application/json"),
                    ("Wechatpay-Serial", wxpay_testkit::PLATFORM_KEY_ID),
                ],
                Bytes::from(body),
            )
            .await;
        assert_signed(&answer);
        answer
    }

    /// `brand_id` for a body in this mode.
    pub(crate) fn brand_id(&self) -> Option<String> {
        (self.mode == Mode::Partner).then(|| dev::BRAND_ID.to_owned())
    }
}

/// The numeric business code at the end of the answer's Request-ID.
pub(crate) fn biz(answer: &Answer) -> Option<u32> {
    answer
        .header("Request-ID")?
        .rsplit_once('-')?
        .1
        .parse()
        .ok()
}

/// Asserts an error answer: status, code, business code, and a message naming `part`.
#[track_caller]
pub(crate) fn expect(answer: &Answer, status: u16, code: &str, biz_code: Option<u32>, part: &str) {
    let body = String::from_utf8_lossy(&answer.body);
    assert_eq!(answer.status, status, "{body}");
    let json = answer.json();
    assert_eq!(json["code"], code, "{body}");
    assert_eq!(biz(answer), biz_code, "business code of {body}");
    let message = json["message"].as_str().unwrap_or_default();
    assert!(message.contains(part), "message {message:?} lacks {part:?}");
}

/// The dev emulator without the catalogue's 20/s limits (tests make many calls at once).
pub(crate) fn emulator() -> Emulator {
    let operations: BTreeMap<String, u32> = wxpay_models::operations::ALL
        .iter()
        .map(|op| (op.kebab.to_owned(), 100_000))
        .collect();
    Emulator::dev().with_limits(Limits {
        rate_per_sec: 100_000,
        operations,
        ..Limits::default()
    })
}

pub(crate) async fn server() -> Server {
    mock::start_with(emulator()).await
}

/// A fresh request number.
pub(crate) fn no(prefix: &str) -> String {
    unique(prefix)
}

/// From yesterday 00:00 to 30 days ahead (+08:00).
pub(crate) fn period() -> CouponAvailablePeriod {
    let today = WxTime::now().beijing_date();
    CouponAvailablePeriod {
        available_begin_time: Some(WxTime::start_of_beijing_day(
            today - time::Duration::days(1),
        )),
        available_end_time: Some(WxTime::end_of_beijing_day(today + time::Duration::days(30))),
        ..CouponAvailablePeriod::default()
    }
}

pub(crate) fn send_rule(max: i64, per_day: Option<i64>, per_user: i64) -> StockSendRule {
    StockSendRule {
        max_count: Some(max),
        max_count_per_day: per_day,
        max_count_per_user: Some(per_user),
    }
}

fn usage() -> UsageRuleDisplayInfo {
    UsageRuleDisplayInfo {
        coupon_usage_method_list: Some(vec![CouponUsageMethod::Offline]),
        usage_description: Some("工作日可用".into()),
        ..UsageRuleDisplayInfo::default()
    }
}

fn display() -> CouponDisplayInfo {
    CouponDisplayInfo {
        code_display_mode: Some(CouponCodeDisplayMode::Qrcode),
        ..CouponDisplayInfo::default()
    }
}

/// A stock of a scope-ALL SINGLE product coupon (the rule is the product coupon's).
pub(crate) fn stock(
    mode: CouponCodeMode,
    scope: StockStoreScope,
    rule: StockSendRule,
) -> StockForCreate {
    StockForCreate {
        remark: Some("test stock".into()),
        coupon_code_mode: mode,
        stock_send_rule: rule,
        single_usage_rule: Some(SingleUsageRule {
            coupon_available_period: Some(period()),
            ..SingleUsageRule::default()
        }),
        usage_rule_display_info: usage(),
        coupon_display_info: display(),
        notify_config: NotifyConfig {
            notify_appid: Some(dev::APPID.into()),
        },
        store_scope: scope,
        ..StockForCreate::default()
    }
}

pub(crate) fn product_display(name: &str) -> ProductCouponDisplayInfo {
    ProductCouponDisplayInfo {
        name: Some(name.into()),
        image_url: Some("https://wxpaylogo.qpic.cn/wxpaylogo/image".into()),
        background_url: Some("https://wxpaylogo.qpic.cn/wxpaylogo/background".into()),
        ..ProductCouponDisplayInfo::default()
    }
}

/// E01 of a scope-ALL NORMAL SINGLE product coupon with `stock`.
pub(crate) fn single_product(api: &Api, stock: StockForCreate) -> CreateProductCouponRequest {
    // The models' example is exactly that coupon (满100减10, scope ALL, NORMAL, SINGLE).
    {
        let mut r = wxpay_models::examples::create_product_coupon();
        *r.out_request_no_mut() = no("PC");
        *r.display_info_mut() = product_display("满100减10");
        r.stock = Some(stock);
        r.brand_id = api.brand_id();
        r
    }
}

/// A SINGLE product coupon made by `api` with one stock; (product coupon id, stock id).
pub(crate) async fn single_stock(
    api: &Api,
    mode: CouponCodeMode,
    scope: StockStoreScope,
    rule: StockSendRule,
) -> (String, String) {
    let created = api.ok(&single_product(api, stock(mode, scope, rule))).await;
    let stock = created.stock.expect("the first stock");
    (created.product_coupon.product_coupon_id, stock.stock_id)
}

/// E10 of a stock, with a fresh number.
pub(crate) fn stop_stock(
    api: &Api,
    product_coupon_id: &str,
    stock_id: &str,
) -> DeactivateStockRequest {
    DeactivateStockRequest::new(product_coupon_id, stock_id, no("DS"), "停止发放")
        .for_brand(api.brand_id())
}

/// E09 of one cap of a stock, with a fresh number.
pub(crate) fn budget(
    api: &Api,
    (product_coupon_id, stock_id): (&str, &str),
    mode: UpdateMode,
    current: i64,
    target: i64,
) -> UpdateStockBudgetRequest {
    let total = mode == UpdateMode::MaxCount;
    {
        let mut r = UpdateStockBudgetRequest::new(product_coupon_id, stock_id, no("BU"), mode);
        r.current_max_count = total.then_some(current);
        r.target_max_count = total.then_some(target);
        r.current_max_count_per_day = (!total).then_some(current);
        r.target_max_count_per_day = (!total).then_some(target);
        r.brand_id = api.brand_id();
        r
    }
}

/// A bundle of `rounds` NORMAL rounds, each 1 yuan stronger than the one before.
pub(crate) fn bundle(
    rounds: i64,
    rule: StockSendRule,
    scope: StockStoreScope,
) -> StockBundleForCreate {
    StockBundleForCreate {
        remark: Some("test bundle".into()),
        coupon_code_mode: CouponCodeMode::Wechatpay,
        stock_send_rule: rule,
        progressive_bundle_usage_rule: Some(StockBundleUsageRule {
            coupon_available_period: Some(period()),
            normal_coupon_list: Some(
                (0..rounds)
                    .map(|i| NormalCouponUsageRule {
                        threshold: Some(10_000),
                        discount_amount: Some(1_000 + 100 * i),
                    })
                    .collect(),
            ),
            ..StockBundleUsageRule::default()
        }),
        usage_rule_display_info: usage(),
        coupon_display_info: display(),
        notify_config: NotifyConfig {
            notify_appid: Some(dev::APPID.into()),
        },
        store_scope: scope,
    }
}

/// E01 of a NORMAL PROGRESSIVE_BUNDLE product coupon of `rounds` rounds with `bundle`.
pub(crate) fn bundle_product(
    api: &Api,
    rounds: i64,
    bundle: StockBundleForCreate,
) -> CreateProductCouponRequest {
    CreateProductCouponRequest::new(
        no("PB"),
        ProductCouponScope::All,
        ProductCouponType::Normal,
        UsageMode::ProgressiveBundle,
        product_display("多次优惠券"),
    )
    .with_progressive_bundle_usage_info(ProgressiveBundleUsageInfo {
        count: Some(rounds),
        interval_days: Some(0),
    })
    .with_stock_bundle(bundle)
    .for_brand(api.brand_id())
}
