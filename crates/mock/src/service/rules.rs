//! Fault rules (`/mock/faults/rules`): deterministic, targeted faults. A rule names an
//! operation, how many of its next matching requests it answers, what they must carry (path,
//! query or body fields), and the answer: a status (500 as the random fault, 429 as the rate
//! limit), an operation's documented business code, a dropped connection (the request acts,
//! no answer), or a delay. Rules apply in the order they were made; used-up ones stay listed
//! with `left: 0` until deleted or reset. Without rules, matching costs one atomic load.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wxpay_mock_core::ErrorAnswer;
use wxpay_models::{BizCode, ErrorCode, ErrorRow, Operation, operations};

use super::fields::Fields;

/// The most rules a world holds, and the most requests one rule answers.
pub const MAX_RULES: usize = 1_000;
/// See [`MAX_RULES`].
pub const MAX_TIMES: u32 = 1_000_000;

/// What a rule answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleAnswer {
    /// 500 SYSTEM_ERROR, as `error_rate` answers; nothing is done.
    SystemError,
    /// 429 RATELIMIT_EXCEEDED (270924289), as the rate limit answers; nothing is done.
    RateLimited,
    /// The documented row of this business code; nothing is done.
    Business(BizCode),
    /// The request acts, then the connection is closed without an answer.
    Drop,
    /// The request acts and is answered this many milliseconds late.
    Latency(u64),
}

impl RuleAnswer {
    /// The error answer of rule `id`, for those answered instead of acting; `creates` for
    /// the create operations (a reused request number is ALREADY_EXISTS there).
    pub(crate) fn error(self, id: u64, creates: bool) -> Option<ErrorAnswer> {
        let by = format!("injected by fault rule {id}; retry with the same parameters");
        Some(match self {
            RuleAnswer::SystemError => ErrorAnswer::system(by),
            RuleAnswer::RateLimited => ErrorAnswer::new(ErrorRow::RateLimited, by),
            RuleAnswer::Business(code) => {
                let (status, error) = row_of(code, creates);
                ErrorAnswer::coded(status, error, code, format!("{}: {by}", code.description()))
            }
            RuleAnswer::Drop | RuleAnswer::Latency(_) => return None,
        })
    }
}

/// The status and code WeChat Pay answers a business code with.
fn row_of(code: BizCode, creates: bool) -> (u16, ErrorCode) {
    match code {
        BizCode::ParamIllegal
        | BizCode::ParamTooLong
        | BizCode::ParamTooShort
        | BizCode::OutOfRange
        | BizCode::InvalidInput
        | BizCode::ParamRule
        | BizCode::ImageTooLarge => (400, ErrorCode::ParamError),
        BizCode::NotFound | BizCode::UserCouponNotFound => (404, ErrorCode::NotFound),
        BizCode::TooFrequent => (429, ErrorCode::RatelimitExceeded),
        BizCode::SameNoOtherData if creates => (400, ErrorCode::AlreadyExists),
        _ => (400, ErrorCode::InvalidRequest),
    }
}

/// A rule as `POST /mock/faults/rules` takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleBody {
    operation: String,
    times: u32,
    #[serde(default, rename = "match")]
    matches: BTreeMap<String, Value>,
    answer: AnswerBody,
}

/// `{"status": 500 | 429} | {"business_code": N} | {"drop": true} | {"latency_ms": N}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnswerBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    drop: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<u64>,
}

/// One rule.
#[derive(Debug, Clone)]
struct Rule {
    id: u64,
    op: &'static Operation,
    times: u32,
    left: u32,
    matches: BTreeMap<String, String>,
    answer: RuleAnswer,
    shown: AnswerBody,
}

/// A world's fault rules.
#[derive(Debug, Default)]
pub(crate) struct FaultRules {
    rules: Mutex<Vec<Rule>>,
    /// Whether any rule has requests left: the hot path reads only this.
    armed: AtomicBool,
    next_id: AtomicU64,
}

impl FaultRules {
    /// Adds a rule; its id, or why it is refused (nothing is added).
    pub(crate) fn add(
        &self,
        body: RuleBody,
        fields_of: impl Fn(&Operation) -> Vec<&'static str>,
    ) -> Result<u64, String> {
        let op = operations::find(&body.operation).ok_or_else(|| {
            format!(
                "operation {:?} is none of the family's (kebab-case names as `wxpay call --list` prints them, e.g. send-user-product-coupon)",
                body.operation
            )
        })?;
        if body.times == 0 || body.times > MAX_TIMES {
            return Err(format!(
                "times must be 1 to {MAX_TIMES}, got {}",
                body.times
            ));
        }
        let known = fields_of(op);
        let mut matches = BTreeMap::new();
        for (name, value) in &body.matches {
            if !known.contains(&name.as_str()) {
                return Err(format!(
                    "match: {} has no field {name:?}; it has {}",
                    op.kebab,
                    known.join(", ")
                ));
            }
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(format!(
                        "match: {name} must be a string, number or boolean, got {other}"
                    ));
                }
            };
            matches.insert(name.clone(), text);
        }
        let answer = answer_of(&body.answer)?;
        let mut rules = self.rules.lock();
        if rules.len() >= MAX_RULES {
            return Err(format!(
                "at most {MAX_RULES} rules; delete some (DELETE /mock/faults/rules/{{id}}) or reset"
            ));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        rules.push(Rule {
            id,
            op,
            times: body.times,
            left: body.times,
            matches,
            answer,
            shown: body.answer,
        });
        self.armed.store(true, Ordering::Release);
        Ok(id)
    }

    /// The first rule with requests left that matches a request of `op`; it counts one down.
    /// `fields` is only read when a rule of `op` has requests left.
    pub(crate) fn take(&self, op: &Operation, fields: &dyn Fields) -> Option<(u64, RuleAnswer)> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        let mut rules = self.rules.lock();
        let rule = rules.iter_mut().find(|r| {
            r.left > 0
                && r.op.name == op.name
                && r.matches
                    .iter()
                    .all(|(name, value)| fields.field(name).as_deref() == Some(value.as_str()))
        })?;
        rule.left -= 1;
        let taken = (rule.id, rule.answer);
        if rules.iter().all(|r| r.left == 0) {
            self.armed.store(false, Ordering::Release);
        }
        Some(taken)
    }

    /// Every rule, in the order they apply.
    pub(crate) fn list(&self) -> Vec<Value> {
        self.rules
            .lock()
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "operation": r.op.kebab,
                    "times": r.times,
                    "left": r.left,
                    "match": r.matches,
                    "answer": r.shown,
                })
            })
            .collect()
    }

    /// Deletes rule `id`; `false` for an unknown id.
    pub(crate) fn delete(&self, id: u64) -> bool {
        let mut rules = self.rules.lock();
        let before = rules.len();
        rules.retain(|r| r.id != id);
        if rules.iter().all(|r| r.left == 0) {
            self.armed.store(false, Ordering::Release);
        }
        rules.len() < before
    }

    pub(crate) fn clear(&self) {
        self.rules.lock().clear();
        self.armed.store(false, Ordering::Release);
    }
}

fn answer_of(a: &AnswerBody) -> Result<RuleAnswer, String> {
    let given = [
        a.status.is_some(),
        a.business_code.is_some(),
        a.drop.is_some(),
        a.latency_ms.is_some(),
    ]
    .iter()
    .filter(|&&g| g)
    .count();
    if given != 1 {
        return Err(
            "answer must be exactly one of {\"status\": 500|429}, {\"business_code\": N}, {\"drop\": true}, {\"latency_ms\": N}"
                .into(),
        );
    }
    match (a.status, a.business_code, a.drop, a.latency_ms) {
        (Some(500), ..) => Ok(RuleAnswer::SystemError),
        (Some(429), ..) => Ok(RuleAnswer::RateLimited),
        (Some(other), ..) => Err(format!(
            "answer.status must be 500 or 429, got {other} (a business code gives the other rows)"
        )),
        (_, Some(n), ..) => match BizCode::from(n) {
            BizCode::Unknown(n) => Err(format!(
                "answer.business_code {n} is not a documented code ({})",
                BizCode::ALL
                    .iter()
                    .map(|c| c.value().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            code => Ok(RuleAnswer::Business(code)),
        },
        (_, _, Some(true), _) => Ok(RuleAnswer::Drop),
        (_, _, Some(false), _) => Err("answer.drop must be true".into()),
        (_, _, _, Some(ms)) if ms <= 60_000 => Ok(RuleAnswer::Latency(ms)),
        (_, _, _, Some(ms)) => Err(format!("answer.latency_ms must be at most 60000, got {ms}")),
        _ => Err("answer is empty".into()),
    }
}

/// The fault rules of one world, for the benches (`benches/benches/sandbox.rs`): not part of
/// the API, which is `/mock/faults/rules`.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct BenchRules(FaultRules);

impl BenchRules {
    /// Adds a rule given as `POST /mock/faults/rules` takes it.
    pub fn add(&self, rule: Value) -> Result<u64, String> {
        let body: RuleBody = serde_json::from_value(rule).map_err(|e| e.to_string())?;
        self.0.add(body, super::fields::of)
    }

    /// What matching costs a decoded request: the id of the rule it used up, if any.
    pub fn take<E: wxpay_models::Decode>(&self, request: &E) -> Option<u64> {
        let fields = super::fields::RequestFields::new(request);
        self.0.take(E::OPERATION, &fields).map(|(id, _)| id)
    }
}
