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

/// Reads `--body` or `--body-file` (exactly the bytes of the file).
pub(crate) fn body_bytes(
    body: Option<String>,
    body_file: Option<std::path::PathBuf>,
) -> Result<Vec<u8>, Failure> {
    match (body, body_file) {
        (Some(text), None) => Ok(text.into_bytes()),
        (None, Some(path)) => std::fs::read(&path).map_err(|e| {
            Failure::usage(format!("cannot read --body-file {}: {e}", path.display()))
        }),
        (None, None) => Ok(Vec::new()),
        (Some(_), Some(_)) => Err(Failure::usage("give --body or --body-file, not both")),
    }
}

/// A multi-threaded runtime for the commands that talk to the network.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new()
        .map_err(|e| Failure::with_code(5, format!("cannot start the async runtime: {e}")))
}
