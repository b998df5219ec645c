//! The business rules of the send endpoint (docs/emulator.md, steps 5–11), applied to the
//! ledger under the world's lock so that every check and its update are atomic.

use time::Date;
use wxpay_models::{
    CouponCodeMode, ErrorRow, FieldError, ProductCouponEntity, Rule, SendUserProductCouponRequest,
    StockState, UsageMode, WxTime,
};

use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::error::ErrorAnswer as ApiError;
use crate::ledger::{Ledger, NewCoupon};

/// One send, decoded and authenticated.
#[derive(Debug)]
pub(crate) struct SendInput<'a> {
    pub(crate) cx: &'a Cx<'a>,
    pub(crate) request: &'a SendUserProductCouponRequest,
    /// Digest of the parsed request (see [`crate::digest16`]).
    pub(crate) params: [u8; 16],
    /// Check every rule but issue nothing (pre-send).
    pub(crate) dry_run: bool,
    /// Issued through the receive component (a claimed pre-send), not the API.
    pub(crate) component: bool,
}

/// A successful answer: a new coupon or the original one of an identical replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    New(u32),
    Replay(u32),
    /// A dry run passed every check.
    Checked,
}

impl Sent {
    pub(crate) fn coupon(self) -> Option<u32> {
        match self {
            Sent::New(i) | Sent::Replay(i) => Some(i),
            Sent::Checked => None,
        }
    }
}

impl Ledger {
    /// Applies steps 5–11 and records the coupon.
    pub(crate) fn send(&mut self, input: &SendInput<'_>) -> Result<Sent, ApiError> {
        let r = input.request;
        let brand = input.cx.brand;
        let now = input.cx.now;
        // 5. Idempotency on (brand_id, send_request_no).
        if let Some(i) = self.find_request(brand, r.send_request_no()) {
            let c = &self.coupons[i as usize];
            if c.params == input.params && self.text(i).openid == r.openid() {
                return Ok(Sent::Replay(i));
            }
            return Err(ApiError::new(
                ErrorRow::RequestNoConflict,
                format!(
                    "send_request_no {} was already used by brand {} with other parameters; \
                     use a new send_request_no for a different request, or resend the original parameters",
                    r.send_request_no(),
                    brand
                ),
            ));
        }
        // 6. Product coupon and stock exist and belong together.
        let product_index = self
            .product(r.product_coupon_id())
            .filter(|&p| self.products[p as usize].brand_id == brand)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorRow::ProductCouponNotFound,
                    format!(
                        "product_coupon_id {} does not exist or does not belong to brand {}",
                        r.product_coupon_id(),
                        brand
                    ),
                )
            })?;
        let stock = self
            .stock(r.stock_id())
            .filter(|&s| self.stocks[s as usize].product == product_index)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorRow::StockNotFound,
                    format!(
                        "stock_id {} does not exist or does not belong to product_coupon_id {}",
                        r.stock_id(),
                        r.product_coupon_id()
                    ),
                )
            })?;
        let entity = &self.stocks[stock as usize].entity;
        let product = &self.products[product_index as usize];
        // 7. coupon_code per the stock's code mode.
        check_code_mode(&entity.coupon_code_mode, r.coupon_code.is_some())?;
        // 8. Business rules of the request as a whole.
        check_business(input, entity, product)?;
        // 9. Limits.
        let day = WxTime::from_unix(now)
            .map(|t| t.beijing_date())
            .map_err(|_| clock_error())?;
        self.check_limits(input, stock, day)?;
        // 10. An injected failure consumes nothing.
        if input.cx.fail {
            return Err(ApiError::new(
                ErrorRow::SystemError,
                "injected fault (PUT /mock/faults error_rate); retry with the same parameters",
            ));
        }
        if input.dry_run {
            return Ok(Sent::Checked);
        }
        // 11. Issue.
        let (valid_begin, valid_end) = validity(entity, now);
        let index = self
            .issue(NewCoupon {
                stock,
                openid: r.openid(),
                send_request_no: r.send_request_no(),
                code: r.coupon_code.as_deref(),
                attach: r.attach.as_deref(),
                tags: r.coupon_tag_info.as_ref(),
                appid: r.appid(),
                component: input.component,
                params: input.params,
                receive: now,
                valid_begin,
                valid_end,
                day,
            })
            .map_err(|_| ApiError::new(ErrorRow::SystemError, "the emulator's ledger is full (over 4 billion coupons or 4 GiB of text); POST /mock/reset"))?;
        Ok(Sent::New(index))
    }

    pub(crate) fn check_limits(
        &self,
        input: &SendInput<'_>,
        stock: u32,
        day: Date,
    ) -> Result<(), ApiError> {
        let r = input.request;
        let slot = &self.stocks[stock as usize];
        let rule = &slot.entity.stock_send_rule;
        if let Some(code) = &r.coupon_code
            && self.find_code(stock, code).is_some()
        {
            return Err(ApiError::new(
                ErrorRow::CouponCodeConflict,
                format!(
                    "coupon_code {code} was already issued in stock {}; use another code",
                    r.stock_id()
                ),
            ));
        }
        if let Some(max) = rule.max_count_per_user
            && i64::from(self.user_count(stock, r.openid())) >= max
        {
            return Err(ApiError::new(
                ErrorRow::UserLimitReached,
                format!(
                    "openid {} already holds {max} coupon(s) of stock {} (max_count_per_user {max})",
                    r.openid(),
                    r.stock_id()
                ),
            ));
        }
        if let Some(max) = rule.max_count
            && slot.sent_total >= max
        {
            return Err(ApiError::new(
                ErrorRow::BudgetExhausted,
                format!(
                    "stock {} has sent its whole budget (max_count {max})",
                    r.stock_id()
                ),
            ));
        }
        if let Some(max) = rule.max_count_per_day
            && self.sent_on(stock, day) >= max
        {
            return Err(ApiError::new(
                ErrorRow::BudgetExhausted,
                format!(
                    "stock {} has sent today's budget (max_count_per_day {max}, day {day} UTC+8); try again tomorrow",
                    r.stock_id()
                ),
            ));
        }
        if slot.entity.coupon_code_mode == CouponCodeMode::Upload && slot.codes.is_empty() {
            return Err(ApiError::new(
                ErrorRow::CodesExhausted,
                format!(
                    "stock {} has no uploaded coupon codes left; upload more",
                    r.stock_id()
                ),
            ));
        }
        Ok(())
    }
}

fn check_code_mode(mode: &CouponCodeMode, has_code: bool) -> Result<(), ApiError> {
    let problem = match (mode, has_code) {
        (CouponCodeMode::ApiAssign, false) => {
            "is required: the stock's coupon_code_mode is API_ASSIGN".to_owned()
        }
        (CouponCodeMode::ApiAssign, true) => return Ok(()),
        (mode, true) => format!(
            "must not be given: the stock's coupon_code_mode is {mode}, so WeChat Pay assigns the code"
        ),
        (_, false) => return Ok(()),
    };
    Err(ApiError::param(&FieldError::body(
        "coupon_code",
        Rule::Mode(problem),
    )))
}

fn check_business(
    input: &SendInput<'_>,
    stock: &wxpay_models::StockEntity,
    product: &ProductCouponEntity,
) -> Result<(), ApiError> {
    let r = input.request;
    let fail = |what: String| Err(ApiError::new(ErrorRow::BusinessRule, what));
    if !input.cx.caller.may_act_for(input.cx.brand) {
        return Err(ApiError::unauthorised(input.cx.caller.id(), input.cx.brand));
    }
    if !input.cx.caller.appid_bound(r.appid()) {
        let mut e = ApiError::new(
            ErrorRow::BusinessRule,
            format!(
                "appid {} is not bound to {}",
                r.appid(),
                input.cx.caller.label()
            ),
        );
        e.biz = Some(BizCode::AppidIllegal);
        return Err(e);
    }
    if stock.state != StockState::Sending {
        let mut e = ApiError::new(
            ErrorRow::BusinessRule,
            format!("stock {} is {}, not SENDING", r.stock_id(), stock.state),
        );
        e.biz = Some(BizCode::StockNotSending);
        return Err(e);
    }
    if product.usage_mode == UsageMode::ProgressiveBundle {
        return fail(format!(
            "product coupon {} has usage_mode PROGRESSIVE_BUNDLE; send it with the stock-bundle API instead",
            r.product_coupon_id()
        ));
    }
    if let Some(end) = period(stock).and_then(|p| p.available_end_time)
        && end.unix_timestamp() < input.cx.now
    {
        return fail(format!(
            "stock {} was available until {end}; its availability window is over",
            r.stock_id()
        ));
    }
    Ok(())
}

fn period(stock: &wxpay_models::StockEntity) -> Option<&wxpay_models::CouponAvailablePeriod> {
    stock
        .single_usage_rule
        .as_ref()?
        .coupon_available_period
        .as_ref()
}

/// (valid_begin, valid_end) of a coupon received at `now`:
/// begin = max(now + wait_days_after_receive days, available_begin_time);
/// end = min(available_end_time, 23:59:59 +08:00 of day `available_days`, counting begin's day
/// as day 1). Without `available_days` the end is `available_end_time`, and without either,
/// 30 days.
pub(crate) fn validity(stock: &wxpay_models::StockEntity, now: i64) -> (i64, i64) {
    let p = period(stock);
    let wait = p
        .and_then(|p| p.wait_days_after_receive)
        .unwrap_or(0)
        .clamp(0, 3650);
    let mut begin = now + wait * 86_400;
    if let Some(available) = p.and_then(|p| p.available_begin_time) {
        begin = begin.max(available.unix_timestamp());
    }
    let last_day = |days: i64| {
        WxTime::from_unix(begin)
            .map(|t| {
                WxTime::end_of_beijing_day(t.beijing_date())
                    .plus_days(days.clamp(1, 36_500) - 1)
                    .unix_timestamp()
            })
            .unwrap_or(begin)
    };
    let end = match (
        p.and_then(|p| p.available_days),
        p.and_then(|p| p.available_end_time),
    ) {
        (Some(days), Some(end)) => last_day(days).min(end.unix_timestamp()),
        (Some(days), None) => last_day(days),
        (None, Some(end)) => end.unix_timestamp(),
        (None, None) => last_day(30),
    };
    (begin, end)
}

fn clock_error() -> ApiError {
    ApiError::new(
        ErrorRow::SystemError,
        "business clock out of range; PUT /mock/clock {\"offset_secs\":0}",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_stock() -> wxpay_models::StockEntity {
        let sample: wxpay_models::UserProductCouponEntity =
            serde_json::from_str(include_str!("../../data/seed-response-member.json")).unwrap();
        sample.stock
    }

    #[test]
    fn validity_matches_the_seed_sample() {
        let received: WxTime = "2025-08-02T00:00:00+08:00".parse().unwrap();
        let (begin, end) = validity(&seed_stock(), received.unix_timestamp());
        assert_eq!(
            WxTime::from_unix(begin).unwrap().to_string(),
            "2025-08-02T00:00:00+08:00"
        );
        assert_eq!(
            WxTime::from_unix(end).unwrap().to_string(),
            "2025-08-31T23:59:59+08:00"
        );
    }

    #[test]
    fn validity_waits_and_caps_at_the_window() {
        let mut stock = seed_stock();
        let period = stock
            .single_usage_rule
            .as_mut()
            .unwrap()
            .coupon_available_period
            .as_mut()
            .unwrap();
        period.wait_days_after_receive = Some(2);
        period.available_days = Some(3);
        let received: WxTime = "2025-08-10T15:00:00+08:00".parse().unwrap();
        let (begin, end) = validity(&stock, received.unix_timestamp());
        assert_eq!(
            WxTime::from_unix(begin).unwrap().to_string(),
            "2025-08-12T15:00:00+08:00"
        );
        assert_eq!(
            WxTime::from_unix(end).unwrap().to_string(),
            "2025-08-14T23:59:59+08:00"
        );
        let late: WxTime = "2025-08-28T10:00:00+08:00".parse().unwrap();
        let (_, end) = validity(&stock, late.unix_timestamp());
        assert_eq!(
            WxTime::from_unix(end).unwrap().to_string(),
            "2025-08-31T23:59:59+08:00"
        );
    }
}
