//! An axum service that makes sent coupons usable: it receives SEND callbacks at `/notify`,
//! confirms each coupon once through the SDK, and serves `/metrics` in Prometheus text.
//!
//! ```sh
//! cargo run -p wxpay-coupons --features axum --example axum_callbacks -- \
//!     --config client.toml --listen 127.0.0.1:9000
//! ```
//!
//! The client config (docs/contracts.md §4) needs `apiv3_key_file` (or `apiv3_key`) to
//! decrypt callbacks. Set the notify URL to `http://HOST:PORT/notify` (E31). The first line
//! on stdout is `listening on http://IP:PORT` (`--listen 127.0.0.1:0` picks a free port).
//! docs/notify.md walks through it against the emulator.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::routing::get;
use clap::Parser;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use wxpay_coupons::{
    Callback, CallbackHandler, CallbackService, ClientConfig, ConfirmSendUserProductCouponRequest,
    CouponClient, CouponError, CouponEvent, MemoryDedup,
};

#[derive(Debug, Parser)]
struct Args {
    /// Client config TOML (keys, WeChat Pay's public key, apiv3_key_file).
    #[arg(long)]
    config: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: logs sent to a file or a collector stay plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let args = Args::parse();
    // The app picks the exporter; the SDK only records (docs/contracts.md §9).
    let prometheus = PrometheusBuilder::new().install_recorder()?;

    let config = ClientConfig::from_file(&args.config)?;
    let client = CouponClient::from_config(&config)?;
    let default_appid = config.appid.clone();
    let callbacks = CallbackService::new(CallbackHandler::from_config(&config)?, move |callback| {
        confirm(client.clone(), default_appid.clone(), callback)
    })
    .dedup(MemoryDedup::new());

    let app = Router::new()
        .route_service("/notify", callbacks)
        .route("/metrics", get(move || render(prometheus.clone())));
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn render(prometheus: PrometheusHandle) -> String {
    prometheus.render()
}

/// Confirms the coupon a SEND callback announces. Runs before the callback is answered: an
/// `Err` answers 500, and WeChat Pay delivers the callback again later.
async fn confirm(
    client: CouponClient,
    default_appid: Option<String>,
    callback: Callback,
) -> Result<(), CouponError> {
    let CouponEvent::Sent(sent) = callback.event else {
        return Ok(()); // USE, RETURN…: nothing to do here
    };
    let Some(appid) = sent.appid.clone().or(default_appid) else {
        tracing::error!(coupon = %sent.coupon_code, "no AppID in the event or the config: not confirmed");
        return Ok(());
    };
    // Derived from the coupon: a confirm sent again (a crash, a redelivery) is a replay.
    let confirm_no = out_request_no(&sent.stock_id, &sent.coupon_code);
    let mut request = ConfirmSendUserProductCouponRequest::new(
        sent.openid,
        sent.coupon_code,
        sent.product_coupon_id,
        sent.stock_id,
        appid,
        confirm_no,
    );
    request.brand_id = sent.brand_id;
    match client.confirm_send_user_product_coupon(&request).await {
        Ok(coupon) => {
            metrics::counter!("app_coupons_confirmed_total").increment(1);
            tracing::info!(coupon = %coupon.coupon_code, state = %coupon.coupon_state, "confirmed");
            Ok(())
        }
        // Worth another try: have WeChat Pay deliver the callback again.
        Err(e) if e.is_retryable() => Err(e),
        Err(e) => {
            tracing::error!(coupon = %request.coupon_code(), "not confirmed, for good: {e}");
            Ok(())
        }
    }
}

/// `CF` + 30 hex digits of SHA-256 over `{stock_id}/{coupon_code}`.
fn out_request_no(stock_id: &str, coupon_code: &str) -> String {
    let digest = wxpay_coupons::signing::sha256(format!("{stock_id}/{coupon_code}").as_bytes());
    let hex: String = digest.as_ref()[..15]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("CF{hex}")
}
