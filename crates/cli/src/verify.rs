//! `wxpay verify`: is this response (or callback) signature valid, and if not, why.

use std::path::PathBuf;
use std::sync::Arc;

use wxpay_signing::clock::FixedClock;
use wxpay_signing::{Certificate, KeyStore, PublicKey, ResponseHeaders, Verifier, header};

use crate::{Failure, body_bytes};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// WeChat Pay public key PEM (SPKI), or a platform certificate PEM.
    #[arg(long)]
    public_key: PathBuf,
    /// The key's id (PUB_KEY_ID_…); default: the certificate's serial, or --serial.
    #[arg(long)]
    public_key_id: Option<String>,
    /// Wechatpay-Timestamp.
    #[arg(long)]
    timestamp: String,
    /// Wechatpay-Nonce.
    #[arg(long)]
    nonce: String,
    /// Wechatpay-Signature.
    #[arg(long)]
    signature: String,
    /// Wechatpay-Serial.
    #[arg(long)]
    serial: String,
    /// Response body (exact bytes received).
    #[arg(
        long,
        required_unless_present = "body_file",
        conflicts_with = "body_file"
    )]
    body: Option<String>,
    /// File holding the response body (at most 4 MiB).
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// Unix seconds to judge the timestamp window against (default: now).
    #[arg(long)]
    now: Option<i64>,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    // An empty value is no header: `--serial ''` would name a key stored under "".
    for (flag, value, name) in [
        ("--timestamp", &args.timestamp, header::TIMESTAMP),
        ("--nonce", &args.nonce, header::NONCE),
        ("--signature", &args.signature, header::SIGNATURE),
        ("--serial", &args.serial, header::SERIAL),
    ] {
        if value.trim().is_empty() {
            return Err(Failure::usage(format!(
                "{flag} is empty: give the value of the answer's {name} header"
            )));
        }
    }
    let pem = crate::read_file(
        "--public-key",
        &args.public_key,
        wxpay_signing::file::MAX_PEM_BYTES,
        "a PEM key or certificate",
    )?;
    let (key, cert_serial) = match Certificate::from_pem(&pem) {
        Ok(cert) => (cert.public_key().clone(), Some(cert.serial_no().to_owned())),
        Err(_) => (
            PublicKey::from_pem(&pem).map_err(|e| Failure::usage(format!("--public-key: {e}")))?,
            None,
        ),
    };
    let id = args
        .public_key_id
        .or(cert_serial)
        .unwrap_or_else(|| args.serial.clone());
    let mut verifier = Verifier::new(KeyStore::new().with_public_key(id, key));
    if let Some(now) = args.now {
        verifier = verifier.with_clock(Arc::new(FixedClock(now)));
    }
    let body = body_bytes(
        args.body,
        args.body_file,
        wxpay_transport::MAX_RESPONSE_BYTES as u64,
        "an answer or callback body",
    )?;
    let headers = ResponseHeaders {
        timestamp: &args.timestamp,
        nonce: &args.nonce,
        signature: &args.signature,
        serial: &args.serial,
        signature_type: None,
    };
    match verifier.verify(&headers, &body) {
        Ok(()) => {
            println!("valid");
            Ok(())
        }
        Err(e) => Err(Failure::with_code(1, format!("invalid: {e}"))),
    }
}
