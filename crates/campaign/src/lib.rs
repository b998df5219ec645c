//! wxpay-campaign: issue a stock to a list of users — thousands to millions of openids —
//! exactly once, resumably, at the rate limit.
//!
//! - [`input`] reads the CSV and checks every row before anything is sent.
//! - [`journal`] keeps the campaign and every row's state: in one SQLite file (one worker), or
//!   in PostgreSQL, where any number of workers share a campaign and one rate budget.
//! - [`runner`] sends with bounded concurrency through a [`CouponClient`], records outcomes in
//!   batches, stops sending from a stock that answers NOT_ENOUGH, and stops gracefully.
//!
//! Exactly once: row `n` of campaign `C` is always sent as `send_request_no = C-000000n`, on
//! every retry and every resume, and WeChat Pay issues at most one coupon per request number
//! — a replay returns the coupon already issued. The journal records what is done so a resume
//! skips it, and what may have been sent (`in_flight`) so a resume sends it again, safely.
//!
//! [`CouponClient`]: wxpay_coupons::CouponClient

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod budget;
pub mod input;
pub mod journal;
mod lines;
pub mod receiver;
pub mod runner;

pub use input::{Defaults, InputError, Row};
pub use journal::{
    CampaignMeta, Confirmation, Counts, ExportRow, Journal, JournalError, Location, Outcome,
    PgJournal, PgOptions, PgTarget, SqliteJournal, State, WorkerInfo, confirm_request_no,
};
pub use runner::{Progress, Report, RunError, RunOptions, Silent, client_for, run};

/// A fresh campaign id: `C` and 11 random characters of `[0-9A-Za-z]`.
pub fn new_campaign_id() -> Result<String, wxpay_signing::SignError> {
    Ok(format!("C{}", &wxpay_signing::new_nonce()?[..11]))
}
