//! The records of keyed requests (idempotency for every operation whose body carries a
//! request number, except send and confirm, which the ledger keeps compactly): the same
//! number with the same parameters answers the first result again; with other parameters,
//! an error.

use std::collections::HashMap;

/// What a keyed request's first answer was about: replays answer its current state (or,
/// for results that are not an entity, the first answer's bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Record {
    /// A user coupon (ledger index).
    Coupon(u32),
    /// A product coupon.
    Product(u32),
    /// A stock.
    Stock(u32),
    /// A stock bundle.
    Bundle(u32),
    /// A user coupon bundle.
    UserBundle(u32),
    /// An image-generation task.
    Task(u32),
    /// The first answer's JSON.
    Bytes(Box<[u8]>),
}

/// The 128-bit digest of (operation, brand, request number): a fixed-size key, so a record
/// costs no allocation of its own (a collision would need 2^64 numbers).
type Key = [u8; 16];

fn key(op: &str, brand: &str, no: &str) -> Key {
    crate::ledger::digest16(format!("{op}\0{brand}\0{no}").as_bytes())
}

/// Key → (parameter digest, record).
#[derive(Debug, Default)]
pub(crate) struct Requests {
    map: HashMap<Key, ([u8; 16], Record)>,
}

/// A lookup's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Never seen: act.
    New,
    /// The same parameters: answer from the record.
    Replay(Record),
    /// The number was used with other parameters.
    Conflict,
}

impl Requests {
    pub(crate) fn check(&self, op: &'static str, brand: &str, no: &str, digest: [u8; 16]) -> Seen {
        match self.map.get(&key(op, brand, no)) {
            None => Seen::New,
            Some((d, record)) if *d == digest => Seen::Replay(record.clone()),
            Some(_) => Seen::Conflict,
        }
    }

    pub(crate) fn record(
        &mut self,
        op: &'static str,
        brand: &str,
        no: &str,
        digest: [u8; 16],
        record: Record,
    ) {
        self.map.insert(key(op, brand, no), (digest, record));
    }
}
