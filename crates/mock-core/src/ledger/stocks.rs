//! The catalogue side of the ledger: product coupons and stocks by id, each stock's live
//! counters and its pool of uploaded codes.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;

use hashbrown::HashTable;
use serde::{Deserialize, Serialize};
use time::Date;
use wxpay_models::{ProductCouponEntity, StockEntity};

use super::{Ledger, to_u32};

/// A stock and its live counters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StockSlot {
    #[serde(with = "crate::json")]
    pub(crate) entity: StockEntity,
    pub(crate) product: u32,
    pub(crate) sent_total: i64,
    /// Coupons sent per Beijing day (by Julian day number).
    sent_by_day: HashMap<i32, i64>,
    /// Uploaded codes not handed out yet (UPLOAD stocks), oldest first.
    pub(crate) codes: CodePool,
    pub(crate) codes_total: i64,
    pub(super) next_seq: u32,
}

impl StockSlot {
    /// Counts one more coupon sent on `day`.
    pub(super) fn count_sent(&mut self, day: Date) {
        self.sent_total += 1;
        *self.sent_by_day.entry(day.to_julian_day()).or_insert(0) += 1;
    }
}

/// Uploaded codes in upload order, with an index so that checking a code against the pool
/// costs O(1) whatever its size (an upload of a million codes checks each one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CodePool {
    queue: VecDeque<Box<str>>,
    /// Codes handed out so far: `queue[i]` is code number `popped + i`.
    popped: u64,
    /// Code numbers by the code's hash.
    #[serde(skip)]
    index: HashTable<u64>,
    #[serde(skip)]
    hasher: hashbrown::DefaultHashBuilder,
}

impl CodePool {
    /// Codes waiting.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Whether `code` is waiting in the pool.
    pub(crate) fn contains(&self, code: &str) -> bool {
        let hash = self.hasher.hash_one(code);
        self.index
            .find(hash, |&n| self.at(n) == Some(code))
            .is_some()
    }

    fn at(&self, number: u64) -> Option<&str> {
        let i = usize::try_from(number.checked_sub(self.popped)?).ok()?;
        self.queue.get(i).map(|c| &**c)
    }

    /// Adds `code` at the back; `false` if it is already waiting.
    pub(crate) fn push(&mut self, code: &str) -> bool {
        if self.contains(code) {
            return false;
        }
        let number = self.popped + self.queue.len() as u64;
        self.queue.push_back(code.into());
        let hash = self.hasher.hash_one(code);
        let (hasher, queue, popped) = (&self.hasher, &self.queue, self.popped);
        self.index.insert_unique(hash, number, |&n| {
            let i = usize::try_from(n - popped).unwrap_or(usize::MAX);
            hasher.hash_one(queue.get(i).map_or("", |c| &**c))
        });
        true
    }

    /// Hands out the oldest code.
    pub(crate) fn pop(&mut self) -> Option<String> {
        let code = self.queue.pop_front()?;
        let number = self.popped;
        self.popped += 1;
        let hash = self.hasher.hash_one(&*code);
        if let Ok(entry) = self.index.find_entry(hash, |&n| n == number) {
            entry.remove();
        }
        Some(code.into())
    }

    /// Rebuilds the index (after a snapshot was read).
    pub(crate) fn reindex(&mut self) {
        let codes: Vec<Box<str>> = std::mem::take(&mut self.queue).into();
        let popped = self.popped;
        *self = Self {
            popped,
            ..Self::default()
        };
        for code in codes {
            self.push(&code);
        }
        self.popped = popped;
    }
}

impl Ledger {
    /// Adds a product coupon; `false` if its id exists.
    pub(crate) fn add_product(&mut self, product: ProductCouponEntity) -> bool {
        if self.product_ids.contains_key(&product.product_coupon_id) {
            return false;
        }
        let index = to_u32(self.products.len());
        self.product_ids
            .insert(product.product_coupon_id.clone(), index);
        self.products.push(product);
        true
    }

    /// Adds a stock of a known product coupon; `Err(true)` if its id exists, `Err(false)` if
    /// the product coupon is unknown. Live counters start at zero.
    pub(crate) fn add_stock(&mut self, mut stock: StockEntity) -> Result<u32, bool> {
        if self.stock_ids.contains_key(&stock.stock_id) {
            return Err(true);
        }
        let product = self.product(&stock.product_coupon_id).ok_or(false)?;
        stock.sent_count_info = Default::default();
        let index = to_u32(self.stocks.len());
        self.stock_ids.insert(stock.stock_id.clone(), index);
        self.stocks.push(StockSlot {
            entity: stock,
            product,
            sent_total: 0,
            sent_by_day: HashMap::new(),
            codes: CodePool::default(),
            codes_total: 0,
            next_seq: 0,
        });
        Ok(index)
    }

    pub(crate) fn product(&self, id: &str) -> Option<u32> {
        self.product_ids.get(id).copied()
    }

    pub(crate) fn stock(&self, id: &str) -> Option<u32> {
        self.stock_ids.get(id).copied()
    }

    /// Adds uploaded codes to a stock; returns how many were new (duplicates of codes already
    /// uploaded or issued are skipped).
    pub(crate) fn upload_codes<'a>(
        &mut self,
        stock: u32,
        codes: impl IntoIterator<Item = &'a str>,
    ) -> usize {
        let mut added = 0;
        for code in codes {
            if self.find_code(stock, code).is_some() {
                continue;
            }
            let slot = &mut self.stocks[stock as usize];
            if slot.codes.push(code) {
                slot.codes_total += 1;
                added += 1;
            }
        }
        added
    }

    /// Sent today (Beijing day `day`) from `stock`.
    pub(crate) fn sent_on(&self, stock: u32, day: Date) -> i64 {
        self.stocks[stock as usize]
            .sent_by_day
            .get(&day.to_julian_day())
            .copied()
            .unwrap_or(0)
    }

    /// Rebuilds the catalogue's indexes (after a snapshot was read).
    pub(super) fn reindex_catalogue(&mut self) {
        self.product_ids = self
            .products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.product_coupon_id.clone(), to_u32(i)))
            .collect();
        self.stock_ids = self
            .stocks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.entity.stock_id.clone(), to_u32(i)))
            .collect();
        for slot in &mut self.stocks {
            slot.codes.reindex();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_pool_checks_and_hands_out_in_upload_order() {
        let mut pool = CodePool::default();
        assert!(pool.push("A") && pool.push("B") && pool.push("C"));
        assert!(!pool.push("B"), "a waiting code is not added twice");
        assert_eq!(pool.pop().as_deref(), Some("A"));
        assert!(!pool.contains("A") && pool.contains("B"));
        assert!(pool.push("A"), "a handed-out code is no longer in the pool");
        pool.reindex();
        assert!(pool.contains("A") && pool.contains("C"));
        let rest: Vec<String> = std::iter::from_fn(|| pool.pop()).collect();
        assert_eq!(rest, ["B", "C", "A"]);
        assert!(pool.is_empty());
    }
}
