//! [`Space`]: one world and what the service keeps beside it — its faults, rate windows,
//! journal and callback deliveries — and the only code that locks the world. Every change
//! goes through [`Space::write`], the one commit step: the change is applied under the lock
//! and kept in the log in the world's order; after the lock, [`Settle`] waits until it is
//! durable, then counts it and queues its callbacks.

use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use wxpay_mock_core::{Change, Emitted, Seed, SeedError, World};

use crate::config::Limits;
use crate::service::deliveries::Deliveries;
use crate::service::faults::Faults;
use crate::service::journal::Journal;
use crate::service::limits::OperationLimiters;
use crate::service::log::{Entry, Log, NotDurable};
use crate::service::metrics::Metrics;
use crate::service::rules::FaultRules;

/// One world and its service state.
#[derive(Debug)]
pub(crate) struct Space {
    /// The namespace ("" for the configured world).
    name: String,
    seed: Seed,
    world: Mutex<World>,
    log: Arc<Log>,
    pub(crate) faults: RwLock<Faults>,
    /// The random faults' dice (seeded when the fault set gives a seed).
    rng: Mutex<fastrand::Rng>,
    pub(crate) rules: FaultRules,
    pub(crate) limiters: RwLock<Arc<OperationLimiters>>,
    pub(crate) journal: Journal,
    pub(crate) deliveries: Deliveries,
}

/// What a change left to do after the lock: wait until it is durable, then count it and
/// queue its callbacks.
#[derive(Debug, Default)]
#[must_use = "a change is answered only after Settle::finish"]
pub(crate) struct Settle {
    seq: u64,
    callbacks: Vec<String>,
    issued: u64,
}

impl Settle {
    fn of(seq: u64, emitted: &[Emitted]) -> Self {
        Self {
            seq,
            callbacks: emitted
                .iter()
                .filter(|e| e.callback.is_some())
                .map(|e| e.id.clone())
                .collect(),
            issued: emitted.iter().filter(|e| e.issued).count() as u64,
        }
    }

    /// Waits until the change is on disk, then counts its coupons and queues its callbacks.
    pub(crate) async fn finish(self, space: &Space, metrics: &Metrics) -> Result<(), NotDurable> {
        space.log.wait(self.seq).await?;
        self.release(space, metrics);
        Ok(())
    }

    /// [`Settle::finish`] without a runtime.
    pub(crate) fn finish_blocking(
        self,
        space: &Space,
        metrics: &Metrics,
    ) -> Result<(), NotDurable> {
        space.log.wait_blocking(self.seq)?;
        self.release(space, metrics);
        Ok(())
    }

    fn release(self, space: &Space, metrics: &Metrics) {
        metrics.issued(self.issued);
        space.deliveries.queue(self.callbacks);
    }
}

/// What a write did: its value, the change to keep (if any), the events it reported.
#[derive(Debug)]
pub(crate) struct Wrote<R> {
    pub(crate) value: R,
    pub(crate) change: Option<Change>,
    pub(crate) emitted: Vec<Emitted>,
}

impl Space {
    /// The world `seed` describes, at business time `now`.
    pub(crate) fn new(
        name: &str,
        seed: Seed,
        now: i64,
        limits: &Limits,
        log: Arc<Log>,
        wake: Arc<tokio::sync::Notify>,
    ) -> Result<Self, SeedError> {
        let world = World::new(&seed, now)?;
        Ok(Self {
            name: name.to_owned(),
            seed,
            world: Mutex::new(world),
            log,
            faults: RwLock::new(Faults::default()),
            rng: Mutex::new(fastrand::Rng::new()),
            rules: FaultRules::default(),
            limiters: RwLock::new(Arc::new(OperationLimiters::new(limits))),
            journal: Journal::default(),
            deliveries: Deliveries::new(wake),
        })
    }

    /// The namespace ("" for the configured world).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The fault set.
    pub(crate) fn faults(&self) -> Faults {
        *self.faults.read()
    }

    /// Replaces the fault set; a `seed` makes the rolls that follow repeatable.
    pub(crate) fn set_faults(&self, faults: Faults) {
        if let Some(seed) = faults.seed {
            *self.rng.lock() = fastrand::Rng::with_seed(seed);
        }
        *self.faults.write() = faults;
    }

    /// True with probability `rate`.
    pub(crate) fn roll(&self, rate: f64) -> bool {
        rate > 0.0 && self.rng.lock().f64() < rate
    }

    /// How the world starts.
    pub(crate) fn seed(&self) -> &Seed {
        &self.seed
    }

    /// The one commit step: `f` changes the world under its lock; the change it reports is
    /// kept in the log in the world's order.
    pub(crate) fn write<R>(&self, f: impl FnOnce(&mut World) -> Wrote<R>) -> (R, Settle) {
        let mut world = self.world.lock();
        let wrote = f(&mut world);
        let seq = match &wrote.change {
            Some(change) => self.log.change(&self.name, change),
            None => self.log.appended(),
        };
        drop(world);
        (wrote.value, Settle::of(seq, &wrote.emitted))
    }

    /// Reads the world under its lock; the answer waits for what it may have seen to be
    /// durable.
    pub(crate) async fn read<R>(&self, f: impl FnOnce(&World) -> R) -> Result<R, NotDurable> {
        let (value, seq) = {
            let world = self.world.lock();
            (f(&world), self.log.appended())
        };
        self.log.wait(seq).await?;
        Ok(value)
    }

    /// [`Space::read`] without waiting: for figures that do not report changes (metrics,
    /// sizes) and for callers without a runtime when no state file is kept.
    pub(crate) fn peek<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&self.world.lock())
    }

    /// Replaces the world by `world` (a reset, a restored snapshot): the state file starts
    /// over from it.
    pub(crate) fn replace(
        &self,
        world: World,
        snapshot: Option<Arc<Vec<u8>>>,
    ) -> Result<Settle, String> {
        let snapshot = match snapshot {
            Some(bytes) => bytes,
            None => Arc::new(world.snapshot().map_err(|e| e.to_string())?),
        };
        let pending = pending_callbacks(&world);
        let mut current = self.world.lock();
        *current = world;
        let seq = self.log.append(Entry::Rebase {
            space: self.name.clone(),
            snapshot,
        });
        drop(current);
        self.deliveries.clear();
        Ok(Settle {
            seq,
            callbacks: pending,
            issued: 0,
        })
    }

    /// A fresh world from the seed, with a new callback salt.
    pub(crate) fn fresh(&self, now: i64) -> Result<World, SeedError> {
        let seed = Seed {
            salt: fresh_salt(),
            ..self.seed.clone()
        };
        World::new(&seed, now)
    }

    /// The world as bytes, and the log's position it includes.
    pub(crate) fn snapshot(&self) -> Result<(Vec<u8>, usize, u64), String> {
        let world = self.world.lock();
        let bytes = world.snapshot().map_err(|e| e.to_string())?;
        Ok((bytes, world.coupon_count(), self.log.appended()))
    }

    /// Back to the fixtures' rate windows, faults, journal and deliveries (the world itself is
    /// replaced by [`Space::replace`]).
    pub(crate) fn clear_service_state(&self, limits: &Limits) {
        *self.limiters.write() = Arc::new(OperationLimiters::new(limits));
        *self.faults.write() = Faults::default();
        self.rules.clear();
        self.journal.clear();
        self.deliveries.clear();
    }

    /// Replaces the world at start (a state file was read): nothing to keep, it came from
    /// there.
    pub(crate) fn load(&self, world: World) {
        let pending = pending_callbacks(&world);
        *self.world.lock() = world;
        self.deliveries.queue(pending);
    }
}

/// The callbacks `world` still owes.
fn pending_callbacks(world: &World) -> Vec<String> {
    world
        .callbacks()
        .iter()
        .filter(|c| c.state == wxpay_mock_core::DeliveryState::Pending)
        .map(|c| c.id.clone())
        .collect()
}

/// A callback salt: random, so that worlds started apart give distinct callback ids.
pub(crate) fn fresh_salt() -> u64 {
    fastrand::u64(..)
}
