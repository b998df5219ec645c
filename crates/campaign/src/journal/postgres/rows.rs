//! Rows of a PostgreSQL campaign: claims under the worker's lease, outcomes fenced by it,
//! counts and exports.

use std::collections::HashSet;

use deadpool_postgres::Client;

use super::PgJournal;
use super::conn::{Fail, QUERY_TIMEOUT};
use crate::input::Row;
use crate::journal::{
    Confirmation, Counts, ExportRow, JournalError, Outcome, State, confirm_request_no,
};

const ROW_COLUMNS: &str = "row_no, line, openid, stock_id, product_coupon_id, appid, brand_id, \
                           attach, member_card_id, coupon_code, send_request_no";

/// Workers whose lease has not run out; rows held by anyone else may be taken over.
const LIVE: &str =
    "SELECT worker FROM wxpay.workers WHERE campaign = $1 AND lease_until > clock_timestamp()";

fn row_from(r: &tokio_postgres::Row) -> Row {
    Row {
        row: r.get::<_, i64>(0) as u64,
        line: r.get::<_, i64>(1) as u64,
        openid: r.get(2),
        stock_id: r.get(3),
        product_coupon_id: r.get(4),
        appid: r.get(5),
        brand_id: r.get(6),
        attach: r.get(7),
        member_card_id: r.get(8),
        coupon_code: r.get(9),
        send_request_no: r.get(10),
    }
}

impl PgJournal {
    /// Before this worker runs: retryable failures (sends and confirms) become pending again,
    /// as on any resume, and the worker registers. Rows other workers hold are left to them
    /// (or to takeover, once their leases run out).
    pub async fn prepare_resume(&self) -> Result<u64, JournalError> {
        let campaign = self.campaign;
        let n = self
            .db
            .run("resume", QUERY_TIMEOUT, |c, _| async move {
                let n = c
                    .execute(
                        "UPDATE wxpay.campaign_rows SET state = 'pending' \
                         WHERE campaign = $1 AND state = 'failed' AND retryable",
                        &[&campaign],
                    )
                    .await?;
                c.execute(
                    "UPDATE wxpay.campaign_rows SET confirm_state = NULL \
                     WHERE campaign = $1 AND confirm_state = 'failed' AND confirm_retryable",
                    &[&campaign],
                )
                .await?;
                Ok(n)
            })
            .await?;
        self.register().await?;
        Ok(n)
    }

    /// Claims up to `n` rows to send, in row order, skipping `stopped` stocks: first rows
    /// whose holder's lease ran out (takeover), then pending ones. A retry after a lost
    /// connection first looks for what the interrupted attempt claimed, so nothing is
    /// stranded under this worker's live lease.
    pub async fn claim(
        &self,
        n: usize,
        stopped: &HashSet<String>,
    ) -> Result<Vec<Row>, JournalError> {
        let (campaign, worker, seq) = (self.campaign, self.worker(), self.next_claim());
        let stopped: Vec<String> = stopped.iter().cloned().collect();
        let limit = n as i64;
        self.db
            .run("claim", QUERY_TIMEOUT, |c, attempt| {
                let (worker, stopped) = (&worker, &stopped);
                async move {
                    if attempt > 0 {
                        let mine = claimed(&c, campaign, worker, seq, "state").await?;
                        if !mine.is_empty() {
                            return Ok(mine);
                        }
                    }
                    let mut rows = Vec::new();
                    for condition in [
                        format!("state = 'in_flight' AND owner <> ALL ({LIVE})"),
                        "state = 'pending'".to_owned(),
                    ] {
                        let want = limit - rows.len() as i64;
                        if want <= 0 {
                            break;
                        }
                        let stmt = c
                            .prepare_cached(&format!(
                                "WITH p AS MATERIALIZED (SELECT row_no FROM wxpay.campaign_rows \
                                       WHERE campaign = $1 AND {condition} \
                                       AND NOT (stock_id = ANY ($5)) \
                                       ORDER BY row_no LIMIT $4 FOR UPDATE SKIP LOCKED) \
                                 UPDATE wxpay.campaign_rows r SET state = 'in_flight', owner = $2, \
                                 claim_seq = $3, attempts = r.attempts + 1, updated_at = now() \
                                 FROM p WHERE r.campaign = $1 AND r.row_no = p.row_no \
                                 RETURNING {}",
                                prefixed("r.")
                            ))
                            .await?;
                        let got = c
                            .query(&stmt, &[&campaign, worker, &seq, &want, stopped])
                            .await?;
                        rows.extend(got.iter().map(row_from));
                    }
                    rows.sort_by_key(|r| r.row);
                    Ok(rows)
                }
            })
            .await
    }

    /// Claims up to `n` issued rows whose confirm is to do (or whose confirming worker's
    /// lease ran out), with their codes.
    pub async fn claim_unconfirmed(&self, n: usize) -> Result<Vec<(Row, String)>, JournalError> {
        let (campaign, worker, seq) = (self.campaign, self.worker(), self.next_claim());
        let limit = n as i64;
        self.db
            .run("claim confirms", QUERY_TIMEOUT, |c, attempt| {
                let worker = &worker;
                async move {
                    let with_codes = |rows: Vec<tokio_postgres::Row>| {
                        rows.iter()
                            .map(|r| (row_from(r), r.get::<_, String>(11)))
                            .collect::<Vec<_>>()
                    };
                    if attempt > 0 {
                        let stmt = c
                            .prepare_cached(&format!(
                                "SELECT {ROW_COLUMNS}, issued_code FROM wxpay.campaign_rows \
                                 WHERE campaign = $1 AND confirm_state = 'in_flight' \
                                 AND confirm_owner = $2 AND claim_seq = $3 ORDER BY row_no"
                            ))
                            .await?;
                        let mine = c.query(&stmt, &[&campaign, worker, &seq]).await?;
                        if !mine.is_empty() {
                            return Ok(with_codes(mine));
                        }
                    }
                    let stmt = c
                        .prepare_cached(&format!(
                            "WITH p AS MATERIALIZED (SELECT row_no FROM wxpay.campaign_rows \
                                   WHERE campaign = $1 AND state = 'issued' AND issued_code IS NOT NULL \
                                   AND (confirm_state IS NULL OR (confirm_state = 'in_flight' \
                                        AND confirm_owner <> ALL ({LIVE}))) \
                                   ORDER BY row_no LIMIT $4 FOR UPDATE SKIP LOCKED) \
                             UPDATE wxpay.campaign_rows r SET confirm_state = 'in_flight', \
                             confirm_owner = $2, claim_seq = $3, updated_at = now() \
                             FROM p WHERE r.campaign = $1 AND r.row_no = p.row_no \
                             RETURNING {}, r.issued_code",
                            prefixed("r.")
                        ))
                        .await?;
                    let mut rows = with_codes(c.query(&stmt, &[&campaign, worker, &seq, &limit]).await?);
                    rows.sort_by_key(|(r, _)| r.row);
                    Ok(rows)
                }
            })
            .await
    }

    /// 1 while this worker may still have to wait, else 0: rows held by other workers (live
    /// or not: those are taken over when their lease runs out), or pending outside `stopped`
    /// stocks (another worker's claim may have skipped past them).
    pub async fn others_busy(&self, stopped: &HashSet<String>) -> Result<u64, JournalError> {
        let (campaign, worker) = (self.campaign, self.worker());
        let stopped: Vec<String> = stopped.iter().cloned().collect();
        self.db
            .run("wait", QUERY_TIMEOUT, |c, _| {
                let (worker, stopped) = (&worker, &stopped);
                async move {
                    // Three EXISTS, each answered by a partial index: cheap enough to poll.
                    let busy: bool = c
                        .query_one(
                            "SELECT EXISTS (SELECT 1 FROM wxpay.campaign_rows WHERE campaign = $1 \
                                            AND state = 'in_flight' AND owner <> $2) \
                             OR EXISTS (SELECT 1 FROM wxpay.campaign_rows WHERE campaign = $1 \
                                        AND state = 'pending' AND NOT (stock_id = ANY ($3))) \
                             OR EXISTS (SELECT 1 FROM wxpay.campaign_rows WHERE campaign = $1 \
                                        AND state = 'issued' AND confirm_state = 'in_flight' \
                                        AND confirm_owner <> $2)",
                            &[&campaign, worker, stopped],
                        )
                        .await?
                        .get(0);
                    Ok(u64::from(busy))
                }
            })
            .await
    }

    /// Records outcomes in one transaction. Only rows this worker still holds are changed:
    /// an outcome that arrives after a takeover is dropped (the row is sent again by its
    /// new holder with the same request number, and answered with the same coupon).
    pub async fn record(&self, outcomes: &[(u64, Outcome)]) -> Result<(), JournalError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let batch = Batch::from(outcomes);
        let (campaign, worker) = (self.campaign, self.worker());
        self.db
            .run("record", QUERY_TIMEOUT, |c, _| {
                let (batch, worker) = (&batch, &worker);
                async move { batch.write(c, campaign, worker).await }
            })
            .await
    }

    /// Rows by state.
    pub async fn counts(&self) -> Result<Counts, JournalError> {
        let campaign = self.campaign;
        self.db
            .run("counts", QUERY_TIMEOUT, |c, _| async move {
                let rows = c
                    .query(
                        "SELECT state, retryable, confirm_state, confirm_retryable, count(*) \
                         FROM wxpay.campaign_rows WHERE campaign = $1 \
                         GROUP BY state, retryable, confirm_state, confirm_retryable",
                        &[&campaign],
                    )
                    .await?;
                let mut counts = Counts::default();
                for r in &rows {
                    let state: String = r.get(0);
                    let confirm: Option<String> = r.get(2);
                    let n = r.get::<_, i64>(4) as u64;
                    counts.total += n;
                    match (State::parse(&state), r.get::<_, bool>(1)) {
                        (Some(State::Issued), _) => counts.issued += n,
                        (Some(State::Failed), true) => counts.retryable += n,
                        (Some(State::Failed), false) => counts.failed += n,
                        (Some(State::InFlight), _) => counts.in_flight += n,
                        _ => counts.pending += n,
                    }
                    match (confirm.as_deref(), r.get::<_, bool>(3)) {
                        (Some("confirmed"), _) => counts.confirmed += n,
                        (Some("failed"), false) => counts.confirm_failed += n,
                        _ => {}
                    }
                }
                Ok(counts)
            })
            .await
    }

    /// Every row with its result, in order.
    pub async fn export(&self) -> Result<Vec<ExportRow>, JournalError> {
        let campaign = self.campaign;
        let id = &self.meta.campaign_id;
        self.db
            .run("export", std::time::Duration::from_secs(600), |c, _| async move {
                let rows = c
                    .query(
                        "SELECT row_no, line, openid, stock_id, send_request_no, state, issued_code, \
                         error_code, error_message, retryable, request_id, attempts, coupon_state, \
                         confirm_state, confirm_error FROM wxpay.campaign_rows \
                         WHERE campaign = $1 ORDER BY row_no",
                        &[&campaign],
                    )
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| {
                        let row = r.get::<_, i64>(0) as u64;
                        let state: String = r.get(5);
                        let confirmed = r.get::<_, Option<String>>(13).as_deref() == Some("confirmed");
                        ExportRow {
                            row,
                            line: r.get::<_, i64>(1) as u64,
                            openid: r.get(2),
                            stock_id: r.get(3),
                            send_request_no: r.get(4),
                            state: State::parse(&state).unwrap_or(State::Pending),
                            coupon_code: r.get(6),
                            error_code: r.get(7),
                            error_message: r.get(8),
                            retryable: r.get(9),
                            request_id: r.get(10),
                            attempts: r.get::<_, i32>(11) as u64,
                            coupon_state: r.get(12),
                            confirm_request_no: confirmed.then(|| confirm_request_no(id, row)),
                            confirm_error: r.get(14),
                        }
                    })
                    .collect())
            })
            .await
    }

    /// Failures and put-back rows by error code: (code, state, count, an example message).
    pub async fn problems(&self) -> Result<Vec<(String, State, u64, String)>, JournalError> {
        let campaign = self.campaign;
        self.db
            .run("problems", QUERY_TIMEOUT, |c, _| async move {
                let rows = c
                    .query(
                        "SELECT error_code, state, count(*), max(error_message) \
                         FROM wxpay.campaign_rows \
                         WHERE campaign = $1 AND error_code IS NOT NULL AND state <> 'issued' \
                         GROUP BY error_code, state ORDER BY count(*) DESC",
                        &[&campaign],
                    )
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| {
                        let state: String = r.get(1);
                        (
                            r.get(0),
                            State::parse(&state).unwrap_or(State::Pending),
                            r.get::<_, i64>(2) as u64,
                            r.get::<_, Option<String>>(3).unwrap_or_default(),
                        )
                    })
                    .collect())
            })
            .await
    }
}

fn prefixed(prefix: &str) -> String {
    ROW_COLUMNS
        .split(", ")
        .map(|c| format!("{prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows claimed by claim number `seq` of `worker` (`column` is the state column it set).
async fn claimed(
    c: &Client,
    campaign: i64,
    worker: &str,
    seq: i64,
    column: &str,
) -> Result<Vec<Row>, Fail> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM wxpay.campaign_rows WHERE campaign = $1 \
             AND {column} = 'in_flight' AND owner = $2 AND claim_seq = $3 ORDER BY row_no"
        ))
        .await?;
    Ok(c.query(&stmt, &[&campaign, &worker, &seq])
        .await?
        .iter()
        .map(row_from)
        .collect())
}

/// Confirm outcomes as columns (all `NULL` for a send without confirm).
#[derive(Default)]
struct ConfirmArrays {
    state: Vec<Option<String>>,
    retryable: Vec<Option<bool>>,
    coupon_state: Vec<Option<String>>,
    error: Vec<Option<String>>,
}

impl ConfirmArrays {
    fn push(&mut self, c: Option<&Confirmation>) {
        let (state, retryable, coupon_state, error) = match c {
            None => (None, None, None, None),
            Some(Confirmation::Confirmed { coupon_state }) => (
                Some("confirmed".to_owned()),
                Some(false),
                Some(coupon_state.clone()),
                None,
            ),
            Some(Confirmation::Failed { message, retryable }) => (
                Some("failed".to_owned()),
                Some(*retryable),
                None,
                Some(message.clone()),
            ),
        };
        self.state.push(state);
        self.retryable.push(retryable);
        self.coupon_state.push(coupon_state);
        self.error.push(error);
    }
}

#[derive(Default)]
struct Issued {
    rows: Vec<i64>,
    codes: Vec<String>,
    request_ids: Vec<Option<String>>,
    confirm: ConfirmArrays,
}

#[derive(Default)]
struct Confirmed {
    rows: Vec<i64>,
    confirm: ConfirmArrays,
}

#[derive(Default)]
struct Failed {
    rows: Vec<i64>,
    codes: Vec<String>,
    messages: Vec<String>,
    retryable: Vec<bool>,
    request_ids: Vec<Option<String>>,
}

#[derive(Default)]
struct Pending {
    rows: Vec<i64>,
    codes: Vec<Option<String>>,
    messages: Vec<Option<String>>,
}

/// Outcomes as column arrays, one `UPDATE … FROM unnest(…)` per kind.
#[derive(Default)]
struct Batch {
    issued: Issued,
    confirmed: Confirmed,
    failed: Failed,
    pending: Pending,
}

impl From<&[(u64, Outcome)]> for Batch {
    fn from(outcomes: &[(u64, Outcome)]) -> Self {
        let mut b = Batch::default();
        for (row, outcome) in outcomes {
            let row = *row as i64;
            match outcome {
                Outcome::Issued {
                    coupon_code,
                    request_id,
                    confirmation,
                } => {
                    b.issued.rows.push(row);
                    b.issued.codes.push(coupon_code.clone());
                    b.issued.request_ids.push(request_id.clone());
                    b.issued.confirm.push(confirmation.as_ref());
                }
                Outcome::Confirmed(c) => {
                    b.confirmed.rows.push(row);
                    b.confirmed.confirm.push(Some(c));
                }
                Outcome::Failed {
                    code,
                    message,
                    retryable,
                    request_id,
                } => {
                    b.failed.rows.push(row);
                    b.failed.codes.push(code.clone());
                    b.failed.messages.push(message.clone());
                    b.failed.retryable.push(*retryable);
                    b.failed.request_ids.push(request_id.clone());
                }
                Outcome::Pending { reason } => {
                    let (code, message) = reason.clone().unzip();
                    b.pending.rows.push(row);
                    b.pending.codes.push(code);
                    b.pending.messages.push(message);
                }
            }
        }
        b
    }
}

impl Batch {
    async fn write(&self, mut c: Client, campaign: i64, worker: &str) -> Result<(), Fail> {
        let tx = c.transaction().await?;
        if !self.issued.rows.is_empty() {
            let i = &self.issued;
            let k = &i.confirm;
            let stmt = tx
                .prepare_cached(
                    "UPDATE wxpay.campaign_rows r SET state = 'issued', issued_code = u.code, \
                     request_id = u.request_id, error_code = NULL, error_message = NULL, \
                     retryable = false, owner = NULL, updated_at = now(), \
                     confirm_state = COALESCE(u.cs, r.confirm_state), \
                     confirm_retryable = COALESCE(u.cr, r.confirm_retryable), \
                     coupon_state = COALESCE(u.st, r.coupon_state), \
                     confirm_error = CASE WHEN u.cs IS NULL THEN r.confirm_error ELSE u.ce END \
                     FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::bool[], \
                                 $8::text[], $9::text[]) AS u(row_no, code, request_id, cs, cr, st, ce) \
                     WHERE r.campaign = $1 AND r.row_no = u.row_no \
                     AND r.state = 'in_flight' AND r.owner = $2",
                )
                .await?;
            tx.execute(
                &stmt,
                &[
                    &campaign,
                    &worker,
                    &i.rows,
                    &i.codes,
                    &i.request_ids,
                    &k.state,
                    &k.retryable,
                    &k.coupon_state,
                    &k.error,
                ],
            )
            .await?;
        }
        if !self.confirmed.rows.is_empty() {
            let k = &self.confirmed.confirm;
            let stmt = tx
                .prepare_cached(
                    "UPDATE wxpay.campaign_rows r SET confirm_state = u.cs, confirm_owner = NULL, \
                     confirm_retryable = u.cr, coupon_state = COALESCE(u.st, r.coupon_state), \
                     confirm_error = u.ce, updated_at = now() \
                     FROM unnest($3::bigint[], $4::text[], $5::bool[], $6::text[], $7::text[]) \
                          AS u(row_no, cs, cr, st, ce) \
                     WHERE r.campaign = $1 AND r.row_no = u.row_no \
                     AND r.confirm_state = 'in_flight' AND r.confirm_owner = $2",
                )
                .await?;
            tx.execute(
                &stmt,
                &[
                    &campaign,
                    &worker,
                    &self.confirmed.rows,
                    &k.state,
                    &k.retryable,
                    &k.coupon_state,
                    &k.error,
                ],
            )
            .await?;
        }
        if !self.failed.rows.is_empty() {
            let f = &self.failed;
            let stmt = tx
                .prepare_cached(
                    "UPDATE wxpay.campaign_rows r SET state = 'failed', error_code = u.code, \
                     error_message = u.message, retryable = u.retryable, request_id = u.request_id, \
                     owner = NULL, updated_at = now() \
                     FROM unnest($3::bigint[], $4::text[], $5::text[], $6::bool[], $7::text[]) \
                          AS u(row_no, code, message, retryable, request_id) \
                     WHERE r.campaign = $1 AND r.row_no = u.row_no \
                     AND r.state = 'in_flight' AND r.owner = $2",
                )
                .await?;
            tx.execute(
                &stmt,
                &[
                    &campaign,
                    &worker,
                    &f.rows,
                    &f.codes,
                    &f.messages,
                    &f.retryable,
                    &f.request_ids,
                ],
            )
            .await?;
        }
        if !self.pending.rows.is_empty() {
            let p = &self.pending;
            let stmt = tx
                .prepare_cached(
                    "UPDATE wxpay.campaign_rows r SET state = 'pending', owner = NULL, \
                     error_code = COALESCE(u.code, r.error_code), \
                     error_message = COALESCE(u.message, r.error_message), updated_at = now() \
                     FROM unnest($3::bigint[], $4::text[], $5::text[]) AS u(row_no, code, message) \
                     WHERE r.campaign = $1 AND r.row_no = u.row_no \
                     AND r.state = 'in_flight' AND r.owner = $2",
                )
                .await?;
            tx.execute(&stmt, &[&campaign, &worker, &p.rows, &p.codes, &p.messages])
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
