//! The admin JSON behind the console's pages (docs/emulator.md, "Admin API"): the overview,
//! one coupon with its timeline, redelivering a callback, the business clock. Same
//! protection and error shapes as the rest of the admin API; scripts get what the page gets.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use wxpay_models::{UserProductCouponState, WxTime};

use wxpay_mock_core::{AdminAction, LedgerCounts};

use super::{Reply, error};
use crate::service::Emulator;
use crate::service::space::Space;

/// Coupons looked at per hold of the world lock when the overview counts them, so that the
/// API is never kept waiting long by a big ledger.
const SCAN_CHUNK: usize = 2048;

/// The console's endpoints; `None` when the request is none of them.
pub(super) async fn route(
    emu: &Emulator,
    space: &Space,
    method: &Method,
    segments: &[&str],
) -> Option<Reply> {
    Some(match (method, segments) {
        (&Method::GET, ["overview"]) => overview(emu, space),
        (&Method::GET, ["coupons", stock_id, code]) => {
            coupon(emu, space, &decode(stock_id)?, &decode(code)?)
        }
        (&Method::POST, ["callbacks", id, "redeliver"]) => {
            redeliver(emu, space, &decode(id)?).await
        }
        (&Method::GET, ["clock"]) => Reply::Json(StatusCode::OK, clock(emu, space)),
        _ => return None,
    })
}

/// A path segment, percent-decoded (an undecodable one matches nothing).
fn decode(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

pub(super) fn clock(emu: &Emulator, space: &Space) -> Value {
    let real = emu.real_now();
    let (offset, business) = space.peek(|w| (w.clock_offset(), w.business_now(real)));
    json!({
        "offset_secs": offset,
        "business_now": wx_time(business),
        "real_now": wx_time(business - offset),
    })
}

fn wx_time(secs: i64) -> String {
    WxTime::from_unix(secs)
        .unwrap_or_else(|_| WxTime::now())
        .to_string()
}

/// `GET /mock/overview`.
fn overview(emu: &Emulator, space: &Space) -> Reply {
    let mut callers = emu.callers_of(space.name());
    callers.sort_by(|a, b| (a.mode().as_str(), a.id()).cmp(&(b.mode().as_str(), b.id())));
    let callers: Vec<Value> = callers
        .into_iter()
        .map(|c| {
            let notify = space.peek(|w| {
                w.notify_url(&c.actor().key())
                    .map(|(url, _)| url.to_owned())
            });
            json!({
                "mode": c.mode().as_str(),
                "id": c.id(),
                "label": c.actor().label(),
                "serial_no": c.serial_no,
                "brands": c.brands(),
                "appids": c.appids(),
                "notify_url": notify,
                "apiv3_key": c.apiv3_key.is_some(),
            })
        })
        .collect();
    let real = emu.real_now();
    let counts = scan_coupons(space, real);
    let (products, stocks, coupons) = space.peek(|w| {
        let now = w.business_now(real);
        let stocks: Vec<Value> = w
            .stocks(now)
            .into_iter()
            .map(|s| {
                let rule = &s.stock_send_rule;
                let codes = s.coupon_code_count_info.as_ref();
                json!({
                    "stock_id": s.stock_id,
                    "product_coupon_id": s.product_coupon_id,
                    "brand_id": s.brand_id,
                    "remark": s.remark,
                    "state": s.state,
                    "coupon_code_mode": s.coupon_code_mode,
                    "sent_total": s.sent_count_info.total_count,
                    "sent_today": s.sent_count_info.today_count,
                    "max_count": rule.max_count,
                    "max_count_per_day": rule.max_count_per_day,
                    "max_count_per_user": rule.max_count_per_user,
                    "top_user_count": counts.top_user.get(&s.stock_id).copied().unwrap_or(0),
                    "codes_total": codes.and_then(|c| c.total_count),
                    "codes_available": codes.and_then(|c| c.available_count),
                })
            })
            .collect();
        (w.product_coupons().to_vec(), stocks, w.coupon_count())
    });
    let views = emu.callbacks_in(space);
    let delivered = views.iter().filter(|v| v.delivered).count();
    let given_up = views.iter().filter(|v| v.given_up).count();
    Reply::Json(
        StatusCode::OK,
        json!({
            "callers": callers,
            "platform_certificates": crate::service::certificates::overview(emu),
            "product_coupons": products,
            "stocks": stocks,
            "coupons": {
                "total": coupons,
                "by_state": counts.by_state,
                "states": UserProductCouponState::NAMES,
            },
            "callbacks": {
                "total": views.len(),
                "pending": views.len() - delivered - given_up,
                "delivered": delivered,
                "given_up": given_up,
            },
            "namespace": space.name(),
            "namespaces": emu.namespace_names(),
            "clock": clock(emu, space),
            "faults": space.faults(),
            "rules": space.rules.list().len(),
            "requests": { "last_seq": space.journal.last_seq() },
        }),
    )
}

/// Coupons by state as of business time, and per stock the most coupons one user holds,
/// counted a chunk per hold of the world's lock so that the API is never kept waiting long.
fn scan_coupons(space: &Space, real: i64) -> LedgerCounts {
    let mut counts = LedgerCounts::default();
    let mut next = Some(0);
    while let Some(from) = next {
        next = space.peek(|w| {
            let now = w.business_now(real);
            w.count_coupons(&mut counts, from, SCAN_CHUNK, now)
        });
    }
    counts
}

/// Where a coupon's timeline events sit in its API rendering: the event, the time's JSON
/// pointer, and the fields that say more about it. Events appear as the fields do. `@` stands
/// for the usage detail: a single coupon's, or a bundle round's.
const EVENTS: &[(&str, &str, &[&str])] = &[
    (
        "sent",
        "/receive_time",
        &["/send_request_no", "/send_channel"],
    ),
    ("confirmed", "/confirm_time", &["/confirm_request_no"]),
    ("used", "@/use_time", &["@/use_request_no"]),
    ("returned", "@/return_time", &["@/return_request_no"]),
    (
        "deactivated",
        "/deactivate_time",
        &["/deactivate_request_no", "/deactivate_reason"],
    ),
];

/// Which event a callback reports, by the end of its `event_type`.
const CALLBACK_OF: &[(&str, &str)] =
    &[(".SEND", "sent"), (".USE", "used"), (".RETURN", "returned")];

/// `GET /mock/coupons/{stock_id}/{coupon_code}`: the coupon, its owner and its timeline.
fn coupon(emu: &Emulator, space: &Space, stock_id: &str, code: &str) -> Reply {
    let real = emu.real_now();
    let row = space.peek(|w| {
        let now = w.business_now(real);
        w.stock(stock_id, now)
            .map(|_| w.coupon(stock_id, code, now))
    });
    let (openid, appid, entity) = match row {
        None => return error(StatusCode::NOT_FOUND, format!("no stock {stock_id}")),
        Some(None) => {
            return error(
                StatusCode::NOT_FOUND,
                format!("no coupon {code} in stock {stock_id}"),
            );
        }
        Some(Some(row)) => (row.openid, row.appid, json!(row.entity)),
    };
    let usage = if entity.get("progressive_bundle_usage_detail").is_some() {
        "/progressive_bundle_usage_detail"
    } else {
        "/single_usage_detail"
    };
    let field = |pointer: &str| match pointer.strip_prefix('@') {
        Some(rest) => entity.pointer(&format!("{usage}{rest}")),
        None => entity.pointer(pointer),
    };
    // Sorted by time, then by rank: an event's callback right after the event.
    let mut timeline: Vec<(i64, usize, Value)> = EVENTS
        .iter()
        .enumerate()
        .filter_map(|(rank, (event, at, details))| {
            let time = field(at)?.as_str()?;
            let detail: Vec<&str> = details
                .iter()
                .filter_map(|p| field(p).and_then(Value::as_str))
                .collect();
            Some((
                unix(time),
                2 * rank,
                json!({ "time": time, "event": event, "detail": detail.join(" · ") }),
            ))
        })
        .collect();
    let callbacks: Vec<_> = emu
        .callbacks_in(space)
        .into_iter()
        .filter(|v| v.stock_id == stock_id && v.coupon_code == code)
        .collect();
    for v in &callbacks {
        let outcome = match (v.delivered, v.given_up) {
            (true, _) => "delivered",
            (_, true) => "given up",
            _ => "pending",
        };
        let after = CALLBACK_OF
            .iter()
            .find(|(suffix, _)| v.event_type.ends_with(suffix))
            .and_then(|(_, event)| EVENTS.iter().position(|(e, _, _)| e == event))
            .map_or(2 * EVENTS.len(), |rank| 2 * rank + 1);
        timeline.push((
            unix(&v.created_time),
            after,
            json!({
                "time": v.created_time,
                "event": "callback",
                "detail": format!("{} {} · {} attempt(s) · {outcome}", v.event_type, v.id, v.attempts),
                "callback_id": v.id,
            }),
        ));
    }
    timeline.sort_by_key(|(time, rank, _)| (*time, *rank));
    let timeline: Vec<Value> = timeline.into_iter().map(|(_, _, e)| e).collect();
    Reply::Json(
        StatusCode::OK,
        json!({
            "openid": openid,
            "appid": appid,
            "coupon": entity,
            "timeline": timeline,
            "callbacks": callbacks,
        }),
    )
}

fn unix(time: &str) -> i64 {
    serde_json::from_value::<WxTime>(Value::String(time.to_owned()))
        .map_or(i64::MAX, |t| t.unix_timestamp())
}

/// `POST /mock/callbacks/{id}/redeliver`: delivered again now, whatever its state.
async fn redeliver(emu: &Emulator, space: &Space, id: &str) -> Reply {
    let action = AdminAction::Redeliver { id: id.to_owned() };
    if let Err(e) = emu.admin_in(space, &action).await {
        return error(
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::NOT_FOUND),
            e.message,
        );
    }
    space.deliveries.redeliver(id);
    match emu.callbacks_in(space).into_iter().find(|v| v.id == id) {
        Some(view) => Reply::Json(StatusCode::OK, json!(view)),
        None => error(StatusCode::NOT_FOUND, format!("no callback {id}")),
    }
}
