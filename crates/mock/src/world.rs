//! [`World`]: the state the API reads and changes under one lock, so that every check and
//! its update are atomic — the catalogue and coupons ([`Ledger`]) and the records of keyed
//! requests ([`Requests`]).

use std::collections::{BTreeSet, HashMap};

use crate::catalog::Catalog;
use crate::config::ConfigError;
use crate::fixtures::Fixtures;
use crate::ledger::Ledger;
use crate::requests::Requests;

/// Everything the operations act on.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) ledger: Ledger,
    pub(crate) requests: Requests,
    /// Stores associated with each stock (by stock index), for SPECIFIC store scopes.
    pub(crate) stores: HashMap<u32, BTreeSet<String>>,
    /// Product coupon ownership, stock bundles, users' bundles, pre-sends, id counters.
    pub(crate) catalog: Catalog,
}

impl World {
    /// The state the fixtures describe.
    pub(crate) fn from_fixtures(fixtures: &Fixtures) -> Self {
        let mut ledger = Ledger::default();
        for product in &fixtures.product_coupons {
            ledger.add_product(product.clone());
        }
        for stock in &fixtures.stocks {
            let _ = ledger.add_stock(stock.clone());
        }
        for (id, codes) in &fixtures.uploaded_codes {
            if let Some(stock) = ledger.stock(id) {
                ledger.upload_codes(stock, codes.clone());
            }
        }
        Self {
            ledger,
            ..Self::default()
        }
    }

    /// Loading fixtures reports what it skipped; a config with bad fixtures is an error.
    pub(crate) fn check_fixtures(&self, fixtures: &Fixtures) -> Result<(), ConfigError> {
        let ledger = &self.ledger;
        for stock in &fixtures.stocks {
            if ledger.stock(&stock.stock_id).is_none() {
                return Err(ConfigError::invalid(
                    "fixtures_file",
                    format!(
                        "stock {} is a duplicate or belongs to an unknown product coupon {}",
                        stock.stock_id, stock.product_coupon_id
                    ),
                ));
            }
        }
        if ledger.products.len() != fixtures.product_coupons.len() {
            return Err(ConfigError::invalid(
                "fixtures_file",
                "duplicate product_coupon_id",
            ));
        }
        for id in fixtures.uploaded_codes.keys() {
            if ledger.stock(id).is_none() {
                return Err(ConfigError::invalid(
                    "fixtures_file",
                    format!("uploaded_codes for unknown stock {id}"),
                ));
            }
        }
        Ok(())
    }
}
