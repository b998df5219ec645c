//! `wxpay send`: one coupon to one user, the response JSON on stdout.

use std::path::PathBuf;

use wxpay_coupons::{
    ClientConfig, CouponClient, CouponError, CouponTagInfo, SendUserProductCouponRequest,
    UserProductCouponEntity,
};

use crate::Failure;

/// What names a coupon's user, stock and brand: shared by `send` and `confirm`.
#[derive(Debug, clap::Args)]
pub(crate) struct CouponIds {
    /// Client config TOML (docs/contracts.md §4).
    #[arg(long)]
    pub(crate) config: PathBuf,
    /// The user's OpenID under --appid.
    #[arg(long)]
    pub(crate) openid: String,
    /// The stock.
    #[arg(long)]
    pub(crate) stock_id: String,
    /// The product coupon the stock belongs to.
    #[arg(long)]
    pub(crate) product_coupon_id: String,
    /// AppID the openid belongs to (default: the config's `appid`).
    #[arg(long)]
    pub(crate) appid: Option<String>,
    /// The brand (default: the config's `brand_id`; brand mode always uses its own).
    #[arg(long)]
    pub(crate) brand_id: Option<String>,
}

impl CouponIds {
    /// The config, the client, the AppID (flag, else the config's) and the brand (flag,
    /// else left to the client's default).
    pub(crate) fn resolve(&self) -> Result<(CouponClient, String, Option<String>), Failure> {
        let config = ClientConfig::from_file(&self.config).map_err(Failure::usage)?;
        let appid = self
            .appid
            .clone()
            .or_else(|| config.appid.clone())
            .ok_or_else(|| Failure::usage("--appid is required (or set appid in the config)"))?;
        let client = CouponClient::from_config(&config).map_err(Failure::usage)?;
        Ok((client, appid, self.brand_id.clone()))
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    ids: CouponIds,
    /// The coupon's code (API_ASSIGN stocks only).
    #[arg(long)]
    coupon_code: Option<String>,
    /// Request number; reuse it to retry safely. Default: a fresh one, printed on stderr.
    #[arg(long)]
    send_request_no: Option<String>,
    /// Free text echoed with the coupon (≤ 150 characters).
    #[arg(long)]
    attach: Option<String>,
    /// Tag the coupon MEMBER with this member card.
    #[arg(long)]
    member_card_id: Option<String>,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let send_request_no = match args.send_request_no {
        Some(no) => no,
        None => {
            let no = fresh_request_no().map_err(Failure::usage)?;
            eprintln!("send_request_no: {no} (resend with --send-request-no {no} to retry safely)");
            no
        }
    };
    let ids = args.ids;
    let (client, appid, brand_id) = ids.resolve()?;
    let mut request = SendUserProductCouponRequest::new(
        ids.openid,
        ids.product_coupon_id,
        ids.stock_id,
        appid,
        send_request_no,
    );
    request.coupon_code = args.coupon_code;
    request.attach = args.attach;
    request.coupon_tag_info = args.member_card_id.map(CouponTagInfo::member);
    request.brand_id = brand_id;
    let coupon = crate::runtime()?
        .block_on(client.send_user_product_coupon(&request))
        .map_err(failure)?;
    print_coupon(&coupon)
}

/// The coupon's JSON on stdout.
pub(crate) fn print_coupon(coupon: &UserProductCouponEntity) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(coupon).map_err(|e| Failure::with_code(4, e))?;
    println!("{json}");
    Ok(())
}

/// `WXPAYCLI` + Unix seconds + 12 random characters: unique, and valid (6–128 of [0-9A-Za-z_-]).
fn fresh_request_no() -> Result<String, wxpay_signing::SignError> {
    use wxpay_signing::clock::Clock;
    let nonce = wxpay_signing::new_nonce()?;
    Ok(format!(
        "WXPAYCLI{}{}",
        wxpay_signing::clock::SystemClock.now_unix(),
        &nonce[..12]
    ))
}

/// Exit codes of docs/contracts.md §5: 2 usage/validation, 3 API error, 4 not verified, 5 transport.
pub(crate) fn failure(e: CouponError) -> Failure {
    match &e {
        CouponError::Invalid(_) | CouponError::Config(_) => Failure::usage(e),
        CouponError::Api(api) => Failure::with_code(
            3,
            format!(
                "API error: HTTP {} {}\nmessage: {}\nRequest-ID: {}",
                api.status,
                api.code,
                api.message,
                api.request_id.as_deref().unwrap_or("none")
            ),
        ),
        CouponError::Unverified { .. } | CouponError::Decode { .. } => Failure::with_code(4, e),
        _ => Failure::with_code(5, e),
    }
}
