//! `World::from_snapshot` on arbitrary bytes: what `PUT /mock/snapshots/{name}` (a state
//! file's base) and `--state` files reach once SQLite has read them.
//!
//! Asserts, beyond "no panic": a world that reads back writes a snapshot, which reads back
//! to a world with as many coupons that writes a snapshot of the same length again. (Not
//! the same bytes: hash maps such as a stock's sends per day are written in their
//! iteration order, which differs between two maps with the same entries.)
//!
//! The first byte picks the input: odd, the bytes as they are; even, the bytes after a
//! valid header (magic and format), so that the fuzzer works on the world's records.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wxpay_mock_core::{SNAPSHOT_FORMAT, World};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let bytes = if kind & 1 == 0 {
        [b"WXPMOCKW".as_slice(), &SNAPSHOT_FORMAT.to_le_bytes(), rest].concat()
    } else {
        rest.to_vec()
    };
    let Ok(world) = World::from_snapshot(&bytes) else {
        return;
    };
    let written = world
        .snapshot()
        .expect("a world that was read can be written");
    let again = World::from_snapshot(&written).expect("a written snapshot reads back");
    assert_eq!(again.coupon_count(), world.coupon_count());
    let rewritten = again.snapshot().expect("written again");
    assert_eq!(rewritten.len(), written.len());
});
