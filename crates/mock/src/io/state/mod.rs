//! `wxpay-mock --state FILE`: the world in an SQLite file that holds a snapshot of it plus
//! the changes since, written before any answer that reports them (group commit: one fsync
//! per batch), compacted into a new snapshot as the changes grow, so that a restart costs
//! the size of the state, not its history. One process holds the file at a time.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use parking_lot::Mutex;
use rusqlite::Connection;
use wxpay_mock_core::{Change, World};

use crate::service::Emulator;
use crate::service::namespaces::NamespaceRecord;
use crate::service::snapshots::{SnapshotInfo, SnapshotStore};

mod file;
mod writer;

pub(crate) use file::export;

/// Why the state file cannot be used. Nothing is changed in a file that is refused.
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
    /// The file system refused.
    #[error("state file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not a wxpay-mock state file: left untouched.
    #[error(
        "{path} is not a wxpay-mock state file: {why}; refusing to touch it (give a new file name)"
    )]
    Foreign {
        /// The file.
        path: String,
        /// What it is.
        why: String,
    },
    /// Written by another version of the format.
    #[error(
        "state file {path} has format {found}; this wxpay-mock reads format {}; start with a new file",
        file::FORMAT
    )]
    Version {
        /// The file.
        path: String,
        /// Its format.
        found: String,
    },
    /// Another process holds it.
    #[error(
        "state file {path} is in use by another wxpay-mock ({holder}); stop it, or give this one another file"
    )]
    InUse {
        /// The file.
        path: String,
        /// Who holds it, as the file says.
        holder: String,
    },
    /// A snapshot or change in it cannot be read back (the config changed: a caller or
    /// operation is gone).
    #[error(
        "state file {path}, {at}: {problem}; start with a new file or restore the config it was written with"
    )]
    Replay {
        /// The file.
        path: String,
        /// Where.
        at: String,
        /// What failed.
        problem: String,
    },
}

/// The open state file: the lock, the writer thread.
#[derive(Debug)]
pub(crate) struct StateFile {
    stop: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// Held while the file is ours (an exclusive advisory lock).
    _lock: File,
}

impl crate::service::Attached for StateFile {
    /// Writes what is pending and stops the writer.
    fn close(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.lock().take() {
            let _ = thread.join();
        }
    }
}

impl Emulator {
    /// Keeps all state in the SQLite file `path` (`--state`): reads what it holds, then
    /// writes every change to it before answering it.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("wxpay-mock-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let emu = std::sync::Arc::new(wxpay_mock::Emulator::dev());
    /// emu.open_state(&dir.join("state.sqlite"))?;
    /// emu.close_state(); // writes what is pending
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_state(self: &Arc<Self>, path: &Path) -> Result<(), StateError> {
        let io = |source| StateError::Io {
            path: path.display().to_string(),
            source,
        };
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .or_else(|e| match e.kind() {
                // A read-only file: the lock is still taken, the write check says why.
                std::io::ErrorKind::PermissionDenied => File::open(path),
                _ => Err(e),
            })
            .map_err(io)?;
        if let Err(e) = lock.try_lock() {
            return Err(match e {
                std::fs::TryLockError::WouldBlock => StateError::InUse {
                    path: path.display().to_string(),
                    holder: file::holder(path).unwrap_or_else(|| "holder unknown".into()),
                },
                std::fs::TryLockError::Error(e) => io(e),
            });
        }
        let found = file::inspect(path)?;
        let holder = format!(
            "pid {} on {} since {}",
            std::process::id(),
            hostname(),
            wxpay_models::WxTime::now()
        );
        let conn = file::open_writable(path, &holder)?;
        let kept = if found == file::Found::Ours {
            self.load_state(&conn, path)?
        } else {
            // A new file starts from the world as it is (its callback salt included).
            let (snapshot, _, _) = self
                .space()
                .snapshot()
                .map_err(|problem| replay_error(path, "the world", problem))?;
            let tx = conn
                .unchecked_transaction()
                .map_err(file::sqlite_error(path))?;
            file::rebase(&tx, "", &snapshot).map_err(file::sqlite_error(path))?;
            for (record, space) in self.namespace_records() {
                let (snapshot, _, _) = space
                    .snapshot()
                    .map_err(|problem| replay_error(path, &record.name, problem))?;
                let json = serde_json::to_string(&record)
                    .map_err(|e| replay_error(path, &record.name, e.to_string()))?;
                file::insert_namespace(&tx, &record.name, &json, &snapshot)
                    .map_err(file::sqlite_error(path))?;
            }
            tx.commit().map_err(file::sqlite_error(path))?;
            0
        };
        let snapshots = SqliteSnapshots {
            conn: Mutex::new(file::open_writable(path, &holder)?),
        };
        self.set_snapshot_store(Arc::new(snapshots));
        self.log().enable();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = writer::start(self, conn, path.to_owned(), stop.clone(), kept).map_err(io)?;
        self.attach(Box::new(StateFile {
            stop,
            thread: Mutex::new(Some(thread)),
            _lock: lock,
        }));
        Ok(())
    }

    /// Writes pending changes to the state file and stops writing (graceful shutdown).
    pub fn close_state(&self) {
        self.detach();
    }

    /// Reads every world — the configured one, then the namespaces' — from its base and the
    /// changes since (the callbacks still owed are queued); how many changes of the
    /// configured world it replayed.
    fn load_state(&self, conn: &Connection, path: &Path) -> Result<usize, StateError> {
        let replayed = self.load_world(conn, path, "")?;
        let namespaces = file::read_namespaces(conn).map_err(file::sqlite_error(path))?;
        for (name, json) in namespaces {
            let at = format!("namespace {name}");
            let record: NamespaceRecord =
                serde_json::from_str(&json).map_err(|e| replay_error(path, &at, e.to_string()))?;
            self.restore_namespace(&record)
                .map_err(|problem| replay_error(path, &at, problem))?;
            self.load_world(conn, path, &name)?;
        }
        Ok(replayed)
    }

    /// Reads world `space` from its base and replays its changes; how many it replayed.
    fn load_world(&self, conn: &Connection, path: &Path, space: &str) -> Result<usize, StateError> {
        let Some(target) = self.space_named(Some(space)) else {
            return Err(replay_error(path, space, "no such namespace".into()));
        };
        let started = std::time::Instant::now();
        let base = file::read_base(conn, space).map_err(file::sqlite_error(path))?;
        let read = started.elapsed();
        let mut world = match base {
            Some(bytes) => World::from_snapshot(&bytes)
                .map_err(|e| replay_error(path, "the snapshot", e.to_string()))?,
            None => target
                .fresh(self.real_now())
                .map_err(|e| replay_error(path, "the fixtures", e.to_string()))?,
        };
        let decoded = started.elapsed();
        let actors = |key: &wxpay_mock_core::ActorKey| self.actor(key);
        let replayed = file::read_changes(conn, space, |seq, record, body| {
            let at = || format!("change {seq}");
            let change = Change::from_record(record, body)
                .map_err(|e| replay_error(path, &at(), e.to_string()))?;
            world
                .replay(&change, &actors)
                .map_err(|e| replay_error(path, &at(), e.to_string()))
        })?;
        tracing::info!(
            "state file {}, world {space:?}: {} coupon(s), {replayed} change(s) replayed; snapshot read in {} ms, decoded in {} ms, changes in {} ms",
            path.display(),
            world.coupon_count(),
            read.as_millis(),
            (decoded - read).as_millis(),
            (started.elapsed() - decoded).as_millis(),
        );
        target.load(world);
        Ok(replayed)
    }

    /// A world from a state file's bytes (an import): its base and changes, replayed with
    /// this emulator's callers.
    pub(crate) fn world_from_state_file(&self, bytes: &[u8]) -> Result<World, StateError> {
        let dir = std::env::temp_dir().join(format!(
            "wxpay-mock-import-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let path = dir.join("state.sqlite");
        let io = |source| StateError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let result = (|| {
            std::fs::write(&path, bytes).map_err(io)?;
            if file::inspect(&path)? == file::Found::Empty {
                return Err(StateError::Foreign {
                    path: "the upload".into(),
                    why: "it is empty".into(),
                });
            }
            let conn = Connection::open(&path).map_err(file::sqlite_error(&path))?;
            let base = file::read_base(&conn, "")
                .map_err(file::sqlite_error(&path))?
                .ok_or_else(|| replay_error(&path, "the base", "no snapshot in it".into()))?;
            let mut world = World::from_snapshot(&base)
                .map_err(|e| replay_error(&path, "the snapshot", e.to_string()))?;
            let actors = |key: &wxpay_mock_core::ActorKey| self.actor(key);
            file::read_changes(&conn, "", |seq, record, body| {
                let change = Change::from_record(record, body)
                    .map_err(|e| replay_error(&path, &format!("change {seq}"), e.to_string()))?;
                world
                    .replay(&change, &actors)
                    .map_err(|e| replay_error(&path, &format!("change {seq}"), e.to_string()))
            })?;
            Ok(world)
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result
    }
}

fn replay_error(path: &Path, at: &str, problem: String) -> StateError {
    StateError::Replay {
        path: path.display().to_string(),
        at: at.to_owned(),
        problem,
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "this host".into())
}

/// Named snapshots in the state file.
#[derive(Debug)]
struct SqliteSnapshots {
    conn: Mutex<Connection>,
}

impl SnapshotStore for SqliteSnapshots {
    fn save(&self, space: &str, info: SnapshotInfo, snapshot: Arc<Vec<u8>>) -> Result<(), String> {
        let row = file::SnapshotRow {
            name: info.name,
            coupons: info.coupons,
            bytes: info.bytes,
            created: info.created_unix,
        };
        file::save_snapshot(&mut self.conn.lock(), space, &row, &snapshot)
            .map_err(|e| e.to_string())
    }

    fn load(&self, space: &str, name: &str) -> Result<Option<Arc<Vec<u8>>>, String> {
        file::load_snapshot(&self.conn.lock(), space, name)
            .map(|b| b.map(Arc::new))
            .map_err(|e| e.to_string())
    }

    fn list(&self, space: &str) -> Result<Vec<SnapshotInfo>, String> {
        let rows = file::list_snapshots(&self.conn.lock(), space).map_err(|e| e.to_string())?;
        Ok(rows
            .into_iter()
            .map(|r| SnapshotInfo::new(r.name, r.coupons, r.bytes, r.created))
            .collect())
    }

    fn delete(&self, space: &str, name: &str) -> Result<bool, String> {
        file::delete_snapshot(&mut self.conn.lock(), space, name).map_err(|e| e.to_string())
    }
}
