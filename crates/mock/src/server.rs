//! The HTTP server: HTTP/1.1 keep-alive and h2c (or TLS with ALPN), protections against slow
//! and abusive clients, graceful shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::config::{ConfigError, TlsConfig};
use crate::router::handle;
use crate::state::Emulator;

/// A client must send a request's headers (or, between requests, the next one's) within this.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest request head (request line + headers) accepted.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Open connections at most; more are refused at accept.
pub const MAX_CONNECTIONS: usize = 16_384;
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How the server treats connections.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// TLS (ALPN h2 + http/1.1); plain HTTP (HTTP/1.1 and h2c) when `None`.
    pub tls: Option<Arc<ServerConfig>>,
    /// Time a client has to send a request head; also closes HTTP/1 connections idle longer.
    pub header_read_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            tls: None,
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// A running emulator.
///
/// ```
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// use std::sync::Arc;
/// let server = wxpay_mock::Server::start(Arc::new(wxpay_mock::Emulator::dev()), "127.0.0.1:0".parse()?, Default::default()).await?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// server.shutdown().await;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    tls: bool,
    emulator: Arc<Emulator>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    callbacks: JoinHandle<()>,
    media: JoinHandle<()>,
}

impl Server {
    /// Binds `addr` and serves in the background on the current tokio runtime.
    pub async fn start(
        emulator: Arc<Emulator>,
        addr: SocketAddr,
        options: ServerOptions,
    ) -> io::Result<Self> {
        let client = crate::callbacks::notify_client(emulator.callbacks.roots())
            .map_err(io::Error::other)?;
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let tls_enabled = options.tls.is_some();
        let task = tokio::spawn(accept_loop(listener, emulator.clone(), options, stopped));
        let callbacks = tokio::spawn(crate::callbacks::deliver(emulator.clone(), client));
        let media = tokio::spawn(crate::media::tick(emulator.clone()));
        Ok(Self {
            local_addr,
            tls: tls_enabled,
            emulator,
            stop: Some(stop),
            task,
            callbacks,
            media,
        })
    }

    /// The bound address (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://IP:PORT` (or `https://`).
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.local_addr
        )
    }

    /// The shared state, for inspection and admin calls without HTTP.
    pub fn emulator(&self) -> &Arc<Emulator> {
        &self.emulator
    }

    /// Stops accepting, lets open requests finish (up to 10 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        self.callbacks.abort();
        self.emulator.close_state();
        self.media.abort();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.callbacks.abort();
        self.media.abort();
        if self.stop.is_some() {
            self.task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    emu: Arc<Emulator>,
    options: ServerOptions,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(options.max_connections));
    let builder = Arc::new(http_builder(options.header_read_timeout));
    let tls = options.tls.map(TlsAcceptor::from);
    loop {
        let (stream, remote) = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(
                "refusing {remote}: {} connections open",
                options.max_connections
            );
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (emu, builder, tls, watcher) = (
            emu.clone(),
            builder.clone(),
            tls.clone(),
            graceful.watcher(),
        );
        tokio::spawn(async move {
            serve(stream, remote, emu, &builder, tls, watcher).await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open after {} s; closing them",
            SHUTDOWN_GRACE.as_secs()
        );
    }
}

fn http_builder(header_read_timeout: Duration) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEAD_BYTES as u32)
        .max_concurrent_streams(256)
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10));
    builder
}

async fn serve(
    stream: TcpStream,
    remote: SocketAddr,
    emu: Arc<Emulator>,
    builder: &Builder<TokioExecutor>,
    tls: Option<TlsAcceptor>,
    watcher: Watcher,
) {
    let service = service_fn(move |req| handle(emu.clone(), remote, req));
    let result = match tls {
        None => {
            watcher
                .watch(
                    builder
                        .serve_connection(TokioIo::new(stream), service)
                        .into_owned(),
                )
                .await
        }
        Some(acceptor) => {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => {
                    watcher
                        .watch(
                            builder
                                .serve_connection(TokioIo::new(stream), service)
                                .into_owned(),
                        )
                        .await
                }
                Ok(Err(e)) => {
                    tracing::debug!("TLS handshake with {remote} failed: {e}");
                    return;
                }
                Err(_) => {
                    tracing::debug!("TLS handshake with {remote} timed out");
                    return;
                }
            }
        }
    };
    if let Err(e) = result {
        tracing::debug!("connection from {remote} ended: {e}");
    }
}

/// A rustls server configuration (the crate's crypto backend, ALPN h2 + http/1.1) from PEM
/// files.
pub fn tls_config(
    tls: &TlsConfig,
    resolve: impl Fn(&std::path::Path) -> std::path::PathBuf,
) -> Result<Arc<ServerConfig>, ConfigError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |key: &str, e: &dyn std::fmt::Display| ConfigError::invalid(key, e.to_string());
    let pem = |key: &str, path: &std::path::Path| {
        wxpay_signing::file::read_limited(
            path,
            wxpay_signing::file::MAX_PEM_BUNDLE_BYTES,
            "a PEM file",
        )
        .map_err(|e| bad(key, &format!("{}: {e}", path.display())))
    };
    let cert_path = resolve(&tls.cert_file);
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&pem("tls.cert_file", &cert_path)?)
            .collect::<Result<_, _>>()
            .map_err(|e| bad("tls.cert_file", &format!("{}: {e}", cert_path.display())))?;
    if certs.is_empty() {
        return Err(bad(
            "tls.cert_file",
            &format!("{}: no CERTIFICATE in it", cert_path.display()),
        ));
    }
    let key_path = resolve(&tls.key_file);
    let key = PrivateKeyDer::from_pem_slice(&pem("tls.key_file", &key_path)?)
        .map_err(|e| bad("tls.key_file", &format!("{}: {e}", key_path.display())))?;
    let mut config = ServerConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("tls", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("tls", &e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
compile_error!(
    "wxpay-mock needs a crypto backend: enable its feature `aws-lc-rs` (the default) or `ring`"
);

/// rustls on the backend this crate was built with, named explicitly (with both compiled in,
/// rustls has no process default); ring when both features are on, as in wxpay-signing.
pub(crate) fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[cfg(all(feature = "aws-lc-rs", not(feature = "ring")))]
    use rustls::crypto::aws_lc_rs as tls_backend;
    #[cfg(feature = "ring")]
    use rustls::crypto::ring as tls_backend;
    Arc::new(tls_backend::default_provider())
}
