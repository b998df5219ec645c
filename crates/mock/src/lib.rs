//! wxpay-mock: a stateful emulator of WeChat Pay's product-coupon (商品券) API family, in
//! partner (服务商) and brand-direct (品牌直连) mode.
//!
//! WeChat Pay has no APIv3 sandbox. This emulator behaves like the real service closely
//! enough to test against: it verifies every request's signature (wxpay-signing), enforces
//! every business rule and error row of the API document in the documented order, keeps a
//! ledger of issued coupons with atomic limits and idempotent replays, signs every answer with
//! a platform key, limits each merchant to `rate_per_sec`, injects faults on demand, and with
//! `--state` never forgets what it answered. See `docs/emulator.md`.
//!
//! The rules live in `wxpay-mock-core` (a pure world); this crate is the shell around it, in
//! layers that import downwards only: `service` (the world's owner: authentication, limits,
//! faults, metrics, journal, the one commit step), `io` (callback delivery, the media clock,
//! the state file) and `http` (server, routes, admin API, console).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let server = wxpay_mock::Server::start(Arc::new(wxpay_mock::Emulator::dev()), "127.0.0.1:0".parse()?, Default::default()).await?;
//! println!("listening on {}", server.base_url());
//! # Ok(()) }
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod ca;
pub mod config;
pub mod cpu;
mod http;
mod io;
mod service;
mod tls;

/// The product coupons, stocks and uploaded codes an emulator starts with.
pub mod fixtures {
    pub use wxpay_mock_core::fixtures::*;
}

/// The HTTPS proxy that impersonates WeChat Pay (`--ca-dir`, docs/sandbox.md).
pub mod proxy {
    pub use crate::ca::{API_HOSTS, CA_FILE, CA_KEY_FILE, check_sni};
    pub use crate::http::proxy::{API_PORT, ConnectRefusal, parse_connect_target};
}

/// The dev state's keys (`crates/mock/dev-keys`, public: TEST ONLY), as PEM text, for
/// clients of the dev state and for examples. Never configure them where money moves.
///
/// ```
/// let key = wxpay_signing::PrivateKey::from_pem(wxpay_mock::dev_keys::MERCHANT_KEY.as_bytes())?;
/// let public = wxpay_signing::PublicKey::from_pem(wxpay_mock::dev_keys::PLATFORM_PUB.as_bytes())?;
/// # Ok::<(), wxpay_signing::KeyError>(())
/// ```
pub mod dev_keys {
    /// The dev merchant's (and dev brand's) private key, PKCS#8.
    pub const MERCHANT_KEY: &str = include_str!("../dev-keys/merchant_key.pem");
    /// Its public key (SPKI).
    pub const MERCHANT_PUB: &str = include_str!("../dev-keys/merchant_pub.pem");
    /// The platform ("WeChat Pay") private key answers and callbacks are signed with.
    pub const PLATFORM_KEY: &str = include_str!("../dev-keys/platform_key.pem");
    /// The platform public key clients verify with (`PUB_KEY_ID_0119000000012025112900000000000001`).
    pub const PLATFORM_PUB: &str = include_str!("../dev-keys/platform_pub.pem");
}

/// Faults injected on demand.
pub mod faults {
    pub use crate::service::faults::Faults;
    pub use crate::service::rules::{MAX_RULES, MAX_TIMES};
}

/// The request journal.
pub mod journal {
    pub use crate::service::journal::{CAPACITY, JournalEntry, SignatureFailure};
}

pub use ca::{CaError, SandboxCa};
pub use config::{CallbackConfig, ConfigError, Limits, MockConfig};
pub use fixtures::Fixtures;
pub use http::admin::MAX_PAGE;
pub use http::router::{Routed, route, served};
pub use http::server::{
    HEADER_READ_TIMEOUT, MAX_CONNECTIONS, MAX_HEAD_BYTES, Server, ServerOptions,
};
pub use io::state::StateError;
pub use journal::{JournalEntry, SignatureFailure};
pub use service::caller::Caller;
pub use service::deliveries::DeliveryView;
pub use service::faults::Faults;
pub use service::namespaces::MAX_NAMESPACES;
#[doc(hidden)]
pub use service::rules::BenchRules;
pub use service::snapshots::SnapshotInfo;
pub use service::{Emulator, LedgerStats};
pub use tls::tls_config;
pub use wxpay_mock_core::ErrorAnswer;
