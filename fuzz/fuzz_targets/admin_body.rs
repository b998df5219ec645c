//! The admin API's bodies (`Emulator::admin_call`, what the server runs once a `/mock/` body
//! is read) on arbitrary input.
//!
//! The first byte picks the route; for a route with a path parameter the rest is that
//! segment, a line break, then the body, else the rest is the body. Asserts, beyond "no
//! panic": no 5xx (none of these routes documents one without a state file), every answer
//! JSON (`{"error"}` on a refusal), and `GET /mock/health` answers 200 every 256 runs and
//! after each namespace is made.
//!
//! Bounds: `POST /mock/namespaces` makes an RSA key, so only the first 5 bodies that could
//! make one (a JSON object with a `mode`) are sent. Saved snapshots are deleted once there
//! are more than 16, and the emulator is replaced every 4096 runs, so memory stays flat.

#![no_main]

use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokio::runtime::Runtime;
use wxpay_mock::Emulator;

/// (method, path before the parameter, path after it); no parameter when both are one.
const ROUTES: &[(&str, &str, Option<&str>)] = &[
    ("POST", "/mock/product-coupons", None),
    ("POST", "/mock/stocks", None),
    ("POST", "/mock/stocks/", Some("/codes")),
    ("PUT", "/mock/faults", None),
    ("POST", "/mock/faults/rules", None),
    ("POST", "/mock/namespaces", None),
    ("PUT", "/mock/clock", None),
    ("POST", "/mock/snapshots", None),
    ("POST", "/mock/snapshots/", Some("/restore")),
    ("POST", "/mock/pre-sends/", Some("/claim")),
];

const NAMESPACES: u32 = 5;
const HEALTH_EVERY: u64 = 256;
const FRESH_EVERY: u64 = 4096;
const MAX_SNAPSHOTS: u64 = 16;

struct State {
    emulator: Emulator,
    runs: u64,
    namespaces: u32,
}

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn state() -> &'static Mutex<State> {
    static S: OnceLock<Mutex<State>> = OnceLock::new();
    S.get_or_init(|| {
        Mutex::new(State {
            emulator: Emulator::dev(),
            runs: 0,
            namespaces: 0,
        })
    })
}

fn call(emulator: &Emulator, method: &str, uri: &str, body: &[u8]) -> Option<(u16, Value)> {
    let request = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Bytes::copy_from_slice(body))
        .ok()?;
    let response = runtime().block_on(emulator.admin_call(request));
    let status = response.status().as_u16();
    let json: Value = serde_json::from_slice(response.body()).unwrap_or_else(|e| {
        panic!(
            "{method} {uri}: {status} answered with no JSON ({e}): {:?}",
            response.body()
        )
    });
    Some((status, json))
}

fn healthy(emulator: &Emulator) {
    assert_eq!(
        call(emulator, "GET", "/mock/health", b"").map(|(s, _)| s),
        Some(200),
        "GET /mock/health"
    );
}

/// A body `POST /mock/namespaces` might make a namespace (and an RSA key) with.
fn makes_namespace(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, Value>>(body)
        .is_ok_and(|o| o.contains_key("mode"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (method, before, after) = ROUTES[usize::from(pick) % ROUTES.len()];
    let (uri, body) = match after {
        None => (before.to_owned(), rest),
        Some(after) => {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let segment = String::from_utf8_lossy(&rest[..end]);
            (
                format!("{before}{segment}{after}"),
                rest.get(end + 1..).unwrap_or_default(),
            )
        }
    };
    let mut state = state().lock().unwrap_or_else(|e| e.into_inner());
    let namespace = before == "/mock/namespaces" && makes_namespace(body);
    if namespace {
        if state.namespaces >= NAMESPACES {
            return;
        }
        state.namespaces += 1;
    }
    state.runs += 1;
    let Some((status, answer)) = call(&state.emulator, method, &uri, body) else {
        return; // not a valid URI: no server would see it
    };
    assert!(
        status < 500,
        "{method} {uri} {:?}: {status} {answer}",
        String::from_utf8_lossy(body)
    );
    if status >= 400 {
        assert!(
            answer["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{status} {answer}"
        );
    }
    if namespace || state.runs % HEALTH_EVERY == 0 {
        healthy(&state.emulator);
    }
    if before == "/mock/snapshots" && status == 201 {
        let listed = call(&state.emulator, "GET", "/mock/snapshots", b"").expect("list");
        if listed.1["total_count"].as_u64().unwrap_or(0) > MAX_SNAPSHOTS {
            for name in listed.1["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["name"].as_str())
            {
                let deleted = call(
                    &state.emulator,
                    "DELETE",
                    &format!("/mock/snapshots/{name}"),
                    b"",
                );
                assert_eq!(deleted.map(|(s, _)| s), Some(200), "DELETE snapshot {name}");
            }
        }
    }
    if state.runs % FRESH_EVERY == 0 {
        healthy(&state.emulator);
        state.emulator = Emulator::dev();
    }
});
