//! Starting the emulator: in-process ([`start`]) or as the real binary ([`spawn_binary`]).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use wxpay_mock::{Emulator, Server, ServerOptions};

/// The dev-state emulator on 127.0.0.1:0, in this process.
pub async fn start() -> Server {
    start_with(Emulator::dev()).await
}

/// An emulator on 127.0.0.1:0, in this process.
pub async fn start_with(emulator: Emulator) -> Server {
    start_with_options(emulator, ServerOptions::default()).await
}

/// An emulator on 127.0.0.1:0 with server options, in this process.
pub async fn start_with_options(emulator: Emulator, options: ServerOptions) -> Server {
    Server::start(Arc::new(emulator), "127.0.0.1:0".parse().unwrap(), options)
        .await
        .expect("start emulator")
}

/// How many coupons `stock_id` has sent, read from the in-process emulator (`None`: no such
/// stock, or no count yet).
pub fn sent_total(server: &Server, stock_id: &str) -> Option<i64> {
    server
        .emulator()
        .stock(stock_id)
        .and_then(|stock| stock.sent_count_info.total_count)
}

/// The dev-state emulator on 127.0.0.1:0 that is also the HTTPS proxy for WeChat Pay's API
/// hosts, with the sandbox CA in `ca_dir` (made there when missing).
pub async fn start_proxy(emulator: Emulator, ca_dir: &Path) -> Server {
    let ca = wxpay_mock::SandboxCa::open(ca_dir).expect("sandbox CA");
    start_with_options(
        emulator,
        ServerOptions {
            proxy: Some(ca),
            ..ServerOptions::default()
        },
    )
    .await
}

/// The `wxpay-mock` binary as a child process; killed on drop.
#[derive(Debug)]
pub struct MockProcess {
    pub child: Child,
    pub base_url: String,
    pub first_line: String,
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `binary` (pass `env!("CARGO_BIN_EXE_wxpay-mock")`) with `args` and waits for its
/// first stdout line, `listening on URL`.
pub fn spawn_binary(binary: &Path, args: &[&str]) -> MockProcess {
    let mut child = Command::new(binary)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn wxpay-mock");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let first_line = line.trim_end().to_owned();
    let base_url = first_line
        .strip_prefix("listening on ")
        .unwrap_or("")
        .to_owned();
    MockProcess {
        child,
        base_url,
        first_line,
    }
}
