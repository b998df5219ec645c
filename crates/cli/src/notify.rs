//! `wxpay confirm` and `wxpay notify serve`: the confirm handshake that makes sent coupons
//! usable (docs/contracts.md §8).

use std::net::SocketAddr;
use std::path::PathBuf;

use wxpay_campaign::receiver::{AutoConfirm, Receiver, auto_confirm_request_no, serve};
use wxpay_coupons::{
    CallbackHandler, ClientConfig, ConfirmSendUserProductCouponRequest, CouponClient,
};

use crate::Failure;
use crate::send::{CouponIds, failure, print_coupon};

#[derive(Debug, clap::Args)]
pub(crate) struct ConfirmArgs {
    #[command(flatten)]
    ids: CouponIds,
    /// The coupon's code.
    #[arg(long)]
    coupon_code: String,
    /// Confirm request number (default: derived from stock and code, as the receiver's).
    #[arg(long)]
    out_request_no: Option<String>,
}

pub(crate) fn confirm(args: ConfirmArgs) -> Result<(), Failure> {
    let ids = args.ids;
    let (client, appid, brand_id) = ids.resolve()?;
    let out_request_no = args
        .out_request_no
        .unwrap_or_else(|| auto_confirm_request_no(&ids.stock_id, &args.coupon_code));
    let mut request = ConfirmSendUserProductCouponRequest::new(
        ids.openid,
        args.coupon_code,
        ids.product_coupon_id,
        ids.stock_id,
        appid,
        out_request_no,
    );
    request.brand_id = brand_id;
    let coupon = crate::runtime()?
        .block_on(client.confirm_send_user_product_coupon(&request))
        .map_err(failure)?;
    print_coupon(&coupon)
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum NotifyCommand {
    /// Receive callbacks: verify, decrypt, de-duplicate, record, optionally confirm.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Client config TOML (WeChat Pay keys, apiv3_key_file; the API for --auto-confirm).
    #[arg(long)]
    config: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:9000 (port 0 picks one).
    #[arg(long)]
    listen: SocketAddr,
    /// Confirm every sent coupon exactly once.
    #[arg(long)]
    auto_confirm: bool,
    /// AppID to confirm under; default: the config's `appid`, else each event's own (partner
    /// SEND events carry the AppID the openid belongs to).
    #[arg(long)]
    appid: Option<String>,
    /// Append events (and confirm results) as JSON lines; read back on start to skip what was
    /// already seen.
    #[arg(long)]
    events: Option<PathBuf>,
}

pub(crate) fn run(command: NotifyCommand) -> Result<(), Failure> {
    let NotifyCommand::Serve(args) = command;
    let config = ClientConfig::from_file(&args.config).map_err(Failure::usage)?;
    let handler = CallbackHandler::from_config(&config).map_err(Failure::usage)?;
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let auto = match args.auto_confirm {
            true => Some(AutoConfirm {
                client: CouponClient::from_config(&config).map_err(Failure::usage)?,
                appid: args.appid.or_else(|| config.appid.clone()),
            }),
            false => None,
        };
        let receiver = Receiver::new(handler, args.events.as_deref(), auto).map_err(|e| {
            let shown = args.events.as_deref().unwrap_or("-".as_ref()).display();
            Failure::usage(format!("--events {shown}: {e}"))
        })?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::usage(e.to_string()))?;
        println!("listening on http://{addr}");
        serve(listener, receiver.clone(), shutdown_signal())
            .await
            .map_err(|e| Failure::with_code(5, e))?;
        let s = receiver.stats();
        eprintln!(
            "stopped: {} callbacks accepted, {} duplicates, {} refused, {} coupons confirmed",
            s.accepted, s.duplicates, s.refused, s.confirmed
        );
        Ok(())
    })
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
