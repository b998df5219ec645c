//! The top of the emulator: `/mock/…` goes to the admin API and console; anything else is
//! looked up in the route table (one entry per operation and mode, built from the
//! operations' own method and path), checked (step 1), run through the pipeline, signed,
//! counted and journaled.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{Request, Response};
use http_body_util::Full;
use wxpay_models::{Endpoint, Mode, Operation, WxTime};
use wxpay_signing::header;

use wxpay_mock_core::ErrorAnswer;

use crate::http::wire::{Body, Dropped, body_limit, check_http, read_body, signed, too_big};
use crate::service::Emulator;
use crate::service::certificates;
use crate::service::journal::{JournalEntry, SignatureFailure};
use crate::service::pipeline::{Incoming, Outcome, run};
use crate::service::space::{Settle, Space};

/// One operation in one mode.
struct Route {
    op: &'static Operation,
    run: fn(&Emulator, &Incoming<'_>) -> (Outcome, Settle),
}

/// Every route, and a matcher per (mode, method) from path suffix to route.
struct Table {
    routes: Vec<Route>,
    matchers: HashMap<(Mode, &'static str), matchit::Router<usize>>,
}

macro_rules! routes {
    ($($ty:ty),* $(,)?) => {
        vec![$(Route { op: <$ty as Endpoint>::OPERATION, run: run::<$ty> }),*]
    };
}

/// Built from the one list of the family: a request type without its
/// [`wxpay_mock_core::Handle`] does not compile.
static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let routes: Vec<Route> = wxpay_models::for_each_endpoint!(routes);
    let mut matchers: HashMap<(Mode, &'static str), matchit::Router<usize>> = HashMap::new();
    for (index, route) in routes.iter().enumerate() {
        for mode in Mode::ALL {
            if !route.op.supports(mode) {
                continue;
            }
            let matcher = matchers
                .entry((mode, route.op.method.as_str()))
                .or_default();
            // The table is compiled in: a conflict is a build defect, caught by the tests.
            if let Err(e) = matcher.insert(route.op.path, index) {
                tracing::error!("route {} {}: {e}", route.op.method, route.op.path);
            }
        }
    }
    Table { routes, matchers }
});

/// A matched route: the operation, its mode and raw path parameters.
pub(crate) struct Matched<'p> {
    route: &'static Route,
    mode: Mode,
    params: Vec<(&'static str, &'p str)>,
}

/// Finds the operation for a method and path.
pub(crate) fn lookup<'p>(method: &str, path: &'p str) -> Option<Matched<'p>> {
    let (mode, rest) = Mode::split_path(path)?;
    let table = &*TABLE;
    let matcher = table.matchers.get(&(mode, method))?;
    let found = matcher.at(rest).ok()?;
    let route = table.routes.get(*found.value)?;
    // matchit yields parameters in path order, as the operation names them.
    let params = route
        .op
        .path_params()
        .zip(found.params.iter())
        .map(|(name, (_, value))| (name, value))
        .collect();
    Some(Matched {
        route,
        mode,
        params,
    })
}

/// A routed request: the mode, the operation, its raw path parameters by name.
pub type Routed<'p> = (Mode, &'static Operation, Vec<(&'static str, &'p str)>);

/// The operation and mode that serve `method` `path` (no query), with its raw path
/// parameters; `None` for a path no operation has (the emulator answers 404).
///
/// ```
/// let (mode, op, params) = wxpay_mock::route("POST", "/brand/marketing/product-coupon/users/o1/coupons/C1/use").unwrap();
/// assert_eq!((mode.as_str(), op.kebab), ("brand", "use-user-product-coupon"));
/// assert_eq!(params, [("openid", "o1"), ("coupon_code", "C1")]);
/// ```
pub fn route<'p>(method: &str, path: &'p str) -> Option<Routed<'p>> {
    lookup(method, path).map(|m| (m.mode, m.route.op, m.params))
}

/// Every operation and mode the emulator serves, as (mode, operation).
pub fn served() -> Vec<(Mode, &'static Operation)> {
    let table = &*TABLE;
    Mode::ALL
        .into_iter()
        .flat_map(|mode| {
            table
                .routes
                .iter()
                .filter(move |r| r.op.supports(mode))
                .map(move |r| (mode, r.op))
        })
        .collect()
}

/// Entry point of every request.
pub(crate) async fn handle(
    emu: Arc<Emulator>,
    remote: SocketAddr,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, Dropped> {
    let path = req.uri().path();
    if path == "/mock" || path.starts_with("/mock/") {
        return Ok(crate::http::admin::handle(&emu, remote, req).await);
    }
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let matched = lookup(parts.method.as_str(), parts.uri.path());
    let (outcome, op) = match &matched {
        None if certificates::is_download(&parts) => (download(&emu, &parts), None),
        None => (Outcome::error(unknown(&parts)), None),
        Some(m) => {
            // Step 1 on the head first, so that an oversize body is refused unread.
            let max = body_limit(m.route.op.body, emu.limits().max_body_bytes);
            let body = match check_http(m.route.op.body, &parts.headers, max) {
                Ok(()) => read_body(body, max).await?,
                Err(e) => Err(e),
            };
            let outcome = match body {
                Ok(body) => {
                    let (outcome, settle) = (m.route.run)(&emu, &incoming(&parts, m, &body));
                    let space = space_of(&emu, &outcome);
                    settled(outcome, settle.finish(&space, emu.metrics()).await)
                }
                Err(e) => Outcome::error(e),
            };
            (outcome, Some((m.route.op, m.mode)))
        }
    };
    // The caller's world's faults (the configured world's before authentication).
    let space = space_of(&emu, &outcome);
    let faults = space.faults();
    let delay = faults.latency_ms.max(outcome.delay_ms);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if outcome.drop || (outcome.new && space.roll(faults.drop_rate)) {
        emu.metrics().dropped();
        record(&emu, &space, &parts, op, &outcome, "", started, true);
        return Err(Dropped);
    }
    let probe = space.roll(faults.sign_probe_rate);
    let response = answer(&emu, &parts, &outcome, probe);
    let request_id = request_id_of(&response);
    record(
        &emu,
        &space,
        &parts,
        op,
        &outcome,
        &request_id,
        started,
        false,
    );
    Ok(response.map(Full::new))
}

/// The world whose faults and journal apply: the caller's, else the configured one.
fn space_of(emu: &Emulator, outcome: &Outcome) -> Arc<Space> {
    outcome.space.clone().unwrap_or_else(|| emu.space().clone())
}

fn request_id_of<B>(response: &Response<B>) -> String {
    response
        .headers()
        .get(header::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

impl Emulator {
    /// The whole API for one request already in memory, signed: what the server does after
    /// reading the body, without latency or dropped answers (`error_rate` and
    /// `sign_probe_rate` apply). For embedding without sockets, and for fuzzing.
    ///
    /// ```
    /// let emu = wxpay_mock::Emulator::dev();
    /// let req = http::Request::post("/v3/marketing/partner/product-coupon/users/o1/coupons")
    ///     .header("Content-Type", "application/json")
    ///     .body(bytes::Bytes::from_static(b"{}"))?;
    /// let res = emu.call(req);
    /// assert_eq!(res.status(), 401); // not signed
    /// assert!(res.headers().contains_key("Wechatpay-Signature"));
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn call(&self, req: Request<Bytes>) -> Response<Bytes> {
        let started = Instant::now();
        let (parts, body) = req.into_parts();
        let matched = lookup(parts.method.as_str(), parts.uri.path());
        let (outcome, op) = match &matched {
            None if certificates::is_download(&parts) => (download(self, &parts), None),
            None => (Outcome::error(unknown(&parts)), None),
            Some(m) => {
                let max = body_limit(m.route.op.body, self.limits().max_body_bytes);
                let outcome = match check_http(m.route.op.body, &parts.headers, max) {
                    Err(e) => Outcome::error(e),
                    Ok(()) if body.len() > max => Outcome::error(too_big(max)),
                    Ok(()) => {
                        let (outcome, settle) = (m.route.run)(self, &incoming(&parts, m, &body));
                        let space = space_of(self, &outcome);
                        settled(outcome, settle.finish_blocking(&space, self.metrics()))
                    }
                };
                (outcome, Some((m.route.op, m.mode)))
            }
        };
        let space = space_of(self, &outcome);
        let probe = space.roll(space.faults().sign_probe_rate);
        let response = answer(self, &parts, &outcome, probe);
        let request_id = request_id_of(&response);
        record(
            self,
            &space,
            &parts,
            op,
            &outcome,
            &request_id,
            started,
            false,
        );
        response
    }
}

/// `GET /v3/certificates`: step 1, then the service's download.
fn download(emu: &Emulator, parts: &http::request::Parts) -> Outcome {
    match check_http(wxpay_models::BodyKind::Empty, &parts.headers, usize::MAX) {
        Ok(()) => certificates::run(emu, parts),
        Err(e) => Outcome::error(e),
    }
}

/// The outcome, unless its change could not be made durable (then nothing is answered as
/// done).
fn settled(outcome: Outcome, durable: Result<(), crate::service::log::NotDurable>) -> Outcome {
    match durable {
        Ok(()) => outcome,
        Err(e) => Outcome::error(ErrorAnswer::system(e)),
    }
}

fn incoming<'a>(
    parts: &'a http::request::Parts,
    m: &'a Matched<'a>,
    body: &'a [u8],
) -> Incoming<'a> {
    Incoming {
        mode: m.mode,
        method: parts.method.as_str(),
        path_and_query: parts.uri.path_and_query().map_or("/", |pq| pq.as_str()),
        query: parts.uri.query(),
        authorization: parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
        serial: parts
            .headers
            .get(header::SERIAL)
            .and_then(|v| v.to_str().ok()),
        path: &m.params,
        body,
    }
}

/// Signs the outcome with the platform key the request's `Wechatpay-Serial` names.
fn answer(
    emu: &Emulator,
    parts: &http::request::Parts,
    outcome: &Outcome,
    probe: bool,
) -> Response<Bytes> {
    let serial = parts
        .headers
        .get(header::SERIAL)
        .and_then(|v| v.to_str().ok());
    let signer = if outcome.status == 200 && certificates::is_download(parts) {
        emu.platform().for_download(serial)
    } else {
        emu.platform().for_serial(serial)
    };
    signed(
        signer,
        &emu.request_id(outcome.biz),
        outcome.status,
        outcome.body.clone(),
        probe,
    )
}

/// Counts the answer and journals it in `space`.
#[allow(clippy::too_many_arguments)]
fn record(
    emu: &Emulator,
    space: &Space,
    parts: &http::request::Parts,
    op: Option<(&'static Operation, Mode)>,
    outcome: &Outcome,
    request_id: &str,
    started: Instant,
    dropped: bool,
) {
    let seconds = started.elapsed().as_secs_f64();
    let name = match op {
        Some((op, _)) => op.kebab,
        None if certificates::is_download(parts) => certificates::NAME,
        None => "unknown",
    };
    let (status, code) = if dropped {
        (0, "DROPPED")
    } else {
        (outcome.status, outcome.code.as_str())
    };
    emu.metrics().answered(name, status, code, seconds);
    let message = (outcome.status >= 400).then(|| {
        serde_json::from_slice::<wxpay_models::ApiErrorBody>(&outcome.body)
            .map(|b| b.message)
            .unwrap_or_default()
    });
    space.journal.push(JournalEntry {
        seq: 0,
        time: WxTime::now().to_string(),
        caller: outcome.caller.clone(),
        operation: name,
        mode: op.map(|(_, mode)| mode.as_str()),
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(String::new, |pq| pq.as_str().to_owned()),
        status,
        code: (!code.is_empty()).then(|| code.to_owned()),
        request_id: request_id.to_owned(),
        latency_ms: seconds * 1000.0,
        message,
        request_no: outcome.request_no.clone(),
        signature: outcome.auth.as_ref().map(|a| SignatureFailure {
            reason: a.reason,
            expected_message: a.expected.clone(),
            // What was presented, whatever check failed (the console shows it).
            presented: a.presented.clone().or_else(|| {
                let header = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
                Some(crate::service::caller::elide_signature(header))
            }),
        }),
    });
}

/// A path that is no operation: a signed 404.
fn unknown(parts: &http::request::Parts) -> ErrorAnswer {
    ErrorAnswer::not_found(format!(
        "no such API: {} {}",
        parts.method,
        parts.uri.path()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_operation_routes_in_its_modes() {
        for (mode, op) in served() {
            let path = op
                .template(mode)
                .replace("{openid}", "o1")
                .replace("{coupon_code}", "C1")
                .replace("{product_coupon_id}", "P1")
                .replace("{stock_id}", "S1")
                .replace("{stock_bundle_id}", "B1")
                .replace("{user_coupon_bundle_id}", "U1")
                .replace("{task_id}", "T1");
            let m = lookup(op.method.as_str(), &path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(m.route.op.name, op.name, "{path}");
            assert_eq!(m.mode, mode);
            assert_eq!(m.params.len(), op.path_params().count());
        }
        assert!(
            lookup(
                "GET",
                "/v3/marketing/partner/product-coupon/users/o1/coupons/C1/confirm"
            )
            .is_none()
        );
        assert!(lookup("POST", "/v3/other").is_none());
    }
}
