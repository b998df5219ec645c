//! `/mock/snapshots`: named snapshots of the world — save, list, restore, export as a state
//! file, import one, delete (docs/emulator.md, "Snapshots").

use std::sync::Arc;
use std::time::Instant;

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;
use wxpay_mock_core::World;

use super::{Reply, error, ok, parse};
use crate::service::Emulator;
use crate::service::snapshots::SnapshotInfo;
use crate::service::space::Space;

/// A snapshot's name: 1–64 of `[0-9A-Za-z_.-]` (it becomes a file name on export).
fn check_name(name: &str) -> Result<(), Reply> {
    let fine = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with('.');
    if fine {
        Ok(())
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            format!("snapshot name {name:?}: 1–64 of [0-9A-Za-z_.-], not starting with '.'"),
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Save {
    name: String,
}

/// `/mock/snapshots…` of world `space` (each world has its own named snapshots).
pub(super) async fn route(
    emu: &Emulator,
    space: &Space,
    method: &Method,
    rest: &[&str],
    body: &[u8],
) -> Reply {
    let result = match (method, rest) {
        (&Method::GET, []) => list(emu, space),
        (&Method::POST, []) => save(emu, space, body),
        (&Method::POST, [name, "restore"]) => restore(emu, space, name).await,
        (&Method::GET, [name]) => export(emu, space, name),
        (&Method::PUT, [name]) => import(emu, space, name, body),
        (&Method::DELETE, [name]) => delete(emu, space, name),
        _ => Err(error(
            StatusCode::NOT_FOUND,
            format!(
                "no admin endpoint {method} /mock/snapshots/{}",
                rest.join("/")
            ),
        )),
    };
    result.unwrap_or_else(|reply| reply)
}

fn failed(e: impl std::fmt::Display) -> Reply {
    error(StatusCode::INTERNAL_SERVER_ERROR, e)
}

fn list(emu: &Emulator, space: &Space) -> Result<Reply, Reply> {
    let data = emu.snapshot_store().list(space.name()).map_err(failed)?;
    Ok(ok(json!({ "total_count": data.len(), "data": data })))
}

fn keep(
    emu: &Emulator,
    space: &Space,
    name: &str,
    snapshot: Vec<u8>,
    coupons: usize,
) -> Result<Reply, Reply> {
    let info = SnapshotInfo::new(name.to_owned(), coupons, snapshot.len(), emu.real_now());
    emu.snapshot_store()
        .save(space.name(), info.clone(), Arc::new(snapshot))
        .map_err(failed)?;
    Ok(Reply::Json(StatusCode::CREATED, json!(info)))
}

/// `POST /mock/snapshots {"name"}`: the world as it is now.
fn save(emu: &Emulator, space: &Space, body: &[u8]) -> Result<Reply, Reply> {
    let Save { name } = parse(body, "{\"name\": \"…\"}")?;
    check_name(&name)?;
    let (snapshot, coupons, _) = space.snapshot().map_err(failed)?;
    keep(emu, space, &name, snapshot, coupons)
}

fn load(emu: &Emulator, space: &Space, name: &str) -> Result<Arc<Vec<u8>>, Reply> {
    check_name(name)?;
    emu.snapshot_store()
        .load(space.name(), name)
        .map_err(failed)?
        .ok_or_else(|| error(StatusCode::NOT_FOUND, format!("no snapshot {name}")))
}

/// `POST /mock/snapshots/{name}/restore`: the world becomes the snapshot (request records,
/// clock and callbacks owed included); faults and rate windows stay.
async fn restore(emu: &Emulator, space: &Space, name: &str) -> Result<Reply, Reply> {
    let started = Instant::now();
    let snapshot = load(emu, space, name)?;
    let world = World::from_snapshot(&snapshot).map_err(failed)?;
    let coupons = world.coupon_count();
    let settle = space.replace(world, Some(snapshot)).map_err(failed)?;
    settle.finish(space, emu.metrics()).await.map_err(failed)?;
    Ok(ok(json!({
        "name": name,
        "coupons": coupons,
        "restored_in_ms": started.elapsed().as_secs_f64() * 1000.0,
    })))
}

/// `GET /mock/snapshots/{name}`: a state file holding the snapshot, for `--state` or an
/// import on another machine.
fn export(emu: &Emulator, space: &Space, name: &str) -> Result<Reply, Reply> {
    let snapshot = load(emu, space, name)?;
    let bytes = crate::io::state::export(&snapshot).map_err(failed)?;
    Ok(Reply::File {
        content_type: "application/vnd.sqlite3",
        filename: format!("{name}.wxpay-mock.sqlite"),
        bytes,
    })
}

/// `PUT /mock/snapshots/{name}`: a state file (an export, or a `--state` file) becomes the
/// snapshot `name`.
fn import(emu: &Emulator, space: &Space, name: &str, body: &[u8]) -> Result<Reply, Reply> {
    check_name(name)?;
    let world = emu
        .world_from_state_file(body)
        .map_err(|e| error(StatusCode::BAD_REQUEST, e))?;
    let snapshot = world.snapshot().map_err(failed)?;
    keep(emu, space, name, snapshot, world.coupon_count())
}

fn delete(emu: &Emulator, space: &Space, name: &str) -> Result<Reply, Reply> {
    check_name(name)?;
    if emu
        .snapshot_store()
        .delete(space.name(), name)
        .map_err(failed)?
    {
        Ok(ok(json!({ "deleted": name })))
    } else {
        Err(error(StatusCode::NOT_FOUND, format!("no snapshot {name}")))
    }
}
