//! The request journal: the last [`CAPACITY`] API requests with their outcome, and for a
//! signature failure the exact message the emulator verified and why it failed (what the
//! console shows, and `GET /mock/requests`).

use std::collections::VecDeque;

use parking_lot::Mutex;
use serde::Serialize;

/// How many requests are kept.
pub const CAPACITY: usize = 1000;

/// One journaled request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    /// Sequence number, from 1 since the last reset.
    pub seq: u64,
    /// When it was answered (real time, RFC 3339 +08:00).
    pub time: String,
    /// `mchid …` or `brand …`, once authenticated.
    pub caller: Option<String>,
    /// The operation's kebab-case name, or `unknown`.
    pub operation: &'static str,
    /// `partner` or `brand`, when the path had a mode's prefix.
    pub mode: Option<&'static str>,
    /// Method and path (with query).
    pub method: String,
    /// Path and query as received.
    pub path: String,
    /// HTTP status (0: the connection was dropped on purpose).
    pub status: u16,
    /// The error code, if any.
    pub code: Option<String>,
    /// The answer's Request-ID.
    pub request_id: String,
    /// Emulator-side latency, milliseconds.
    pub latency_ms: f64,
    /// The error message, if any.
    pub message: Option<String>,
    /// A signature failure's details.
    pub signature: Option<SignatureFailure>,
}

/// Why a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureFailure {
    /// Short reason: `stale timestamp`, `unknown serial`, `replayed nonce`, `wrong key or
    /// other bytes signed`, …
    pub reason: &'static str,
    /// The exact message the emulator verified the signature against (newlines as `\n`).
    pub expected_message: Option<String>,
    /// The Authorization header presented (signature elided).
    pub presented: Option<String>,
}

/// The ring of recent requests.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    inner: Mutex<(u64, VecDeque<JournalEntry>)>,
}

impl Journal {
    pub(crate) fn push(&self, mut entry: JournalEntry) {
        let mut inner = self.inner.lock();
        inner.0 += 1;
        entry.seq = inner.0;
        if inner.1.len() == CAPACITY {
            inner.1.pop_front();
        }
        inner.1.push_back(entry);
    }

    /// Newest first, at most `limit`, only entries after `since` (a sequence number).
    pub(crate) fn recent(&self, since: u64, limit: usize) -> Vec<JournalEntry> {
        let inner = self.inner.lock();
        inner
            .1
            .iter()
            .rev()
            .take_while(|e| e.seq > since)
            .take(limit)
            .cloned()
            .collect()
    }

    /// The newest sequence number (0: nothing since the last reset); a client polling with
    /// `since=` sees it drop after a reset.
    pub(crate) fn last_seq(&self) -> u64 {
        self.inner.lock().0
    }

    pub(crate) fn clear(&self) {
        *self.inner.lock() = (0, VecDeque::new());
    }
}
