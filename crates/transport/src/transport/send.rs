//! The attempts of one call: pace, sign, send through the exchange service, verify, retry
//! and fail over.

use std::time::Instant;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use tracing::Instrument;
use wxpay_models::{Operation, Retry};
use wxpay_signing::{ResponseHeaders, VerifyError, header};

use super::{ApiResponse, MAX_RESPONSE_BYTES, Transport};
use crate::endpoints::Which;
use crate::error::TransportError;
use crate::exchange::{self, HttpRequest};
use crate::options::CallOptions;
use crate::retry::retryable_status;

/// What one attempt came to.
enum Attempt {
    Answer(ApiResponse),
    Unreachable(TransportError),
    Lost(TransportError),
    Fatal(TransportError),
}

impl Transport {
    pub(super) async fn send(&self, call: &Call<'_>) -> Result<ApiResponse, TransportError> {
        self.ensure_certificates().await?;
        self.send_loop(call, true).await
    }

    /// The attempts of one call; answers are verified when `verify`.
    pub(super) async fn send_loop(
        &self,
        call: &Call<'_>,
        verify: bool,
    ) -> Result<ApiResponse, TransportError> {
        let inner = &self.inner;
        let started = Instant::now();
        let (mut which, _) = inner.endpoints.pick();
        let operation_pacer = call.operation.and_then(|op| self.operation_pacer(op));
        let label = call.label;
        // Without a request number, only what surely did not reach WeChat Pay is resent:
        // a refused connection or a 429.
        let resend = call.retry.is_safe();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if attempt > 1 {
                crate::metrics::retry(label);
            }
            let waiting = Instant::now();
            if let Some(pacer) = &operation_pacer {
                pacer.wait().await;
            }
            if let Some(pacer) = &inner.limiter {
                pacer.wait().await;
            }
            crate::metrics::pacer_wait(label, waiting.elapsed());
            let base = inner.endpoints.url(which).to_owned();
            let span = tracing::info_span!(
                "wxpay.request",
                operation = call.label,
                method = %call.method,
                path = %call.path_and_query,
                attempt,
                base = %base,
                status = tracing::field::Empty,
                code = tracing::field::Empty,
                request_id = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let outcome = self
                .attempt(call, &base, attempt)
                .instrument(span.clone())
                .await;
            let exhausted =
                attempt > inner.retry.max_retries || started.elapsed() >= inner.retry.max_elapsed;
            let mut switched = false;
            let last = match outcome {
                Attempt::Answer(response) => {
                    inner.endpoints.succeeded(which);
                    let checked = if verify {
                        self.check_refreshing(&response).await
                    } else {
                        Ok(())
                    };
                    match checked {
                        Ok(()) if !retryable_status(response.status) => return Ok(response),
                        Ok(()) if exhausted => return Ok(response),
                        // A 5xx may have acted: only a request number makes resending safe.
                        Ok(()) if !resend && response.status != StatusCode::TOO_MANY_REQUESTS => {
                            return Ok(response);
                        }
                        Ok(()) => {
                            tracing::debug!(parent: &span, "retryable answer {}", response.status);
                            None
                        }
                        Err(kind) => {
                            tracing::warn!(parent: &span, "answer not verified: {kind}");
                            let e = TransportError::Unverified {
                                kind,
                                status: response.status.as_u16(),
                                request_id: response.request_id,
                            };
                            if !resend {
                                return Err(e);
                            }
                            Some(e)
                        }
                    }
                }
                // A timeout may come after WeChat Pay acted.
                Attempt::Unreachable(e @ TransportError::Timeout { .. }) if !resend => {
                    return Err(e);
                }
                Attempt::Lost(e) if !resend => return Err(e),
                Attempt::Unreachable(e) => {
                    tracing::warn!(parent: &span, "{e}");
                    inner.endpoints.failed(which);
                    let (next, _) = inner.endpoints.other(which);
                    switched = next != which;
                    if switched {
                        crate::metrics::failover(next == Which::Backup);
                    }
                    which = next;
                    Some(e)
                }
                Attempt::Lost(e) => {
                    tracing::warn!(parent: &span, "{e}");
                    Some(e)
                }
                Attempt::Fatal(e) => return Err(e),
            };
            if exhausted && let Some(e) = last {
                return Err(e);
            }
            // Failing over to the other domain needs no pause; retrying the same one does.
            if !switched || attempt > 1 {
                tokio::time::sleep(inner.retry.backoff(attempt)).await;
            }
        }
    }

    /// One signed attempt against `base`.
    async fn attempt(&self, call: &Call<'_>, base: &str, attempt: u32) -> Attempt {
        let inner = &self.inner;
        let signed = call.signed_body.as_ref().unwrap_or(&call.body);
        let auth = match wxpay_signing::authorize(
            &*inner.signer,
            call.method.as_str(),
            call.path_and_query,
            signed,
        )
        .await
        {
            Ok(auth) => auth.to_string(),
            Err(e) => return Attempt::Fatal(e.into()),
        };
        let mut builder = Request::builder()
            .method(call.method.clone())
            .uri(format!("{base}{}", call.path_and_query))
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, call.content_type)
            .header(USER_AGENT, &inner.user_agent);
        if let Some(serial) = &*inner.wechatpay_serial.load() {
            builder = builder.header(header::SERIAL, serial.as_str());
        }
        if let Some(options) = call.options {
            for (name, value) in options.headers() {
                builder = builder.header(name, value);
            }
        }
        let request = match builder.body(Full::new(call.body.clone())) {
            Ok(r) => r,
            Err(e) => return Attempt::Fatal(TransportError::Request(e.to_string())),
        };
        let started = Instant::now();
        let outcome = self.exchange(call, base, request, attempt, started).await;
        // Answers are counted where their error code is read; the rest here, as status 0.
        let failure = match &outcome {
            Attempt::Answer(_) => None,
            Attempt::Unreachable(TransportError::Timeout { .. }) => Some("TIMEOUT"),
            Attempt::Unreachable(_) => Some("CONNECT"),
            Attempt::Lost(_) => Some("LOST"),
            Attempt::Fatal(_) => Some("TOO_LARGE"),
        };
        if let Some(code) = failure {
            crate::metrics::attempt(call.label, 0, code, started.elapsed());
        }
        outcome
    }

    /// Sends one signed request through the exchange service and reads the whole answer.
    async fn exchange(
        &self,
        call: &Call<'_>,
        base: &str,
        request: HttpRequest,
        attempt: u32,
        started: Instant,
    ) -> Attempt {
        let inner = &self.inner;
        let timeout = call
            .options
            .and_then(CallOptions::get_timeout)
            .unwrap_or(inner.timeout);
        let exchange = exchange::send(&inner.http, request, MAX_RESPONSE_BYTES);
        let span = tracing::Span::current();
        match tokio::time::timeout(timeout, exchange).await {
            Err(_) => Attempt::Unreachable(TransportError::Timeout {
                url: base.to_owned(),
                after: timeout,
            }),
            Ok(Err(e)) if exchange::is_connect(e.as_ref()) => {
                Attempt::Unreachable(TransportError::Connect {
                    url: base.to_owned(),
                    message: error_chain(e.as_ref()),
                })
            }
            Ok(Err(e)) => Attempt::Lost(TransportError::Lost {
                url: base.to_owned(),
                message: error_chain(e.as_ref()),
            }),
            Ok(Ok((_, Err(e)))) if e.is::<exchange::BodyTooLarge>() => {
                Attempt::Fatal(TransportError::TooLarge {
                    limit: MAX_RESPONSE_BYTES,
                })
            }
            Ok(Ok((_, Err(e)))) => Attempt::Lost(TransportError::Lost {
                url: base.to_owned(),
                message: e.to_string(),
            }),
            Ok(Ok((parts, Ok(body)))) => {
                let request_id = parts
                    .headers
                    .get(header::REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                span.record("status", parts.status.as_u16());
                span.record("latency_ms", started.elapsed().as_millis() as u64);
                if let Some(id) = &request_id {
                    span.record("request_id", id.as_str());
                }
                let response = ApiResponse {
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    request_id,
                    attempts: attempt,
                };
                let code = response.error_body().map(|err| err.code);
                if let Some(code) = &code {
                    span.record("code", code.as_str());
                }
                crate::metrics::attempt(
                    call.label,
                    response.status.as_u16(),
                    code.as_ref().map_or("", |c| c.as_str()),
                    started.elapsed(),
                );
                tracing::debug!("answered");
                Attempt::Answer(response)
            }
        }
    }

    /// Verifies a 2xx answer, and any other answer that carries a signature, with the keys
    /// of the moment.
    fn check(&self, response: &ApiResponse) -> Result<(), VerifyError> {
        let signed = response.headers.contains_key(header::SIGNATURE);
        if !response.status.is_success() && !signed {
            return Ok(());
        }
        let headers = ResponseHeaders::from_fn(|name| {
            response.headers.get(name).and_then(|v| v.to_str().ok())
        })?;
        self.inner.keys.with(|keys| {
            self.inner
                .verifier
                .verify_with(keys, &headers, &response.body)
        })
    }

    /// [`check`](Self::check); in certificate mode, an unknown serial first downloads the
    /// certificates again (at most once a minute) and checks once more.
    async fn check_refreshing(&self, response: &ApiResponse) -> Result<(), VerifyError> {
        match self.check(response) {
            Err(VerifyError::UnknownSerial(serial)) if self.inner.certificates.is_some() => {
                if self.refresh_for_unknown(&serial).await {
                    self.check(response)
                } else {
                    Err(VerifyError::UnknownSerial(serial))
                }
            }
            other => other,
        }
    }
}

/// What one call sends and how it may be retried.
#[derive(Debug)]
pub(super) struct Call<'a> {
    pub(super) method: Method,
    pub(super) path_and_query: &'a str,
    pub(super) body: Bytes,
    /// The body line of the signed message when it is not the body (multipart `meta`).
    pub(super) signed_body: Option<Bytes>,
    pub(super) content_type: &'a str,
    pub(super) retry: Retry,
    pub(super) operation: Option<&'static Operation>,
    /// The `operation` label of logs and metrics: the kebab-case name, `raw` for `execute`,
    /// `download-certificates` for the platform certificate download (the emulator's name too).
    pub(super) label: &'static str,
    pub(super) options: Option<&'a CallOptions>,
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
