//! Fault rules (docs/emulator.md, "Fault rules"): the next N matching requests of an
//! operation get a chosen answer; the journal's filters count what reached the emulator.

use std::time::{Duration, Instant};

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::fixtures::{issued, send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{merchant_signer, mock};

use crate::namespaces::Namespace;

const SEND: &str = "send-user-product-coupon";

async fn add_rule(client: &TestClient, path: &str, rule: Value) -> u64 {
    let answer = client.admin(Method::POST, path, &rule).await;
    assert_eq!(answer.status, 201, "{rule}: {:?}", answer.json());
    answer.json()["id"].as_u64().unwrap()
}

#[tokio::test]
async fn a_rule_answers_the_next_matching_requests_with_a_business_code() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let target = unique("o");
    let rule = json!({
        "operation": SEND,
        "times": 2,
        "match": {"openid": target, "stock_id": dev::STOCK_WECHATPAY},
        "answer": {"business_code": 272756740},
    });
    let id = add_rule(&client, "/mock/faults/rules", rule).await;
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    for _ in 0..2 {
        let refused = client.send(&merchant_signer(), &target, &body).await;
        assert_eq!(refused.status, 400);
        assert_eq!(refused.code(), "INVALID_REQUEST");
        assert!(
            refused
                .header("Request-ID")
                .unwrap()
                .ends_with("-272756740")
        );
        assert!(
            refused.json()["message"]
                .as_str()
                .unwrap()
                .contains(&format!("fault rule {id}"))
        );
        refused
            .verify(&wxpay_testkit::platform_verifier())
            .expect("signed like every answer");
        // Another user is not matched meanwhile.
        let (_, other) = client.send_new(dev::STOCK_WECHATPAY).await;
        assert_eq!(other.status, 200);
    }
    assert_eq!(
        issued(&client, dev::STOCK_WECHATPAY).await,
        2,
        "only the others were issued"
    );
    let third = client.send(&merchant_signer(), &target, &body).await;
    assert_eq!(third.status, 200, "the rule is used up");
    let listed = client.admin_get("/mock/faults/rules").await.json();
    assert_eq!(listed["total_count"], 1);
    assert_eq!(listed["data"][0]["id"], id);
    assert_eq!(listed["data"][0]["left"], 0);
    assert_eq!(listed["data"][0]["times"], 2);
    assert_eq!(listed["data"][0]["operation"], SEND);
    assert_eq!(
        listed["data"][0]["answer"],
        json!({"business_code": 272756740})
    );
    let deleted = client
        .raw(
            Method::DELETE,
            &format!("/mock/faults/rules/{id}"),
            &[],
            vec![],
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(
        client.admin_get("/mock/faults/rules").await.json()["total_count"],
        0
    );

    // The journal counts exactly what reached the emulator.
    let no = body["send_request_no"].as_str().unwrap();
    let sends = client
        .admin_get(&format!("/mock/requests?operation={SEND}&request_no={no}"))
        .await
        .json();
    assert_eq!(sends["total_count"], 3, "{sends}");
    let refused = client
        .admin_get(&format!(
            "/mock/requests?operation={SEND}&status=400&code=272756740"
        ))
        .await
        .json();
    assert_eq!(refused["total_count"], 2);
    let ok = client
        .admin_get(&format!(
            "/mock/requests?caller={}&status=200&limit=1",
            dev::MCHID
        ))
        .await
        .json();
    assert_eq!(ok["total_count"], 3, "three sends succeeded");
    assert_eq!(
        ok["data"].as_array().unwrap().len(),
        1,
        "limit applies to data only"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn status_rules_answer_as_the_random_fault_and_the_rate_limit() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    add_rule(
        &client,
        "/mock/faults/rules",
        json!({"operation": SEND, "times": 1, "answer": {"status": 500}}),
    )
    .await;
    add_rule(
        &client,
        "/mock/faults/rules",
        json!({"operation": SEND, "times": 1, "answer": {"status": 429}}),
    )
    .await;
    let (_, first) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(
        (first.status.as_u16(), first.code().as_str()),
        (500, "SYSTEM_ERROR")
    );
    let (_, second) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(
        (second.status.as_u16(), second.code().as_str()),
        (429, "RATELIMIT_EXCEEDED")
    );
    assert!(second.header("Request-ID").unwrap().ends_with("-270924289"));
    let (_, third) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(
        third.status, 200,
        "rules apply in order of creation, then run out"
    );
    assert_eq!(issued(&client, dev::STOCK_WECHATPAY).await, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_drop_rule_acts_and_loses_the_answer_a_latency_rule_delays_it() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    add_rule(
        &client,
        "/mock/faults/rules",
        json!({"operation": SEND, "times": 1, "answer": {"drop": true}}),
    )
    .await;
    let openid = unique("o");
    let body = send_body(dev::STOCK_WECHATPAY, &unique("R"), None);
    let lost = client.try_send(&merchant_signer(), &openid, &body).await;
    assert!(
        lost.is_err(),
        "the connection closes without an answer: {:?}",
        lost.map(|a| a.status)
    );
    assert_eq!(
        issued(&client, dev::STOCK_WECHATPAY).await,
        1,
        "the send acted"
    );
    let retry = client.send(&merchant_signer(), &openid, &body).await;
    assert_eq!(retry.status, 200, "the retry answers the coupon issued");
    assert_eq!(issued(&client, dev::STOCK_WECHATPAY).await, 1);

    add_rule(
        &client,
        "/mock/faults/rules",
        json!({"operation": SEND, "times": 1, "answer": {"latency_ms": 2000}}),
    )
    .await;
    let started = Instant::now();
    let (_, late) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(late.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(2000));
    // 2 s, so that a loaded machine's own slowness is not mistaken for the rule's.
    let started = Instant::now();
    let (_, next) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(next.status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "only the next one was late"
    );
    let dropped = client
        .admin_get(&format!("/mock/requests?operation={SEND}&status=0"))
        .await
        .json();
    assert_eq!(dropped["total_count"], 1, "{dropped}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_namespace_has_its_own_rules() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let ns = Namespace::create(&client, "partner").await;
    let rule = json!({"operation": SEND, "times": 5, "answer": {"status": 500}});
    add_rule(&client, &ns.admin("/mock/faults/rules"), rule).await;
    assert_eq!(
        ns.send(&client, &unique("o"), &unique("R")).await.status,
        500
    );
    let (_, configured) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(configured.status, 200);
    assert_eq!(
        client.admin_get("/mock/faults/rules").await.json()["total_count"],
        0
    );
    let theirs = client
        .admin_get(&ns.admin("/mock/faults/rules"))
        .await
        .json();
    assert_eq!(theirs["data"][0]["left"], 4);
    // A reset of the namespace clears its rules.
    client
        .admin(Method::POST, &ns.admin("/mock/reset"), &json!({}))
        .await;
    assert_eq!(
        client
            .admin_get(&ns.admin("/mock/faults/rules"))
            .await
            .json()["total_count"],
        0
    );
    assert_eq!(
        ns.send(&client, &unique("o"), &unique("R")).await.status,
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_seed_makes_the_random_faults_repeat() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let mut runs = Vec::new();
    for _ in 0..2 {
        client.admin(Method::POST, "/mock/reset", &json!({})).await;
        client
            .set_faults(json!({"error_rate": 0.5, "seed": 42}))
            .await;
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(
                client
                    .send_new(dev::STOCK_WECHATPAY)
                    .await
                    .1
                    .status
                    .as_u16(),
            );
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&500) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn bad_rules_are_refused_by_name_and_nothing_is_added() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let cases = [
        (
            json!({"operation": "send-coupons", "times": 1, "answer": {"status": 500}}),
            "send-coupons",
        ),
        (
            json!({"operation": SEND, "times": 0, "answer": {"status": 500}}),
            "times",
        ),
        (
            json!({"operation": SEND, "times": 2_000_000, "answer": {"status": 500}}),
            "times",
        ),
        (
            json!({"operation": SEND, "times": 1, "answer": {"business_code": 123}}),
            "123",
        ),
        (
            json!({"operation": SEND, "times": 1, "answer": {"status": 404}}),
            "500 or 429",
        ),
        (
            json!({"operation": SEND, "times": 1, "answer": {"status": 500, "drop": true}}),
            "exactly one",
        ),
        (
            json!({"operation": SEND, "times": 1, "answer": {}}),
            "exactly one",
        ),
        (
            json!({"operation": SEND, "times": 1, "answer": {"drop": false}}),
            "drop",
        ),
        (
            json!({"operation": SEND, "times": 1, "answer": {"latency_ms": 600_000}}),
            "latency_ms",
        ),
        (
            json!({"operation": SEND, "times": 1, "match": {"coupon_code_x": "1"}, "answer": {"status": 500}}),
            "coupon_code_x",
        ),
        (
            json!({"operation": SEND, "times": 1, "match": {"openid": ["o"]}, "answer": {"status": 500}}),
            "openid",
        ),
        (
            json!({"operation": SEND, "times": 1, "answer": {"status": 500}, "when": 1}),
            "when",
        ),
    ];
    for (rule, expected) in cases {
        let answer = client
            .admin(Method::POST, "/mock/faults/rules", &rule)
            .await;
        assert_eq!(answer.status, 400, "{rule}");
        let message = answer.json()["error"].as_str().unwrap().to_owned();
        assert!(message.contains(expected), "{rule}: {message}");
    }
    assert_eq!(
        client.admin_get("/mock/faults/rules").await.json()["total_count"],
        0
    );
    let missing = client
        .raw(Method::DELETE, "/mock/faults/rules/99", &[], vec![])
        .await;
    assert_eq!(missing.status, 404);
    let bad_id = client
        .raw(Method::DELETE, "/mock/faults/rules/x", &[], vec![])
        .await;
    assert_eq!(bad_id.status, 400);
    for query in ["status=abc", "operation=nope", "since=-1", "colour=red"] {
        let answer = client.admin_get(&format!("/mock/requests?{query}")).await;
        assert_eq!(answer.status, 400, "{query}");
    }
    let (_, still) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(still.status, 200, "the emulator keeps serving");
    server.shutdown().await;
}
