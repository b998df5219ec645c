//! A user coupon after it is sent: pre-send (E21), use (E25), list (E27), deactivate (E28)
//! and return (E29). States follow docs/emulator.md: CONFIRMING → (confirm) PENDING /
//! EFFECTIVE → (use) USED → (return) EFFECTIVE; DEACTIVATED and DELETED are terminal;
//! EXPIRED follows from the business clock.

use wxpay_models::user_coupon::{
    DeactivateUserProductCouponRequest, ListUserProductCouponsRequest,
    ListUserProductCouponsResponse, PreSendToken, PreSendUserProductCouponRequest,
    ReturnUserProductCouponRequest, SendUserProductCouponRequest, UseUserProductCouponRequest,
};
use wxpay_models::{
    CouponReturnedEvent, CouponUsedEvent, Mode, StockEntity, StockStoreScope,
    UserProductCouponEntity, UserProductCouponState, WxTime,
};

use crate::event::Event;
use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::digest::{digest16, hex};
use crate::error::ErrorAnswer;
use crate::ledger::{CouponState, UseRecord};
use crate::ops::user_coupons::addressed;
use crate::ops::{Done, Handle};
use crate::pre_sends::{PreSend, PreSent};
use crate::requests::Record;
use crate::rules::{SendInput, Sent};
use crate::world::World;

/// Answers a replay with the coupon's current state (as a send's replay does).
fn replay_coupon(
    world: &World,
    cx: &Cx<'_>,
    record: &Record,
) -> Result<UserProductCouponEntity, ErrorAnswer> {
    match record {
        Record::Coupon(i) => Ok(world.ledger.entity(*i, cx.now)),
        _ => Err(ErrorAnswer::system(
            "a coupon operation recorded something else",
        )),
    }
}

/// The errors every state-dependent operation shares, then `wanted`.
fn require_state(
    state: UserProductCouponState,
    code: &str,
    what: &str,
    wanted: &[UserProductCouponState],
) -> Result<(), ErrorAnswer> {
    if wanted.contains(&state) {
        return Ok(());
    }
    Err(match state {
        UserProductCouponState::Deleted => ErrorAnswer::rule(
            BizCode::CouponDeleted,
            format!("券已被删除: coupon {code} was deleted by the user; it cannot be {what}"),
        ),
        UserProductCouponState::Expired => ErrorAnswer::rule(
            BizCode::CouponExpired,
            format!("用户券已过期: coupon {code} is past its validity; it cannot be {what}"),
        ),
        other => ErrorAnswer::rule(
            BizCode::CouponState,
            format!(
                "用户券状态非法: coupon {code} is {other}; it can be {what} only when {}",
                wanted
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ),
    })
}

impl Handle for UseUserProductCouponRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let coupon = addressed(world, cx, &r)?;
        let state = world.ledger.state_at(coupon, cx.now);
        if state == UserProductCouponState::Used {
            // The same number replays (handled before this); another order's use is refused.
            return Err(ErrorAnswer::rule(
                BizCode::UsedByOtherOrder,
                format!(
                    "券已被其他订单核销: coupon {} was used with out_request_no {}",
                    r.coupon_code(),
                    world
                        .ledger
                        .life(coupon)
                        .and_then(|l| l.used.as_ref())
                        .map_or("", |u| &*u.out_request_no)
                ),
            ));
        }
        if state == UserProductCouponState::Pending {
            return Err(outside_validity(
                r.coupon_code(),
                "its validity has not begun",
            ));
        }
        require_state(
            state,
            r.coupon_code(),
            "used",
            &[UserProductCouponState::Effective],
        )?;
        let use_time = r.use_time().map_or(cx.now, |t| t.unix_timestamp());
        let coupon_row = &world.ledger.coupons[coupon as usize];
        if use_time < i64::from(coupon_row.valid_begin)
            || use_time > i64::from(coupon_row.valid_end)
        {
            let at =
                |t: i64| WxTime::from_unix(t).map_or_else(|_| t.to_string(), |t| t.to_string());
            return Err(outside_validity(
                r.coupon_code(),
                &format!(
                    "use_time {} is outside its valid_begin_time..valid_end_time {}..{}",
                    at(use_time),
                    at(i64::from(coupon_row.valid_begin)),
                    at(i64::from(coupon_row.valid_end)),
                ),
            ));
        }
        let stock_index = coupon_row.stock;
        let stock = &world.ledger.stocks[stock_index as usize].entity;
        check_periods(stock, use_time, r.coupon_code())?;
        if let Some(store) = &r.store_id {
            check_store(world, stock, stock_index, store)?;
        }
        let record = UseRecord::new(&r, clamp(use_time));
        world.ledger.coupons[coupon as usize].state = CouponState::Used;
        world.ledger.life_mut(coupon).used = Some(Box::new(record));
        let entity = world.ledger.entity(coupon, cx.now);
        let event = Event::Used(Box::new(CouponUsedEvent {
            brand_id: Some(cx.brand.to_owned()),
            coupon_code: entity.coupon_code.clone(),
            stock_id: entity.stock.stock_id.clone(),
            product_coupon_id: Some(entity.product_coupon.product_coupon_id.clone()),
            openid: Some(r.openid().to_owned()),
            use_request_no: Some(r.out_request_no().to_owned()),
            use_time: WxTime::from_unix(use_time).ok(),
            associated_order_info: r.associated_order_info.clone(),
        }));
        Ok(Done {
            events: vec![event],
            ..Done::wrote(entity, Record::Coupon(coupon))
        })
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        replay_coupon(world, cx, record)
    }
}

impl Handle for ReturnUserProductCouponRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let coupon = addressed(world, cx, &r)?;
        // A used coupon stays USED until returned, even past its validity (the clock does
        // not touch USED); a return after the validity ended makes it EXPIRED.
        require_state(
            world.ledger.state_at(coupon, cx.now),
            r.coupon_code(),
            "returned",
            &[UserProductCouponState::Used],
        )?;
        world.ledger.coupons[coupon as usize].state = CouponState::Confirmed;
        world.ledger.life_mut(coupon).returned = Some((r.out_request_no().into(), clamp(cx.now)));
        let entity = world.ledger.entity(coupon, cx.now);
        let event = Event::Returned(Box::new(CouponReturnedEvent {
            brand_id: Some(cx.brand.to_owned()),
            coupon_code: entity.coupon_code.clone(),
            stock_id: entity.stock.stock_id.clone(),
            product_coupon_id: Some(entity.product_coupon.product_coupon_id.clone()),
            openid: Some(r.openid().to_owned()),
            return_request_no: Some(r.out_request_no().to_owned()),
            return_time: WxTime::from_unix(cx.now).ok(),
        }));
        Ok(Done {
            events: vec![event],
            ..Done::wrote(entity, Record::Coupon(coupon))
        })
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        replay_coupon(world, cx, record)
    }
}

impl Handle for DeactivateUserProductCouponRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let coupon = addressed(world, cx, &r)?;
        let state = world.ledger.state_at(coupon, cx.now);
        if state == UserProductCouponState::Expired && cx.mode == Mode::Brand {
            return Err(ErrorAnswer::rule(
                BizCode::ExpiredFinal,
                format!(
                    "券已过期，不能再进行其他操作: coupon {} expired; EXPIRED is final",
                    r.coupon_code()
                ),
            ));
        }
        use UserProductCouponState as S;
        require_state(
            state,
            r.coupon_code(),
            "deactivated",
            &[S::Confirming, S::Pending, S::Effective],
        )?;
        world.ledger.coupons[coupon as usize].state = CouponState::Deactivated;
        world.ledger.life_mut(coupon).deactivated = Some(Box::new((
            r.out_request_no().to_owned(),
            clamp(cx.now),
            r.deactivate_reason().to_owned(),
        )));
        Ok(Done::wrote(
            world.ledger.entity(coupon, cx.now),
            Record::Coupon(coupon),
        ))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        replay_coupon(world, cx, record)
    }
}

impl Handle for ListUserProductCouponsRequest {
    /// Issue order (stable); `page_token` is the position after the last coupon of the
    /// previous page. Brand mode gives `total_count` on the first page only, as its document
    /// says; partner mode on every page.
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let ledger = &world.ledger;
        let start: u32 = match r.page_token.as_deref() {
            None | Some("") => 0,
            Some(token) => token.parse().map_err(|_| {
                ErrorAnswer::param(&wxpay_models::FieldError {
                    field: "page_token".into(),
                    location: wxpay_models::Location::Query,
                    rule: wxpay_models::Rule::Mode("is not a token this list gave out".into()),
                })
            })?,
        };
        let size = usize::try_from(
            r.page_size
                .unwrap_or(wxpay_models::stock::DEFAULT_PAGE_SIZE),
        )
        .unwrap_or(20);
        let matches = |i: u32| {
            ledger.text(i).openid == r.openid()
                && ledger.brand(i) == cx.brand
                && world.visible(ledger.product_of(i), cx)
                && ledger.appid_of(i) == r.appid()
                && r.product_coupon_id
                    .as_deref()
                    .is_none_or(|p| ledger.product_id_of(i) == p)
                && r.stock_id
                    .as_deref()
                    .is_none_or(|s| ledger.stock_id_of(i) == s)
                && r.coupon_state
                    .as_ref()
                    .is_none_or(|s| ledger.state_at(i, cx.now) == *s)
                && r.user_coupon_bundle_id
                    .as_deref()
                    .is_none_or(|b| world.user_bundle_id_of(i) == Some(b))
        };
        let all: Vec<u32> = ledger
            .coupons_of(r.openid())
            .into_iter()
            .filter(|&i| matches(i))
            .collect();
        let page: Vec<u32> = all
            .iter()
            .copied()
            .filter(|&i| i >= start)
            .take(size)
            .collect();
        let next = page
            .last()
            .filter(|&&last| all.iter().any(|&i| i > last))
            .map(|last| (last + 1).to_string());
        let first_page = start == 0;
        Ok(Done::read(ListUserProductCouponsResponse {
            total_count: (cx.mode == Mode::Partner || first_page)
                .then(|| i64::try_from(all.len()).unwrap_or(i64::MAX)),
            next_page_token: next,
            user_coupon_list: Some(page.into_iter().map(|i| ledger.entity(i, cx.now)).collect()),
        }))
    }
}

impl Handle for PreSendUserProductCouponRequest {
    /// Every check of a send, nothing issued: a token for the receive component, valid five
    /// minutes. `POST /mock/pre-sends/{token}/claim` plays the user claiming it.
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let mut send = SendUserProductCouponRequest::new(
            r.openid(),
            r.product_coupon_id(),
            r.stock_id(),
            r.appid(),
            r.send_request_no(),
        )
        .with_brand_id(cx.brand);
        send.coupon_code.clone_from(&r.coupon_code);
        send.attach.clone_from(&r.attach);
        world.check_creator(cx, r.product_coupon_id())?;
        let params =
            digest16(&serde_json::to_vec(&send).map_err(|e| ErrorAnswer::system(e.to_string()))?);
        let input = SendInput {
            cx,
            request: &send,
            params,
            dry_run: true,
            component: true,
        };
        if let Sent::Replay(_) = world.ledger.send(&input)? {
            return Err(ErrorAnswer::rule(
                BizCode::SendReentry,
                format!(
                    "send_request_no {} already issued a coupon; pre-send with a new number",
                    r.send_request_no()
                ),
            ));
        }
        let token = hex(&digest16(
            format!("{}\n{}\n{}", cx.brand, r.send_request_no(), cx.now).as_bytes(),
        ));
        world.pre_sends.insert(
            token.clone(),
            PreSend {
                caller: cx.caller.key(),
                brand: cx.brand.to_owned(),
                sent: PreSent::Coupon(send),
                params,
                created: cx.now,
                claimed: None,
            },
        );
        let answer = PreSendToken { token };
        let bytes = serde_json::to_vec(&answer).map_err(|e| ErrorAnswer::system(e.to_string()))?;
        Ok(Done::wrote(answer, Record::Bytes(bytes.into())))
    }
}

fn outside_validity(code: &str, why: &str) -> ErrorAnswer {
    ErrorAnswer::rule(
        BizCode::OutsideValidity,
        format!("券不在使用有效期: coupon {code}: {why}"),
    )
}

/// The weekly and irregular periods of the stock's validity rule, at `time`.
fn check_periods(stock: &StockEntity, time: i64, code: &str) -> Result<(), ErrorAnswer> {
    let Some(period) = stock
        .single_usage_rule
        .as_ref()
        .and_then(|r| r.coupon_available_period.as_ref())
    else {
        return Ok(());
    };
    let at = WxTime::from_unix(time).map_err(|_| ErrorAnswer::system("use_time out of range"))?;
    let local = at.as_offset_date_time().to_offset(wxpay_models::BEIJING);
    let refused = |why: String| {
        Err(ErrorAnswer::rule(
            BizCode::OutsidePeriod,
            format!("券不在使用有效期（规则周期）: coupon {code}: {why}"),
        ))
    };
    if let Some(list) = &period.irregular_available_period_list
        && !list.is_empty()
        && !list.iter().any(|p| {
            p.begin_time.is_none_or(|b| b.unix_timestamp() <= time)
                && p.end_time.is_none_or(|e| time <= e.unix_timestamp())
        })
    {
        return refused(format!(
            "{at} is in none of its irregular_available_period_list"
        ));
    }
    if let Some(week) = &period.weekly_available_period {
        let day = wxpay_models::Weekday::KNOWN
            .get(usize::from(local.weekday().number_days_from_monday()))
            .cloned();
        if let (Some(days), Some(day)) = (&week.day_list, day)
            && !days.contains(&day)
        {
            return refused(format!("{at} is a {day}, not in its day_list"));
        }
        let second = i64::from(local.hour()) * 3600
            + i64::from(local.minute()) * 60
            + i64::from(local.second());
        if let Some(windows) = &week.day_period_list
            && !windows.is_empty()
            && !windows.iter().any(|w| {
                w.begin_time.is_none_or(|b| b <= second) && w.end_time.is_none_or(|e| second <= e)
            })
        {
            return refused(format!("{at} is outside its day_period_list"));
        }
    }
    Ok(())
}

/// A use at `store` must be at a store the stock is associated with when its scope is
/// SPECIFIC (other scopes accept any of the brand's stores).
fn check_store(
    world: &World,
    stock: &StockEntity,
    index: u32,
    store: &str,
) -> Result<(), ErrorAnswer> {
    if stock.store_scope != StockStoreScope::Specific {
        return Ok(());
    }
    if world.stores.get(&index).is_some_and(|s| s.contains(store)) {
        return Ok(());
    }
    Err(ErrorAnswer::rule(
        BizCode::StoreIllegal,
        format!(
            "核销门店非法: store {store} is not associated with stock {} (store_scope SPECIFIC)",
            stock.stock_id
        ),
    ))
}

fn clamp(secs: i64) -> u32 {
    u32::try_from(secs.max(0)).unwrap_or(u32::MAX)
}
