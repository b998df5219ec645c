//! The journal: where a campaign and every row's state live — one SQLite file (one worker at
//! a time, the embedded default) or a PostgreSQL database (many campaigns, any number of
//! workers). Exactly-once comes from the deterministic request numbers; the journal is what
//! lets a resumed run skip what is done and find what may have been sent.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::input::Row;

mod callbacks;
mod model;
pub mod postgres;
pub mod sqlite;

pub use callbacks::{PgCallbacks, SqliteCallbacks};
pub use model::{CampaignMeta, Confirmation, Counts, ExportRow, Outcome, State};
pub use postgres::{PgJournal, PgOptions, PgTarget, WorkerInfo};
pub use sqlite::{SCHEMA_VERSION, SqliteJournal};

/// Why the journal could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// SQLite failed.
    #[error("journal {path}: {source}")]
    Sqlite {
        /// The journal file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The journal is not one of this tool's (or creating it was interrupted).
    #[error("journal {path}: {problem}")]
    Invalid {
        /// The journal (file, or database without password).
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A file operation failed.
    #[error("journal {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// `--journal` is neither a path nor a usable `postgres://` URL.
    #[error("--journal: {problem}")]
    Url {
        /// What is wrong (the URL itself is never repeated: it may hold a password).
        problem: String,
    },
    /// PostgreSQL refused (wrong password, no such database, missing privilege…).
    #[error("journal {target}: {message}")]
    Postgres {
        /// The database, without password.
        target: String,
        /// What the server (or the client library) said.
        message: String,
    },
    /// The database could not be reached, even after retrying.
    #[error("journal {target}: unreachable for {:.1} s ({last}); stopped", after.as_secs_f64())]
    Unreachable {
        /// The database, without password.
        target: String,
        /// How long it was retried.
        after: Duration,
        /// The last failure.
        last: String,
    },
    /// No campaign of that name in the database.
    #[error(
        "journal {target}: no campaign {campaign:?} (give --input to create it){}",
        if known.is_empty() { String::new() } else { format!("; campaigns here: {}", known.join(", ")) }
    )]
    NotFound {
        /// The database, without password.
        target: String,
        /// The name asked for.
        campaign: String,
        /// Campaigns the database holds (the first 20).
        known: Vec<String>,
    },
    /// A campaign of that name exists already.
    #[error("journal {target}: campaign {campaign:?} exists already")]
    Exists {
        /// The database, without password.
        target: String,
        /// The name.
        campaign: String,
    },
}

/// Where a journal lives, as `--journal` (and, for PostgreSQL, `--campaign`) name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A campaign in a PostgreSQL database.
    Postgres {
        /// The database.
        target: PgTarget,
        /// The campaign's name in it.
        campaign: String,
    },
}

impl Location {
    /// `journal` is a `postgres://`/`postgresql://` URL (then `campaign` is required) or a
    /// path (then `campaign` must be absent).
    pub fn parse(journal: &str, campaign: Option<&str>) -> Result<Self, JournalError> {
        let scheme = journal
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => {
                let target = PgTarget::parse(journal)?;
                let campaign = campaign.ok_or_else(|| JournalError::Url {
                    problem: format!(
                        "{target} holds many campaigns: name one with --campaign NAME"
                    ),
                })?;
                if campaign.is_empty() || campaign.len() > 128 || campaign.chars().any(char::is_control) {
                    return Err(JournalError::Url {
                        problem: "--campaign must be 1 to 128 printable characters".into(),
                    });
                }
                Ok(Location::Postgres {
                    target,
                    campaign: campaign.to_owned(),
                })
            }
            Some(other) if !other.contains('/') && !other.is_empty() => Err(JournalError::Url {
                problem: format!(
                    "unsupported scheme {other:?}: give a file path (SQLite) or postgres://USER[:PASSWORD]@HOST[:PORT]/DB"
                ),
            }),
            _ if journal.is_empty() => Err(JournalError::Url {
                problem: "is empty: give a file path (SQLite) or postgres://USER[:PASSWORD]@HOST[:PORT]/DB".into(),
            }),
            _ => match campaign {
                Some(_) => Err(JournalError::Url {
                    problem: "--campaign names a campaign in a PostgreSQL journal; a SQLite journal file holds one campaign".into(),
                }),
                None => Ok(Location::Sqlite(PathBuf::from(journal))),
            },
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres { target, campaign } => write!(f, "{target} campaign {campaign}"),
        }
    }
}

/// A campaign journal: SQLite or PostgreSQL. The engine works with either; only a
/// PostgreSQL journal is shared by several workers (and paces them with one budget).
#[derive(Debug)]
pub enum Journal {
    /// One file, one worker.
    Sqlite(SqliteJournal),
    /// A campaign in a PostgreSQL database.
    Postgres(PgJournal),
}

macro_rules! both {
    ($self:ident, $j:ident => $e:expr) => {
        match $self {
            Journal::Sqlite($j) => $e,
            Journal::Postgres($j) => $e,
        }
    };
}

impl Journal {
    /// Creates a SQLite journal (see [`SqliteJournal::create`]).
    pub fn create(path: &Path, meta: &CampaignMeta, rows: &[Row]) -> Result<Self, JournalError> {
        SqliteJournal::create(path, meta, rows).map(Journal::Sqlite)
    }

    /// Opens a SQLite journal.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        SqliteJournal::open(path).map(Journal::Sqlite)
    }

    /// Opens the journal at `location` ([`JournalError::NotFound`] or `Invalid` when there is
    /// no campaign there).
    pub async fn open_at(location: &Location, options: PgOptions) -> Result<Self, JournalError> {
        match location {
            Location::Sqlite(path) => Self::open(path),
            Location::Postgres { target, campaign } => PgJournal::open(target, campaign, options)
                .await
                .map(Journal::Postgres),
        }
    }

    /// Creates the journal at `location`; `rate_per_sec` is a PostgreSQL campaign's budget.
    pub async fn create_at(
        location: &Location,
        meta: &CampaignMeta,
        rows: &[Row],
        rate_per_sec: u32,
        options: PgOptions,
    ) -> Result<Self, JournalError> {
        match location {
            Location::Sqlite(path) => Self::create(path, meta, rows),
            Location::Postgres { target, campaign } => {
                PgJournal::create(target, campaign, meta, rows, rate_per_sec, options)
                    .await
                    .map(Journal::Postgres)
            }
        }
    }

    /// The campaign.
    pub fn meta(&self) -> &CampaignMeta {
        both!(self, j => j.meta())
    }

    /// Where it is, for messages (never with a password).
    pub fn describe(&self) -> String {
        match self {
            Journal::Sqlite(j) => j.path().display().to_string(),
            Journal::Postgres(j) => j.describe(),
        }
    }

    /// The PostgreSQL journal, if it is one: shared by workers, paced by one budget.
    pub fn shared(&self) -> Option<&PgJournal> {
        match self {
            Journal::Sqlite(_) => None,
            Journal::Postgres(j) => Some(j),
        }
    }

    /// Rows by state.
    pub async fn counts(&self) -> Result<Counts, JournalError> {
        match self {
            Journal::Sqlite(j) => j.counts(),
            Journal::Postgres(j) => j.counts().await,
        }
    }

    /// Before a run: what a resume puts back (see each store); registers a PostgreSQL worker.
    pub async fn prepare_resume(&self) -> Result<u64, JournalError> {
        match self {
            Journal::Sqlite(j) => j.prepare_resume(),
            Journal::Postgres(j) => j.prepare_resume().await,
        }
    }

    /// Claims up to `n` rows to send, skipping `stopped` stocks.
    pub async fn claim(
        &self,
        n: usize,
        stopped: &HashSet<String>,
    ) -> Result<Vec<Row>, JournalError> {
        match self {
            Journal::Sqlite(j) => j.claim(n, stopped),
            Journal::Postgres(j) => j.claim(n, stopped).await,
        }
    }

    /// Up to `n` issued rows to confirm, with their codes, each handed out once per run.
    pub async fn claim_unconfirmed(&self, n: usize) -> Result<Vec<(Row, String)>, JournalError> {
        match self {
            Journal::Sqlite(j) => j.claim_unconfirmed(n),
            Journal::Postgres(j) => j.claim_unconfirmed(n).await,
        }
    }

    /// Non-zero while other workers hold rows, or pending rows another claim skipped: a
    /// worker that has nothing to claim waits while it is. Always 0 for SQLite.
    pub async fn others_busy(&self, stopped: &HashSet<String>) -> Result<u64, JournalError> {
        match self {
            Journal::Sqlite(_) => Ok(0),
            Journal::Postgres(j) => j.others_busy(stopped).await,
        }
    }

    /// Records outcomes, all in one transaction.
    pub async fn record(&self, outcomes: &[(u64, Outcome)]) -> Result<(), JournalError> {
        match self {
            Journal::Sqlite(j) => j.record(outcomes),
            Journal::Postgres(j) => j.record(outcomes).await,
        }
    }

    /// After a run: a PostgreSQL worker hands back what it still holds and leaves.
    pub async fn finish(&self) -> Result<(), JournalError> {
        match self {
            Journal::Sqlite(_) => Ok(()),
            Journal::Postgres(j) => j.deregister().await,
        }
    }

    /// Every row with its result, in order.
    pub async fn export(&self) -> Result<Vec<ExportRow>, JournalError> {
        match self {
            Journal::Sqlite(j) => j.export(),
            Journal::Postgres(j) => j.export().await,
        }
    }

    /// Failures and put-back rows by error code: (code, state, count, an example message).
    pub async fn problems(&self) -> Result<Vec<(String, State, u64, String)>, JournalError> {
        match self {
            Journal::Sqlite(j) => j.problems(),
            Journal::Postgres(j) => j.problems().await,
        }
    }
}

/// The confirm request number of row `row`: deterministic like the send's, so that a resumed
/// confirm is an idempotent replay.
pub fn confirm_request_no(campaign_id: &str, row: u64) -> String {
    format!("{campaign_id}-K{row:08}")
}

/// SHA-256 of an input file (a regular file of at most
/// [`MAX_INPUT_BYTES`](crate::input::MAX_INPUT_BYTES)), hex, read as a stream.
pub fn sha256_file(path: &Path) -> Result<String, std::io::Error> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let limit = crate::input::MAX_INPUT_BYTES;
    let too_large = || wxpay_signing::file::too_large(limit, "a campaign CSV");
    let file = std::fs::File::open(path)?;
    crate::input::check_input_file(&file)?;
    let mut reader = file.take(limit + 1);
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(too_large());
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_told_apart() {
        assert_eq!(
            Location::parse("c.db", None).unwrap(),
            Location::Sqlite("c.db".into())
        );
        assert!(matches!(
            Location::parse("postgresql://u:pw@h/db", Some("spring")).unwrap(),
            Location::Postgres { campaign, .. } if campaign == "spring"
        ));
        let err = |j: &str, c: Option<&str>| Location::parse(j, c).unwrap_err().to_string();
        assert!(err("postgres://u:pw@h/db", None).contains("--campaign"));
        assert!(!err("postgres://u:pw@h/db", None).contains("pw"));
        assert!(err("c.db", Some("x")).contains("SQLite journal file holds one campaign"));
        assert!(err("mysql://u@h/db", None).contains("unsupported scheme"));
        assert!(err("postgres://u:pw@h/db", Some("")).contains("--campaign"));
        assert!(err("", None).contains("--journal: is empty"));
    }
}
