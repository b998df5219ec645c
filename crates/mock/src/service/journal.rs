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
    /// The request's own number (`send_request_no`, `out_request_no`, …), once decoded.
    pub request_no: Option<String>,
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

/// Which entries `GET /mock/requests` shows; every given field must match.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct JournalFilter {
    /// The operation's kebab-case name.
    pub(crate) operation: Option<String>,
    /// The HTTP status (0: dropped on purpose).
    pub(crate) status: Option<u16>,
    /// The error code (`SYSTEM_ERROR`) or the business code ending the Request-ID
    /// (`272756740`).
    pub(crate) code: Option<String>,
    /// The caller's id (`1900000001`) or label (`mchid 1900000001`).
    pub(crate) caller: Option<String>,
    /// The request's own number.
    pub(crate) request_no: Option<String>,
}

impl JournalFilter {
    fn matches(&self, e: &JournalEntry) -> bool {
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        same(&self.operation, Some(e.operation))
            && self.status.is_none_or(|s| s == e.status)
            && self.code.as_deref().is_none_or(|c| {
                e.code.as_deref() == Some(c)
                    || e.request_id.rsplit_once('-').is_some_and(|(_, n)| n == c)
            })
            && self.caller.as_deref().is_none_or(|c| {
                e.caller.as_deref().is_some_and(|have| {
                    have == c || have.rsplit_once(' ').is_some_and(|(_, id)| id == c)
                })
            })
            && same(&self.request_no, e.request_no.as_deref())
    }
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

    /// Entries after `since` (a sequence number) that match `filter`: how many, and the
    /// newest `limit` of them, newest first.
    pub(crate) fn recent(
        &self,
        since: u64,
        limit: usize,
        filter: &JournalFilter,
    ) -> (usize, Vec<JournalEntry>) {
        let inner = self.inner.lock();
        let mut total = 0;
        let mut data = Vec::new();
        for e in inner.1.iter().rev().take_while(|e| e.seq > since) {
            if filter.matches(e) {
                total += 1;
                if data.len() < limit {
                    data.push(e.clone());
                }
            }
        }
        (total, data)
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
