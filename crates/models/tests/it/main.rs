//! wxpay-models integration tests: one binary (link time on 2 cores).

mod conformance;
mod properties;
mod samples;
mod validation;

/// A file under `tests/data/`.
pub(crate) fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
