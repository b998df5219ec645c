//! [`World::apply`]: from a decoded request to its answer — the mode's `brand_id` rule and
//! the brand's authorisation, the idempotency record of keyed requests, injected faults, the
//! operation's own rules, and the events it reports.

use wxpay_models::{
    BizCode, BrandRule, ErrorCode, FieldError, Location, Method, Operation, Retry, Rule,
};

use crate::actor::Actor;
use crate::cx::Cx;
use crate::digest::digest16;
use crate::error::ErrorAnswer;
use crate::ops::{Conflict, Done, Handle};
use crate::requests::Seen;
use crate::world::{Emitted, World};

/// What applying one request did.
#[derive(Debug)]
pub struct Applied<R> {
    /// The answer, or the error answer.
    pub result: Result<R, ErrorAnswer>,
    /// Whether the request acted (a first write, not a replay or a read): what the state
    /// file keeps and `drop_rate` may lose the answer of.
    pub new: bool,
    /// A send answered from its first answer (an idempotent replay).
    pub replayed: bool,
    /// The events it reported, with their callback ids.
    pub emitted: Vec<Emitted>,
}

impl<R> Applied<R> {
    fn failed(e: ErrorAnswer) -> Self {
        Self {
            result: Err(e),
            new: false,
            replayed: false,
            emitted: Vec::new(),
        }
    }
}

impl World {
    /// Applies `request` from `caller` at business time `now`; `fail` is an injected
    /// SYSTEM_ERROR (it consumes nothing). The request is already decoded and valid.
    ///
    /// ```
    /// use wxpay_mock_core::{Actor, Fixtures, Seed, World, fixtures::dev};
    /// use wxpay_models::{Mode, SendUserProductCouponRequest, WxTime};
    /// let now = WxTime::now();
    /// let mut world = World::new(&Seed::new(Fixtures::dev(now), 1), now.unix_timestamp())?;
    /// let sp = Actor::new(Mode::Partner, dev::MCHID, vec![dev::BRAND_ID.into()], vec![], false);
    /// let send = SendUserProductCouponRequest::new(
    ///     "o1", dev::PRODUCT_COUPON_ID, dev::STOCK_WECHATPAY, dev::APPID, "REQ000001",
    /// )
    /// .with_brand_id(dev::BRAND_ID);
    /// let applied = world.apply(&sp, send.clone(), now.unix_timestamp(), false);
    /// assert_eq!(applied.result?.coupon_code, "8000000000001");
    /// assert!(applied.new && !applied.replayed);
    /// let again = world.apply(&sp, send, now.unix_timestamp(), false);
    /// assert!(again.replayed && !again.new);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply<E: Handle>(
        &mut self,
        caller: &Actor,
        request: E,
        now: i64,
        fail: bool,
    ) -> Applied<E::Response> {
        let op = E::OPERATION;
        let brand = match brand_of(caller, &request) {
            Ok(brand) => brand,
            Err(e) => return Applied::failed(e),
        };
        if !E::OWN_BRAND_CHECK && !brand.is_empty() && !caller.may_act_for(&brand) {
            return Applied::failed(ErrorAnswer::unauthorised(&caller.id, &brand));
        }
        let cx = Cx {
            caller,
            mode: caller.mode,
            brand: &brand,
            now,
            fail,
        };
        let key = match (op.retry, request.request_no()) {
            (Retry::Keyed(_), Some(no)) if !E::OWN_IDEMPOTENCY => match digest(&request) {
                Ok(digest) => Some((no.to_owned(), digest)),
                Err(e) => return Applied::failed(e),
            },
            _ => None,
        };
        if let Some((no, digest)) = &key {
            match self.requests.check(op.name, &brand, no, *digest) {
                Seen::New => {}
                Seen::Replay(record) => {
                    return Applied {
                        result: E::replay(self, &cx, &record),
                        new: false,
                        replayed: false,
                        emitted: Vec::new(),
                    };
                }
                Seen::Conflict => return Applied::failed(conflict::<E>(no)),
            }
        }
        if fail && !E::OWN_FAULTS && op.method != Method::Get {
            return Applied::failed(ErrorAnswer::system(
                "injected fault (PUT /mock/faults error_rate); retry with the same parameters",
            ));
        }
        let Done {
            response,
            new,
            record,
            events,
        } = match E::handle(self, &cx, request) {
            Ok(done) => done,
            Err(e) => return Applied::failed(e),
        };
        if let (Some((no, digest)), Some(record)) = (&key, record) {
            self.requests.record(op.name, &brand, no, *digest, record);
        }
        let emitted = self.emit(&caller.key(), caller.has_apiv3_key, events, now);
        Applied {
            result: Ok(response),
            new,
            replayed: E::SEND && !new,
            emitted,
        }
    }
}

/// The brand a request acts for, by the mode's rule: partner mode's `brand_id` (required but
/// for the operations that carry none), brand mode's caller.
fn brand_of<E: Handle>(caller: &Actor, request: &E) -> Result<String, ErrorAnswer> {
    let op = E::OPERATION;
    let own = (caller.mode == wxpay_models::Mode::Brand).then_some(caller.id.as_str());
    let param = |rule: Rule| {
        ErrorAnswer::param(&FieldError {
            field: "brand_id".into(),
            location: if op.method == Method::Get {
                Location::Query
            } else {
                Location::Body
            },
            rule,
        })
    };
    match op.brand_rule(caller.mode, request.brand_id(), own) {
        BrandRule::Brand(brand) => Ok(brand.to_owned()),
        BrandRule::None if caller.mode == wxpay_models::Mode::Brand => Ok(caller.id.clone()),
        BrandRule::None => Ok(String::new()),
        BrandRule::Missing => Err(param(Rule::Required)),
        BrandRule::OtherBrand { given, own } => Err(param(Rule::Mode(format!(
            "is {given:?}, but the request is signed by brand {own}; brand-direct calls act for their own brand (leave brand_id out)"
        )))),
    }
}

/// Same number, other parameters.
fn conflict<E: Handle>(no: &str) -> ErrorAnswer {
    let op: &Operation = E::OPERATION;
    let field = match op.retry {
        Retry::Keyed(field) => field,
        _ => "request number",
    };
    let what = format!(
        "{field} {no} was already used for {} with other parameters; use a new number for a different request, or resend the original parameters",
        op.kebab
    );
    match E::CONFLICT {
        Conflict::Create => ErrorAnswer::coded(
            400,
            ErrorCode::AlreadyExists,
            BizCode::SameNoOtherData,
            format!("已存在: {what}"),
        ),
        _ => ErrorAnswer::rule(BizCode::SameNoOtherData, what),
    }
}

/// The idempotency digest of a decoded request: its body form plus path and query.
fn digest<E: Handle>(request: &E) -> Result<[u8; 16], ErrorAnswer> {
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
    Ok(digest16(&bytes))
}
