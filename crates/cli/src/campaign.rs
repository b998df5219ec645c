//! `wxpay campaign run | status | export`: bulk issuance with a SQLite journal. The work is
//! wxpay-campaign's; this parses, shows progress and prints.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wxpay_campaign::{CampaignMeta, Counts, Defaults, Journal, Progress, RunOptions};
use wxpay_coupons::{ClientConfig, CouponClient, Transport};

use crate::Failure;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Start a campaign from a CSV, or resume one (`--journal` alone).
    Run(RunArgs),
    /// Counts by state, failures by code.
    Status(JournalArg),
    /// Per-row results for the brand's records.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct JournalArg {
    /// The campaign's journal (SQLite).
    #[arg(long)]
    journal: PathBuf,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Client config TOML (default: the one the campaign was started with).
    #[arg(long)]
    config: Option<PathBuf>,
    /// CSV with a header row; column openid required; stock_id, product_coupon_id, appid,
    /// brand_id, attach, member_card_id, coupon_code optional per row.
    #[arg(long)]
    input: Option<PathBuf>,
    /// The campaign's journal; created from --input, resumed without it.
    #[arg(long)]
    journal: PathBuf,
    /// Requests per second (default: the config's rate_limit_per_sec, 1000).
    #[arg(long)]
    rate: Option<u32>,
    /// Sends in flight at most.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Default stock for rows without one.
    #[arg(long)]
    stock_id: Option<String>,
    /// Default product coupon.
    #[arg(long)]
    product_coupon_id: Option<String>,
    /// Default AppID.
    #[arg(long)]
    appid: Option<String>,
    /// Default brand.
    #[arg(long)]
    brand_id: Option<String>,
    /// Default attach text.
    #[arg(long)]
    attach: Option<String>,
    /// Give rows without coupon_code one derived from PREFIX, the campaign id and the row
    /// (API_ASSIGN stocks).
    #[arg(long, value_name = "PREFIX")]
    generate_codes: Option<String>,
    /// Check the input and stop: nothing is written, nothing sent.
    #[arg(long)]
    dry_run: bool,
    /// Also confirm every issued coupon (CONFIRMING → EFFECTIVE/PENDING), exactly once;
    /// remembered by the journal.
    #[arg(long)]
    confirm: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The campaign's journal.
    #[arg(long)]
    journal: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Write here instead of stdout.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Csv,
    Json,
}

pub(crate) fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run(args) => run_campaign(args),
        Command::Status(args) => status(&args.journal),
        Command::Export(args) => export(args),
    }
}

fn journal_failure(e: impl std::fmt::Display) -> Failure {
    Failure::with_code(1, e)
}

fn run_campaign(args: RunArgs) -> Result<(), Failure> {
    let defaults = Defaults {
        stock_id: args.stock_id.clone(),
        product_coupon_id: args.product_coupon_id.clone(),
        appid: args.appid.clone(),
        brand_id: args.brand_id.clone(),
        attach: args.attach.clone(),
    };
    let journal = match (&args.input, args.journal.exists()) {
        (None, false) => {
            return Err(Failure::usage(format!(
                "{} does not exist: give --input to start a campaign",
                args.journal.display()
            )));
        }
        (None, true) => Journal::open(&args.journal).map_err(Failure::usage)?,
        (Some(input), true) => {
            let journal = Journal::open(&args.journal).map_err(Failure::usage)?;
            let sha = wxpay_campaign::journal::sha256_file(input)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", input.display())))?;
            if sha != journal.meta().input_sha256 {
                return Err(Failure::usage(format!(
                    "{} already holds campaign {} from {}, and {} differs from it; resume with --journal alone, or start a new journal",
                    args.journal.display(),
                    journal.meta().campaign_id,
                    journal.meta().input_file,
                    input.display()
                )));
            }
            eprintln!(
                "resuming campaign {} (same input)",
                journal.meta().campaign_id
            );
            journal
        }
        (Some(input), false) => match create(&args, input, defaults)? {
            Some(journal) => journal,
            None => return Ok(()), // --dry-run
        },
    };
    if args.dry_run {
        eprintln!(
            "--dry-run: {} holds campaign {}; nothing sent",
            args.journal.display(),
            journal.meta().campaign_id
        );
        return Ok(());
    }
    let config_path = args
        .config
        .clone()
        .or_else(|| journal.meta().config_file.clone().map(PathBuf::from))
        .ok_or_else(|| {
            Failure::usage("no client config: give --config (the campaign does not remember one)")
        })?;
    let mut config = ClientConfig::from_file(&config_path).map_err(Failure::usage)?;
    if let Some(rate) = args.rate {
        config.rate_limit_per_sec = rate;
    }
    let client = CouponClient::new(Transport::from_config(&config).map_err(Failure::usage)?);
    let journal = Arc::new(journal);
    let before = journal.counts().map_err(journal_failure)?;
    eprintln!(
        "campaign {}: {} rows, {} issued, {} to send, at most {}/s, {} in flight",
        journal.meta().campaign_id,
        before.total,
        before.issued,
        before.total - before.issued - before.failed,
        config.rate_limit_per_sec,
        args.concurrency
    );
    let stop = Arc::new(AtomicBool::new(false));
    let progress: Arc<dyn Progress> = if std::io::stderr().is_terminal() {
        Arc::new(Bar::new(before.total))
    } else {
        Arc::new(Lines::default())
    };
    let runtime = crate::runtime()?;
    let report = runtime.block_on(async {
        let stopper = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nstopping: finishing the sends in flight (Ctrl-C again to abort)");
                stopper.store(true, Ordering::Relaxed);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        wxpay_campaign::run(
            journal.clone(),
            client,
            RunOptions {
                concurrency: args.concurrency,
                stop: stop.clone(),
                progress: progress.clone(),
                confirm: args.confirm,
            },
        )
        .await
    });
    let report = report.map_err(journal_failure)?;
    let c = report.counts;
    let secs = report.elapsed.as_secs_f64();
    eprintln!(
        "\ncampaign {}: {} issued of {} ({} now, {:.0}/s over {:.1} s); {} failed, {} retryable, {} pending",
        journal.meta().campaign_id,
        c.issued,
        c.total,
        report.issued_now,
        report.issued_now as f64 / secs.max(1e-3),
        secs,
        c.failed,
        c.retryable,
        c.pending + c.in_flight
    );
    if report.confirm {
        eprintln!(
            "confirmed {} of {} ({} confirm failures for good)",
            c.confirmed, c.total, c.confirm_failed
        );
    }
    for (stock, reason) in &report.stopped {
        eprintln!("stock {stock} stopped: {reason}");
    }
    if report.complete() {
        return Ok(());
    }
    print_problems(&journal)?;
    let what = if report.interrupted {
        "interrupted"
    } else {
        "not every row was issued"
    };
    Err(Failure::with_code(
        1,
        format!(
            "{what}: {} issued, {} failed, {} retryable, {} pending; resume with `wxpay campaign run --journal {}`, \
             see `wxpay campaign export --journal {}`",
            c.issued,
            c.failed,
            c.retryable,
            c.pending + c.in_flight,
            args.journal.display(),
            args.journal.display()
        ),
    ))
}

/// Reads and checks the input; creates the journal unless `--dry-run`.
fn create(args: &RunArgs, input: &Path, defaults: Defaults) -> Result<Option<Journal>, Failure> {
    let campaign_id = wxpay_campaign::new_campaign_id().map_err(Failure::usage)?;
    let rows = wxpay_campaign::input::read(
        input,
        &defaults,
        args.generate_codes.as_deref(),
        &campaign_id,
    )
    .map_err(Failure::usage)?;
    let mut stocks = std::collections::BTreeMap::<&str, u64>::new();
    for r in &rows {
        *stocks.entry(&r.stock_id).or_insert(0) += 1;
    }
    let per_stock: Vec<String> = stocks.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    eprintln!(
        "{}: {} rows, all valid ({})",
        input.display(),
        rows.len(),
        per_stock.join(", ")
    );
    if args.dry_run {
        eprintln!("--dry-run: nothing written, nothing sent");
        return Ok(None);
    }
    let config_file = match &args.config {
        Some(c) => Some(
            std::fs::canonicalize(c)
                .map_err(|e| Failure::usage(format!("--config {}: {e}", c.display())))?
                .display()
                .to_string(),
        ),
        None => return Err(Failure::usage("starting a campaign needs --config")),
    };
    let meta = CampaignMeta {
        campaign_id,
        created_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
        input_file: input.display().to_string(),
        input_sha256: wxpay_campaign::journal::sha256_file(input)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", input.display())))?,
        config_file,
        generate_codes: args.generate_codes.clone(),
        defaults,
        confirm: args.confirm,
    };
    let journal = Journal::create(&args.journal, &meta, &rows).map_err(Failure::usage)?;
    eprintln!(
        "campaign {} written to {}",
        meta.campaign_id,
        args.journal.display()
    );
    Ok(Some(journal))
}

fn print_problems(journal: &Journal) -> Result<(), Failure> {
    for (code, state, n, example) in journal.problems().map_err(journal_failure)? {
        eprintln!("  {code} ({}): {n} row(s), e.g. {example}", state.as_str());
    }
    Ok(())
}

fn status(path: &Path) -> Result<(), Failure> {
    let journal = Journal::open(path).map_err(Failure::usage)?;
    let m = journal.meta();
    let c = journal.counts().map_err(journal_failure)?;
    println!("campaign   {}", m.campaign_id);
    println!(
        "input      {} (sha256 {})",
        m.input_file,
        &m.input_sha256[..m.input_sha256.len().min(16)]
    );
    println!("config     {}", m.config_file.as_deref().unwrap_or("-"));
    println!("rows       {}", c.total);
    println!("issued     {}", c.issued);
    println!(
        "failed     {} (final), {} (retryable: sent again on resume)",
        c.failed, c.retryable
    );
    println!(
        "pending    {} (+{} in flight when a run stopped)",
        c.pending, c.in_flight
    );
    if m.confirm || c.confirmed > 0 {
        println!(
            "confirmed  {} ({} failed for good)",
            c.confirmed, c.confirm_failed
        );
    }
    for (code, state, n, example) in journal.problems().map_err(journal_failure)? {
        println!("  {code} ({}): {n} row(s), e.g. {example}", state.as_str());
    }
    Ok(())
}

fn export(args: ExportArgs) -> Result<(), Failure> {
    let journal = Journal::open(&args.journal).map_err(Failure::usage)?;
    let rows = journal.export().map_err(journal_failure)?;
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let written = match args.format {
        Format::Json => serde_json::to_writer_pretty(&mut out, &rows).map_err(|e| e.to_string()),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            let mut result = Ok(());
            for r in &rows {
                if let Err(e) = w.serialize(ExportCsv::from(r)) {
                    result = Err(e.to_string());
                    break;
                }
            }
            result.and_then(|()| w.flush().map_err(|e| e.to_string()))
        }
    };
    match written.and_then(|()| out.flush().map_err(|e| e.to_string())) {
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.contains("Broken pipe") => Ok(()),
        other => other.map_err(|e| Failure::with_code(1, format!("export: {e}"))),
    }
}

/// A CSV row of the export (flat: the state as text).
#[derive(serde::Serialize)]
struct ExportCsv<'a> {
    row: u64,
    line: u64,
    openid: &'a str,
    stock_id: &'a str,
    send_request_no: &'a str,
    state: &'static str,
    coupon_code: &'a str,
    error_code: &'a str,
    error_message: &'a str,
    retryable: bool,
    request_id: &'a str,
    attempts: u64,
    coupon_state: &'a str,
    confirm_request_no: &'a str,
    confirm_error: &'a str,
}

impl<'a> From<&'a wxpay_campaign::ExportRow> for ExportCsv<'a> {
    fn from(r: &'a wxpay_campaign::ExportRow) -> Self {
        Self {
            row: r.row,
            line: r.line,
            openid: &r.openid,
            stock_id: &r.stock_id,
            send_request_no: &r.send_request_no,
            state: r.state.as_str(),
            coupon_code: r.coupon_code.as_deref().unwrap_or(""),
            error_code: r.error_code.as_deref().unwrap_or(""),
            error_message: r.error_message.as_deref().unwrap_or(""),
            retryable: r.retryable,
            request_id: r.request_id.as_deref().unwrap_or(""),
            attempts: r.attempts,
            coupon_state: r.coupon_state.as_deref().unwrap_or(""),
            confirm_request_no: r.confirm_request_no.as_deref().unwrap_or(""),
            confirm_error: r.confirm_error.as_deref().unwrap_or(""),
        }
    }
}

/// An indicatif progress bar (on a terminal).
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new(total: u64) -> Self {
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} issued · {msg} · ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Self(bar)
    }
}

impl Progress for Bar {
    fn update(&self, c: &Counts, rate: f64) {
        self.0.set_position(c.issued);
        self.0.set_message(format!(
            "{rate:.0}/s · {} failed · {} retryable · {} pending",
            c.failed, c.retryable, c.pending
        ));
        if c.issued + c.failed + c.retryable >= c.total {
            self.0.finish();
        }
    }

    fn message(&self, text: &str) {
        self.0.println(text);
    }
}

/// Plain periodic lines (not a terminal: logs, CI).
#[derive(Default)]
struct Lines {
    last: std::sync::Mutex<Option<Instant>>,
}

impl Progress for Lines {
    fn update(&self, c: &Counts, rate: f64) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let done = c.issued + c.failed + c.retryable >= c.total;
        if last.is_some_and(|t| t.elapsed() < Duration::from_secs(5)) && !done {
            return;
        }
        *last = Some(Instant::now());
        let remaining = c.total.saturating_sub(c.issued + c.failed + c.retryable);
        let eta = if rate > 0.0 {
            format!("{:.0} s", remaining as f64 / rate)
        } else {
            "?".into()
        };
        eprintln!(
            "issued {}/{} · {rate:.0}/s · {} failed · {} retryable · {} pending · ETA {eta}",
            c.issued, c.total, c.failed, c.retryable, c.pending
        );
    }

    fn message(&self, text: &str) {
        eprintln!("{text}");
    }
}
