//! The emulator's state: product coupons, stocks and every issued coupon, kept compact.
//!
//! A coupon is a 52-byte [`Coupon`] plus its strings in one shared arena (openid,
//! send_request_no, and only when present: an assigned code, attach, tags; later its
//! confirm). `hashbrown::HashTable`s index coupons by position: by (brand_id,
//! send_request_no) for idempotency, by (stock, code) for code uniqueness and lookups, by
//! (stock, openid) for the per-user limit, and by (brand_id, confirm out_request_no). What
//! happens after a confirm (use, return, deactivation) lives in a side table, `lives`. The
//! idempotency record is a 16-byte digest of the parsed request, not the body. `view` renders
//! the API's entities from these records. See `docs/emulator.md` for the measured size.

mod arena;
mod life;
mod stocks;
mod view;

pub(crate) use life::{CouponBundle, Life, UseRecord};
pub(crate) use stocks::StockSlot;

use arena::{put_str, read_text};

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use serde::{Deserialize, Serialize};
use time::Date;
use wxpay_models::{CouponTagInfo, ProductCouponEntity};

/// One issued coupon. Times are Unix seconds (u32 holds them until 2106).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Coupon {
    /// Offset of its strings in the arena.
    text: u32,
    pub(crate) stock: u32,
    /// Number of a WeChat Pay–generated code (`8` + 12 digits); 0 when the code is text.
    seq: u32,
    pub(crate) receive: u32,
    pub(crate) valid_begin: u32,
    pub(crate) valid_end: u32,
    /// Digest of the parsed request (idempotency: "same parameters").
    pub(crate) params: [u8; 16],
    pub(crate) state: CouponState,
    flags: u8,
    /// Interned AppID the coupon was sent under.
    appid: u16,
    /// 1 + index of its lifecycle record in `lives`; 0: none yet (most coupons).
    life: u32,
    /// 1 + arena offset of its confirm (time, then out_request_no); 0: not confirmed.
    confirm: u32,
}

const HAS_CODE_TEXT: u8 = 1;
const HAS_ATTACH: u8 = 2;
const HAS_MEMBER_CARD: u8 = 4;
const HAS_TAG_JSON: u8 = 8;
/// Claimed through the receive component (send_channel RECEIVE_COMPONENT), not sent by API.
const VIA_COMPONENT: u8 = 16;

/// The coupon states the emulator keeps; PENDING, EFFECTIVE and EXPIRED follow from the
/// business clock (see [`Ledger::state_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub(crate) enum CouponState {
    /// Sent, waiting for the brand's confirm.
    Confirming,
    /// Confirmed: PENDING until valid_begin_time, EFFECTIVE until valid_end_time, then
    /// EXPIRED.
    Confirmed,
    /// Used (核销); a return makes it Confirmed again.
    Used,
    /// Deactivated by the brand (terminal).
    Deactivated,
    /// Deleted by the user in WeChat (terminal; only the admin API can do this here).
    Deleted,
}

/// A recorded confirm, borrowed from the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Confirm<'a> {
    pub(crate) out_request_no: &'a str,
    pub(crate) time: u32,
}

/// The strings of one coupon, borrowed from the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CouponText<'a> {
    pub(crate) openid: &'a str,
    pub(crate) send_request_no: &'a str,
    pub(crate) code: Option<&'a str>,
    pub(crate) attach: Option<&'a str>,
    pub(crate) member_card: Option<&'a str>,
    pub(crate) tag_json: Option<&'a str>,
}

/// (first coupon of this user in this stock, coupons the user holds there).
#[derive(Debug, Clone, Copy)]
struct UserSlot {
    first: u32,
    count: u32,
}

/// Product coupons, stocks and coupons, with their indexes. A snapshot keeps the records;
/// the indexes (`#[serde(skip)]`) are rebuilt by [`Ledger::reindex`].
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Ledger {
    #[serde(with = "crate::json::vec")]
    pub(crate) products: Vec<ProductCouponEntity>,
    #[serde(skip)]
    product_ids: HashMap<String, u32>,
    pub(crate) stocks: Vec<StockSlot>,
    #[serde(skip)]
    stock_ids: HashMap<String, u32>,
    pub(crate) coupons: Vec<Coupon>,
    #[serde(with = "serde_bytes_vec")]
    arena: Vec<u8>,
    #[serde(skip)]
    by_request: HashTable<u32>,
    #[serde(skip)]
    by_code: HashTable<u32>,
    #[serde(skip)]
    by_user: HashTable<UserSlot>,
    #[serde(skip)]
    hasher: hashbrown::DefaultHashBuilder,
    appids: Vec<String>,
    #[serde(skip)]
    appid_ids: HashMap<String, u16>,
    /// Confirmed coupons, by (brand, confirm out_request_no).
    #[serde(skip)]
    by_confirm: HashTable<u32>,
    /// Lifecycle records (see [`Coupon::life`]).
    lives: Vec<Life>,
    /// Users' coupon bundles ([`Life::bundle`] indexes them).
    pub(crate) bundles: Vec<CouponBundle>,
}

/// The arena as one byte string (a sequence of u8 would cost a length prefix per byte in
/// some formats and a call per byte in all).
mod serde_bytes_vec {
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_byte_buf(Bytes)
    }
}

/// What to record for a new coupon.
#[derive(Debug)]
pub(crate) struct NewCoupon<'a> {
    pub(crate) stock: u32,
    pub(crate) openid: &'a str,
    pub(crate) send_request_no: &'a str,
    /// The code for API_ASSIGN stocks; UPLOAD and WECHATPAY stocks assign their own.
    pub(crate) code: Option<&'a str>,
    pub(crate) attach: Option<&'a str>,
    pub(crate) tags: Option<&'a CouponTagInfo>,
    pub(crate) appid: &'a str,
    /// Claimed through the receive component.
    pub(crate) component: bool,
    pub(crate) params: [u8; 16],
    pub(crate) receive: i64,
    pub(crate) valid_begin: i64,
    pub(crate) valid_end: i64,
    pub(crate) day: Date,
}

/// What the indexes are computed from, borrowed apart from the tables themselves (so that
/// they can be built on two threads).
struct Tables<'a> {
    hasher: &'a hashbrown::DefaultHashBuilder,
    coupons: &'a [Coupon],
    arena: &'a [u8],
    products: &'a [ProductCouponEntity],
    stocks: &'a [StockSlot],
}

impl Tables<'_> {
    fn brand_of(&self, i: u32) -> &str {
        let stock = &self.stocks[self.coupons[i as usize].stock as usize];
        &self.products[stock.product as usize].brand_id
    }

    fn index_request(&self, table: &mut HashTable<u32>, index: u32) {
        let srn_of = |i: u32| read_text(self.arena, &self.coupons[i as usize]).send_request_no;
        let hash = self.hasher.hash_one((self.brand_of(index), srn_of(index)));
        table.insert_unique(hash, index, |&i| {
            self.hasher.hash_one((self.brand_of(i), srn_of(i)))
        });
    }

    fn index_code(&self, table: &mut HashTable<u32>, index: u32) {
        let stock_of = |i: u32| self.coupons[i as usize].stock;
        let code_of = |i: u32| code_ref(self.arena, &self.coupons[i as usize]);
        let hash = self
            .hasher
            .hash_one((stock_of(index), code_of(index).as_str()));
        table.insert_unique(hash, index, |&i| {
            self.hasher.hash_one((stock_of(i), code_of(i).as_str()))
        });
    }

    fn index_user(&self, table: &mut HashTable<UserSlot>, index: u32) {
        let coupons = self.coupons;
        let openid_of = |i: u32| read_text(self.arena, &coupons[i as usize]).openid;
        let stock = coupons[index as usize].stock;
        let openid = openid_of(index);
        let hash = self.hasher.hash_one((stock, openid));
        let entry = table.entry(
            hash,
            |slot| coupons[slot.first as usize].stock == stock && openid_of(slot.first) == openid,
            |slot| {
                self.hasher
                    .hash_one((coupons[slot.first as usize].stock, openid_of(slot.first)))
            },
        );
        match entry {
            Entry::Occupied(mut e) => e.get_mut().count += 1,
            Entry::Vacant(e) => {
                e.insert(UserSlot {
                    first: index,
                    count: 1,
                });
            }
        }
    }

    fn index_confirm(&self, table: &mut HashTable<u32>, i: u32) {
        let key_of = |j: u32| {
            let c = &self.coupons[j as usize];
            let no = arena::read_confirm(self.arena, c).map_or("", |c| c.out_request_no);
            (self.brand_of(j), no)
        };
        let hash = self.hasher.hash_one(key_of(i));
        table.insert_unique(hash, i, |&j| self.hasher.hash_one(key_of(j)));
    }
}

/// The ledger cannot hold more (the emulator's own limit, not WeChat Pay's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LedgerFull;

impl Ledger {
    /// The coupon sent under (brand_id, send_request_no), if any.
    pub(crate) fn find_request(&self, brand_id: &str, send_request_no: &str) -> Option<u32> {
        let hash = self.hasher.hash_one((brand_id, send_request_no));
        self.by_request
            .find(hash, |&i| {
                self.text(i).send_request_no == send_request_no && self.brand_of(i) == brand_id
            })
            .copied()
    }

    /// The coupon with `code` in `stock`, if issued.
    pub(crate) fn find_code(&self, stock: u32, code: &str) -> Option<u32> {
        let hash = self.hasher.hash_one((stock, code));
        self.by_code
            .find(hash, |&i| {
                let c = &self.coupons[i as usize];
                c.stock == stock && code_is(&self.arena, c, code)
            })
            .copied()
    }

    /// The coupon confirmed under (brand_id, out_request_no), if any.
    pub(crate) fn find_confirm(&self, brand_id: &str, out_request_no: &str) -> Option<u32> {
        let hash = self.hasher.hash_one((brand_id, out_request_no));
        self.by_confirm
            .find(hash, |&i| {
                self.confirm_of(i)
                    .is_some_and(|c| c.out_request_no == out_request_no)
                    && self.brand_of(i) == brand_id
            })
            .copied()
    }

    /// Coupon `i`'s confirm, if it was confirmed.
    pub(crate) fn confirm_of(&self, i: u32) -> Option<Confirm<'_>> {
        arena::read_confirm(&self.arena, &self.coupons[i as usize])
    }

    /// Records coupon `i`'s confirm and marks it confirmed (once: the caller has checked it
    /// was CONFIRMING and that the number is new for the brand).
    pub(crate) fn record_confirm(
        &mut self,
        i: u32,
        out_request_no: &str,
        time: u32,
    ) -> Result<(), LedgerFull> {
        let at = u32::try_from(self.arena.len() + 1).map_err(|_| LedgerFull)?;
        self.arena.extend_from_slice(&time.to_le_bytes());
        put_str(&mut self.arena, out_request_no);
        let c = &mut self.coupons[i as usize];
        c.confirm = at;
        c.state = CouponState::Confirmed;
        let tables = Tables {
            hasher: &self.hasher,
            coupons: &self.coupons,
            arena: &self.arena,
            products: &self.products,
            stocks: &self.stocks,
        };
        tables.index_confirm(&mut self.by_confirm, i);
        Ok(())
    }

    /// How many coupons `openid` holds from `stock`.
    pub(crate) fn user_count(&self, stock: u32, openid: &str) -> u32 {
        let hash = self.hasher.hash_one((stock, openid));
        self.by_user
            .find(hash, |slot| self.user_matches(slot, stock, openid))
            .map_or(0, |slot| slot.count)
    }

    fn user_matches(&self, slot: &UserSlot, stock: u32, openid: &str) -> bool {
        self.coupons[slot.first as usize].stock == stock && self.text(slot.first).openid == openid
    }

    /// Records a new coupon. The caller has checked every rule; this assigns the code (the
    /// next uploaded one, or the next generated number) and updates every counter and index.
    pub(crate) fn issue(&mut self, new: NewCoupon<'_>) -> Result<u32, LedgerFull> {
        let index = u32::try_from(self.coupons.len()).map_err(|_| LedgerFull)?;
        let appid = self.intern_appid(new.appid).ok_or(LedgerFull)?;
        let text = u32::try_from(self.arena.len()).map_err(|_| LedgerFull)?;
        let slot = &mut self.stocks[new.stock as usize];
        let uploaded = if new.code.is_none() {
            slot.codes.pop()
        } else {
            None
        };
        let seq = if new.code.is_none() && uploaded.is_none() {
            slot.next_seq += 1;
            slot.next_seq
        } else {
            0
        };
        slot.count_sent(new.day);

        let code = new.code.or(uploaded.as_deref());
        let mut flags = if new.component { VIA_COMPONENT } else { 0 };
        put_str(&mut self.arena, new.openid);
        put_str(&mut self.arena, new.send_request_no);
        if let Some(code) = code {
            flags |= HAS_CODE_TEXT;
            put_str(&mut self.arena, code);
        }
        if let Some(attach) = new.attach {
            flags |= HAS_ATTACH;
            put_str(&mut self.arena, attach);
        }
        match new.tags {
            Some(tags) if is_plain_member(tags) => {
                flags |= HAS_MEMBER_CARD;
                let card = tags
                    .member_tag_info
                    .as_ref()
                    .map_or("", |m| m.member_card_id.as_str());
                put_str(&mut self.arena, card);
            }
            Some(tags) => {
                flags |= HAS_TAG_JSON;
                put_str(
                    &mut self.arena,
                    &serde_json::to_string(tags).unwrap_or_default(),
                );
            }
            None => {}
        }
        self.coupons.push(Coupon {
            text,
            stock: new.stock,
            seq,
            receive: clamp_u32(new.receive),
            valid_begin: clamp_u32(new.valid_begin),
            valid_end: clamp_u32(new.valid_end),
            params: new.params,
            state: CouponState::Confirming,
            flags,
            appid,
            life: 0,
            confirm: 0,
        });

        self.index_coupon(index);
        Ok(index)
    }

    /// Adds coupon `i` to the indexes by request number, code and user.
    fn index_coupon(&mut self, index: u32) {
        let tables = Tables {
            hasher: &self.hasher,
            coupons: &self.coupons,
            arena: &self.arena,
            products: &self.products,
            stocks: &self.stocks,
        };
        tables.index_request(&mut self.by_request, index);
        tables.index_code(&mut self.by_code, index);
        tables.index_user(&mut self.by_user, index);
    }

    /// Rebuilds every index from the records (after a snapshot was read): the tables by
    /// request number and code on one thread, by user and confirm on another (a million
    /// coupons take about a second on one core).
    pub(crate) fn reindex(&mut self) {
        self.reindex_catalogue();
        self.appid_ids = self
            .appids
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        let n = to_u32(self.coupons.len());
        let confirmed: Vec<u32> = (0..n)
            .filter(|&i| self.coupons[i as usize].confirm != 0)
            .collect();
        let mut by_request = HashTable::with_capacity(n as usize);
        let mut by_code = HashTable::with_capacity(n as usize);
        let mut by_user = HashTable::with_capacity(n as usize);
        let mut by_confirm = HashTable::with_capacity(confirmed.len());
        let tables = Tables {
            hasher: &self.hasher,
            coupons: &self.coupons,
            arena: &self.arena,
            products: &self.products,
            stocks: &self.stocks,
        };
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for i in 0..n {
                    tables.index_request(&mut by_request, i);
                    tables.index_code(&mut by_code, i);
                }
            });
            for i in 0..n {
                tables.index_user(&mut by_user, i);
            }
            for &i in &confirmed {
                tables.index_confirm(&mut by_confirm, i);
            }
        });
        self.by_request = by_request;
        self.by_code = by_code;
        self.by_user = by_user;
        self.by_confirm = by_confirm;
    }

    /// The strings of coupon `i`.
    pub(crate) fn text(&self, i: u32) -> CouponText<'_> {
        read_text(&self.arena, &self.coupons[i as usize])
    }

    /// The code of coupon `i`.
    pub(crate) fn code(&self, i: u32) -> String {
        render_code(&self.arena, &self.coupons[i as usize])
    }

    fn brand_of(&self, i: u32) -> &str {
        let stock = &self.stocks[self.coupons[i as usize].stock as usize];
        &self.products[stock.product as usize].brand_id
    }

    /// The AppID coupon `i` was sent under.
    pub(crate) fn appid_of(&self, i: u32) -> &str {
        self.appids
            .get(usize::from(self.coupons[i as usize].appid))
            .map_or("", String::as_str)
    }

    /// The brand of coupon `i`'s product coupon.
    pub(crate) fn brand(&self, i: u32) -> &str {
        self.brand_of(i)
    }

    /// The stock id of coupon `i`.
    pub(crate) fn stock_id_of(&self, i: u32) -> &str {
        &self.stocks[self.coupons[i as usize].stock as usize]
            .entity
            .stock_id
    }

    /// The product coupon (index) of coupon `i`.
    pub(crate) fn product_of(&self, i: u32) -> u32 {
        self.stocks[self.coupons[i as usize].stock as usize].product
    }

    /// The product coupon id of coupon `i`.
    pub(crate) fn product_id_of(&self, i: u32) -> &str {
        let stock = &self.stocks[self.coupons[i as usize].stock as usize];
        &self.products[stock.product as usize].product_coupon_id
    }

    fn intern_appid(&mut self, appid: &str) -> Option<u16> {
        if let Some(&id) = self.appid_ids.get(appid) {
            return Some(id);
        }
        let id = u16::try_from(self.appids.len()).ok()?;
        self.appids.push(appid.to_owned());
        self.appid_ids.insert(appid.to_owned(), id);
        Some(id)
    }

    /// The coupons `openid` holds, in issue order (every stock). The per-user index gives,
    /// for each stock, the user's first coupon and how many there are (coupons are never
    /// removed), so this scans from there until all are found, not the whole ledger.
    pub(crate) fn coupons_of(&self, openid: &str) -> Vec<u32> {
        let mut out = Vec::new();
        for stock in 0..to_u32(self.stocks.len()) {
            let hash = self.hasher.hash_one((stock, openid));
            let Some(slot) = self
                .by_user
                .find(hash, |slot| self.user_matches(slot, stock, openid))
            else {
                continue;
            };
            out.extend(
                (slot.first..to_u32(self.coupons.len()))
                    .filter(|&i| {
                        self.coupons[i as usize].stock == stock && self.text(i).openid == openid
                    })
                    .take(slot.count as usize),
            );
        }
        out.sort_unstable();
        out
    }

    /// Bytes held by the coupon ledger (coupons, arena, indexes), by capacity.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.coupons.capacity() * std::mem::size_of::<Coupon>()
            + self.arena.capacity()
            + table_bytes(&self.by_request)
            + table_bytes(&self.by_code)
            + table_bytes(&self.by_user)
            + table_bytes(&self.by_confirm)
            + self.lives.capacity() * std::mem::size_of::<Life>()
    }

    /// Marks coupon `i` as claimed through the receive component (`send_channel`).
    pub(crate) fn mark_component(&mut self, i: u32) {
        self.coupons[i as usize].flags |= VIA_COMPONENT;
    }
}

fn table_bytes<T>(table: &HashTable<T>) -> usize {
    // hashbrown keeps one control byte per bucket plus a group of trailing ones; buckets are
    // the capacity rounded up to a power of two over the 7/8 load factor.
    let buckets = if table.capacity() == 0 {
        0
    } else {
        (table.capacity() * 8 / 7).next_power_of_two()
    };
    buckets * (std::mem::size_of::<T>() + 1) + 16
}

fn is_plain_member(tags: &CouponTagInfo) -> bool {
    tags.member_tag_info.is_some()
        && tags.coupon_tag_list.as_deref()
            == Some(&[wxpay_models::UserProductCouponTag::Member][..])
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn clamp_u32(secs: i64) -> u32 {
    u32::try_from(secs.max(0)).unwrap_or(u32::MAX)
}

fn render_code(arena: &[u8], c: &Coupon) -> String {
    code_ref(arena, c).as_str().to_owned()
}

/// A coupon's code without an allocation: its text in the arena, or its generated number
/// rendered on the stack (every index rebuild hashes a million of them).
enum CodeRef<'a> {
    Text(&'a str),
    Generated([u8; 13]),
}

impl CodeRef<'_> {
    fn as_str(&self) -> &str {
        match self {
            CodeRef::Text(text) => text,
            CodeRef::Generated(digits) => std::str::from_utf8(digits).unwrap_or(""),
        }
    }
}

fn code_ref<'a>(arena: &'a [u8], c: &Coupon) -> CodeRef<'a> {
    match read_text(arena, c).code {
        Some(text) => CodeRef::Text(text),
        None => {
            let mut digits = *b"8000000000000";
            let mut n = c.seq;
            for d in digits[1..].iter_mut().rev() {
                *d = b'0' + (n % 10) as u8;
                n /= 10;
            }
            CodeRef::Generated(digits)
        }
    }
}

/// Whether coupon `c`'s code is `code`, without rendering a generated one (a lookup by code
/// is on the path of every confirm, use and query).
fn code_is(arena: &[u8], c: &Coupon, code: &str) -> bool {
    match read_text(arena, c).code {
        Some(text) => text == code,
        None => {
            code.len() == 13
                && code.starts_with('8')
                && code.bytes().skip(1).all(|b| b.is_ascii_digit())
                && code[1..].parse::<u32>() == Ok(c.seq)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WeChat Pay–assigned code: `8` and 12 digits, unique within its stock.
    fn generated_code(seq: u32) -> String {
        format!("8{seq:012}")
    }

    #[test]
    fn a_generated_code_renders_as_eight_and_twelve_digits() {
        let mut arena = Vec::new();
        put_str(&mut arena, "o");
        put_str(&mut arena, "no");
        for seq in [0, 1, 42, 999_999_999, u32::MAX] {
            let c = Coupon {
                seq,
                ..coupon_at(0)
            };
            assert_eq!(render_code(&arena, &c), generated_code(seq));
        }
    }

    fn coupon_at(text: u32) -> Coupon {
        Coupon {
            text,
            stock: 0,
            seq: 0,
            receive: 0,
            valid_begin: 0,
            valid_end: 0,
            params: [0; 16],
            state: CouponState::Confirming,
            flags: 0,
            appid: 0,
            life: 0,
            confirm: 0,
        }
    }

    #[test]
    fn a_generated_code_matches_only_itself() {
        let mut arena = Vec::new();
        put_str(&mut arena, "o");
        put_str(&mut arena, "no");
        let c = Coupon {
            text: 0,
            stock: 0,
            seq: 42,
            receive: 0,
            valid_begin: 0,
            valid_end: 0,
            params: [0; 16],
            state: CouponState::Confirming,
            flags: 0,
            appid: 0,
            life: 0,
            confirm: 0,
        };
        assert!(code_is(&arena, &c, &generated_code(42)));
        for other in [
            generated_code(43),
            "8+00000000042".into(),
            "9000000000042".into(),
            "800000000042".into(),
            "80000000000042".into(),
        ] {
            assert!(!code_is(&arena, &c, &other), "{other}");
        }
    }

    #[test]
    fn coupon_record_is_small() {
        assert!(
            std::mem::size_of::<Coupon>() <= 52,
            "{}",
            std::mem::size_of::<Coupon>()
        );
    }
}
