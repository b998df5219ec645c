//! wxpay-loadtest: drives coupon issuance against wxpay-mock with goose at the 1000/s rate
//! limit and judges the run (docs/contracts.md §6, docs/loadtest.md).
//!
//! By default the requests are signed before the measured window, in parallel on all cores
//! (each still unique and validly signed, its timestamp the second it is due), because on a
//! 2-core machine both parties signing inline cannot reach 1000/s: each RSA-2048 signature
//! costs ≈ 0.75 ms of a core. `--sign-inline` signs while sending, as a production client
//! does. Pacing is our own slot schedule (request `i` is due at start + i / rate), not goose's
//! throttle, and the achieved rate is measured from the answers.
//!
//! ```no_run
//! use clap::Parser;
//! let options = wxpay_loadtest::Options::parse_from(["wxpay-loadtest", "--rate", "200", "--run-time", "5s"]);
//! let summary = wxpay_loadtest::run(&options)?;
//! println!("{}", summary.render());
//! # Ok::<(), String>(())
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod lifecycle;
pub mod options;
pub mod plan;
pub mod report;
mod run;
pub mod scenario;
pub mod stats;

pub use options::{Options, Scenario};
pub use report::{FinalStates, Summary};
pub use run::{RETRY_FAULTS, run};
