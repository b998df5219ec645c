//! The operations' own rules: one [`Handle`] impl per request type, grouped by resource, and
//! the admin actions. What every operation shares — the mode's `brand_id` rule, idempotency
//! records, injected faults, events — happens around them in `apply.rs`.

use wxpay_models::{Decode, ValidationError};

use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::event::Event;
use crate::requests::Record;
use crate::world::World;

pub(crate) mod admin;
mod coupon_life;
mod media;
mod notify_configs;
mod product_coupons;
mod stock_bundles;
mod stocks;
mod stores;
mod user_coupon_bundles;
mod user_coupons;

/// What an operation did.
#[derive(Debug)]
pub struct Done<R> {
    /// The answer.
    pub response: R,
    /// Whether it acted (a replay did not); `drop_rate` loses only such answers, and only
    /// such requests are kept in the state file.
    pub new: bool,
    pub(crate) record: Option<Record>,
    /// Events to report (callbacks).
    pub events: Vec<Event>,
}

impl<R> Done<R> {
    /// A read, or a write that changed nothing.
    pub(crate) fn read(response: R) -> Self {
        Self {
            response,
            new: false,
            record: None,
            events: Vec::new(),
        }
    }

    /// A write that changed the world; replays answer from `record`.
    pub(crate) fn wrote(response: R, record: Record) -> Self {
        Self {
            response,
            new: true,
            record: Some(record),
            events: Vec::new(),
        }
    }
}

/// How a reused request number with other parameters is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// 400 ALREADY_EXISTS (268578927): a create (the create guide).
    Create,
    /// 400 INVALID_REQUEST (268578927): any other write (the troubleshooting guide).
    Write,
}

/// One operation's rules. Every request type of [`wxpay_models::for_each_endpoint!`] has one:
/// the emulator's routes are built from that list, so a missing impl does not compile.
pub trait Handle: Decode {
    /// The operation keeps its own idempotency records (send and confirm, compactly in the
    /// ledger); otherwise keyed requests are recorded generically.
    const OWN_IDEMPOTENCY: bool = false;
    /// The operation checks `Cx::fail` itself, in its documented place among its checks;
    /// otherwise an injected fault answers before it acts.
    const OWN_FAULTS: bool = false;
    /// The operation checks that the brand authorised the caller itself, in its documented
    /// place (send: after the product coupon and stock are found); otherwise first.
    const OWN_BRAND_CHECK: bool = false;
    /// How a reused request number with other parameters is answered.
    const CONFLICT: Conflict = Conflict::Write;
    /// A send of one coupon: replays are counted (`wxpay_mock_idempotent_replays_total`).
    const SEND: bool = false;

    /// Applies the operation's rules to the world.
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer>;

    /// The answer to a request that does not decode or validate (create operations give a
    /// decreasing bundle round its own business code).
    fn invalid(e: &ValidationError) -> ErrorAnswer {
        ErrorAnswer::validation(e)
    }

    /// Answers a replay of a keyed request from its first answer's record.
    #[doc(hidden)]
    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        let _ = (world, cx);
        match record {
            Record::Bytes(bytes) => serde_json::from_slice(bytes)
                .map_err(|e| ErrorAnswer::system(format!("stored answer unreadable: {e}"))),
            _ => Err(ErrorAnswer::system(
                "this operation cannot replay that record",
            )),
        }
    }

    /// The signed body line of a request (multipart uploads sign only `meta`).
    fn signed_body(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(body)
    }
}
