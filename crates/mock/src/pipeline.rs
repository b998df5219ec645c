//! What every operation shares, in order: authenticate (step 2), the operation's rate
//! limit per caller (step 3), decode (step 4), the mode's `brand_id` rule and the brand's
//! authorisation, the idempotency record of keyed requests, injected faults, then the
//! operation's own rules (`ops/`), and callbacks after the world is unlocked.

use wxpay_models::{
    Endpoint, ErrorRow, FieldError, Location, Method, Mode, RawRequest, Retry, Rule,
    SendUserProductCouponRequest, Target, encode,
};

use crate::caller::{AuthFailure, Caller, Presented, authenticate};
use wxpay_models::BizCode;

use crate::error::ErrorAnswer;
use crate::ops::{Cx, Done, Handle};
use crate::persist::Entry;
use crate::requests::Seen;
use crate::state::Emulator;

/// A request that passed the HTTP checks, with its body read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming<'a> {
    pub(crate) mode: Mode,
    pub(crate) method: &'a str,
    pub(crate) path_and_query: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a str>,
    pub(crate) path: &'a [(&'static str, &'a str)],
    pub(crate) body: &'a [u8],
    pub(crate) fail: bool,
}

/// The outcome before it is signed.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) status: u16,
    /// The error code, or "" for a success.
    pub(crate) code: String,
    pub(crate) biz: Option<u32>,
    pub(crate) body: Vec<u8>,
    /// A write that changed the world (`drop_rate` may lose its answer).
    pub(crate) new: bool,
    /// `mchid 1900000001` / `brand 120344`, once authenticated.
    pub(crate) caller: Option<String>,
    /// Why authentication failed.
    pub(crate) auth: Option<Box<AuthFailure>>,
}

impl Outcome {
    pub(crate) fn error(e: ErrorAnswer) -> Self {
        let body = serde_json::to_vec(&e.body())
            .unwrap_or_else(|_| br#"{"code":"SYSTEM_ERROR","message":"unserializable"}"#.to_vec());
        Self {
            status: e.status,
            code: e.code.as_str().to_owned(),
            biz: e.biz,
            body,
            new: false,
            caller: None,
            auth: None,
        }
    }

    fn ok(body: Vec<u8>, new: bool) -> Self {
        Self {
            status: 200,
            code: String::new(),
            biz: None,
            body,
            new,
            caller: None,
            auth: None,
        }
    }
}

/// Steps 2 onward for operation `E`.
pub(crate) fn run<E: Handle>(emu: &Emulator, incoming: &Incoming<'_>) -> Outcome {
    // 2. Who is calling.
    let signed = E::signed_body(incoming.body);
    let presented = Presented {
        mode: incoming.mode,
        authorization: incoming.authorization,
        method: incoming.method,
        path_and_query: incoming.path_and_query,
        body: &signed,
    };
    let caller = match authenticate(
        &emu.callers,
        &emu.nonces,
        emu.limits.timestamp_skew_secs,
        presented,
        emu.real_now(),
    ) {
        Ok(caller) => caller,
        Err(failure) => {
            let mut outcome = Outcome::error(failure.answer.clone());
            outcome.auth = Some(failure);
            return outcome;
        }
    };
    let mut outcome = decide::<E>(emu, caller, incoming);
    outcome.caller = Some(caller.label());
    outcome
}

fn decide<E: Handle>(emu: &Emulator, caller: &Caller, incoming: &Incoming<'_>) -> Outcome {
    let op = E::OPERATION;
    // 3. The operation's rate limit for this caller.
    if let Err(rate) = emu.admit(op, caller) {
        return Outcome::error(ErrorAnswer::new(
            ErrorRow::RateLimited,
            format!(
                "{} is over {rate} {} calls/s; retry later with the same parameters",
                caller.label(),
                op.kebab
            ),
        ));
    }
    // 4. Parameters.
    let raw = RawRequest {
        path: incoming.path,
        query: incoming.query,
        body: incoming.body,
    };
    let request = match E::decode(&raw) {
        Ok(r) => r,
        Err(e) => return Outcome::error(E::invalid(&e)),
    };
    let acted = act(emu, caller, request, incoming.fail);
    if op.name == <SendUserProductCouponRequest as Endpoint>::OPERATION.name
        && let Ok((_, false)) = &acted
    {
        emu.metrics.replayed();
    }
    match acted {
        Ok((response, new)) => match encode_answer(&response, caller.mode) {
            // Sized for the seed-shaped entity (3.3 KB) so it is written without regrowing.
            Ok(body) => Outcome::ok(body, new),
            Err(e) => Outcome::error(ErrorAnswer::system(format!(
                "cannot serialize the answer: {e}"
            ))),
        },
        Err(e) => Outcome::error(e),
    }
}

/// The answer's JSON. Brand-direct answers carry no `brand_id` (Tencent's brand samples):
/// the field is removed wherever it appears.
fn encode_answer<T: serde::Serialize>(
    response: &T,
    mode: Mode,
) -> Result<Vec<u8>, serde_json::Error> {
    if mode != Mode::Brand {
        return serde_json::to_vec(response);
    }
    let mut value = serde_json::to_value(response)?;
    strip_brand_id(&mut value);
    serde_json::to_vec(&value)
}

fn strip_brand_id(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("brand_id");
            map.values_mut().for_each(strip_brand_id);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_brand_id),
        _ => {}
    }
}

/// From a decoded request to its answer: the mode's brand rule, authorisation, idempotency,
/// faults, the operation, callbacks. `Emulator::send` enters here too.
pub(crate) fn act<E: Handle>(
    emu: &Emulator,
    caller: &Caller,
    request: E,
    fail: bool,
) -> Result<(E::Response, bool), ErrorAnswer> {
    act_at(emu, caller, request, fail, emu.business_now())
}

/// [`act`] at business time `now` (a replayed state file gives each change its own time).
pub(crate) fn act_at<E: Handle>(
    emu: &Emulator,
    caller: &Caller,
    request: E,
    fail: bool,
    now: i64,
) -> Result<(E::Response, bool), ErrorAnswer> {
    let op = E::OPERATION;
    let brand = brand_of(caller, &request)?;
    if !E::OWN_BRAND_CHECK && !brand.is_empty() && !caller.may_act_for(&brand) {
        return Err(unauthorised(caller, &brand));
    }
    let cx = Cx {
        caller,
        mode: caller.mode,
        brand: &brand,
        now,
        fail,
    };
    let key = match (op.retry, request.request_no()) {
        (Retry::Keyed(_), Some(no)) if !E::OWN_IDEMPOTENCY => {
            Some((no.to_owned(), digest(&request)?))
        }
        _ => None,
    };
    let mut world = emu.world.lock();
    if let Some((no, digest)) = &key {
        match world.requests.check(op.name, &brand, no, *digest) {
            Seen::New => {}
            Seen::Replay(record) => {
                let response = E::replay(&world, &cx, &record)?;
                return Ok((response, false));
            }
            Seen::Conflict => return Err(conflict(op, no)),
        }
    }
    if fail && !E::OWN_FAULTS && op.method != Method::Get {
        return Err(ErrorAnswer::system(
            "injected fault (PUT /mock/faults error_rate); retry with the same parameters",
        ));
    }
    // The request as it would be sent again, for the state file (taken before the
    // operation consumes it; only when one is kept).
    let logged = world
        .logging
        .then(|| {
            encode(
                &request,
                Target {
                    mode: caller.mode,
                    brand_id: Some(&brand),
                },
            )
            .ok()
        })
        .flatten();
    let Done {
        response,
        new,
        record,
        events,
    } = E::handle(&mut world, &cx, request)?;
    if let (Some((no, digest)), Some(record)) = (&key, record) {
        world.requests.record(op.name, &brand, no, *digest, record);
    }
    if new && let Some(wire) = logged {
        world.log(|| Entry::Api {
            method: op.method.as_str(),
            path_and_query: wire.path_and_query,
            body: wire.body,
            mode: caller.mode,
            caller: caller.id.clone(),
            now,
        });
    }
    let ids: Vec<String> = events.iter().map(|_| world.next_event_id()).collect();
    drop(world);
    emu.metrics.issued(&events);
    for (event, id) in events.into_iter().zip(ids) {
        emu.callbacks.enqueue(emu, caller, event, id);
    }
    Ok((response, new))
}

/// The brand a request acts for. Partner mode: its `brand_id`, required (except for the
/// notify-config operations, which are the provider's own). Brand mode: the caller; a
/// `brand_id` naming another brand is refused.
fn brand_of<E: Endpoint>(caller: &Caller, request: &E) -> Result<String, ErrorAnswer> {
    let location = if E::OPERATION.method == Method::Get {
        Location::Query
    } else {
        Location::Body
    };
    let param = |rule: Rule| {
        ErrorAnswer::param(&FieldError {
            field: "brand_id".into(),
            location,
            rule,
        })
    };
    match caller.mode {
        Mode::Brand => match request.brand_id() {
            Some(given) if given != caller.id => Err(param(Rule::Mode(format!(
                "is {given:?}, but the request is signed by brand {}; brand-direct calls act for their own brand (leave brand_id out)",
                caller.id
            )))),
            _ => Ok(caller.id.clone()),
        },
        _ if !E::OPERATION.carries_brand => Ok(String::new()),
        _ => match request.brand_id() {
            Some(brand) if !brand.is_empty() => Ok(brand.to_owned()),
            _ => Err(param(Rule::Required)),
        },
    }
}

/// 400 INVALID_REQUEST (268579803): the brand has not granted the provider the product.
pub(crate) fn unauthorised(caller: &Caller, brand: &str) -> ErrorAnswer {
    let mut e = ErrorAnswer::new(
        ErrorRow::BusinessRule,
        format!(
            "brand {brand} has not authorised service provider {}",
            caller.id
        ),
    );
    e.biz = Some(BizCode::NoAuth);
    e
}

/// Same number, other parameters.
fn conflict(op: &wxpay_models::Operation, no: &str) -> ErrorAnswer {
    let field = match op.retry {
        Retry::Keyed(field) => field,
        _ => "request number",
    };
    let what = format!(
        "{field} {no} was already used for {} with other parameters; use a new number for a different request, or resend the original parameters",
        op.kebab
    );
    // Creating with a used number is ALREADY_EXISTS (the create guide); any other write
    // answers 268578927 (the troubleshooting guide).
    if op.path.ends_with("/product-coupons")
        || op.path.ends_with("/stocks")
        || op.path.ends_with("/stock-bundles")
    {
        ErrorAnswer::coded(
            400,
            wxpay_models::ErrorCode::AlreadyExists,
            BizCode::SameNoOtherData,
            format!("已存在: {what}"),
        )
    } else {
        ErrorAnswer::rule(BizCode::SameNoOtherData, what)
    }
}

/// The idempotency digest of a decoded request: its body form plus path and query.
fn digest<E: Endpoint>(request: &E) -> Result<[u8; 16], ErrorAnswer> {
    let mut bytes = serde_json::to_vec(request)
        .map_err(|e| ErrorAnswer::system(format!("cannot digest the request: {e}")))?;
    for name in E::OPERATION.path_params() {
        bytes.push(0);
        bytes.extend_from_slice(request.path_param(name).unwrap_or_default().as_bytes());
    }
    for (k, v) in request.query() {
        bytes.push(0);
        bytes.extend_from_slice(k.as_bytes());
        bytes.push(b'=');
        bytes.extend_from_slice(v.as_bytes());
    }
    Ok(crate::ledger::digest16(&bytes))
}

/// `Emulator::send`: a decoded, valid request from an authenticated caller.
pub(crate) fn run_direct<E: Handle>(
    emu: &Emulator,
    caller: &Caller,
    request: E,
    fail: bool,
) -> Result<E::Response, ErrorAnswer> {
    act(emu, caller, request, fail).map(|(response, _)| response)
}
