//! The campaign engine on a SQLite journal against the real emulator over HTTP: full runs, a stock that runs out,
//! business errors, retryable failures, graceful stop — and the emulator's ledger agreeing
//! with the journal every time.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::Method;
use serde_json::{Value, json};
use wxpay_campaign::{CampaignMeta, Defaults, Journal, Report, RunOptions, Silent, State};
use wxpay_coupons::{CouponClient, RetryPolicy, Transport};
use wxpay_mock::fixtures::dev;
use wxpay_signing::KeyStore;
use wxpay_testkit::fixtures::{create_stock, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;

pub(crate) fn client(base: &str, retry: RetryPolicy) -> CouponClient {
    let keys =
        KeyStore::new().with_public_key(dev::PLATFORM_KEY_ID, wxpay_testkit::platform_public_key());
    CouponClient::new(
        Transport::builder(wxpay_testkit::merchant_signer(), keys)
            .base_url(base)
            .backup_base_url(base)
            .retry(retry)
            .build()
            .unwrap(),
    )
}

pub(crate) fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

pub(crate) fn defaults(stock: &str) -> Defaults {
    Defaults {
        stock_id: Some(stock.into()),
        product_coupon_id: Some(dev::PRODUCT_COUPON_ID.into()),
        appid: Some(dev::APPID.into()),
        brand_id: Some(dev::BRAND_ID.into()),
        attach: None,
    }
}

/// A journal for `csv` in a temp dir.
fn journal(dir: &std::path::Path, csv: &str, stock: &str) -> Arc<Journal> {
    journal_with(dir, csv, stock, false)
}

/// A journal for `csv`; `confirm` makes it a confirming campaign.
fn journal_with(dir: &std::path::Path, csv: &str, stock: &str, confirm: bool) -> Arc<Journal> {
    let id = wxpay_campaign::new_campaign_id().unwrap();
    let rows = wxpay_campaign::input::parse(csv.as_bytes(), &defaults(stock), None, &id).unwrap();
    let meta = CampaignMeta {
        campaign_id: id,
        created_at: 0,
        input_file: "users.csv".into(),
        input_sha256: "0".into(),
        config_file: None,
        generate_codes: None,
        defaults: defaults(stock),
        confirm,
    };
    Arc::new(Journal::create(&dir.join("campaign.db"), &meta, &rows).unwrap())
}

/// Runs the campaign to its end (or its stop).
async fn run(journal: &Arc<Journal>, client: CouponClient, options: RunOptions) -> Report {
    wxpay_campaign::run(journal.clone(), client, options)
        .await
        .unwrap()
}

pub(crate) fn users(n: usize, prefix: &str) -> String {
    let mut csv = String::from("openid,member_card_id\n");
    for i in 0..n {
        csv.push_str(&format!(
            "{prefix}{i:06},{}\n",
            if i % 3 == 0 {
                format!("card{i}")
            } else {
                String::new()
            }
        ));
    }
    csv
}

fn options(stop: Arc<AtomicBool>) -> RunOptions {
    RunOptions {
        concurrency: 16,
        stop,
        progress: Arc::new(Silent),
        ..RunOptions::default()
    }
}

/// send_request_no → coupon_code, from the emulator's ledger for `stock`.
pub(crate) async fn ledger(admin: &TestClient, stock: &str) -> HashMap<String, String> {
    ledger_coupons(admin, stock)
        .await
        .into_iter()
        .map(|(no, c)| (no, c["coupon_code"].as_str().unwrap().to_owned()))
        .collect()
}

/// send_request_no → coupon, from the emulator's ledger for `stock`.
pub(crate) async fn ledger_coupons(admin: &TestClient, stock: &str) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    let mut offset = 0;
    loop {
        let page = admin
            .admin_get(&format!(
                "/mock/coupons?stock_id={stock}&offset={offset}&limit=1000"
            ))
            .await
            .json();
        let data = page["data"].as_array().unwrap().clone();
        for c in &data {
            let no = c["send_request_no"].as_str().unwrap().to_owned();
            assert!(
                out.insert(no.clone(), c.clone()).is_none(),
                "{no} issued twice"
            );
        }
        offset += data.len();
        if data.is_empty() || offset >= page["total_count"].as_u64().unwrap() as usize {
            return out;
        }
    }
}

/// Every issued row of the journal is in the ledger with the same code, and nothing else is.
pub(crate) async fn assert_journal_matches_ledger(
    journal: &Journal,
    admin: &TestClient,
    stock: &str,
) {
    let ledger = ledger(admin, stock).await;
    let issued: Vec<_> = journal
        .export()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.state == State::Issued && r.stock_id == stock)
        .collect();
    assert_eq!(
        issued.len(),
        ledger.len(),
        "journal and ledger disagree on how many were issued"
    );
    for r in issued {
        assert_eq!(
            ledger.get(&r.send_request_no),
            r.coupon_code.as_ref(),
            "row {}",
            r.row
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_issues_every_row_once() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let dir = wxpay_testkit::temp_dir();
    let journal = journal(dir.path(), &users(200, &unique("oF")), dev::STOCK_LOAD_TEST);
    let report = run(
        &journal,
        client(&server.base_url(), fast_retries()),
        options(Arc::default()),
    )
    .await;
    assert!(report.complete(), "{report:?}");
    assert_eq!((report.counts.issued, report.issued_now), (200, 200));
    assert!(
        journal
            .export()
            .await
            .unwrap()
            .iter()
            .all(|r| r.request_id.is_some() && r.attempts == 1)
    );
    assert_journal_matches_ledger(&journal, &admin, dev::STOCK_LOAD_TEST).await;
    // Running again sends nothing.
    let again = run(
        &journal,
        client(&server.base_url(), fast_retries()),
        options(Arc::default()),
    )
    .await;
    assert_eq!(again.issued_now, 0);
    assert_eq!(
        wxpay_testkit::mock::sent_total(&server, dev::STOCK_LOAD_TEST),
        Some(200)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_daily_budget_stops_the_stock_and_tomorrow_resumes() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&admin, &stock, |s| {
        s["stock_send_rule"]["max_count_per_day"] = json!(50)
    })
    .await;
    let dir = wxpay_testkit::temp_dir();
    let journal = journal(dir.path(), &users(120, &unique("oB")), &stock);
    let c = client(&server.base_url(), fast_retries());
    let report = run(&journal, c.clone(), options(Arc::default())).await;
    assert_eq!(report.counts.issued, 50);
    assert_eq!(
        report.counts.pending, 70,
        "the rest stay pending: {report:?}"
    );
    assert_eq!((report.counts.failed, report.counts.retryable), (0, 0));
    assert_eq!(report.stopped.len(), 1);
    assert_eq!(report.stopped[0].0, stock);
    let problems = journal.problems().await.unwrap();
    assert_eq!(problems[0].0, "NOT_ENOUGH");
    // Tomorrow (the emulator's business clock), two more days of budget.
    for (day, expected) in [(1, 100), (2, 120)] {
        admin
            .admin(
                Method::PUT,
                "/mock/clock",
                &json!({"offset_secs": day * 86_400}),
            )
            .await;
        let report = run(&journal, c.clone(), options(Arc::default())).await;
        assert_eq!(report.counts.issued, expected);
    }
    assert_journal_matches_ledger(&journal, &admin, &stock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_errors_are_recorded_per_row_and_not_retried() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let dir = wxpay_testkit::temp_dir();
    let prefix = unique("oE");
    let csv = format!(
        "openid,stock_id\n{prefix}1,\n{prefix}2,9999999\n{prefix}3,{}\n{prefix}4,\n",
        dev::STOCK_PAUSED
    );
    let journal = journal(dir.path(), &csv, dev::STOCK_WECHATPAY);
    let report = run(
        &journal,
        client(&server.base_url(), fast_retries()),
        options(Arc::default()),
    )
    .await;
    assert_eq!(
        (
            report.counts.issued,
            report.counts.failed,
            report.counts.retryable
        ),
        (2, 2, 0)
    );
    let rows = journal.export().await.unwrap();
    assert_eq!(rows[1].error_code.as_deref(), Some("NOT_FOUND"));
    assert_eq!(rows[2].error_code.as_deref(), Some("INVALID_REQUEST"));
    assert!(rows[2].error_message.as_deref().unwrap().contains("PAUSED"));
    assert!(!rows[1].retryable && rows[1].request_id.is_some());
    // A resume does not send them again.
    run(
        &journal,
        client(&server.base_url(), fast_retries()),
        options(Arc::default()),
    )
    .await;
    assert!(
        journal
            .export()
            .await
            .unwrap()
            .iter()
            .all(|r| r.attempts == 1)
    );
    assert_journal_matches_ledger(&journal, &admin, dev::STOCK_WECHATPAY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retryable_failures_are_sent_again_on_resume() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let dir = wxpay_testkit::temp_dir();
    let journal = journal(dir.path(), &users(40, &unique("oR")), dev::STOCK_LOAD_TEST);
    admin.set_faults(json!({"error_rate": 1.0})).await;
    let report = run(
        &journal,
        client(&server.base_url(), RetryPolicy::none()),
        options(Arc::default()),
    )
    .await;
    assert_eq!((report.counts.issued, report.counts.retryable), (0, 40));
    assert_eq!(journal.problems().await.unwrap()[0].0, "SYSTEM_ERROR");
    admin.set_faults(json!({"drop_rate": 0.3})).await;
    let report = run(
        &journal,
        client(&server.base_url(), fast_retries()),
        options(Arc::default()),
    )
    .await;
    assert!(report.complete(), "{report:?}");
    assert!(
        journal
            .export()
            .await
            .unwrap()
            .iter()
            .all(|r| r.attempts == 2)
    );
    assert_journal_matches_ledger(&journal, &admin, dev::STOCK_LOAD_TEST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_leaves_the_rest_pending() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let dir = wxpay_testkit::temp_dir();
    let journal = journal(dir.path(), &users(300, &unique("oS")), dev::STOCK_LOAD_TEST);
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stopper.store(true, Ordering::Relaxed);
    });
    let c = client(&server.base_url(), fast_retries())
        .transport()
        .clone();
    let slow = CouponClient::new(c);
    let report = run(
        &journal,
        slow,
        RunOptions {
            concurrency: 4,
            stop,
            progress: Arc::new(Silent),
            ..RunOptions::default()
        },
    )
    .await;
    assert!(report.interrupted);
    assert!(
        report.counts.issued > 0 && report.counts.issued < 300,
        "{report:?}"
    );
    assert_eq!(
        report.counts.in_flight, 0,
        "nothing is left in flight after a graceful stop"
    );
    assert_eq!(report.counts.issued + report.counts.pending, 300);
    let rest = run(
        &journal,
        client(&server.base_url(), fast_retries()),
        options(Arc::default()),
    )
    .await;
    assert!(rest.complete());
    assert_journal_matches_ledger(&journal, &admin, dev::STOCK_LOAD_TEST).await;
}

fn confirming(stop: Arc<AtomicBool>) -> RunOptions {
    RunOptions {
        confirm: true,
        ..options(stop)
    }
}

/// Every coupon of `stock` is EFFECTIVE, confirmed with its row's number, as the journal says.
pub(crate) async fn assert_all_confirmed(journal: &Journal, admin: &TestClient, stock: &str) {
    let ledger = ledger_coupons(admin, stock).await;
    let rows = journal.export().await.unwrap();
    assert_eq!(ledger.len(), rows.len());
    for r in rows {
        let coupon = &ledger[&r.send_request_no];
        let number = wxpay_campaign::confirm_request_no(&journal.meta().campaign_id, r.row);
        assert_eq!(coupon["coupon_state"], "EFFECTIVE", "{coupon}");
        assert_eq!(coupon["confirm_request_no"], number.as_str());
        assert_eq!(r.confirm_request_no.as_deref(), Some(number.as_str()));
        assert_eq!(
            r.coupon_state.as_deref(),
            Some("EFFECTIVE"),
            "row {}",
            r.row
        );
        assert_eq!(r.confirm_error, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirming_campaign_sends_and_confirms_each_row_once() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let stock = unique("8");
    create_stock(&admin, &stock, |_| {}).await;
    let dir = wxpay_testkit::temp_dir();
    let journal = journal_with(dir.path(), &users(80, &unique("oK")), &stock, true);
    // The campaign confirms even when the run does not ask to.
    let c = client(&server.base_url(), fast_retries());
    let report = run(&journal, c.clone(), options(Arc::default())).await;
    assert!(report.complete(), "{report:?}");
    assert!(report.confirm);
    assert_eq!((report.counts.issued, report.counts.confirmed), (80, 80));
    assert_all_confirmed(&journal, &admin, &stock).await;
    let again = run(&journal, c, confirming(Arc::default())).await;
    assert_eq!((again.issued_now, again.counts.confirmed), (0, 80));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirming_run_confirms_rows_an_earlier_run_only_issued() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    let stock = unique("7");
    create_stock(&admin, &stock, |_| {}).await;
    let dir = wxpay_testkit::temp_dir();
    let journal = journal(dir.path(), &users(60, &unique("oL")), &stock);
    let c = client(&server.base_url(), fast_retries());
    let first = run(&journal, c.clone(), options(Arc::default())).await;
    assert_eq!((first.counts.issued, first.counts.confirmed), (60, 0));
    let waiting = ledger_coupons(&admin, &stock).await;
    assert!(waiting.values().all(|c| c["coupon_state"] == "CONFIRMING"));
    assert!(
        journal
            .export()
            .await
            .unwrap()
            .iter()
            .all(|r| r.confirm_request_no.is_none())
    );

    let second = run(&journal, c, confirming(Arc::default())).await;
    assert!(second.complete(), "{second:?}");
    assert_eq!((second.issued_now, second.counts.confirmed), (0, 60));
    assert_all_confirmed(&journal, &admin, &stock).await;
    // No row was sent twice: the ledger still holds one coupon per row.
    assert_journal_matches_ledger(&journal, &admin, &stock).await;
}
