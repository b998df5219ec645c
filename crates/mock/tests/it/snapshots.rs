//! Named snapshots (`/mock/snapshots`): save a baseline, restore it, export it as a state file
//! that `--state` and another emulator's import accept; kept in the state file across
//! restarts.

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock::spawn_binary;
use wxpay_testkit::{mock, temp_dir};

const BIN: &str = env!("CARGO_BIN_EXE_wxpay-mock");

async fn coupons(client: &TestClient) -> i64 {
    client.admin_get("/mock/coupons?limit=0").await.json()["total_count"]
        .as_i64()
        .unwrap_or(-1)
}

async fn sends(client: &TestClient, n: usize) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let (openid, answer) = client.send_new(dev::STOCK_WECHATPAY).await;
        assert_eq!(answer.status, 200);
        out.push((openid, answer.json()));
    }
    out
}

async fn admin(client: &TestClient, method: Method, path: &str, body: Value) -> (u16, Value) {
    let answer = client.admin(method, path, &body).await;
    let status = answer.status.as_u16();
    let json = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    (status, json)
}

#[tokio::test]
async fn a_snapshot_restores_the_world_it_saved() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let before = sends(&client, 3).await;
    let (status, saved) = admin(
        &client,
        Method::POST,
        "/mock/snapshots",
        json!({"name": "base"}),
    )
    .await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(
        (saved["name"].as_str(), saved["coupons"].as_i64()),
        (Some("base"), Some(3))
    );
    assert!(saved["bytes"].as_u64().unwrap_or(0) > 0);
    sends(&client, 2).await;
    assert_eq!(coupons(&client).await, 5);
    let (status, restored) = admin(
        &client,
        Method::POST,
        "/mock/snapshots/base/restore",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["coupons"].as_i64(), Some(3));
    assert_eq!(coupons(&client).await, 3);
    // The coupons are the same ones, with their idempotency records: resending the first
    // request answers its coupon.
    let (openid, first) = &before[0];
    let body = wxpay_testkit::fixtures::send_body(
        dev::STOCK_WECHATPAY,
        first["send_request_no"].as_str().unwrap_or_default(),
        None,
    );
    let again = client
        .send(&wxpay_testkit::merchant_signer(), openid, &body)
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["coupon_code"], first["coupon_code"]);
    // A new send goes on from the snapshot's counters.
    let (_, next) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(next.json()["coupon_code"], "8000000000004");
    let (status, list) = admin(&client, Method::GET, "/mock/snapshots", Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(list["total_count"], 1);
    assert_eq!(list["data"][0]["name"], "base");
    let (status, _) = admin(&client, Method::DELETE, "/mock/snapshots/base", Value::Null).await;
    assert_eq!(status, 200);
    let (status, gone) = admin(
        &client,
        Method::POST,
        "/mock/snapshots/base/restore",
        Value::Null,
    )
    .await;
    assert_eq!(status, 404, "{gone}");
}

#[tokio::test]
async fn an_export_is_a_state_file_that_imports_and_starts_elsewhere() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    sends(&client, 4).await;
    let (status, _) = admin(
        &client,
        Method::POST,
        "/mock/snapshots",
        json!({"name": "four"}),
    )
    .await;
    assert_eq!(status, 201);
    let export = client.admin_get("/mock/snapshots/four").await;
    assert_eq!(export.status, 200);
    assert_eq!(
        export.header("content-type"),
        Some("application/vnd.sqlite3")
    );
    assert!(export.body.starts_with(b"SQLite format 3\0"));
    // Another emulator imports it and restores it.
    let other = mock::start().await;
    let other_client = TestClient::new(&other.base_url());
    let imported = other_client
        .raw(
            Method::PUT,
            "/mock/snapshots/from-elsewhere",
            &[],
            export.body.clone(),
        )
        .await;
    assert_eq!(imported.status, 201, "{:?}", imported.json());
    assert_eq!(imported.json()["coupons"], 4);
    let (status, _) = admin(
        &other_client,
        Method::POST,
        "/mock/snapshots/from-elsewhere/restore",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(coupons(&other_client).await, 4);
    // The binary starts on the exported file.
    let dir = temp_dir();
    let path = dir.path().join("exported.sqlite");
    std::fs::write(&path, &export.body).expect("write");
    let process = spawn_binary(
        BIN.as_ref(),
        &[
            "--listen",
            "127.0.0.1:0",
            "--state",
            path.to_str().expect("path"),
        ],
    );
    assert!(
        process.first_line.starts_with("listening on "),
        "{}",
        process.first_line
    );
    assert_eq!(coupons(&TestClient::new(&process.base_url)).await, 4);
}

#[tokio::test]
async fn snapshots_live_in_the_state_file() {
    let dir = temp_dir();
    let path = dir.path().join("state.sqlite");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--state",
        path.to_str().expect("path"),
    ];
    {
        let process = spawn_binary(BIN.as_ref(), &args);
        let client = TestClient::new(&process.base_url);
        sends(&client, 2).await;
        let (status, _) = admin(
            &client,
            Method::POST,
            "/mock/snapshots",
            json!({"name": "two"}),
        )
        .await;
        assert_eq!(status, 201);
        sends(&client, 3).await;
    }
    let process = spawn_binary(BIN.as_ref(), &args);
    let client = TestClient::new(&process.base_url);
    assert_eq!(coupons(&client).await, 5, "the world survived");
    let (status, _) = admin(
        &client,
        Method::POST,
        "/mock/snapshots/two/restore",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(coupons(&client).await, 2);
    drop(process);
    // The restore is durable too.
    let process = spawn_binary(BIN.as_ref(), &args);
    assert_eq!(coupons(&TestClient::new(&process.base_url)).await, 2);
}

#[tokio::test]
async fn bad_snapshot_requests_are_refused_by_name() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    for (method, path, body, status, says) in [
        (
            Method::POST,
            "/mock/snapshots",
            json!({"name": "a/b"}),
            400,
            "snapshot name",
        ),
        (
            Method::POST,
            "/mock/snapshots",
            json!({"name": ""}),
            400,
            "snapshot name",
        ),
        (
            Method::POST,
            "/mock/snapshots",
            json!(["x"]),
            400,
            "JSON object",
        ),
        (
            Method::POST,
            "/mock/snapshots",
            json!({"nom": "x"}),
            400,
            "unknown field",
        ),
        (
            Method::GET,
            "/mock/snapshots/nope",
            Value::Null,
            404,
            "no snapshot nope",
        ),
        (
            Method::POST,
            "/mock/snapshots/..x/restore",
            Value::Null,
            400,
            "snapshot name",
        ),
    ] {
        let (got, answer) = admin(&client, method.clone(), path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|e| e.contains(says)),
            "{answer}"
        );
    }
    let garbage = client
        .raw(
            Method::PUT,
            "/mock/snapshots/junk",
            &[],
            b"not a state file".to_vec(),
        )
        .await;
    assert_eq!(garbage.status, 400);
    assert!(
        garbage.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("not an SQLite database")),
        "{:?}",
        garbage.json()
    );
    let (_, list) = admin(&client, Method::GET, "/mock/snapshots", Value::Null).await;
    assert_eq!(list["total_count"], 0, "nothing half-made");
}
