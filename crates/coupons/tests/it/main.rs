//! wxpay-coupons integration tests against the emulator over HTTP: one binary (link time
//! on 2 cores).

mod common;
mod errors;
mod exchange;
mod family;
mod client_metrics;
mod network;
mod resilience;
mod send;
mod tour;
