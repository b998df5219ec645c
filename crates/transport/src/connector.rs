//! The connection stack: TCP (hyper-util) → optional CONNECT tunnel through a proxy → TLS
//! (rustls on the crate's crypto backend, passed explicitly) with ALPN h2 / http/1.1.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use tokio::net::TcpStream;
use tower_service::Service;

/// The pooled HTTP client every clone of a transport shares.
pub(crate) type HttpClient = Client<HttpsConnector<ProxyConnector>, Full<Bytes>>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Direct TCP, or a CONNECT tunnel when a proxy applies to the destination.
#[derive(Clone, Debug)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    proxies: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    fn proxy_for(&self, dst: &Uri) -> Option<hyper_util::client::proxy::matcher::Intercept> {
        // Plain http:// only ever goes to loopback (the emulator), never through a proxy.
        if dst.scheme_str() != Some("https") {
            return None;
        }
        self.proxies.as_ref()?.intercept(dst)
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match self.proxy_for(&dst) {
            None => {
                let connecting = self.direct.call(dst);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
            Some(proxy) => {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), self.direct.clone());
                if let Some(auth) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                Box::pin(async move {
                    std::future::poll_fn(|cx| tunnel.poll_ready(cx)).await?;
                    Ok(tunnel.call(dst).await?)
                })
            }
        }
    }
}

/// Which proxy to use: the configured one (still honouring `NO_PROXY`), else
/// `HTTPS_PROXY`/`ALL_PROXY` and `NO_PROXY` from the environment.
pub(crate) fn proxies(configured: Option<&str>) -> Option<Arc<Matcher>> {
    let matcher = match configured {
        Some(proxy) => {
            let no_proxy = std::env::var("NO_PROXY")
                .or_else(|_| std::env::var("no_proxy"))
                .unwrap_or_default();
            Matcher::builder()
                .all(proxy.to_owned())
                .no(no_proxy)
                .build()
        }
        None => Matcher::from_env(),
    };
    Some(Arc::new(matcher))
}

/// Builds the pooled client.
pub(crate) fn http_client(
    roots: Option<&[CertificateDer<'static>]>,
    proxies: Option<Arc<Matcher>>,
    connect_timeout: Duration,
) -> Result<HttpClient, rustls::Error> {
    let mut store = RootCertStore::empty();
    match roots {
        Some(certs) => {
            for cert in certs {
                store.add(cert.clone())?;
            }
        }
        None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    // Named, not the process default: with both backends compiled in (feature unification),
    // rustls has no default and building a client would panic.
    let tls = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(store)
        .with_no_client_auth();
    let mut direct = HttpConnector::new();
    direct.enforce_http(false);
    direct.set_nodelay(true);
    direct.set_connect_timeout(Some(connect_timeout));
    direct.set_keepalive(Some(Duration::from_secs(60)));
    let connector = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(ProxyConnector { direct, proxies });
    Ok(Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(256)
        .build(connector))
}

#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
compile_error!(
    "wxpay-transport needs a crypto backend: enable its feature `aws-lc-rs` (the default) or `ring`"
);

/// rustls on the backend this crate was built with; ring when both features are on, as in
/// wxpay-signing.
fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[cfg(all(feature = "aws-lc-rs", not(feature = "ring")))]
    use rustls::crypto::aws_lc_rs as tls_backend;
    #[cfg(feature = "ring")]
    use rustls::crypto::ring as tls_backend;
    Arc::new(tls_backend::default_provider())
}
