//! Running a campaign: claim rows from the journal, send them with bounded concurrency under
//! the client's rate limit, record outcomes in batches.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc};
use wxpay_coupons::{ConfirmSendUserProductCouponRequest, CouponClient, CouponError, ErrorCode};

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
    /// Rows issued by this run.
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
    confirm_cursor: Mutex<u64>,
    stopped: std::sync::Mutex<Vec<(String, String)>>,
    stop: Arc<AtomicBool>,
    batch: usize,
    progress: Arc<dyn Progress>,
}

impl Engine {
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
    /// still to confirm; claims a batch from the journal when the queue is empty.
    async fn next(&self) -> Result<Option<Work>, JournalError> {
        let mut queue = self.queue.lock().await;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if let Some(work) = queue.pop_front() {
                return Ok(Some(work));
            }
            let claimed = self.journal.claim(self.batch, &self.stopped_stocks())?;
            if !claimed.is_empty() {
                queue.extend(claimed.into_iter().map(Work::Send));
                continue;
            }
            if !self.confirm {
                return Ok(None);
            }
            // A cursor, so that rows claimed for a confirm are not claimed again before
            // their outcome is recorded.
            let mut cursor = self.confirm_cursor.lock().await;
            let unconfirmed = self.journal.claim_unconfirmed(*cursor, self.batch)?;
            match unconfirmed.last() {
                Some((row, _)) => *cursor = row.row,
                None => return Ok(None),
            }
            queue.extend(
                unconfirmed
                    .into_iter()
                    .map(|(row, code)| Work::Confirm(row, code)),
            );
        }
    }

    /// Does one piece of work.
    async fn work(&self, work: &Work) -> Outcome {
        match work {
            Work::Send(row) => {
                let outcome = self.send(row).await;
                match outcome {
                    Outcome::Issued {
                        coupon_code,
                        request_id,
                        ..
                    } if self.confirm => {
                        let confirmation = Some(self.confirm(row, &coupon_code).await);
                        Outcome::Issued {
                            coupon_code,
                            request_id,
                            confirmation,
                        }
                    }
                    other => other,
                }
            }
            Work::Confirm(row, code) => Outcome::Confirmed(self.confirm(row, code).await),
        }
    }

    /// Confirms an issued coupon with the row's deterministic confirm number.
    async fn confirm(&self, row: &Row, coupon_code: &str) -> Confirmation {
        let request = ConfirmSendUserProductCouponRequest {
            openid: row.openid.clone(),
            coupon_code: coupon_code.to_owned(),
            product_coupon_id: row.product_coupon_id.clone(),
            stock_id: row.stock_id.clone(),
            appid: row.appid.clone(),
            out_request_no: confirm_request_no(&self.journal.meta().campaign_id, row.row),
            brand_id: Some(row.brand_id.clone()),
        };
        match self.client.confirm_send_user_product_coupon(&request).await {
            Ok(coupon) => Confirmation::Confirmed {
                coupon_state: coupon.coupon_state.to_string(),
            },
            Err(e) => Confirmation::Failed {
                message: e.to_string(),
                retryable: e.is_retryable(),
            },
        }
    }

    /// Sends one row and turns the result into an outcome.
    async fn send(&self, row: &Row) -> Outcome {
        if self.is_stopped(&row.stock_id) {
            return Outcome::Pending { reason: None };
        }
        match self
            .client
            .send_user_product_coupon_answered(&row.request())
            .await
        {
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
        }
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
/// is held back by a stopped stock, or `options.stop` is set.
pub async fn run(
    journal: Arc<Journal>,
    client: CouponClient,
    options: RunOptions,
) -> Result<Report, RunError> {
    let started = Instant::now();
    journal.prepare_resume()?;
    let issued_before = journal.counts()?.issued;
    let concurrency = options.concurrency.max(1);
    let engine = Arc::new(Engine {
        journal: journal.clone(),
        client,
        queue: Mutex::new(VecDeque::new()),
        confirm: options.confirm || journal.meta().confirm,
        confirm_cursor: Mutex::new(0),
        stopped: std::sync::Mutex::new(Vec::new()),
        stop: options.stop.clone(),
        batch: (concurrency * 2).clamp(16, 512),
        progress: options.progress.clone(),
    });
    let (tx, rx) = mpsc::channel::<(u64, Outcome)>(concurrency * 4);
    let recorder = tokio::spawn(record(
        journal.clone(),
        rx,
        options.progress.clone(),
        started,
        journal.counts()?,
    ));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (engine, tx) = (engine.clone(), tx.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let work = match engine.next().await {
                    Ok(Some(work)) => work,
                    Ok(None) => return Ok(()),
                    Err(e) => return Err(e),
                };
                let outcome = engine.work(&work).await;
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
    recorder.await.map_err(|e| JournalError::Invalid {
        path: journal.path().display().to_string(),
        problem: e.to_string(),
    })??;
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
    journal.record(&unsent)?;
    if let Some(e) = first_error {
        return Err(e.into());
    }
    let counts = journal.counts()?;
    let stopped = engine.stopped.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(Report {
        issued_now: counts.issued - issued_before,
        counts,
        elapsed: started.elapsed(),
        stopped,
        interrupted: options.stop.load(Ordering::Relaxed),
        confirm: engine.confirm,
    })
}

/// Writes outcomes in batches (one transaction per batch) and reports progress, keeping the
/// counts in memory (a `COUNT(*)` over a large journal several times a second would cost
/// more than the sends).
async fn record(
    journal: Arc<Journal>,
    mut rx: mpsc::Receiver<(u64, Outcome)>,
    progress: Arc<dyn Progress>,
    started: Instant,
    mut counts: Counts,
) -> Result<(), JournalError> {
    let issued_before = counts.issued;
    let mut batch = Vec::with_capacity(256);
    let mut last_update = Instant::now();
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
        journal.record(&batch)?;
        for (_, outcome) in batch.drain(..) {
            counts.apply(&outcome);
        }
        if closed || last_update.elapsed() >= Duration::from_millis(250) {
            let rate =
                (counts.issued - issued_before) as f64 / started.elapsed().as_secs_f64().max(1e-3);
            progress.update(&counts, rate);
            last_update = Instant::now();
        }
        if closed {
            return Ok(());
        }
    }
}
