//! A callback receiver for tests: records every POST it gets and answers with the status
//! the test sets.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use bytes::Bytes;
use http::{HeaderMap, Response};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::Mutex;

/// One received request.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A running recorder.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    tls: bool,
}

impl Recorder {
    /// Starts on 127.0.0.1:0, answering 200.
    pub async fn start() -> Self {
        Self::start_on(None).await
    }

    /// Starts over TLS on 127.0.0.1:0 with the test certificate of `tls/` (for `localhost`
    /// and 127.0.0.1, signed by `tls/ca_cert.pem`), answering 200.
    pub async fn start_tls() -> Self {
        let tls = wxpay_mock::config::TlsConfig {
            cert_file: crate::tls_dir().join("server_cert.pem"),
            key_file: crate::tls_dir().join("server_key.pem"),
        };
        let config = wxpay_mock::tls_config(&tls, |p| p.to_path_buf()).unwrap();
        Self::start_on(Some(tokio_rustls::TlsAcceptor::from(config))).await
    }

    async fn start_on(tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let recorder = Self {
            addr: listener.local_addr().unwrap(),
            received: Arc::default(),
            status: Arc::new(AtomicU16::new(200)),
            tls: tls.is_some(),
        };
        let r = recorder.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let r = r.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let r = r.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            r.received.lock().await.push(Received {
                                path: parts.uri.path().to_owned(),
                                headers: parts.headers,
                                body,
                            });
                            let mut res = Response::new(Full::new(Bytes::new()));
                            *res.status_mut() =
                                http::StatusCode::from_u16(r.status.load(Ordering::SeqCst))
                                    .unwrap();
                            Ok::<_, std::convert::Infallible>(res)
                        }
                    });
                    let builder =
                        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let _ = match tls {
                        None => {
                            builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await
                        }
                        Some(tls) => match tls.accept(stream).await {
                            Ok(stream) => {
                                builder
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await
                            }
                            Err(_) => return, // a client that does not trust the test CA
                        },
                    };
                });
            }
        });
        recorder
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}/notify", self.addr)
    }

    /// The status later requests get.
    pub fn answer_with(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub async fn count(&self) -> usize {
        self.received.lock().await.len()
    }

    /// Waits (up to `secs`) until `n` requests arrived.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let got = self.received.lock().await.clone();
            if got.len() >= n || std::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}
