//! Retries, failover, rate limiting and verification, against the emulator over HTTP. The
//! emulator's ledger is the judge: exactly one coupon per send_request_no, however many
//! attempts it took.

use std::time::Duration;

use crate::common::{builder, client, request};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wxpay_coupons::{CouponClient, CouponError, RetryPolicy, TransportError, VerifyError};
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, Limits};
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::mock;

async fn coupons_of(admin: &TestClient, stock: &str) -> Vec<serde_json::Value> {
    admin
        .admin_get(&format!("/mock/coupons?stock_id={stock}&limit=1000"))
        .await
        .json()["data"]
        .as_array()
        .unwrap()
        .clone()
}

/// Each send_request_no appears at most once in the ledger, and every success appears.
async fn assert_exactly_once(admin: &TestClient, stock: &str, succeeded: &[String]) {
    let coupons = coupons_of(admin, stock).await;
    let mut numbers: Vec<&str> = coupons
        .iter()
        .map(|c| c["send_request_no"].as_str().unwrap())
        .collect();
    numbers.sort_unstable();
    let before = numbers.len();
    numbers.dedup();
    assert_eq!(numbers.len(), before, "a send_request_no was issued twice");
    for no in succeeded {
        assert!(
            numbers.contains(&no.as_str()),
            "{no} succeeded but is not in the ledger"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_500s_and_dropped_answers_still_issue_exactly_once() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    admin
        .set_faults(json!({"error_rate": 0.3, "drop_rate": 0.3}))
        .await;
    let client = CouponClient::new(
        builder(&server.base_url())
            .retry(RetryPolicy {
                max_retries: 8,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap(),
    );
    let mut succeeded = Vec::new();
    for _ in 0..40 {
        let r = request(dev::STOCK_LOAD_TEST);
        match client.send_user_product_coupon(&r).await {
            Ok(coupon) => {
                assert_eq!(coupon.send_request_no, r.send_request_no());
                succeeded.push(r.send_request_no().to_owned());
            }
            Err(e) => assert!(e.is_retryable(), "only retryable failures may remain: {e}"),
        }
    }
    assert!(succeeded.len() >= 35, "{} of 40", succeeded.len());
    let metrics =
        String::from_utf8_lossy(&admin.admin_get("/mock/metrics").await.body).into_owned();
    assert!(
        metrics.contains("status=\"500\""),
        "faults were injected: {metrics}"
    );
    assert!(
        !metrics.contains("wxpay_mock_responses_dropped_total 0"),
        "answers were dropped"
    );
    assert_exactly_once(&admin, dev::STOCK_LOAD_TEST, &succeeded).await;
}

#[tokio::test]
async fn timeouts_are_retried_and_the_replay_returns_the_first_coupon() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    admin.set_faults(json!({"latency_ms": 400})).await;
    let client = CouponClient::new(
        builder(&server.base_url())
            .timeout(Duration::from_millis(150))
            .retry(RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(10),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap(),
    );
    let r = request(dev::STOCK_WECHATPAY);
    match client.send_user_product_coupon(&r).await {
        Err(CouponError::Transport(TransportError::Timeout { .. })) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Three attempts reached the emulator; the first issued, the others were replays.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(coupons_of(&admin, dev::STOCK_WECHATPAY).await.len(), 1);
    admin.set_faults(json!({})).await;
    let coupon = client.send_user_product_coupon(&r).await.unwrap();
    assert_eq!(
        coupon.coupon_code, "8000000000001",
        "the caller's own retry gets the coupon issued by the first attempt"
    );
    assert_exactly_once(
        &admin,
        dev::STOCK_WECHATPAY,
        &[r.send_request_no().to_owned()],
    )
    .await;
}

#[tokio::test]
async fn fails_over_to_the_backup_when_the_primary_port_is_closed() {
    let server = mock::start().await;
    let (_closed, closed_url) = crate::common::refusing_url();
    let client = CouponClient::new(
        builder(&closed_url)
            .backup_base_url(&server.base_url())
            .failover_cooldown(Duration::from_secs(60))
            .build()
            .unwrap(),
    );
    assert!(!client.transport().on_backup());
    let coupon = client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    assert_eq!(coupon.coupon_code, "8000000000001");
    assert!(client.transport().on_backup(), "the circuit is open");
    // The next request goes straight to the backup.
    client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
        .unwrap();
    // With both down, the error names a connection failure.
    server.shutdown().await;
    let none = CouponClient::new(
        builder(&closed_url)
            .retry(RetryPolicy::none())
            .build()
            .unwrap(),
    );
    match none
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
    {
        Err(CouponError::Transport(TransportError::Connect { .. })) => {}
        other => panic!("{other:?}"),
    }
}

/// `n` concurrent sends from the load-test stock through clones of `client`; all must succeed.
async fn send_all_at_once(client: &CouponClient, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .send_user_product_coupon(&request(dev::STOCK_LOAD_TEST))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

/// 200 concurrent sends against an emulator limited to 50/s; returns the 429s it answered.
async fn burst(client_rate: u32) -> u64 {
    let server = mock::start_with(Emulator::dev().with_limits(Limits {
        rate_per_sec: 50,
        ..Limits::default()
    }))
    .await;
    let client = CouponClient::new(
        builder(&server.base_url())
            .rate_limit_per_sec(client_rate)
            .retry(RetryPolicy {
                max_retries: 20,
                base_delay: Duration::from_millis(50),
                max_delay: Duration::from_millis(500),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap(),
    );
    send_all_at_once(&client, 200).await;
    assert_eq!(
        wxpay_testkit::mock::sent_total(&server, dev::STOCK_LOAD_TEST),
        Some(200)
    );
    server.emulator().answered_with_status(429)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_limiter_keeps_a_burst_under_the_servers_limit() {
    assert_eq!(
        burst(50).await,
        0,
        "a client limited to 50/s never meets a 429"
    );
    assert!(
        burst(0).await > 0,
        "without the limiter the same burst is throttled"
    );
}

#[tokio::test]
async fn probes_are_never_taken_for_answers() {
    let server = mock::start().await;
    let admin = TestClient::new(&server.base_url());
    admin.set_faults(json!({"sign_probe_rate": 1.0})).await;
    let client = client(&server.base_url());
    let r = request(dev::STOCK_WECHATPAY);
    let err = client.send_user_product_coupon(&r).await.unwrap_err();
    assert!(err.is_sign_probe(), "{err}");
    assert!(err.request_id().is_some());
    // The coupon exists (the first attempt issued it); once answers verify, a resend gets it.
    admin.set_faults(json!({})).await;
    assert_eq!(
        client
            .send_user_product_coupon(&r)
            .await
            .unwrap()
            .coupon_code,
        "8000000000001"
    );
    assert_eq!(coupons_of(&admin, dev::STOCK_WECHATPAY).await.len(), 1);
}

/// A man in the middle that rewrites `from` into `to` (same length) in answers.
async fn tampering_proxy(
    upstream: std::net::SocketAddr,
    from: &'static [u8],
    to: &'static [u8],
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut server = TcpStream::connect(upstream).await.unwrap();
                let (mut cr, mut cw) = client.split();
                let (mut sr, mut sw) = server.split();
                let up = tokio::io::copy(&mut cr, &mut sw);
                let down = async {
                    let mut buf = vec![0u8; 65536];
                    loop {
                        let n = sr.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        let chunk = &mut buf[..n];
                        for i in 0..chunk.len().saturating_sub(from.len() - 1) {
                            if &chunk[i..i + from.len()] == from {
                                chunk[i..i + to.len()].copy_from_slice(to);
                            }
                        }
                        if cw.write_all(chunk).await.is_err() {
                            break;
                        }
                    }
                };
                let _ = tokio::join!(up, down);
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn tampered_answers_are_rejected() {
    let server = mock::start().await;
    let proxy = tampering_proxy(server.local_addr(), b"CONFIRMING", b"EFFECTIVE!").await;
    let client = CouponClient::new(builder(&proxy).retry(RetryPolicy::none()).build().unwrap());
    match client
        .send_user_product_coupon(&request(dev::STOCK_WECHATPAY))
        .await
    {
        Err(CouponError::Unverified {
            kind: VerifyError::BadSignature,
            status: 200,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn clones_share_one_rate_limiter() {
    let server = mock::start().await;
    let client = CouponClient::new(
        builder(&server.base_url())
            .rate_limit_per_sec(20)
            .build()
            .unwrap(),
    );
    let started = std::time::Instant::now();
    send_all_at_once(&client, 24).await;
    // Burst 2, then 20/s: 24 sends need at least 1.1 s whichever clone sends them.
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
}
