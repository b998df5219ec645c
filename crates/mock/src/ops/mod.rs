//! The operations' own rules: one [`Handle`] impl per request type, grouped by resource.
//! Everything operations share — authentication, limits, decoding, the mode's `brand_id`
//! rule, idempotency records, faults, signing — happens around them in `pipeline.rs`.

use wxpay_models::{Mode, ValidationError};

use crate::callbacks::Event;
use crate::caller::Caller;
use crate::error::ErrorAnswer;
use crate::requests::Record;
use crate::world::World;

mod coupon_life;
mod media;
mod notify_configs;
mod product_coupons;
mod stock_bundles;
mod stocks;
mod stores;
mod user_coupon_bundles;
pub(crate) mod user_coupons;

pub(crate) use user_coupon_bundles::claim_pre_send as claim_pre_send_bundle;

/// What an operation knows about the call it serves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cx<'a> {
    /// Who calls.
    pub(crate) caller: &'a Caller,
    /// Partner or brand.
    pub(crate) mode: Mode,
    /// The brand the request acts for (partner: its `brand_id`, brand: the caller); empty
    /// for the notify-config operations.
    pub(crate) brand: &'a str,
    /// Business time, Unix seconds.
    pub(crate) now: i64,
    /// An injected SYSTEM_ERROR for operations that place it among their own checks
    /// ([`Handle::OWN_FAULTS`]).
    pub(crate) fail: bool,
}

/// What an operation did.
#[derive(Debug)]
pub(crate) struct Done<R> {
    /// The answer.
    pub(crate) response: R,
    /// Whether it changed the world (a replay did not); `drop_rate` loses only such answers.
    pub(crate) new: bool,
    /// What a replay of the same request number answers from.
    pub(crate) record: Option<Record>,
    /// Callbacks to send.
    pub(crate) events: Vec<Event>,
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

/// One operation's rules.
pub(crate) trait Handle: wxpay_models::Decode {
    /// The operation keeps its own idempotency records (send and confirm, compactly in the
    /// ledger); otherwise keyed requests are recorded generically.
    const OWN_IDEMPOTENCY: bool = false;
    /// The operation checks `Cx::fail` itself, in its documented place among its checks;
    /// otherwise an injected fault answers before it acts.
    const OWN_FAULTS: bool = false;
    /// The operation checks that the brand authorised the caller itself, in its documented
    /// place (send: after the product coupon and stock are found); otherwise first.
    const OWN_BRAND_CHECK: bool = false;

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

/// `POST /mock/pre-sends/{token}/claim`: the user claims a pre-sent coupon through the
/// receive component; it is issued (send_channel RECEIVE_COMPONENT) and its SEND callback
/// queued, as WeChat Pay does when the mini-program component is used.
pub(crate) fn claim_pre_send(
    emu: &crate::Emulator,
    token: &str,
    now: i64,
) -> (http::StatusCode, serde_json::Value) {
    use http::StatusCode;
    let mut world = emu.world.lock();
    let Some(pre) = world.pre_sends.get(token).cloned() else {
        return admin_error(StatusCode::NOT_FOUND, format!("no pre-send token {token}"));
    };
    if now > pre.expires {
        return admin_error(
            StatusCode::GONE,
            format!(
                "token {token} expired at {} (five minutes after the pre-send)",
                pre.expires
            ),
        );
    }
    let Some(caller) = emu.callers.get(&pre.caller) else {
        return admin_error(StatusCode::NOT_FOUND, "the caller of that pre-send is gone");
    };
    let brand = pre.request.brand_id.clone().unwrap_or_default();
    let cx = Cx {
        caller,
        mode: caller.mode,
        brand: &brand,
        now,
        fail: false,
    };
    let params = match serde_json::to_vec(&pre.request) {
        Ok(bytes) => crate::ledger::digest16(&bytes),
        Err(e) => return admin_error(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let done = user_coupons::send(&mut world, &cx, &pre.request, params, true);
    world.pre_sends.remove(token);
    let ids: Vec<String> = match &done {
        Ok(done) => {
            world.log(|| crate::persist::Entry::Admin {
                kind: "claim",
                data: token.to_owned(),
                now,
            });
            done.events.iter().map(|_| world.next_event_id()).collect()
        }
        Err(_) => Vec::new(),
    };
    drop(world);
    match done {
        Ok(done) => {
            emu.metrics.issued(&done.events);
            for (event, id) in done.events.into_iter().zip(ids) {
                emu.callbacks.enqueue(emu, caller, event, id);
            }
            (StatusCode::OK, serde_json::json!(done.response))
        }
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            serde_json::json!(e.body()),
        ),
    }
}

/// `POST /mock/coupons/{stock_id}/{code}/delete`: the user deletes a coupon in WeChat
/// (no callback; operations on it then answer 272756769).
pub(crate) fn delete_coupon(
    emu: &crate::Emulator,
    stock_id: &str,
    code: &str,
    now: i64,
) -> (http::StatusCode, serde_json::Value) {
    use http::StatusCode;
    let mut world = emu.world.lock();
    let ledger = &mut world.ledger;
    let Some(coupon) = ledger
        .stock(stock_id)
        .and_then(|s| ledger.find_code(s, code))
    else {
        return admin_error(
            StatusCode::NOT_FOUND,
            format!("no coupon {code} in stock {stock_id}"),
        );
    };
    ledger.coupons[coupon as usize].state = crate::ledger::CouponState::Deleted;
    ledger.life_mut(coupon).deleted = u32::try_from(now).ok();
    let entity = serde_json::json!(ledger.entity(coupon, now));
    world.log(|| crate::persist::Entry::Admin {
        kind: "delete",
        data: serde_json::json!({ "stock_id": stock_id, "coupon_code": code }).to_string(),
        now,
    });
    (StatusCode::OK, entity)
}

fn admin_error(
    status: http::StatusCode,
    message: impl std::fmt::Display,
) -> (http::StatusCode, serde_json::Value) {
    (status, serde_json::json!({ "error": message.to_string() }))
}

/// Calls `$m!` with every request type the emulator serves.
macro_rules! for_each_handled {
    ($m:ident) => {
        $m! {
            wxpay_models::user_coupon::SendUserProductCouponRequest,
            wxpay_models::user_coupon::ConfirmSendUserProductCouponRequest,
            wxpay_models::user_coupon::GetUserProductCouponRequest,
            wxpay_models::user_coupon::PreSendUserProductCouponRequest,
            wxpay_models::user_coupon::UseUserProductCouponRequest,
            wxpay_models::user_coupon::ListUserProductCouponsRequest,
            wxpay_models::user_coupon::DeactivateUserProductCouponRequest,
            wxpay_models::user_coupon::ReturnUserProductCouponRequest,
            wxpay_models::notify::SetNotifyConfigRequest,
            wxpay_models::notify::GetNotifyConfigRequest,
            wxpay_models::media::UploadImageRequest,
            wxpay_models::media::CreateImageGenerationTaskRequest,
            wxpay_models::media::GetImageGenerationTaskRequest,
            wxpay_models::product_coupon::CreateProductCouponRequest,
            wxpay_models::product_coupon::QueryProductCouponRequest,
            wxpay_models::product_coupon::UpdateProductCouponRequest,
            wxpay_models::product_coupon::DeactivateProductCouponRequest,
            wxpay_models::stock::CreateStockRequest,
            wxpay_models::stock::ListStocksRequest,
            wxpay_models::stock::GetStockRequest,
            wxpay_models::stock::UpdateStockRequest,
            wxpay_models::stock::UpdateStockBudgetRequest,
            wxpay_models::stock::DeactivateStockRequest,
            wxpay_models::stock::UploadCouponCodesRequest,
            wxpay_models::stock::AssociateStoresRequest,
            wxpay_models::stock::DisassociateStoresRequest,
            wxpay_models::stock::ListAssociatedStoresRequest,
            wxpay_models::stock_bundle::CreateStockBundleRequest,
            wxpay_models::stock_bundle::UpdateStockBundleRequest,
            wxpay_models::stock_bundle::UpdateStockBundleBudgetRequest,
            wxpay_models::stock_bundle::AssociateStoresForStockBundleRequest,
            wxpay_models::stock_bundle::DisassociateStoresForStockBundleRequest,
            wxpay_models::user_coupon_bundle::SendUserProductCouponBundleRequest,
            wxpay_models::user_coupon_bundle::PreSendUserProductCouponBundleRequest,
            wxpay_models::user_coupon_bundle::DeactivateUserProductCouponBundleRequest,
        }
    };
}
pub(crate) use for_each_handled;
