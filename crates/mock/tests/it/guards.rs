//! The admin API takes only what WeChat Pay could hold: entities checked with the API's own
//! rules, a clock it can represent, faults as an object, code uploads of any size without
//! holding the world.

use std::time::{Duration, Instant};

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;

async fn admin(client: &TestClient, method: Method, path: &str, body: &Value) -> (u16, Value) {
    let answer = client.admin(method, path, body).await;
    let json = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    (answer.status.as_u16(), json)
}

/// One named case: what it changes in a valid entity, the status, what the error names.
type Case = (&'static str, fn(&mut Value), u16, &'static str);

#[tokio::test]
async fn admin_entities_are_checked_with_the_api_rules() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let (_, stock) = admin(
        &client,
        Method::GET,
        &format!("/mock/stocks/{}", dev::STOCK_WECHATPAY),
        &Value::Null,
    )
    .await;
    let stock_cases: &[Case] = &[
        (
            "bogus_code_mode",
            |s| s["coupon_code_mode"] = json!("BOGUS"),
            400,
            "coupon_code_mode",
        ),
        (
            "negative_budget",
            |s| s["stock_send_rule"]["max_count"] = json!(-5),
            400,
            "stock_send_rule.max_count",
        ),
        (
            "negative_daily_budget",
            |s| s["stock_send_rule"]["max_count_per_day"] = json!(-1),
            400,
            "max_count_per_day",
        ),
        (
            "begin_after_end",
            |s| {
                let p = &mut s["single_usage_rule"]["coupon_available_period"];
                p["available_begin_time"] = json!("2030-01-02T00:00:00+08:00");
                p["available_end_time"] = json!("2030-01-01T00:00:00+08:00");
            },
            400,
            "available_end_time",
        ),
        (
            "wait_days_past_the_window",
            |s| {
                s["single_usage_rule"]["coupon_available_period"]["wait_days_after_receive"] =
                    json!(3000)
            },
            400,
            "wait_days_after_receive",
        ),
        (
            "empty_stock_id",
            |s| s["stock_id"] = json!(""),
            400,
            "stock_id",
        ),
        (
            "slash_in_stock_id",
            |s| s["stock_id"] = json!("9/1"),
            400,
            "stock_id",
        ),
        (
            "unknown_product",
            |s| s["product_coupon_id"] = json!("3999999999"),
            404,
            "does not exist",
        ),
        (
            "other_brand",
            |s| s["brand_id"] = json!("777777"),
            400,
            "brand_id",
        ),
        ("duplicate", |_| {}, 409, "exists"),
    ];
    for (name, edit, status, says) in stock_cases {
        let mut body = stock.clone();
        if *name != "duplicate" {
            body["stock_id"] = json!("1000000013777");
        }
        edit(&mut body);
        let (got, answer) = admin(&client, Method::POST, "/mock/stocks", &body).await;
        assert_eq!(got, *status, "{name}: {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|e| e.contains(says)),
            "{name}: {answer}"
        );
    }
    // Nothing was created by the refused ones.
    let (status, _) = admin(
        &client,
        Method::GET,
        "/mock/stocks/1000000013777",
        &Value::Null,
    )
    .await;
    assert_eq!(status, 404);

    let product = json!(server.emulator().product_coupon(dev::PRODUCT_COUPON_ID));
    let product_cases: &[Case] = &[
        (
            "slash_in_id",
            |p| p["product_coupon_id"] = json!("a/b"),
            400,
            "product_coupon_id",
        ),
        (
            "empty_id",
            |p| p["product_coupon_id"] = json!(""),
            400,
            "product_coupon_id",
        ),
        (
            "bogus_usage_mode",
            |p| p["usage_mode"] = json!("SOMETIMES"),
            400,
            "usage_mode",
        ),
        ("an_array", |p| *p = json!([p.clone()]), 400, "JSON object"),
    ];
    for (name, edit, status, says) in product_cases {
        let mut body = product.clone();
        body["product_coupon_id"] = json!("2999999999");
        edit(&mut body);
        let (got, answer) = admin(&client, Method::POST, "/mock/product-coupons", &body).await;
        assert_eq!(got, *status, "{name}: {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|e| e.contains(says)),
            "{name}: {answer}"
        );
    }
}

#[tokio::test]
async fn the_clock_takes_only_what_it_can_represent() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    for offset in [i64::MIN, i64::MAX, -3_000_000_000, 3_000_000_000] {
        let (status, answer) = admin(
            &client,
            Method::PUT,
            "/mock/clock",
            &json!({ "offset_secs": offset }),
        )
        .await;
        assert_eq!(status, 400, "{offset}: {answer}");
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|e| e.contains("2000-01-01..2099-12-31")),
            "{answer}"
        );
    }
    assert_eq!(
        server.emulator().clock_offset(),
        0,
        "refused offsets change nothing"
    );
    // Allowed ones are represented: a send 40 years on is received then.
    let offset = 40 * 365 * 86_400;
    let (status, _) = admin(
        &client,
        Method::PUT,
        "/mock/clock",
        &json!({ "offset_secs": offset }),
    )
    .await;
    assert_eq!(status, 200);
    let business = server.emulator().business_now();
    assert!((business - wxpay_models::WxTime::now().unix_timestamp() - offset).abs() < 60);
    let (_, answer) = client.send_new(dev::STOCK_WECHATPAY).await;
    // The dev stocks' window ended long before: the refusal is the stock's, not the clock's.
    assert_eq!(answer.status, 400, "{:?}", answer.json());
    assert!(
        answer.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("STOPPED")
                || m.contains("window")
                || m.contains("available")),
        "{:?}",
        answer.json()
    );
}

#[tokio::test]
async fn faults_are_an_object_not_a_list_by_position() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let (status, answer) = admin(
        &client,
        Method::PUT,
        "/mock/faults",
        &json!([0.5, 0, 0, 0, 0, 0]),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("JSON object"))
    );
    assert_eq!(server.emulator().faults().error_rate, 0.0);
}

#[tokio::test]
async fn a_big_code_upload_checks_each_code_once_and_leaves_the_api_serving() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let codes: Vec<String> = (0..100_000).map(|i| format!("BIG{i:07}")).collect();
    let body = json!({ "codes": codes });
    let upload = {
        let client = client.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = client
                .admin(
                    Method::POST,
                    &format!("/mock/stocks/{}/codes", dev::STOCK_UPLOAD),
                    &body,
                )
                .await;
            (answer.status.as_u16(), answer.json(), started.elapsed())
        })
    };
    // The API answers while the upload runs.
    let mut slowest = Duration::ZERO;
    let mut checks = 0;
    while !upload.is_finished() && checks < 2000 {
        let started = Instant::now();
        let health = client.admin_get("/mock/health").await;
        assert_eq!(health.status, 200);
        slowest = slowest.max(started.elapsed());
        checks += 1;
    }
    let (status, answer, took) = upload.await.expect("upload");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["added"], 100_000);
    println!(
        "100,000 codes uploaded in {} ms; {checks} health checks meanwhile, slowest {} ms",
        took.as_millis(),
        slowest.as_millis()
    );
    // Uploading them again adds none (each checked against the pool), new ones are added.
    let again = json!({ "codes": ["BIG0000001", "BIG0099999", "NEW0000001"] });
    let (status, answer) = admin(
        &client,
        Method::POST,
        &format!("/mock/stocks/{}/codes", dev::STOCK_UPLOAD),
        &again,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["added"], 1);
}
