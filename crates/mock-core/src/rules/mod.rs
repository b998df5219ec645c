//! The rules of the two hottest operations, applied to the ledger under the world's owner:
//! sending a coupon (E20, steps 5–11) and confirming it (E22).

mod confirm;
mod send;

pub(crate) use confirm::ConfirmInput;
pub(crate) use send::{SendInput, Sent, validity};
