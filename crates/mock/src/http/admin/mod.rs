//! The admin and inspection API under `/mock/` (docs/contracts.md): JSON, unsigned, a back
//! door — loopback clients only, or anyone with the configured bearer token. Changes go to
//! the world as admin actions (checked with the API's own rules, kept in the state file).

use std::net::SocketAddr;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{Value, json};
use wxpay_mock_core::{AdminAction, AdminDone, AdminError, MAX_CODES_PER_ACTION};
use wxpay_models::{ProductCouponEntity, StockEntity};

use crate::http::wire::{Body, read_body};
use crate::service::Emulator;
use crate::service::faults::Faults;
use crate::service::namespaces::{MAX_NAMESPACES, NamespaceBody};
use crate::service::rules::RuleBody;
use crate::service::space::Space;

mod console;
mod lists;
mod snapshots;

/// Largest admin body (code uploads can be big).
const MAX_ADMIN_BODY: usize = 16 << 20;
/// Largest state file `PUT /mock/snapshots/{name}` takes.
const MAX_IMPORT_BODY: usize = 1 << 30;
/// Largest page of `GET /mock/coupons`.
pub const MAX_PAGE: usize = 1000;

/// An admin answer: JSON, or a file.
pub(super) enum Reply {
    Json(StatusCode, Value),
    File {
        content_type: &'static str,
        filename: String,
        bytes: Vec<u8>,
    },
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Reply {
    Reply::Json(status, json!({ "error": message.to_string() }))
}

fn ok(value: Value) -> Reply {
    Reply::Json(StatusCode::OK, value)
}

pub(crate) async fn handle(
    emu: &Emulator,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Response<Body> {
    if crate::http::console::is_ui(req.uri().path()) {
        return crate::http::console::serve(emu, remote, &req);
    }
    let authorized = authorize(emu, remote, req.headers());
    if authorized.is_ok() && req.method() == Method::GET && req.uri().path() == "/mock/metrics" {
        return reply(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            emu.metrics().encode().into_bytes(),
        )
        .map(Full::new);
    }
    let answer = match authorized {
        Err(reply) => reply,
        Ok(()) => route(emu, req).await,
    };
    answer.into_response().map(Full::new)
}

impl Reply {
    fn into_response(self) -> Response<Bytes> {
        match self {
            Reply::Json(status, value) => reply(
                status,
                "application/json; charset=utf-8",
                serde_json::to_vec(&value).unwrap_or_default(),
            ),
            Reply::File {
                content_type,
                filename,
                bytes,
            } => {
                let mut response = reply(StatusCode::OK, content_type, bytes);
                if let Ok(value) =
                    HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                {
                    response.headers_mut().insert(CONTENT_DISPOSITION, value);
                }
                response
            }
        }
    }
}

impl Emulator {
    /// The admin API (`/mock/…` but the console page and metrics) for one request already
    /// in memory: what the server answers after reading the body. In-process callers are
    /// trusted (no loopback or token check). For embedding without sockets, and for fuzzing.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let emu = wxpay_mock::Emulator::dev();
    /// let req = http::Request::post("/mock/faults/rules")
    ///     .body(bytes::Bytes::from_static(br#"{"operation": "nope", "times": 1, "answer": {"status": 500}}"#))?;
    /// let res = emu.admin_call(req).await;
    /// assert_eq!(res.status(), 400);
    /// assert!(String::from_utf8_lossy(res.body()).contains("nope"));
    /// # Ok::<(), http::Error>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn admin_call(&self, req: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().trim_end_matches('/');
        let limit = body_limit(&parts.method, path);
        let answer = if body.len() > limit {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("admin body over {limit} bytes"),
            )
        } else {
            dispatch(
                self,
                &parts.method,
                path,
                parts.uri.query().unwrap_or(""),
                body,
            )
            .await
        };
        answer.into_response()
    }
}

fn reply(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn authorize(emu: &Emulator, remote: SocketAddr, headers: &http::HeaderMap) -> Result<(), Reply> {
    match emu.admin_token() {
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

/// The largest body `method` `path` takes.
fn body_limit(method: &Method, path: &str) -> usize {
    if method == Method::PUT && path.starts_with("/mock/snapshots/") {
        MAX_IMPORT_BODY
    } else {
        MAX_ADMIN_BODY
    }
}

async fn route(emu: &Emulator, req: Request<Incoming>) -> Reply {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().trim_end_matches('/');
    let limit = body_limit(&parts.method, path);
    let body = if parts.method == Method::POST || parts.method == Method::PUT {
        match read_body(body, limit).await {
            Ok(Ok(body)) => body,
            Ok(Err(e)) => return error(StatusCode::BAD_REQUEST, e.message),
            Err(_) => return error(StatusCode::BAD_REQUEST, "body not received"),
        }
    } else {
        Bytes::new()
    };
    dispatch(
        emu,
        &parts.method,
        path,
        parts.uri.query().unwrap_or(""),
        body,
    )
    .await
}

/// One admin request, its body read.
async fn dispatch(emu: &Emulator, method: &Method, path: &str, query: &str, body: Bytes) -> Reply {
    let method = method.clone();
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    // The world the call is about: `?namespace=NAME`, else the configured one.
    let namespace = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "namespace")
        .map(|(_, v)| v.into_owned());
    let Some(space) = emu.space_named(namespace.as_deref()) else {
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "no namespace {:?} (GET /mock/namespaces lists them)",
                namespace.unwrap_or_default()
            ),
        );
    };
    let space = &*space;
    match (&method, segments.as_slice()) {
        (&Method::GET, ["health"]) => health(emu),
        (_, ["namespaces", ..]) => namespaces(emu, &method, &segments[1..], &body).await,
        (_, ["faults", "rules", ..]) => rules(space, &method, &segments[2..], &body),
        (&Method::POST, ["product-coupons"]) => {
            match parse::<ProductCouponEntity>(&body, "ProductCouponEntity") {
                Ok(product) => {
                    let product = Box::new(product);
                    act(emu, space, AdminAction::AddProductCoupon { product }).await
                }
                Err(reply) => reply,
            }
        }
        (&Method::POST, ["stocks"]) => match parse::<StockEntity>(&body, "StockEntity") {
            Ok(stock) => {
                let stock = Box::new(stock);
                act(emu, space, AdminAction::AddStock { stock }).await
            }
            Err(reply) => reply,
        },
        (&Method::POST, ["stocks", id, "codes"]) => upload_codes(emu, space, id, &body).await,
        (&Method::GET, ["stocks", id]) => lists::stock(emu, space, id).await,
        (&Method::GET, ["coupons"]) => lists::coupons(emu, space, query).await,
        (&Method::PUT, ["faults"]) => set_faults(space, &body),
        (&Method::GET, ["faults"]) => ok(json!(space.faults())),
        (&Method::GET, ["requests"]) => lists::requests(space, query),
        (&Method::GET, ["callbacks"]) => {
            let data = emu.callbacks_in(space);
            ok(json!({ "total_count": data.len(), "data": data }))
        }
        (&Method::GET, ["images"]) => lists::images(emu, space).await,
        (&Method::GET, ["image-tasks"]) => lists::image_tasks(emu, space).await,
        (&Method::PUT, ["clock"]) => set_clock(emu, space, &body).await,
        (&Method::POST, ["pre-sends", token, "claim"]) => {
            let token = (*token).to_owned();
            act(emu, space, AdminAction::ClaimPreSend { token }).await
        }
        (&Method::POST, ["coupons", stock, code, "delete"]) => {
            let action = AdminAction::DeleteCoupon {
                stock_id: (*stock).to_owned(),
                coupon_code: (*code).to_owned(),
            };
            act(emu, space, action).await
        }
        (&Method::POST, ["reset"]) => match emu.reset_in(space).await {
            Ok(()) => ok(json!({ "reset": true, "namespace": space.name() })),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.message),
        },
        (_, ["snapshots", ..]) => {
            snapshots::route(emu, space, &method, &segments[1..], &body).await
        }
        _ => match console::route(emu, space, &method, &segments).await {
            Some(reply) => reply,
            None => error(
                StatusCode::NOT_FOUND,
                format!("no admin endpoint {method} {path}"),
            ),
        },
    }
}

/// `/mock/namespaces`: create (`POST {"mode"}`), list (`GET`), delete (`DELETE /NAME`).
async fn namespaces(emu: &Emulator, method: &Method, rest: &[&str], body: &[u8]) -> Reply {
    match (method, rest) {
        (&Method::POST, []) => {
            let body: NamespaceBody = match parse(body, "{\"mode\": \"partner\" | \"brand\"}") {
                Ok(b) => b,
                Err(reply) => return reply,
            };
            match emu.create_namespace(&body).await {
                Ok(made) => Reply::Json(StatusCode::CREATED, made),
                Err(e) => answer(Err(e)),
            }
        }
        (&Method::GET, []) => {
            let data = emu.namespace_list();
            ok(json!({ "total_count": data.len(), "max": MAX_NAMESPACES, "data": data }))
        }
        (&Method::DELETE, [name]) => match emu.delete_namespace(name).await {
            Ok(()) => ok(json!({ "deleted": name })),
            Err(e) => answer(Err(e)),
        },
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "no admin endpoint {method} /mock/namespaces/{}",
                rest.join("/")
            ),
        ),
    }
}

/// `/mock/faults/rules`: add (`POST`), list (`GET`), delete (`DELETE /{id}`).
fn rules(space: &Space, method: &Method, rest: &[&str], body: &[u8]) -> Reply {
    match (method, rest) {
        (&Method::POST, []) => {
            let rule: RuleBody = match parse(body, "fault rule") {
                Ok(r) => r,
                Err(reply) => return reply,
            };
            match space.rules.add(rule, crate::service::fields::of) {
                Ok(id) => Reply::Json(StatusCode::CREATED, json!({ "id": id })),
                Err(problem) => error(StatusCode::BAD_REQUEST, problem),
            }
        }
        (&Method::GET, []) => {
            let data = space.rules.list();
            ok(json!({ "total_count": data.len(), "data": data }))
        }
        (&Method::DELETE, [id]) => match id.parse::<u64>() {
            Ok(n) if space.rules.delete(n) => ok(json!({ "deleted": n })),
            Ok(n) => error(StatusCode::NOT_FOUND, format!("no fault rule {n}")),
            Err(_) => error(
                StatusCode::BAD_REQUEST,
                format!("rule id {id:?} must be a number (the id POST answered)"),
            ),
        },
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "no admin endpoint {method} /mock/faults/rules/{}",
                rest.join("/")
            ),
        ),
    }
}

/// `GET /mock/health`: 200, or 503 once the state file cannot be written.
fn health(emu: &Emulator) -> Reply {
    match emu.log().failure() {
        None => ok(json!({ "status": "ok" })),
        Some(why) => Reply::Json(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "failing", "error": format!("the state file cannot be written: {why}") }),
        ),
    }
}

/// Applies an admin action to world `space`: its answer, or its refusal.
async fn act(emu: &Emulator, space: &Space, action: AdminAction) -> Reply {
    answer(emu.admin_in(space, &action).await)
}

fn answer(result: Result<AdminDone, AdminError>) -> Reply {
    match result {
        Ok(done) => Reply::Json(
            StatusCode::from_u16(done.status).unwrap_or(StatusCode::OK),
            done.answer,
        ),
        Err(e) => error(
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            e.message,
        ),
    }
}

/// A JSON object of type `T`; anything else (an array, a scalar) is refused by name.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, Reply> {
    let object: serde_json::Map<String, Value> = serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            format!("malformed {what}: a JSON object is expected ({e})"),
        )
    })?;
    serde_json::from_value(Value::Object(object))
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("malformed {what}: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Codes {
    codes: Vec<String>,
}

/// `POST /mock/stocks/{id}/codes`: checked whole, then applied in actions of at most
/// [`MAX_CODES_PER_ACTION`] codes, so that the world is never held for long.
async fn upload_codes(emu: &Emulator, space: &Space, id: &str, body: &[u8]) -> Reply {
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
    let mut added = 0u64;
    let mut stock = Value::Null;
    let chunks: Vec<&[String]> = if codes.is_empty() {
        vec![&[]]
    } else {
        codes.chunks(MAX_CODES_PER_ACTION).collect()
    };
    for chunk in chunks {
        // Other requests go first between chunks, whatever the runtime's size.
        tokio::task::yield_now().await;
        let action = AdminAction::UploadCodes {
            stock_id: id.to_owned(),
            codes: chunk.to_vec(),
        };
        match emu.admin_in(space, &action).await {
            Ok(mut done) => {
                added += done.answer["added"].as_u64().unwrap_or(0);
                stock = done.answer["stock"].take();
            }
            Err(e) if added == 0 => return answer(Err(e)),
            Err(e) => {
                return error(
                    StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
                    format!("{} (after {added} codes were added)", e.message),
                );
            }
        }
    }
    ok(json!({ "added": added, "stock": stock }))
}

/// `PUT /mock/faults`: an object of rates (an array is refused, not read by position).
fn set_faults(space: &Space, body: &[u8]) -> Reply {
    let faults: Faults = match parse(body, "faults") {
        Ok(f) => f,
        Err(reply) => return reply,
    };
    if let Err(problem) = faults.check() {
        return error(StatusCode::BAD_REQUEST, problem);
    }
    space.set_faults(faults);
    ok(json!(faults))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockOffset {
    offset_secs: i64,
}

/// `PUT /mock/clock`: business time is real time plus `offset_secs`, kept representable.
async fn set_clock(emu: &Emulator, space: &Space, body: &[u8]) -> Reply {
    let ClockOffset { offset_secs } = match parse(body, "{\"offset_secs\": N}") {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    act(emu, space, AdminAction::SetClock { offset_secs }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_token(token: Option<&str>) -> Emulator {
        Emulator::dev().with_admin_token(token.map(str::to_owned))
    }

    fn bearer(token: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        h
    }

    fn status(reply: Reply) -> StatusCode {
        match reply {
            Reply::Json(status, _) => status,
            Reply::File { .. } => StatusCode::OK,
        }
    }

    #[test]
    fn loopback_only_without_a_token() {
        let emu = with_token(None);
        let none = http::HeaderMap::new();
        assert!(authorize(&emu, "127.0.0.1:5000".parse().unwrap(), &none).is_ok());
        assert!(authorize(&emu, "[::1]:5000".parse().unwrap(), &none).is_ok());
        let refused = authorize(&emu, "10.0.0.7:5000".parse().unwrap(), &none);
        assert_eq!(status(refused.err().unwrap()), StatusCode::FORBIDDEN);
    }

    #[test]
    fn a_token_is_required_from_everyone_when_set() {
        let emu = with_token(Some("s3cret"));
        for remote in ["127.0.0.1:1", "10.0.0.7:1"] {
            let remote = remote.parse().unwrap();
            let missing = authorize(&emu, remote, &http::HeaderMap::new());
            assert_eq!(status(missing.err().unwrap()), StatusCode::UNAUTHORIZED);
            let wrong = authorize(&emu, remote, &bearer("wrong"));
            assert_eq!(status(wrong.err().unwrap()), StatusCode::UNAUTHORIZED);
            assert!(authorize(&emu, remote, &bearer("s3cret")).is_ok());
        }
    }
}
