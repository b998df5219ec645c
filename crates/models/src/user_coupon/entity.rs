//! `UserProductCouponEntity`: a coupon as a user holds it (the answer of the send endpoint).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::enums::{
    DetailState, UserProductCouponSendChannel, UserProductCouponState, UserProductCouponTag,
};
use crate::{ProductCouponEntity, StockEntity, WxTime};

/// A user's product coupon.
///
/// Fields the API marks 必填 (required) are plain values; the rest are `Option`s that stay
/// absent when absent. `single_usage_detail` arrives as `{}` for a fresh SINGLE coupon and is
/// kept as `Some` of an empty detail, so it serializes back to `{}`.
///
/// ```
/// use wxpay_models::{UserProductCouponEntity, UserProductCouponState};
/// let json = std::fs::read_to_string("tests/data/response-member.json")?;
/// let coupon: UserProductCouponEntity = serde_json::from_str(&json)?;
/// assert_eq!(coupon.coupon_code, "Code_123456");
/// assert_eq!(coupon.coupon_state, UserProductCouponState::Confirming);
/// assert_eq!(coupon.valid_end_time.to_string(), "2025-08-31T23:59:59+08:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProductCouponEntity {
    /// The coupon's code, unique within its stock.
    pub coupon_code: String,
    /// Where the coupon is in its life.
    pub coupon_state: UserProductCouponState,
    /// From when it can be used.
    pub valid_begin_time: WxTime,
    /// Until when it can be used.
    pub valid_end_time: WxTime,
    /// When the user received it.
    pub receive_time: WxTime,
    /// The brand's request number it was sent under.
    pub send_request_no: String,
    /// How it was sent.
    pub send_channel: UserProductCouponSendChannel,
    /// The brand's confirm request number, once confirmed.
    pub confirm_request_no: Option<String>,
    /// When the brand confirmed it.
    pub confirm_time: Option<WxTime>,
    /// The deactivation request number, when DEACTIVATED.
    pub deactivate_request_no: Option<String>,
    /// When it was deactivated.
    pub deactivate_time: Option<WxTime>,
    /// Why it was deactivated.
    pub deactivate_reason: Option<String>,
    /// Use details, for SINGLE coupons.
    pub single_usage_detail: Option<CouponUsageDetail>,
    /// Use details, for a round coupon of a PROGRESSIVE_BUNDLE.
    pub progressive_bundle_usage_detail: Option<ProgressiveBundleUsageDetail>,
    /// Deprecated: round details of the older SEQUENTIAL generation (still in the YAML).
    pub sequential_usage_detail: Option<SequentialUsageDetail>,
    /// Bundle details, for PROGRESSIVE_BUNDLE coupons.
    pub user_product_coupon_bundle_info: Option<UserProductCouponBundleInfo>,
    /// The product coupon it is an instance of.
    pub product_coupon: ProductCouponEntity,
    /// The stock it was sent from.
    pub stock: StockEntity,
    /// The brand's attach text, echoed.
    pub attach: Option<String>,
    /// Channel-specific information (other channels than this API).
    pub channel_custom_info: Option<String>,
    /// Tags, such as MEMBER.
    pub coupon_tag_info: Option<CouponTagInfo>,
    /// The brand (partner mode; empty and left out in brand-direct mode).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub brand_id: String,
}

/// `coupon_tag_info`, in requests and responses.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponTagInfo {
    /// Tags; MEMBER needs `member_tag_info`.
    pub coupon_tag_list: Option<Vec<UserProductCouponTag>>,
    /// The member card, for MEMBER coupons.
    pub member_tag_info: Option<MemberTagInfo>,
}

impl CouponTagInfo {
    /// A MEMBER tag with its member card.
    ///
    /// ```
    /// let tag = wxpay_models::CouponTagInfo::member("MemberCardId_1234567890");
    /// assert_eq!(serde_json::to_string(&tag)?, r#"{"coupon_tag_list":["MEMBER"],"member_tag_info":{"member_card_id":"MemberCardId_1234567890"}}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn member(member_card_id: impl Into<String>) -> Self {
        Self {
            coupon_tag_list: Some(vec![UserProductCouponTag::Member]),
            member_tag_info: Some(MemberTagInfo {
                member_card_id: member_card_id.into(),
            }),
        }
    }

    /// Whether the MEMBER tag is listed.
    pub fn is_member(&self) -> bool {
        self.coupon_tag_list
            .as_deref()
            .is_some_and(|tags| tags.contains(&UserProductCouponTag::Member))
    }
}

/// `member_tag_info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberTagInfo {
    /// The member card id.
    pub member_card_id: String,
}

/// `single_usage_detail`: how a SINGLE coupon was used or returned.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponUsageDetail {
    /// The redemption request number.
    pub use_request_no: Option<String>,
    /// When it was redeemed.
    pub use_time: Option<WxTime>,
    /// The return request number.
    pub return_request_no: Option<String>,
    /// When it was returned.
    pub return_time: Option<WxTime>,
    /// The WeChat Pay order it was redeemed with.
    pub associated_order_info: Option<AssociatedOrderInfo>,
    /// The WeChat Pay Score order it was redeemed with.
    pub associated_pay_score_order_info: Option<AssociatedPayScoreOrderInfo>,
    /// The amount saved, in fen (YAML only).
    pub saved_amount: Option<i64>,
}

/// `progressive_bundle_usage_detail`: how a round coupon of a bundle was used or returned.
///
/// The YAML gives it two shapes: the use details of [`CouponUsageDetail`] (coupon-bundles,
/// current) and, in confirm, the old SEQUENTIAL shape of [`SequentialUsageDetail`]; both sit
/// side by side at the top level of the object, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressiveBundleUsageDetail {
    /// Use and return details (current shape).
    #[serde(flatten)]
    pub usage: CouponUsageDetail,
    /// Deprecated: round counters and details (old shape).
    #[serde(flatten)]
    pub rounds: SequentialUsageDetail,
}

/// Deprecated `sequential_usage_detail` (SEQUENTIAL generation).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequentialUsageDetail {
    /// Uses allowed.
    pub total_count: Option<i64>,
    /// Uses made.
    pub used_count: Option<i64>,
    /// One entry per round.
    pub detail_item_list: Option<Vec<SequentialUsageDetailItem>>,
}

/// Deprecated `detail_item_list` entry: one round of a SEQUENTIAL coupon.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequentialUsageDetailItem {
    /// The round's state.
    pub detail_state: Option<DetailState>,
    /// From when the round can be used.
    pub valid_begin_time: Option<WxTime>,
    /// Until when.
    pub valid_end_time: Option<WxTime>,
    /// The redemption request number.
    pub use_request_no: Option<String>,
    /// When it was redeemed.
    pub use_time: Option<WxTime>,
    /// The WeChat Pay order it was redeemed with.
    pub associated_order_info: Option<AssociatedOrderInfo>,
    /// The return request number.
    pub return_request_no: Option<String>,
    /// When it was returned.
    pub return_time: Option<WxTime>,
    /// When the user deleted it.
    pub delete_time: Option<WxTime>,
}

/// `associated_order_info` (UserProductCouponAssociatedOrderInfo).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociatedOrderInfo {
    /// WeChat Pay transaction id.
    pub transaction_id: Option<String>,
    /// The merchant's order number.
    pub out_trade_no: Option<String>,
    /// The merchant.
    pub mchid: Option<String>,
    /// The sub-merchant.
    pub sub_mchid: Option<String>,
}

/// `associated_pay_score_order_info` (UserProductCouponAssociatedPayScoreOrderInfo).
///
/// The merchant's number is `out_order_no` in requests (and Tencent's samples) but
/// `out_trade_no` in the YAML's answers; both are kept as sent.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociatedPayScoreOrderInfo {
    /// Pay Score order id.
    pub order_id: Option<String>,
    /// The merchant's service order number.
    pub out_order_no: Option<String>,
    /// The merchant's order number, as the YAML's answers name it.
    pub out_trade_no: Option<String>,
    /// The merchant.
    pub mchid: Option<String>,
    /// The sub-merchant.
    pub sub_mchid: Option<String>,
}

/// `user_product_coupon_bundle_info`, for PROGRESSIVE_BUNDLE coupons.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProductCouponBundleInfo {
    /// The user's bundle.
    pub user_coupon_bundle_id: String,
    /// This coupon's index in the bundle, from 0.
    pub user_coupon_bundle_index: i64,
    /// Uses the bundle allows.
    pub total_count: i64,
    /// Uses made.
    pub used_count: i64,
}
