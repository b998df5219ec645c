//! `wxpay`: the command line of wxpay-coupons. It parses arguments and prints; the work is
//! done by the library crates.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod call;
mod campaign;
mod certificates;
mod notify;
mod send;
mod sign;
mod verify;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// WeChat Pay product coupons from the command line.
#[derive(Debug, Parser)]
#[command(name = "wxpay", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the Authorization header for a request (the SIGN_ERROR debugging aid).
    Sign(sign::Args),
    /// Check a WeChat Pay response or callback signature.
    Verify(verify::Args),
    /// Send one product coupon to one user.
    Send(send::Args),
    /// Call any operation of the family (`wxpay call --list` prints them).
    Call(call::Args),
    /// Bulk issuance from a CSV: exactly once, resumable, at the rate limit.
    #[command(subcommand)]
    Campaign(campaign::Command),
    /// Confirm a sent coupon (CONFIRMING → EFFECTIVE / PENDING).
    Confirm(notify::ConfirmArgs),
    /// Callback receiving.
    #[command(subcommand)]
    Notify(notify::NotifyCommand),
    /// Platform certificates (certificate mode): `wxpay certificates download`.
    #[command(subcommand)]
    Certificates(certificates::Command),
}

/// How a command ended: the exit code and what to print on stderr.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// Bad usage or input (exit 2).
    pub(crate) fn usage(message: impl std::fmt::Display) -> Self {
        Self {
            code: 2,
            message: message.to_string(),
        }
    }

    /// A specific exit code.
    pub(crate) fn with_code(code: u8, message: impl std::fmt::Display) -> Self {
        Self {
            code,
            message: message.to_string(),
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: logs sent to a file or a collector stay plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Send(args) => send::run(args),
        Command::Call(args) => call::run(args),
        Command::Campaign(command) => campaign::run(command),
        Command::Confirm(args) => notify::confirm(args),
        Command::Notify(command) => notify::run(command),
        Command::Certificates(command) => certificates::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// The largest request body read from `--body-file`: WeChat Pay's request bodies are a few
/// KiB (the emulator takes 64 KiB by default).
pub(crate) const MAX_REQUEST_BODY: u64 = 1 << 20;

/// Reads `--body` or `--body-file` (exactly the bytes of the file, at most `limit` of them;
/// `what` names the body in the message).
pub(crate) fn body_bytes(
    body: Option<String>,
    body_file: Option<std::path::PathBuf>,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, Failure> {
    match (body, body_file) {
        (Some(text), None) => Ok(text.into_bytes()),
        (None, Some(path)) => read_file("--body-file", &path, limit, what),
        (None, None) => Ok(Vec::new()),
        (Some(_), Some(_)) => Err(Failure::usage("give --body or --body-file, not both")),
    }
}

/// Reads the file `flag` names, at most `limit` bytes (`what` it holds, for the message).
pub(crate) fn read_file(
    flag: &str,
    path: &std::path::Path,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, Failure> {
    wxpay_signing::file::read_limited(path, limit, what)
        .map_err(|e| Failure::usage(format!("cannot read {flag} {}: {e}", path.display())))
}

/// A multi-threaded runtime for the commands that talk to the network.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new()
        .map_err(|e| Failure::with_code(5, format!("cannot start the async runtime: {e}")))
}
