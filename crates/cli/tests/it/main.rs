//! The `wxpay` binary end to end: one test binary (link time on 2 cores).

mod call;
mod campaign;
mod certificates;
mod hostile;
mod notify;
mod send;
mod sign_verify;
