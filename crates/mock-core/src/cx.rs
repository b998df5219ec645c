//! [`Cx`]: what an operation knows about the call it serves.

use wxpay_models::Mode;

use crate::actor::Actor;

/// The call an operation serves: who, for which brand, at what business time.
#[derive(Debug, Clone, Copy)]
pub struct Cx<'a> {
    /// Who calls.
    pub caller: &'a Actor,
    /// Partner or brand.
    pub mode: Mode,
    /// The brand the request acts for (partner: its `brand_id`, brand: the caller); empty
    /// for the notify-config operations.
    pub brand: &'a str,
    /// Business time, Unix seconds.
    pub now: i64,
    /// An injected SYSTEM_ERROR for operations that place it among their own checks
    /// ([`crate::Handle::OWN_FAULTS`]).
    pub fail: bool,
}
