//! The lifecycle scenario's calls after the send: confirm, detail, use — each signed inline
//! (they need the code the send's answer gave), encoded by wxpay-models as a client does.

use std::sync::OnceLock;

use wxpay_models::user_coupon::{
    ConfirmSendUserProductCouponRequest, GetUserProductCouponRequest, UseUserProductCouponRequest,
};
use wxpay_models::{AssociatedOrderInfo, Encoded, Endpoint, Mode, Target, WxTime, encode};

/// What the follow-up calls need besides the openid and code.
#[derive(Debug)]
pub struct Ids {
    /// The run's id (request numbers).
    pub run_id: String,
    /// Product coupon, stock, AppID and brand of the sends.
    pub product_coupon_id: String,
    /// The stock.
    pub stock_id: String,
    /// The AppID.
    pub appid: String,
    /// The brand.
    pub brand_id: String,
    /// The code each slot's send got.
    pub codes: Vec<OnceLock<String>>,
}

impl Ids {
    fn target(&self) -> Target<'_> {
        Target {
            mode: Mode::Partner,
            brand_id: Some(&self.brand_id),
        }
    }

    /// The three calls of slot `slot` for coupon `code` of `openid`, in order, each with its
    /// name in goose's report.
    pub fn calls(
        &self,
        slot: usize,
        openid: &str,
        code: &str,
    ) -> Result<[(&'static str, Encoded); 3], String> {
        let confirm = ConfirmSendUserProductCouponRequest::new(
            openid,
            code,
            self.product_coupon_id.clone(),
            self.stock_id.clone(),
            self.appid.clone(),
            format!("LC{}{slot:010}", self.run_id),
        );
        let get = GetUserProductCouponRequest::new(
            openid,
            code,
            self.product_coupon_id.clone(),
            self.stock_id.clone(),
            self.appid.clone(),
        );
        let use_ = UseUserProductCouponRequest::new(
            openid,
            code,
            self.product_coupon_id.clone(),
            self.stock_id.clone(),
            self.appid.clone(),
            format!("LU{}{slot:010}", self.run_id),
            WxTime::now(),
        )
        .with_associated_order_info(AssociatedOrderInfo {
            transaction_id: Some(format!("42{}{slot:016}", self.run_id)),
            ..AssociatedOrderInfo::default()
        });
        Ok([
            ("confirm", self.encoded(&confirm)?),
            ("detail", self.encoded(&get)?),
            ("use", self.encoded(&use_)?),
        ])
    }

    fn encoded<E: Endpoint>(&self, request: &E) -> Result<Encoded, String> {
        encode(request, self.target()).map_err(|e| format!("{}: {e}", E::OPERATION.name))
    }
}
