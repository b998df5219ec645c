//! The admin and inspection API under `/mock/` (docs/contracts.md): JSON, unsigned, a back
//! door — loopback clients only, or anyone with the configured bearer token.

use std::net::SocketAddr;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{Value, json};
use wxpay_models::{CouponCodeMode, ProductCouponEntity, StockEntity, UserProductCouponState};

use crate::faults::Faults;
use crate::http::{Body, read_body};
use crate::state::Emulator;

mod console;

/// Largest admin body (code uploads can be big).
const MAX_ADMIN_BODY: usize = 16 << 20;
/// Largest page of `GET /mock/coupons`.
pub const MAX_PAGE: usize = 1000;

type Reply = (StatusCode, Value);

fn error(status: StatusCode, message: impl std::fmt::Display) -> Reply {
    (status, json!({ "error": message.to_string() }))
}

pub(crate) async fn handle(
    emu: &Emulator,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Response<Body> {
    if crate::console::is_ui(req.uri().path()) {
        return crate::console::serve(emu, remote, &req);
    }
    let authorized = authorize(emu, remote, req.headers());
    if authorized.is_ok() && req.method() == Method::GET && req.uri().path() == "/mock/metrics" {
        return reply(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            emu.metrics.encode().into_bytes(),
        );
    }
    let (status, value) = match authorized {
        Err(reply) => reply,
        Ok(()) => route(emu, req).await,
    };
    reply(
        status,
        "application/json; charset=utf-8",
        serde_json::to_vec(&value).unwrap_or_default(),
    )
}

fn reply(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn authorize(emu: &Emulator, remote: SocketAddr, headers: &http::HeaderMap) -> Result<(), Reply> {
    match &emu.admin_token {
        Some(token) => {
            let presented = headers
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            match presented {
                Some(p) if constant_time_eq(p.as_bytes(), token.as_bytes()) => Ok(()),
                _ => Err(error(
                    StatusCode::UNAUTHORIZED,
                    "admin API: send Authorization: Bearer <admin_token>",
                )),
            }
        }
        None if remote.ip().is_loopback() => Ok(()),
        None => Err(error(
            StatusCode::FORBIDDEN,
            "admin API answers loopback clients only (set admin_token to allow others)",
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn route(emu: &Emulator, req: Request<Incoming>) -> Reply {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let body = if method == Method::POST || method == Method::PUT {
        match read_body(req.into_body(), MAX_ADMIN_BODY).await {
            Ok(Ok(body)) => body,
            Ok(Err(e)) => return error(StatusCode::BAD_REQUEST, e.message),
            Err(_) => return error(StatusCode::BAD_REQUEST, "body not received"),
        }
    } else {
        Bytes::new()
    };
    match (&method, segments.as_slice()) {
        (&Method::GET, ["health"]) => (StatusCode::OK, json!({ "status": "ok" })),
        (&Method::POST, ["product-coupons"]) => add_product(emu, &body),
        (&Method::POST, ["stocks"]) => add_stock(emu, &body),
        (&Method::POST, ["stocks", id, "codes"]) => upload_codes(emu, id, &body),
        (&Method::GET, ["stocks", id]) => get_stock(emu, id),
        (&Method::GET, ["coupons"]) => list_coupons(emu, &query),
        (&Method::PUT, ["faults"]) => set_faults(emu, &body),
        (&Method::GET, ["faults"]) => (StatusCode::OK, json!(emu.faults())),
        (&Method::GET, ["requests"]) => list_requests(emu, &query),
        (&Method::GET, ["callbacks"]) => {
            let data = emu.callbacks();
            (
                StatusCode::OK,
                json!({ "total_count": data.len(), "data": data }),
            )
        }
        (&Method::GET, ["images"]) => list_images(emu),
        (&Method::GET, ["image-tasks"]) => list_image_tasks(emu),
        (&Method::PUT, ["clock"]) => set_clock(emu, &body),
        (&Method::POST, ["pre-sends", token, "claim"]) => claim(emu, token, emu.business_now()),
        (&Method::POST, ["coupons", stock, code, "delete"]) => {
            crate::ops::delete_coupon(emu, stock, code, emu.business_now())
        }
        (&Method::POST, ["reset"]) => {
            emu.reset();
            (StatusCode::OK, json!({ "reset": true }))
        }
        _ => console::route(emu, &method, &segments).unwrap_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                format!("no admin endpoint {method} {path}"),
            )
        }),
    }
}

/// Logs an admin change for `--state` (its kind and the JSON it came with).
fn log_admin(world: &mut crate::world::World, kind: &'static str, body: &[u8], now: i64) {
    world.log(|| crate::persist::Entry::Admin {
        kind,
        data: String::from_utf8_lossy(body).into_owned(),
        now,
    });
}

/// Re-applies a logged admin change (a replayed state file).
pub(crate) fn replay(emu: &Emulator, kind: &str, data: &str, now: i64) -> Result<(), String> {
    let failed = |(status, value): Reply| -> Result<(), String> {
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("{kind}: {value}"))
        }
    };
    match kind {
        "product-coupon" => failed(add_product(emu, data.as_bytes())),
        "stock" => failed(add_stock(emu, data.as_bytes())),
        "codes" => {
            let v: Value = serde_json::from_str(data).map_err(|e| e.to_string())?;
            let id = v["stock_id"].as_str().unwrap_or_default();
            failed(upload_codes(emu, id, v["codes"].to_string().as_bytes()))
        }
        "clock" => failed(set_clock(emu, data.as_bytes())),
        "claim" => failed(claim(emu, data, now)),
        "delete" => {
            let v: Value = serde_json::from_str(data).map_err(|e| e.to_string())?;
            failed(crate::ops::delete_coupon(
                emu,
                v["stock_id"].as_str().unwrap_or_default(),
                v["coupon_code"].as_str().unwrap_or_default(),
                now,
            ))
        }
        "salt" => {
            emu.world.lock().event_salt = data.parse().map_err(|_| format!("salt {data:?}"))?;
            Ok(())
        }
        other => Err(format!("unknown admin change {other:?}")),
    }
}

/// `POST /mock/pre-sends/{token}/claim`: the receive component's claim of a pre-sent
/// coupon (E21) or bundle (E24).
fn claim(emu: &Emulator, token: &str, now: i64) -> Reply {
    if emu.world.lock().pre_sends.contains_key(token) {
        return crate::ops::claim_pre_send(emu, token, now);
    }
    match crate::ops::claim_pre_send_bundle(emu, token, now) {
        Ok(bundle) => (StatusCode::OK, json!(bundle)),
        Err((status, message)) => error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            message,
        ),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, Reply> {
    serde_json::from_slice(body)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("malformed {what}: {e}")))
}

fn add_product(emu: &Emulator, body: &[u8]) -> Reply {
    let product: ProductCouponEntity = match parse(body, "ProductCouponEntity") {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let id = product.product_coupon_id.clone();
    let mut world = emu.world.lock();
    if world.ledger.add_product(product.clone()) {
        log_admin(&mut world, "product-coupon", body, emu.business_now());
        (StatusCode::CREATED, json!(product))
    } else {
        error(StatusCode::CONFLICT, format!("product coupon {id} exists"))
    }
}

fn add_stock(emu: &Emulator, body: &[u8]) -> Reply {
    let stock: StockEntity = match parse(body, "StockEntity") {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let day = emu.business_day();
    let mut world = emu.world.lock();
    let ledger = &mut world.ledger;
    match ledger.add_stock(stock.clone()) {
        Ok(index) => {
            let entity = json!(ledger.stock_entity(index, day));
            log_admin(&mut world, "stock", body, emu.business_now());
            (StatusCode::CREATED, entity)
        }
        Err(true) => error(
            StatusCode::CONFLICT,
            format!("stock {} exists", stock.stock_id),
        ),
        Err(false) => error(
            StatusCode::NOT_FOUND,
            format!(
                "product coupon {} does not exist; create it first",
                stock.product_coupon_id
            ),
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Codes {
    codes: Vec<String>,
}

fn upload_codes(emu: &Emulator, id: &str, body: &[u8]) -> Reply {
    let Codes { codes } = match parse(body, "{\"codes\": [...]}") {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    if let Some(bad) = codes.iter().find(|c| {
        c.is_empty()
            || c.len() > 40
            || !c
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    }) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("code {bad:?}: codes are 1–40 of [0-9A-Za-z_-]"),
        );
    }
    let day = emu.business_day();
    let mut world = emu.world.lock();
    let ledger = &mut world.ledger;
    let Some(stock) = ledger.stock(id) else {
        return error(StatusCode::NOT_FOUND, format!("no stock {id}"));
    };
    if ledger.stocks[stock as usize].entity.coupon_code_mode != CouponCodeMode::Upload {
        return error(
            StatusCode::BAD_REQUEST,
            format!("stock {id} is not in UPLOAD mode"),
        );
    }
    let added = ledger.upload_codes(stock, codes);
    let entity = ledger.stock_entity(stock, day);
    let data = json!({ "stock_id": id, "codes": serde_json::from_slice::<Value>(body).ok() });
    log_admin(
        &mut world,
        "codes",
        data.to_string().as_bytes(),
        emu.business_now(),
    );
    (StatusCode::OK, json!({ "added": added, "stock": entity }))
}

fn get_stock(emu: &Emulator, id: &str) -> Reply {
    let day = emu.business_day();
    let world = emu.world.lock();
    let ledger = &world.ledger;
    match ledger.stock(id) {
        Some(stock) => (StatusCode::OK, json!(ledger.stock_entity(stock, day))),
        None => error(StatusCode::NOT_FOUND, format!("no stock {id}")),
    }
}

fn list_coupons(emu: &Emulator, query: &str) -> Reply {
    let mut openid = None;
    let mut stock_id = None;
    let mut code = None;
    let mut state = None;
    let mut offset = 0usize;
    let mut limit = 100usize;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "openid" if !value.is_empty() => openid = Some(value.into_owned()),
            "stock_id" if !value.is_empty() => stock_id = Some(value.into_owned()),
            "code" if !value.is_empty() => code = Some(value.into_owned()),
            "state" if !value.is_empty() => {
                let parsed = UserProductCouponState::from(value.as_ref());
                if !parsed.is_known() {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!(
                            "state {value:?} is none of {}",
                            UserProductCouponState::NAMES.join(", ")
                        ),
                    );
                }
                state = Some(parsed);
            }
            "offset" | "limit" => match value.parse::<usize>() {
                Ok(n) if key == "offset" => offset = n,
                Ok(n) => limit = n.min(MAX_PAGE),
                Err(_) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!("{key} must be a non-negative integer"),
                    );
                }
            },
            _ => {}
        }
    }
    let now = emu.business_now();
    let world = emu.world.lock();
    let ledger = &world.ledger;
    let stock = match stock_id.as_deref().map(|id| ledger.stock(id)) {
        Some(None) => return (StatusCode::OK, json!({ "total_count": 0, "data": [] })),
        Some(Some(s)) => Some(s),
        None => None,
    };
    let matching = (0..ledger.coupons.len() as u32).filter(|&i| {
        stock.is_none_or(|s| ledger.coupons[i as usize].stock == s)
            && openid.as_deref().is_none_or(|o| ledger.text(i).openid == o)
            && code.as_deref().is_none_or(|c| ledger.code(i) == c)
    });
    let mut total = 0usize;
    let mut data = Vec::new();
    for i in matching {
        // The state is the rendered one (it moves with business time), so only candidates
        // that passed the cheap filters are rendered.
        let entity = match &state {
            Some(wanted) => {
                let entity = ledger.entity(i, now);
                if entity.coupon_state != *wanted {
                    continue;
                }
                Some(entity)
            }
            None => None,
        };
        if total >= offset && data.len() < limit {
            let text_openid = ledger.text(i).openid.to_owned();
            let mut item = json!(entity.unwrap_or_else(|| ledger.entity(i, now)));
            if let Value::Object(map) = &mut item {
                let mut with_openid = serde_json::Map::new();
                with_openid.insert("openid".into(), Value::String(text_openid));
                with_openid.extend(std::mem::take(map));
                *map = with_openid;
            }
            data.push(item);
        }
        total += 1;
    }
    (
        StatusCode::OK,
        json!({ "total_count": total, "data": data }),
    )
}

/// `GET /mock/requests?since=SEQ&limit=N`: the journal, newest first.
fn list_requests(emu: &Emulator, query: &str) -> Reply {
    let mut since = 0u64;
    let mut limit = crate::journal::CAPACITY;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let parsed = value.parse::<u64>();
        match (key.as_ref(), parsed) {
            ("since", Ok(n)) => since = n,
            ("limit", Ok(n)) => limit = usize::try_from(n).unwrap_or(MAX_PAGE).min(MAX_PAGE),
            ("since" | "limit", Err(_)) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("{key} must be a non-negative integer"),
                );
            }
            _ => {}
        }
    }
    let data = emu.journal.recent(since, limit);
    (
        StatusCode::OK,
        json!({ "total_count": data.len(), "data": data, "last_seq": emu.journal.last_seq() }),
    )
}

/// `GET /mock/images`: every known picture, uploaded or generated, oldest first.
fn list_images(emu: &Emulator) -> Reply {
    let world = emu.world.lock();
    let data = world.media.images();
    (
        StatusCode::OK,
        json!({ "total_count": data.len(), "data": data }),
    )
}

/// `GET /mock/image-tasks`: every image-generation task as E35 answers it, plus who created
/// it and when it finishes (business time); due tasks finish first.
fn list_image_tasks(emu: &Emulator) -> Reply {
    emu.finish_image_tasks(usize::MAX);
    let world = emu.world.lock();
    let data: Vec<Value> = world
        .media
        .tasks()
        .iter()
        .map(|t| {
            let mut item = json!(t.entity());
            if let Value::Object(map) = &mut item {
                let (mode, id) = &t.creator;
                let who = if *mode == wxpay_models::Mode::Brand {
                    "brand"
                } else {
                    "mchid"
                };
                map.insert("created_by".into(), json!(format!("{who} {id}")));
                map.insert("create_time".into(), json!(t.create_time));
                map.insert("due_time".into(), json!(t.due));
            }
            item
        })
        .collect();
    (
        StatusCode::OK,
        json!({ "total_count": data.len(), "data": data }),
    )
}

fn set_faults(emu: &Emulator, body: &[u8]) -> Reply {
    let faults: Faults = match parse(body, "faults") {
        Ok(f) => f,
        Err(reply) => return reply,
    };
    if let Err(problem) = faults.check() {
        return error(StatusCode::BAD_REQUEST, problem);
    }
    emu.set_faults(faults);
    (StatusCode::OK, json!(faults))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockOffset {
    offset_secs: i64,
}

fn set_clock(emu: &Emulator, body: &[u8]) -> Reply {
    let ClockOffset { offset_secs } = match parse(body, "{\"offset_secs\": N}") {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    if offset_secs.abs() > 100 * 365 * 86_400 {
        return error(
            StatusCode::BAD_REQUEST,
            "offset_secs must be within ±100 years",
        );
    }
    emu.set_clock_offset(offset_secs);
    log_admin(&mut emu.world.lock(), "clock", body, emu.business_now());
    (
        StatusCode::OK,
        json!({ "offset_secs": offset_secs, "business_now": emu.business_now() }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_token(token: Option<&str>) -> Emulator {
        let mut emu = Emulator::dev();
        emu.admin_token = token.map(str::to_owned);
        emu
    }

    fn bearer(token: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        h
    }

    #[test]
    fn loopback_only_without_a_token() {
        let emu = with_token(None);
        let none = http::HeaderMap::new();
        assert!(authorize(&emu, "127.0.0.1:5000".parse().unwrap(), &none).is_ok());
        assert!(authorize(&emu, "[::1]:5000".parse().unwrap(), &none).is_ok());
        let (status, _) = authorize(&emu, "10.0.0.7:5000".parse().unwrap(), &none).unwrap_err();
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    #[test]
    fn a_token_is_required_from_everyone_when_set() {
        let emu = with_token(Some("s3cret"));
        for remote in ["127.0.0.1:1", "10.0.0.7:1"] {
            let remote = remote.parse().unwrap();
            assert_eq!(
                authorize(&emu, remote, &http::HeaderMap::new())
                    .unwrap_err()
                    .0,
                StatusCode::UNAUTHORIZED
            );
            assert_eq!(
                authorize(&emu, remote, &bearer("wrong")).unwrap_err().0,
                StatusCode::UNAUTHORIZED
            );
            assert!(authorize(&emu, remote, &bearer("s3cret")).is_ok());
        }
    }
}
