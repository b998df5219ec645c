//! Where each callback's delivery stands in this process: attempts, the last outcome, when
//! the next attempt is due, the encrypted body once built. The world keeps what is owed and
//! whether it was delivered ([`wxpay_mock_core::Callback`]); this keeps how the trying goes,
//! and is the delivery task's queue.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;
use serde::Serialize;
use wxpay_mock_core::{Callback, DeliveryState};
use wxpay_models::{WxTime, event_type};

/// One callback and its delivery so far, as `GET /mock/callbacks` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryView {
    /// The callback id (the same on every redelivery).
    pub id: String,
    /// `PRODUCT_COUPON_SP.SEND`, `PRODUCT_COUPON.USE`, …
    pub event_type: String,
    /// Whose callback: `mchid …` or `brand …`.
    pub caller: String,
    /// The coupon it is about ("" for image tasks).
    pub coupon_code: String,
    /// Its stock ("" for image tasks).
    pub stock_id: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's HTTP status, or what went wrong.
    pub last_status: Option<String>,
    /// Whether a receiver answered 2xx in time.
    pub delivered: bool,
    /// Whether the retry schedule ran out.
    pub given_up: bool,
    /// Where it goes.
    pub notify_url: String,
    /// When it was queued (business time; the notification's `create_time`).
    pub created_time: String,
    /// What the last failed attempt met (`HTTP 500`, `unreachable: …`); kept after a later
    /// success, so the page still shows why earlier attempts failed.
    pub last_error: Option<String>,
    /// While pending: milliseconds until the next attempt (0: due or under way).
    pub next_attempt_in_ms: Option<u64>,
    /// While pending: when the next attempt is due (real time).
    pub next_attempt_time: Option<String>,
}

/// One callback's attempts in this process.
#[derive(Debug, Clone)]
pub(crate) struct Attempts {
    pub(crate) count: u32,
    pub(crate) last_status: Option<String>,
    pub(crate) last_error: Option<String>,
    pub(crate) next_at: Instant,
    pub(crate) in_progress: bool,
    /// Still to deliver (a delivered or given-up one waits for a redelivery).
    pub(crate) pending: bool,
    /// Attempts made before the last redelivery: the retry schedule restarts there.
    pub(crate) schedule_from: u32,
    /// The notification as first built (built once, so every attempt sends the same bytes).
    pub(crate) body: Option<Bytes>,
}

impl Attempts {
    fn due_now() -> Self {
        Self {
            count: 0,
            last_status: None,
            last_error: None,
            next_at: Instant::now(),
            in_progress: false,
            pending: true,
            schedule_from: 0,
            body: None,
        }
    }
}

/// The delivery queue: attempts by callback id, in the order they were queued.
#[derive(Debug, Default)]
pub(crate) struct Deliveries {
    inner: Mutex<Queue>,
    /// Wakes the delivery task (one for every world).
    pub(crate) wake: std::sync::Arc<tokio::sync::Notify>,
}

#[derive(Debug, Default)]
struct Queue {
    order: Vec<String>,
    by_id: HashMap<String, Attempts>,
}

impl Deliveries {
    /// An empty queue that wakes the delivery task through `wake`.
    pub(crate) fn new(wake: std::sync::Arc<tokio::sync::Notify>) -> Self {
        Self {
            inner: Mutex::new(Queue::default()),
            wake,
        }
    }

    /// Queues callbacks to deliver now (new ones, or pending ones found at start).
    pub(crate) fn queue(&self, ids: impl IntoIterator<Item = String>) {
        let mut q = self.inner.lock();
        let mut any = false;
        for id in ids {
            if !q.by_id.contains_key(&id) {
                q.order.push(id.clone());
            }
            q.by_id.insert(id, Attempts::due_now());
            any = true;
        }
        drop(q);
        if any {
            self.wake.notify_one();
        }
    }

    /// Queues callback `id` again now with a fresh retry schedule (a redelivery); an attempt
    /// under way counts as the redelivery.
    pub(crate) fn redeliver(&self, id: &str) {
        let mut q = self.inner.lock();
        if !q.by_id.contains_key(id) {
            q.order.push(id.to_owned());
        }
        let a = q
            .by_id
            .entry(id.to_owned())
            .or_insert_with(Attempts::due_now);
        a.pending = true;
        a.next_at = Instant::now();
        a.schedule_from = a.count;
        drop(q);
        self.wake.notify_one();
    }

    /// The attempts of callback `id` (none yet: `None`).
    pub(crate) fn attempts(&self, id: &str) -> Option<Attempts> {
        self.inner.lock().by_id.get(id).cloned()
    }

    /// Takes the callbacks due now (marked under way), and when the next one is due.
    pub(crate) fn due(&self) -> (Vec<String>, Option<Instant>) {
        let mut q = self.inner.lock();
        let now = Instant::now();
        let mut due = Vec::new();
        let mut next: Option<Instant> = None;
        let Queue { order, by_id } = &mut *q;
        for id in order.iter() {
            let Some(a) = by_id.get_mut(id) else { continue };
            if !a.pending || a.in_progress {
                continue;
            }
            if a.next_at <= now {
                a.in_progress = true;
                due.push(id.clone());
            } else {
                next = Some(next.map_or(a.next_at, |n| n.min(a.next_at)));
            }
        }
        (due, next)
    }

    /// Keeps the body built for `id`.
    pub(crate) fn set_body(&self, id: &str, body: Bytes) {
        if let Some(a) = self.inner.lock().by_id.get_mut(id) {
            a.body = Some(body);
        }
    }

    /// Records an attempt's outcome; `Some(delivered)` when the delivery ended (delivered,
    /// or the schedule ran out), `None` when another attempt is scheduled.
    pub(crate) fn attempted(
        &self,
        id: &str,
        outcome: Result<u16, String>,
        schedule_ms: &[u64],
    ) -> Option<bool> {
        let mut q = self.inner.lock();
        let a = q.by_id.get_mut(id)?;
        a.in_progress = false;
        a.count += 1;
        let delivered = matches!(&outcome, Ok(code) if (200..300).contains(code));
        a.last_status = Some(match &outcome {
            Ok(code) => code.to_string(),
            Err(e) => e.clone(),
        });
        if delivered {
            a.pending = false;
            return Some(true);
        }
        a.last_error = Some(match &outcome {
            Ok(code) => format!("HTTP {code}"),
            Err(e) => e.clone(),
        });
        let retry = a.count.saturating_sub(a.schedule_from + 1);
        match schedule_ms.get(retry as usize) {
            Some(ms) => {
                a.next_at = Instant::now() + Duration::from_millis(*ms);
                None
            }
            None => {
                a.pending = false;
                Some(false)
            }
        }
    }

    /// Counts a duplicate delivery (`callback_duplicate_rate`).
    pub(crate) fn duplicated(&self, id: &str, outcome: Result<u16, String>) {
        if let Some(a) = self.inner.lock().by_id.get_mut(id) {
            a.count += 1;
            a.last_status = Some(match outcome {
                Ok(code) => format!("{code} (duplicate)"),
                Err(e) => format!("{e} (duplicate)"),
            });
        }
    }

    pub(crate) fn clear(&self) {
        *self.inner.lock() = Queue::default();
    }
}

impl super::Emulator {
    /// Every callback of the configured world and how its delivery stands.
    pub fn callbacks(&self) -> Vec<DeliveryView> {
        self.callbacks_in(&self.space)
    }

    /// Every callback of world `space` and how its delivery stands.
    pub(crate) fn callbacks_in(&self, space: &super::space::Space) -> Vec<DeliveryView> {
        let callbacks: Vec<Callback> = space.peek(|w| w.callbacks().to_vec());
        let now = std::time::Instant::now();
        let wall = time::OffsetDateTime::now_utc();
        callbacks
            .into_iter()
            .map(|c| {
                let attempts = space.deliveries.attempts(&c.id);
                let pending = c.state == DeliveryState::Pending;
                let (next_in, next_time) = match (&attempts, pending) {
                    (Some(a), true) => {
                        let wait = a.next_at.saturating_duration_since(now);
                        (
                            Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)),
                            Some(WxTime::from_offset_date_time(wall + wait).to_string()),
                        )
                    }
                    (None, true) => (Some(0), Some(WxTime::now().to_string())),
                    _ => (None, None),
                };
                DeliveryView {
                    event_type: event_type::of(c.owner.0, &c.kind),
                    caller: label(&c.owner),
                    coupon_code: c.coupon.1,
                    stock_id: c.coupon.0,
                    attempts: attempts.as_ref().map_or(0, |a| a.count),
                    last_status: attempts.as_ref().and_then(|a| a.last_status.clone()),
                    delivered: c.state == DeliveryState::Delivered,
                    given_up: c.state == DeliveryState::GivenUp,
                    notify_url: c.url,
                    created_time: WxTime::from_unix_clamped(c.created).to_string(),
                    last_error: attempts.and_then(|a| a.last_error),
                    next_attempt_in_ms: next_in,
                    next_attempt_time: next_time,
                    id: c.id,
                }
            })
            .collect()
    }
}

/// `mchid …` or `brand …` of a caller key.
pub(crate) fn label(owner: &wxpay_mock_core::ActorKey) -> String {
    match owner.0 {
        wxpay_models::Mode::Brand => format!("brand {}", owner.1),
        _ => format!("mchid {}", owner.1),
    }
}
