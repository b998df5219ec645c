//! Running a campaign: claim rows from the journal, send them with bounded concurrency under
//! the rate limit, record outcomes in batches. With a SQLite journal the client paces and
//! retries; with a PostgreSQL journal the engine does both, under the campaign's shared budget.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc};
use wxpay_coupons::{
    ClientConfig, ConfirmSendUserProductCouponRequest, CouponClient, CouponError, ErrorCode,
    RetryPolicy, TransportBuilder, transport::ConfigError,
};

use crate::budget::SharedBudget;
use crate::input::Row;
use crate::journal::{Confirmation, Counts, Journal, JournalError, Outcome, confirm_request_no};

/// What the engine tells whoever shows progress.
pub trait Progress: Send + Sync {
    /// Counts changed (called at most every few hundred milliseconds).
    fn update(&self, counts: &Counts, rate: f64);
    /// Something the user should read (a stock stopped, say).
    fn message(&self, text: &str);
}

/// No progress output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn update(&self, _: &Counts, _: f64) {}
    fn message(&self, _: &str) {}
}

/// How to run.
#[derive(Clone)]
pub struct RunOptions {
    /// Sends in flight at most.
    pub concurrency: usize,
    /// Set to stop gracefully: no new sends, in-flight ones are recorded.
    pub stop: Arc<AtomicBool>,
    /// Progress output.
    pub progress: Arc<dyn Progress>,
    /// Confirm every issued coupon (also those issued by earlier runs), exactly once.
    pub confirm: bool,
    /// Retries of one call, made by the engine when a shared (PostgreSQL) journal paces the
    /// calls, so that every attempt draws from the campaign's budget. The client's own
    /// retries and rate limit must then be off: [`client_for`] builds such a client.
    pub retry: RetryPolicy,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            concurrency: 64,
            stop: Arc::default(),
            progress: Arc::new(Silent),
            confirm: false,
            retry: RetryPolicy::default(),
        }
    }
}

/// The client for a campaign in `journal`, and the retry policy for [`RunOptions::retry`].
/// For a SQLite journal: the client as `config` says (it paces and retries). For a shared
/// journal: no client-side limiter and no client retries — the engine paces every attempt
/// through the campaign's budget and retries itself.
pub fn client_for(
    journal: &Journal,
    config: &ClientConfig,
) -> Result<(CouponClient, RetryPolicy), ConfigError> {
    let retry = RetryPolicy {
        max_retries: config.max_retries,
        ..RetryPolicy::default()
    };
    let builder = TransportBuilder::from_config(config)?;
    let builder = match journal.shared() {
        None => builder,
        Some(_) => builder.rate_limit_per_sec(0).retry(RetryPolicy::none()),
    };
    Ok((CouponClient::new(builder.build()?), retry))
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Rows by state at the end.
    pub counts: Counts,
    /// Rows issued by this run (this worker).
    pub issued_now: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Stocks this run stopped sending from, with the reason.
    pub stopped: Vec<(String, String)>,
    /// Whether the run was asked to stop before it finished.
    pub interrupted: bool,
    /// Whether coupons are confirmed too.
    pub confirm: bool,
}

impl Report {
    /// Every row issued (and confirmed, in a confirming campaign).
    pub fn complete(&self) -> bool {
        self.counts.issued == self.counts.total
            && (!self.confirm || self.counts.confirmed == self.counts.total)
    }
}

/// Errors that end a run early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// One piece of work.
enum Work {
    /// Send (and, when confirming, confirm).
    Send(Row),
    /// Confirm a row issued earlier, whose coupon has this code.
    Confirm(Row, String),
}

impl Work {
    fn row(&self) -> &Row {
        match self {
            Work::Send(row) | Work::Confirm(row, _) => row,
        }
    }
}

struct Engine {
    journal: Arc<Journal>,
    client: CouponClient,
    queue: Mutex<VecDeque<Work>>,
    confirm: bool,
    stopped: std::sync::Mutex<Vec<(String, String)>>,
    stop: Arc<AtomicBool>,
    /// Set when the journal failed: no new work, the error ends the run.
    halted: AtomicBool,
    batch: usize,
    progress: Arc<dyn Progress>,
    /// The campaign's shared budget (PostgreSQL journals); `None`: the client paces.
    budget: Option<SharedBudget>,
    retry: RetryPolicy,
}

/// How often a worker with nothing to claim looks again while other workers hold rows.
const WAIT_POLL: Duration = Duration::from_millis(250);

impl Engine {
    /// Stops claiming work because of `e`, and passes it on.
    fn halt(&self, e: JournalError) -> JournalError {
        if !self.halted.swap(true, Ordering::Relaxed) {
            tracing::error!("{e}");
        }
        e
    }

    fn stopped_stocks(&self) -> HashSet<String> {
        self.stopped
            .lock()
            .map(|s| s.iter().map(|(id, _)| id.clone()).collect())
            .unwrap_or_default()
    }

    fn is_stopped(&self, stock: &str) -> bool {
        self.stopped
            .lock()
            .map(|s| s.iter().any(|(id, _)| id == stock))
            .unwrap_or(false)
    }

    /// The next piece of work: rows to send first, then (confirming campaigns) issued rows
    /// still to confirm; claims a batch from the journal when the queue is empty. A worker of
    /// a shared journal with nothing to claim waits while others hold rows (it takes them
    /// over if their holder's lease runs out).
    async fn next(&self) -> Result<Option<Work>, JournalError> {
        let mut queue = self.queue.lock().await;
        loop {
            if self.stop.load(Ordering::Relaxed) || self.halted.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if let Some(work) = queue.pop_front() {
                return Ok(Some(work));
            }
            let stopped = self.stopped_stocks();
            let claimed = self.journal.claim(self.batch, &stopped).await?;
            if !claimed.is_empty() {
                queue.extend(claimed.into_iter().map(Work::Send));
                continue;
            }
            if self.confirm {
                let unconfirmed = self.journal.claim_unconfirmed(self.batch).await?;
                if !unconfirmed.is_empty() {
                    queue.extend(
                        unconfirmed
                            .into_iter()
                            .map(|(row, code)| Work::Confirm(row, code)),
                    );
                    continue;
                }
            }
            if self.journal.others_busy(&stopped).await? == 0 {
                return Ok(None);
            }
            tokio::time::sleep(WAIT_POLL).await;
        }
    }

    /// Waits for the budget (shared journals), then makes the call; retries it under the
    /// budget when the engine retries. `Err`: the budget could not be reached.
    async fn call<T, F, Fut>(&self, f: F) -> Result<Result<T, CouponError>, JournalError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, CouponError>>,
    {
        let (Some(budget), Some(pg)) = (&self.budget, self.journal.shared()) else {
            return Ok(f().await);
        };
        let started = Instant::now();
        let mut retry = 0;
        loop {
            budget.acquire(pg).await?;
            match f().await {
                Err(e)
                    if e.is_retryable()
                        && retry < self.retry.max_retries
                        && started.elapsed() < self.retry.max_elapsed =>
                {
                    retry += 1;
                    tracing::debug!("retry {retry}: {e}");
                    tokio::time::sleep(self.retry.backoff(retry)).await;
                }
                other => return Ok(other),
            }
        }
    }

    /// Does one piece of work. `Err`: the shared budget could not be reached; the row stays
    /// claimed in the journal and is sent again later, with its own request number.
    async fn work(&self, work: &Work) -> Result<Outcome, JournalError> {
        Ok(match work {
            Work::Send(row) => {
                let outcome = self.send(row).await?;
                match outcome {
                    Outcome::Issued {
                        coupon_code,
                        request_id,
                        ..
                    } if self.confirm => {
                        let confirmation = Some(self.confirm(row, &coupon_code).await?);
                        Outcome::Issued {
                            coupon_code,
                            request_id,
                            confirmation,
                        }
                    }
                    other => other,
                }
            }
            Work::Confirm(row, code) => Outcome::Confirmed(self.confirm(row, code).await?),
        })
    }

    /// Confirms an issued coupon with the row's deterministic confirm number.
    async fn confirm(&self, row: &Row, coupon_code: &str) -> Result<Confirmation, JournalError> {
        let request = ConfirmSendUserProductCouponRequest::new(
            &row.openid,
            coupon_code,
            &row.product_coupon_id,
            &row.stock_id,
            &row.appid,
            confirm_request_no(&self.journal.meta().campaign_id, row.row),
        )
        .with_brand_id(&row.brand_id);
        let answer = self
            .call(|| self.client.confirm_send_user_product_coupon(&request))
            .await?;
        Ok(match answer {
            Ok(coupon) => Confirmation::Confirmed {
                coupon_state: coupon.coupon_state.to_string(),
            },
            Err(e) => Confirmation::Failed {
                message: e.to_string(),
                retryable: e.is_retryable(),
            },
        })
    }

    /// Sends one row and turns the result into an outcome.
    async fn send(&self, row: &Row) -> Result<Outcome, JournalError> {
        if self.is_stopped(&row.stock_id) {
            return Ok(Outcome::Pending { reason: None });
        }
        // The one place a send request is built: from the row, with its own request number.
        let request = row.request();
        let answer = self
            .call(|| self.client.send_user_product_coupon_answered(&request))
            .await?;
        Ok(match answer {
            Ok(answered) => Outcome::Issued {
                coupon_code: answered.entity.coupon_code,
                request_id: answered.request_id,
                confirmation: None,
            },
            Err(CouponError::Api(e)) if e.code == ErrorCode::NotEnough => {
                let reason = format!(
                    "{} (Request-ID {})",
                    e.message,
                    e.request_id.as_deref().unwrap_or("none")
                );
                self.stop_stock(&row.stock_id, &reason);
                Outcome::Pending {
                    reason: Some(("NOT_ENOUGH".into(), e.message.clone())),
                }
            }
            Err(e) => failure(&e),
        })
    }

    fn stop_stock(&self, stock: &str, reason: &str) {
        if let Ok(mut stopped) = self.stopped.lock()
            && !stopped.iter().any(|(id, _)| id == stock)
        {
            stopped.push((stock.to_owned(), reason.to_owned()));
            self.progress.message(&format!(
                "stock {stock}: NOT_ENOUGH — {reason}. Stopped sending from it; its rows stay pending \
                 (resume later, e.g. tomorrow or after uploading codes)"
            ));
        }
    }
}

/// The outcome recorded for an error.
fn failure(e: &CouponError) -> Outcome {
    let (code, retryable) = match e {
        CouponError::Api(api) => (api.code.as_str().to_owned(), api.code.is_retryable()),
        CouponError::Invalid(_) => ("INVALID".to_owned(), false),
        CouponError::Unverified { .. } => ("UNVERIFIED".to_owned(), true),
        CouponError::Transport(_) => ("TRANSPORT".to_owned(), true),
        CouponError::Decode { .. } => ("DECODE".to_owned(), true),
        _ => ("ERROR".to_owned(), false),
    };
    let message = match e {
        CouponError::Api(api) => api.message.clone(),
        other => other.to_string(),
    };
    Outcome::Failed {
        code,
        message,
        retryable,
        request_id: e.request_id().map(str::to_owned),
    }
}

/// Runs (or resumes) the campaign in `journal` until every row is done, every remaining row
/// is held back by a stopped stock, or `options.stop` is set. With a shared journal this
/// process is one worker among any number; it ends when nothing is left to claim or wait for.
pub async fn run(
    journal: Arc<Journal>,
    client: CouponClient,
    options: RunOptions,
) -> Result<Report, RunError> {
    let started = Instant::now();
    journal.prepare_resume().await?;
    let before = journal.counts().await?;
    let budget = match journal.shared() {
        Some(pg) => Some(SharedBudget::new(pg.rate().await?)),
        None => None,
    };
    let concurrency = options.concurrency.max(1);
    let engine = Arc::new(Engine {
        journal: journal.clone(),
        client,
        queue: Mutex::new(VecDeque::new()),
        confirm: options.confirm || journal.meta().confirm,
        stopped: std::sync::Mutex::new(Vec::new()),
        stop: options.stop.clone(),
        halted: AtomicBool::new(false),
        batch: (concurrency * 2).clamp(16, 512),
        progress: options.progress.clone(),
        budget,
        retry: options.retry,
    });
    let (tx, rx) = mpsc::channel::<(u64, Outcome)>(concurrency * 4);
    let recorder = tokio::spawn(record(
        journal.clone(),
        rx,
        options.progress.clone(),
        started,
        before,
    ));
    let heartbeat = journal
        .shared()
        .is_some()
        .then(|| tokio::spawn(heartbeat(engine.clone())));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (engine, tx) = (engine.clone(), tx.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let work = match engine.next().await {
                    Ok(Some(work)) => work,
                    Ok(None) => return Ok(()),
                    Err(e) => return Err(engine.halt(e)),
                };
                let outcome = match engine.work(&work).await {
                    Ok(outcome) => outcome,
                    Err(e) => return Err(engine.halt(e)),
                };
                if tx.send((work.row().row, outcome)).await.is_err() {
                    return Ok(());
                }
            }
        }));
    }
    drop(tx);
    let mut first_error = None;
    for w in workers {
        match w.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => first_error = first_error.or(Some(e)),
            Err(join) => tracing::error!("campaign worker failed: {join}"),
        }
    }
    engine.halted.store(true, Ordering::Relaxed);
    let recorded = recorder.await.map_err(|e| JournalError::Invalid {
        path: journal.describe(),
        problem: e.to_string(),
    })?;
    if let Some(hb) = heartbeat {
        hb.abort();
        if let Ok(Err(e)) = hb.await {
            first_error = first_error.or(Some(e));
        }
    }
    let issued_now = recorded?;
    // A journal that could not be reached is left as it is: what this worker held stays
    // claimed until its lease runs out, then others (or the next run) send it again.
    if let Some(e) = first_error {
        return Err(e.into());
    }
    // Rows claimed but never sent (the run was stopped) go back to pending.
    let unsent: Vec<(u64, Outcome)> = engine
        .queue
        .lock()
        .await
        .drain(..)
        .filter_map(|w| match w {
            Work::Send(row) => Some((row.row, Outcome::Pending { reason: None })),
            // An issued row waiting for its confirm stays issued; the next run confirms it.
            Work::Confirm(..) => None,
        })
        .collect();
    journal.record(&unsent).await?;
    journal.finish().await?;
    if let Some((reservations, wasted)) = engine.budget.as_ref().map(SharedBudget::stats) {
        tracing::debug!("budget: {reservations} reservations, {wasted} slots unused (late)");
    }
    let counts = journal.counts().await?;
    let stopped = engine.stopped.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(Report {
        issued_now,
        counts,
        elapsed: started.elapsed(),
        stopped,
        interrupted: options.stop.load(Ordering::Relaxed),
        confirm: engine.confirm,
    })
}

/// Renews a shared journal's lease every third of it. A lease found expired (the database
/// was out of reach for longer) means others may hold this worker's rows now: the rows
/// queued here are dropped unsent and the worker rejoins under a new id.
async fn heartbeat(engine: Arc<Engine>) -> Result<(), JournalError> {
    let Some(pg) = engine.journal.shared() else {
        return Ok(());
    };
    let every = pg.options().lease / 3;
    loop {
        tokio::time::sleep(every).await;
        if engine.halted.load(Ordering::Relaxed) {
            return Ok(());
        }
        match pg.heartbeat().await {
            Ok(true) => {}
            Ok(false) => {
                let mut queue = engine.queue.lock().await;
                tracing::warn!(
                    "journal {}: lease lost; dropping {} queued rows and rejoining",
                    pg.describe(),
                    queue.len()
                );
                queue.clear();
                pg.register().await.map_err(|e| engine.halt(e))?;
            }
            Err(e) => return Err(engine.halt(e)),
        }
    }
}

/// Writes outcomes in batches (one transaction per batch) and reports progress, keeping the
/// counts in memory (a `COUNT(*)` over a large journal several times a second would cost
/// more than the sends); a shared journal's totals are read back every 2 s, so that
/// progress shows the whole campaign. Returns how many rows this worker issued.
async fn record(
    journal: Arc<Journal>,
    mut rx: mpsc::Receiver<(u64, Outcome)>,
    progress: Arc<dyn Progress>,
    started: Instant,
    mut counts: Counts,
) -> Result<u64, JournalError> {
    let issued_before = counts.issued;
    let mut issued_here = 0;
    let mut batch = Vec::with_capacity(256);
    let mut last_update = Instant::now();
    let mut last_refresh = Instant::now();
    loop {
        let deadline = tokio::time::sleep(Duration::from_millis(100));
        tokio::pin!(deadline);
        let closed = loop {
            tokio::select! {
                item = rx.recv() => match item {
                    Some(item) => {
                        batch.push(item);
                        if batch.len() >= 256 { break false; }
                    }
                    None => break true,
                },
                _ = &mut deadline => break false,
            }
        };
        journal.record(&batch).await?;
        for (_, outcome) in batch.drain(..) {
            if matches!(outcome, Outcome::Issued { .. }) {
                issued_here += 1;
            }
            counts.apply(&outcome);
        }
        if journal.shared().is_some() && last_refresh.elapsed() >= Duration::from_secs(2) {
            counts = journal.counts().await?;
            last_refresh = Instant::now();
        }
        if closed || last_update.elapsed() >= Duration::from_millis(250) {
            let rate = counts.issued.saturating_sub(issued_before) as f64
                / started.elapsed().as_secs_f64().max(1e-3);
            progress.update(&counts, rate);
            last_update = Instant::now();
        }
        if closed {
            return Ok(issued_here);
        }
    }
}
