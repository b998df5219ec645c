//! De-duplication of callbacks by id: WeChat Pay redelivers a callback (same `id`) until it
//! gets a 2xx in time, so a receiver must answer a redelivery without acting again.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;

use parking_lot::Mutex;

/// A boxed error, as stores return them.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What [`CallbackDedup`] methods return.
pub type DedupFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DedupError>> + Send + 'a>>;

/// Remembers which callbacks were handled, by callback id. [`CallbackService`] asks
/// [`seen`](Self::seen) before running the handler and calls [`record`](Self::record) after
/// it succeeded, so a callback whose handling failed is handled again when redelivered.
/// [`MemoryDedup`] keeps ids in memory; wxpay-campaign stores them in its SQLite or
/// PostgreSQL journal, so that they survive restarts and are shared by replicas.
///
/// ```
/// use wxpay_coupons::notify::{CallbackDedup, DedupFuture, DedupError};
/// /// Remembers nothing: every delivery is handled (for handlers that are idempotent anyway).
/// struct Forgetful;
/// impl CallbackDedup for Forgetful {
///     fn seen<'a>(&'a self, _id: &'a str) -> DedupFuture<'a, bool> {
///         Box::pin(async { Ok(false) })
///     }
///     fn record<'a>(&'a self, _id: &'a str) -> DedupFuture<'a, ()> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
///
/// [`CallbackService`]: crate::notify::CallbackService
pub trait CallbackDedup: Send + Sync + 'static {
    /// Whether the callback `id` was recorded as handled.
    fn seen<'a>(&'a self, id: &'a str) -> DedupFuture<'a, bool>;
    /// Records the callback `id` as handled (recording it twice is not an error).
    fn record<'a>(&'a self, id: &'a str) -> DedupFuture<'a, ()>;
}

/// A de-duplication store failed (a database down, say). The callback is answered with a
/// 500, so WeChat Pay delivers it again later.
#[derive(Debug, thiserror::Error)]
#[error("callback de-duplication store: {message}")]
pub struct DedupError {
    message: String,
    #[source]
    source: Option<BoxError>,
}

impl DedupError {
    /// An error with a message and, if there is one, its cause.
    ///
    /// ```
    /// let e = wxpay_coupons::notify::DedupError::new("database unreachable", None);
    /// assert_eq!(e.to_string(), "callback de-duplication store: database unreachable");
    /// ```
    pub fn new(message: impl Into<String>, source: Option<BoxError>) -> Self {
        Self {
            message: message.into(),
            source,
        }
    }
}

/// The ids of the last `capacity` callbacks handled, in memory (the oldest forgotten first).
/// WeChat Pay's redeliveries of one callback spread over about a day: size it to a day of
/// callbacks, or use a persistent store. Lost on restart.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// use wxpay_coupons::notify::{CallbackDedup, MemoryDedup};
/// let dedup = MemoryDedup::with_capacity(2);
/// for id in ["a", "b", "c"] {
///     dedup.record(id).await?;
/// }
/// assert!(!dedup.seen("a").await?, "forgotten: over capacity");
/// assert!(dedup.seen("c").await?);
/// # Ok::<(), wxpay_coupons::notify::DedupError>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MemoryDedup {
    capacity: usize,
    ids: Mutex<Ids>,
}

#[derive(Debug, Default)]
struct Ids {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl MemoryDedup {
    /// The capacity of [`MemoryDedup::new`].
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A store of the last [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) ids (≈ 10 MB).
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A store of the last `capacity` ids (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ids: Mutex::new(Ids::default()),
        }
    }

    /// Records `id` at once (to load ids a previous run handled); `false` if it was known.
    pub fn remember(&self, id: &str) -> bool {
        let mut ids = self.ids.lock();
        if ids.set.contains(id) {
            return false;
        }
        if ids.order.len() >= self.capacity
            && let Some(oldest) = ids.order.pop_front()
        {
            ids.set.remove(&oldest);
        }
        ids.set.insert(id.to_owned());
        ids.order.push_back(id.to_owned());
        true
    }

    /// How many ids it holds.
    pub fn len(&self) -> usize {
        self.ids.lock().order.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryDedup {
    fn default() -> Self {
        Self::new()
    }
}

impl CallbackDedup for MemoryDedup {
    fn seen<'a>(&'a self, id: &'a str) -> DedupFuture<'a, bool> {
        let known = self.ids.lock().set.contains(id);
        Box::pin(std::future::ready(Ok(known)))
    }

    fn record<'a>(&'a self, id: &'a str) -> DedupFuture<'a, ()> {
        self.remember(id);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the order, it holds exactly the last `capacity` distinct ids.
        #[test]
        fn holds_the_last_capacity_distinct_ids(ids in proptest::collection::vec(0u8..40, 0..200), capacity in 1usize..20) {
            let dedup = MemoryDedup::with_capacity(capacity);
            let mut model: VecDeque<String> = VecDeque::new();
            for id in ids {
                let id = id.to_string();
                let fresh = dedup.remember(&id);
                prop_assert_eq!(fresh, !model.contains(&id));
                if fresh {
                    if model.len() == capacity {
                        model.pop_front();
                    }
                    model.push_back(id);
                }
                prop_assert_eq!(dedup.len(), model.len());
            }
            for id in 0u8..40 {
                let id = id.to_string();
                prop_assert_eq!(dedup.ids.lock().set.contains(&id), model.contains(&id));
            }
        }
    }
}
