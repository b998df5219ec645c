//! wxpay-mock's integration tests: one binary (one link), a module per area.

mod admin;
mod api;
mod binary;
mod callbacks;
mod catalog;
mod certificates;
mod concurrency;
mod confirm;
mod console;
mod coupon_life;
mod durable;
mod faults;
mod guards;
mod interop;
mod lax_input;
mod media;
mod namespaces;
mod properties;
mod proxy;
mod robustness;
mod rules;
mod snapshots;
mod state;
