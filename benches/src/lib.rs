//! wxpay-benches: criterion benches live in benches/.
