//! The journal's stores as the SDK's callback de-duplication
//! ([`CallbackDedup`](wxpay_coupons::notify::CallbackDedup)): handled callback ids in a SQLite
//! file (the campaign journal's, or one of their own) or in the PostgreSQL journal's database,
//! so that a restarted receiver, or every replica behind one notify URL, acts once per
//! callback.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use wxpay_coupons::notify::{CallbackDedup, DedupError, DedupFuture};

use super::JournalError;
use super::postgres::conn::{Db, QUERY_TIMEOUT};
use super::postgres::{PgOptions, PgTarget, connect};

const SQLITE_TABLE: &str = "CREATE TABLE IF NOT EXISTS callbacks_handled (
    id TEXT PRIMARY KEY,
    handled_at INTEGER NOT NULL
)";

/// Handled callback ids in a SQLite file: a campaign journal (the table sits beside the
/// campaign's) or a file of their own, created if missing.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// use wxpay_campaign::journal::SqliteCallbacks;
/// use wxpay_coupons::notify::CallbackDedup;
/// # let dir = std::env::temp_dir().join(format!("wxpay-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteCallbacks::open(&dir.join("callbacks.sqlite"))?;
/// store.record("EV-1").await?;
/// assert!(store.seen("EV-1").await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqliteCallbacks {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl SqliteCallbacks {
    /// Opens (or creates) `path` and its `callbacks_handled` table.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let err = |source| JournalError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        conn.execute(SQLITE_TABLE, []).map_err(err)?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `op` on the connection off the async threads.
    fn blocking<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> DedupFuture<'static, T> {
        let (conn, path) = (self.conn.clone(), self.path.display().to_string());
        Box::pin(async move {
            let fail = |message: String| DedupError::new(format!("{path}: {message}"), None);
            tokio::task::spawn_blocking(move || {
                let conn = conn.lock().map_err(|_| rusqlite::Error::InvalidQuery)?;
                op(&conn)
            })
            .await
            .map_err(|e| fail(e.to_string()))?
            .map_err(|e| fail(e.to_string()))
        })
    }
}

impl CallbackDedup for SqliteCallbacks {
    fn seen<'a>(&'a self, id: &'a str) -> DedupFuture<'a, bool> {
        let id = id.to_owned();
        self.blocking(move |c| {
            c.query_row(
                "SELECT 1 FROM callbacks_handled WHERE id = ?1",
                [&id],
                |_| Ok(()),
            )
            .optional()
            .map(|row| row.is_some())
        })
    }

    fn record<'a>(&'a self, id: &'a str) -> DedupFuture<'a, ()> {
        let id = id.to_owned();
        self.blocking(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO callbacks_handled (id, handled_at) VALUES (?1, unixepoch())",
                params![id],
            )
            .map(drop)
        })
    }
}

/// Handled callback ids in the PostgreSQL journal's database (table
/// `wxpay.callbacks_handled`, schema migration 2), shared by every receiver using it.
pub struct PgCallbacks {
    db: Db,
}

impl std::fmt::Debug for PgCallbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgCallbacks")
            .field("target", &self.db.target())
            .finish()
    }
}

impl PgCallbacks {
    /// Connects (migrating the schema when needed). Queries are retried while the database
    /// is unreachable, for `options.retry_for`.
    pub async fn connect(target: &PgTarget, options: PgOptions) -> Result<Self, JournalError> {
        Ok(Self {
            db: connect(target, &options).await?,
        })
    }
}

fn dedup_error(e: JournalError) -> DedupError {
    let message = e.to_string();
    DedupError::new(message, Some(Box::new(e)))
}

impl CallbackDedup for PgCallbacks {
    fn seen<'a>(&'a self, id: &'a str) -> DedupFuture<'a, bool> {
        Box::pin(async move {
            self.db
                .run("callback seen", QUERY_TIMEOUT, |c, _| async move {
                    let row = c
                        .query_opt(
                            "SELECT 1 FROM wxpay.callbacks_handled WHERE id = $1",
                            &[&id],
                        )
                        .await?;
                    Ok(row.is_some())
                })
                .await
                .map_err(dedup_error)
        })
    }

    fn record<'a>(&'a self, id: &'a str) -> DedupFuture<'a, ()> {
        Box::pin(async move {
            self.db
                .run("callback handled", QUERY_TIMEOUT, |c, _| async move {
                    c.execute(
                        "INSERT INTO wxpay.callbacks_handled (id) VALUES ($1) ON CONFLICT DO NOTHING",
                        &[&id],
                    )
                    .await?;
                    Ok(())
                })
                .await
                .map_err(dedup_error)
        })
    }
}
