//! A real PostgreSQL server for tests, named by `WXPAY_TEST_PG=postgres://…` (a user allowed
//! to create databases). Each test gets a database of its own. Without the variable the
//! tests print why and skip — unless `WXPAY_REQUIRE_PG` is set (CI), when they fail.

use std::sync::OnceLock;

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A database of its own for one test.
#[derive(Debug)]
pub struct PgTestDb {
    /// `postgres://…/<name>`, password included.
    pub url: String,
    /// The database name.
    pub name: String,
    admin: String,
    _shared: Option<RwLockReadGuard<'static, ()>>,
    _exclusive: Option<RwLockWriteGuard<'static, ()>>,
}

fn gate() -> &'static RwLock<()> {
    static GATE: OnceLock<RwLock<()>> = OnceLock::new();
    GATE.get_or_init(|| RwLock::new(()))
}

/// The admin URL, or `None` after printing why the test skips. Panics if the server is
/// required.
pub fn server(test: &str) -> Option<String> {
    match std::env::var("WXPAY_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("WXPAY_REQUIRE_PG").is_none(),
                "{test}: WXPAY_REQUIRE_PG is set but WXPAY_TEST_PG names no server"
            );
            eprintln!(
                "skipping {test}: no PostgreSQL server (set WXPAY_TEST_PG=postgres://USER:PASSWORD@127.0.0.1:PORT/postgres)"
            );
            None
        }
    }
}

/// Connects to `url` (panics on failure) and drives the connection in the background.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to the test server: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

fn with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("WXPAY_TEST_PG is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

async fn fresh(test: &str, exclusive: bool) -> Option<PgTestDb> {
    let admin = server(test)?;
    let (shared, exclusive) = if exclusive {
        (None, Some(gate().write().await))
    } else {
        (Some(gate().read().await), None)
    };
    let name = format!(
        "wxpay_test_{}_{}",
        std::process::id(),
        crate::fixtures::unique("").replace('x', "_")
    );
    connect(&admin)
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create the test database");
    Some(PgTestDb {
        url: with_db(&admin, &name),
        name,
        admin,
        _shared: shared,
        _exclusive: exclusive,
    })
}

/// A fresh database, or `None` (printed) when no server is configured. Tests holding one
/// run alongside each other, but not alongside an [`exclusive`] one.
pub async fn fresh_db(test: &str) -> Option<PgTestDb> {
    fresh(test, false).await
}

/// A fresh database for a test that disturbs the whole server (restarts it): no other
/// PostgreSQL test of this process runs meanwhile.
pub async fn exclusive(test: &str) -> Option<PgTestDb> {
    fresh(test, true).await
}

impl PgTestDb {
    /// A client of this database.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }

    /// This database's URL with the password replaced (to test a wrong one).
    pub fn url_with_password(&self, password: &str) -> String {
        let mut u = url::Url::parse(&self.url).expect("URL");
        u.set_password(Some(password)).expect("password");
        u.to_string()
    }

    /// This database's URL through `host:port` (a proxy) instead of the server.
    pub fn url_via(&self, addr: std::net::SocketAddr) -> String {
        let mut u = url::Url::parse(&self.url).expect("URL");
        u.set_host(Some(&addr.ip().to_string())).expect("host");
        u.set_port(Some(addr.port())).expect("port");
        u.to_string()
    }

    /// Drops the database (after closing every connection to it).
    pub async fn drop_db(self) {
        let admin = connect(&self.admin).await;
        let _ = admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await;
    }
}

/// The shell command that restarts the test server (`WXPAY_TEST_PG_RESTART`, set by CI),
/// if any.
pub fn restart_command() -> Option<String> {
    std::env::var("WXPAY_TEST_PG_RESTART")
        .ok()
        .filter(|c| !c.is_empty())
}
