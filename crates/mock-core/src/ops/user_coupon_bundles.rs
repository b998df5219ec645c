//! Users' coupon bundles, partner mode only: send (E23), pre-send (E24), deactivate (E30),
//! and the claim that turns a pre-send into a bundle (`POST /mock/pre-sends/{token}/claim`,
//! standing in for the mini-program receive component).

use wxpay_models::user_coupon_bundle::{
    DeactivateUserProductCouponBundleRequest, PreSendUserProductCouponBundleRequest,
    SendUserProductCouponBundleRequest, UserProductCouponBundleEntity,
};
use wxpay_models::{
    CouponTagInfo, Endpoint, PreSendToken, SendUserProductCouponRequest, SingleUsageRule,
    StockEntity, StockState, UsageMode, UserProductCouponState,
};

use crate::catalog::{beijing_day, require_usage_mode, stock_state};
use crate::event::Event;
use crate::pre_sends::{PreSend, PreSent};
use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::digest::digest16;
use crate::error::ErrorAnswer;
use crate::ledger::{CouponState, NewCoupon};
use crate::ops::{Done, Handle};
use crate::requests::Record;
use crate::rules::{SendInput, validity};
use crate::world::World;

/// What a bundle send (E23, or E24 and its claim) asks for.
#[derive(Debug, Clone, Copy)]
struct BundleSend<'a> {
    openid: &'a str,
    product_coupon_id: &'a str,
    stock_bundle_id: &'a str,
    appid: &'a str,
    send_request_no: &'a str,
    attach: Option<&'a str>,
    tags: Option<&'a CouponTagInfo>,
    /// Digest of the request body: what each coupon records as its parameters.
    params: [u8; 16],
}

impl<'a> BundleSend<'a> {
    /// What a pre-send (E24) asks for, and its claim sends.
    fn pre(r: &'a PreSendUserProductCouponBundleRequest, params: [u8; 16]) -> Self {
        Self {
            openid: r.openid(),
            product_coupon_id: r.product_coupon_id(),
            stock_bundle_id: r.stock_bundle_id(),
            appid: r.appid(),
            send_request_no: r.send_request_no(),
            attach: r.attach.as_deref(),
            tags: None,
            params,
        }
    }
}

fn params_of<E: Endpoint>(request: &E) -> Result<[u8; 16], ErrorAnswer> {
    let body = request
        .json_body()
        .map_err(|e| ErrorAnswer::system(e.to_string()))?;
    Ok(digest16(&body))
}

/// Every rule of a bundle send, checked for all rounds before any is issued (all or
/// nothing); returns the bundle's stocks in round order.
fn check_send(world: &World, cx: &Cx<'_>, send: &BundleSend<'_>) -> Result<Vec<u32>, ErrorAnswer> {
    let (_, b) = world.find_bundle(cx, send.product_coupon_id, send.stock_bundle_id)?;
    if !cx.caller.appid_bound(send.appid) {
        return Err(ErrorAnswer::rule(
            BizCode::AppidIllegal,
            format!(
                "AppID非法: appid {} is not bound to {}",
                send.appid,
                cx.caller.label()
            ),
        ));
    }
    let ledger = &world.ledger;
    if ledger
        .find_request(cx.brand, send.send_request_no)
        .is_some()
    {
        return Err(ErrorAnswer::rule(
            BizCode::SameNoOtherData,
            format!(
                "send_request_no {} was already used by another send of brand {}; use a new send_request_no",
                send.send_request_no, cx.brand
            ),
        ));
    }
    let stocks = world.catalog.bundles[b as usize].stocks.clone();
    for (round, &s) in stocks.iter().enumerate() {
        let state = stock_state(ledger, s, cx.now);
        if state != StockState::Sending {
            return Err(ErrorAnswer::rule(
                BizCode::StockNotSending,
                format!(
                    "stock {} (round {round}) of stock bundle {} is {state}, not SENDING; nothing was sent",
                    ledger.stocks[s as usize].entity.stock_id, send.stock_bundle_id
                ),
            ));
        }
    }
    // The single send's limit checks, per round: per user, total, per day, codes left.
    let day = beijing_day(cx.now);
    for &s in &stocks {
        let request = SendUserProductCouponRequest::new(
            send.openid,
            send.product_coupon_id,
            ledger.stocks[s as usize].entity.stock_id.as_str(),
            send.appid,
            send.send_request_no,
        );
        let input = SendInput {
            cx,
            request: &request,
            params: send.params,
            dry_run: false,
            component: false,
        };
        ledger.check_limits(&input, s, day)?;
    }
    Ok(stocks)
}

/// Issues one coupon per round (CONFIRMING, now) and records the user's bundle; returns its
/// index in `Ledger::bundles`.
fn issue(
    world: &mut World,
    cx: &Cx<'_>,
    send: &BundleSend<'_>,
    stocks: &[u32],
) -> Result<u32, ErrorAnswer> {
    let day = beijing_day(cx.now);
    let mut coupons = Vec::with_capacity(stocks.len());
    for &s in stocks {
        let (valid_begin, valid_end) =
            bundle_validity(&world.ledger.stocks[s as usize].entity, cx.now);
        let coupon = world
            .ledger
            .issue(NewCoupon {
                stock: s,
                openid: send.openid,
                send_request_no: send.send_request_no,
                code: None,
                attach: send.attach,
                tags: send.tags,
                appid: send.appid,
                component: false,
                params: send.params,
                receive: cx.now,
                valid_begin,
                valid_end,
                day,
            })
            .map_err(|_| ErrorAnswer::system("the emulator's ledger is full; POST /mock/reset"))?;
        coupons.push(coupon);
    }
    let id = world.catalog.user_bundle_id();
    let index = world.ledger.add_bundle(id.clone(), coupons);
    world.catalog.user_bundles.insert(id, index);
    Ok(index)
}

/// A round's validity: the single send's rule over the round's `coupon_available_period`.
fn bundle_validity(stock: &StockEntity, now: i64) -> (i64, i64) {
    let probe = StockEntity {
        single_usage_rule: stock
            .progressive_bundle_usage_rule
            .as_ref()
            .map(|r| SingleUsageRule {
                coupon_available_period: r.coupon_available_period.clone(),
                ..SingleUsageRule::default()
            }),
        ..StockEntity::default()
    };
    validity(&probe, now)
}

/// User bundle `ub` as the API returns it at `now`.
fn view(world: &World, ub: u32, now: i64) -> UserProductCouponBundleEntity {
    let bundle = &world.ledger.bundles[ub as usize];
    UserProductCouponBundleEntity {
        user_coupon_bundle_id: bundle.id.to_string(),
        user_product_coupon_list: bundle
            .coupons
            .iter()
            .map(|&i| world.ledger.entity(i, now))
            .collect(),
    }
}

/// A SEND callback per coupon of the bundle.
fn sent_events(entity: &UserProductCouponBundleEntity, openid: &str, appid: &str) -> Vec<Event> {
    entity
        .user_product_coupon_list
        .iter()
        .map(|coupon| Event::Sent {
            openid: openid.to_owned(),
            appid: appid.to_owned(),
            entity: Box::new(coupon.clone()),
        })
        .collect()
}

fn user_bundle_replay(
    world: &World,
    cx: &Cx<'_>,
    record: &Record,
) -> Result<UserProductCouponBundleEntity, ErrorAnswer> {
    match record {
        Record::UserBundle(ub) => Ok(view(world, *ub, cx.now)),
        _ => Err(ErrorAnswer::system(
            "this operation cannot replay that record",
        )),
    }
}

impl Handle for SendUserProductCouponBundleRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let send = BundleSend {
            openid: r.openid(),
            product_coupon_id: r.product_coupon_id(),
            stock_bundle_id: r.stock_bundle_id(),
            appid: r.appid(),
            send_request_no: r.send_request_no(),
            attach: r.attach.as_deref(),
            tags: r.coupon_tag_info.as_ref(),
            params: params_of(&r)?,
        };
        let stocks = check_send(world, cx, &send)?;
        let ub = issue(world, cx, &send, &stocks)?;
        let entity = view(world, ub, cx.now);
        Ok(Done {
            events: sent_events(&entity, r.openid(), r.appid()),
            ..Done::wrote(entity, Record::UserBundle(ub))
        })
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        user_bundle_replay(world, cx, record)
    }
}

impl Handle for PreSendUserProductCouponBundleRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let params = params_of(&r)?;
        // The same checks as a send; nothing is reserved until the claim.
        check_send(world, cx, &BundleSend::pre(&r, params))?;
        let token = world.pre_sends.next_token();
        world.pre_sends.insert(
            token.clone(),
            PreSend {
                caller: cx.caller.key(),
                brand: cx.brand.to_owned(),
                sent: PreSent::Bundle(r),
                params,
                created: cx.now,
                claimed: None,
            },
        );
        let response = PreSendToken { token };
        let bytes = serde_json::to_vec(&response)
            .map_err(|e| ErrorAnswer::system(format!("cannot record the answer: {e}")))?;
        Ok(Done::wrote(response, Record::Bytes(bytes.into())))
    }
}

/// Issues a claimed bundle pre-send (`POST /mock/pre-sends/{token}/claim`) as the receive
/// component would for its user: every send rule again, the coupons marked as claimed
/// through the component; the bundle, its index and its SEND events.
pub(crate) fn claim(
    world: &mut World,
    cx: &Cx<'_>,
    request: &PreSendUserProductCouponBundleRequest,
    params: [u8; 16],
) -> Result<(UserProductCouponBundleEntity, u32, Vec<Event>), ErrorAnswer> {
    let send = BundleSend::pre(request, params);
    let stocks = check_send(world, cx, &send)?;
    let ub = issue(world, cx, &send, &stocks)?;
    let coupons = world.ledger.bundles[ub as usize].coupons.clone();
    for &i in coupons.iter() {
        world.ledger.mark_component(i);
    }
    let entity = view(world, ub, cx.now);
    let events = sent_events(&entity, request.openid(), request.appid());
    Ok((entity, ub, events))
}

impl Handle for DeactivateUserProductCouponBundleRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let p = world.find_product(cx, r.product_coupon_id())?;
        require_usage_mode(
            &world.ledger,
            p,
            &UsageMode::ProgressiveBundle,
            "only PROGRESSIVE_BUNDLE coupons come in user bundles (deactivate single coupons with DeactivateUserProductCoupon)",
        )?;
        let (_, b) = world.find_bundle(cx, r.product_coupon_id(), r.stock_bundle_id())?;
        let ledger = &world.ledger;
        let rounds = &world.catalog.bundles[b as usize].stocks;
        let ub = world
            .catalog
            .user_bundles
            .get(r.user_coupon_bundle_id())
            .copied()
            .filter(|&ub| {
                ledger.bundles[ub as usize].coupons.first().is_some_and(|&c| {
                    ledger.text(c).openid == r.openid()
                        && rounds.contains(&ledger.coupons[c as usize].stock)
                })
            })
            .ok_or_else(|| {
                ErrorAnswer::not_found(format!(
                    "no user coupon bundle {} of openid {} in stock bundle {}; check user_coupon_bundle_id (the send's answer has it)",
                    r.user_coupon_bundle_id(), r.openid(), r.stock_bundle_id()
                ))
            })?;
        let coupons = ledger.bundles[ub as usize].coupons.clone();
        let sent_under = ledger.appid_of(coupons[0]);
        if sent_under != r.appid() {
            return Err(ErrorAnswer::rule(
                BizCode::AppidIllegal,
                format!(
                    "appid {} is not the AppID user coupon bundle {} was sent under ({sent_under})",
                    r.appid(),
                    r.user_coupon_bundle_id()
                ),
            ));
        }
        let states: Vec<UserProductCouponState> = coupons
            .iter()
            .map(|&i| ledger.state_at(i, cx.now))
            .collect();
        let open = |s: &UserProductCouponState| {
            matches!(
                s,
                UserProductCouponState::Confirming
                    | UserProductCouponState::Pending
                    | UserProductCouponState::Effective
            )
        };
        if !states.iter().any(open) {
            let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
            let (code, what) = if states.iter().all(|s| *s == UserProductCouponState::Expired) {
                (BizCode::CouponExpired, "用户券已过期")
            } else {
                (BizCode::CouponState, "用户券状态非法")
            };
            return Err(ErrorAnswer::rule(
                code,
                format!(
                    "{what}: no coupon of user coupon bundle {} can be deactivated (states {}); USED, EXPIRED, DELETED and DEACTIVATED coupons are final",
                    r.user_coupon_bundle_id(),
                    names.join(", ")
                ),
            ));
        }
        let time = u32::try_from(cx.now.max(0)).unwrap_or(u32::MAX);
        for (&i, state) in coupons.iter().zip(&states) {
            if open(state) {
                world.ledger.coupons[i as usize].state = CouponState::Deactivated;
                world.ledger.life_mut(i).deactivated = Some(Box::new((
                    r.out_request_no().to_owned(),
                    time,
                    r.deactivate_reason().to_owned(),
                )));
            }
        }
        Ok(Done::wrote(view(world, ub, cx.now), Record::UserBundle(ub)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        user_bundle_replay(world, cx, record)
    }
}
