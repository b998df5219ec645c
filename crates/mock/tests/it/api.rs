//! The send endpoint over real HTTP: the seed request, each coupon_code mode, idempotency and
//! every row of the error table, each triggered on purpose.

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, Limits};
use wxpay_testkit::fixtures::{
    assert_signed, create_stock, issued, product_coupon_like, seed_member_body, send_body, unique,
};
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{merchant_signer, mock};

fn send_path(openid: &str) -> String {
    format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons")
}

/// Sends and checks the answer is signed; returns it.
async fn send(client: &TestClient, openid: &str, body: &Value) -> Answer {
    let answer = client.send(&merchant_signer(), openid, body).await;
    assert_signed(&answer);
    answer
}

fn expect_error(answer: &Answer, status: u16, code: &str, message_part: &str) {
    assert_eq!(
        answer.status,
        status,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let json = answer.json();
    assert_eq!(json["code"], code, "{json}");
    let message = json["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(message_part),
        "message {message:?} lacks {message_part:?}"
    );
}

/// The key structure of a JSON value (objects' keys, recursively; arrays by their first item).
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        _ => Value::Null,
    }
}

#[tokio::test]
async fn seed_request_succeeds_with_the_sample_shape() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let body = seed_member_body();
    let answer = send(&client, "oh-394z-6CGkNoJrsDLTTUKiAnp4", &body).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        answer.header("Content-Type"),
        Some("application/json; charset=utf-8")
    );
    let json = answer.json();
    let sample: Value = serde_json::from_str(include_str!(
        "../../../mock-core/data/seed-response-member.json"
    ))
    .unwrap();
    assert_eq!(shape(&json), shape(&sample));
    assert_eq!(json["coupon_code"], body["coupon_code"]);
    assert_eq!(json["coupon_state"], "CONFIRMING");
    assert_eq!(json["send_channel"], "API");
    assert_eq!(json["attach"], "any attach content");
    assert_eq!(json["coupon_tag_info"], body["coupon_tag_info"]);
    assert_eq!(json["stock"]["sent_count_info"]["total_count"], 1);
    // receive_time is now, in +08:00, whole seconds; the coupon is valid 30 days.
    let receive: wxpay_models::WxTime = json["receive_time"].as_str().unwrap().parse().unwrap();
    assert!(json["receive_time"].as_str().unwrap().ends_with("+08:00"));
    assert!((receive.unix_timestamp() - wxpay_models::WxTime::now().unix_timestamp()).abs() < 5);
    let end = json["valid_end_time"].as_str().unwrap();
    assert!(end.ends_with("T23:59:59+08:00"), "{end}");
    // The answer parses into the typed entity.
    let _: wxpay_models::UserProductCouponEntity = serde_json::from_value(json).unwrap();
}

#[tokio::test]
async fn each_coupon_code_mode_assigns_codes_its_way() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let assigned = unique("A");
    let a = send(
        &client,
        &unique("o"),
        &send_body(dev::STOCK_API_ASSIGN, &unique("R"), Some(&assigned)),
    )
    .await;
    assert_eq!(a.json()["coupon_code"], assigned.as_str());
    let w1 = send(
        &client,
        &unique("o"),
        &send_body(dev::STOCK_WECHATPAY, &unique("R"), None),
    )
    .await;
    let w2 = send(
        &client,
        &unique("o"),
        &send_body(dev::STOCK_WECHATPAY, &unique("R"), None),
    )
    .await;
    assert_eq!(w1.json()["coupon_code"], "8000000000001");
    assert_eq!(w2.json()["coupon_code"], "8000000000002");
    let u = send(
        &client,
        &unique("o"),
        &send_body(dev::STOCK_UPLOAD, &unique("R"), None),
    )
    .await;
    assert_eq!(u.json()["coupon_code"], "UPLOAD000001");
    let info = &u.json()["stock"]["coupon_code_count_info"];
    assert_eq!(
        (
            info["total_count"].as_i64(),
            info["available_count"].as_i64()
        ),
        (Some(1000), Some(999))
    );
}

#[tokio::test]
async fn idempotent_replay_returns_the_original_even_after_the_budget_is_spent() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |s| {
        s["stock_send_rule"]["max_count"] = json!(1)
    })
    .await;
    let openid = unique("o");
    let body = send_body(&stock, &unique("R"), None);
    let first = send(&client, &openid, &body).await;
    assert_eq!(first.status, 200);
    // Same parameters, reordered keys and other whitespace: the same coupon.
    let mut reordered = serde_json::Map::new();
    for (k, v) in body.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    let again = send(&client, &openid, &Value::Object(reordered)).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["coupon_code"], first.json()["coupon_code"]);
    assert_eq!(again.json()["receive_time"], first.json()["receive_time"]);
    assert_eq!(issued(&client, &stock).await, 1);
    // A different request with a new number now hits the spent budget.
    expect_error(
        &send(&client, &openid, &send_body(&stock, &unique("R"), None)).await,
        403,
        "NOT_ENOUGH",
        "max_count 1",
    );
}

#[tokio::test]
async fn row_param_error() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let mut body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    body.as_object_mut().unwrap().remove("stock_id");
    let answer = send(&client, &unique("o"), &body).await;
    expect_error(&answer, 400, "PARAM_ERROR", "stock_id");
    assert_eq!(
        answer.json()["detail"],
        json!({"field": "stock_id", "location": "body", "issue": "is required and must not be empty"})
    );

    let mut body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    body["appid"] = json!(42);
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "PARAM_ERROR",
        "appid must be a string",
    );
    let body = send_body(dev::STOCK_WECHATPAY, "short", None);
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "PARAM_ERROR",
        "send_request_no must be 6 to 128 characters",
    );
    let mut body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    body["coupon_tag_info"] = json!({"coupon_tag_list": ["MEMBER"]});
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "PARAM_ERROR",
        "member_tag_info",
    );
    // coupon_code against the stock's mode (step 7).
    let body = send_body(dev::STOCK_API_ASSIGN, &unique("R"), None);
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "PARAM_ERROR",
        "coupon_code is required",
    );
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), Some("MYCODE1"));
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "PARAM_ERROR",
        "coupon_code must not be given",
    );
    // An openid that is not valid percent-encoding names the path.
    let answer = send(
        &client,
        "o%FF%FE",
        &send_body(dev::STOCK_WECHATPAY, &unique("R"), None),
    )
    .await;
    expect_error(&answer, 400, "PARAM_ERROR", "openid");
    assert_eq!(answer.json()["detail"]["location"], "path");
}

#[tokio::test]
async fn row_invalid_http_request() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let signer = merchant_signer();
    let path = send_path("o1");
    let body = serde_json::to_vec(&send_body(dev::STOCK_WECHATPAY, &unique("R"), None)).unwrap();
    let auth = signer
        .authorization("POST", &path, &body)
        .unwrap()
        .to_string();
    for (headers, part) in [
        (
            vec![
                ("Authorization", auth.as_str()),
                ("Content-Type", "text/plain"),
            ],
            "Content-Type",
        ),
        (vec![("Authorization", auth.as_str())], "Content-Type"),
        (
            vec![
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
                ("Accept", "text/html"),
            ],
            "Accept",
        ),
    ] {
        let answer = client
            .raw(Method::POST, &path, &headers, body.clone())
            .await;
        assert_signed(&answer);
        expect_error(&answer, 400, "INVALID_REQUEST", part);
    }
    let big = vec![b' '; 70_000];
    let answer = client.signed_post(&signer, &path, &big).await;
    assert_signed(&answer);
    expect_error(&answer, 400, "INVALID_REQUEST", "65536-byte limit");
}

#[tokio::test]
async fn row_sign_error_says_which_check_failed() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let path = send_path("o1");
    let body = serde_json::to_vec(&send_body(dev::STOCK_WECHATPAY, &unique("R"), None)).unwrap();
    let post = |auth: String, body: Vec<u8>| {
        let client = client.clone();
        let path = path.clone();
        async move {
            let headers = [
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ];
            let answer = client.raw(Method::POST, &path, &headers, body).await;
            assert_signed(&answer);
            answer
        }
    };
    let good = merchant_signer();
    let now = wxpay_signing::clock::Clock::now_unix(&wxpay_signing::clock::SystemClock);
    let key = wxpay_testkit::merchant_key();
    let cases: Vec<(String, Vec<u8>, &str)> = vec![
        ("".into(), body.clone(), "Authorization"),
        ("Bearer abc".into(), body.clone(), "malformed Authorization"),
        (
            wxpay_signing::Signer::new("1999999999", wxpay_testkit::MERCHANT_SERIAL, key.clone())
                .authorization("POST", &path, &body)
                .unwrap()
                .to_string(),
            body.clone(),
            "unknown mchid",
        ),
        (
            wxpay_signing::Signer::new(wxpay_testkit::MCHID, "0000", key.clone())
                .authorization("POST", &path, &body)
                .unwrap()
                .to_string(),
            body.clone(),
            "serial_no 0000",
        ),
        (
            good.authorization_at("POST", &path, &body, now - 400, "stale-nonce")
                .unwrap()
                .to_string(),
            body.clone(),
            "check the clock",
        ),
        (
            good.authorization("POST", &path, &body)
                .unwrap()
                .to_string(),
            b"{\"tampered\":1}".to_vec(),
            "does not verify",
        ),
        (
            good.authorization("POST", "/v3/other", &body)
                .unwrap()
                .to_string(),
            body.clone(),
            "does not verify",
        ),
        (
            wxpay_signing::Signer::new(
                wxpay_testkit::MCHID,
                wxpay_testkit::MERCHANT_SERIAL,
                wxpay_testkit::platform_key(),
            )
            .authorization("POST", &path, &body)
            .unwrap()
            .to_string(),
            body.clone(),
            "does not verify",
        ),
    ];
    for (auth, body, part) in cases {
        let answer = post(auth, body).await;
        expect_error(&answer, 401, "SIGN_ERROR", part);
    }
    // A replayed nonce, even with a valid signature.
    let auth = good
        .authorization("POST", &path, &body)
        .unwrap()
        .to_string();
    assert_eq!(post(auth.clone(), body.clone()).await.status, 200);
    expect_error(&post(auth, body).await, 401, "SIGN_ERROR", "already used");
}

#[tokio::test]
async fn row_system_error_consumes_nothing() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    client.set_faults(json!({"error_rate": 1.0})).await;
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    let openid = unique("o");
    expect_error(
        &send(&client, &openid, &body).await,
        500,
        "SYSTEM_ERROR",
        "retry",
    );
    assert_eq!(issued(&client, dev::STOCK_WECHATPAY).await, 0);
    client.set_faults(json!({})).await;
    // The same send_request_no is still free: the retry issues.
    assert_eq!(send(&client, &openid, &body).await.status, 200);
    assert_eq!(issued(&client, dev::STOCK_WECHATPAY).await, 1);
}

#[tokio::test]
async fn row_business_rule() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    // A brand that has not authorised the merchant.
    let mut product = product_coupon_like(server.emulator(), "2000000001");
    product["brand_id"] = json!("999999");
    assert_eq!(
        client
            .admin(Method::POST, "/mock/product-coupons", &product)
            .await
            .status,
        201
    );
    create_stock(&client, "2000000001001", |s| {
        s["product_coupon_id"] = json!("2000000001");
        s["brand_id"] = json!("999999");
    })
    .await;
    let mut body = send_body("2000000001001", &unique("R"), None);
    body["product_coupon_id"] = json!("2000000001");
    body["brand_id"] = json!("999999");
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "INVALID_REQUEST",
        "has not authorised",
    );

    let mut body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    body["appid"] = json!("wx0000000000000000");
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "INVALID_REQUEST",
        "not bound",
    );
    let body = send_body(dev::STOCK_PAUSED, &unique("R"), None);
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "INVALID_REQUEST",
        "PAUSED",
    );
    let mut body = send_body(dev::STOCK_BUNDLE, &unique("R"), None);
    body["product_coupon_id"] = json!(dev::PRODUCT_COUPON_BUNDLE);
    expect_error(
        &send(&client, &unique("o"), &body).await,
        400,
        "INVALID_REQUEST",
        "PROGRESSIVE_BUNDLE",
    );
    let stock = unique("9");
    create_stock(&client, &stock, |s| {
        s["single_usage_rule"]["coupon_available_period"]["available_begin_time"] =
            json!("2020-01-01T00:00:00+08:00");
        s["single_usage_rule"]["coupon_available_period"]["available_end_time"] =
            json!("2020-12-30T23:59:59+08:00");
    })
    .await;
    expect_error(
        &send(
            &client,
            &unique("o"),
            &send_body(&stock, &unique("R"), None),
        )
        .await,
        400,
        "INVALID_REQUEST",
        "window is over",
    );
    assert!(
        send(
            &client,
            &unique("o"),
            &send_body(&stock, &unique("R"), None)
        )
        .await
        .json()["message"]
            .as_str()
            .unwrap()
            .starts_with("传入参数不符合业务规则")
    );
}

#[tokio::test]
async fn row_user_limit_reached() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |s| {
        s["stock_send_rule"]["max_count_per_user"] = json!(2)
    })
    .await;
    let openid = unique("o");
    for _ in 0..2 {
        assert_eq!(
            send(&client, &openid, &send_body(&stock, &unique("R"), None))
                .await
                .status,
            200
        );
    }
    expect_error(
        &send(&client, &openid, &send_body(&stock, &unique("R"), None)).await,
        400,
        "INVALID_REQUEST",
        "用户领取已达到上限",
    );
    // Another user is not affected.
    assert_eq!(
        send(
            &client,
            &unique("o"),
            &send_body(&stock, &unique("R"), None)
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn row_request_no_conflict() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let no = unique("R");
    let openid = unique("o");
    assert_eq!(
        send(
            &client,
            &openid,
            &send_body(dev::STOCK_WECHATPAY, &no, None)
        )
        .await
        .status,
        200
    );
    let mut other = send_body(dev::STOCK_WECHATPAY, &no, None);
    other["attach"] = json!("different");
    expect_error(
        &send(&client, &openid, &other).await,
        400,
        "ALREADY_EXISTS",
        &no,
    );
    // The same body for another user is another request too.
    expect_error(
        &send(
            &client,
            &unique("o"),
            &send_body(dev::STOCK_WECHATPAY, &no, None),
        )
        .await,
        400,
        "ALREADY_EXISTS",
        "send_request_no",
    );
}

#[tokio::test]
async fn row_coupon_code_conflict() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let code = unique("C");
    assert_eq!(
        send(
            &client,
            &unique("o"),
            &send_body(dev::STOCK_API_ASSIGN, &unique("R"), Some(&code))
        )
        .await
        .status,
        200
    );
    let answer = send(
        &client,
        &unique("o"),
        &send_body(dev::STOCK_API_ASSIGN, &unique("R"), Some(&code)),
    )
    .await;
    expect_error(&answer, 400, "ALREADY_EXISTS", "coupon_code 冲突");
}

#[tokio::test]
async fn row_budget_exhausted_total_and_daily() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |s| {
        s["stock_send_rule"]["max_count"] = json!(10);
        s["stock_send_rule"]["max_count_per_day"] = json!(2);
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            send(
                &client,
                &unique("o"),
                &send_body(&stock, &unique("R"), None)
            )
            .await
            .status,
            200
        );
    }
    expect_error(
        &send(
            &client,
            &unique("o"),
            &send_body(&stock, &unique("R"), None),
        )
        .await,
        403,
        "NOT_ENOUGH",
        "max_count_per_day 2",
    );
    // The next Beijing day has a fresh daily budget.
    client
        .admin(Method::PUT, "/mock/clock", &json!({"offset_secs": 86_400}))
        .await;
    let answer = send(
        &client,
        &unique("o"),
        &send_body(&stock, &unique("R"), None),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json()["stock"]["sent_count_info"],
        json!({"total_count": 3, "today_count": 1})
    );
}

#[tokio::test]
async fn row_codes_exhausted() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |s| s["coupon_code_mode"] = json!("UPLOAD")).await;
    let codes = client
        .admin(
            Method::POST,
            &format!("/mock/stocks/{stock}/codes"),
            &json!({"codes": ["ONLY1"]}),
        )
        .await;
    assert_eq!(codes.json()["added"], 1);
    assert_eq!(
        send(
            &client,
            &unique("o"),
            &send_body(&stock, &unique("R"), None)
        )
        .await
        .json()["coupon_code"],
        "ONLY1"
    );
    expect_error(
        &send(
            &client,
            &unique("o"),
            &send_body(&stock, &unique("R"), None),
        )
        .await,
        403,
        "NOT_ENOUGH",
        "预上传券Code",
    );
    client
        .admin(
            Method::POST,
            &format!("/mock/stocks/{stock}/codes"),
            &json!({"codes": ["ONLY2"]}),
        )
        .await;
    assert_eq!(
        send(
            &client,
            &unique("o"),
            &send_body(&stock, &unique("R"), None)
        )
        .await
        .json()["coupon_code"],
        "ONLY2"
    );
}

#[tokio::test]
async fn rows_not_found() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let mut body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    body["product_coupon_id"] = json!("9999999999");
    expect_error(
        &send(&client, &unique("o"), &body).await,
        404,
        "NOT_FOUND",
        "product_coupon_id 9999999999",
    );
    let body = send_body("9999999999999", &unique("R"), None);
    expect_error(
        &send(&client, &unique("o"), &body).await,
        404,
        "NOT_FOUND",
        "stock_id 9999999999999",
    );
    // A stock of another product coupon.
    let mut body = send_body(dev::STOCK_BUNDLE, &unique("R"), None);
    body["product_coupon_id"] = json!(dev::PRODUCT_COUPON_ID);
    expect_error(
        &send(&client, &unique("o"), &body).await,
        404,
        "NOT_FOUND",
        "未找到 stock_id",
    );
    // Another brand's product coupon.
    let mut body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    body["brand_id"] = json!("999999");
    expect_error(
        &send(&client, &unique("o"), &body).await,
        404,
        "NOT_FOUND",
        "does not belong to brand 999999",
    );
}

#[tokio::test]
async fn row_rate_limit_exceeded() {
    let limits = Limits {
        rate_per_sec: 3,
        ..Limits::default()
    };
    let server = mock::start_with(Emulator::dev().with_limits(limits)).await;
    let client = TestClient::new(&server.base_url());
    // Until the first 429: only a machine slower than one send per 333 ms never meets it.
    let mut statuses = Vec::new();
    for _ in 0..50 {
        let answer = send(
            &client,
            &unique("o"),
            &send_body(dev::STOCK_WECHATPAY, &unique("R"), None),
        )
        .await;
        statuses.push(answer.status.as_u16());
        if answer.status == 429 {
            expect_error(&answer, 429, "RATELIMIT_EXCEEDED", "same parameters");
            break;
        }
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count() as i64,
        issued(&client, dev::STOCK_WECHATPAY).await
    );
}

#[tokio::test]
async fn unknown_endpoints_answer_signed_404() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let answer = client
        .signed_post(&merchant_signer(), "/v3/marketing/other", b"{}")
        .await;
    assert_signed(&answer);
    assert_eq!(answer.status, 404);
    // A known path with a method it does not take.
    let confirm = format!("{}/C1/confirm", send_path("o1"));
    let answer = client.raw(Method::GET, &confirm, &[], "").await;
    assert_eq!(answer.status, 404);
}
