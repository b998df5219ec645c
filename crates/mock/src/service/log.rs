//! [`Log`]: what the state file must keep, in the order the world saw it, and when it is on
//! disk. Changes are appended under the world's lock (so the log has the world's order);
//! the state file's writer takes them in batches and writes each batch with one fsync (group
//! commit); an answer that reports or reads a change waits until the change is durable.
//! Without `--state` nothing is kept and nobody waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use wxpay_mock_core::Change;

use super::namespaces::NamespaceRecord;

/// One thing for the writer to do, in log order.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// A change of the world of namespace `space`.
    Change {
        /// The namespace ("" for the configured world).
        space: String,
        /// The kept form: JSON and body.
        record: (String, Vec<u8>),
    },
    /// The world of `space` is now `snapshot`: every change before it is obsolete (a reset,
    /// a restored snapshot, a compaction).
    Rebase {
        /// The namespace.
        space: String,
        /// The world's snapshot.
        snapshot: Arc<Vec<u8>>,
    },
    /// Namespace `record` was made; its world starts as `snapshot`.
    Namespace {
        /// What brings its caller back.
        record: Box<NamespaceRecord>,
        /// Its world as made.
        snapshot: Arc<Vec<u8>>,
    },
    /// Namespace `space` was deleted: everything kept of it goes.
    DropNamespace {
        /// The namespace.
        space: String,
    },
}

/// The log of one emulator.
#[derive(Debug, Default)]
pub(crate) struct Log {
    /// Whether a state file is open.
    enabled: AtomicBool,
    pending: Mutex<Vec<(u64, Entry)>>,
    /// Entries appended so far (the sequence number of the last one).
    appended: AtomicU64,
    /// Entries on disk so far.
    durable: AtomicU64,
    /// Why the state file cannot be written, once it cannot.
    failed: Mutex<Option<Arc<str>>>,
    /// The writer waits here for entries; answers wait here for durability.
    wake_writer: Condvar,
    durable_changed: Condvar,
    durable_lock: Mutex<()>,
    notify: tokio::sync::Notify,
}

/// The state file cannot keep changes: nothing is answered as done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the state file cannot be written ({0}); the change was not kept; fix the file's disk or permissions and restart wxpay-mock"
)]
pub(crate) struct NotDurable(pub(crate) Arc<str>);

impl Log {
    /// Starts keeping entries (a state file was opened).
    pub(crate) fn enable(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Appends `entry` (call it under the world's lock); its sequence number, or 0 when no
    /// state file is kept.
    pub(crate) fn append(&self, entry: Entry) -> u64 {
        if !self.is_enabled() {
            return 0;
        }
        if self.failed.lock().is_some() {
            // Nothing is kept any more; waiting for this fails with the reason.
            return self.appended() + 1;
        }
        let mut pending = self.pending.lock();
        let seq = self.appended.load(Ordering::Relaxed) + 1;
        self.appended.store(seq, Ordering::Release);
        pending.push((seq, entry));
        drop(pending);
        self.wake_writer.notify_one();
        seq
    }

    /// Appends a world change of namespace `space`.
    pub(crate) fn change(&self, space: &str, change: &Change) -> u64 {
        if !self.is_enabled() {
            return 0;
        }
        self.append(Entry::Change {
            space: space.to_owned(),
            record: change.to_record(),
        })
    }

    /// The last sequence number appended: what a read under the world's lock has seen.
    pub(crate) fn appended(&self) -> u64 {
        self.appended.load(Ordering::Acquire)
    }

    fn check(&self, seq: u64) -> Option<Result<(), NotDurable>> {
        if let Some(why) = self.failed.lock().clone() {
            return Some(Err(NotDurable(why)));
        }
        (self.durable.load(Ordering::Acquire) >= seq).then_some(Ok(()))
    }

    /// Waits until entry `seq` is on disk.
    pub(crate) async fn wait(&self, seq: u64) -> Result<(), NotDurable> {
        if seq == 0 {
            return Ok(());
        }
        loop {
            let notified = self.notify.notified();
            if let Some(done) = self.check(seq) {
                return done;
            }
            notified.await;
        }
    }

    /// [`Log::wait`] for callers without a runtime.
    pub(crate) fn wait_blocking(&self, seq: u64) -> Result<(), NotDurable> {
        if seq == 0 {
            return Ok(());
        }
        let mut guard = self.durable_lock.lock();
        loop {
            if let Some(done) = self.check(seq) {
                return done;
            }
            self.durable_changed
                .wait_for(&mut guard, Duration::from_millis(50));
        }
    }

    /// The writer's side: the entries appended since the last call, waiting up to `wait` for
    /// the first one.
    pub(crate) fn take(&self, wait: Duration) -> Vec<(u64, Entry)> {
        let mut pending = self.pending.lock();
        if pending.is_empty() {
            self.wake_writer.wait_for(&mut pending, wait);
        }
        std::mem::take(&mut *pending)
    }

    /// The writer's side: everything up to `seq` is on disk.
    pub(crate) fn mark_durable(&self, seq: u64) {
        self.durable.fetch_max(seq, Ordering::AcqRel);
        self.wake_waiters();
    }

    /// The writer's side: the file cannot be written; every answer waiting (and every later
    /// one) fails with `why`.
    pub(crate) fn mark_failed(&self, why: String) {
        *self.failed.lock() = Some(why.into());
        self.wake_waiters();
    }

    /// Why the state file cannot be written, if it cannot.
    pub(crate) fn failure(&self) -> Option<Arc<str>> {
        self.failed.lock().clone()
    }

    fn wake_waiters(&self) {
        self.notify.notify_waiters();
        let _guard = self.durable_lock.lock();
        self.durable_changed.notify_all();
    }
}
