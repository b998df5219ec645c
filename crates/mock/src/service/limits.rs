//! Rate limits: one keyed limiter per operation and mode, at its documented (or configured)
//! rate per caller.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use wxpay_models::{Endpoint, Mode, Operation, SendUserProductCouponRequest, operations};

use crate::config::Limits;

/// The limiters of every operation in both modes.
#[derive(Debug)]
pub(crate) struct OperationLimiters {
    /// Index: position in [`operations::ALL`] × 2 + mode.
    limiters: Vec<(u32, DefaultKeyedRateLimiter<String>)>,
}

impl OperationLimiters {
    pub(crate) fn new(limits: &Limits) -> Self {
        let mut limiters = Vec::with_capacity(operations::ALL.len() * 2);
        for op in operations::ALL {
            for mode in Mode::ALL {
                let rate = rate_of(limits, op, mode);
                limiters.push((
                    rate,
                    RateLimiter::keyed(Quota::per_second(
                        NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN),
                    )),
                ));
            }
        }
        Self { limiters }
    }

    /// Whether `caller` may make one more `op` call now; the rate it is held to otherwise.
    pub(crate) fn admit(&self, op: &Operation, mode: Mode, caller: &String) -> Result<(), u32> {
        let Some(index) = operations::ALL.iter().position(|o| o.name == op.name) else {
            return Ok(());
        };
        match self
            .limiters
            .get(index * 2 + usize::from(mode == Mode::Brand))
        {
            Some((rate, limiter)) => limiter.check_key(caller).map_err(|_| *rate),
            None => Ok(()),
        }
    }
}

/// The per-second rate of `op` per caller in `mode`: `[limits.operations]`, else (sends)
/// `rate_per_sec`, else the documented one.
pub(crate) fn rate_of(limits: &Limits, op: &Operation, mode: Mode) -> u32 {
    if let Some(&rate) = limits.operations.get(op.kebab) {
        return rate;
    }
    if op.name == SendUserProductCouponRequest::OPERATION.name && mode == Mode::Partner {
        return limits.rate_per_sec;
    }
    op.limit(mode).map_or(limits.rate_per_sec, |l| {
        // Per-minute limits become their per-second average, at least 1.
        (l.count / u32::try_from(l.period_secs()).unwrap_or(1)).max(1)
    })
}
