//! `wxpay-loadtest`: see `docs/loadtest.md`. Exit 0 iff the verdict passes.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

use clap::Parser;
use wxpay_loadtest::{Options, run};

fn main() -> ExitCode {
    let options = Options::parse();
    match run(&options) {
        Ok(summary) => {
            print!("{}", summary.render());
            println!(
                "  report     {}",
                options.report_dir().join("report.html").display()
            );
            println!(
                "  summary    {}",
                options.report_dir().join("summary.json").display()
            );
            if summary.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("wxpay-loadtest: {e}");
            ExitCode::from(2)
        }
    }
}
