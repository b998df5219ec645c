//! wxpay-mock's integration tests: one binary (one link), a module per area.

mod admin;
mod api;
mod binary;
mod callbacks;
mod concurrency;
mod confirm;
mod console;
mod faults;
mod properties;
mod robustness;
