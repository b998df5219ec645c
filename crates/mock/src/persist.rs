//! `wxpay-mock --state FILE`: the emulator's state in a SQLite file, as a log of what changed
//! it — every API write that acted (the request as it would be sent again: method, path and
//! query, body, with its business time and caller), every admin change, every finished
//! callback delivery. On start the log is replayed through the same operations, so the same
//! coupons, the same idempotent answers and the pending callbacks come back. Entries are
//! appended under the world's lock (so the log has the world's order) and written by a
//! background thread every [`FLUSH_EVERY`]; a graceful shutdown writes the rest.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, params};

use crate::state::Emulator;

/// How often pending entries are written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(10);

/// The log's format; a file of another version is refused rather than misread.
const SCHEMA_VERSION: i64 = 1;

/// One change to the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// An API request that acted.
    Api {
        method: &'static str,
        path_and_query: String,
        body: Vec<u8>,
        mode: wxpay_models::Mode,
        caller: String,
        now: i64,
    },
    /// An admin change: its kind and JSON.
    Admin {
        kind: &'static str,
        data: String,
        now: i64,
    },
    /// A callback delivery that ended: delivered, or given up.
    Delivery { id: String, delivered: bool },
}

/// Why the state file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// SQLite refused.
    #[error("state file {path}: {source}")]
    Sqlite {
        /// The file.
        path: String,
        /// Why.
        source: rusqlite::Error,
    },
    /// Written by another version of the log format.
    #[error(
        "state file {path} has format {found}, this wxpay-mock reads {SCHEMA_VERSION}; start with a new file"
    )]
    Version {
        /// The file.
        path: String,
        /// Its version.
        found: i64,
    },
    /// An entry cannot be replayed (the config changed: a caller or operation is gone).
    #[error(
        "state file {path}, entry {seq}: {problem}; start with a new file or restore the config it was written with"
    )]
    Replay {
        /// The file.
        path: String,
        /// The entry.
        seq: i64,
        /// What failed.
        problem: String,
    },
}

/// The writer of a state file.
#[derive(Debug)]
pub(crate) struct Persister {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Persister {
    /// Writes what is pending, stops the writer, waits for it.
    pub(crate) fn finish(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Persister {
    fn drop(&mut self) {
        self.finish();
    }
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> StateError + '_ {
    move |source| StateError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

/// Opens (or creates) `path`, replays it into `emu`, and starts writing to it.
pub(crate) fn open(emu: &Arc<Emulator>, path: &Path) -> Result<Persister, StateError> {
    let err = sqlite(path);
    let conn = Connection::open(path).map_err(&err)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,
             op TEXT NOT NULL, path TEXT NOT NULL, body BLOB NOT NULL,
             mode TEXT NOT NULL, caller TEXT NOT NULL, now INTEGER NOT NULL);",
    )
    .map_err(&err)?;
    let version: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get::<_, String>(0)
        })
        .ok()
        .and_then(|v| v.parse().ok());
    match version {
        None => {
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?1)",
                [SCHEMA_VERSION.to_string()],
            )
            .map_err(&err)?;
        }
        Some(SCHEMA_VERSION) => replay(emu, &conn, path)?,
        Some(found) => {
            return Err(StateError::Version {
                path: path.display().to_string(),
                found,
            });
        }
    }
    {
        let mut world = emu.world.lock();
        world.logging = true;
        if version.is_none() {
            let salt = world.event_salt.to_string();
            world.log(|| Entry::Admin {
                kind: "salt",
                data: salt,
                now: 0,
            });
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let emu = Arc::downgrade(emu);
        let stop = stop.clone();
        let path: PathBuf = path.to_owned();
        std::thread::Builder::new()
            .name("wxpay-mock-state".into())
            .spawn(move || writer(emu, conn, &path, &stop))
            .map_err(|e| StateError::Replay {
                path: String::new(),
                seq: 0,
                problem: format!("cannot start the writer thread: {e}"),
            })?
    };
    Ok(Persister {
        stop,
        thread: Some(thread),
    })
}

/// Writes pending entries every [`FLUSH_EVERY`] until stopped (then once more).
fn writer(emu: std::sync::Weak<Emulator>, mut conn: Connection, path: &Path, stop: &AtomicBool) {
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let Some(emu) = emu.upgrade() else { return };
        let (entries, reset) = {
            let mut world = emu.world.lock();
            (
                std::mem::take(&mut world.log),
                std::mem::take(&mut world.log_reset),
            )
        };
        drop(emu);
        if let Err(e) = write(&mut conn, &entries, reset) {
            tracing::error!(
                "state file {}: {e}; {} change(s) not saved",
                path.display(),
                entries.len()
            );
        }
        if stopping {
            return;
        }
        std::thread::sleep(FLUSH_EVERY);
    }
}

fn write(conn: &mut Connection, entries: &[Entry], reset: bool) -> rusqlite::Result<()> {
    if entries.is_empty() && !reset {
        return Ok(());
    }
    let tx = conn.transaction()?;
    if reset {
        tx.execute("DELETE FROM log", [])?;
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO log (kind, op, path, body, mode, caller, now) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for entry in entries {
            match entry {
                Entry::Api {
                    method,
                    path_and_query,
                    body,
                    mode,
                    caller,
                    now,
                } => insert.execute(params![
                    "api",
                    method,
                    path_and_query,
                    body,
                    mode.as_str(),
                    caller,
                    now
                ])?,
                Entry::Admin { kind, data, now } => {
                    insert.execute(params!["admin", kind, "", data.as_bytes(), "", "", now])?
                }
                Entry::Delivery { id, delivered } => insert.execute(params![
                    "delivery",
                    if *delivered { "delivered" } else { "given_up" },
                    id,
                    b"".as_slice(),
                    "",
                    "",
                    0
                ])?,
            };
        }
    }
    tx.commit()
}

/// Re-applies every entry, in order, with logging off.
fn replay(emu: &Emulator, conn: &Connection, path: &Path) -> Result<(), StateError> {
    let err = sqlite(path);
    let mut query = conn
        .prepare("SELECT seq, kind, op, path, body, mode, caller, now FROM log ORDER BY seq")
        .map_err(&err)?;
    let rows = query
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Vec<u8>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })
        .map_err(&err)?;
    let mut replayed = 0usize;
    for row in rows {
        let (seq, kind, op, path_and_query, body, mode, caller, now) = row.map_err(&err)?;
        let fail = |problem: String| StateError::Replay {
            path: path.display().to_string(),
            seq,
            problem,
        };
        match kind.as_str() {
            "api" => {
                let mode = mode.parse().map_err(fail)?;
                crate::router::replay(emu, &op, &path_and_query, &body, mode, &caller, now)
                    .map_err(fail)?;
            }
            "admin" => {
                let data = String::from_utf8(body).map_err(|e| fail(e.to_string()))?;
                crate::admin::replay(emu, &op, &data, now).map_err(fail)?;
            }
            "delivery" => emu.callbacks.finished(&path_and_query, op == "delivered"),
            other => return Err(fail(format!("unknown entry kind {other:?}"))),
        }
        replayed += 1;
    }
    tracing::info!(
        "state file {}: {replayed} change(s) replayed",
        path.display()
    );
    Ok(())
}
