//! Pre-sends waiting for the user's claim through the receive component: a coupon (E21) or a
//! bundle (E24), in one map by token. `POST /mock/pre-sends/{token}/claim` plays the claim.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use wxpay_models::SendUserProductCouponRequest;
use wxpay_models::user_coupon_bundle::PreSendUserProductCouponBundleRequest;

use crate::actor::ActorKey;

/// How long a pre-send token can be claimed (the receive component's five minutes).
pub(crate) const TOKEN_SECS: i64 = 300;

/// What a pre-send stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum PreSent {
    /// One coupon (E21): the send it stands for.
    Coupon(#[serde(with = "crate::json::request")] SendUserProductCouponRequest),
    /// A bundle (E24).
    Bundle(#[serde(with = "crate::json::request")] PreSendUserProductCouponBundleRequest),
}

/// What a claim issued: a coupon or a user bundle (ledger indexes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Claimed {
    Coupon(u32),
    Bundle(u32),
}

/// A pre-send: who made it, for which brand, when, and whether it was claimed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PreSend {
    pub(crate) caller: ActorKey,
    pub(crate) brand: String,
    pub(crate) sent: PreSent,
    /// Digest of the request (what the issued coupons record as their parameters).
    pub(crate) params: [u8; 16],
    pub(crate) created: i64,
    pub(crate) claimed: Option<Claimed>,
}

impl PreSend {
    /// The last business second it can be claimed.
    pub(crate) fn expires(&self) -> i64 {
        self.created.saturating_add(TOKEN_SECS)
    }
}

/// Pre-sends by token, and the counter of bundle tokens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct PreSends {
    by_token: HashMap<String, PreSend>,
    tokens_made: u64,
}

impl PreSends {
    /// A new bundle pre-send token.
    pub(crate) fn next_token(&mut self) -> String {
        self.tokens_made += 1;
        format!("mock-presend-token-{:016}", self.tokens_made)
    }

    pub(crate) fn insert(&mut self, token: String, pre: PreSend) {
        self.by_token.insert(token, pre);
    }

    pub(crate) fn get(&self, token: &str) -> Option<&PreSend> {
        self.by_token.get(token)
    }

    pub(crate) fn mark_claimed(&mut self, token: &str, claimed: Claimed) {
        if let Some(pre) = self.by_token.get_mut(token) {
            pre.claimed = Some(claimed);
        }
    }
}
