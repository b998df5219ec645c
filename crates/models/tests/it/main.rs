//! wxpay-models integration tests: one binary (link time on 2 cores).

mod conformance;
mod fuzz_found;
mod properties;
mod samples;
mod validation;

/// A file under `tests/data/`.
pub(crate) fn data(name: &str) -> String {
    let path = data_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A path under `tests/data/`, from the crate directory cargo names at run time: a target
/// directory shared between checkouts may hold a binary compiled in another one.
pub(crate) fn data_path(rel: &str) -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || env!("CARGO_MANIFEST_DIR").into(),
            std::path::PathBuf::from,
        )
        .join("tests/data")
        .join(rel)
}
