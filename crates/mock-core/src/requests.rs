//! The records of keyed requests (idempotency for every operation whose body carries a
//! request number, except send and confirm, which the ledger keeps compactly): the same
//! number with the same parameters answers the first result again; with other parameters,
//! an error.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::digest::digest16;

/// What a keyed request's first answer was about: replays answer its current state (or,
/// for results that are not an entity, the first answer's bytes). `B` is how the bytes are
/// held: the bytes themselves, or (as stored) their index in a side table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Record<B = Box<[u8]>> {
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
    Bytes(B),
}

impl<B> Record<B> {
    /// The same record with its bytes held another way.
    fn map_bytes<C>(self, f: impl FnOnce(B) -> C) -> Record<C> {
        match self {
            Self::Coupon(i) => Record::Coupon(i),
            Self::Product(i) => Record::Product(i),
            Self::Stock(i) => Record::Stock(i),
            Self::Bundle(i) => Record::Bundle(i),
            Self::UserBundle(i) => Record::UserBundle(i),
            Self::Task(i) => Record::Task(i),
            Self::Bytes(b) => Record::Bytes(f(b)),
        }
    }
}

/// The 128-bit digest of (operation, brand, request number): a fixed-size key, so a record
/// costs no allocation of its own (a collision would need 2^64 numbers).
type Key = [u8; 16];

fn key(op: &str, brand: &str, no: &str) -> Key {
    digest16(format!("{op}\0{brand}\0{no}").as_bytes())
}

/// A record as kept: 8 bytes, answers' bytes in a side table (most records are entities).
type Stored = Record<u32>;

/// Key → (parameter digest, record).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Requests {
    map: HashMap<Key, ([u8; 16], Stored)>,
    answers: Vec<Box<[u8]>>,
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
            Some((d, stored)) if *d == digest => Seen::Replay(self.record_of(*stored)),
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
        let stored = record.map_bytes(|bytes| {
            self.answers.push(bytes);
            u32::try_from(self.answers.len() - 1).unwrap_or(u32::MAX)
        });
        self.map.insert(key(op, brand, no), (digest, stored));
    }

    fn record_of(&self, stored: Stored) -> Record {
        stored.map_bytes(|i| self.answers.get(i as usize).cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_replay_as_recorded_and_conflict_on_other_parameters() {
        let mut requests = Requests::default();
        let records = [
            Record::Coupon(7),
            Record::Stock(3),
            Record::Bytes(b"{\"a\":1}".to_vec().into()),
            Record::Bytes(b"{}".to_vec().into()),
        ];
        for (n, record) in records.iter().enumerate() {
            let no = format!("NO{n}");
            assert_eq!(requests.check("op", "b", &no, [1; 16]), Seen::New);
            requests.record("op", "b", &no, [1; 16], record.clone());
        }
        for (n, record) in records.iter().enumerate() {
            let no = format!("NO{n}");
            assert_eq!(
                requests.check("op", "b", &no, [1; 16]),
                Seen::Replay(record.clone())
            );
            assert_eq!(requests.check("op", "b", &no, [2; 16]), Seen::Conflict);
            assert_eq!(requests.check("other", "b", &no, [1; 16]), Seen::New);
            assert_eq!(requests.check("op", "c", &no, [1; 16]), Seen::New);
        }
        assert_eq!(std::mem::size_of::<Stored>(), 8);
    }
}
