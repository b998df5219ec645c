//! A plain HTTP client for tests: signed API calls and admin calls against the emulator.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use wxpay_models::{Endpoint, Mode, Target, encode};
use wxpay_signing::{ResponseHeaders, Signer, Verifier, VerifyError};

/// An answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Checks the Wechatpay-* signature.
    pub fn verify(&self, verifier: &Verifier) -> Result<(), VerifyError> {
        let headers = ResponseHeaders::from_fn(|name| self.header(name))?;
        verifier.verify(&headers, &self.body)
    }
}

/// A pooled HTTP/1.1 client.
#[derive(Debug, Clone)]
pub struct TestClient {
    client: Client<HttpConnector, Full<Bytes>>,
    pub base_url: String,
}

impl TestClient {
    pub fn new(base_url: &str) -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Sends a request with exactly these headers and body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Answer {
        self.try_raw(method, path, headers, body)
            .await
            .expect("HTTP request")
    }

    /// [`TestClient::raw`], or why no answer came (the server went away).
    pub async fn try_raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Answer, String> {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base_url));
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let req = builder.body(Full::new(body.into())).expect("request");
        let res = self.client.request(req).await.map_err(|e| e.to_string())?;
        let (parts, body) = res.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// A signed POST of `body` to `path`, as a correct client sends it.
    pub async fn signed_post(&self, signer: &Signer, path: &str, body: &[u8]) -> Answer {
        let auth = signer
            .authorization("POST", path, body)
            .expect("sign")
            .to_string();
        self.raw(
            Method::POST,
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            Bytes::copy_from_slice(body),
        )
        .await
    }

    /// Any typed request, encoded for `mode` (partner requests get the dev brand when they
    /// name none) and signed by `signer` (use [`crate::merchant_signer`] for partner mode,
    /// [`crate::brand_signer`] for brand mode). Panics on a request that does not validate:
    /// use [`TestClient::raw`] to send what a correct client would not.
    pub async fn call<E: Endpoint>(&self, signer: &Signer, mode: Mode, request: &E) -> Answer {
        let target = Target {
            mode,
            brand_id: Some(crate::BRAND_ID),
        };
        let wire = encode(request, target).unwrap_or_else(|e| panic!("{}: {e}", E::OPERATION.name));
        let signed = wire.signed_body.as_deref().unwrap_or(&wire.body);
        let auth = signer
            .authorization(wire.method.as_str(), &wire.path_and_query, signed)
            .expect("sign")
            .to_string();
        let method = Method::from_bytes(wire.method.as_str().as_bytes()).expect("method");
        self.raw(
            method,
            &wire.path_and_query,
            &[
                ("Authorization", &auth),
                ("Content-Type", &wire.content_type),
                ("Accept", "application/json"),
                ("Wechatpay-Serial", crate::PLATFORM_KEY_ID),
            ],
            Bytes::from(wire.body),
        )
        .await
    }

    /// A signed send of a request as JSON, or why no answer came.
    pub async fn try_send(
        &self,
        signer: &Signer,
        openid: &str,
        body: &Value,
    ) -> Result<Answer, String> {
        let path = format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons");
        let body = serde_json::to_vec(body).unwrap();
        let auth = signer
            .authorization("POST", &path, &body)
            .expect("sign")
            .to_string();
        self.try_raw(
            Method::POST,
            &path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("Wechatpay-Serial", crate::PLATFORM_KEY_ID),
            ],
            Bytes::from(body),
        )
        .await
    }

    /// A signed send of a request as JSON.
    pub async fn send(&self, signer: &Signer, openid: &str, body: &Value) -> Answer {
        let path = format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons");
        self.signed_post(signer, &path, &serde_json::to_vec(body).unwrap())
            .await
    }

    pub async fn admin_get(&self, path: &str) -> Answer {
        self.raw(Method::GET, path, &[], Bytes::new()).await
    }

    pub async fn admin(&self, method: Method, path: &str, body: &Value) -> Answer {
        self.raw(
            method,
            path,
            &[("Content-Type", "application/json")],
            serde_json::to_vec(body).unwrap(),
        )
        .await
    }

    /// Replaces the emulator's fault set (`PUT /mock/faults`); panics unless accepted.
    pub async fn set_faults(&self, faults: Value) -> Answer {
        let answer = self.admin(Method::PUT, "/mock/faults", &faults).await;
        assert_eq!(answer.status, 200, "faults {faults}: {:?}", answer.json());
        answer
    }
}
