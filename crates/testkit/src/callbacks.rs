//! Callbacks made by hand, signed by the dev platform key and encrypted with a test APIv3
//! key, as WeChat Pay (or the emulator) would send them: for receivers' tests.

use bytes::Bytes;
use http_body_util::Full;
use wxpay_models::{
    CouponSentEvent, EncryptedResource, Notification, UserProductCouponSendChannel, WxTime,
};
use wxpay_signing::ApiV3Key;

use crate::platform_signer;

/// The APIv3 key of these callbacks.
pub const APIV3_KEY: &str = "0123456789abcdef0123456789ABCDEF";

pub fn apiv3_key() -> ApiV3Key {
    ApiV3Key::new(APIV3_KEY).unwrap()
}

/// A partner-mode SEND event of the dev product coupon for `coupon_code`.
pub fn sent_event(coupon_code: &str) -> CouponSentEvent {
    let now = WxTime::now();
    CouponSentEvent {
        coupon_code: coupon_code.into(),
        product_coupon_id: crate::PRODUCT_COUPON_ID.into(),
        stock_id: crate::STOCK_ID.into(),
        stock_bundle_id: None,
        user_coupon_bundle_id: None,
        appid: Some(crate::APPID.into()),
        openid: "o-callback".into(),
        unionid: None,
        phone_number: None,
        country_code: None,
        channel_custom_info: None,
        brand_id: Some(crate::BRAND_ID.into()),
        send_channel: UserProductCouponSendChannel::Api,
        send_request_no: format!("R{coupon_code}"),
        receive_time: now,
        valid_begin_time: now,
        valid_end_time: now,
        attach: None,
    }
}

/// The body of a `PRODUCT_COUPON_SP.SEND` callback `id` carrying `event`, encrypted with `key`.
pub fn sent_body(key: &ApiV3Key, id: &str, event: &CouponSentEvent) -> Vec<u8> {
    let nonce = "0123456789ab";
    let plaintext = serde_json::to_vec(event).unwrap();
    let n = Notification {
        id: id.into(),
        create_time: WxTime::now(),
        event_type: "PRODUCT_COUPON_SP.SEND".into(),
        resource_type: "encrypt-resource".into(),
        summary: Some("商品券领券通知".into()),
        resource: EncryptedResource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext: key.encrypt(&plaintext, nonce, "product_coupon_sp").unwrap(),
            nonce: nonce.into(),
            associated_data: "product_coupon_sp".into(),
            original_type: "product_coupon".into(),
        },
    };
    serde_json::to_vec(&n).unwrap()
}

/// `body` POSTed to `/notify` with the platform key's `Wechatpay-*` headers (signed now).
pub fn signed_request(body: Vec<u8>) -> http::Request<Full<Bytes>> {
    let signed = platform_signer().sign(&body).unwrap();
    http::Request::post("/notify")
        .header("Content-Type", "application/json")
        .header("Wechatpay-Timestamp", signed.timestamp)
        .header("Wechatpay-Nonce", signed.nonce)
        .header("Wechatpay-Signature", signed.signature)
        .header("Wechatpay-Serial", signed.serial)
        .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// A signed SEND callback `id` for `coupon_code`, ready to send.
pub fn sent_callback(id: &str, coupon_code: &str) -> http::Request<Full<Bytes>> {
    signed_request(sent_body(&apiv3_key(), id, &sent_event(coupon_code)))
}
