//! Who calls, and authentication (step 2): the Authorization header in either scheme, the
//! caller and its key, the time window, nonce replay and the signature. Parsing and RSA
//! verification are wxpay-signing's; this adds the server's state, and records why a
//! signature failed in words a person can act on (the console shows them).

use std::collections::HashMap;
use std::hash::BuildHasher;

use parking_lot::Mutex;
use wxpay_mock_core::{Actor, ErrorAnswer};
use wxpay_models::Mode;
use wxpay_signing::{Authorization, Principal, PublicKey, VerifyError, message, verify_request};

/// A caller of the API as the emulator knows it: its identity in the world ([`Actor`]), the
/// API certificate serial and public key its requests are verified with, and its APIv3 key
/// (callbacks are encrypted with it).
#[derive(Debug)]
pub struct Caller {
    pub(crate) actor: Actor,
    /// The id again, owned: what rate limiters are keyed by.
    pub(crate) id: String,
    /// The namespace whose world it acts on ("" for the configured world).
    pub(crate) space: String,
    pub(crate) serial_no: String,
    pub(crate) key: PublicKey,
    pub(crate) apiv3_key: Option<wxpay_signing::ApiV3Key>,
    /// The `Wechatpay-Serial` of its last authenticated request (`Some(None)`: it sent
    /// none); `None` before its first. Its callbacks are signed as that request was answered.
    named: Mutex<Option<Option<String>>>,
}

impl Caller {
    /// A caller of `mode` with `id`, verified with `key` under `serial_no`.
    pub(crate) fn new(
        mode: Mode,
        id: &str,
        serial_no: &str,
        key: PublicKey,
        brands: Vec<String>,
        appids: Vec<String>,
        apiv3_key: Option<wxpay_signing::ApiV3Key>,
    ) -> Self {
        Self {
            actor: Actor::new(mode, id, brands, appids, apiv3_key.is_some()),
            id: id.to_owned(),
            space: String::new(),
            serial_no: serial_no.to_owned(),
            key,
            apiv3_key,
            named: Mutex::new(None),
        }
    }

    /// Remembers the `Wechatpay-Serial` (or its absence) of an authenticated request.
    pub(crate) fn note_serial(&self, serial: Option<&str>) {
        let mut named = self.named.lock();
        // Most requests repeat the last one's header: no allocation then.
        if named.as_ref().map(Option::as_deref) != Some(serial) {
            *named = Some(serial.map(str::to_owned));
        }
    }

    /// The `Wechatpay-Serial` of its last request (`Some(None)`: none); `None` before its
    /// first request since start-up.
    pub(crate) fn last_serial(&self) -> Option<Option<String>> {
        self.named.lock().clone()
    }

    /// Partner or brand.
    pub fn mode(&self) -> Mode {
        self.actor.mode()
    }

    /// The mchid (partner) or brand_id (brand).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The brands it may act for (a brand: itself).
    pub fn brands(&self) -> &[String] {
        self.actor.brands()
    }

    /// AppIDs bound to it (empty = any).
    pub fn appids(&self) -> &[String] {
        self.actor.appids()
    }

    /// Its identity in the world.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// `mchid 1900000001` or `brand 120344`, for messages.
    pub(crate) fn label(&self) -> String {
        self.actor.label()
    }
}

/// The callers, by mode and id.
pub(crate) type Callers = HashMap<(Mode, String), std::sync::Arc<Caller>>;

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

/// Why authentication failed: the answer, a short reason, and for a bad signature the exact
/// message the emulator verified against.
#[derive(Debug, Clone)]
pub(crate) struct AuthFailure {
    pub(crate) answer: ErrorAnswer,
    pub(crate) reason: &'static str,
    pub(crate) expected: Option<String>,
    pub(crate) presented: Option<String>,
}

fn fail(reason: &'static str, what: impl std::fmt::Display) -> Box<AuthFailure> {
    Box::new(AuthFailure {
        answer: ErrorAnswer::sign(what),
        reason,
        expected: None,
        presented: None,
    })
}

/// What a request presents to be authenticated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Presented<'a> {
    pub(crate) mode: Mode,
    pub(crate) authorization: Option<&'a str>,
    pub(crate) method: &'a str,
    pub(crate) path_and_query: &'a str,
    /// The signed body line (the body, or a multipart upload's `meta`).
    pub(crate) body: &'a [u8],
}

/// Authenticates a request; returns the caller. `now` is real time (the signature window
/// does not move with the business clock).
pub(crate) fn authenticate<'c>(
    callers: &'c Callers,
    nonces: &NonceCache,
    skew: i64,
    p: Presented<'_>,
    now: i64,
) -> Result<&'c std::sync::Arc<Caller>, Box<AuthFailure>> {
    let scheme = match p.mode {
        Mode::Brand => wxpay_signing::authorization::BRAND_SCHEME,
        _ => wxpay_signing::authorization::SCHEME,
    };
    let header = p.authorization.ok_or_else(|| {
        fail(
            "missing Authorization",
            format!("missing Authorization header; sign the request ({scheme})"),
        )
    })?;
    let presented = elide_signature(header);
    let auth = Authorization::parse(header).map_err(|e| {
        fail(
            "malformed Authorization",
            format!("malformed Authorization: {e}"),
        )
    })?;
    let (id, wanted) = match (&auth.principal, p.mode) {
        (Principal::Merchant(id), Mode::Partner) | (Principal::Brand(id), Mode::Brand) => {
            (id, p.mode)
        }
        (principal, mode) => {
            return Err(fail(
                "wrong scheme",
                format!(
                    "{} is signed {} ({principal}); {mode}-mode paths ({}…) need {scheme}",
                    p.path_and_query,
                    principal.scheme(),
                    mode.prefix()
                ),
            ));
        }
    };
    let caller = callers.get(&(wanted, id.clone())).ok_or_else(|| {
        fail(
            "unknown caller",
            format!(
                "unknown {} {id}: no such {} is registered",
                auth.principal.field(),
                wanted_noun(wanted)
            ),
        )
    })?;
    if !auth.serial_no.eq_ignore_ascii_case(&caller.serial_no) {
        return Err(fail(
            "unknown serial",
            format!(
                "serial_no {} is not the API certificate serial registered for {} ({})",
                auth.serial_no,
                caller.label(),
                caller.serial_no
            ),
        ));
    }
    let ts = auth.timestamp_secs().unwrap_or(0);
    if (now - ts).abs() > skew {
        return Err(fail(
            "stale timestamp",
            format!(
                "timestamp {ts} is {} s from the server's time {now} (allowed: {skew} s); check the clock",
                now - ts
            ),
        ));
    }
    if nonces.seen(caller.id(), &auth.nonce_str, now) {
        return Err(fail(
            "replayed nonce",
            format!(
                "nonce_str {} was already used within the last {skew} s; use a fresh nonce for every request",
                auth.nonce_str
            ),
        ));
    }
    verify_request(&auth, &caller.key, p.method, p.path_and_query, p.body, now, skew).map_err(|e| {
        let expected = message::request(p.method, p.path_and_query, &auth.timestamp, &auth.nonce_str, p.body);
        let mut failure = match e {
            VerifyError::BadBase64 => fail("signature not base64", "signature is not valid base64"),
            VerifyError::BadSignature => fail(
                "wrong key or other bytes signed",
                format!(
                    "signature does not verify with the key of serial {}: sign exactly METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n \
                     with URL = path and query as sent ({}) and BODY = the bytes sent",
                    caller.serial_no, p.path_and_query
                ),
            ),
            other => fail("signature", other),
        };
        failure.expected = Some(String::from_utf8_lossy(&expected).into_owned());
        failure.presented = Some(presented.clone());
        failure
    })?;
    if !nonces.insert(caller.id(), &auth.nonce_str, now) {
        return Err(fail(
            "replayed nonce",
            format!(
                "nonce_str {} was already used (concurrent replay)",
                auth.nonce_str
            ),
        ));
    }
    Ok(caller)
}

/// The Authorization header with only its signature's value elided (`signature="…"`), so
/// that the journal shows every other field as presented.
pub(crate) fn elide_signature(header: &str) -> String {
    let Some(at) = header.find("signature=") else {
        return header.to_owned();
    };
    let value = at + "signature=".len();
    let rest = &header[value..];
    let end = match rest.strip_prefix('"') {
        Some(quoted) => quoted.find('"').map_or(header.len(), |n| value + n + 2),
        None => rest.find(',').map_or(header.len(), |n| value + n),
    };
    format!("{}\"…\"{}", &header[..value], &header[end..])
}

fn wanted_noun(mode: Mode) -> &'static str {
    match mode {
        Mode::Brand => "brand",
        _ => "merchant",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_signature_value_is_elided() {
        assert_eq!(
            elide_signature(
                r#"WECHATPAY2-SHA256-RSA2048 mchid="1",signature="c2ln",timestamp="9",serial_no="S""#
            ),
            r#"WECHATPAY2-SHA256-RSA2048 mchid="1",signature="…",timestamp="9",serial_no="S""#
        );
        assert_eq!(
            elide_signature("X signature=abc,nonce_str=n"),
            r#"X signature="…",nonce_str=n"#
        );
        assert_eq!(
            elide_signature(r#"X signature="unterminated"#),
            r#"X signature="…""#
        );
        assert_eq!(elide_signature("X mchid=1"), "X mchid=1");
    }

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
