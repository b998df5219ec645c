//! The admin API's reads: a stock, coupons by filter, the request journal, pictures and
//! image tasks. Each answers once what it saw is durable.

use http::StatusCode;
use serde_json::{Value, json};
use wxpay_mock_core::{AdminAction, CouponFilter};
use wxpay_models::UserProductCouponState;

use super::{MAX_PAGE, Reply, error, ok};
use crate::service::Emulator;

/// A read of the world, or the state file's failure.
async fn read<R>(
    emu: &Emulator,
    f: impl FnOnce(&wxpay_mock_core::World, i64) -> R,
) -> Result<R, Reply> {
    let real = emu.real_now();
    emu.space()
        .read(|w| f(w, w.business_now(real)))
        .await
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))
}

/// `GET /mock/stocks/{id}`.
pub(super) async fn stock(emu: &Emulator, id: &str) -> Reply {
    match read(emu, |w, now| w.stock(id, now)).await {
        Ok(Some(stock)) => ok(json!(stock)),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no stock {id}")),
        Err(reply) => reply,
    }
}

/// `GET /mock/coupons?openid=&stock_id=&code=&state=&offset=&limit=`.
pub(super) async fn coupons(emu: &Emulator, query: &str) -> Reply {
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
    let (total, rows) = match read(emu, |w, now| w.coupons(&filter, offset, limit, now)).await {
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

/// `GET /mock/requests?since=SEQ&limit=N`: the journal, newest first.
pub(super) fn requests(emu: &Emulator, query: &str) -> Reply {
    let journal = &emu.space().journal;
    let mut since = 0u64;
    let mut limit = crate::service::journal::CAPACITY;
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
    let data = journal.recent(since, limit);
    ok(json!({ "total_count": data.len(), "data": data, "last_seq": journal.last_seq() }))
}

/// `GET /mock/images`: every known picture, uploaded or generated, oldest first.
pub(super) async fn images(emu: &Emulator) -> Reply {
    match read(emu, |w, _| w.images().to_vec()).await {
        Ok(data) => ok(json!({ "total_count": data.len(), "data": data })),
        Err(reply) => reply,
    }
}

/// `GET /mock/image-tasks`: every image-generation task as E35 answers it, plus who created
/// it and when it finishes (business time); due tasks finish first.
pub(super) async fn image_tasks(emu: &Emulator) -> Reply {
    let finish = AdminAction::FinishTasks { limit: usize::MAX };
    if let Err(e) = emu.admin(&finish).await {
        return error(StatusCode::INTERNAL_SERVER_ERROR, e.message);
    }
    let tasks = match read(emu, |w, _| w.image_tasks()).await {
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
