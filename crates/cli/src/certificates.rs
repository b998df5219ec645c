//! `wxpay certificates download`: the platform certificates of certificate mode, as files.

use std::path::{Path, PathBuf};

use wxpay_transport::certificates::{self, CertificateError};
use wxpay_transport::{ClientConfig, Transport};

use crate::Failure;

/// Platform certificates (certificate mode).
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Download, decrypt and check the platform certificates; write each as DIR/<serial>.pem.
    Download(DownloadArgs),
}

/// `wxpay certificates download`.
#[derive(Debug, clap::Args)]
pub(crate) struct DownloadArgs {
    /// Client config TOML; needs an APIv3 key (apiv3_key_file, apiv3_key or apiv3_key_env).
    #[arg(long)]
    config: PathBuf,
    /// Directory to write `<serial>.pem` into (made if missing).
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Download(args) => download(args),
    }
}

fn download(args: DownloadArgs) -> Result<(), Failure> {
    let config = ClientConfig::from_file(&args.config).map_err(Failure::usage)?;
    let key = config.apiv3_key().map_err(Failure::usage)?.ok_or_else(|| {
        Failure::usage(format!(
            "{}: no APIv3 key: set apiv3_key_file (or apiv3_key, apiv3_key_env); the certificates are encrypted with it",
            args.config.display()
        ))
    })?;
    let transport = Transport::from_config(&config).map_err(Failure::usage)?;
    let downloaded = crate::runtime()?
        .block_on(certificates::download(&transport, &key))
        .map_err(failure)?;
    write_all(&args.out, &downloaded)?;
    for cert in &downloaded {
        let (from, to) = cert.validity();
        println!("{}  valid {from} to {to}", cert.serial_no);
    }
    Ok(())
}

/// Exit codes of docs/contracts.md §5: 3 WeChat Pay refused (401 unauthenticated…), 4 the
/// answer is not usable (wrong APIv3 key, bad signature, garbage), 5 no answer.
fn failure(e: CertificateError) -> Failure {
    let code = match &e {
        CertificateError::Transport(_) => 5,
        CertificateError::Api { .. } => 3,
        _ => 4,
    };
    let hint = match &e {
        CertificateError::Api { status: 401, .. } => {
            "\nthe request was not authenticated: check mchid/brand_id, serial_no and the private key"
        }
        _ => "",
    };
    Failure::with_code(code, format!("certificates download failed: {e}{hint}"))
}

/// Writes every certificate or none: each to a temporary file first, then all renamed.
fn write_all(dir: &Path, certs: &[certificates::PlatformCertificate]) -> Result<(), Failure> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        Failure::with_code(2, format!("cannot {what} {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
    let mut staged = Vec::new();
    for cert in certs {
        let tmp = dir.join(format!(".{}.pem.tmp", cert.serial_no));
        if let Err(e) = std::fs::write(&tmp, &cert.pem) {
            staged.push(tmp.clone());
            for path in &staged {
                let _ = std::fs::remove_file(path);
            }
            return Err(io("write", &tmp, e));
        }
        staged.push(tmp);
    }
    for (tmp, cert) in staged.iter().zip(certs) {
        let path = dir.join(format!("{}.pem", cert.serial_no));
        std::fs::rename(tmp, &path).map_err(|e| io("write", &path, e))?;
    }
    Ok(())
}
