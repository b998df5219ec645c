//! Callbacks (事件通知): the envelope WeChat Pay POSTs to the notify URL, and the decrypted
//! events of both modes (docs/notify.md). The envelope is signed like an answer; `resource`
//! is encrypted with the caller's APIv3 key (AEAD_AES_256_GCM).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

use crate::WxTime;
use crate::enums::UserProductCouponSendChannel;
use crate::user_coupon::AssociatedOrderInfo;

mod config;

pub use config::{
    GetNotifyConfigRequest, NotifyConfigEntity, PlainHttp, SetNotifyConfigRequest, check_notify_url,
};

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

/// Event types of the product-coupon family. Partner mode's are `PRODUCT_COUPON_SP.*`
/// (associated data `product_coupon_sp`), brand-direct mode's `PRODUCT_COUPON.*`
/// (associated data `product_coupon`).
pub mod event_type {
    /// Brand mode: a coupon was sent to (claimed by) a user.
    pub const SEND: &str = "PRODUCT_COUPON.SEND";
    /// Brand mode: a coupon was used (named by Tencent's guide; payload our choice).
    pub const USE: &str = "PRODUCT_COUPON.USE";
    /// Brand mode: a used coupon was returned (named by Tencent's guide; payload our choice).
    pub const RETURN: &str = "PRODUCT_COUPON.RETURN";
    /// Brand mode: an image-generation task finished (no brand name documented; ours by
    /// analogy with the partner event).
    pub const IMAGE_GENERATION: &str = "PRODUCT_COUPON.IMAGE_GENERATION";
    /// Partner mode: a coupon was sent to (claimed by) a user.
    pub const SP_SEND: &str = "PRODUCT_COUPON_SP.SEND";
    /// Partner mode: a coupon was used (not documented for partners; ours by analogy).
    pub const SP_USE: &str = "PRODUCT_COUPON_SP.USE";
    /// Partner mode: a used coupon was returned (not documented for partners; ours by analogy).
    pub const SP_RETURN: &str = "PRODUCT_COUPON_SP.RETURN";
    /// Partner mode: an image-generation task finished.
    pub const SP_IMAGE_GENERATION: &str = "PRODUCT_COUPON_SP.IMAGE_GENERATION";

    /// The event type of `kind` (`SEND`, `USE`, `RETURN`, `IMAGE_GENERATION`) in `mode`.
    ///
    /// ```
    /// use wxpay_models::{Mode, event_type};
    /// assert_eq!(event_type::of(Mode::Partner, "SEND"), "PRODUCT_COUPON_SP.SEND");
    /// assert_eq!(event_type::of(Mode::Brand, "USE"), "PRODUCT_COUPON.USE");
    /// ```
    pub fn of(mode: crate::Mode, kind: &str) -> String {
        match mode {
            crate::Mode::Brand => format!("PRODUCT_COUPON.{kind}"),
            _ => format!("PRODUCT_COUPON_SP.{kind}"),
        }
    }

    /// The `associated_data` of callbacks in `mode`.
    pub fn associated_data(mode: crate::Mode) -> &'static str {
        match mode {
            crate::Mode::Brand => "product_coupon",
            _ => "product_coupon_sp",
        }
    }
}

/// The decrypted `PRODUCT_COUPON_SP.SEND` / `PRODUCT_COUPON.SEND` event.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponSentEvent {
    /// The brand (partner mode only).
    pub brand_id: Option<String>,
    /// The coupon's code (unique within its stock).
    pub coupon_code: String,
    /// Its product coupon.
    pub product_coupon_id: String,
    /// Its stock.
    pub stock_id: String,
    /// Its stock bundle, for a PROGRESSIVE_BUNDLE coupon.
    pub stock_bundle_id: Option<String>,
    /// Its user coupon bundle, for a PROGRESSIVE_BUNDLE coupon.
    pub user_coupon_bundle_id: Option<String>,
    /// The event AppID (the stock's `notify_config.notify_appid`); the openid belongs to it.
    pub appid: Option<String>,
    /// The user.
    pub openid: String,
    /// The user's UnionID.
    pub unionid: Option<String>,
    /// When the user received it: the start of the validity clock.
    pub receive_time: WxTime,
    /// The request number it was sent under.
    pub send_request_no: String,
    /// How it was sent.
    pub send_channel: UserProductCouponSendChannel,
    /// From when it is valid.
    pub valid_begin_time: WxTime,
    /// Until when it is valid.
    pub valid_end_time: WxTime,
    /// 领券手机号.
    pub phone_number: Option<String>,
    /// Its country code.
    pub country_code: Option<String>,
    /// The brand's attach text (API and component sends).
    pub attach: Option<String>,
    /// Channel-defined extra information.
    pub channel_custom_info: Option<String>,
}

/// The decrypted `*.USE` event (the sources name it but give no payload: these fields are
/// our choice, the coupon's identity plus the use's own record).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponUsedEvent {
    /// The brand (partner mode only).
    pub brand_id: Option<String>,
    /// The coupon's code.
    pub coupon_code: String,
    /// Its stock.
    pub stock_id: String,
    /// Its product coupon.
    pub product_coupon_id: Option<String>,
    /// The user.
    pub openid: Option<String>,
    /// The use's request number.
    pub use_request_no: Option<String>,
    /// When.
    pub use_time: Option<WxTime>,
    /// The WeChat Pay order it was used with.
    pub associated_order_info: Option<AssociatedOrderInfo>,
}

/// The decrypted `*.RETURN` event (payload our choice, as for USE).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponReturnedEvent {
    /// The brand (partner mode only).
    pub brand_id: Option<String>,
    /// The coupon's code.
    pub coupon_code: String,
    /// Its stock.
    pub stock_id: String,
    /// Its product coupon.
    pub product_coupon_id: Option<String>,
    /// The user.
    pub openid: Option<String>,
    /// The return's request number.
    pub return_request_no: Option<String>,
    /// When.
    pub return_time: Option<WxTime>,
}

/// The decrypted `*.IMAGE_GENERATION` event.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageGenerationEvent {
    /// The brand (partner mode).
    pub brand_id: Option<String>,
    /// The task.
    pub task_id: String,
    /// `COMBINE_IMAGE` or `CUT_OUT`.
    pub image_generation_type: String,
    /// `PROCESSING`, `FAIL` or `SUCCESS`.
    pub task_state: String,
    /// The combined image, for COMBINE_IMAGE.
    pub combine_image_result: Option<ImageResult>,
    /// The cut-out image, for CUT_OUT.
    pub cut_out_result: Option<ImageResult>,
}

/// `{image_url}` of an image result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageResult {
    /// Where the image is.
    pub image_url: String,
}

/// A decrypted event, typed by `event_type` (either mode's name).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CouponEvent {
    /// `*.SEND`.
    Sent(CouponSentEvent),
    /// `*.USE`.
    Used(CouponUsedEvent),
    /// `*.RETURN`.
    Returned(CouponReturnedEvent),
    /// `*.IMAGE_GENERATION`.
    ImageGenerated(ImageGenerationEvent),
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
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn parse(event_type: &str, plaintext: &[u8]) -> Result<Self, serde_json::Error> {
        let kind = event_type
            .strip_prefix("PRODUCT_COUPON_SP.")
            .or_else(|| event_type.strip_prefix("PRODUCT_COUPON."));
        Ok(match kind {
            Some("SEND") => CouponEvent::Sent(serde_json::from_slice(plaintext)?),
            Some("USE") => CouponEvent::Used(serde_json::from_slice(plaintext)?),
            Some("RETURN") => CouponEvent::Returned(serde_json::from_slice(plaintext)?),
            Some("IMAGE_GENERATION") => {
                CouponEvent::ImageGenerated(serde_json::from_slice(plaintext)?)
            }
            _ => CouponEvent::Unknown {
                event_type: event_type.to_owned(),
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
            _ => None,
        }
    }
}
