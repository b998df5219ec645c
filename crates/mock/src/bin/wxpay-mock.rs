//! `wxpay-mock [--config FILE] [--listen ADDR] [--state FILE] [--ca-dir DIR]`: run the
//! emulator until SIGINT/SIGTERM.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use wxpay_mock::{Emulator, MockConfig, SandboxCa, Server, ServerOptions, tls_config};

/// A stateful emulator of WeChat Pay's product-coupon (商品券) API, partner and brand mode.
#[derive(Debug, Parser)]
#[command(name = "wxpay-mock", version, about)]
struct Args {
    /// Config TOML (docs/contracts.md §3.1); without it, the built-in dev state.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Listen address; 127.0.0.1:0 picks a free port.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Keep all state in this SQLite file, so that a restart finds the same coupons, the
    /// same idempotent answers and the pending callbacks (created when absent).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Also be an HTTPS proxy for api.mch.weixin.qq.com and api2 (CONNECT), with the sandbox
    /// CA in this directory: made when missing (trust DIR/ca.pem), reused when present
    /// (docs/sandbox.md).
    #[arg(long, value_name = "DIR")]
    ca_dir: Option<PathBuf>,
    /// Dev state only: also serve the dev platform certificate at GET /v3/certificates, for
    /// clients in certificate mode (docs/emulator.md, "The dev state"). With --config, set
    /// [platform] certificate_file instead.
    #[arg(long, conflicts_with = "config")]
    dev_certificate: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "wxpay_mock=info".into()),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: logs sent to a file or a collector stay plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wxpay-mock: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wxpay-mock: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let (emulator, listen, tls, has_token, ca_dir) = match &args.config {
        Some(path) => {
            let config = MockConfig::from_file(path)?;
            let tls = config
                .tls
                .as_ref()
                .map(|t| tls_config(t, |p| config.resolve(p)))
                .transpose()?;
            let listen = args.listen.or(config.listen);
            let ca_dir = args
                .ca_dir
                .clone()
                .or_else(|| config.ca_dir.as_deref().map(|d| config.resolve(d)));
            (
                Emulator::from_config(&config)?,
                listen,
                tls,
                config.admin_token.is_some(),
                ca_dir,
            )
        }
        None => (
            if args.dev_certificate {
                Emulator::dev().with_dev_certificate()
            } else {
                Emulator::dev()
            },
            args.listen,
            None,
            false,
            args.ca_dir.clone(),
        ),
    };
    let listen = listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    if !listen.ip().is_loopback() && !has_token {
        return Err(format!(
            "refusing to listen on {listen} without admin_token: the admin API would be open to the network; \
             set admin_token in the config or listen on 127.0.0.1"
        )
        .into());
    }
    let proxy = ca_dir.map(SandboxCa::open).transpose()?;
    let emulator = Arc::new(emulator);
    if let Some(path) = &args.state {
        emulator.open_state(path)?;
    }
    let server = Server::start(
        emulator,
        listen,
        ServerOptions {
            tls,
            proxy: proxy.clone(),
            ..ServerOptions::default()
        },
    )
    .await?;
    println!("listening on {}", server.base_url());
    if let Some(ca) = &proxy {
        tracing::info!(
            "HTTPS proxy for {} and {}: HTTPS_PROXY={}, trust {}{}",
            wxpay_mock::proxy::API_HOSTS[0],
            wxpay_mock::proxy::API_HOSTS[1],
            server.base_url(),
            ca.ca_file().display(),
            if ca.created() { " (new CA)" } else { "" }
        );
    }
    tracing::info!(
        "wxpay-mock ready; admin API at {}/mock/health",
        server.base_url()
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
