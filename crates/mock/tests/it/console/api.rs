//! The admin JSON behind the console, and the console's files, over HTTP.

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::Emulator;
use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::{send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{merchant_signer, mock};

use crate::callbacks::{callback_ids, callbacks, wait_until};

/// Sends a coupon of the dev WECHATPAY stock to `openid`; its code.
async fn send_to(client: &TestClient, openid: &str) -> String {
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    let answer = client.send(&merchant_signer(), openid, &body).await;
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    answer.json()["coupon_code"].as_str().unwrap().to_owned()
}

fn stock<'a>(overview: &'a Value, id: &str) -> &'a Value {
    overview["stocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stock_id"] == id)
        .unwrap_or_else(|| panic!("stock {id} in {overview}"))
}

#[tokio::test]
async fn the_overview_counts_budgets_states_callers_and_callbacks() {
    let (_server, client, receiver) = super::with_receiver(vec![60_000]).await;
    let openid = unique("o");
    let first = send_to(&client, &openid).await;
    send_to(&client, &openid).await;
    send_to(&client, &unique("o")).await;
    super::confirm_new(&client, &openid, &first).await;
    receiver.wait_for(3, 5).await;
    wait_until(&client, 5, |list| {
        list.iter().all(|v| v["delivered"] == true)
    })
    .await;

    let o = client.admin_get("/mock/overview").await.json();
    let s = stock(&o, dev::STOCK_WECHATPAY);
    assert_eq!(s["sent_total"], 3);
    assert_eq!(s["sent_today"], 3);
    assert_eq!(s["top_user_count"], 2, "{s}");
    assert_eq!(s["max_count"], 10_000_000);
    assert_eq!(s["state"], "SENDING");
    assert_eq!(stock(&o, dev::STOCK_UPLOAD)["codes_available"], 1000);
    assert_eq!(o["coupons"]["total"], 3);
    assert_eq!(
        o["coupons"]["by_state"],
        json!({"CONFIRMING": 2, "EFFECTIVE": 1})
    );
    assert!(o["coupons"]["states"].as_array().unwrap().len() >= 7);
    assert_eq!(
        o["callbacks"],
        json!({"total": 3, "pending": 0, "delivered": 3, "given_up": 0})
    );
    let partner = o["callers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mode"] == "partner")
        .unwrap();
    assert_eq!(partner["id"], dev::MCHID);
    assert_eq!(partner["brands"], json!([dev::BRAND_ID]));
    assert_eq!(partner["notify_url"], receiver.url());
    assert!(
        o["product_coupons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["product_coupon_id"] == dev::PRODUCT_COUPON_ID)
    );
    assert_eq!(o["clock"]["offset_secs"], 0);
    assert!(o["requests"]["last_seq"].as_u64().unwrap() >= 4);

    let clock = client
        .admin(Method::PUT, "/mock/clock", &json!({"offset_secs": 86_400}))
        .await;
    assert_eq!(clock.status, 200);
    let got = client.admin_get("/mock/clock").await.json();
    assert_eq!(got["offset_secs"], 86_400);
    assert_ne!(got["business_now"], got["real_now"]);
    let o = client.admin_get("/mock/overview").await.json();
    assert_eq!(o["clock"]["offset_secs"], 86_400);
    assert_eq!(
        stock(&o, dev::STOCK_WECHATPAY)["sent_today"],
        0,
        "a new day"
    );
}

#[tokio::test]
async fn coupons_are_searched_by_code_and_state() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let openid = unique("o");
    let a = send_to(&client, &openid).await;
    let b = send_to(&client, &openid).await;
    super::confirm_new(&client, &openid, &a).await;
    let codes = |page: Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["coupon_code"].as_str().unwrap().to_owned())
            .collect()
    };
    let get = |query: String| {
        let client = client.clone();
        async move { client.admin_get(&format!("/mock/coupons?{query}")).await }
    };
    assert_eq!(
        codes(get(format!("openid={openid}")).await.json()),
        [a.as_str(), b.as_str()]
    );
    assert_eq!(codes(get(format!("code={b}")).await.json()), [b.as_str()]);
    let effective = get(format!("openid={openid}&state=EFFECTIVE")).await.json();
    assert_eq!(effective["total_count"], 1);
    assert_eq!(effective["data"][0]["coupon_state"], "EFFECTIVE");
    assert_eq!(effective["data"][0]["openid"], openid.as_str());
    assert_eq!(codes(effective), [a.as_str()]);
    assert_eq!(
        codes(
            get(format!(
                "stock_id={}&state=CONFIRMING&code={b}",
                dev::STOCK_WECHATPAY
            ))
            .await
            .json()
        ),
        [b.as_str()]
    );
    assert_eq!(
        get(format!("code={a}&state=CONFIRMING")).await.json()["total_count"],
        0
    );
    let bad = get("state=SPENT".into()).await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("CONFIRMING"));
}

#[tokio::test]
async fn a_coupons_timeline_has_its_events_and_callbacks_in_order() {
    let (_server, client, receiver) = super::with_receiver(vec![60_000]).await;
    let openid = unique("o");
    let code = send_to(&client, &openid).await;
    receiver.wait_for(1, 5).await;
    let no = super::confirm_new(&client, &openid, &code).await;
    wait_until(&client, 5, |list| {
        list.iter().all(|v| v["delivered"] == true)
    })
    .await;

    let path = format!("/mock/coupons/{}/{code}", dev::STOCK_WECHATPAY);
    let d = client.admin_get(&path).await.json();
    assert_eq!(d["openid"], openid.as_str());
    assert_eq!(d["appid"], dev::APPID);
    assert_eq!(d["coupon"]["coupon_state"], "EFFECTIVE");
    let events: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["sent", "callback", "confirmed"]);
    let timeline = &d["timeline"];
    assert_eq!(timeline[0]["time"], d["coupon"]["receive_time"]);
    assert!(
        timeline[0]["detail"]
            .as_str()
            .unwrap()
            .contains(d["coupon"]["send_request_no"].as_str().unwrap())
    );
    assert!(
        timeline[1]["detail"]
            .as_str()
            .unwrap()
            .contains("PRODUCT_COUPON_SP.SEND")
    );
    assert!(
        timeline[1]["detail"]
            .as_str()
            .unwrap()
            .contains("delivered")
    );
    assert_eq!(timeline[2]["detail"], no.as_str());
    assert_eq!(d["callbacks"].as_array().unwrap().len(), 1);
    assert_eq!(d["callbacks"][0]["id"], timeline[1]["callback_id"]);

    for missing in [
        format!("/mock/coupons/{}/NOPE", dev::STOCK_WECHATPAY),
        format!("/mock/coupons/0/{code}"),
    ] {
        let answer = client.admin_get(&missing).await;
        assert_eq!(answer.status, 404, "{missing}");
        assert!(answer.json()["error"].is_string());
    }
}

#[tokio::test]
async fn callbacks_show_their_last_error_next_attempt_and_are_redelivered() {
    let (_server, client, receiver) = super::with_receiver(vec![60_000]).await;
    receiver.answer_with(503);
    send_to(&client, &unique("o")).await;
    let list = wait_until(&client, 5, |l| {
        l.first().is_some_and(|v| v["attempts"] == 1)
    })
    .await;
    let v = &list[0];
    assert_eq!(v["last_status"], "503");
    assert_eq!(v["last_error"], "HTTP 503");
    let next = v["next_attempt_in_ms"].as_u64().unwrap();
    assert!((50_000..=60_000).contains(&next), "{v}");
    assert!(v["next_attempt_time"].is_string());
    assert!(v["created_time"].is_string());

    receiver.answer_with(200);
    let id = v["id"].as_str().unwrap().to_owned();
    let redeliver = format!("/mock/callbacks/{id}/redeliver");
    let answer = client.admin(Method::POST, &redeliver, &json!({})).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["id"], id.as_str());
    let list = wait_until(&client, 5, |l| l[0]["delivered"] == true).await;
    assert_eq!(list[0]["attempts"], 2);
    assert_eq!(list[0]["last_error"], "HTTP 503", "kept after the success");
    assert_eq!(list[0]["next_attempt_in_ms"], Value::Null);

    // Even a delivered one goes again, with the same callback id.
    client.admin(Method::POST, &redeliver, &json!({})).await;
    wait_until(&client, 5, |l| l[0]["attempts"] == 3).await;
    let got = receiver.wait_for(3, 5).await;
    assert_eq!(callback_ids(&got), [id.clone(), id.clone(), id]);
    assert_eq!(callbacks(&client).await[0]["delivered"], true);

    let unknown = client
        .admin(Method::POST, "/mock/callbacks/nope/redeliver", &json!({}))
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn a_given_up_callback_is_redelivered_on_a_fresh_schedule() {
    let (_server, client, receiver) = super::with_receiver(vec![]).await;
    receiver.answer_with(500);
    send_to(&client, &unique("o")).await;
    let list = wait_until(&client, 5, |l| {
        l.first().is_some_and(|v| v["given_up"] == true)
    })
    .await;
    assert_eq!(list[0]["next_attempt_in_ms"], Value::Null);
    let id = list[0]["id"].as_str().unwrap();
    let path = format!("/mock/callbacks/{id}/redeliver");
    let again = client.admin(Method::POST, &path, &json!({})).await.json();
    assert_eq!(again["given_up"], false);
    let list = wait_until(&client, 5, |l| l[0]["attempts"] == 2).await;
    assert_eq!(
        list[0]["given_up"], true,
        "the empty schedule gives up again"
    );
}

#[tokio::test]
async fn the_journal_says_its_last_sequence_number_and_what_was_presented() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    assert_eq!(
        client.admin_get("/mock/requests").await.json()["last_seq"],
        0
    );
    client.send_new(dev::STOCK_WECHATPAY).await;
    // Signed an hour ago: refused before the signature is checked, yet the journal shows
    // every field presented but the signature.
    let path = format!(
        "/v3/marketing/partner/product-coupon/users/{}/coupons",
        unique("o")
    );
    let body = serde_json::to_vec(&send_body(dev::STOCK_WECHATPAY, &unique("R"), None)).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let auth = merchant_signer()
        .authorization_at(
            "POST",
            &path,
            &body,
            now - 3600,
            "STALE0NONCE0000000000000000000001",
        )
        .unwrap()
        .to_string();
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let answer = client.raw(Method::POST, &path, &headers, body).await;
    assert_eq!(answer.code(), "SIGN_ERROR");
    let page = client.admin_get("/mock/requests?since=1").await.json();
    assert_eq!(page["last_seq"], 2);
    assert_eq!(page["total_count"], 1);
    let failure = &page["data"][0]["signature"];
    assert_eq!(failure["reason"], "stale timestamp");
    assert_eq!(failure["expected_message"], Value::Null);
    let presented = failure["presented"].as_str().unwrap();
    let signature = auth
        .split("signature=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(presented, auth.replace(signature, "…"));
    assert!(presented.contains(&format!("timestamp=\"{}\"", now - 3600)));
    client.admin(Method::POST, "/mock/reset", &json!({})).await;
    assert_eq!(
        client.admin_get("/mock/requests").await.json()["last_seq"],
        0
    );
}

#[tokio::test]
async fn console_files_have_types_csp_and_etags_and_data_keeps_its_protection() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    for (path, content_type) in [
        ("/mock/ui", "text/html; charset=utf-8"),
        ("/mock/ui/", "text/html; charset=utf-8"),
        ("/mock/ui/app.js", "text/javascript; charset=utf-8"),
        ("/mock/ui/app.css", "text/css; charset=utf-8"),
        ("/mock/ui/favicon.svg", "image/svg+xml"),
    ] {
        let answer = client.admin_get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.header("content-type"), Some(content_type));
        assert_eq!(answer.header("cache-control"), Some("no-cache"));
        assert!(
            answer
                .header("content-security-policy")
                .unwrap()
                .starts_with("default-src 'self'")
        );
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        let etag = answer.header("etag").unwrap().to_owned();
        let again = client
            .raw(Method::GET, path, &[("If-None-Match", &etag)], "")
            .await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
    let page = client.admin_get("/mock/ui").await;
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains("/mock/ui/app.js") && !html.contains("://"),
        "no remote assets"
    );
    let head = client.raw(Method::HEAD, "/mock/ui/app.js", &[], "").await;
    assert_eq!((head.status.as_u16(), head.body.len()), (200, 0));
    assert_eq!(client.admin_get("/mock/ui/nope.js").await.status, 404);
    assert_eq!(
        client.raw(Method::POST, "/mock/ui", &[], "").await.status,
        405
    );
    assert_eq!(client.admin_get("/mock/uix").await.status, 404);
    assert_eq!(
        client.admin_get("/mock/requests").await.json()["last_seq"],
        0,
        "not journaled"
    );

    let guarded = mock::start_with(Emulator::dev().with_admin_token(Some("s3cret".into()))).await;
    let client = TestClient::new(&guarded.base_url());
    assert_eq!(
        client.admin_get("/mock/ui").await.status,
        200,
        "the page holds no data"
    );
    assert_eq!(client.admin_get("/mock/overview").await.status, 401);
    let with_token = client
        .raw(
            Method::GET,
            "/mock/overview",
            &[("Authorization", "Bearer s3cret")],
            "",
        )
        .await;
    assert_eq!(with_token.status, 200);
    let redeliver = client
        .raw(Method::POST, "/mock/callbacks/x/redeliver", &[], "")
        .await;
    assert_eq!(redeliver.status, 401);
}
