//! The SQLite journal: one file per campaign holding the campaign and every row with its
//! state, for one worker at a time.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use super::confirm_request_no;
use super::{CampaignMeta, Confirmation, Counts, ExportRow, JournalError, Outcome, State};
use crate::input::Row;

/// Schema version written into new journals.
pub const SCHEMA_VERSION: i64 = 1;

/// A campaign journal in one SQLite file.
#[derive(Debug)]
pub struct SqliteJournal {
    path: PathBuf,
    conn: Mutex<Connection>,
    meta: CampaignMeta,
    /// Issued rows up to here were handed out for confirming in this run (confirms are not
    /// marked in the file: a single worker needs no claim).
    confirm_cursor: Mutex<u64>,
}

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (
    row INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,
    openid TEXT NOT NULL,
    stock_id TEXT NOT NULL,
    product_coupon_id TEXT NOT NULL,
    appid TEXT NOT NULL,
    brand_id TEXT NOT NULL,
    attach TEXT,
    member_card_id TEXT,
    coupon_code TEXT,
    send_request_no TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'in_flight', 'issued', 'failed')),
    retryable INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    issued_code TEXT,
    confirm_state TEXT CHECK (confirm_state IN ('confirmed', 'failed')),
    confirm_retryable INTEGER NOT NULL DEFAULT 0,
    coupon_state TEXT,
    confirm_error TEXT,
    error_code TEXT,
    error_message TEXT,
    request_id TEXT,
    updated_at INTEGER
);
CREATE INDEX rows_by_state ON rows (state, row);
";

const ROW_COLUMNS: &str = "row, line, openid, stock_id, product_coupon_id, appid, brand_id, \
                           attach, member_card_id, coupon_code, send_request_no";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What to say when `--journal` names a directory.
fn is_a_directory(path: &Path) -> String {
    format!(
        "is a directory: --journal names the journal's file, e.g. {}",
        path.join("campaign.db").display()
    )
}

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        row: r.get::<_, i64>(0)? as u64,
        line: r.get::<_, i64>(1)? as u64,
        openid: r.get(2)?,
        stock_id: r.get(3)?,
        product_coupon_id: r.get(4)?,
        appid: r.get(5)?,
        brand_id: r.get(6)?,
        attach: r.get(7)?,
        member_card_id: r.get(8)?,
        coupon_code: r.get(9)?,
        send_request_no: r.get(10)?,
    })
}

impl SqliteJournal {
    /// Creates a journal holding `meta` and every row, all or nothing: it is written to a
    /// temporary file beside `path` (`*.creating`) that is renamed into place once complete.
    /// Errors name `path`, the file the user gave, and say what is wrong with it.
    pub fn create(path: &Path, meta: &CampaignMeta, rows: &[Row]) -> Result<Self, JournalError> {
        let tmp = Self::create_tmp(path)?;
        let written = Self::write_new(&tmp, path, meta, rows).and_then(|()| {
            std::fs::rename(&tmp, path).map_err(|e| JournalError::Invalid {
                path: path.display().to_string(),
                problem: format!("cannot be created: {e}"),
            })
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Self::open(path)
    }

    /// Whether a journal can be created at `path` (see [`SqliteJournal::create`]): checked
    /// before reading a long input, so that a wrong `--journal` is known at once. Leaves
    /// nothing behind.
    pub fn check_creatable(path: &Path) -> Result<(), JournalError> {
        let tmp = Self::create_tmp(path)?;
        let _ = std::fs::remove_file(tmp);
        Ok(())
    }

    /// Creates the empty temporary file beside `path`, after checking `path` is free.
    /// Creating it with the file system first tells a missing or read-only directory apart
    /// from SQLite's "unable to open database file", and names the directory.
    fn create_tmp(path: &Path) -> Result<PathBuf, JournalError> {
        let invalid = |problem: String| JournalError::Invalid {
            path: path.display().to_string(),
            problem,
        };
        if path.is_dir() {
            return Err(invalid(is_a_directory(path)));
        }
        if path.exists() {
            return Err(invalid("already exists".into()));
        }
        let tmp = path.with_extension("creating");
        let _ = std::fs::remove_file(&tmp);
        if let Err(e) = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.display().to_string(),
                _ => ".".into(),
            };
            return Err(invalid(match e.kind() {
                std::io::ErrorKind::NotFound => {
                    format!("cannot be created: directory {dir} does not exist")
                }
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    format!("cannot be created: directory {dir} is not writable ({e})")
                }
                _ => format!("cannot be created in directory {dir}: {e}"),
            }));
        }
        Ok(tmp)
    }

    /// Writes the schema, `meta` and `rows` into the (empty) file `tmp`, in one transaction;
    /// errors name `path`, the journal it becomes.
    fn write_new(
        tmp: &Path,
        path: &Path,
        meta: &CampaignMeta,
        rows: &[Row],
    ) -> Result<(), JournalError> {
        let err = |source| JournalError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let mut conn = Connection::open(tmp).map_err(err)?;
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(SCHEMA).map_err(err)?;
        let meta_json = serde_json::to_string(meta).map_err(|e| JournalError::Invalid {
            path: path.display().to_string(),
            problem: e.to_string(),
        })?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('campaign', ?1), ('schema_version', ?2)",
            params![meta_json, SCHEMA_VERSION.to_string()],
        )
        .map_err(err)?;
        {
            let mut insert = tx
                .prepare(&format!(
                    "INSERT INTO rows ({ROW_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ))
                .map_err(err)?;
            for r in rows {
                insert
                    .execute(params![
                        r.row as i64,
                        r.line as i64,
                        r.openid,
                        r.stock_id,
                        r.product_coupon_id,
                        r.appid,
                        r.brand_id,
                        r.attach,
                        r.member_card_id,
                        r.coupon_code,
                        r.send_request_no
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Opens an existing journal.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let shown = path.display().to_string();
        if !path.is_file() {
            let problem = if path.is_dir() {
                is_a_directory(path)
            } else if path.exists() {
                "is not a regular file: --journal names the journal's file".into()
            } else {
                "no such journal; start a campaign with --input".into()
            };
            return Err(JournalError::Invalid {
                path: shown,
                problem,
            });
        }
        let err = |source| JournalError::Sqlite {
            path: shown.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        // A lost last transaction is harmless: a row recorded as issued but lost is sent again
        // with the same request number, and WeChat Pay answers with the same coupon.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        let meta: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'campaign'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| JournalError::Invalid {
                path: shown.clone(),
                problem: format!("not a campaign journal ({e})"),
            })?;
        let meta = meta.ok_or_else(|| JournalError::Invalid {
            path: shown.clone(),
            problem: "holds no campaign".into(),
        })?;
        let meta: CampaignMeta =
            serde_json::from_str(&meta).map_err(|e| JournalError::Invalid {
                path: shown.clone(),
                problem: e.to_string(),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            meta,
            confirm_cursor: Mutex::new(0),
        })
    }

    /// The campaign.
    pub fn meta(&self) -> &CampaignMeta {
        &self.meta
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        let mut conn = self.conn.lock().map_err(|_| self.poisoned())?;
        f(&mut conn).map_err(|source| JournalError::Sqlite {
            path: self.path.display().to_string(),
            source,
        })
    }

    /// Rows by state.
    pub fn counts(&self) -> Result<Counts, JournalError> {
        self.with(|c| {
            let mut counts = Counts::default();
            let mut stmt = c.prepare(
                "SELECT state, retryable, confirm_state, confirm_retryable, COUNT(*) FROM rows \
                 GROUP BY state, retryable, confirm_state, confirm_retryable",
            )?;
            let mut q = stmt.query([])?;
            while let Some(r) = q.next()? {
                let (state, retryable, confirm, confirm_retryable, n): (
                    String,
                    bool,
                    Option<String>,
                    bool,
                    i64,
                ) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                let n = n as u64;
                counts.total += n;
                match (State::parse(&state), retryable) {
                    (Some(State::Issued), _) => counts.issued += n,
                    (Some(State::Failed), true) => counts.retryable += n,
                    (Some(State::Failed), false) => counts.failed += n,
                    (Some(State::InFlight), _) => counts.in_flight += n,
                    _ => counts.pending += n,
                }
                match (confirm.as_deref(), confirm_retryable) {
                    (Some("confirmed"), _) => counts.confirmed += n,
                    (Some("failed"), false) => counts.confirm_failed += n,
                    _ => {}
                }
            }
            Ok(counts)
        })
    }

    /// Up to `n` issued rows not handed out yet in this run whose confirm is still to do
    /// (never tried, or failed retryably), with their codes. Confirms are idempotent, so
    /// nothing is marked; a cursor keeps a row from being handed out twice in one run.
    pub fn claim_unconfirmed(&self, n: usize) -> Result<Vec<(Row, String)>, JournalError> {
        let mut cursor = self.confirm_cursor.lock().map_err(|_| self.poisoned())?;
        let after = *cursor;
        let rows = self.with(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ROW_COLUMNS}, issued_code FROM rows \
                 WHERE state = 'issued' AND issued_code IS NOT NULL AND row > ?1 \
                 AND (confirm_state IS NULL \
                      OR (confirm_state = 'failed' AND confirm_retryable = 1)) \
                 ORDER BY row LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![after as i64, n as i64], |r| {
                Ok((row_from(r)?, r.get::<_, String>(11)?))
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        if let Some((last, _)) = rows.last() {
            *cursor = last.row;
        }
        Ok(rows)
    }

    fn poisoned(&self) -> JournalError {
        JournalError::Invalid {
            path: self.path.display().to_string(),
            problem: "lock poisoned".into(),
        }
    }

    /// Before a run: rows a previous run left in flight, and retryable failures, become
    /// pending again (they are sent again with the same request number).
    pub fn prepare_resume(&self) -> Result<u64, JournalError> {
        *self.confirm_cursor.lock().map_err(|_| self.poisoned())? = 0;
        self.with(|c| {
            let n = c.execute(
                "UPDATE rows SET state = 'pending' \
                 WHERE state = 'in_flight' OR (state = 'failed' AND retryable = 1)",
                [],
            )?;
            Ok(n as u64)
        })
    }

    /// Claims up to `n` pending rows in order (marking them in flight), skipping `stopped`
    /// stocks.
    pub fn claim(&self, n: usize, stopped: &HashSet<String>) -> Result<Vec<Row>, JournalError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let mut rows = Vec::with_capacity(n);
            {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {ROW_COLUMNS} FROM rows \
                     WHERE state = 'pending' AND row > ?1 ORDER BY row LIMIT ?2"
                ))?;
                let mut after = 0i64;
                // Skipping stopped stocks in Rust keeps the statement cacheable; a page that is
                // all stopped rows moves the cursor on.
                while rows.len() < n {
                    // Fetch exactly what is missing unless stopped stocks may filter some out.
                    let want = if stopped.is_empty() {
                        n - rows.len()
                    } else {
                        n * 4
                    };
                    let page: Vec<Row> = stmt
                        .query_map(params![after, want as i64], row_from)?
                        .collect::<rusqlite::Result<_>>()?;
                    let Some(last) = page.last() else { break };
                    after = last.row as i64;
                    rows.extend(
                        page.into_iter()
                            .filter(|r| !stopped.contains(&r.stock_id))
                            .take(n - rows.len()),
                    );
                }
                let mut mark = tx.prepare_cached(
                    "UPDATE rows SET state = 'in_flight', attempts = attempts + 1, updated_at = ?2 \
                     WHERE row = ?1",
                )?;
                let t = now();
                for r in &rows {
                    mark.execute(params![r.row as i64, t])?;
                }
            }
            tx.commit()?;
            Ok(rows)
        })
    }

    /// Records outcomes, all in one transaction.
    pub fn record(&self, outcomes: &[(u64, Outcome)]) -> Result<(), JournalError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        self.with(|c| {
            let tx = c.transaction()?;
            {
                let t = now();
                let mut issued = tx.prepare_cached(
                    "UPDATE rows SET state = 'issued', issued_code = ?2, request_id = ?3, \
                     error_code = NULL, error_message = NULL, retryable = 0, updated_at = ?4 \
                     WHERE row = ?1",
                )?;
                let mut failed = tx.prepare_cached(
                    "UPDATE rows SET state = 'failed', error_code = ?2, error_message = ?3, \
                     retryable = ?4, request_id = ?5, updated_at = ?6 WHERE row = ?1",
                )?;
                let mut confirmed = tx.prepare_cached(
                    "UPDATE rows SET confirm_state = ?2, confirm_retryable = ?3, \
                     coupon_state = COALESCE(?4, coupon_state), confirm_error = ?5, \
                     updated_at = ?6 WHERE row = ?1",
                )?;
                let mut pending = tx.prepare_cached(
                    "UPDATE rows SET state = 'pending', error_code = COALESCE(?2, error_code), \
                     error_message = COALESCE(?3, error_message), updated_at = ?4 WHERE row = ?1",
                )?;
                for (row, outcome) in outcomes {
                    let row = *row as i64;
                    let confirmation = match outcome {
                        Outcome::Issued {
                            coupon_code,
                            request_id,
                            confirmation,
                        } => {
                            issued.execute(params![row, coupon_code, request_id, t])?;
                            confirmation.as_ref()
                        }
                        Outcome::Confirmed(c) => Some(c),
                        Outcome::Failed {
                            code,
                            message,
                            retryable,
                            request_id,
                        } => {
                            failed
                                .execute(params![row, code, message, retryable, request_id, t])?;
                            None
                        }
                        Outcome::Pending { reason } => {
                            let (code, message) = reason.clone().unzip();
                            pending.execute(params![row, code, message, t])?;
                            None
                        }
                    };
                    match confirmation {
                        Some(Confirmation::Confirmed { coupon_state }) => {
                            confirmed.execute(params![
                                row,
                                "confirmed",
                                false,
                                coupon_state,
                                None::<String>,
                                t
                            ])?
                        }
                        Some(Confirmation::Failed { message, retryable }) => {
                            confirmed.execute(params![
                                row,
                                "failed",
                                retryable,
                                None::<String>,
                                message,
                                t
                            ])?
                        }
                        None => 0,
                    };
                }
            }
            tx.commit()
        })
    }

    /// Every row with its result, in order.
    pub fn export(&self) -> Result<Vec<ExportRow>, JournalError> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT row, line, openid, stock_id, send_request_no, state, issued_code, \
                 error_code, error_message, retryable, request_id, attempts, coupon_state, \
                 confirm_state, confirm_error FROM rows ORDER BY row",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    let state: String = r.get(5)?;
                    let row = r.get::<_, i64>(0)? as u64;
                    let confirmed = r.get::<_, Option<String>>(13)?.as_deref() == Some("confirmed");
                    Ok(ExportRow {
                        row,
                        line: r.get::<_, i64>(1)? as u64,
                        openid: r.get(2)?,
                        stock_id: r.get(3)?,
                        send_request_no: r.get(4)?,
                        state: State::parse(&state).unwrap_or(State::Pending),
                        coupon_code: r.get(6)?,
                        error_code: r.get(7)?,
                        error_message: r.get(8)?,
                        retryable: r.get(9)?,
                        request_id: r.get(10)?,
                        attempts: r.get::<_, i64>(11)? as u64,
                        coupon_state: r.get(12)?,
                        confirm_request_no: confirmed
                            .then(|| confirm_request_no(&self.meta.campaign_id, row)),
                        confirm_error: r.get(14)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    /// Failures and put-back rows by error code: (code, state, count, an example message).
    pub fn problems(&self) -> Result<Vec<(String, State, u64, String)>, JournalError> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT error_code, state, COUNT(*), MAX(error_message) FROM rows \
                 WHERE error_code IS NOT NULL AND state != 'issued' \
                 GROUP BY error_code, state ORDER BY COUNT(*) DESC",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    let state: String = r.get(1)?;
                    Ok((
                        r.get(0)?,
                        State::parse(&state).unwrap_or(State::Pending),
                        r.get::<_, i64>(2)? as u64,
                        r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }
}
