//! Every operation's server-side decoding (`Decode::decode`, as the emulator runs it) on
//! arbitrary path parameters, query string and body.
//!
//! The first byte picks one of the 35 operations (the table comes from
//! `for_each_endpoint!`); the rest is one line per path parameter, a line of query string
//! (none if empty) and the body. Asserts, beyond "no panic":
//! - a refusal names at least one field;
//! - a request that decodes also passes `validate()`;
//! - it encodes (`encode`) in every mode the operation has, with a default brand, so a
//!   request the server accepts can always be sent;
//! - what is sent decodes back to the request that was encoded (its `brand_id` as the
//!   mode puts it).

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use wxpay_models::media::MAX_IMAGE_BYTES;
use wxpay_models::{BodyKind, BrandRule, Decode, Mode, RawRequest, Target, encode};

/// The brand a client would have as its default (partner) or own brand (brand mode).
const BRAND: &str = "120344";

macro_rules! table {
    ($($req:ty),* $(,)?) => {
        &[$(check::<$req> as fn(&[u8])),*]
    };
}

const OPERATIONS: &[fn(&[u8])] = wxpay_models::for_each_endpoint!(table);

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    OPERATIONS[usize::from(pick) % OPERATIONS.len()](rest);
});

/// Splits `data` into `lines` lines (lossy UTF-8, as a server's URI is text) and the rest.
fn lines(mut data: &[u8], lines: usize) -> (Vec<String>, &[u8]) {
    let mut out = Vec::with_capacity(lines);
    for _ in 0..lines {
        let end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        out.push(String::from_utf8_lossy(&data[..end]).into_owned());
        data = data.get(end + 1..).unwrap_or_default();
    }
    (out, data)
}

fn check<E: Decode + PartialEq + Debug>(data: &[u8]) {
    let op = E::OPERATION;
    let names: Vec<&'static str> = op.path_params().collect();
    let (text, body) = lines(data, names.len() + 1);
    let path: Vec<(&'static str, &str)> = names
        .iter()
        .copied()
        .zip(text.iter().map(String::as_str))
        .collect();
    let query = text.last().map(String::as_str).filter(|q| !q.is_empty());
    let request = match E::decode(&RawRequest {
        path: &path,
        query,
        body,
    }) {
        Ok(request) => request,
        Err(e) => {
            assert!(
                !e.errors().is_empty() && e.errors().iter().all(|f| !f.field.is_empty()),
                "{e:?}"
            );
            return;
        }
    };
    // An upload over 2 MB decodes (the server answers it with its own code), then fails here.
    if op.body == BodyKind::Multipart && body.len() > MAX_IMAGE_BYTES {
        return;
    }
    if let Err(e) = request.validate() {
        panic!(
            "{} decoded but does not validate: {e}\n{request:?}",
            op.name
        );
    }
    for mode in Mode::ALL.into_iter().filter(|m| op.supports(*m)) {
        let own = match mode {
            Mode::Brand => request
                .brand_id()
                .filter(|b| !b.is_empty())
                .unwrap_or(BRAND),
            _ => BRAND,
        };
        let wire = encode(
            &request,
            Target {
                mode,
                brand_id: Some(own),
            },
        )
        .unwrap_or_else(|e| {
            panic!(
                "{} decoded but cannot be sent in {mode} mode: {e}\n{request:?}",
                op.name
            )
        });
        // What encode sends: the request with the brand the mode's rule gives.
        let brand = match op.brand_rule(mode, request.brand_id(), Some(own)) {
            BrandRule::Brand(b) => Some(b.to_owned()),
            _ => None,
        };
        let mut sent = request.clone();
        if sent.brand_id() != brand.as_deref() {
            sent.set_brand_id(brand);
        }
        let (path, query) = match wire.path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (wire.path_and_query.as_str(), None),
        };
        let rest = Mode::split_path(path)
            .filter(|(m, _)| *m == mode)
            .map(|(_, rest)| rest);
        let params = rest.and_then(|rest| op.match_path(rest));
        let Some(params) = params else {
            panic!(
                "{} sent to {path:?}, which is not its path in {mode} mode",
                op.name
            );
        };
        match E::decode(&RawRequest {
            path: &params,
            query,
            body: &wire.body,
        }) {
            Ok(back) => assert_eq!(
                back, sent,
                "{} in {mode} mode: {}",
                op.name, wire.path_and_query
            ),
            Err(e) => panic!(
                "{} in {mode} mode: what is sent does not decode: {e}\n{} {}",
                op.name,
                wire.path_and_query,
                String::from_utf8_lossy(&wire.body)
            ),
        }
    }
}
