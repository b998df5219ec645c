//! wxpay-mock: a stateful emulator of WeChat Pay's product-coupon (商品券) API family, in
//! partner (服务商) and brand-direct (品牌直连) mode.
//!
//! WeChat Pay has no APIv3 sandbox. This emulator behaves like the real service closely
//! enough to test against: it verifies every request's signature (wxpay-signing), enforces
//! every business rule and error row of the API document in the documented order, keeps a
//! ledger of issued coupons with atomic limits and idempotent replays, signs every answer with
//! a platform key, limits each merchant to `rate_per_sec`, and injects faults on demand.
//! See `docs/emulator.md`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let server = wxpay_mock::Server::start(Arc::new(wxpay_mock::Emulator::dev()), "127.0.0.1:0".parse()?, Default::default()).await?;
//! println!("listening on {}", server.base_url());
//! # Ok(()) }
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod admin;
pub mod callbacks;
mod caller;
mod catalog;
pub mod certificates;
pub mod config;
mod confirm;
mod console;
pub mod cpu;
mod error;
pub mod faults;
pub mod fixtures;
mod http;
pub mod journal;
mod ledger;
mod media;
mod metrics;
mod ops;
pub mod persist;
mod pipeline;
mod requests;
mod router;
mod rules;
mod server;
mod state;
mod world;

pub use admin::MAX_PAGE;
pub use callbacks::DeliveryView;
pub use caller::Caller;
pub use config::{CallbackConfig, ConfigError, Limits, MockConfig};
pub use error::{ErrorAnswer, biz};
pub use faults::Faults;
pub use fixtures::Fixtures;
pub use journal::{JournalEntry, SignatureFailure};
pub use router::{Routed, route, served};
pub use server::{
    HEADER_READ_TIMEOUT, MAX_CONNECTIONS, MAX_HEAD_BYTES, Server, ServerOptions, tls_config,
};
pub use state::{Emulator, LedgerStats};
