//! Bad input never crashes or stalls the emulator: oversize and truncated bodies, invalid
//! UTF-8, huge headers, garbage, slowloris clients, thousands of idle connections.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wxpay_mock::fixtures::dev;
use wxpay_mock::{Emulator, ServerOptions};
use wxpay_testkit::fixtures::assert_signed;
use wxpay_testkit::http_client::TestClient;
use wxpay_testkit::{merchant_signer, mock};

/// The emulator still answers a correct request, promptly.
async fn still_serves(client: &TestClient) {
    let started = Instant::now();
    let (_, answer) = client.send_new(dev::STOCK_WECHATPAY).await;
    assert_eq!(answer.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

/// Writes `bytes` on a fresh connection and reads what comes back until close or 3 s.
async fn exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(bytes).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut out)).await;
    out
}

#[tokio::test]
async fn signed_bodies_that_are_not_json_get_param_error() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let path = "/v3/marketing/partner/product-coupon/users/o1/coupons";
    for (body, part) in [
        (&b"\xff\xfe{}"[..], "UTF-8"),
        (b"{\"stock_id\": ", "truncated"),
        (b"[1,2,3]", "JSON object"),
        (b"", "empty"),
        (
            b"{\"stock_id\": {\"a\": [1, 2]}}",
            "stock_id must be a string",
        ),
    ] {
        let answer = client.signed_post(&merchant_signer(), path, body).await;
        assert_signed(&answer);
        assert_eq!(answer.status, 400, "{body:?}");
        assert_eq!(answer.code(), "PARAM_ERROR");
        assert!(
            answer.json()["message"].as_str().unwrap().contains(part),
            "{}",
            answer.json()
        );
    }
    still_serves(&client).await;
}

#[tokio::test]
async fn oversize_and_truncated_bodies() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let addr = server.local_addr();
    // Declared too big: refused before reading.
    let head = "POST /v3/marketing/partner/product-coupon/users/o1/coupons HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n";
    let answer = String::from_utf8_lossy(&exchange(addr, head.as_bytes()).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("INVALID_REQUEST"));
    // Chunked and too big: cut off at the limit.
    let mut chunked = b"POST /v3/marketing/partner/product-coupon/users/o1/coupons HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..20 {
        chunked.extend_from_slice(b"1000\r\n");
        chunked.extend_from_slice(&[b' '; 4096]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = String::from_utf8_lossy(&exchange(addr, &chunked).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // Truncated: the client promises 100 bytes, sends 10 and goes away.
    let truncated = "POST /v3/marketing/partner/product-coupon/users/o1/coupons HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":12345";
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(truncated.as_bytes()).await.unwrap();
    drop(stream);
    still_serves(&client).await;
}

#[tokio::test]
async fn huge_headers_and_garbage_are_refused() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let addr = server.local_addr();
    let huge = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200_000)
    );
    let answer = String::from_utf8_lossy(&exchange(addr, huge.as_bytes()).await).into_owned();
    assert!(
        answer.is_empty()
            || answer.starts_with("HTTP/1.1 431")
            || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    let many = format!(
        "GET /mock/health HTTP/1.1\r\nHost: x\r\n{}\r\n",
        "X-A: b\r\n".repeat(500)
    );
    let answer = String::from_utf8_lossy(&exchange(addr, many.as_bytes()).await).into_owned();
    assert!(
        answer.is_empty() || !answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    for garbage in [
        &b"\x00\x01\x02\xff\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nxxxxxxxx",
    ] {
        exchange(addr, garbage).await;
    }
    // An Authorization header that is not even UTF-8.
    let bad_auth = b"POST /v3/marketing/partner/product-coupon/users/o1/coupons HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: WECHATPAY2-SHA256-RSA2048 \xff\xfe\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    let answer = String::from_utf8_lossy(&exchange(addr, bad_auth).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    still_serves(&client).await;
}

#[tokio::test]
async fn slowloris_clients_are_cut_off_and_do_not_block_others() {
    let options = ServerOptions {
        header_read_timeout: Duration::from_secs(1),
        ..ServerOptions::default()
    };
    let server = mock::start_with_options(Emulator::dev(), options).await;
    let client = TestClient::new(&server.base_url());
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
        stream.write_all(b"POST /v3/marketing/partner/product-coupon/users/o1/coupons HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        slow.push(stream);
    }
    still_serves(&client).await;
    let started = Instant::now();
    for stream in &mut slow {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "a slow client was not cut off");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_idle_connections_do_not_stall_it() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let mut idle = Vec::new();
    for _ in 0..2000 {
        idle.push(TcpStream::connect(server.local_addr()).await.unwrap());
    }
    still_serves(&client).await;
    assert_eq!(
        client.admin_get("/mock/health").await.json(),
        json!({"status": "ok"})
    );
    drop(idle);
}

#[tokio::test]
async fn h2c_prior_knowledge_is_served() {
    let server = mock::start().await;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let res = client
        .request(
            http::Request::get(format!("{}/mock/health", server.base_url()))
                .body(Default::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), http::Version::HTTP_2);
}
