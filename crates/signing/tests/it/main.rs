//! wxpay-signing's integration tests: one binary (one link), a module per area.

mod hostile;
mod keys;
mod properties;
mod request_signer;
mod vectors;

/// A file under `tests/data/`, found from the crate directory cargo names at run time: a
/// target directory shared between checkouts may hold a binary compiled in another one.
pub(crate) fn data_path(rel: &str) -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || env!("CARGO_MANIFEST_DIR").into(),
            std::path::PathBuf::from,
        )
        .join("tests/data")
        .join(rel)
}
