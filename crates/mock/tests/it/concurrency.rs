//! Limits and idempotency hold under concurrency: 64 clients race over real HTTP for the last
//! K units of a stock, of a user's limit and of a day; 64 copies of one request issue once.

use std::sync::Arc;

use http::Method;
use serde_json::{Value, json};
use wxpay_testkit::fixtures::{create_stock, issued, send_body, unique};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{merchant_signer, mock};

const RACERS: usize = 64;

/// Sends all `(openid, body)` pairs at once; returns the statuses.
async fn race(client: &TestClient, requests: Vec<(String, Value)>) -> Vec<u16> {
    let signer = Arc::new(merchant_signer());
    let barrier = Arc::new(tokio::sync::Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(openid, body)| {
            let (client, signer, barrier) = (client.clone(), signer.clone(), barrier.clone());
            tokio::spawn(async move {
                let path = format!("/v3/marketing/partner/product-coupon/users/{openid}/coupons");
                let bytes = serde_json::to_vec(&body).unwrap();
                let auth = signer
                    .authorization("POST", &path, &bytes)
                    .unwrap()
                    .to_string();
                barrier.wait().await;
                let headers = [
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                ];
                client.raw(Method::POST, &path, &headers, bytes).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().status.as_u16());
    }
    statuses
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|&&s| s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn last_units_of_a_stock_go_to_exactly_k_racers() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |s| {
        s["stock_send_rule"]["max_count"] = json!(10)
    })
    .await;
    let warmup = (0..5)
        .map(|_| (unique("o"), send_body(&stock, &unique("R"), None)))
        .collect();
    assert_eq!(count(&race(&client, warmup).await, 200), 5);
    let racers = (0..RACERS)
        .map(|_| (unique("o"), send_body(&stock, &unique("R"), None)))
        .collect();
    let statuses = race(&client, racers).await;
    assert_eq!(count(&statuses, 200), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 403), RACERS - 5, "{statuses:?}");
    assert_eq!(issued(&client, &stock).await, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_users_last_units_go_to_exactly_k_racers() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |s| {
        s["stock_send_rule"]["max_count_per_user"] = json!(3)
    })
    .await;
    let openid = unique("o");
    let racers = (0..RACERS)
        .map(|_| (openid.clone(), send_body(&stock, &unique("R"), None)))
        .collect();
    let statuses = race(&client, racers).await;
    assert_eq!(count(&statuses, 200), 3, "{statuses:?}");
    assert_eq!(count(&statuses, 400), RACERS - 3);
    let listed = client
        .admin_get(&format!("/mock/coupons?openid={openid}&stock_id={stock}"))
        .await
        .json();
    assert_eq!(listed["total_count"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_days_last_units_go_to_exactly_k_racers() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |s| {
        s["stock_send_rule"]["max_count_per_day"] = json!(7)
    })
    .await;
    let racers = (0..RACERS)
        .map(|_| (unique("o"), send_body(&stock, &unique("R"), None)))
        .collect();
    let statuses = race(&client, racers).await;
    assert_eq!(count(&statuses, 200), 7, "{statuses:?}");
    assert_eq!(count(&statuses, 403), RACERS - 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_send_request_no_issues_once_however_many_race() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let stock = unique("9");
    create_stock(&client, &stock, |_| {}).await;
    let openid = unique("o");
    let body = send_body(&stock, &unique("R"), None);
    let racers = (0..RACERS)
        .map(|_| (openid.clone(), body.clone()))
        .collect();
    let statuses = race(&client, racers).await;
    assert_eq!(count(&statuses, 200), RACERS, "{statuses:?}");
    assert_eq!(issued(&client, &stock).await, 1);
    let listed = client
        .admin_get(&format!("/mock/coupons?stock_id={stock}"))
        .await
        .json();
    assert_eq!(listed["total_count"], 1);
}
