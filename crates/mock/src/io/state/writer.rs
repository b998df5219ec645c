//! The state file's writer thread: takes what the log has, writes it in one transaction
//! (one fsync for the batch), tells waiting answers it is durable, and compacts the file
//! into a new snapshot when the changes since the last one grow past a bound.

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
                changes: kept,
                bytes: 0,
                covered: 0,
            };
            writer.run(&stop);
        })
}

struct Writer {
    log: Arc<Log>,
    emu: Weak<Emulator>,
    conn: Connection,
    path: PathBuf,
    /// Changes (and their bytes) written since the last snapshot of the configured world.
    changes: usize,
    bytes: usize,
    /// Changes up to this sequence number are in the last compaction's snapshot.
    covered: u64,
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
            let grown = self.changes >= COMPACT_AFTER_CHANGES || self.bytes >= COMPACT_AFTER_BYTES;
            if grown && let Err(e) = self.compact() {
                self.failed(format!("compaction: {e}"));
                return;
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
                    if space.is_empty() && *seq <= self.covered {
                        continue;
                    }
                    file::insert_change(&tx, space, &record.0, &record.1)?;
                    if space.is_empty() {
                        self.changes += 1;
                        self.bytes += record.0.len() + record.1.len();
                    }
                }
                Entry::Rebase { space, snapshot } => {
                    file::rebase(&tx, space, snapshot)?;
                    if space.is_empty() {
                        self.changes = 0;
                        self.bytes = 0;
                    }
                }
            }
        }
        tx.commit()?;
        self.log.mark_durable(last);
        Ok(())
    }

    /// A snapshot of the world replaces the changes so far. Changes appended before the
    /// snapshot was taken but not written yet are in it, and are skipped when they come.
    fn compact(&mut self) -> Result<(), String> {
        let Some(emu) = self.emu.upgrade() else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        let (snapshot, coupons, seq) = emu.space().snapshot()?;
        drop(emu);
        let tx = self.conn.transaction().map_err(|e| e.to_string())?;
        file::rebase(&tx, "", &snapshot).map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
        self.covered = seq;
        self.changes = 0;
        self.bytes = 0;
        self.log.mark_durable(seq);
        tracing::info!(
            "state file {}: compacted to a snapshot of {coupons} coupon(s), {} bytes, in {} ms",
            self.path.display(),
            snapshot.len(),
            started.elapsed().as_millis()
        );
        Ok(())
    }
}
