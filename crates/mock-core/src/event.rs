//! [`Event`]: what a callback reports, typed with the models' callback payloads, and the
//! plaintext WeChat Pay encrypts into the notification.

use wxpay_models::{
    CouponReturnedEvent, CouponSentEvent, CouponUsedEvent, ImageGenerationEvent, Mode,
    UserProductCouponEntity,
};

use crate::digest::{digest16, hex};

/// Something a callback reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A coupon was issued (a send, a bundle's rounds, a claimed pre-send); `appid` is the
    /// one it was sent under.
    Sent {
        /// The user.
        openid: String,
        /// The AppID the openid belongs to.
        appid: String,
        /// The coupon as issued.
        entity: Box<UserProductCouponEntity>,
    },
    /// A coupon was used (核销).
    Used(Box<CouponUsedEvent>),
    /// A use was returned (退券).
    Returned(Box<CouponReturnedEvent>),
    /// An image-generation task finished.
    ImageGenerated(Box<ImageGenerationEvent>),
}

impl Event {
    /// `SEND`, `USE`, `RETURN` or `IMAGE_GENERATION`: the event type's suffix.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Sent { .. } => "SEND",
            Event::Used(_) => "USE",
            Event::Returned(_) => "RETURN",
            Event::ImageGenerated(_) => "IMAGE_GENERATION",
        }
    }

    /// The coupon it is about, as (stock_id, coupon_code).
    pub fn coupon(&self) -> Option<(&str, &str)> {
        match self {
            Event::Sent { entity, .. } => Some((&entity.stock.stock_id, &entity.coupon_code)),
            Event::Used(e) => Some((&e.stock_id, &e.coupon_code)),
            Event::Returned(e) => Some((&e.stock_id, &e.coupon_code)),
            Event::ImageGenerated(_) => None,
        }
    }

    /// Whether it reports a newly issued coupon (what `coupons_issued_total` counts).
    pub fn issues_coupon(&self) -> bool {
        matches!(self, Event::Sent { .. })
    }

    /// The decrypted payload as WeChat Pay sends it in `mode`: partner plaintexts carry
    /// `brand_id`, brand-direct ones do not.
    pub fn plaintext(&self, mode: Mode) -> Result<Vec<u8>, serde_json::Error> {
        let partner = mode == Mode::Partner;
        match self {
            Event::Sent {
                openid,
                appid,
                entity,
            } => serde_json::to_vec(&sent(partner, openid, appid, entity)),
            Event::Used(e) => {
                let mut e = (**e).clone();
                e.brand_id = e.brand_id.filter(|_| partner);
                serde_json::to_vec(&e)
            }
            Event::Returned(e) => {
                let mut e = (**e).clone();
                e.brand_id = e.brand_id.filter(|_| partner);
                serde_json::to_vec(&e)
            }
            Event::ImageGenerated(e) => {
                let mut e = (**e).clone();
                e.brand_id = e.brand_id.filter(|_| partner);
                serde_json::to_vec(&e)
            }
        }
    }
}

/// The SEND payload of an issued coupon.
fn sent(
    partner: bool,
    openid: &str,
    appid: &str,
    entity: &UserProductCouponEntity,
) -> CouponSentEvent {
    CouponSentEvent {
        brand_id: partner.then(|| entity.brand_id.clone()),
        coupon_code: entity.coupon_code.clone(),
        product_coupon_id: entity.product_coupon.product_coupon_id.clone(),
        stock_id: entity.stock.stock_id.clone(),
        stock_bundle_id: entity
            .stock
            .stock_bundle_info
            .as_ref()
            .map(|b| b.stock_bundle_id.clone()),
        user_coupon_bundle_id: entity
            .user_product_coupon_bundle_info
            .as_ref()
            .map(|b| b.user_coupon_bundle_id.clone()),
        // The AppID the openid belongs to: for an API send, the request's (the stock's
        // notify_appid is the event AppID of other channels).
        appid: Some(appid.to_owned()),
        openid: openid.to_owned(),
        unionid: Some(unionid(openid, appid)),
        receive_time: entity.receive_time,
        send_request_no: entity.send_request_no.clone(),
        send_channel: entity.send_channel.clone(),
        valid_begin_time: entity.valid_begin_time,
        valid_end_time: entity.valid_end_time,
        phone_number: None,
        country_code: None,
        attach: entity.attach.clone(),
        channel_custom_info: entity.channel_custom_info.clone(),
    }
}

/// A stable UnionID for an openid (the emulator has no users; this one is derived).
pub(crate) fn unionid(openid: &str, appid: &str) -> String {
    let digest = digest16(format!("{appid}\n{openid}").as_bytes());
    format!("oU{}", &hex(&digest)[..26])
}
