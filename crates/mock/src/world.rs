//! [`World`]: the state the API reads and changes under one lock, so that every check and
//! its update are atomic — the catalogue and coupons ([`Ledger`]) and the records of keyed
//! requests ([`Requests`]).

use std::collections::{BTreeSet, HashMap};

use crate::catalog::Catalog;
use crate::config::ConfigError;
use crate::fixtures::Fixtures;
use crate::ledger::Ledger;
use crate::media::Media;
use crate::persist::Entry;
use crate::requests::Requests;

/// Everything the operations act on.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) ledger: Ledger,
    pub(crate) requests: Requests,
    /// Stores associated with each stock (by stock index), for SPECIFIC store scopes.
    pub(crate) stores: HashMap<u32, BTreeSet<String>>,
    /// Pre-sent coupons waiting for the user's claim, by token.
    pub(crate) pre_sends: HashMap<String, PreSend>,
    /// Whether changes are logged (`--state`), what is waiting to be written, and whether
    /// the file must first be emptied (a reset).
    pub(crate) logging: bool,
    pub(crate) log: Vec<Entry>,
    pub(crate) log_reset: bool,
    /// Callback ids: this world's salt (logged, so a replay gives the same ids) and count.
    pub(crate) event_salt: u64,
    pub(crate) events: u64,
    /// Uploaded and generated pictures, image-generation tasks.
    pub(crate) media: Media,
    /// Product coupon ownership, stock bundles, users' bundles, pre-sends, id counters.
    pub(crate) catalog: Catalog,
}

/// A pre-send (E21): the send it stands for, who made it, until when it can be claimed.
#[derive(Debug, Clone)]
pub(crate) struct PreSend {
    pub(crate) caller: (wxpay_models::Mode, String),
    pub(crate) request: wxpay_models::SendUserProductCouponRequest,
    pub(crate) expires: i64,
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
            event_salt: fastrand::u64(..),
            ..Self::default()
        }
    }

    /// The id of the next callback: stable across a replay, distinct across resets.
    pub(crate) fn next_event_id(&mut self) -> String {
        self.events += 1;
        format!("{:016x}{:016x}", self.event_salt, self.events)
    }

    /// Logs a change when `--state` is on.
    pub(crate) fn log(&mut self, entry: impl FnOnce() -> Entry) {
        if self.logging {
            self.log.push(entry());
        }
    }

    /// Logs the end of a callback delivery.
    pub(crate) fn log_delivery(&mut self, id: String, delivered: bool) {
        self.log(|| Entry::Delivery { id, delivered });
    }

    /// The id of the user coupon bundle coupon `i` belongs to, if any.
    pub(crate) fn user_bundle_id_of(&self, i: u32) -> Option<&str> {
        let (bundle, _round) = self.ledger.life(i)?.bundle?;
        Some(&self.ledger.bundles.get(bundle as usize)?.id)
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
