//! Properties of what the state file relies on: random runs of sends, confirms, uses,
//! returns, deactivations, pre-sends and their claims, code uploads, deletions and clock moves,
//! applied to a world while its changes are kept.
//! - A world rebuilt from a snapshot taken at any point plus the changes kept since shows the
//!   same coupons, stocks, callbacks and clock as the world itself, and answers the next
//!   requests identically (idempotent replays included).
//! - Compacting (snapshot → restore) between any two requests changes no answer.

use proptest::prelude::*;
use serde_json::{Value, json};
use wxpay_mock_core::{
    Actor, ActorKey, AdminAction, Change, CouponFilter, Fixtures, Seed, World, fixtures::dev,
};
use wxpay_models::user_coupon::{
    ConfirmSendUserProductCouponRequest, DeactivateUserProductCouponRequest,
    GetUserProductCouponRequest, PreSendUserProductCouponRequest, ReturnUserProductCouponRequest,
    SendUserProductCouponRequest, UseUserProductCouponRequest,
};
use wxpay_models::{Decode, Mode, RawRequest, WxTime};

const START: i64 = 1_764_381_600; // 2025-11-29T10:00:00+08:00, a Saturday

fn seed() -> Seed {
    let now = WxTime::from_unix(START).expect("time");
    let mut seed = Seed::new(Fixtures::dev(now), 7);
    seed.notify = vec![(partner_key(), "https://example.com/notify".into())];
    seed
}

fn partner_key() -> ActorKey {
    (Mode::Partner, dev::MCHID.into())
}

fn partner() -> Actor {
    Actor::new(
        Mode::Partner,
        dev::MCHID,
        vec![dev::BRAND_ID.into()],
        vec![],
        true,
    )
}

fn actors(key: &ActorKey) -> Option<Actor> {
    (*key == partner_key()).then(partner)
}

/// One step of a run.
#[derive(Debug, Clone)]
enum Step {
    Send { user: u8, stock: u8, no: u8 },
    Confirm { coupon: u8, no: u8 },
    Use { coupon: u8, no: u8 },
    Return { coupon: u8, no: u8 },
    Deactivate { coupon: u8, no: u8 },
    Get { coupon: u8 },
    PreSend { user: u8, no: u8 },
    Claim { pre: u8 },
    Upload { codes: u8 },
    Delete { coupon: u8 },
    Clock { days: i8 },
    Tick { secs: u16 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..4u8, 0..3u8, 0..12u8).prop_map(|(user, stock, no)| Step::Send { user, stock, no }),
        3 => (any::<u8>(), 0..12u8).prop_map(|(coupon, no)| Step::Confirm { coupon, no }),
        2 => (any::<u8>(), 0..12u8).prop_map(|(coupon, no)| Step::Use { coupon, no }),
        1 => (any::<u8>(), 0..12u8).prop_map(|(coupon, no)| Step::Return { coupon, no }),
        1 => (any::<u8>(), 0..12u8).prop_map(|(coupon, no)| Step::Deactivate { coupon, no }),
        1 => any::<u8>().prop_map(|coupon| Step::Get { coupon }),
        1 => (0..4u8, 0..12u8).prop_map(|(user, no)| Step::PreSend { user, no }),
        1 => any::<u8>().prop_map(|pre| Step::Claim { pre }),
        1 => (1..5u8).prop_map(|codes| Step::Upload { codes }),
        1 => any::<u8>().prop_map(|coupon| Step::Delete { coupon }),
        1 => (-3..30i8).prop_map(|days| Step::Clock { days }),
        1 => (1..400u16).prop_map(|secs| Step::Tick { secs }),
    ]
}

const STOCKS: [&str; 3] = [
    dev::STOCK_WECHATPAY,
    dev::STOCK_UPLOAD,
    dev::STOCK_LOAD_TEST,
];

/// A request as a server decodes it from its JSON body and path.
fn decode<E: Decode>(path: &[(&'static str, &str)], body: Value) -> E {
    let body = serde_json::to_vec(&body).expect("json");
    E::decode(&RawRequest {
        path,
        query: None,
        body: &body,
    })
    .unwrap_or_else(|e| panic!("{}: {e}", E::OPERATION.name))
}

/// A run: the world, the business time, what it issued, the changes it kept.
struct Run {
    world: World,
    now: i64,
    /// (openid, stock_id, code) of each coupon issued.
    coupons: Vec<(String, String, String)>,
    tokens: Vec<String>,
    uploads: u32,
    changes: Vec<Change>,
}

impl Run {
    fn new() -> Self {
        Self {
            world: World::new(&seed(), START).expect("world"),
            now: START,
            coupons: Vec::new(),
            tokens: Vec::new(),
            uploads: 0,
            changes: Vec::new(),
        }
    }

    fn business(&self) -> i64 {
        self.world.business_now(self.now)
    }

    /// Applies a request; keeps it as a change when it acted; its answer as JSON.
    fn api<E: Decode + wxpay_mock_core::Handle>(
        &mut self,
        path: &[(&'static str, &str)],
        body: Value,
    ) -> Value {
        let now = self.business();
        let request: E = decode(path, body.clone());
        let applied = self.world.apply(&partner(), request, now, false);
        if applied.new || !applied.emitted.is_empty() {
            self.changes.push(Change::Api {
                op: E::OPERATION.name.into(),
                mode: Mode::Partner,
                caller: dev::MCHID.into(),
                now,
                path: path
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
                query: None,
                body: serde_json::to_vec(&body).expect("json"),
            });
        }
        match applied.result {
            Ok(r) => json!({ "ok": r }),
            Err(e) => json!({ "error": e.body(), "biz": e.biz.map(|b| b.value()) }),
        }
    }

    fn admin(&mut self, action: AdminAction) -> Value {
        let now = self.business();
        match self.world.admin(&action, now, &actors) {
            Ok(done) => {
                if done.changed {
                    self.changes.push(Change::Admin { now, action });
                }
                done.answer
            }
            Err(e) => json!({ "admin_error": e.status }),
        }
    }

    fn coupon(&self, i: u8) -> Option<(String, String, String)> {
        (!self.coupons.is_empty()).then(|| self.coupons[i as usize % self.coupons.len()].clone())
    }

    fn step(&mut self, step: &Step) -> Value {
        let brand = dev::BRAND_ID;
        let coupon_body = |stock: &str, no: String| {
            json!({
                "product_coupon_id": dev::PRODUCT_COUPON_ID, "stock_id": stock, "appid": dev::APPID,
                "out_request_no": no, "brand_id": brand,
            })
        };
        match *step {
            Step::Send { user, stock, no } => {
                let openid = format!("o{user}");
                let stock = STOCKS[stock as usize];
                let body = json!({
                    "product_coupon_id": dev::PRODUCT_COUPON_ID, "stock_id": stock,
                    "appid": dev::APPID, "send_request_no": format!("SEND{no:04}"),
                    "brand_id": brand,
                });
                let answer = self.api::<SendUserProductCouponRequest>(&[("openid", &openid)], body);
                if let Some(code) = answer["ok"]["coupon_code"].as_str()
                    && !self.coupons.iter().any(|c| c.1 == stock && c.2 == code)
                {
                    self.coupons.push((openid, stock.into(), code.into()));
                }
                answer
            }
            Step::Confirm { coupon, no } => match self.coupon(coupon) {
                None => Value::Null,
                Some((openid, stock, code)) => self.api::<ConfirmSendUserProductCouponRequest>(
                    &[("openid", &openid), ("coupon_code", &code)],
                    coupon_body(&stock, format!("CONF{no:04}")),
                ),
            },
            Step::Use { coupon, no } => match self.coupon(coupon) {
                None => Value::Null,
                Some((openid, stock, code)) => {
                    let mut body = coupon_body(&stock, format!("USE{no:04}"));
                    body["use_time"] = json!(WxTime::from_unix_clamped(self.business()));
                    body["associated_order_info"] =
                        json!({"transaction_id": "4200000000123456789123456789"});
                    self.api::<UseUserProductCouponRequest>(
                        &[("openid", &openid), ("coupon_code", &code)],
                        body,
                    )
                }
            },
            Step::Return { coupon, no } => match self.coupon(coupon) {
                None => Value::Null,
                Some((openid, stock, code)) => self.api::<ReturnUserProductCouponRequest>(
                    &[("openid", &openid), ("coupon_code", &code)],
                    coupon_body(&stock, format!("RET{no:04}")),
                ),
            },
            Step::Deactivate { coupon, no } => match self.coupon(coupon) {
                None => Value::Null,
                Some((openid, stock, code)) => {
                    let mut body = coupon_body(&stock, format!("DEAC{no:04}"));
                    body["deactivate_reason"] = json!("test");
                    self.api::<DeactivateUserProductCouponRequest>(
                        &[("openid", &openid), ("coupon_code", &code)],
                        body,
                    )
                }
            },
            Step::Get { coupon } => match self.coupon(coupon) {
                None => Value::Null,
                Some((openid, stock, code)) => {
                    let query = format!(
                        "product_coupon_id={}&stock_id={stock}&appid={}&brand_id={brand}",
                        dev::PRODUCT_COUPON_ID,
                        dev::APPID
                    );
                    let path = [("openid", openid.as_str()), ("coupon_code", code.as_str())];
                    let request = GetUserProductCouponRequest::decode(&RawRequest {
                        path: &path,
                        query: Some(&query),
                        body: b"",
                    })
                    .expect("get");
                    match self
                        .world
                        .apply(&partner(), request, self.business(), false)
                        .result
                    {
                        Ok(r) => json!({ "ok": r }),
                        Err(e) => json!({ "error": e.body() }),
                    }
                }
            },
            Step::PreSend { user, no } => {
                let openid = format!("p{user}");
                let body = json!({
                    "product_coupon_id": dev::PRODUCT_COUPON_ID, "stock_id": dev::STOCK_WECHATPAY,
                    "appid": dev::APPID, "send_request_no": format!("PRE{no:04}"), "brand_id": brand,
                });
                let answer =
                    self.api::<PreSendUserProductCouponRequest>(&[("openid", &openid)], body);
                if let Some(token) = answer["ok"]["token"].as_str() {
                    self.tokens.push(token.into());
                }
                answer
            }
            Step::Claim { pre } => match self.tokens.len() {
                0 => Value::Null,
                n => {
                    let token = self.tokens[pre as usize % n].clone();
                    self.admin(AdminAction::ClaimPreSend { token })
                }
            },
            Step::Upload { codes } => {
                let codes = (0..codes)
                    .map(|_| {
                        self.uploads += 1;
                        format!("EXTRA{:06}", self.uploads)
                    })
                    .collect();
                self.admin(AdminAction::UploadCodes {
                    stock_id: dev::STOCK_UPLOAD.into(),
                    codes,
                })
            }
            Step::Delete { coupon } => match self.coupon(coupon) {
                None => Value::Null,
                Some((_, stock, code)) => self.admin(AdminAction::DeleteCoupon {
                    stock_id: stock,
                    coupon_code: code,
                }),
            },
            Step::Clock { days } => self.admin(AdminAction::SetClock {
                offset_secs: i64::from(days) * 86_400,
            }),
            Step::Tick { secs } => {
                self.now += i64::from(secs);
                Value::Null
            }
        }
    }
}

/// What a world shows: every coupon as the API renders it, the stocks, the callbacks owed and
/// the clock.
fn view(world: &World, real_now: i64) -> Value {
    let now = world.business_now(real_now);
    let (total, coupons) = world.coupons(&CouponFilter::default(), 0, usize::MAX, now);
    let coupons: Vec<Value> = coupons
        .into_iter()
        .map(|c| json!([c.openid, c.appid, c.entity]))
        .collect();
    json!({
        "total": total,
        "coupons": coupons,
        "stocks": world.stocks(now),
        "callbacks": world.callbacks(),
        "clock": world.clock_offset(),
    })
}

/// The first place two JSON values differ, `None` when equal (the whole views are too big to
/// print).
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{at}/{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} != {b}")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_world_rebuilt_from_a_snapshot_and_the_changes_since_is_the_same(
        steps in prop::collection::vec(step(), 1..60),
        cut in 0usize..60,
        after in prop::collection::vec(step(), 1..12),
    ) {
        let mut run = Run::new();
        let cut = cut.min(steps.len());
        for s in &steps[..cut] {
            run.step(s);
        }
        let snapshot = run.world.snapshot().expect("snapshot");
        let kept_from = run.changes.len();
        for s in &steps[cut..] {
            run.step(s);
        }
        let mut rebuilt = World::from_snapshot(&snapshot).expect("read back");
        for change in &run.changes[kept_from..] {
            let (json, body) = change.to_record();
            let change = Change::from_record(&json, body).expect("record");
            rebuilt.replay(&change, &actors).expect("replay");
        }
        let diff = first_difference(&view(&rebuilt, run.now), &view(&run.world, run.now), "");
        prop_assert!(diff.is_none(), "{:?}", diff);
        // And it goes on answering as the original does.
        let mut copy = Run { world: rebuilt, ..Run::new() };
        copy.now = run.now;
        copy.coupons = run.coupons.clone();
        copy.tokens = run.tokens.clone();
        copy.uploads = run.uploads;
        for s in &after {
            let (a, b) = (copy.step(s), run.step(s));
            let diff = first_difference(&a, &b, "");
            prop_assert!(diff.is_none(), "{:?}: {:?}", s, diff);
        }
    }

    #[test]
    fn compacting_between_requests_changes_no_answer(
        steps in prop::collection::vec(step(), 1..60),
        compact_at in prop::collection::btree_set(0usize..60, 0..6),
    ) {
        let mut plain = Run::new();
        let mut compacted = Run::new();
        for (i, s) in steps.iter().enumerate() {
            if compact_at.contains(&i) {
                let bytes = compacted.world.snapshot().expect("snapshot");
                compacted.world = World::from_snapshot(&bytes).expect("read back");
            }
            let (a, b) = (compacted.step(s), plain.step(s));
            let diff = first_difference(&a, &b, "");
            prop_assert!(diff.is_none(), "step {} {:?}: {:?}", i, s, diff);
        }
        let diff = first_difference(&view(&compacted.world, plain.now), &view(&plain.world, plain.now), "");
        prop_assert!(diff.is_none(), "{:?}", diff);
    }
}

#[test]
fn a_snapshot_of_another_format_or_a_damaged_one_is_refused() {
    let world = World::new(&seed(), START).expect("world");
    let bytes = world.snapshot().expect("snapshot");
    let mut other = bytes.clone();
    other[8] = 99;
    let e = World::from_snapshot(&other).expect_err("other format");
    assert!(e.to_string().contains("format 99"), "{e}");
    let e = World::from_snapshot(&bytes[..bytes.len() / 2]).expect_err("truncated");
    assert!(e.to_string().contains("damaged"), "{e}");
    let e = World::from_snapshot(b"SQLite format 3\0").expect_err("not ours");
    assert!(e.to_string().contains("not a wxpay-mock"), "{e}");
}
