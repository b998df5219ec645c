//! What the journal holds: the campaign, row states, outcomes, counts, exported rows.

use serde::{Deserialize, Serialize};

use crate::input::Defaults;

/// What a campaign is: written once, when the journal is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignMeta {
    /// Makes the request numbers: `{campaign_id}-{row:08}`.
    pub campaign_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The CSV it was made from.
    pub input_file: String,
    /// SHA-256 of the CSV (hex), to recognise it again.
    pub input_sha256: String,
    /// The client config to resume with.
    pub config_file: Option<String>,
    /// `--generate-codes` prefix.
    pub generate_codes: Option<String>,
    /// Campaign-wide defaults.
    pub defaults: Defaults,
    /// Whether each issued coupon is also confirmed.
    pub confirm: bool,
}

/// A row's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not sent yet (or put back: a stopped stock, an interrupted run).
    Pending,
    /// Claimed by a run; may have been sent.
    InFlight,
    /// Issued; the coupon code is recorded.
    Issued,
    /// Failed; retryable failures are sent again on resume.
    Failed,
}

impl State {
    /// The name stored in the journal and shown in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::InFlight => "in_flight",
            State::Issued => "issued",
            State::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => State::Pending,
            "in_flight" => State::InFlight,
            "issued" => State::Issued,
            "failed" => State::Failed,
            _ => return None,
        })
    }
}

/// How a confirm ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Confirmed; the coupon is now in this state (EFFECTIVE, or PENDING until valid).
    Confirmed {
        /// `coupon_state` after the confirm.
        coupon_state: String,
    },
    /// Not confirmed.
    Failed {
        /// Why.
        message: String,
        /// Whether a resume tries again.
        retryable: bool,
    },
}

/// How one send (or confirm) ended, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Issued with this code (and confirmed right after, in a confirming campaign).
    Issued {
        /// The coupon's code.
        coupon_code: String,
        /// Request-ID of the answer.
        request_id: Option<String>,
        /// The confirm's outcome, when the campaign confirms.
        confirmation: Option<Confirmation>,
    },
    /// A confirm of a row issued earlier.
    Confirmed(Confirmation),
    /// Failed.
    Failed {
        /// Error code (API code, or `TRANSPORT`, `UNVERIFIED`…).
        code: String,
        /// Message.
        message: String,
        /// Whether a resume sends it again.
        retryable: bool,
        /// Request-ID of the answer, if any.
        request_id: Option<String>,
    },
    /// Put back to pending (its stock stopped, or the run stopped first).
    Pending {
        /// Why, kept for `status` and `export`.
        reason: Option<(String, String)>,
    },
}

/// Rows by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// All rows.
    pub total: u64,
    /// Issued.
    pub issued: u64,
    /// Failed for good.
    pub failed: u64,
    /// Failed, sent again on resume.
    pub retryable: u64,
    /// Not sent yet.
    pub pending: u64,
    /// Claimed by a run that has not recorded them.
    pub in_flight: u64,
    /// Issued and confirmed (confirming campaigns).
    pub confirmed: u64,
    /// Issued, confirm failed for good.
    pub confirm_failed: u64,
}

impl Counts {
    /// Moves one row to where `outcome` puts it (a pending row, or an issued one for confirms).
    pub fn apply(&mut self, outcome: &Outcome) {
        let confirmation = match outcome {
            Outcome::Issued { confirmation, .. } => confirmation.as_ref(),
            Outcome::Confirmed(c) => Some(c),
            _ => None,
        };
        match confirmation {
            Some(Confirmation::Confirmed { .. }) => self.confirmed += 1,
            Some(Confirmation::Failed {
                retryable: false, ..
            }) => self.confirm_failed += 1,
            _ => {}
        }
        let target = match outcome {
            Outcome::Confirmed(_) => return,
            Outcome::Issued { .. } => &mut self.issued,
            Outcome::Failed {
                retryable: true, ..
            } => &mut self.retryable,
            Outcome::Failed {
                retryable: false, ..
            } => &mut self.failed,
            Outcome::Pending { .. } => return,
        };
        *target += 1;
        self.pending = self.pending.saturating_sub(1);
    }
}

/// One row as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    /// Position among the data rows.
    pub row: u64,
    /// Line of the input.
    pub line: u64,
    /// The user.
    pub openid: String,
    /// Stock.
    pub stock_id: String,
    /// The request number.
    pub send_request_no: String,
    /// State.
    pub state: State,
    /// The issued coupon's code.
    pub coupon_code: Option<String>,
    /// Error code of the last failure.
    pub error_code: Option<String>,
    /// Its message.
    pub error_message: Option<String>,
    /// Whether a resume will send it again.
    pub retryable: bool,
    /// Request-ID of the last answer.
    pub request_id: Option<String>,
    /// Claims so far.
    pub attempts: u64,
    /// `coupon_state` after the confirm (confirming campaigns).
    pub coupon_state: Option<String>,
    /// The confirm's request number, once confirmed.
    pub confirm_request_no: Option<String>,
    /// Why the confirm failed.
    pub confirm_error: Option<String>,
}
