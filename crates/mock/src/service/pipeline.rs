//! What every API request goes through, in order: authenticate (step 2) — the caller
//! selects its world (the configured one, or its namespace's) — the operation's rate limit
//! per caller (step 3), decode (step 4), the world's fault rules, then the world's rules
//! ([`wxpay_mock_core::World::apply`]: the mode's `brand_id` rule, authorisation,
//! idempotency, injected faults, the operation) under the one commit step, which keeps what
//! changed for the state file.

use std::sync::Arc;

use wxpay_mock_core::{Change, Conflict, ErrorAnswer, Handle};
use wxpay_models::{ErrorRow, Mode, RawRequest, Target, encode};

use super::Emulator;
use super::caller::{AuthFailure, Caller, Presented};
use super::fields::RequestFields;
use super::rules::RuleAnswer;
use super::space::{Settle, Space, Wrote};

/// A request that passed the HTTP checks, with its body read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming<'a> {
    pub(crate) mode: Mode,
    pub(crate) method: &'a str,
    pub(crate) path_and_query: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a str>,
    /// The `Wechatpay-Serial` header: the key the caller verifies answers (and callbacks) with.
    pub(crate) serial: Option<&'a str>,
    pub(crate) path: &'a [(&'static str, &'a str)],
    pub(crate) body: &'a [u8],
}

/// The outcome before it is signed.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) status: u16,
    /// The error code, or "" for a success.
    pub(crate) code: String,
    pub(crate) biz: Option<wxpay_models::BizCode>,
    pub(crate) body: Vec<u8>,
    /// A write that changed the world (`drop_rate` may lose its answer).
    pub(crate) new: bool,
    /// `mchid 1900000001` / `brand 120344`, once authenticated.
    pub(crate) caller: Option<String>,
    /// Why authentication failed.
    pub(crate) auth: Option<Box<AuthFailure>>,
    /// The caller's world, once authenticated: its faults and journal apply to the answer.
    pub(crate) space: Option<Arc<Space>>,
    /// A fault rule closes the connection without an answer (the request acted).
    pub(crate) drop: bool,
    /// A fault rule delays the answer this long.
    pub(crate) delay_ms: u64,
    /// The request's own number, once decoded (the journal keeps it).
    pub(crate) request_no: Option<String>,
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
            space: None,
            drop: false,
            delay_ms: 0,
            request_no: None,
        }
    }

    pub(crate) fn ok(body: Vec<u8>, new: bool) -> Self {
        Self {
            status: 200,
            code: String::new(),
            biz: None,
            body,
            new,
            caller: None,
            auth: None,
            space: None,
            drop: false,
            delay_ms: 0,
            request_no: None,
        }
    }
}

/// Steps 2 onward for operation `E`; the outcome, and what the answer waits for.
pub(crate) fn run<E: Handle>(emu: &Emulator, incoming: &Incoming<'_>) -> (Outcome, Settle) {
    // 2. Who is calling, and so which world.
    let signed = E::signed_body(incoming.body);
    let presented = Presented {
        mode: incoming.mode,
        authorization: incoming.authorization,
        method: incoming.method,
        path_and_query: incoming.path_and_query,
        body: &signed,
    };
    let caller = match emu.authenticate(presented) {
        Ok(caller) => caller,
        Err(failure) => {
            let mut outcome = Outcome::error(failure.answer.clone());
            outcome.auth = Some(failure);
            return (outcome, Settle::default());
        }
    };
    caller.note_serial(incoming.serial);
    let Some(space) = emu.space_of(&caller) else {
        // Deleted between the lookup and now.
        let gone = ErrorAnswer::sign(format!("namespace {} was deleted", caller.space));
        return (Outcome::error(gone), Settle::default());
    };
    let (mut outcome, settle) = decide::<E>(emu, &space, &caller, incoming);
    outcome.caller = Some(caller.label());
    outcome.space = Some(space);
    (outcome, settle)
}

fn decide<E: Handle>(
    emu: &Emulator,
    space: &Space,
    caller: &Caller,
    incoming: &Incoming<'_>,
) -> (Outcome, Settle) {
    let op = E::OPERATION;
    let fail = space.roll(space.faults().error_rate);
    // 3. The operation's rate limit for this caller.
    let admitted = space.limiters.read().admit(op, caller.mode(), &caller.id);
    if let Err(rate) = admitted {
        let answer = ErrorAnswer::new(
            ErrorRow::RateLimited,
            format!(
                "{} is over {rate} {} calls/s; retry later with the same parameters",
                caller.label(),
                op.kebab
            ),
        );
        return (Outcome::error(answer), Settle::default());
    }
    // 4. Parameters.
    let raw = RawRequest {
        path: incoming.path,
        query: incoming.query,
        body: incoming.body,
    };
    let request = match E::decode(&raw) {
        Ok(r) => r,
        Err(e) => return (Outcome::error(E::invalid(&e)), Settle::default()),
    };
    let request_no = request.request_no().map(str::to_owned);
    // The world's fault rules: an error instead of acting, or a lost or late answer.
    let rule = space.rules.take(op, &RequestFields::new(&request));
    if let Some((id, answer)) = rule
        && let Some(error) = answer.error(id, matches!(E::CONFLICT, Conflict::Create))
    {
        let mut outcome = Outcome::error(error);
        outcome.request_no = request_no;
        return (outcome, Settle::default());
    }
    let wire = || Wire {
        path: incoming
            .path
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        query: incoming.query.map(str::to_owned),
        body: incoming.body.to_vec(),
    };
    let (result, settle) = act(emu, space, caller, request, fail, wire);
    let mut outcome = match result {
        Ok((response, new)) => match encode_answer(&response, caller.mode()) {
            Ok(body) => Outcome::ok(body, new),
            Err(e) => Outcome::error(ErrorAnswer::system(format!(
                "cannot serialize the answer: {e}"
            ))),
        },
        Err(e) => Outcome::error(e),
    };
    outcome.request_no = request_no;
    match rule {
        Some((_, RuleAnswer::Drop)) => outcome.drop = true,
        Some((_, RuleAnswer::Latency(ms))) => outcome.delay_ms = ms,
        _ => {}
    }
    (outcome, settle)
}

/// A request as received, for the state file.
struct Wire {
    path: Vec<(String, String)>,
    query: Option<String>,
    body: Vec<u8>,
}

/// The world's rules under the one commit step; the answer and whether it acted.
fn act<E: Handle>(
    emu: &Emulator,
    space: &Space,
    caller: &Caller,
    request: E,
    fail: bool,
    wire: impl FnOnce() -> Wire,
) -> (Result<(E::Response, bool), ErrorAnswer>, Settle) {
    let real = emu.real_now();
    let ((result, replayed), settle) = space.write(|world| {
        let now = world.business_now(real);
        let applied = world.apply(caller.actor(), request, now, fail);
        let change = (applied.new || !applied.emitted.is_empty()).then(|| {
            let Wire { path, query, body } = wire();
            Change::Api {
                op: E::OPERATION.name.to_owned(),
                mode: caller.mode(),
                caller: caller.id().to_owned(),
                now,
                path,
                query,
                body,
            }
        });
        let new = applied.new;
        Wrote {
            value: (applied.result.map(|r| (r, new)), applied.replayed),
            change,
            emitted: applied.emitted,
        }
    });
    if replayed {
        emu.metrics.replayed();
    }
    (result, settle)
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

/// `Emulator::send` and its kin: a decoded, valid request from an authenticated caller,
/// kept for the state file in the form it would be sent.
pub(crate) fn direct<E: Handle>(
    emu: &Emulator,
    caller: &Caller,
    request: E,
    fail: bool,
) -> Result<E::Response, ErrorAnswer> {
    let space = emu
        .space_of(caller)
        .ok_or_else(|| ErrorAnswer::sign(format!("namespace {} was deleted", caller.space)))?;
    let encoded = encode(
        &request,
        Target {
            mode: caller.mode(),
            brand_id: None,
        },
    );
    let wire = move || match encoded {
        Ok(encoded) => wire_of::<E>(caller.mode(), &encoded),
        Err(_) => Wire {
            path: Vec::new(),
            query: None,
            body: Vec::new(),
        },
    };
    let (result, settle) = act(emu, &space, caller, request, fail, wire);
    settle
        .finish_blocking(&space, &emu.metrics)
        .map_err(ErrorAnswer::system)?;
    result.map(|(response, _)| response)
}

/// The raw parts of an encoded request, as a server would receive them.
fn wire_of<E: Handle>(mode: Mode, encoded: &wxpay_models::Encoded) -> Wire {
    let (path, query) = match encoded.path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (encoded.path_and_query.as_str(), None),
    };
    let rest = path.strip_prefix(mode.prefix()).unwrap_or(path);
    let path = E::OPERATION
        .match_path(rest)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Wire {
        path,
        query,
        body: encoded.body.clone(),
    }
}
