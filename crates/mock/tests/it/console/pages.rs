//! The console's pages in headless Chromium: what a person sees after real API calls, and
//! what a click in the page does to the emulator. Each test takes a screenshot of its page.

use serde_json::Value;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, Server};
use wxpay_signing::Signer;
use wxpay_testkit::fixtures::{send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::receiver::Recorder;
use wxpay_testkit::{MCHID, MERCHANT_SERIAL, mock, platform_key};

use super::browser::{self, Browser};
use crate::callbacks::wait_until;

/// An attach that would add an element if the page ever parsed data as HTML.
const MARKUP: &str = "<b id=xss>bold</b><img src=x>";

/// A browser and an emulator whose callbacks go to a recorder (retried after a minute); `None`
/// when there is no browser to test with.
async fn start() -> Option<(Browser, Server, TestClient, Recorder)> {
    let browser = browser::start().await?;
    let (server, client, receiver) = super::with_receiver(vec![60_000]).await;
    Some((browser, server, client, receiver))
}

/// Opens the console on `tab`; asserts it loads and shows its first data within a second.
async fn open(browser: &Browser, base_url: &str, tab: &str) {
    browser.open(&format!("{base_url}/mock/ui#{tab}")).await;
    let (dom, first_data) = browser.load_times().await;
    println!(
        "console #{tab}: DOMContentLoaded {dom:.0} ms, first data rendered {first_data:.0} ms"
    );
    assert!(first_data < 1000.0, "first data after {first_data} ms");
}

#[tokio::test]
async fn a_sent_coupon_shows_up_live_with_its_state_and_timeline() {
    let Some((browser, server, client, receiver)) = start().await else {
        return;
    };
    let base = server.base_url();
    open(&browser, &base, "overview").await;
    let wechatpay = format!("#ov-stocks tr[data-stock='{}']", dev::STOCK_WECHATPAY);
    browser
        .wait_text(&wechatpay, |t| t.contains("0 / 10000000"))
        .await;
    let journal = client.admin_get("/mock/requests").await.json();
    assert_eq!(
        journal["last_seq"], 0,
        "the console itself is not journaled"
    );

    // A user who got two coupons of the stock, and another one: the bars move.
    let openid = unique("o");
    let mut codes = Vec::new();
    for to in [openid.clone(), openid.clone(), unique("o")] {
        let mut body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
        body["attach"] = MARKUP.into();
        let answer = client
            .send(&wxpay_testkit::merchant_signer(), &to, &body)
            .await;
        assert_eq!(answer.status, 200);
        codes.push(answer.json()["coupon_code"].as_str().unwrap().to_owned());
    }
    let row = browser
        .wait_text(&wechatpay, |t| t.contains("3 / 10000000"))
        .await;
    assert!(
        row.contains("2 / 100"),
        "top user holds 2 of max_count_per_user: {row}"
    );
    browser
        .wait_text("#ov-states", |t| t.contains("CONFIRMING"))
        .await;
    receiver.wait_for(3, 5).await;
    browser
        .wait_text("#ov-callbacks [data-k=delivered] .v", |t| t == "3")
        .await;
    browser.screenshot("overview").await;

    browser.click("#tabs a[data-tab=coupons]").await;
    let state = format!("#coupon-table tr[data-code='{}'] td.state", codes[0]);
    assert_eq!(
        browser.wait_text(&state, |t| !t.is_empty()).await,
        "CONFIRMING"
    );
    // Search by openid: only that user's two coupons.
    browser
        .type_into("#coupon-search input[name=openid]", &openid)
        .await;
    browser.click("#coupon-search button[type=submit]").await;
    browser
        .wait_text("#coupon-count", |t| t.starts_with("2 coupon"))
        .await;
    assert_eq!(browser.count("#coupon-table tbody tr[data-code]").await, 2);

    browser
        .click(&format!("#coupon-table tr[data-code='{}']", codes[0]))
        .await;
    let timeline = browser
        .wait_text("#timeline", |t| t.contains("delivered"))
        .await;
    assert!(
        timeline.contains("sent") && timeline.contains("PRODUCT_COUPON_SP.SEND"),
        "{timeline}"
    );
    assert!(!timeline.contains("confirmed"));
    // Confirmed through the API: the open timeline and the row follow.
    let no = super::confirm_new(&client, &openid, &codes[0]).await;
    let timeline = browser
        .wait_text("#timeline", |t| t.contains("confirmed"))
        .await;
    assert!(timeline.contains(&no), "{timeline}");
    browser.wait_text(&state, |t| t == "EFFECTIVE").await;
    let facts = browser
        .wait_text("#detail-facts", |t| t.contains(&openid))
        .await;
    assert!(facts.contains(MARKUP), "data is shown as text: {facts}");
    assert_eq!(browser.count("#xss").await, 0, "and never parsed as HTML");
    browser.screenshot("coupons").await;
}

#[tokio::test]
async fn a_request_signed_with_the_wrong_key_shows_the_expected_string_and_why() {
    let Some((browser, server, client, _receiver)) = start().await else {
        return;
    };
    let base = server.base_url();
    open(&browser, &base, "requests").await;
    client.send_new(dev::STOCK_WECHATPAY).await;
    // The merchant's id and serial, but the platform's private key.
    let wrong = Signer::new(MCHID, MERCHANT_SERIAL, platform_key());
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    let answer = client.send(&wrong, &unique("o"), &body).await;
    assert_eq!(
        (answer.status.as_u16(), answer.code().as_str()),
        (401, "SIGN_ERROR")
    );
    let journal = client.admin_get("/mock/requests?limit=1").await.json();
    let entry: &Value = &journal["data"][0];
    let seq = entry["seq"].as_u64().unwrap();
    let expected = entry["signature"]["expected_message"].as_str().unwrap();
    assert!(expected.starts_with("POST\n/v3/marketing/partner/product-coupon/users/"));

    let row = format!("#request-table tr[data-seq='{seq}']");
    let text = browser.wait_text(&row, |t| t.contains("SIGN_ERROR")).await;
    assert!(
        text.contains("401") && text.contains(entry["request_id"].as_str().unwrap()),
        "{text}"
    );
    assert_eq!(browser.count("#request-table tr[data-seq]").await, 2);
    browser.click(&row).await;
    let detail = format!("#request-table tr[data-detail-of='{seq}']");
    browser
        .wait_text(&detail, |t| t.contains("wrong key or other bytes signed"))
        .await;
    let shown = browser
        .wait_text(&format!("{detail} pre.expected"), |t| !t.is_empty())
        .await;
    assert_eq!(shown.trim_end(), expected.replace('\n', "↵\n").trim_end());
    let presented = browser
        .wait_text(&format!("{detail} pre.presented"), |t| !t.is_empty())
        .await;
    for field in [
        format!("mchid=\"{MCHID}\""),
        format!("serial_no=\"{MERCHANT_SERIAL}\""),
        "signature=\"…\"".to_owned(),
    ] {
        assert!(presented.contains(&field), "{field} in {presented}");
    }
    browser.screenshot("requests").await;
}

#[tokio::test]
async fn faults_and_the_clock_set_in_the_page_apply_to_the_next_call() {
    let Some((browser, server, client, _receiver)) = start().await else {
        return;
    };
    open(&browser, &server.base_url(), "faults").await;
    browser
        .wait_text("#fault-status", |t| t == "No faults.")
        .await;

    browser
        .type_into("#fault-form input[name=error_rate]", "1")
        .await;
    browser
        .type_into("#fault-form input[name=latency_ms]", "5")
        .await;
    browser.click("#fault-set").await;
    browser
        .wait_text("#fault-status", |t| {
            t.contains("Saved. Active: error_rate=1, latency_ms=5")
        })
        .await;
    let faults = client.admin_get("/mock/faults").await.json();
    assert_eq!(
        (faults["error_rate"].as_f64(), faults["latency_ms"].as_u64()),
        (Some(1.0), Some(5))
    );
    let (_, answer) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(
        (answer.status.as_u16(), answer.code().as_str()),
        (500, "SYSTEM_ERROR")
    );

    browser.type_into("#clock-offset", "3600").await;
    browser.click("#clock-set").await;
    browser
        .wait_text("#clock-status", |t| t.starts_with("Saved"))
        .await;
    assert_eq!(
        client.admin_get("/mock/clock").await.json()["offset_secs"],
        3600
    );
    browser
        .wait_text("#clock-now [data-k=offset] .v", |t| t == "3600 s")
        .await;
    browser.screenshot("faults").await;

    browser.click("#fault-clear").await;
    browser
        .wait_text("#fault-status", |t| t == "Saved. No faults.")
        .await;
    let (_, answer) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(answer.status, 200);
    browser.click("#clock-clear").await;
    browser
        .wait_text("#clock-now [data-k=offset] .v", |t| t == "0 s")
        .await;
    assert_eq!(
        client.admin_get("/mock/clock").await.json()["offset_secs"],
        0
    );
}

#[tokio::test]
async fn a_failing_callback_shows_its_error_and_is_redelivered_from_the_page() {
    let Some((browser, server, client, receiver)) = start().await else {
        return;
    };
    client.send_new(dev::STOCK_WECHATPAY).await;
    receiver.wait_for(1, 5).await;
    receiver.answer_with(503);
    client.send_new(dev::STOCK_WECHATPAY).await;
    let list = wait_until(&client, 5, |l| l.len() == 2 && l[1]["attempts"] == 1).await;
    let failing = list[1]["id"].as_str().unwrap().to_owned();

    open(&browser, &server.base_url(), "callbacks").await;
    let row = format!("#callback-table tr[data-id='{failing}']");
    let text = browser.wait_text(&row, |t| t.contains("HTTP 503")).await;
    assert!(text.contains("pending"), "{text}");
    let next = browser
        .wait_text(&format!("{row} td.next"), |t| !t.is_empty())
        .await;
    let secs: u64 = next
        .strip_prefix("in ")
        .and_then(|t| t.strip_suffix(" s"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("next attempt: {next:?}"));
    assert!(
        (30..=60).contains(&secs),
        "next attempt in about a minute: {next}"
    );
    let delivered = format!(
        "#callback-table tr[data-id='{}'] td.outcome",
        list[0]["id"].as_str().unwrap()
    );
    assert_eq!(
        browser.wait_text(&delivered, |t| !t.is_empty()).await,
        "delivered"
    );
    browser.screenshot("callbacks").await;

    receiver.answer_with(200);
    browser.click(&format!("{row} button.redeliver")).await;
    browser
        .wait_text(&format!("{row} td.outcome"), |t| t == "delivered")
        .await;
    assert_eq!(
        browser
            .wait_text(&format!("{row} td.attempts"), |t| !t.is_empty())
            .await,
        "2"
    );
    assert_eq!(receiver.count().await, 3);
}

#[tokio::test]
async fn a_guarded_emulator_opens_with_the_token_in_the_address_or_typed_into_the_prompt() {
    let Some(browser) = browser::start().await else {
        return;
    };
    const TOKEN: &str = "s3cret-token";
    let server = mock::start_with(Emulator::dev().with_admin_token(Some(TOKEN.into()))).await;
    let base = server.base_url();
    let stock = format!("#ov-stocks tr[data-stock='{}']", dev::STOCK_WECHATPAY);

    browser
        .open(&format!("{base}/mock/ui?token={TOKEN}#overview"))
        .await;
    browser
        .wait_text(&stock, |t| t.contains(dev::STOCK_WECHATPAY))
        .await;
    let url = browser.client.current_url().await.expect("url");
    assert!(
        !url.as_str().contains(TOKEN),
        "the token is taken out of {url}"
    );

    // Without it, the page asks.
    browser
        .client
        .execute("sessionStorage.clear()", vec![])
        .await
        .expect("clear");
    browser.client.refresh().await.expect("reload");
    let question = browser.prompt_text().await;
    assert!(question.contains("admin_token"), "{question}");
    browser.client.send_alert_text(TOKEN).await.expect("type");
    browser.client.accept_alert().await.expect("accept");
    browser
        .wait_text(&stock, |t| t.contains(dev::STOCK_WECHATPAY))
        .await;
}
