//! The console's world picker in headless Chromium: a namespace's coupons, faults and journal
//! are shown apart from the configured world's, and what the page sets goes to the world
//! picked.

use fantoccini::Locator;
use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::unique;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;

use super::browser;
use crate::namespaces::Namespace;

#[tokio::test]
async fn the_picker_shows_a_namespace_and_sets_its_faults() {
    let Some(browser) = browser::start().await else {
        return;
    };
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let ns = Namespace::create(&client, "partner").await;
    for _ in 0..2 {
        assert_eq!(
            ns.send(&client, &unique("o"), &unique("R")).await.status,
            200
        );
    }
    let base = server.base_url();
    browser.open(&format!("{base}/mock/ui#overview")).await;
    let load_test = format!("#ov-stocks tr[data-stock='{}']", dev::STOCK_LOAD_TEST);
    browser.wait_text(&load_test, |t| t.contains("0 / ")).await;

    // Pick the namespace: its stock shows its two sends, its caller is listed.
    browser
        .wait_text("#namespace", |t| t.contains(ns.name()))
        .await;
    browser
        .client
        .find(Locator::Id("namespace"))
        .await
        .expect("the picker")
        .select_by_value(ns.name())
        .await
        .expect("pick the namespace");
    browser.wait_text(&load_test, |t| t.contains("2 / ")).await;
    let mchid = ns.made["mchid"].as_str().unwrap().to_owned();
    browser
        .wait_text("#ov-callers", |t| t.contains(&mchid))
        .await;
    let url = browser.client.current_url().await.expect("url");
    assert!(
        url.query()
            .unwrap_or("")
            .contains(&format!("namespace={}", ns.name())),
        "the address keeps the world: {url}"
    );
    browser.screenshot("namespace").await;

    // Faults set in the page go to the namespace only.
    browser
        .open(&format!("{base}/mock/ui?namespace={}#faults", ns.name()))
        .await;
    browser
        .wait_text("#fault-status", |t| t == "No faults.")
        .await;
    browser
        .type_into("#fault-form input[name=error_rate]", "1")
        .await;
    browser.click("#fault-set").await;
    browser
        .wait_text("#fault-status", |t| t.contains("error_rate=1"))
        .await;
    assert_eq!(
        client.admin_get(&ns.admin("/mock/faults")).await.json()["error_rate"],
        1.0
    );
    assert_eq!(
        client.admin_get("/mock/faults").await.json()["error_rate"],
        0.0
    );
    assert_eq!(
        ns.send(&client, &unique("o"), &unique("R")).await.status,
        500
    );
    let (_, configured) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(configured.status, 200);

    // The journal page shows the namespace's requests only.
    browser
        .open(&format!("{base}/mock/ui?namespace={}#requests", ns.name()))
        .await;
    browser
        .wait_text("#page-requests tbody", |t| {
            t.contains("SYSTEM_ERROR") && t.contains(&mchid)
        })
        .await;
    let text = browser.wait_text("#page-requests tbody", |_| true).await;
    assert!(
        !text.contains(dev::MCHID),
        "the configured world's send is not listed: {text}"
    );
    server.shutdown().await;
}
