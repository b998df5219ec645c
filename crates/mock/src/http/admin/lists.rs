//! The admin API's reads: a stock, coupons by filter, the request journal, pictures and
//! image tasks. Each answers once what it saw is durable.

use http::StatusCode;
use serde_json::{Value, json};
use wxpay_mock_core::{AdminAction, CouponFilter};
use wxpay_models::UserProductCouponState;

use super::{MAX_PAGE, Reply, error, ok};
use crate::service::Emulator;
use crate::service::journal::JournalFilter;
use crate::service::space::Space;

/// A read of the world, or the state file's failure.
async fn read<R>(
    emu: &Emulator,
    space: &Space,
    f: impl FnOnce(&wxpay_mock_core::World, i64) -> R,
) -> Result<R, Reply> {
    let real = emu.real_now();
    space
        .read(|w| f(w, w.business_now(real)))
        .await
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))
}

/// `GET /mock/stocks/{id}`.
pub(super) async fn stock(emu: &Emulator, space: &Space, id: &str) -> Reply {
    match read(emu, space, |w, now| w.stock(id, now)).await {
        Ok(Some(stock)) => ok(json!(stock)),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no stock {id}")),
        Err(reply) => reply,
    }
}

/// `GET /mock/coupons?openid=&stock_id=&code=&state=&offset=&limit=`.
pub(super) async fn coupons(emu: &Emulator, space: &Space, query: &str) -> Reply {
    let mut filter = CouponFilter::default();
    let mut offset = 0usize;
    let mut limit = 100usize;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "openid" if !value.is_empty() => filter.openid = Some(value.into_owned()),
            "stock_id" if !value.is_empty() => filter.stock_id = Some(value.into_owned()),
            "code" if !value.is_empty() => filter.code = Some(value.into_owned()),
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
                filter.state = Some(parsed);
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
    let (total, rows) =
        match read(emu, space, |w, now| w.coupons(&filter, offset, limit, now)).await {
            Ok(found) => found,
            Err(reply) => return reply,
        };
    let data: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            let mut item = serde_json::Map::new();
            item.insert("openid".into(), Value::String(row.openid));
            if let Value::Object(map) = json!(row.entity) {
                item.extend(map);
            }
            Value::Object(item)
        })
        .collect();
    ok(json!({ "total_count": total, "data": data }))
}

/// `GET /mock/requests?since=SEQ&limit=N&operation=&status=&code=&caller=&request_no=`: the
/// journal, newest first; `total_count` counts every entry that matches.
pub(super) fn requests(space: &Space, query: &str) -> Reply {
    match journal_query(query) {
        Ok((since, limit, filter)) => {
            let journal = &space.journal;
            let (total, data) = journal.recent(since, limit, &filter);
            ok(json!({ "total_count": total, "data": data, "last_seq": journal.last_seq() }))
        }
        Err(reply) => reply,
    }
}

/// `since`, `limit` and the filters of a journal query; 400 naming a bad parameter.
fn journal_query(query: &str) -> Result<(u64, usize, JournalFilter), Reply> {
    let mut since = 0u64;
    let mut limit = crate::service::journal::CAPACITY;
    let mut filter = JournalFilter::default();
    let bad = |message: String| error(StatusCode::BAD_REQUEST, message);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let number = || {
            value.parse::<u64>().map_err(|_| {
                bad(format!(
                    "{key} must be a non-negative integer, got {value:?}"
                ))
            })
        };
        let text = Some(value.to_string()).filter(|v| !v.is_empty());
        match key.as_ref() {
            "since" => since = number()?,
            "limit" => limit = usize::try_from(number()?).unwrap_or(MAX_PAGE).min(MAX_PAGE),
            "status" => {
                let status = value.parse::<u16>().map_err(|_| {
                    bad(format!(
                        "status must be an HTTP status (0 for dropped), got {value:?}"
                    ))
                })?;
                filter.status = Some(status);
            }
            "operation" => {
                if let Some(op) = text.as_deref().filter(|op| !known_operation(op)) {
                    return Err(bad(format!(
                        "operation {op:?} is none of the family's kebab-case names (e.g. send-user-product-coupon), nor unknown or {}",
                        crate::service::certificates::NAME
                    )));
                }
                filter.operation = text;
            }
            "code" => filter.code = text,
            "caller" => filter.caller = text,
            "request_no" => filter.request_no = text,
            "namespace" => {}
            _ => {
                return Err(bad(format!(
                    "unknown parameter {key:?}: since, limit, operation, status, code, caller, request_no, namespace"
                )));
            }
        }
    }
    Ok((since, limit, filter))
}

fn known_operation(name: &str) -> bool {
    name == "unknown"
        || name == crate::service::certificates::NAME
        || wxpay_models::operations::ALL
            .iter()
            .any(|op| op.kebab == name)
}

/// `GET /mock/images`: every known picture, uploaded or generated, oldest first.
pub(super) async fn images(emu: &Emulator, space: &Space) -> Reply {
    match read(emu, space, |w, _| w.images().to_vec()).await {
        Ok(data) => ok(json!({ "total_count": data.len(), "data": data })),
        Err(reply) => reply,
    }
}

/// `GET /mock/image-tasks`: every image-generation task as E35 answers it, plus who created
/// it and when it finishes (business time); due tasks finish first.
pub(super) async fn image_tasks(emu: &Emulator, space: &Space) -> Reply {
    let finish = AdminAction::FinishTasks { limit: usize::MAX };
    if let Err(e) = emu.admin_in(space, &finish).await {
        return error(StatusCode::INTERNAL_SERVER_ERROR, e.message);
    }
    let tasks = match read(emu, space, |w, _| w.image_tasks()).await {
        Ok(tasks) => tasks,
        Err(reply) => return reply,
    };
    let data: Vec<Value> = tasks
        .into_iter()
        .map(|t| {
            let mut item = json!(t.entity);
            if let Value::Object(map) = &mut item {
                map.insert("created_by".into(), json!(t.created_by));
                map.insert("create_time".into(), json!(t.create_time));
                map.insert("due_time".into(), json!(t.due_time));
            }
            item
        })
        .collect();
    ok(json!({ "total_count": data.len(), "data": data }))
}
