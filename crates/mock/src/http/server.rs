//! The HTTP server: HTTP/1.1 keep-alive and h2c (or TLS with ALPN), the HTTPS proxy's
//! CONNECT tunnels (`proxy.rs`), protections against slow and abusive clients, graceful
//! shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, Request, Response};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use parking_lot::Mutex;
use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::ca::SandboxCa;
use crate::http::proxy::{self, ConnectRefusal};
use crate::http::router::handle;
use crate::http::wire::{Body, Dropped};
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
    /// Open connections at most (a proxy tunnel counts as one more).
    pub max_connections: usize,
    /// The HTTPS proxy that impersonates WeChat Pay: with a CA, the listener also accepts
    /// `CONNECT api.mch.weixin.qq.com:443` (and api2) and serves the API inside the tunnel
    /// over TLS with the CA's leaf (docs/sandbox.md). `None`: CONNECT is refused (405).
    pub proxy: Option<SandboxCa>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            tls: None,
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            proxy: None,
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

/// What every connection of one listener shares.
struct Shared {
    emu: Arc<Emulator>,
    builder: Builder<TokioExecutor>,
    permits: Arc<Semaphore>,
    /// Hands out a watcher per connection (tunnels too); `None` once shutdown began.
    graceful: Mutex<Option<GracefulShutdown>>,
    /// The HTTPS proxy's TLS (`--ca-dir`).
    proxy: Option<Arc<ServerConfig>>,
}

impl Shared {
    fn watcher(&self) -> Option<Watcher> {
        self.graceful.lock().as_ref().map(GracefulShutdown::watcher)
    }
}

async fn accept_loop(
    listener: TcpListener,
    emu: Arc<Emulator>,
    options: ServerOptions,
    mut stopped: oneshot::Receiver<()>,
) {
    let shared = Arc::new(Shared {
        emu,
        builder: http_builder(options.header_read_timeout),
        permits: Arc::new(Semaphore::new(options.max_connections)),
        graceful: Mutex::new(Some(GracefulShutdown::new())),
        proxy: options.proxy.as_ref().map(SandboxCa::server_config),
    });
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
        let (Ok(permit), Some(watcher)) =
            (shared.permits.clone().try_acquire_owned(), shared.watcher())
        else {
            tracing::warn!(
                "refusing {remote}: {} connections open",
                options.max_connections
            );
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (shared, tls) = (shared.clone(), tls.clone());
        tokio::spawn(async move {
            serve(stream, remote, shared, tls, watcher).await;
            drop(permit);
        });
    }
    drop(listener);
    let graceful = shared.graceful.lock().take();
    if let Some(graceful) = graceful
        && tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
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
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    watcher: Watcher,
) {
    match tls {
        None => serve_io(stream, remote, shared, watcher, true).await,
        Some(acceptor) => {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => serve_io(stream, remote, shared, watcher, true).await,
                Ok(Err(e)) => tracing::debug!("TLS handshake with {remote} failed: {e}"),
                Err(_) => tracing::debug!("TLS handshake with {remote} timed out"),
            }
        }
    }
}

/// Serves one connection: the listener's own (`outer`: CONNECT opens a tunnel) or a
/// tunnel's (the API only).
async fn serve_io<I>(io: I, remote: SocketAddr, shared: Arc<Shared>, watcher: Watcher, outer: bool)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let conn = shared.clone();
    let service = service_fn(move |req| dispatch(conn.clone(), remote, req, outer));
    let io = TokioIo::new(io);
    let result = if outer {
        watcher
            .watch(
                shared
                    .builder
                    .serve_connection_with_upgrades(io, service)
                    .into_owned(),
            )
            .await
    } else {
        watcher
            .watch(shared.builder.serve_connection(io, service).into_owned())
            .await
    };
    if let Err(e) = result {
        tracing::debug!("connection from {remote} ended: {e}");
    }
}

async fn dispatch(
    shared: Arc<Shared>,
    remote: SocketAddr,
    req: Request<Incoming>,
    outer: bool,
) -> Result<Response<Body>, Dropped> {
    if outer && req.method() == Method::CONNECT {
        return Ok(connect(&shared, remote, req));
    }
    handle(shared.emu.clone(), remote, req).await
}

/// The HTTPS proxy's CONNECT (docs/sandbox.md): 200 and a tunnel served by this emulator
/// for an API host, a 4xx naming the problem otherwise.
fn connect(shared: &Arc<Shared>, remote: SocketAddr, req: Request<Incoming>) -> Response<Body> {
    let Some(tls) = shared.proxy.clone() else {
        return proxy::refuse(&ConnectRefusal::Disabled);
    };
    let host = match proxy::parse_connect_target(&req.uri().to_string()) {
        Ok(host) => host,
        Err(refusal) => {
            tracing::info!("proxy: refused {remote}: {}", refusal.message());
            return proxy::refuse(&refusal);
        }
    };
    // A tunnel is a connection of its own: it takes a permit and a watcher.
    let (Ok(permit), Some(watcher)) =
        (shared.permits.clone().try_acquire_owned(), shared.watcher())
    else {
        return proxy::busy();
    };
    let shared = shared.clone();
    tokio::spawn(async move {
        match proxy::accept(req, tls, TLS_HANDSHAKE_TIMEOUT).await {
            Ok(stream) => serve_io(stream, remote, shared, watcher, false).await,
            Err(e) => tracing::info!("proxy: tunnel from {remote} to {host}: {e}"),
        }
        drop(permit);
    });
    proxy::established()
}
