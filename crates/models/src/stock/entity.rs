//! `StockEntity`: a batch of coupons with its budget, limits and validity rules.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::WxTime;
use crate::enums::{
    AppJumpType, CouponCodeDisplayMode, CouponCodeMode, CouponUsageMethod, StockState,
    StockStoreScope, Weekday,
};
use crate::product_coupon::{
    DiscountCouponUsageRule, ExchangeCouponUsageRule, NormalCouponUsageRule,
};

/// A stock (批次) of a product coupon; also each stock of a stock bundle (then with
/// `stock_bundle_info` and `progressive_bundle_usage_rule`).
///
/// `brand_id` is absent in brand-direct answers: it reads as empty and is left out again.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockEntity {
    /// The product coupon it belongs to.
    pub product_coupon_id: String,
    /// Its id.
    pub stock_id: String,
    /// The brand's note.
    pub remark: Option<String>,
    /// Who assigns coupon codes.
    pub coupon_code_mode: CouponCodeMode,
    /// Uploaded codes, for UPLOAD stocks.
    pub coupon_code_count_info: Option<CouponCodeCountInfo>,
    /// Budget and limits.
    pub stock_send_rule: StockSendRule,
    /// Validity and discount rules, for SINGLE coupons.
    pub single_usage_rule: Option<SingleUsageRule>,
    /// Deprecated: rules of the older SEQUENTIAL generation (still in the YAML).
    pub sequential_usage_rule: Option<SequentialUsageRule>,
    /// Validity and this round's discount, for a stock of a stock bundle.
    pub progressive_bundle_usage_rule: Option<StockUsageRule>,
    /// The bundle and this stock's round in it, for a stock of a stock bundle.
    pub stock_bundle_info: Option<StockBundleInfo>,
    /// How the rules are shown.
    pub usage_rule_display_info: UsageRuleDisplayInfo,
    /// How the coupon is shown.
    pub coupon_display_info: CouponDisplayInfo,
    /// Where events are notified.
    pub notify_config: NotifyConfig,
    /// Which stores accept it.
    pub store_scope: StockStoreScope,
    /// How many have been sent.
    pub sent_count_info: StockSentCountInfo,
    /// Whether it is sending.
    pub state: StockState,
    /// Deactivation request number.
    pub deactivate_request_no: Option<String>,
    /// When it was deactivated.
    pub deactivate_time: Option<WxTime>,
    /// Why it was deactivated.
    pub deactivate_reason: Option<String>,
    /// The brand (partner mode; empty and left out in brand-direct mode).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub brand_id: String,
}

/// `progressive_bundle_usage_rule` of one stock in a bundle: the same shape as
/// [`SingleUsageRule`], with the one rule of this round.
pub type StockUsageRule = SingleUsageRule;

/// `stock_bundle_info`: where a stock sits in its bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockBundleInfo {
    /// The bundle.
    pub stock_bundle_id: String,
    /// The round, from 0.
    pub stock_bundle_index: i64,
}

/// Deprecated `sequential_usage_rule` (SEQUENTIAL generation): one rule per round.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequentialUsageRule {
    /// When sent coupons are valid.
    pub coupon_available_period: Option<CouponAvailablePeriod>,
    /// Amount-off rules, one per round.
    pub normal_coupon_list: Option<Vec<NormalCouponUsageRule>>,
    /// Percent-off rules, one per round.
    pub discount_coupon_list: Option<Vec<DiscountCouponUsageRule>>,
    /// Exchange rules, one per round.
    pub exchange_coupon_list: Option<Vec<ExchangeCouponUsageRule>>,
    /// Whether the first round is a special offer.
    pub special_first: Option<bool>,
}

/// `store_list` entry: a brand store (from 创建品牌门店).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    /// The store's id.
    pub store_id: String,
}

/// `failed_store_list` entry: a store that could not be (dis)associated, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedStoreInfo {
    /// The store's id.
    pub store_id: String,
    /// Error code.
    pub code: String,
    /// Error message.
    pub message: String,
}

/// `coupon_code_count_info`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponCodeCountInfo {
    /// Codes uploaded.
    pub total_count: Option<i64>,
    /// Codes not handed out yet.
    pub available_count: Option<i64>,
}

/// `stock_send_rule`: the limits a send must respect. Absent = no limit.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockSendRule {
    /// Total budget.
    pub max_count: Option<i64>,
    /// Per (Beijing) day.
    pub max_count_per_day: Option<i64>,
    /// Per user.
    pub max_count_per_user: Option<i64>,
}

/// `single_usage_rule`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SingleUsageRule {
    /// When sent coupons are valid.
    pub coupon_available_period: Option<CouponAvailablePeriod>,
    /// Amount-off rule.
    pub normal_coupon: Option<NormalCouponUsageRule>,
    /// Percent-off rule.
    pub discount_coupon: Option<DiscountCouponUsageRule>,
    /// Exchange rule.
    pub exchange_coupon: Option<ExchangeCouponUsageRule>,
}

/// `coupon_available_period`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponAvailablePeriod {
    /// Earliest use.
    pub available_begin_time: Option<WxTime>,
    /// Latest use.
    pub available_end_time: Option<WxTime>,
    /// Days a coupon stays valid, counting its first valid day as day 1.
    pub available_days: Option<i64>,
    /// Days after receipt before a coupon becomes valid.
    pub wait_days_after_receive: Option<i64>,
    /// Weekly windows.
    pub weekly_available_period: Option<FixedWeekPeriod>,
    /// Irregular windows.
    pub irregular_available_period_list: Option<Vec<TimePeriod>>,
    /// Seconds a coupon stays valid after receipt (YAML only).
    pub available_seconds: Option<i64>,
}

/// `weekly_available_period`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedWeekPeriod {
    /// Days of the week.
    pub day_list: Option<Vec<Weekday>>,
    /// Hours of those days.
    pub day_period_list: Option<Vec<PeriodOfTheDay>>,
}

/// `day_period_list` entry: seconds since midnight.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodOfTheDay {
    /// Start, seconds since 00:00.
    pub begin_time: Option<i64>,
    /// End, seconds since 00:00.
    pub end_time: Option<i64>,
}

/// `irregular_available_period_list` entry.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimePeriod {
    /// Start.
    pub begin_time: Option<WxTime>,
    /// End.
    pub end_time: Option<WxTime>,
}

/// `usage_rule_display_info`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRuleDisplayInfo {
    /// Where it can be used.
    pub coupon_usage_method_list: Option<Vec<CouponUsageMethod>>,
    /// Mini program appid.
    pub mini_program_appid: Option<String>,
    /// Mini program path.
    pub mini_program_path: Option<String>,
    /// App path.
    pub app_path: Option<String>,
    /// Usage text.
    pub usage_description: Option<String>,
    /// Stores.
    pub coupon_available_store_info: Option<CouponAvailableStoreInfo>,
    /// How `app_path` opens the app.
    pub app_jump_type: Option<AppJumpType>,
    /// The passcode link, for PASSCODE_LINK.
    pub passcode_link: Option<String>,
}

/// `coupon_available_store_info`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponAvailableStoreInfo {
    /// Text.
    pub description: Option<String>,
    /// Mini program appid.
    pub mini_program_appid: Option<String>,
    /// Mini program path.
    pub mini_program_path: Option<String>,
}

/// `coupon_display_info`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponDisplayInfo {
    /// How the code shows.
    pub code_display_mode: Option<CouponCodeDisplayMode>,
    /// Background colour name, `Color010`…`Color100` (see [`BackgroundColor`](crate::BackgroundColor);
    /// a string so that later colours pass through).
    pub background_color: Option<String>,
    /// Mini program entrance.
    pub entrance_mini_program: Option<EntranceMiniProgram>,
    /// Official account entrance.
    pub entrance_official_account: Option<EntranceOfficialAccount>,
    /// Channels (视频号) entrance.
    pub entrance_finder: Option<EntranceFinder>,
}

/// `entrance_mini_program`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntranceMiniProgram {
    /// Appid.
    pub appid: Option<String>,
    /// Path.
    pub path: Option<String>,
    /// Entrance text.
    pub entrance_wording: Option<String>,
    /// Guidance text.
    pub guidance_wording: Option<String>,
}

/// `entrance_official_account`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntranceOfficialAccount {
    /// Appid.
    pub appid: Option<String>,
}

/// `entrance_finder`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntranceFinder {
    /// Finder id.
    pub finder_id: Option<String>,
    /// Video id.
    pub finder_video_id: Option<String>,
    /// Cover picture.
    pub finder_video_cover_image_url: Option<String>,
}

/// `notify_config`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyConfig {
    /// The appid notified.
    pub notify_appid: Option<String>,
}

/// `sent_count_info`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockSentCountInfo {
    /// Sent in all.
    pub total_count: Option<i64>,
    /// Sent today (Beijing day).
    pub today_count: Option<i64>,
}
