//! wxpay-coupons integration tests against the emulator over HTTP: one binary (link time
//! on 2 cores).

mod callbacks;
mod certificate_mode;
mod client_metrics;
mod common;
mod errors;
mod example;
mod exchange;
mod family;
mod keys;
mod network;
mod resilience;
mod send;
mod tour;
