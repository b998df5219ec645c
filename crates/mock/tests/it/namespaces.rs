//! Namespaces (docs/emulator.md, "Namespaces"): one emulator, many isolated worlds, each
//! reached by a caller only it knows; kept in the state file; ended by a DELETE.

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_signing::{KeyStore, PrivateKey, PublicKey, Signer, Verifier};
use wxpay_testkit::fixtures::unique;
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{merchant_signer, mock, temp_dir};

/// A namespace as `POST /mock/namespaces` answered it.
pub(crate) struct Namespace {
    pub(crate) made: Value,
}

impl Namespace {
    pub(crate) async fn create(client: &TestClient, mode: &str) -> Self {
        let answer = client
            .admin(Method::POST, "/mock/namespaces", &json!({ "mode": mode }))
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.json());
        Self {
            made: answer.json(),
        }
    }

    pub(crate) fn name(&self) -> &str {
        self.made["name"].as_str().unwrap()
    }

    pub(crate) fn signer(&self) -> Signer {
        let key = PrivateKey::from_pem(self.made["private_key_pem"].as_str().unwrap().as_bytes())
            .expect("the namespace's private key");
        let serial = self.made["serial_no"].as_str().unwrap();
        match self.made["mode"].as_str() {
            Some("brand") => Signer::brand(self.made["brand_id"].as_str().unwrap(), serial, key),
            _ => Signer::new(self.made["mchid"].as_str().unwrap(), serial, key),
        }
    }

    pub(crate) fn verifier(&self) -> Verifier {
        let pem = self.made["wechatpay_public_key_pem"].as_str().unwrap();
        let key = PublicKey::from_pem(pem.as_bytes()).expect("the platform public key");
        let id = self.made["wechatpay_public_key_id"].as_str().unwrap();
        Verifier::new(KeyStore::new().with_public_key(id, key))
    }

    /// A send body with the namespace's ids ready to send.
    pub(crate) fn send_body(&self, no: &str) -> Value {
        let mut body = json!({
            "product_coupon_id": self.made["product_coupon_id"],
            "appid": self.made["appid"],
            "stock_id": self.made["stock_id"],
            "send_request_no": no,
        });
        if self.made["mode"] == "partner" {
            body["brand_id"] = self.made["brand_id"].clone();
        }
        body
    }

    pub(crate) async fn send(&self, client: &TestClient, openid: &str, no: &str) -> Answer {
        let prefix = match self.made["mode"].as_str() {
            Some("brand") => "/brand/marketing/product-coupon",
            _ => "/v3/marketing/partner/product-coupon",
        };
        let path = format!("{prefix}/users/{openid}/coupons");
        let body = serde_json::to_vec(&self.send_body(no)).unwrap();
        client.signed_post(&self.signer(), &path, &body).await
    }

    /// `path` of the admin API in this namespace.
    pub(crate) fn admin(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}namespace={}", self.name())
    }
}

async fn coupon_count(client: &TestClient, path: &str) -> u64 {
    let answer = client.admin_get(path).await;
    assert_eq!(answer.status, 200, "{path}: {:?}", answer.json());
    answer.json()["total_count"].as_u64().unwrap()
}

#[tokio::test]
async fn a_namespace_is_a_world_of_its_own() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let ns = Namespace::create(&client, "partner").await;
    for field in [
        "name",
        "mode",
        "mchid",
        "serial_no",
        "private_key_pem",
        "wechatpay_public_key_id",
        "wechatpay_public_key_pem",
        "apiv3_key",
        "brand_id",
        "appid",
        "product_coupon_id",
        "stock_id",
    ] {
        assert!(
            ns.made[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field} missing: {}",
            ns.made
        );
    }
    assert_ne!(ns.made["mchid"], dev::MCHID);
    assert_ne!(ns.made["brand_id"], dev::BRAND_ID);

    // Several sends per user, no coupon_code needed; answers signed for the namespace's verifier.
    let openid = unique("o");
    for _ in 0..3 {
        let sent = ns.send(&client, &openid, &unique("R")).await;
        assert_eq!(sent.status, 200, "{:?}", sent.json());
        sent.verify(&ns.verifier())
            .expect("signed by the platform key it was given");
    }
    let stock = ns.made["stock_id"].as_str().unwrap();
    let mine = ns.admin(&format!("/mock/coupons?stock_id={stock}"));
    assert_eq!(coupon_count(&client, &mine).await, 3);
    let configured = format!("/mock/coupons?stock_id={stock}");
    assert_eq!(
        coupon_count(&client, &configured).await,
        0,
        "the configured world saw nothing"
    );

    // Faults, clock and journal are the namespace's own.
    let faults = client
        .admin(
            Method::PUT,
            &ns.admin("/mock/faults"),
            &json!({"error_rate": 1.0}),
        )
        .await;
    assert_eq!(faults.status, 200);
    assert_eq!(ns.send(&client, &openid, &unique("R")).await.status, 500);
    let (_, configured_send) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(
        configured_send.status, 200,
        "the configured world has no faults"
    );
    let clock = client
        .admin(
            Method::PUT,
            &ns.admin("/mock/clock"),
            &json!({"offset_secs": 86_400}),
        )
        .await;
    assert_eq!(clock.status, 200, "{:?}", clock.json());
    let configured_clock = client.admin_get("/mock/clock").await.json();
    assert_eq!(configured_clock["offset_secs"], 0);
    assert_eq!(
        client.admin_get(&ns.admin("/mock/clock")).await.json()["offset_secs"],
        86_400
    );
    let journal = client.admin_get(&ns.admin("/mock/requests")).await.json();
    assert_eq!(journal["total_count"], 4, "{journal}");
    let caller = format!("mchid {}", ns.made["mchid"].as_str().unwrap());
    assert!(
        journal["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["caller"] == caller.as_str())
    );
    let theirs = client
        .admin_get(&format!(
            "/mock/requests?caller={}",
            ns.made["mchid"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(
        theirs["total_count"], 0,
        "the configured journal has none of them"
    );

    // The dev merchant cannot reach the namespace's coupons: its world has no such stock.
    let other = client
        .send(&merchant_signer(), &openid, &ns.send_body(&unique("R")))
        .await;
    assert_eq!(other.status, 404, "{:?}", other.json());

    // Reset and snapshots are per world too.
    let saved = client
        .admin(
            Method::POST,
            &ns.admin("/mock/snapshots"),
            &json!({"name": "three"}),
        )
        .await;
    assert_eq!(saved.status, 201, "{:?}", saved.json());
    assert_eq!(
        client.admin_get("/mock/snapshots").await.json()["total_count"],
        0
    );
    let reset = client
        .admin(Method::POST, &ns.admin("/mock/reset"), &json!({}))
        .await;
    assert_eq!(reset.status, 200);
    assert_eq!(coupon_count(&client, &mine).await, 0);
    let restored = client
        .admin(
            Method::POST,
            &ns.admin("/mock/snapshots/three/restore"),
            &json!({}),
        )
        .await;
    assert_eq!(restored.status, 200, "{:?}", restored.json());
    assert_eq!(coupon_count(&client, &mine).await, 3);
    server.shutdown().await;
}

#[tokio::test]
async fn a_brand_namespace_sends_in_brand_mode() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let ns = Namespace::create(&client, "brand").await;
    assert!(ns.made.get("mchid").is_none(), "{}", ns.made);
    assert_eq!(ns.made["mode"], "brand");
    let sent = ns.send(&client, &unique("o"), &unique("R")).await;
    assert_eq!(sent.status, 200, "{:?}", sent.json());
    assert!(
        sent.json().get("brand_id").is_none(),
        "brand answers carry no brand_id"
    );
    sent.verify(&ns.verifier()).unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn a_deleted_namespace_refuses_its_caller() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let ns = Namespace::create(&client, "partner").await;
    let kept = Namespace::create(&client, "partner").await;
    assert_ne!(ns.name(), kept.name());
    let listed = client.admin_get("/mock/namespaces").await.json();
    assert_eq!(listed["total_count"], 2, "{listed}");
    assert_eq!(listed["max"], wxpay_mock::MAX_NAMESPACES);

    let path = format!("/mock/namespaces/{}", ns.name());
    assert_eq!(
        client.raw(Method::DELETE, &path, &[], vec![]).await.status,
        200
    );
    let refused = ns.send(&client, &unique("o"), &unique("R")).await;
    assert_eq!(refused.status, 401, "{:?}", refused.json());
    assert_eq!(refused.code(), "SIGN_ERROR");
    let gone = client.admin_get(&ns.admin("/mock/coupons")).await;
    assert_eq!(gone.status, 404);
    assert!(gone.json()["error"].as_str().unwrap().contains(ns.name()));
    assert_eq!(
        client.raw(Method::DELETE, &path, &[], vec![]).await.status,
        404
    );
    // The other one is untouched.
    assert_eq!(
        kept.send(&client, &unique("o"), &unique("R")).await.status,
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn bad_namespace_requests_are_refused_by_name() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    for (body, expected) in [
        (json!({"mode": "sandbox"}), "sandbox"),
        (json!({"mode": "partner", "extra": 1}), "extra"),
        (json!({}), "mode"),
        (json!(["partner"]), "JSON object"),
    ] {
        let answer = client.admin(Method::POST, "/mock/namespaces", &body).await;
        assert_eq!(answer.status, 400, "{body}");
        let message = answer.json()["error"].as_str().unwrap().to_owned();
        assert!(message.contains(expected), "{body}: {message}");
    }
    assert_eq!(
        client.admin_get("/mock/namespaces").await.json()["total_count"],
        0
    );
    let unknown = client.admin_get("/mock/coupons?namespace=ns404").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["error"].as_str().unwrap().contains("ns404"));
    server.shutdown().await;
}

#[tokio::test]
async fn namespaces_are_kept_in_the_state_file() {
    let dir = temp_dir();
    let path = dir.path().join("state.sqlite");
    let start = || async {
        let emu = std::sync::Arc::new(wxpay_mock::Emulator::dev());
        emu.open_state(&path).expect("open state");
        wxpay_mock::Server::start(emu, "127.0.0.1:0".parse().unwrap(), Default::default())
            .await
            .unwrap()
    };
    let server = start().await;
    let client = TestClient::new(&server.base_url());
    let ns = Namespace::create(&client, "partner").await;
    let dropped = Namespace::create(&client, "brand").await;
    let openid = unique("o");
    let no = unique("R");
    let first = ns.send(&client, &openid, &no).await;
    assert_eq!(first.status, 200);
    assert_eq!(dropped.send(&client, &openid, &no).await.status, 200);
    let path_of = format!("/mock/namespaces/{}", dropped.name());
    assert_eq!(
        client
            .raw(Method::DELETE, &path_of, &[], vec![])
            .await
            .status,
        200
    );
    server.shutdown().await;

    let server = start().await;
    let client = TestClient::new(&server.base_url());
    let listed = client.admin_get("/mock/namespaces").await.json();
    assert_eq!(listed["total_count"], 1, "{listed}");
    assert_eq!(listed["data"][0]["name"], ns.name());
    // The same caller, the same world: the retry answers the first coupon.
    let again = ns.send(&client, &openid, &no).await;
    assert_eq!(again.status, 200, "{:?}", again.json());
    assert_eq!(again.json()["coupon_code"], first.json()["coupon_code"]);
    let stock = ns.made["stock_id"].as_str().unwrap();
    assert_eq!(
        coupon_count(
            &client,
            &ns.admin(&format!("/mock/coupons?stock_id={stock}"))
        )
        .await,
        1
    );
    assert_eq!(
        dropped.send(&client, &openid, &unique("R")).await.status,
        401
    );
    // A new namespace takes a fresh name.
    let next = Namespace::create(&client, "partner").await;
    assert_ne!(next.name(), ns.name());
    assert_eq!(next.send(&client, &openid, &unique("R")).await.status, 200);
    server.shutdown().await;
}
