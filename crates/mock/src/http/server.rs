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

use crate::http::router::handle;
use crate::service::Emulator;

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
        let client = crate::io::deliver::notify_client(&emulator).map_err(io::Error::other)?;
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let tls_enabled = options.tls.is_some();
        let task = tokio::spawn(accept_loop(listener, emulator.clone(), options, stopped));
        let callbacks = tokio::spawn(crate::io::deliver::deliver(emulator.clone(), client));
        let media = tokio::spawn(crate::io::tick::tick(emulator.clone()));
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
