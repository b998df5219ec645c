//! The goose side: one transaction that waits for its slot and sends one request, paced by
//! our own slot schedule (goose's `throttle_requests` runs ≈ 10 % low, see NOTES).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use goose::prelude::*;
use wxpay_signing::{ResponseHeaders, Signer, Verifier};
use wxpay_transport::{RetryPolicy, retryable_status};

use crate::lifecycle::Ids;
use crate::options::Scenario;
use crate::plan::Prepared;
use crate::stats::{Recorder, TRANSPORT_ERROR, UNVERIFIED};

/// Users have this long to start before slot 0.
pub const LEAD: Duration = Duration::from_millis(1500);

/// Everything the goose users share.
pub struct Shared {
    /// The requests, in slot order.
    pub plan: Vec<Prepared>,
    /// Slot `i` is due at start + i / rate.
    pub rate: f64,
    /// Next unclaimed slot.
    pub next: AtomicUsize,
    /// Records.
    pub recorder: Recorder,
    /// For inline signing (and every retry).
    pub signer: Signer,
    /// Verifies answers.
    pub verifier: Verifier,
    /// The `Wechatpay-Serial` request header.
    pub wechatpay_serial: Option<String>,
    /// What each request does.
    pub scenario: Scenario,
    /// Retry policy of the retry-faults scenario.
    pub retry: RetryPolicy,
    /// Called once, when the run starts (to snapshot CPU counters).
    pub on_start: Box<dyn Fn() + Send + Sync>,
    /// The lifecycle scenario's ids and the codes the sends got.
    pub lifecycle: Option<Ids>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("requests", &self.plan.len())
            .field("rate", &self.rate)
            .field("scenario", &self.scenario)
            .finish_non_exhaustive()
    }
}

/// The transaction every goose user runs.
pub fn transaction(shared: Arc<Shared>) -> Transaction {
    let step: TransactionFunction = Arc::new(move |user| {
        let shared = shared.clone();
        Box::pin(async move { shared.step(user).await })
    });
    Transaction::new(step).set_name("send")
}

/// `--via-proxy`: the emulator's HTTPS proxy and the sandbox CA (PEM) to trust.
#[derive(Debug, Clone)]
pub struct ProxyRoute {
    /// `http://IP:PORT` of the emulator.
    pub url: String,
    /// Its CA certificate.
    pub ca_pem: Vec<u8>,
}

impl ProxyRoute {
    /// A client that tunnels every https:// request through the proxy and trusts only the
    /// sandbox CA; connections are kept alive.
    pub fn client(&self) -> Result<reqwest::ClientBuilder, String> {
        let proxy =
            reqwest::Proxy::https(&self.url).map_err(|e| format!("proxy {}: {e}", self.url))?;
        let ca =
            reqwest::Certificate::from_pem(&self.ca_pem).map_err(|e| format!("sandbox CA: {e}"))?;
        Ok(reqwest::Client::builder()
            .proxy(proxy)
            .tls_certs_only([ca])
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("wxpay-loadtest/", env!("CARGO_PKG_VERSION"))))
    }
}

/// Runs once per user before its first slot, to open the user's connection: the measured
/// window then starts on warm connections, as a long-running client's would. (Cold, 128
/// users connecting at slot 0 made the first 100 ms of a run answer in 40–70 ms.) The health
/// check's answer does not matter; a refused one opens the connection too. With
/// `--via-proxy` it first gives the user a client that goes through the proxy, so the warm
/// connection is the tunnel.
pub fn warm_up(admin_token: Option<String>, proxy: Option<ProxyRoute>) -> Transaction {
    let step: TransactionFunction = Arc::new(move |user| {
        let token = admin_token.clone();
        let proxy = proxy.clone();
        Box::pin(async move {
            if let Some(route) = proxy {
                let builder = route.client().map_err(TransactionError::Custom)?;
                user.set_client_builder(builder).await?;
            }
            let mut builder = user.get_request_builder(&GooseMethod::Get, "/mock/health")?;
            if let Some(token) = token {
                builder = builder.header("Authorization", format!("Bearer {token}"));
            }
            let request = GooseRequest::builder()
                .method(GooseMethod::Get)
                .name("warm-up")
                .set_request_builder(builder)
                .build();
            let _ = user.request(request).await;
            Ok(())
        })
    });
    Transaction::new(step).set_name("warm-up").set_on_start()
}

/// What one HTTP attempt came to.
enum Outcome {
    /// A verified (or unsigned non-2xx) answer with this status (and, for a 200, its body).
    Status(u16, Option<bytes::Bytes>),
    /// An answer whose signature did not verify.
    Unverified,
    /// No answer.
    NoAnswer,
}

impl Shared {
    async fn step(&self, user: &mut GooseUser) -> TransactionResult {
        let slot = self.next.fetch_add(1, Ordering::Relaxed);
        if slot >= self.plan.len() {
            return Ok(());
        }
        let start = self.recorder.start(|| {
            (self.on_start)();
            Instant::now() + LEAD
        });
        let due = start + Duration::from_secs_f64(slot as f64 / self.rate);
        tokio::time::sleep_until(due.into()).await;
        let sent = Instant::now();
        let outcome = match self.scenario {
            Scenario::Issue => self.attempt(user, slot, true).await,
            Scenario::RetryFaults => self.with_retries(user, slot).await,
            Scenario::Lifecycle => return self.lifecycle(user, slot, sent).await,
        };
        self.recorder
            .record(slot, code_of(&outcome), sent.elapsed());
        Ok(())
    }

    /// Send, then confirm, detail and use the coupon; the slot's outcome is the first that is
    /// not 200 (or 200), its latency the slowest call's.
    async fn lifecycle(
        &self,
        user: &mut GooseUser,
        slot: usize,
        sent: Instant,
    ) -> TransactionResult {
        let send = self.attempt(user, slot, true).await;
        let mut slowest = sent.elapsed();
        let code = match (&send, &self.lifecycle) {
            (Outcome::Status(200, Some(body)), Some(ids)) => {
                let coupon: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
                let code = coupon["coupon_code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let _ = ids.codes[slot].set(code.clone());
                let mut status = 200;
                match ids.calls(slot, &self.plan[slot].openid, &code) {
                    Ok(calls) => {
                        for (name, call) in &calls {
                            let started = Instant::now();
                            let outcome = self.exchange(user, name, call).await;
                            slowest = slowest.max(started.elapsed());
                            status = code_of(&outcome);
                            if status != 200 {
                                break;
                            }
                        }
                    }
                    Err(_) => status = TRANSPORT_ERROR,
                }
                status
            }
            (other, _) => code_of(other),
        };
        self.recorder.record(slot, code, slowest);
        Ok(())
    }

    /// One signed call of an encoded request (signed now), its answer verified.
    async fn exchange(
        &self,
        user: &mut GooseUser,
        name: &'static str,
        call: &wxpay_models::Encoded,
    ) -> Outcome {
        self.recorder.attempt();
        let signed = call.signed_body.as_deref().unwrap_or(&call.body);
        let Ok(auth) =
            self.signer
                .authorization(call.method.as_str(), &call.path_and_query, signed)
        else {
            return Outcome::NoAnswer;
        };
        let method = match call.method {
            wxpay_models::Method::Get => GooseMethod::Get,
            _ => GooseMethod::Post,
        };
        self.send_signed(
            user,
            name,
            method,
            &call.path_and_query,
            auth.to_string(),
            call.body.clone().into(),
        )
        .await
    }

    /// Sends until an answer that is final under wxpay-transport's rules: not 429/5xx, not
    /// unverified, not missing. The body is the same every time; the signature is fresh.
    async fn with_retries(&self, user: &mut GooseUser, slot: usize) -> Outcome {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(user, slot, false).await;
            let retry = match outcome {
                Outcome::Status(status, _) => retryable_status(
                    http::StatusCode::from_u16(status)
                        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
                ),
                Outcome::Unverified | Outcome::NoAnswer => true,
            };
            if !retry || attempt > self.retry.max_retries {
                return outcome;
            }
            tokio::time::sleep(self.retry.backoff(attempt)).await;
        }
    }

    /// One HTTP attempt through goose's client, its answer verified.
    async fn attempt(&self, user: &mut GooseUser, slot: usize, use_presigned: bool) -> Outcome {
        let prepared = &self.plan[slot];
        self.recorder.attempt();
        let authorization = match (&prepared.authorization, use_presigned) {
            (Some(auth), true) => auth.clone(),
            _ => match self
                .signer
                .authorization("POST", &prepared.path, &prepared.body)
            {
                Ok(auth) => auth.to_string(),
                Err(_) => return Outcome::NoAnswer,
            },
        };
        self.send_signed(
            user,
            "send",
            GooseMethod::Post,
            &prepared.path,
            authorization,
            prepared.body.clone(),
        )
        .await
    }

    /// Sends one signed request through goose's client and verifies its answer.
    async fn send_signed(
        &self,
        user: &mut GooseUser,
        name: &'static str,
        method: GooseMethod,
        path: &str,
        authorization: String,
        body: bytes::Bytes,
    ) -> Outcome {
        let Ok(mut builder) = user.get_request_builder(&method, path) else {
            return Outcome::NoAnswer;
        };
        builder = builder
            .header("Authorization", authorization)
            .header("Accept", "application/json");
        if method != GooseMethod::Get {
            builder = builder
                .header("Content-Type", "application/json")
                .body(body);
        }
        if let Some(serial) = &self.wechatpay_serial {
            builder = builder.header("Wechatpay-Serial", serial);
        }
        let request = GooseRequest::builder()
            .method(method)
            .name(name)
            .set_request_builder(builder)
            .build();
        let Ok(mut goose) = user.request(request).await else {
            return Outcome::NoAnswer;
        };
        let response = match goose.response {
            Ok(response) => response,
            Err(_) => return Outcome::NoAnswer,
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let Ok(body) = response.bytes().await else {
            return Outcome::NoAnswer;
        };
        let signed = headers.contains_key(wxpay_signing::header::SIGNATURE);
        if status == 200 || signed {
            let verified =
                ResponseHeaders::from_fn(|name| headers.get(name).and_then(|v| v.to_str().ok()))
                    .and_then(|h| self.verifier.verify(&h, &body));
            if let Err(e) = verified {
                let _ = user.set_failure(
                    &format!("answer not verified: {e}"),
                    &mut goose.request,
                    Some(&headers),
                    None,
                );
                return Outcome::Unverified;
            }
        }
        Outcome::Status(status, (status == 200).then_some(body))
    }
}

fn code_of(outcome: &Outcome) -> u16 {
    match outcome {
        Outcome::Status(status, _) => *status,
        Outcome::Unverified => UNVERIFIED,
        Outcome::NoAnswer => TRANSPORT_ERROR,
    }
}
