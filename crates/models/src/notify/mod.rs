//! Callbacks (事件通知): the envelope WeChat Pay POSTs to the notify URL, and the decrypted
//! events. DESIGN.md §8. The envelope is signed like an answer; `resource` is encrypted with
//! the merchant's APIv3 key (AEAD_AES_256_GCM).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

use crate::WxTime;
use crate::enums::UserProductCouponSendChannel;
use crate::user_coupon::AssociatedOrderInfo;

mod config;

pub use config::{GetNotifyConfigRequest, NotifyConfigEntity, SetNotifyConfigRequest};

/// The callback body.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Unique per callback; a redelivery carries the same id.
    pub id: String,
    /// When WeChat Pay created it.
    pub create_time: WxTime,
    /// `PRODUCT_COUPON.SEND`, …
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// A short human-readable text.
    pub summary: Option<String>,
    /// The encrypted event.
    pub resource: EncryptedResource,
}

/// `resource` of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResource {
    /// `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// Base64 of ciphertext ‖ tag.
    pub ciphertext: String,
    /// 12-character nonce.
    pub nonce: String,
    /// Associated data (`product_coupon`).
    pub associated_data: String,
    /// What the plaintext is (`product_coupon`).
    pub original_type: String,
}

/// Event types of product coupons.
pub mod event_type {
    /// A coupon was sent to a user.
    pub const SEND: &str = "PRODUCT_COUPON.SEND";
    /// A coupon was used.
    pub const USE: &str = "PRODUCT_COUPON.USE";
    /// A used coupon was returned.
    pub const RETURN: &str = "PRODUCT_COUPON.RETURN";
    /// Partner mode: a coupon was sent to a user (same payload as [`SEND`], with `brand_id`).
    pub const SP_SEND: &str = "PRODUCT_COUPON_SP.SEND";
    /// Partner mode: an image generation task (E34) finished.
    pub const SP_IMAGE_GENERATION: &str = "PRODUCT_COUPON_SP.IMAGE_GENERATION";
}

/// The decrypted `PRODUCT_COUPON.SEND` event.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponSentEvent {
    /// The coupon's code (unique within its stock).
    pub coupon_code: String,
    /// Its product coupon.
    pub product_coupon_id: String,
    /// Its stock.
    pub stock_id: String,
    /// The user.
    pub openid: String,
    /// The brand.
    pub brand_id: String,
    /// How it was sent.
    pub send_channel: UserProductCouponSendChannel,
    /// The request number it was sent under.
    pub send_request_no: String,
    /// When the user received it.
    pub receive_time: WxTime,
    /// From when it is valid.
    pub valid_begin_time: WxTime,
    /// Until when it is valid.
    pub valid_end_time: WxTime,
    /// The brand's attach text.
    pub attach: Option<String>,
    /// The stock bundle, for a round coupon of a bundle.
    pub stock_bundle_id: Option<String>,
    /// The user's bundle, for a round coupon of a bundle.
    pub user_coupon_bundle_id: Option<String>,
    /// The AppID notified (the stock's `notify_config.notify_appid`).
    pub appid: Option<String>,
    /// The user's UnionID.
    pub unionid: Option<String>,
    /// The phone number the coupon was claimed with.
    pub phone_number: Option<String>,
    /// Its country code.
    pub country_code: Option<String>,
    /// Channel-specific information.
    pub channel_custom_info: Option<String>,
}

/// `PRODUCT_COUPON.USE` (shape for later: the fields a redemption carries).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponUsedEvent {
    /// The coupon's code.
    pub coupon_code: String,
    /// Its stock.
    pub stock_id: String,
    /// Its product coupon.
    pub product_coupon_id: Option<String>,
    /// The user.
    pub openid: Option<String>,
    /// The brand.
    pub brand_id: Option<String>,
    /// The redemption's request number.
    pub use_request_no: Option<String>,
    /// When.
    pub use_time: Option<WxTime>,
    /// The WeChat Pay order it was used with.
    pub associated_order_info: Option<AssociatedOrderInfo>,
}

/// `PRODUCT_COUPON.RETURN` (shape for later).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponReturnedEvent {
    /// The coupon's code.
    pub coupon_code: String,
    /// Its stock.
    pub stock_id: String,
    /// Its product coupon.
    pub product_coupon_id: Option<String>,
    /// The user.
    pub openid: Option<String>,
    /// The brand.
    pub brand_id: Option<String>,
    /// The return's request number.
    pub return_request_no: Option<String>,
    /// When.
    pub return_time: Option<WxTime>,
}

/// A decrypted event, typed by `event_type`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CouponEvent {
    /// `PRODUCT_COUPON.SEND`.
    Sent(CouponSentEvent),
    /// `PRODUCT_COUPON.USE`.
    Used(CouponUsedEvent),
    /// `PRODUCT_COUPON.RETURN`.
    Returned(CouponReturnedEvent),
    /// `PRODUCT_COUPON_SP.IMAGE_GENERATION`: the task's result.
    ImageGenerated(crate::media::ImageGenerationTaskEntity),
    /// An event type this version does not know, kept as JSON.
    Unknown {
        /// Its event type.
        event_type: String,
        /// The decrypted JSON.
        plaintext: Value,
    },
}

impl CouponEvent {
    /// Types the decrypted plaintext of an `event_type` callback.
    ///
    /// ```
    /// use wxpay_models::CouponEvent;
    /// let e = CouponEvent::parse("PRODUCT_COUPON.LATER", br#"{"x":1}"#)?;
    /// assert!(matches!(e, CouponEvent::Unknown { .. }));
    /// let e = CouponEvent::parse("PRODUCT_COUPON_SP.IMAGE_GENERATION",
    ///     br#"{"brand_id":"120344","task_id":"t1","image_generation_type":"CUT_OUT","task_state":"SUCCESS","cut_out_result":{"image_url":"https://wxpaylogo.qpic.cn/x"}}"#)?;
    /// assert!(matches!(e, CouponEvent::ImageGenerated(t) if t.task_id == "t1"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn parse(event_type: &str, plaintext: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(match event_type {
            event_type::SEND | event_type::SP_SEND => {
                CouponEvent::Sent(serde_json::from_slice(plaintext)?)
            }
            event_type::SP_IMAGE_GENERATION => {
                CouponEvent::ImageGenerated(serde_json::from_slice(plaintext)?)
            }
            event_type::USE => CouponEvent::Used(serde_json::from_slice(plaintext)?),
            event_type::RETURN => CouponEvent::Returned(serde_json::from_slice(plaintext)?),
            other => CouponEvent::Unknown {
                event_type: other.to_owned(),
                plaintext: serde_json::from_slice(plaintext)?,
            },
        })
    }

    /// (stock_id, coupon_code) of the coupon the event is about, when known: with the event
    /// type, what receivers de-duplicate by (codes are unique within a stock only).
    pub fn coupon(&self) -> Option<(&str, &str)> {
        match self {
            CouponEvent::Sent(e) => Some((&e.stock_id, &e.coupon_code)),
            CouponEvent::Used(e) => Some((&e.stock_id, &e.coupon_code)),
            CouponEvent::Returned(e) => Some((&e.stock_id, &e.coupon_code)),
            CouponEvent::ImageGenerated(_) | CouponEvent::Unknown { .. } => None,
        }
    }
}
