//! A PostgreSQL journal when the database goes away: connections cut and restored (retried),
//! a database out of reach for longer than the worker waits (it stops; nothing is lost), and
//! a real server restart mid-campaign.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wxpay_campaign::{JournalError, PgOptions, RunError};
use wxpay_testkit::fixtures::{create_stock, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;
use wxpay_testkit::pg::{exclusive, fresh_db, restart_command};
use wxpay_testkit::proxy::TcpProxy;

use crate::engine::{assert_journal_matches_ledger, users};
use crate::pg::{create, fast, join, pg_client, pg_options, run};

fn server_addr(url: &str) -> SocketAddr {
    let u = url::Url::parse(url).unwrap();
    let host = u.host_str().unwrap().trim_matches(['[', ']']);
    format!("{host}:{}", u.port().unwrap_or(5432))
        .parse()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], u.port().unwrap_or(5432))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_lost_connections_are_retried_and_nothing_is_lost() {
    let Some(db) = fresh_db("pg_lost_connections_are_retried_and_nothing_is_lost").await else {
        return;
    };
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&admin, &stock, |_| {}).await;
    create(
        &db,
        "cut",
        &users(400, &unique("oU")),
        &stock,
        200,
        false,
        fast(10_000),
    )
    .await;
    let proxy = TcpProxy::start(server_addr(&db.url)).await;
    let journal = join(&db.url_via(proxy.addr), "cut", fast(10_000)).await;
    let cutter = {
        let proxy = Arc::new(proxy);
        let p = proxy.clone();
        tokio::spawn(async move {
            for _ in 0..2 {
                tokio::time::sleep(Duration::from_millis(600)).await;
                p.cut();
                tokio::time::sleep(Duration::from_millis(1_500)).await;
                p.restore();
            }
            p
        })
    };
    let report = run(&journal, &server.base_url(), pg_options(16)).await;
    let _proxy = cutter.await.unwrap();
    assert!(report.complete(), "{report:?}");
    assert_journal_matches_ledger(&journal, &admin, &stock).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_a_worker_that_cannot_reach_the_database_stops_and_loses_no_row() {
    let Some(db) =
        fresh_db("pg_a_worker_that_cannot_reach_the_database_stops_and_loses_no_row").await
    else {
        return;
    };
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&admin, &stock, |_| {}).await;
    let options = PgOptions {
        lease: Duration::from_millis(1_500),
        retry_for: Duration::from_millis(1_500),
    };
    let direct = create(
        &db,
        "gone",
        &users(400, &unique("oG")),
        &stock,
        200,
        false,
        options,
    )
    .await;
    let proxy = TcpProxy::start(server_addr(&db.url)).await;
    let journal = join(&db.url_via(proxy.addr), "gone", options).await;
    let proxy = Arc::new(proxy);
    let p = proxy.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        p.cut(); // for good
    });
    let started = Instant::now();
    let result = wxpay_campaign::run(
        journal.clone(),
        pg_client(&server.base_url()),
        pg_options(16),
    )
    .await;
    let stopped_after = started.elapsed();
    match result {
        Err(RunError::Journal(JournalError::Unreachable { .. })) => {}
        other => panic!("expected a clean stop on an unreachable journal, got {other:?}"),
    }
    assert!(
        stopped_after < Duration::from_secs(10),
        "stopped after {stopped_after:?}"
    );
    let issued_then = direct.counts().await.unwrap().issued;
    assert!(issued_then < 400, "cut mid-campaign");
    // Another worker (with the database in reach) takes over the stranded rows once the
    // stopped worker's lease runs out, and finishes: every row issued exactly once.
    let report = run(&direct, &server.base_url(), pg_options(16)).await;
    assert!(report.complete(), "{report:?}");
    assert_journal_matches_ledger(&direct, &admin, &stock).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_a_server_restart_mid_campaign_loses_nothing() {
    let test = "pg_a_server_restart_mid_campaign_loses_nothing";
    let Some(restart) = restart_command() else {
        if wxpay_testkit::pg::server(test).is_some() {
            assert!(
                std::env::var_os("WXPAY_REQUIRE_PG").is_none(),
                "{test}: WXPAY_REQUIRE_PG is set but WXPAY_TEST_PG_RESTART is not"
            );
            eprintln!(
                "skipping {test}: WXPAY_TEST_PG_RESTART (a command restarting the test server) is not set"
            );
        }
        return;
    };
    let Some(db) = exclusive(test).await else {
        return;
    };
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&admin, &stock, |_| {}).await;
    let journal = create(
        &db,
        "restart",
        &users(600, &unique("oZ")),
        &stock,
        200,
        false,
        fast(10_000),
    )
    .await;
    let restarter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        let command = restart.clone();
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new("sh")
                .args(["-c", &command])
                .status()
        })
        .await
        .unwrap()
        .unwrap();
        assert!(status.success(), "{restart}: {status}");
    });
    let report = run(&journal, &server.base_url(), pg_options(16)).await;
    restarter.await.unwrap();
    assert!(report.complete(), "{report:?}");
    assert!(report.elapsed > Duration::from_millis(1_000));
    assert_journal_matches_ledger(&journal, &admin, &stock).await;
    db.drop_db().await;
}
