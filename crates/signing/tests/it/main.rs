//! wxpay-signing's integration tests: one binary (one link), a module per area.

mod keys;
mod properties;
mod vectors;
