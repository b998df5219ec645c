//! What the ledger answers with: coupon and stock entities, states and bundle info as the API
//! shows them, rendered from the compact records on demand.

use time::Date;
use wxpay_models::{
    CouponCodeCountInfo, CouponTagInfo, CouponUsageDetail, ProgressiveBundleUsageDetail,
    StockEntity, UsageMode, UserProductCouponBundleInfo, UserProductCouponEntity,
    UserProductCouponSendChannel, UserProductCouponState, WxTime,
};

use super::{CouponState, Ledger, VIA_COMPONENT, clamp_u32};

impl Ledger {
    /// The stock entity with live `sent_count_info` (and `coupon_code_count_info` for UPLOAD).
    pub(crate) fn stock_entity(&self, stock: u32, today: Date) -> StockEntity {
        let slot = &self.stocks[stock as usize];
        let mut entity = slot.entity.clone();
        entity.sent_count_info.total_count = Some(slot.sent_total);
        entity.sent_count_info.today_count = Some(self.sent_on(stock, today));
        if entity.coupon_code_mode == wxpay_models::CouponCodeMode::Upload {
            entity.coupon_code_count_info = Some(CouponCodeCountInfo {
                total_count: Some(slot.codes_total),
                available_count: Some(i64::try_from(slot.codes.len()).unwrap_or(i64::MAX)),
            });
        }
        entity
    }

    /// Coupon `i` as the API returns it, its state as of business time `now`.
    pub(crate) fn entity(&self, i: u32, now: i64) -> UserProductCouponEntity {
        let c = &self.coupons[i as usize];
        let text = self.text(i);
        let today = time_of(clamp_u32(now)).beijing_date();
        let stock = self.stock_entity(c.stock, today);
        let product = &self.products[self.stocks[c.stock as usize].product as usize];
        let coupon_tag_info = match (text.member_card, text.tag_json) {
            (Some(card), _) => Some(CouponTagInfo::member(card)),
            (None, Some(json)) => serde_json::from_str(json).ok(),
            (None, None) => None,
        };
        let confirm = self.confirm_of(i);
        let coupon_state = self.state_at(i, now);
        let life = self.life(i);
        let deactivated = life.and_then(|l| l.deactivated.as_deref());
        let usage = life.map_or_else(CouponUsageDetail::default, |l| {
            let used = l.used.as_deref();
            CouponUsageDetail {
                use_request_no: used.map(|u| u.out_request_no.to_string()),
                use_time: used.map(|u| time_of(u.time)),
                return_request_no: l.returned.as_ref().map(|(no, _)| no.to_string()),
                return_time: l.returned.as_ref().map(|(_, t)| time_of(*t)),
                ..used.map(super::UseRecord::details).unwrap_or_default()
            }
        });
        let progressive_bundle_usage_detail =
            (product.usage_mode == UsageMode::ProgressiveBundle).then(|| bundle_detail(&usage));
        UserProductCouponEntity {
            coupon_code: self.code(i),
            coupon_state,
            valid_begin_time: time_of(c.valid_begin),
            valid_end_time: time_of(c.valid_end),
            receive_time: time_of(c.receive),
            send_request_no: text.send_request_no.to_owned(),
            send_channel: if c.flags & VIA_COMPONENT != 0 {
                UserProductCouponSendChannel::ReceiveComponent
            } else {
                UserProductCouponSendChannel::Api
            },
            confirm_request_no: confirm.map(|c| c.out_request_no.to_owned()),
            confirm_time: confirm.map(|c| time_of(c.time)),
            deactivate_request_no: deactivated.map(|d| d.0.clone()),
            deactivate_time: deactivated.map(|d| time_of(d.1)),
            deactivate_reason: deactivated.map(|d| d.2.clone()),
            single_usage_detail: (product.usage_mode == UsageMode::Single).then_some(usage),
            progressive_bundle_usage_detail,
            sequential_usage_detail: None,
            user_product_coupon_bundle_info: self.bundle_info(i),
            product_coupon: product.clone(),
            brand_id: product.brand_id.clone(),
            stock,
            attach: text.attach.map(str::to_owned),
            channel_custom_info: None,
            coupon_tag_info,
        }
    }

    /// The state the API shows for coupon `i` at business time `now`.
    pub(crate) fn state_at(&self, i: u32, now: i64) -> UserProductCouponState {
        let c = &self.coupons[i as usize];
        let expired = now > i64::from(c.valid_end);
        match c.state {
            CouponState::Confirming | CouponState::Confirmed if expired => {
                UserProductCouponState::Expired
            }
            CouponState::Confirming => UserProductCouponState::Confirming,
            CouponState::Confirmed if now < i64::from(c.valid_begin) => {
                UserProductCouponState::Pending
            }
            CouponState::Confirmed => UserProductCouponState::Effective,
            CouponState::Used => UserProductCouponState::Used,
            CouponState::Deactivated => UserProductCouponState::Deactivated,
            CouponState::Deleted => UserProductCouponState::Deleted,
        }
    }

    /// `user_product_coupon_bundle_info` of coupon `i`, if it is a round of a user's bundle.
    pub(crate) fn bundle_info(&self, i: u32) -> Option<UserProductCouponBundleInfo> {
        let (b, round) = self.life(i)?.bundle?;
        let bundle = self.bundles.get(b as usize)?;
        let used = bundle
            .coupons
            .iter()
            .filter(|&&c| self.coupons[c as usize].state == CouponState::Used)
            .count();
        Some(UserProductCouponBundleInfo {
            user_coupon_bundle_id: bundle.id.to_string(),
            user_coupon_bundle_index: i64::from(round),
            total_count: i64::try_from(bundle.coupons.len()).unwrap_or(i64::MAX),
            used_count: i64::try_from(used).unwrap_or(i64::MAX),
        })
    }
}

/// The use details of a bundle round, in the bundle's own shape.
fn bundle_detail(u: &CouponUsageDetail) -> ProgressiveBundleUsageDetail {
    ProgressiveBundleUsageDetail {
        usage: u.clone(),
        ..ProgressiveBundleUsageDetail::default()
    }
}

pub(super) fn time_of(secs: u32) -> WxTime {
    WxTime::from_unix_clamped(i64::from(secs))
}
