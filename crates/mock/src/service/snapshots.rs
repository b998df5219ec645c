//! Named snapshots of a world (`/mock/snapshots`): test baselines that restore faster than
//! replaying a setup. Kept in memory, or in the state file once one is open (the I/O layer
//! provides that [`SnapshotStore`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;

/// What `GET /mock/snapshots` lists of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotInfo {
    /// Its name.
    pub name: String,
    /// Coupons in it.
    pub coupons: usize,
    /// Its size, bytes.
    pub bytes: usize,
    /// When it was taken (real time, RFC 3339 +08:00).
    pub created: String,
    /// The same, Unix seconds.
    #[serde(skip)]
    pub(crate) created_unix: i64,
}

impl SnapshotInfo {
    pub(crate) fn new(name: String, coupons: usize, bytes: usize, created_unix: i64) -> Self {
        Self {
            name,
            coupons,
            bytes,
            created: wxpay_models::WxTime::from_unix_clamped(created_unix).to_string(),
            created_unix,
        }
    }
}

/// Where named snapshots are kept, per namespace ("" for the configured world).
pub(crate) trait SnapshotStore: std::fmt::Debug + Send + Sync {
    /// Keeps `snapshot` under `name` (replacing one of that name).
    fn save(&self, space: &str, info: SnapshotInfo, snapshot: Arc<Vec<u8>>) -> Result<(), String>;
    /// The snapshot `name`, if kept.
    fn load(&self, space: &str, name: &str) -> Result<Option<Arc<Vec<u8>>>, String>;
    /// Every snapshot of `space`, by name.
    fn list(&self, space: &str) -> Result<Vec<SnapshotInfo>, String>;
    /// Forgets `name`; `false` if there was none.
    fn delete(&self, space: &str, name: &str) -> Result<bool, String>;
}

/// A kept snapshot: what is listed, and its bytes.
type Kept = (SnapshotInfo, Arc<Vec<u8>>);

/// Snapshots in memory (no state file), by (namespace, name).
#[derive(Debug, Default)]
pub(crate) struct MemorySnapshots {
    by_space: Mutex<BTreeMap<(String, String), Kept>>,
}

impl SnapshotStore for MemorySnapshots {
    fn save(&self, space: &str, info: SnapshotInfo, snapshot: Arc<Vec<u8>>) -> Result<(), String> {
        self.by_space
            .lock()
            .insert((space.to_owned(), info.name.clone()), (info, snapshot));
        Ok(())
    }

    fn load(&self, space: &str, name: &str) -> Result<Option<Arc<Vec<u8>>>, String> {
        Ok(self
            .by_space
            .lock()
            .get(&(space.to_owned(), name.to_owned()))
            .map(|(_, bytes)| bytes.clone()))
    }

    fn list(&self, space: &str) -> Result<Vec<SnapshotInfo>, String> {
        Ok(self
            .by_space
            .lock()
            .iter()
            .filter(|((s, _), _)| s == space)
            .map(|(_, (info, _))| info.clone())
            .collect())
    }

    fn delete(&self, space: &str, name: &str) -> Result<bool, String> {
        Ok(self
            .by_space
            .lock()
            .remove(&(space.to_owned(), name.to_owned()))
            .is_some())
    }
}
