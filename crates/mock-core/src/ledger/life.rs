//! What happens to a coupon after it is sent and confirmed (use, return, deactivation,
//! deletion, its user bundle), kept in a side table only for the coupons it concerns, and the
//! users' coupon bundles.

use serde::{Deserialize, Serialize};
use wxpay_models::CouponUsageDetail;

use super::{Ledger, to_u32};

/// What happened to a coupon after it was sent and confirmed: kept only for the coupons it
/// concerns, so that the common case costs nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Life {
    /// The last use (a return keeps it, as the API shows both).
    pub(crate) used: Option<Box<UseRecord>>,
    /// The last return.
    pub(crate) returned: Option<(Box<str>, u32)>,
    /// The deactivation: request number, time, reason.
    pub(crate) deactivated: Option<Box<(String, u32, String)>>,
    /// When the user deleted it.
    pub(crate) deleted: Option<u32>,
    /// Its user coupon bundle (index in the ledger's bundles) and round, from 0.
    pub(crate) bundle: Option<(u32, u32)>,
}

/// A use (核销) as recorded: the number and time, and what the request said of the order
/// as compact JSON (most uses are never read back, so no typed copy is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UseRecord {
    pub(crate) out_request_no: Box<str>,
    pub(crate) time: u32,
    /// A `CouponUsageDetail` holding only `associated_order_info`,
    /// `associated_pay_score_order_info` and `saved_amount`; `None` when all are absent.
    details: Option<Box<str>>,
}

impl UseRecord {
    /// The record of a use at `time` (Unix seconds).
    pub(crate) fn new(
        request: &wxpay_models::user_coupon::UseUserProductCouponRequest,
        time: u32,
    ) -> Self {
        let details = CouponUsageDetail {
            associated_order_info: request.associated_order_info.clone(),
            associated_pay_score_order_info: request.associated_pay_score_order_info.clone(),
            saved_amount: request.saved_amount,
            ..CouponUsageDetail::default()
        };
        let details = (details != CouponUsageDetail::default())
            .then(|| serde_json::to_string(&details).ok())
            .flatten()
            .map(String::into_boxed_str);
        Self {
            out_request_no: request.out_request_no().into(),
            time,
            details,
        }
    }

    /// The order details the use recorded (the other fields are left at their defaults).
    pub(crate) fn details(&self) -> CouponUsageDetail {
        self.details
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }
}

/// A user's coupon bundle (用户商品券组): its id and its coupons, one per round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CouponBundle {
    pub(crate) id: Box<str>,
    pub(crate) coupons: Box<[u32]>,
}

impl Ledger {
    /// Coupon `i`'s lifecycle record, if any.
    pub(crate) fn life(&self, i: u32) -> Option<&Life> {
        let life = self.coupons.get(i as usize)?.life;
        life.checked_sub(1).and_then(|l| self.lives.get(l as usize))
    }

    /// Coupon `i`'s lifecycle record, made on first use.
    pub(crate) fn life_mut(&mut self, i: u32) -> &mut Life {
        let index = match self.coupons[i as usize].life.checked_sub(1) {
            Some(l) => l as usize,
            None => {
                self.lives.push(Life::default());
                self.coupons[i as usize].life = to_u32(self.lives.len());
                self.lives.len() - 1
            }
        };
        &mut self.lives[index]
    }

    /// Records a user's coupon bundle of `coupons` (round order); returns its index.
    pub(crate) fn add_bundle(&mut self, id: String, coupons: Vec<u32>) -> u32 {
        let index = to_u32(self.bundles.len());
        for (round, &c) in coupons.iter().enumerate() {
            self.life_mut(c).bundle = Some((index, to_u32(round)));
        }
        self.bundles.push(CouponBundle {
            id: id.into(),
            coupons: coupons.into(),
        });
        index
    }
}
