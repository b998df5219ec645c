//! One rate budget for every worker of a PostgreSQL campaign. The database holds a GCRA
//! state (the theoretical arrival time of the next call); a worker reserves a few
//! consecutive slots at a time and spends them locally, one call per slot. Slots of different
//! workers never overlap, so the sum over workers stays at the rate however many there are.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::journal::{JournalError, PgJournal};

/// How far back a reservation may start (after an idle moment): at most `rate × START` extra
/// calls in the first second after it (0.5 %).
pub(crate) const START: Duration = Duration::from_millis(5);

/// How late a slot may still be used (tokio's timer wakes ≥ 1 ms late, more on a busy
/// machine): at most `rate × LATE` calls shifted into a one-second window (1 %). Later
/// slots are dropped: a starved worker loses throughput rather than bunching calls.
pub(crate) const LATE: Duration = Duration::from_millis(10);

/// Slots reserved at once: about this much time's worth.
const RESERVE_SPAN: Duration = Duration::from_millis(25);

struct Slots {
    next: Instant,
    interval: Duration,
    left: u32,
    batch: u32,
}

/// This worker's share of the campaign's budget.
pub(crate) struct SharedBudget {
    slots: Mutex<Slots>,
    wasted: AtomicU64,
    reservations: AtomicU64,
    /// A reservation failed for good: the others waiting behind it fail at once.
    failed: AtomicBool,
}

fn batch_for(interval: Duration) -> u32 {
    let n = RESERVE_SPAN.as_nanos() / interval.as_nanos().max(1);
    n.clamp(1, 256) as u32
}

impl SharedBudget {
    /// A budget that starts with no slots; `rate` sizes the first reservation.
    pub(crate) fn new(rate: u32) -> Self {
        let interval = Duration::from_nanos(1_000_000_000 / u64::from(rate.max(1)));
        Self {
            slots: Mutex::new(Slots {
                next: Instant::now(),
                interval,
                left: 0,
                batch: batch_for(interval),
            }),
            wasted: AtomicU64::new(0),
            reservations: AtomicU64::new(0),
            failed: AtomicBool::new(false),
        }
    }

    /// Waits for this worker's next slot, reserving more from the database when its own run
    /// out. A slot already too late when it is taken, or when this task wakes up for it (a
    /// starved process), is dropped, not bunched up with the slots after it.
    pub(crate) async fn acquire(&self, journal: &PgJournal) -> Result<(), JournalError> {
        loop {
            let slot = self.next_slot(journal).await?;
            tokio::time::sleep_until(slot.into()).await;
            if Instant::now() <= slot + LATE {
                return Ok(());
            }
            self.wasted.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn next_slot(&self, journal: &PgJournal) -> Result<Instant, JournalError> {
        let mut s = self.slots.lock().await;
        loop {
            if s.left > 0 {
                let slot = s.next;
                let interval = s.interval;
                s.next += interval;
                s.left -= 1;
                if Instant::now() <= slot + LATE {
                    return Ok(slot);
                }
                self.wasted.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if self.failed.load(Ordering::Relaxed) {
                return Err(JournalError::Unreachable {
                    target: journal.describe(),
                    after: Duration::ZERO,
                    last: "the rate budget could not be reserved (see the first error)".into(),
                });
            }
            let (delay, interval) = match journal.reserve(s.batch, START).await {
                Ok(reserved) => reserved,
                Err(e) => {
                    self.failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            };
            self.reservations.fetch_add(1, Ordering::Relaxed);
            let now = Instant::now();
            let delay_abs = Duration::from_nanos(delay.unsigned_abs());
            s.next = if delay >= 0 {
                now + delay_abs
            } else {
                now.checked_sub(delay_abs).unwrap_or(now)
            };
            s.interval = Duration::from_nanos(interval.max(1) as u64);
            s.left = s.batch;
            s.batch = batch_for(s.interval);
        }
    }

    /// (reservations made, slots that went unused because they came too late).
    pub(crate) fn stats(&self) -> (u64, u64) {
        (
            self.reservations.load(Ordering::Relaxed),
            self.wasted.load(Ordering::Relaxed),
        )
    }
}
