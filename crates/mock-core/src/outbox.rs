//! The callbacks the world owes: one record per event whose caller had a notify URL and an
//! APIv3 key when it happened, with its plaintext and whether it was delivered. The shell
//! encrypts, signs and POSTs them, and reports back when a delivery ends; kept in the world
//! so that a restart delivers what was pending and never sends one twice as new.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::actor::ActorKey;

/// Where a callback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DeliveryState {
    /// Waiting for a receiver to answer 2xx.
    Pending,
    /// A receiver answered 2xx in time.
    Delivered,
    /// The retry schedule ran out.
    GivenUp,
}

/// One callback owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// The callback id (the same on every redelivery).
    pub id: String,
    /// Whose callback.
    pub owner: ActorKey,
    /// `SEND`, `USE`, `RETURN` or `IMAGE_GENERATION`.
    pub kind: String,
    /// The coupon it is about, (stock_id, coupon_code); empty for image tasks.
    pub coupon: (String, String),
    /// When it happened (business time, Unix seconds): the notification's `create_time`.
    pub created: i64,
    /// Where it goes (the owner's notify URL at that moment).
    pub url: String,
    /// The decrypted payload.
    pub plaintext: Vec<u8>,
    /// Delivered, given up, or pending.
    pub state: DeliveryState,
}

/// Every callback, in the order they happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Outbox {
    callbacks: Vec<Callback>,
    #[serde(skip)]
    by_id: HashMap<String, usize>,
}

impl Outbox {
    pub(crate) fn push(&mut self, callback: Callback) -> usize {
        let index = self.callbacks.len();
        self.by_id.insert(callback.id.clone(), index);
        self.callbacks.push(callback);
        index
    }

    pub(crate) fn all(&self) -> &[Callback] {
        &self.callbacks
    }

    pub(crate) fn get(&self, index: usize) -> Option<&Callback> {
        self.callbacks.get(index)
    }

    /// Sets the state of callback `id`; `false` for an unknown id.
    pub(crate) fn set_state(&mut self, id: &str, state: DeliveryState) -> bool {
        match self.by_id.get(id).and_then(|&i| self.callbacks.get_mut(i)) {
            Some(c) => {
                c.state = state;
                true
            }
            None => false,
        }
    }

    pub(crate) fn find(&self, id: &str) -> Option<&Callback> {
        self.by_id.get(id).and_then(|&i| self.callbacks.get(i))
    }

    /// Rebuilds the index after a snapshot was read.
    pub(crate) fn reindex(&mut self) {
        self.by_id = self
            .callbacks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
    }
}
