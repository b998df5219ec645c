//! `wxpay campaign run | status | export`: bulk issuance with a SQLite or PostgreSQL
//! journal. The work is wxpay-campaign's; this parses, shows progress and prints.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wxpay_campaign::{
    CampaignMeta, Defaults, Journal, JournalError, Location, PgOptions, Progress, RunOptions,
};
use wxpay_coupons::ClientConfig;

use crate::Failure;

mod output;

use output::{Bar, ExportCsv, Lines};

/// `--journal`: a SQLite file or a `postgres://` URL. Its `Debug` never shows a password.
#[derive(Clone)]
pub(crate) struct JournalSpec(String);

impl std::str::FromStr for JournalSpec {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for JournalSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match wxpay_campaign::PgTarget::parse(&self.0) {
            Ok(target) => write!(f, "{target}"),
            Err(_) if self.0.contains("://") => f.write_str("<journal URL>"),
            Err(_) => write!(f, "{:?}", self.0),
        }
    }
}

/// Where the journal is, and how a PostgreSQL worker behaves.
#[derive(Debug, clap::Args)]
pub(crate) struct JournalArg {
    /// The campaign's journal: a SQLite file, or postgres://USER[:PASSWORD]@HOST[:PORT]/DB
    /// (without a password in the URL, PGPASSWORD is used).
    #[arg(long)]
    journal: JournalSpec,
    /// The campaign's name in a PostgreSQL journal (a database holds many).
    #[arg(long)]
    campaign: Option<String>,
    /// PostgreSQL: a worker silent this long loses its rows to the others.
    #[arg(long, default_value_t = 15.0, value_name = "SECONDS")]
    lease_secs: f64,
    /// PostgreSQL: how long to keep retrying while the database cannot be reached, then stop.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    db_retry_secs: f64,
}

impl JournalArg {
    fn location(&self) -> Result<Location, Failure> {
        Location::parse(&self.journal.0, self.campaign.as_deref()).map_err(Failure::usage)
    }

    fn options(&self) -> Result<PgOptions, Failure> {
        let secs = |name: &str, v: f64| {
            if v.is_finite() && (0.5..=86_400.0).contains(&v) {
                Ok(Duration::from_secs_f64(v))
            } else {
                Err(Failure::usage(format!(
                    "--{name} must be between 0.5 and 86400 seconds"
                )))
            }
        };
        Ok(PgOptions {
            lease: secs("lease-secs", self.lease_secs)?,
            retry_for: secs("db-retry-secs", self.db_retry_secs)?,
        })
    }

    /// The journal if the campaign exists; `Err(why)` inside when it does not.
    async fn open(&self) -> Result<Result<Journal, JournalError>, Failure> {
        let location = self.location()?;
        if let Location::Sqlite(path) = &location
            && !path.exists()
        {
            return Ok(Err(JournalError::Invalid {
                path: path.display().to_string(),
                problem: "does not exist: give --input to start a campaign".into(),
            }));
        }
        match Journal::open_at(&location, self.options()?).await {
            Ok(journal) => Ok(Ok(journal)),
            Err(e @ JournalError::NotFound { .. }) => Ok(Err(e)),
            Err(e) => Err(journal_failure(e)),
        }
    }

    /// The journal of an existing campaign.
    async fn open_existing(&self) -> Result<Journal, Failure> {
        self.open().await?.map_err(Failure::usage)
    }
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Start a campaign from a CSV, or resume (or, PostgreSQL, join) one: without --input.
    Run(RunArgs),
    /// Counts by state, failures by code.
    Status(JournalArg),
    /// Per-row results for the brand's records.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Client config TOML (default: the one the campaign was started with).
    #[arg(long)]
    config: Option<PathBuf>,
    /// CSV with a header row; column openid required; stock_id, product_coupon_id, appid,
    /// brand_id, attach, member_card_id, coupon_code optional per row. One row per line (a
    /// regular file of at most 1 GiB, lines of at most 4 KiB; docs/cli.md).
    #[arg(long)]
    input: Option<PathBuf>,
    #[command(flatten)]
    journal: JournalArg,
    /// Calls per second, confirms included (default: the config's rate_limit_per_sec, 1000).
    /// For PostgreSQL the total of all workers: given to any worker, it changes the campaign's.
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
    #[command(flatten)]
    journal: JournalArg,
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
        Command::Status(args) => crate::runtime()?.block_on(status(&args)),
        Command::Export(args) => crate::runtime()?.block_on(export(args)),
    }
}

/// A journal that failed while in use (exit 1); bad journal arguments are usage errors.
fn journal_failure(e: JournalError) -> Failure {
    match e {
        JournalError::Unreachable { .. }
        | JournalError::Sqlite { .. }
        | JournalError::Io { .. } => Failure::with_code(1, e),
        other => Failure::usage(other),
    }
}

fn run_campaign(args: RunArgs) -> Result<(), Failure> {
    let runtime = crate::runtime()?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: RunArgs) -> Result<(), Failure> {
    let location = args.journal.location()?;
    let options = args.journal.options()?;
    let journal = match (&args.input, args.journal.open().await?) {
        (None, Err(why)) => return Err(Failure::usage(why)),
        (None, Ok(journal)) => journal,
        (Some(input), Ok(journal)) => same_input(journal, input, &location)?,
        (Some(input), Err(_)) => match create(&args, input, &location, options).await? {
            Created::Journal(journal) => *journal,
            Created::DryRun => return Ok(()),
            // Another worker created it first, from the same input or not.
            Created::Raced => same_input(args.journal.open_existing().await?, input, &location)?,
        },
    };
    if args.dry_run {
        eprintln!(
            "--dry-run: {} holds campaign {}; nothing sent",
            journal.describe(),
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
    let rate = match journal.shared() {
        Some(pg) => {
            if let Some(rate) = args.rate {
                pg.set_rate(rate).await.map_err(journal_failure)?;
            }
            format!(
                "{}/s for all workers",
                pg.rate().await.map_err(journal_failure)?
            )
        }
        None => {
            if let Some(rate) = args.rate {
                config.rate_limit_per_sec = rate;
            }
            format!("{}/s", config.rate_limit_per_sec)
        }
    };
    let (client, retry) = wxpay_campaign::client_for(&journal, &config).map_err(Failure::usage)?;
    let journal = Arc::new(journal);
    let before = journal.counts().await.map_err(journal_failure)?;
    eprintln!(
        "campaign {}: {} rows, {} issued, {} to send, at most {rate}, {} in flight",
        journal.meta().campaign_id,
        before.total,
        before.issued,
        before.total - before.issued - before.failed,
        args.concurrency
    );
    let stop = Arc::new(AtomicBool::new(false));
    let progress: Arc<dyn Progress> = if std::io::stderr().is_terminal() {
        Arc::new(Bar::new(before.total))
    } else {
        Arc::new(Lines::default())
    };
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
    let report = wxpay_campaign::run(
        journal.clone(),
        client,
        RunOptions {
            concurrency: args.concurrency,
            stop: stop.clone(),
            progress: progress.clone(),
            confirm: args.confirm,
            retry,
        },
    )
    .await;
    let report = report.map_err(|e| {
        let note = if journal.shared().is_some() {
            "; rows this worker held are sent by the other workers once its lease runs out, or by the next run"
        } else {
            "; resume when the journal is usable again"
        };
        Failure::with_code(1, format!("{e}{note}"))
    })?;
    let c = report.counts;
    let secs = report.elapsed.as_secs_f64();
    let cpu = process_cpu()
        .map(|cpu| {
            format!(
                "; cpu {:.1} s ({:.3} ms per row issued here)",
                cpu.as_secs_f64(),
                cpu.as_secs_f64() * 1e3 / report.issued_now.max(1) as f64
            )
        })
        .unwrap_or_default();
    eprintln!(
        "\ncampaign {}: {} issued of {} ({} now, {:.0}/s over {:.1} s); {} failed, {} retryable, {} pending{cpu}",
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
    print_problems(&journal).await?;
    let what = if report.interrupted {
        "interrupted"
    } else {
        "not every row was issued"
    };
    let shown = shown_args(&location);
    Err(Failure::with_code(
        1,
        format!(
            "{what}: {} issued, {} failed, {} retryable, {} pending; resume with `wxpay campaign run {shown}`, \
             see `wxpay campaign export {shown}`",
            c.issued,
            c.failed,
            c.retryable,
            c.pending + c.in_flight,
        ),
    ))
}

/// `--journal … [--campaign …]` as a user can retype it, without the password.
fn shown_args(location: &Location) -> String {
    match location {
        Location::Sqlite(path) => format!("--journal {}", path.display()),
        Location::Postgres { target, campaign } => {
            format!("--journal {target} --campaign {campaign}")
        }
    }
}

/// Resuming (or joining) with `--input`: only with the input the campaign was made from.
fn same_input(journal: Journal, input: &Path, location: &Location) -> Result<Journal, Failure> {
    let sha = wxpay_campaign::journal::sha256_file(input)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", input.display())))?;
    if sha != journal.meta().input_sha256 {
        return Err(Failure::usage(format!(
            "{} already holds campaign {} from {}, and {} differs from it; resume with `wxpay campaign run {}` alone, or start a new {}",
            journal.describe(),
            journal.meta().campaign_id,
            journal.meta().input_file,
            input.display(),
            shown_args(location),
            if journal.shared().is_some() {
                "campaign (another --campaign name)"
            } else {
                "journal"
            },
        )));
    }
    let verb = if journal.shared().is_some() {
        "joining"
    } else {
        "resuming"
    };
    eprintln!(
        "{verb} campaign {} (same input)",
        journal.meta().campaign_id
    );
    Ok(journal)
}

enum Created {
    Journal(Box<Journal>),
    DryRun,
    /// Another worker created a campaign of that name first.
    Raced,
}

/// Reads and checks the input; creates the journal unless `--dry-run`.
async fn create(
    args: &RunArgs,
    input: &Path,
    location: &Location,
    options: PgOptions,
) -> Result<Created, Failure> {
    if let Location::Sqlite(path) = location
        && !args.dry_run
    {
        // Before reading what may be millions of rows.
        wxpay_campaign::SqliteJournal::check_creatable(path).map_err(Failure::usage)?;
    }
    let campaign_id = wxpay_campaign::new_campaign_id().map_err(Failure::usage)?;
    let rows = wxpay_campaign::input::read(
        input,
        &defaults(args),
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
        return Ok(Created::DryRun);
    }
    let Some(config) = &args.config else {
        return Err(Failure::usage("starting a campaign needs --config"));
    };
    let config_file = std::fs::canonicalize(config)
        .map_err(|e| Failure::usage(format!("--config {}: {e}", config.display())))?
        .display()
        .to_string();
    let rate = match args.rate {
        Some(rate) => rate,
        None => {
            ClientConfig::from_file(config)
                .map_err(Failure::usage)?
                .rate_limit_per_sec
        }
    };
    let meta = CampaignMeta {
        campaign_id,
        created_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
        input_file: input.display().to_string(),
        input_sha256: wxpay_campaign::journal::sha256_file(input)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", input.display())))?,
        config_file: Some(config_file),
        generate_codes: args.generate_codes.clone(),
        defaults: defaults(args),
        confirm: args.confirm,
    };
    let journal = match Journal::create_at(location, &meta, &rows, rate.max(1), options).await {
        Ok(journal) => journal,
        Err(JournalError::Exists { .. }) => return Ok(Created::Raced),
        Err(e) => return Err(journal_failure(e)),
    };
    eprintln!(
        "campaign {} written to {}",
        meta.campaign_id,
        journal.describe()
    );
    Ok(Created::Journal(Box::new(journal)))
}

fn defaults(args: &RunArgs) -> Defaults {
    Defaults {
        stock_id: args.stock_id.clone(),
        product_coupon_id: args.product_coupon_id.clone(),
        appid: args.appid.clone(),
        brand_id: args.brand_id.clone(),
        attach: args.attach.clone(),
    }
}

/// This process's CPU time so far (Linux; `None` elsewhere).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

async fn print_problems(journal: &Journal) -> Result<(), Failure> {
    for (code, state, n, example) in journal.problems().await.map_err(journal_failure)? {
        eprintln!("  {code} ({}): {n} row(s), e.g. {example}", state.as_str());
    }
    Ok(())
}

async fn status(args: &JournalArg) -> Result<(), Failure> {
    let journal = args.open_existing().await?;
    let m = journal.meta();
    let c = journal.counts().await.map_err(journal_failure)?;
    println!("campaign   {}", m.campaign_id);
    println!("journal    {}", journal.describe());
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
    println!("pending    {} (+{} in flight)", c.pending, c.in_flight);
    if m.confirm || c.confirmed > 0 {
        println!(
            "confirmed  {} ({} failed for good)",
            c.confirmed, c.confirm_failed
        );
    }
    if let Some(pg) = journal.shared() {
        println!(
            "rate       {}/s for all workers",
            pg.rate().await.map_err(journal_failure)?
        );
        let workers = pg.workers().await.map_err(journal_failure)?;
        let live = workers.iter().filter(|w| w.lease_left_secs > 0.0).count();
        println!("workers    {live} live, {} expired", workers.len() - live);
        for w in &workers {
            let lease = if w.lease_left_secs > 0.0 {
                format!("lease {:.1} s left", w.lease_left_secs)
            } else {
                format!("lease expired {:.1} s ago", -w.lease_left_secs)
            };
            println!(
                "  {} {} pid {}: {lease}, holding {} row(s)",
                w.worker, w.host, w.pid, w.holding
            );
        }
    }
    for (code, state, n, example) in journal.problems().await.map_err(journal_failure)? {
        println!("  {code} ({}): {n} row(s), e.g. {example}", state.as_str());
    }
    Ok(())
}

async fn export(args: ExportArgs) -> Result<(), Failure> {
    let journal = args.journal.open_existing().await?;
    let rows = journal.export().await.map_err(journal_failure)?;
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
