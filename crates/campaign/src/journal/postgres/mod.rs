//! The PostgreSQL journal: one database holds many campaigns, each shared by any number of
//! workers. Workers claim rows under a lease (`FOR UPDATE SKIP LOCKED`), renew it with a
//! heartbeat, and take over the rows of a worker whose lease ran out; all of them draw calls
//! from one rate budget kept in the database. See docs/campaign.md for the reasoning.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use crate::input::Row;
use crate::journal::{CampaignMeta, JournalError};

pub(crate) mod conn;
mod rows;
mod schema;

pub use conn::PgTarget;
pub use schema::SCHEMA_VERSION;

use conn::{Db, Fail, QUERY_TIMEOUT};

/// How a worker uses a PostgreSQL journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgOptions {
    /// A worker silent for this long loses its rows to the others.
    pub lease: Duration,
    /// How long a query is retried while the database cannot be reached; then the worker
    /// stops (its rows stay claimed until its lease runs out).
    pub retry_for: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(15),
            retry_for: Duration::from_secs(30),
        }
    }
}

/// A worker of a campaign, as `status` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerInfo {
    /// Its id (`W` + 11 random characters).
    pub worker: String,
    /// Host name and process id.
    pub host: String,
    /// Process id.
    pub pid: i32,
    /// Seconds until its lease runs out (negative: expired).
    pub lease_left_secs: f64,
    /// Rows it holds (sends and confirms in flight).
    pub holding: i64,
}

/// A campaign in a PostgreSQL database.
pub struct PgJournal {
    db: Db,
    campaign: i64,
    name: String,
    meta: CampaignMeta,
    options: PgOptions,
    /// This process's current worker id (a new one after a lost lease).
    worker: RwLock<String>,
    claims: AtomicU64,
}

impl std::fmt::Debug for PgJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgJournal")
            .field("target", &self.db.target())
            .field("campaign", &self.name)
            .finish_non_exhaustive()
    }
}

/// Opening waits at most this long for an unreachable server (a typo should fail fast).
const OPEN_RETRY: Duration = Duration::from_secs(5);

pub(crate) async fn connect(target: &PgTarget, options: &PgOptions) -> Result<Db, JournalError> {
    let db = Db::new(target, options.retry_for)?;
    let t = db.target().to_owned();
    db.run_for("schema", QUERY_TIMEOUT, OPEN_RETRY, |c, _| {
        let t = t.clone();
        async move { schema::migrate(c, &t).await }
    })
    .await?;
    Ok(db)
}

fn new_worker_id() -> String {
    let nonce =
        wxpay_signing::new_nonce().unwrap_or_else(|_| format!("{:032}", fastrand::u128(..)));
    format!("W{}", &nonce[..11])
}

impl PgJournal {
    /// Opens campaign `name` (migrating the schema when needed).
    pub async fn open(
        target: &PgTarget,
        name: &str,
        options: PgOptions,
    ) -> Result<Self, JournalError> {
        let db = connect(target, &options).await?;
        let found = db
            .run("open", QUERY_TIMEOUT, |c, _| async move {
                let row = c
                    .query_opt(
                        "SELECT id, meta FROM wxpay.campaigns WHERE name = $1",
                        &[&name],
                    )
                    .await?;
                let known: Vec<String> = match row {
                    Some(_) => Vec::new(),
                    None => c
                        .query(
                            "SELECT name FROM wxpay.campaigns ORDER BY name LIMIT 20",
                            &[],
                        )
                        .await?
                        .iter()
                        .map(|r| r.get(0))
                        .collect(),
                };
                Ok((
                    row.map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1))),
                    known,
                ))
            })
            .await?;
        let (campaign, meta) = match found {
            (Some(found), _) => found,
            (None, known) => {
                return Err(JournalError::NotFound {
                    target: db.target().to_owned(),
                    campaign: name.to_owned(),
                    known,
                });
            }
        };
        let meta: CampaignMeta =
            serde_json::from_str(&meta).map_err(|e| JournalError::Invalid {
                path: format!("{} campaign {name}", db.target()),
                problem: format!("unreadable campaign record: {e}"),
            })?;
        Ok(Self {
            db,
            campaign,
            name: name.to_owned(),
            meta,
            options,
            worker: RwLock::new(new_worker_id()),
            claims: AtomicU64::new(0),
        })
    }

    /// Creates campaign `name` with every row, all or nothing, with a rate budget of
    /// `rate_per_sec` calls per second for all its workers. Fails with
    /// [`JournalError::Exists`] when the database already holds a campaign of that name.
    pub async fn create(
        target: &PgTarget,
        name: &str,
        meta: &CampaignMeta,
        rows: &[Row],
        rate_per_sec: u32,
        options: PgOptions,
    ) -> Result<Self, JournalError> {
        let db = connect(target, &options).await?;
        let meta_json = serde_json::to_string(meta).map_err(|e| JournalError::Invalid {
            path: db.target().to_owned(),
            problem: e.to_string(),
        })?;
        let rate = i32::try_from(rate_per_sec.max(1)).unwrap_or(i32::MAX);
        let target_shown = db.target().to_owned();
        // Long: COPY of every row. A retry after an unknown commit finds the campaign there.
        db.run("create", Duration::from_secs(600), |c, _| {
            let (meta_json, t) = (&meta_json, &target_shown);
            async move { insert(c, name, &meta.campaign_id, meta_json, rows, rate, t).await }
        })
        .await?;
        Self::open(target, name, options).await
    }

    /// The campaign.
    pub fn meta(&self) -> &CampaignMeta {
        &self.meta
    }

    /// The campaign's name in the database.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it is, without the password.
    pub fn describe(&self) -> String {
        format!("{} campaign {}", self.db.target(), self.name)
    }

    /// The options it was opened with.
    pub fn options(&self) -> PgOptions {
        self.options
    }

    fn worker(&self) -> String {
        self.worker
            .read()
            .map(|w| w.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Registers this process as a worker (a fresh id, a fresh lease); forgets workers whose
    /// leases ran out (their rows are taken over by whoever claims next).
    pub async fn register(&self) -> Result<String, JournalError> {
        let id = new_worker_id();
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "?".into());
        let pid = i32::try_from(std::process::id()).unwrap_or(-1);
        let lease = self.options.lease.as_secs_f64();
        let campaign = self.campaign;
        self.db
            .run("register", QUERY_TIMEOUT, |c, _| {
                let (id, host) = (&id, &host);
                async move {
                    c.execute(
                        "DELETE FROM wxpay.workers WHERE campaign = $1 AND lease_until < now()",
                        &[&campaign],
                    )
                    .await?;
                    c.execute(
                        "INSERT INTO wxpay.workers (campaign, worker, host, pid, lease_until) \
                         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) \
                         ON CONFLICT (campaign, worker) DO UPDATE SET lease_until = EXCLUDED.lease_until",
                        &[&campaign, id, host, &pid, &lease],
                    )
                    .await?;
                    Ok(())
                }
            })
            .await?;
        if let Ok(mut w) = self.worker.write() {
            w.clone_from(&id);
        }
        tracing::info!("journal {}: worker {id} registered", self.describe());
        Ok(id)
    }

    /// Renews the lease. `Ok(false)`: it had run out (others may hold our rows now).
    pub async fn heartbeat(&self) -> Result<bool, JournalError> {
        let worker = self.worker();
        let lease = self.options.lease.as_secs_f64();
        let campaign = self.campaign;
        let n = self
            .db
            .run("heartbeat", QUERY_TIMEOUT, |c, _| {
                let worker = &worker;
                async move {
                    Ok(c.execute(
                        "UPDATE wxpay.workers SET lease_until = now() + make_interval(secs => $3) \
                         WHERE campaign = $1 AND worker = $2 AND lease_until > now()",
                        &[&campaign, worker, &lease],
                    )
                    .await?)
                }
            })
            .await?;
        Ok(n == 1)
    }

    /// Leaves: whatever this worker still holds goes back to the others at once.
    pub async fn deregister(&self) -> Result<(), JournalError> {
        let worker = self.worker();
        let campaign = self.campaign;
        self.db
            .run("deregister", QUERY_TIMEOUT, |mut c, _| {
                let worker = &worker;
                async move {
                    let tx = c.transaction().await?;
                    tx.execute(
                        "UPDATE wxpay.campaign_rows SET state = 'pending', owner = NULL \
                         WHERE campaign = $1 AND state = 'in_flight' AND owner = $2",
                        &[&campaign, worker],
                    )
                    .await?;
                    tx.execute(
                        "UPDATE wxpay.campaign_rows SET confirm_state = NULL, confirm_owner = NULL \
                         WHERE campaign = $1 AND confirm_state = 'in_flight' AND confirm_owner = $2",
                        &[&campaign, worker],
                    )
                    .await?;
                    tx.execute(
                        "DELETE FROM wxpay.workers WHERE campaign = $1 AND worker = $2",
                        &[&campaign, worker],
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }
            })
            .await
    }

    /// The campaign's workers, live ones first.
    pub async fn workers(&self) -> Result<Vec<WorkerInfo>, JournalError> {
        let campaign = self.campaign;
        self.db
            .run("workers", QUERY_TIMEOUT, |c, _| async move {
                let rows = c
                    .query(
                        "SELECT w.worker, w.host, w.pid, \
                         extract(epoch FROM w.lease_until - now())::float8, \
                         (SELECT count(*) FROM wxpay.campaign_rows r WHERE r.campaign = w.campaign \
                          AND ((r.state = 'in_flight' AND r.owner = w.worker) \
                               OR (r.confirm_state = 'in_flight' AND r.confirm_owner = w.worker))) \
                         FROM wxpay.workers w WHERE w.campaign = $1 ORDER BY w.lease_until DESC",
                        &[&campaign],
                    )
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| WorkerInfo {
                        worker: r.get(0),
                        host: r.get(1),
                        pid: r.get(2),
                        lease_left_secs: r.get(3),
                        holding: r.get(4),
                    })
                    .collect())
            })
            .await
    }

    /// The campaign's rate budget, calls per second for all workers together.
    pub async fn rate(&self) -> Result<u32, JournalError> {
        let campaign = self.campaign;
        let rate: i32 = self
            .db
            .run("rate", QUERY_TIMEOUT, |c, _| async move {
                Ok(c.query_one(
                    "SELECT rate_per_sec FROM wxpay.budgets WHERE campaign = $1",
                    &[&campaign],
                )
                .await?
                .get(0))
            })
            .await?;
        Ok(u32::try_from(rate).unwrap_or(1))
    }

    /// Changes the campaign's rate budget (for every worker, from their next reservation).
    pub async fn set_rate(&self, rate_per_sec: u32) -> Result<(), JournalError> {
        let campaign = self.campaign;
        let rate = i32::try_from(rate_per_sec.max(1)).unwrap_or(i32::MAX);
        self.db
            .run("set rate", QUERY_TIMEOUT, |c, _| async move {
                c.execute(
                    "UPDATE wxpay.budgets SET rate_per_sec = $2 WHERE campaign = $1",
                    &[&campaign, &rate],
                )
                .await?;
                Ok(())
            })
            .await
    }

    /// Reserves `n` consecutive call slots of the shared budget (GCRA: the theoretical
    /// arrival time moves on by `n` intervals, starting no earlier than `tolerance` ago).
    /// Returns the delay until the first slot (negative: already due) and the interval, in
    /// ns, measured on the server's clock, so that workers' clocks need not agree.
    pub async fn reserve(&self, n: u32, tolerance: Duration) -> Result<(i64, i64), JournalError> {
        let campaign = self.campaign;
        let n = i64::from(n.max(1));
        let tolerance = i64::try_from(tolerance.as_nanos()).unwrap_or(i64::MAX);
        // A reservation lost with its connection only wastes slots: never more calls.
        self.db
            .run("reserve", QUERY_TIMEOUT, |c, _| async move {
                let stmt = c
                    .prepare_cached(
                        "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1e9)::bigint AS ns), \
                         step AS (SELECT 1000000000::bigint / rate_per_sec AS ns \
                                  FROM wxpay.budgets WHERE campaign = $1) \
                         UPDATE wxpay.budgets b \
                         SET tat_ns = GREATEST(b.tat_ns, now.ns - $3::bigint) + $2::bigint * step.ns \
                         FROM now, step WHERE b.campaign = $1 \
                         RETURNING b.tat_ns - $2::bigint * step.ns - now.ns, step.ns",
                    )
                    .await?;
                let row = c.query_one(&stmt, &[&campaign, &n, &tolerance]).await?;
                Ok((row.get::<_, i64>(0), row.get::<_, i64>(1)))
            })
            .await
    }
}

/// Writes the campaign, its budget and its rows in one transaction (rows by binary COPY).
async fn insert(
    mut c: Client,
    name: &str,
    campaign_id: &str,
    meta_json: &str,
    rows: &[Row],
    rate: i32,
    target: &str,
) -> Result<(), Fail> {
    let tx = c.transaction().await?;
    let id = tx
        .query_opt(
            "INSERT INTO wxpay.campaigns (name, campaign_id, meta) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING RETURNING id",
            &[&name, &campaign_id, &meta_json],
        )
        .await?;
    let Some(id) = id.map(|r| r.get::<_, i64>(0)) else {
        return Err(Fail::Invalid(JournalError::Exists {
            target: target.to_owned(),
            campaign: name.to_owned(),
        }));
    };
    tx.execute(
        "INSERT INTO wxpay.budgets (campaign, rate_per_sec) VALUES ($1, $2)",
        &[&id, &rate],
    )
    .await?;
    let sink = tx
        .copy_in(
            "COPY wxpay.campaign_rows (campaign, row_no, line, openid, stock_id, \
             product_coupon_id, appid, brand_id, attach, member_card_id, coupon_code, \
             send_request_no) FROM STDIN BINARY",
        )
        .await?;
    let mut types = vec![Type::INT8, Type::INT8, Type::INT8];
    types.extend([Type::TEXT; 9]);
    let writer = BinaryCopyInWriter::new(sink, &types);
    tokio::pin!(writer);
    for r in rows {
        let (row, line) = (r.row as i64, r.line as i64);
        writer
            .as_mut()
            .write(&[
                &id,
                &row,
                &line,
                &r.openid,
                &r.stock_id,
                &r.product_coupon_id,
                &r.appid,
                &r.brand_id,
                &r.attach,
                &r.member_card_id,
                &r.coupon_code,
                &r.send_request_no,
            ])
            .await?;
    }
    writer.finish().await?;
    tx.commit().await?;
    Ok(())
}

impl PgJournal {
    fn next_claim(&self) -> i64 {
        self.claims.fetch_add(1, Ordering::Relaxed) as i64
    }
}
