//! The state file's writer thread: takes what the log has, writes it in one transaction
//! (one fsync for the batch), tells waiting answers it is durable, and compacts the file
//! into a new snapshot when the changes since the last one grow past a bound.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::file;
use crate::service::Emulator;
use crate::service::log::{Entry, Log};

/// Changes kept after a snapshot before the file is compacted into a new one: a restart
/// replays at most this many (≈ 0.3 s).
const COMPACT_AFTER_CHANGES: usize = 50_000;
/// … or this many bytes of them (image uploads are big).
const COMPACT_AFTER_BYTES: usize = 256 << 20;
/// How long the writer waits for changes before looking at its stop flag again.
const IDLE: Duration = Duration::from_millis(50);

pub(super) fn start(
    emu: &Arc<Emulator>,
    conn: Connection,
    path: PathBuf,
    stop: Arc<AtomicBool>,
    kept: usize,
) -> std::io::Result<JoinHandle<()>> {
    let log = emu.log().clone();
    let emu = Arc::downgrade(emu);
    std::thread::Builder::new()
        .name("wxpay-mock-state".into())
        .spawn(move || {
            let mut writer = Writer {
                log,
                emu,
                conn,
                path,
                grown: HashMap::from([(String::new(), (kept, 0))]),
                covered: HashMap::new(),
                dropped: HashSet::new(),
            };
            writer.run(&stop);
        })
}

struct Writer {
    log: Arc<Log>,
    emu: Weak<Emulator>,
    conn: Connection,
    path: PathBuf,
    /// Changes (and their bytes) written since the last snapshot, by world.
    grown: HashMap<String, (usize, usize)>,
    /// A world's changes up to this sequence number are in its last compaction's snapshot.
    covered: HashMap<String, u64>,
    /// Namespaces deleted: a change of theirs still in flight is not kept.
    dropped: HashSet<String>,
}

impl Writer {
    fn run(&mut self, stop: &AtomicBool) {
        loop {
            let stopping = stop.load(Ordering::SeqCst) || self.emu.strong_count() == 0;
            let batch = self.log.take(IDLE);
            if !batch.is_empty() {
                if let Err(e) = self.write(&batch) {
                    self.failed(format!("{e}; {} change(s) not saved", batch.len()));
                    return;
                }
            } else if stopping {
                return;
            }
            let due: Vec<String> = self
                .grown
                .iter()
                .filter(|(_, (changes, bytes))| {
                    *changes >= COMPACT_AFTER_CHANGES || *bytes >= COMPACT_AFTER_BYTES
                })
                .map(|(space, _)| space.clone())
                .collect();
            for space in due {
                if let Err(e) = self.compact(&space) {
                    self.failed(format!("compaction: {e}"));
                    return;
                }
            }
        }
    }

    fn failed(&self, why: String) {
        tracing::error!("state file {}: {why}", self.path.display());
        self.log.mark_failed(why);
    }

    /// Writes a batch in one transaction; then it is durable.
    fn write(&mut self, batch: &[(u64, Entry)]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        let mut last = 0;
        for (seq, entry) in batch {
            last = *seq;
            match entry {
                Entry::Change { space, record } => {
                    let covered = self.covered.get(space).is_some_and(|c| seq <= c);
                    if covered || self.dropped.contains(space) {
                        continue;
                    }
                    file::insert_change(&tx, space, &record.0, &record.1)?;
                    let grown = self.grown.entry(space.clone()).or_default();
                    grown.0 += 1;
                    grown.1 += record.0.len() + record.1.len();
                }
                Entry::Rebase { space, snapshot } => {
                    if self.covered.get(space).is_some_and(|c| seq <= c) {
                        // A later compaction's snapshot already includes it.
                        continue;
                    }
                    file::rebase(&tx, space, snapshot)?;
                    self.grown.remove(space);
                }
                Entry::Namespace { record, snapshot } => {
                    let json = serde_json::to_string(record)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                    file::insert_namespace(&tx, &record.name, &json, snapshot)?;
                    self.dropped.remove(&record.name);
                    self.grown.remove(&record.name);
                    self.covered.remove(&record.name);
                }
                Entry::DropNamespace { space } => {
                    file::drop_namespace(&tx, space)?;
                    self.dropped.insert(space.clone());
                    self.grown.remove(space);
                    self.covered.remove(space);
                }
            }
        }
        tx.commit()?;
        self.log.mark_durable(last);
        Ok(())
    }

    /// A snapshot of world `space` replaces its changes so far. Its changes appended before
    /// the snapshot was taken but not written yet are in it, and are skipped when they come
    /// (they are durable once that batch is written).
    fn compact(&mut self, space: &str) -> Result<(), String> {
        self.grown.remove(space);
        let Some(emu) = self.emu.upgrade() else {
            return Ok(());
        };
        let Some(world) = emu.space_named(Some(space)) else {
            // Deleted meanwhile: its DropNamespace is on the way.
            return Ok(());
        };
        drop(emu);
        let started = std::time::Instant::now();
        let (snapshot, coupons, seq) = world.snapshot()?;
        let tx = self.conn.transaction().map_err(|e| e.to_string())?;
        file::rebase(&tx, space, &snapshot).map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
        self.covered.insert(space.to_owned(), seq);
        tracing::info!(
            "state file {}: world {:?} compacted to a snapshot of {coupons} coupon(s), {} bytes, in {} ms",
            self.path.display(),
            space,
            snapshot.len(),
            started.elapsed().as_millis()
        );
        Ok(())
    }
}
