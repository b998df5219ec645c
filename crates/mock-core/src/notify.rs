//! Where each caller's callbacks go (E31 sets it, E32 reads it; the config gives the first),
//! kept in the world so that a reset, a snapshot and a restart all agree on it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::actor::ActorKey;

/// A caller's notify URL and when it was set (business time, Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NotifyTarget {
    pub(crate) url: String,
    pub(crate) update_time: i64,
}

/// Notify URLs by caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NotifyTargets {
    by_caller: HashMap<ActorKey, NotifyTarget>,
}

impl NotifyTargets {
    pub(crate) fn get(&self, caller: &ActorKey) -> Option<&NotifyTarget> {
        self.by_caller.get(caller)
    }

    pub(crate) fn set(&mut self, caller: ActorKey, target: NotifyTarget) {
        self.by_caller.insert(caller, target);
    }
}
