//! `wxpay sign`: the Authorization header for a request, and the exact message signed.

use std::path::PathBuf;

use wxpay_signing::{PrivateKey, Signer, authorization, message};
use wxpay_transport::ClientConfig;

use crate::{Failure, body_bytes};

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("identity").required(true).args(["config", "mchid"]))]
pub(crate) struct Args {
    /// Client config TOML (mchid, serial_no, private_key_file).
    #[arg(long, conflicts_with_all = ["mchid", "serial_no", "private_key"])]
    config: Option<PathBuf>,
    /// Merchant id.
    #[arg(long, requires_all = ["serial_no", "private_key"])]
    mchid: Option<String>,
    /// Merchant API certificate serial number.
    #[arg(long)]
    serial_no: Option<String>,
    /// Merchant private key PEM (PKCS#8 or PKCS#1).
    #[arg(long)]
    private_key: Option<PathBuf>,
    /// HTTP method, e.g. POST.
    #[arg(long)]
    method: String,
    /// Path and query as sent; a full URL is reduced to its path and query.
    #[arg(long)]
    url: String,
    /// Request body (exact bytes signed).
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// File holding the request body (at most 1 MiB).
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// Unix seconds (default: now).
    #[arg(long)]
    timestamp: Option<i64>,
    /// Nonce (default: 32 random characters).
    #[arg(long)]
    nonce: Option<String>,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let signer = match (
        &args.config,
        &args.mchid,
        &args.serial_no,
        &args.private_key,
    ) {
        (Some(config), ..) => ClientConfig::from_file(config)
            .and_then(|c| c.signer())
            .map_err(Failure::usage)?,
        (None, Some(mchid), Some(serial), Some(key)) => {
            // Both go into the header as they are: refuse what would break or extend it.
            if mchid.is_empty() || !mchid.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Failure::usage(format!(
                    "--mchid {mchid:?}: a merchant id is digits only (0-9)"
                )));
            }
            if !authorization::is_valid_value(serial) {
                return Err(Failure::usage(format!(
                    "--serial-no {serial:?}: may only hold {} (it goes into the Authorization header as it is)",
                    authorization::VALUE_CHARS
                )));
            }
            let key = PrivateKey::from_pem_file(key)
                .map_err(|e| Failure::usage(format!("--private-key: {e}")))?;
            Signer::new(mchid.clone(), serial.clone(), key)
        }
        _ => {
            return Err(Failure::usage(
                "give --config, or --mchid with --serial-no and --private-key",
            ));
        }
    };
    let url = path_and_query(&args.url)?;
    let body = body_bytes(
        args.body,
        args.body_file,
        crate::MAX_REQUEST_BODY,
        "a request body",
    )?;
    let method = args.method.to_ascii_uppercase();
    let nonce = match args.nonce {
        Some(n) if !wxpay_signing::nonce_is_valid(&n) => {
            return Err(Failure::usage(format!(
                "--nonce {n:?}: may only hold {}",
                authorization::VALUE_CHARS
            )));
        }
        Some(n) => n,
        None => wxpay_signing::new_nonce().map_err(Failure::usage)?,
    };
    let timestamp = args.timestamp.unwrap_or_else(|| {
        use wxpay_signing::clock::Clock;
        wxpay_signing::clock::SystemClock.now_unix()
    });
    let auth = signer
        .authorization_at(&method, &url, &body, timestamp, &nonce)
        .map_err(Failure::usage)?;
    let signed = message::request(&method, &url, &auth.timestamp, &auth.nonce_str, &body);
    println!("{auth}");
    println!("{}", String::from_utf8_lossy(&signed).replace('\n', "\\n"));
    Ok(())
}

/// `/path?query` as sent, from either that or a full URL.
fn path_and_query(url: &str) -> Result<String, Failure> {
    if url.starts_with('/') {
        return Ok(url.to_owned());
    }
    let parsed = url::Url::parse(url).map_err(|e| {
        Failure::usage(format!(
            "--url {url:?}: give a path like /v3/... or a full URL ({e})"
        ))
    })?;
    Ok(match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_urls_reduce_to_path_and_query() {
        assert_eq!(
            path_and_query("https://api.mch.weixin.qq.com/v3/a?b=1&c=2").unwrap(),
            "/v3/a?b=1&c=2"
        );
        assert_eq!(
            path_and_query("https://api.mch.weixin.qq.com/v3/users/o%2Bx/coupons").unwrap(),
            "/v3/users/o%2Bx/coupons"
        );
        assert_eq!(path_and_query("/v3/a?b").unwrap(), "/v3/a?b");
        assert!(path_and_query("v3/a").is_err());
    }
}
