//! Reaching PostgreSQL: the `postgres://` URL (its password never shown), a small pool, and
//! one place that retries what a lost connection interrupted.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use deadpool_postgres::{Client, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

use crate::journal::JournalError;

/// A PostgreSQL server and database, parsed from `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
///
/// `Debug` and `Display` show the URL with the password replaced by `***`. Without a
/// password in the URL, `PGPASSWORD` is used when set.
#[derive(Clone, PartialEq, Eq)]
pub struct PgTarget {
    user: String,
    password: Option<String>,
    password_in_url: bool,
    host: String,
    port: u16,
    dbname: String,
}

impl PgTarget {
    /// Parses a `postgres://` or `postgresql://` URL. The only query parameter accepted is
    /// `sslmode=disable|prefer` (this build speaks plain TCP, as to a server on loopback or
    /// behind a TLS-terminating proxy).
    pub fn parse(text: &str) -> Result<Self, JournalError> {
        let bad = |problem: &str| JournalError::Url {
            problem: format!("{problem}; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DB"),
        };
        // url's own messages never quote the input, so nothing secret can leak from them.
        let url = url::Url::parse(text).map_err(|e| bad(&format!("malformed URL ({e})")))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(bad(&format!("scheme {:?} is not postgres", url.scheme())));
        }
        let decode = |s: &str| {
            percent_decode(s)
                .ok_or_else(|| bad("the user or password is not valid percent-encoded UTF-8"))
        };
        let user = decode(url.username())?;
        if user.is_empty() {
            return Err(bad("no user"));
        }
        let password_in_url = url.password().is_some();
        let password = match url.password() {
            Some(p) => Some(decode(p)?),
            None => std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()),
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(h) => h.to_string(),
            None => return Err(bad("no host")),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let dbname = url.path().trim_start_matches('/');
        if dbname.is_empty() || dbname.contains('/') {
            return Err(bad("the path must be one database name"));
        }
        let dbname = decode(dbname)?;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("sslmode", "disable" | "prefer") => {}
                ("sslmode", other) => {
                    return Err(JournalError::Url {
                        problem: format!(
                            "sslmode={other} is not supported: this build connects without TLS \
                             (use sslmode=disable, a server on loopback, or a local TLS proxy)"
                        ),
                    });
                }
                (other, _) => return Err(bad(&format!("unknown parameter {other:?}"))),
            }
        }
        Ok(Self {
            user,
            password,
            password_in_url,
            port: url.port().unwrap_or(5432),
            host,
            dbname,
        })
    }

    /// The URL without its password: safe for logs and messages.
    pub fn redacted(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let password = if self.password_in_url { ":***" } else { "" };
        format!(
            "postgres://{}{password}@{host}:{}/{}",
            self.user, self.port, self.dbname
        )
    }

    /// The database name.
    pub fn dbname(&self) -> &str {
        &self.dbname
    }

    fn config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .user(&self.user)
            .host(&self.host)
            .port(self.port)
            .dbname(&self.dbname)
            .application_name("wxpay-campaign")
            .connect_timeout(Duration::from_secs(5))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(10));
        if let Some(p) = &self.password {
            config.password(p);
        }
        config
    }
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Why one attempt failed.
pub(crate) enum Fail {
    Pg(tokio_postgres::Error),
    Pool(PoolError),
    TimedOut(Duration),
    /// A problem with the data, not the connection: never retried.
    Invalid(JournalError),
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Self {
        Fail::Pg(e)
    }
}

impl Fail {
    /// Whether a new connection may well succeed: the connection broke, the server is
    /// restarting or full, or the transaction lost a race.
    fn transient(&self) -> bool {
        match self {
            Fail::Pg(e) => pg_transient(e),
            Fail::Pool(PoolError::Backend(e)) => pg_transient(e),
            Fail::Pool(PoolError::Timeout(_)) | Fail::TimedOut(_) => true,
            Fail::Pool(_) | Fail::Invalid(_) => false,
        }
    }

    fn message(&self) -> String {
        match self {
            Fail::Pg(e) | Fail::Pool(PoolError::Backend(e)) => describe(e),
            Fail::Pool(e) => e.to_string(),
            Fail::TimedOut(after) => format!("no answer within {after:?}"),
            Fail::Invalid(e) => e.to_string(),
        }
    }
}

fn pg_transient(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            code.code().starts_with("08")
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                    SqlState::TOO_MANY_CONNECTIONS,
                    SqlState::T_R_SERIALIZATION_FAILURE,
                    SqlState::T_R_DEADLOCK_DETECTED,
                ]
                .contains(code)
        }
        // No SQLSTATE: an I/O error or a connection that went away.
        None => std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

/// A PostgreSQL error as one line: the server's message and SQLSTATE, or the client's chain.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        );
    }
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A pool of connections to one database, and the retry rule every query goes through.
pub(crate) struct Db {
    pool: Pool,
    target: String,
    /// How long a query keeps being retried while the database cannot be reached.
    retry_for: Duration,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db").field("target", &self.target).finish()
    }
}

/// One query's deadline (a query that takes longer is treated as a lost connection).
pub(crate) const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// A pool for `target`; connections are made on first use.
    pub(crate) fn new(target: &PgTarget, retry_for: Duration) -> Result<Self, JournalError> {
        let manager = Manager::from_config(
            target.config(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(4)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(QUERY_TIMEOUT))
            .create_timeout(Some(Duration::from_secs(6)))
            .build()
            .map_err(|e| JournalError::Postgres {
                target: target.redacted(),
                message: e.to_string(),
            })?;
        Ok(Self {
            pool,
            target: target.redacted(),
            retry_for,
        })
    }

    /// The database, for messages.
    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    /// Runs `op` on a pooled connection; on a transient failure drops the idle connections
    /// and tries again with backoff until `retry_for` has passed. `op` gets the attempt
    /// number (0 first) so that it can find out what an interrupted attempt already did.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        op: F,
    ) -> Result<T, JournalError>
    where
        F: Fn(Client, u32) -> Fut,
        Fut: Future<Output = Result<T, Fail>>,
    {
        self.run_for(what, timeout, self.retry_for, op).await
    }

    /// [`Db::run`] with its own retry window.
    pub(crate) async fn run_for<T, F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        retry_for: Duration,
        op: F,
    ) -> Result<T, JournalError>
    where
        F: Fn(Client, u32) -> Fut,
        Fut: Future<Output = Result<T, Fail>>,
    {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            let result = async {
                let client = self.pool.get().await.map_err(Fail::Pool)?;
                match tokio::time::timeout(timeout, op(client, attempt)).await {
                    Ok(r) => r,
                    Err(_) => Err(Fail::TimedOut(timeout)),
                }
            }
            .await;
            let fail = match result {
                Ok(v) => {
                    if attempt > 0 {
                        tracing::info!("journal {}: {what}: reconnected", self.target);
                    }
                    return Ok(v);
                }
                Err(Fail::Invalid(e)) => return Err(e),
                Err(fail) => fail,
            };
            if !fail.transient() {
                return Err(JournalError::Postgres {
                    target: self.target.clone(),
                    message: format!("{what}: {}", fail.message()),
                });
            }
            if started.elapsed() >= retry_for {
                return Err(JournalError::Unreachable {
                    target: self.target.clone(),
                    after: started.elapsed(),
                    last: format!("{what}: {}", fail.message()),
                });
            }
            tracing::warn!(
                "journal {}: {what}: {}; retrying",
                self.target,
                fail.message()
            );
            // Idle connections may be dead too; new ones are made on demand.
            self.pool.retain(|_, _| false);
            attempt += 1;
            let ceiling =
                Duration::from_millis(50 * (1u64 << attempt.min(5))).min(Duration::from_secs(1));
            tokio::time::sleep(ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_passwords_never_show() {
        let t = PgTarget::parse("postgres://app:s%40cret@db.example:6543/campaigns").unwrap();
        assert_eq!(t.redacted(), "postgres://app:***@db.example:6543/campaigns");
        assert_eq!(format!("{t:?}"), t.redacted());
        assert_eq!(t.password.as_deref(), Some("s@cret"));
        let t = PgTarget::parse("postgresql://app@127.0.0.1/c?sslmode=disable").unwrap();
        assert_eq!(t.redacted(), "postgres://app@127.0.0.1:5432/c");
        let t = PgTarget::parse("postgres://app:pw@[::1]:5433/c").unwrap();
        assert_eq!(t.redacted(), "postgres://app:***@[::1]:5433/c");
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for (url, expect) in [
            ("postgres://host/db", "no user"),
            ("postgres://u:hunter2@h:99999/db", "malformed URL"),
            ("postgres://u:hunter2@h/", "one database name"),
            ("postgres://u:hunter2@h/a/b", "one database name"),
            (
                "postgres://u:hunter2@h/db?sslmode=require",
                "sslmode=require",
            ),
            ("postgres://u:hunter2@h/db?pool=3", "unknown parameter"),
            ("mysql://u:hunter2@h/db", "not postgres"),
        ] {
            let err = PgTarget::parse(url).unwrap_err().to_string();
            assert!(err.contains(expect), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
