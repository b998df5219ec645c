//! Authentication of merchant requests (DESIGN.md §3.2 step 2): the Authorization header,
//! the merchant and its key, the time window, nonce replay and the signature. Parsing and
//! RSA verification are wxpay-signing's; this adds the server's state.

use std::hash::BuildHasher;

use parking_lot::Mutex;
use wxpay_models::ErrorRow;
use wxpay_signing::{Authorization, PublicKey, VerifyError, verify_request};

use crate::error::ApiError;

/// A service provider allowed to call.
#[derive(Debug)]
pub struct Merchant {
    /// Merchant id.
    pub mchid: String,
    /// Serial its requests must name.
    pub serial_no: String,
    /// Its public key.
    pub key: PublicKey,
    /// Brands that authorised it.
    pub brands: Vec<String>,
    /// AppIDs bound to it (empty = any).
    pub appids: Vec<String>,
    /// APIv3 key for callbacks.
    pub apiv3_key: Option<wxpay_signing::ApiV3Key>,
    /// Callback URL (also set through the notify-config API).
    pub notify_url: parking_lot::RwLock<Option<String>>,
}

/// Nonces seen recently, per merchant, as keyed 64-bit hashes in three generations of one
/// window each: a nonce is remembered for at least two windows, as long as a request with
/// it could still pass the timestamp check.
#[derive(Debug)]
pub(crate) struct NonceCache {
    window: i64,
    hasher: hashbrown::DefaultHashBuilder,
    inner: Mutex<Generations>,
}

#[derive(Debug, Default)]
struct Generations {
    started: i64,
    sets: [hashbrown::HashSet<u64>; 3],
}

impl NonceCache {
    pub(crate) fn new(window: i64) -> Self {
        Self {
            window: window.max(1),
            hasher: Default::default(),
            inner: Mutex::new(Generations::default()),
        }
    }

    fn key(&self, mchid: &str, nonce: &str) -> u64 {
        self.hasher.hash_one((mchid, nonce))
    }

    fn rotate(&self, g: &mut Generations, now: i64) {
        if now - g.started >= self.window {
            let steps = ((now - g.started) / self.window).min(3);
            for _ in 0..steps {
                g.sets.rotate_right(1);
                g.sets[0].clear();
            }
            g.started = now;
        }
    }

    pub(crate) fn seen(&self, mchid: &str, nonce: &str, now: i64) -> bool {
        let key = self.key(mchid, nonce);
        let mut g = self.inner.lock();
        self.rotate(&mut g, now);
        g.sets.iter().any(|s| s.contains(&key))
    }

    /// Records a nonce; `false` if it was already there (a concurrent replay).
    pub(crate) fn insert(&self, mchid: &str, nonce: &str, now: i64) -> bool {
        let key = self.key(mchid, nonce);
        let mut g = self.inner.lock();
        self.rotate(&mut g, now);
        if g.sets.iter().any(|s| s.contains(&key)) {
            return false;
        }
        g.sets[0].insert(key)
    }

    pub(crate) fn clear(&self) {
        *self.inner.lock() = Generations::default();
    }
}

fn sign_error(what: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorRow::SignError, what)
}

/// What a request presents to be authenticated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Presented<'a> {
    pub(crate) authorization: Option<&'a str>,
    pub(crate) method: &'a str,
    pub(crate) path_and_query: &'a str,
    pub(crate) body: &'a [u8],
}

/// Authenticates a request; returns the merchant. `now` is real time (the signature window
/// does not move with the business clock).
pub(crate) fn authenticate<'m>(
    merchants: &'m std::collections::HashMap<String, Merchant>,
    nonces: &NonceCache,
    skew: i64,
    p: Presented<'_>,
    now: i64,
) -> Result<&'m Merchant, ApiError> {
    let header = p.authorization.ok_or_else(|| {
        sign_error("missing Authorization header; sign the request (WECHATPAY2-SHA256-RSA2048)")
    })?;
    let auth = Authorization::parse(header)
        .map_err(|e| sign_error(format!("malformed Authorization: {e}")))?;
    let merchant = merchants.get(&auth.mchid).ok_or_else(|| {
        sign_error(format!(
            "unknown mchid {}: no such merchant is registered",
            auth.mchid
        ))
    })?;
    if !auth.serial_no.eq_ignore_ascii_case(&merchant.serial_no) {
        return Err(sign_error(format!(
            "serial_no {} is not the API certificate serial registered for mchid {} ({})",
            auth.serial_no, merchant.mchid, merchant.serial_no
        )));
    }
    let ts = auth.timestamp_secs().unwrap_or(0);
    if (now - ts).abs() > skew {
        return Err(sign_error(format!(
            "timestamp {ts} is {} s from the server's time {now} (allowed: {skew} s); check the clock",
            now - ts
        )));
    }
    if nonces.seen(&merchant.mchid, &auth.nonce_str, now) {
        return Err(sign_error(format!(
            "nonce_str {} was already used within the last {skew} s; use a fresh nonce for every request",
            auth.nonce_str
        )));
    }
    verify_request(&auth, &merchant.key, p.method, p.path_and_query, p.body, now, skew).map_err(|e| match e {
        VerifyError::BadBase64 => sign_error("signature is not valid base64"),
        VerifyError::BadSignature => sign_error(format!(
            "signature does not verify with the key of serial {}: sign exactly METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n \
             with URL = path and query as sent ({}) and BODY = the bytes sent",
            merchant.serial_no, p.path_and_query
        )),
        other => sign_error(other),
    })?;
    if !nonces.insert(&merchant.mchid, &auth.nonce_str, now) {
        return Err(sign_error(format!(
            "nonce_str {} was already used (concurrent replay)",
            auth.nonce_str
        )));
    }
    Ok(merchant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_remembered_for_two_windows() {
        let cache = NonceCache::new(300);
        assert!(cache.insert("m", "n1", 1000));
        assert!(!cache.insert("m", "n1", 1000));
        assert!(cache.seen("m", "n1", 1000 + 599));
        assert!(!cache.seen("m", "n2", 1000));
        assert!(!cache.seen("other", "n1", 1000));
        // Gone once no request with it could pass the window any more.
        assert!(!cache.seen("m", "n1", 1000 + 1300));
    }
}
