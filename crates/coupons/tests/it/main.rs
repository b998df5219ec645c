//! wxpay-coupons integration tests against the emulator over HTTP: one binary (link time
//! on 2 cores).

mod certificate_mode;
mod common;
mod family;
mod keys;
mod network;
mod resilience;
mod send;
mod tour;
