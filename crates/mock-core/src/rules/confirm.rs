//! 确认发放用户商品券 (E22): CONFIRMING → EFFECTIVE, or PENDING until the coupon's
//! validity begins; idempotent on out_request_no (kept in the ledger, compactly).

use wxpay_models::{
    ConfirmSendUserProductCouponRequest, ErrorRow, FieldError, Rule, UserProductCouponState,
};

use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::error::ErrorAnswer as ApiError;
use crate::ledger::{CouponState, Ledger};

/// One confirm, decoded and authenticated.
#[derive(Debug)]
pub(crate) struct ConfirmInput<'a> {
    pub(crate) cx: &'a Cx<'a>,
    pub(crate) request: &'a ConfirmSendUserProductCouponRequest,
}

fn mismatch(field: &str, given: &str, actual: &str) -> ApiError {
    ApiError::param(&FieldError::body(
        field,
        Rule::Mode(format!("is {given:?} but the coupon's is {actual:?}")),
    ))
}

impl Ledger {
    /// Confirms a coupon; returns its index and whether this confirmed it (`false` for an
    /// identical replay).
    pub(crate) fn confirm(&mut self, input: &ConfirmInput<'_>) -> Result<(u32, bool), ApiError> {
        let r = input.request;
        let brand = input.cx.brand;
        let coupon = self
            .stock(r.stock_id())
            .and_then(|s| self.find_code(s, r.coupon_code()))
            .filter(|&i| self.text(i).openid == r.openid())
            .ok_or_else(|| {
                ApiError::user_coupon_not_found(
                    input.cx.mode,
                    format!(
                        "no coupon {} in stock {} for openid {}",
                        r.coupon_code(),
                        r.stock_id(),
                        r.openid()
                    ),
                )
            })?;
        let c = &self.coupons[coupon as usize];
        let product = &self.products[self.stocks[c.stock as usize].product as usize];
        if product.product_coupon_id != r.product_coupon_id() {
            return Err(mismatch(
                "product_coupon_id",
                r.product_coupon_id(),
                &product.product_coupon_id,
            ));
        }
        if self.brand(coupon) != brand {
            return Err(mismatch("brand_id", brand, self.brand(coupon)));
        }
        if self.appid_of(coupon) != r.appid() {
            return Err(mismatch("appid", r.appid(), self.appid_of(coupon)));
        }
        if let Some(done) = self.find_confirm(brand, r.out_request_no()) {
            if done == coupon {
                return Ok((coupon, false)); // an identical replay
            }
            return Err(ApiError::new(
                ErrorRow::RequestNoConflict,
                format!(
                    "out_request_no {} already confirmed another coupon ({}); use a new number for each coupon",
                    r.out_request_no(),
                    self.code(done)
                ),
            ));
        }
        match self.state_at(coupon, input.cx.now) {
            UserProductCouponState::Expired => {
                return Err(ApiError::rule(
                    BizCode::CouponExpired,
                    format!(
                        "用户券已过期: coupon {} passed its valid_end_time before it was confirmed",
                        r.coupon_code()
                    ),
                ));
            }
            UserProductCouponState::Deleted => {
                return Err(ApiError::rule(
                    BizCode::CouponDeleted,
                    format!(
                        "券已被删除: coupon {} was deleted by the user",
                        r.coupon_code()
                    ),
                ));
            }
            UserProductCouponState::Deactivated => {
                return Err(ApiError::rule(
                    BizCode::CouponState,
                    format!("用户券状态非法: coupon {} is DEACTIVATED", r.coupon_code()),
                ));
            }
            _ => {}
        }
        if c.state != CouponState::Confirming {
            let previous = self.confirm_of(coupon).map_or("", |c| c.out_request_no);
            return Err(ApiError::new(
                ErrorRow::BusinessRule,
                format!(
                    "coupon {} is not CONFIRMING: it was confirmed with out_request_no {previous}",
                    r.coupon_code()
                ),
            ));
        }
        let time = u32::try_from(input.cx.now.max(0)).unwrap_or(u32::MAX);
        self.record_confirm(coupon, r.out_request_no(), time)
            .map_err(|_| ApiError::system("the emulator's ledger is full"))?;
        Ok((coupon, true))
    }
}
