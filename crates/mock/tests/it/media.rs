//! Pictures over real HTTP with real signatures: uploads (E33, both modes) and
//! image-generation tasks (E34, E35, partner mode) on the business clock, with exactly one
//! `PRODUCT_COUPON_SP.IMAGE_GENERATION` callback per task.

use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wxpay_mock::{CallbackConfig, Emulator};
use wxpay_models::media::{
    CreateImageGenerationTaskRequest, CutOut, GetImageGenerationTaskRequest, MAX_IMAGE_BYTES,
    UploadImageRequest, sha256_hex,
};
use wxpay_models::{Endpoint, ImageGenerationType, Mode, Notification};
use wxpay_signing::{ApiV3Key, ResponseHeaders, Signer};
use wxpay_testkit::fixtures::{assert_signed, unique};
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::receiver::Recorder;
use wxpay_testkit::{BRAND_ID, brand_signer, merchant_signer, mock, platform_verifier};

const KEY: &str = "0123456789abcdef0123456789ABCDEF";
const P: &str = "/v3/marketing/partner/product-coupon";
const UPLOAD: &str = "/v3/marketing/partner/product-coupon/media/upload-image";

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\x0d\x0a\x1a\x0a\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0dIDATx\xdac\xf8\x1fn\xfc\x1f\x00\x06k\x02\x89\xfe\xdb\xfd\x1b\x00\x00\x00\x00IEND\xaeB`\x82";
/// The head of a JFIF file (enough for the magic-byte check) and its end.
const JPG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";

/// A PNG of `size` bytes: the real one, padded after IEND.
fn png_of(size: usize) -> Vec<u8> {
    let mut file = PNG.to_vec();
    file.resize(size, 0);
    file
}

fn upload(filename: &str, file: &[u8]) -> UploadImageRequest {
    UploadImageRequest::new(filename, file.to_vec())
}

/// A multipart body of `meta` and `file` as given, signed over `signed` (the meta, for a
/// correct client), sent raw: for what `TestClient::call` would refuse to encode.
async fn raw_upload(
    client: &TestClient,
    signer: &Signer,
    meta: &[u8],
    file: &[u8],
    signed: Option<&[u8]>,
) -> Answer {
    let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n".to_vec();
    body.extend_from_slice(meta);
    body.extend_from_slice(b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: image/png\r\n\r\n");
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let auth = signer
        .authorization("POST", UPLOAD, signed.unwrap_or(meta))
        .unwrap()
        .to_string();
    client
        .raw(
            Method::POST,
            UPLOAD,
            &[
                ("Authorization", &auth),
                ("Content-Type", "multipart/form-data; boundary=XyZ"),
                ("Accept", "application/json"),
            ],
            Bytes::from(body),
        )
        .await
}

async fn signed_get(client: &TestClient, path: &str) -> Answer {
    let auth = merchant_signer()
        .authorization("GET", path, b"")
        .unwrap()
        .to_string();
    client
        .raw(Method::GET, path, &[("Authorization", &auth)], Bytes::new())
        .await
}

/// The numeric business code ending the Request-ID.
fn biz(answer: &Answer) -> &str {
    answer
        .header("Request-ID")
        .and_then(|id| id.split_once('-'))
        .map_or("", |(_, code)| code)
}

fn param_field(answer: &Answer) -> (u16, String, Value) {
    let body = answer.json();
    (
        answer.status.as_u16(),
        body["code"].as_str().unwrap_or_default().to_owned(),
        body["detail"]["field"].clone(),
    )
}

#[tokio::test]
async fn png_and_jpg_upload_in_both_modes_and_the_same_bytes_keep_their_url() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let mut urls = Vec::new();
    for (signer, mode) in [
        (merchant_signer(), Mode::Partner),
        (brand_signer(), Mode::Brand),
    ] {
        for (name, file) in [("logo.png", PNG), ("photo.jpg", JPG), ("again.png", PNG)] {
            let answer = client.call(&signer, mode, &upload(name, file)).await;
            assert_signed(&answer);
            assert_eq!(answer.status, 200, "{mode:?} {name}: {:?}", answer.json());
            let url = answer.json()["media_url"].as_str().unwrap().to_owned();
            let sha = sha256_hex(file);
            assert_eq!(
                url,
                format!("https://wxpaylogo.qpic.cn/wxpaylogo/mock/{}/0", &sha[..32])
            );
            urls.push(url);
        }
    }
    // Content-addressed: the PNG has one URL whoever uploads it under whatever name.
    assert!(urls.iter().all(|u| *u == urls[0] || *u == urls[1]));
    assert_ne!(urls[0], urls[1]);
    let images = client.admin_get("/mock/images").await.json();
    assert_eq!(images["total_count"], 2, "{images}");
    let png = &images["data"][0];
    assert_eq!(
        (&png["media_url"], &png["filename"], &png["uploads"]),
        (&json!(urls[0]), &json!("logo.png"), &json!(4))
    );
    assert_eq!(
        (&png["content_type"], &png["size"], &png["source"]),
        (&json!("image/png"), &json!(PNG.len()), &json!("upload"))
    );
    assert_eq!(images["data"][1]["content_type"], "image/jpeg");
    assert_eq!(images["data"][1]["by"], "mchid 1900000001");
}

#[tokio::test]
async fn uploads_are_checked_and_only_meta_is_signed() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let signer = merchant_signer();
    let meta = |name: &str, file: &[u8]| {
        serde_json::to_vec(&json!({"filename": name, "sha256": sha256_hex(file)})).unwrap()
    };
    // The hash must be the file's.
    let wrong = serde_json::to_vec(&json!({"filename": "a.png", "sha256": sha256_hex(JPG)}));
    let answer = raw_upload(&client, &signer, &wrong.unwrap(), PNG, None).await;
    assert_signed(&answer);
    assert_eq!(
        param_field(&answer),
        (400, "PARAM_ERROR".into(), json!("meta.sha256"))
    );
    // JPG and PNG only, by their bytes, whatever the name says.
    let gif = b"GIF89a\x01\0\x01\0\0\0\0;";
    let answer = raw_upload(&client, &signer, &meta("a.png", gif), gif, None).await;
    assert_signed(&answer);
    assert_eq!(
        param_field(&answer),
        (400, "PARAM_ERROR".into(), json!("file"))
    );
    // A file name is required.
    let nameless = serde_json::to_vec(&json!({"sha256": sha256_hex(PNG)})).unwrap();
    let answer = raw_upload(&client, &signer, &nameless, PNG, None).await;
    assert_signed(&answer);
    assert_eq!(
        param_field(&answer),
        (400, "PARAM_ERROR".into(), json!("meta.filename"))
    );
    // An empty one too.
    let empty = meta("", PNG);
    let answer = raw_upload(&client, &signer, &empty, PNG, None).await;
    assert_eq!(
        param_field(&answer),
        (400, "PARAM_ERROR".into(), json!("filename"))
    );
    // Signing the whole body instead of meta is a bad signature.
    let body_meta = meta("a.png", PNG);
    let answer = raw_upload(&client, &signer, &body_meta, PNG, Some(b"whole body")).await;
    assert_signed(&answer);
    assert_eq!(
        (answer.status.as_u16(), answer.code()),
        (401, "SIGN_ERROR".into())
    );
    let answer = raw_upload(&client, &signer, &body_meta, PNG, None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.json());
}

#[tokio::test]
async fn the_size_limit_is_2_mb_whatever_the_general_body_limit() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let signer = merchant_signer();
    // 1 MB and exactly 2 MB pass, though max_body_bytes is 64 KiB.
    for size in [1 << 20, MAX_IMAGE_BYTES] {
        let answer = client
            .call(&signer, Mode::Partner, &upload("big.png", &png_of(size)))
            .await;
        assert_signed(&answer);
        assert_eq!(answer.status, 200, "{size}: {:?}", answer.json());
    }
    // Over 2 MB: PARAM_ERROR on file, business code 270087680. Sent by hand, since a
    // correct client refuses to encode it.
    let file = png_of(MAX_IMAGE_BYTES + 1);
    let multipart = upload("big.png", &file).multipart().unwrap();
    let auth = signer
        .authorization("POST", UPLOAD, &multipart.meta)
        .unwrap()
        .to_string();
    let answer = client
        .raw(
            Method::POST,
            UPLOAD,
            &[
                ("Authorization", &auth),
                ("Content-Type", &multipart.content_type),
            ],
            Bytes::from(multipart.body),
        )
        .await;
    assert_signed(&answer);
    assert_eq!(
        param_field(&answer),
        (400, "PARAM_ERROR".into(), json!("file"))
    );
    assert_eq!(biz(&answer), "270087680");
    // The general limit still holds for the other operations.
    let big_json = format!(r#"{{"task_id":"{}"}}"#, "x".repeat(70_000));
    let answer = client
        .signed_post(
            &signer,
            &format!("{P}/image-generation-tasks"),
            big_json.as_bytes(),
        )
        .await;
    assert_signed(&answer);
    assert_eq!(
        (answer.status.as_u16(), answer.code()),
        (400, "INVALID_REQUEST".into())
    );
    // A declared body far over the upload's own limit is refused unread.
    let head = format!(
        "POST {UPLOAD} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000000\r\n\r\n"
    );
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("INVALID_REQUEST"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("wechatpay-signature:"),
        "{text}"
    );
}

fn combine(task_id: &str, amount: i64) -> CreateImageGenerationTaskRequest {
    serde_json::from_value(json!({
        "task_id": task_id,
        "image_generation_type": "COMBINE_IMAGE",
        "combine_image": {
            "scope": "ALL", "type": "NORMAL", "usage_mode": "SINGLE",
            "normal_coupon": {"threshold": 10000, "discount_amount": amount},
            "background_color": "#ff5733"
        }
    }))
    .unwrap()
}

fn cut_out(task_id: &str, image_url: &str) -> CreateImageGenerationTaskRequest {
    CreateImageGenerationTaskRequest::new(task_id, ImageGenerationType::CutOut).with_cut_out(
        CutOut {
            image_url: image_url.into(),
        },
    )
}

fn get(task_id: &str, kind: ImageGenerationType) -> GetImageGenerationTaskRequest {
    GetImageGenerationTaskRequest::new(task_id, kind)
}

/// E35's answer, checked signed and 200.
async fn state(client: &TestClient, task_id: &str, kind: ImageGenerationType) -> Value {
    let answer = client
        .call(&merchant_signer(), Mode::Partner, &get(task_id, kind))
        .await;
    assert_signed(&answer);
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    answer.json()
}

async fn set_clock(client: &TestClient, secs: i64) {
    let answer = client
        .admin(Method::PUT, "/mock/clock", &json!({ "offset_secs": secs }))
        .await;
    assert_eq!(answer.status, 200);
}

/// The decrypted plaintext of a callback, after checking its signature and envelope.
fn plaintext(key: &ApiV3Key, r: &wxpay_testkit::receiver::Received) -> Value {
    let headers =
        ResponseHeaders::from_fn(|name| r.headers.get(name).and_then(|v| v.to_str().ok())).unwrap();
    platform_verifier().verify(&headers, &r.body).unwrap();
    let n: Notification = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(n.event_type, "PRODUCT_COUPON_SP.IMAGE_GENERATION");
    assert_eq!(n.resource.associated_data, "product_coupon_sp");
    let plain = key
        .decrypt(
            &n.resource.ciphertext,
            &n.resource.nonce,
            "product_coupon_sp",
        )
        .unwrap();
    serde_json::from_slice(&plain).unwrap()
}

#[tokio::test]
async fn tasks_finish_on_the_business_clock_with_one_callback_each() {
    let receiver = Recorder::start().await;
    let key = ApiV3Key::new(KEY).unwrap();
    let fast = CallbackConfig {
        retry_schedule_ms: vec![50, 100],
        timeout_ms: 500,
        ..Default::default()
    };
    let server =
        mock::start_with(Emulator::dev().with_callbacks(&key, Some(&receiver.url()), fast)).await;
    let client = TestClient::new(&server.base_url());
    let signer = merchant_signer();
    let source = client
        .call(&signer, Mode::Partner, &upload("shoe.png", PNG))
        .await
        .json()["media_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (head, cut, lost) = (unique("head"), unique("cut"), unique("lost"));
    let never_uploaded = "https://wxpaylogo.qpic.cn/wxpaylogo/never-uploaded/0";
    let created = std::time::Instant::now();
    for request in [
        combine(&head, 1000),
        cut_out(&cut, &source),
        cut_out(&lost, never_uploaded),
    ] {
        let answer = client.call(&signer, Mode::Partner, &request).await;
        assert_signed(&answer);
        assert_eq!(answer.status, 200, "{:?}", answer.json());
        assert_eq!(
            answer.json(),
            json!({"task_id": request.task_id(), "brand_id": BRAND_ID})
        );
        // The same task_id and body answers the same again; another body is refused.
        let again = client.call(&signer, Mode::Partner, &request).await;
        assert_signed(&again);
        assert_eq!((again.status, again.json()), (answer.status, answer.json()));
    }
    let other = client
        .call(&signer, Mode::Partner, &combine(&head, 2000))
        .await;
    assert_signed(&other);
    assert_eq!(
        (other.status.as_u16(), other.code(), biz(&other)),
        (400, "INVALID_REQUEST".into(), "268578927")
    );
    let processing = state(&client, &head, ImageGenerationType::CombineImage).await;
    assert_eq!(
        processing,
        json!({"brand_id": BRAND_ID, "task_id": head, "image_generation_type": "COMBINE_IMAGE", "task_state": "PROCESSING"})
    );
    // Two ticks pass; less than the 2 s before the task could be due (due times are whole
    // seconds: a task made at x.999 s is due 2.001 s later). A machine too slow to get here
    // in time cannot tell, and says so.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let count = receiver.count().await;
    if created.elapsed() < Duration::from_millis(1900) {
        assert_eq!(count, 0, "no callback while processing");
    } else {
        eprintln!(
            "media: too slow to check that no task finished early ({:?})",
            created.elapsed()
        );
    }

    // Business time moves on: the tick finishes all three without a read.
    set_clock(&client, 60).await;
    let got = receiver.wait_for(3, 5).await;
    assert_eq!(got.len(), 3);
    let events: Vec<Value> = got.iter().map(|r| plaintext(&key, r)).collect();
    let by_id = |id: &str| events.iter().find(|e| e["task_id"] == id).unwrap().clone();
    let head_event = by_id(&head);
    let head_url = head_event["combine_image_result"]["image_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(head_url.starts_with("https://wxpaylogo.qpic.cn/wxpaylogo/mock/generated/"));
    assert_eq!(
        head_event,
        json!({"brand_id": BRAND_ID, "task_id": head, "image_generation_type": "COMBINE_IMAGE",
               "task_state": "SUCCESS", "combine_image_result": {"image_url": head_url}})
    );
    let cut_event = by_id(&cut);
    assert_eq!(cut_event["task_state"], "SUCCESS");
    assert!(cut_event["cut_out_result"]["image_url"].is_string());
    assert!(cut_event.get("combine_image_result").is_none());
    // A cut-out of a picture that was never uploaded fails, with no result.
    assert_eq!(
        by_id(&lost),
        json!({"brand_id": BRAND_ID, "task_id": lost, "image_generation_type": "CUT_OUT", "task_state": "FAIL"})
    );
    // E35 answers what the callback said; reads and more ticks send nothing more.
    assert_eq!(
        state(&client, &head, ImageGenerationType::CombineImage).await,
        head_event
    );
    assert_eq!(
        state(&client, &cut, ImageGenerationType::CutOut).await,
        cut_event
    );
    assert_eq!(
        state(&client, &lost, ImageGenerationType::CutOut).await["task_state"],
        "FAIL"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.count().await, 3, "exactly one callback per task");
    let callbacks = client.admin_get("/mock/callbacks").await.json();
    assert_eq!(callbacks["total_count"], 3);
    // The generated pictures are known pictures now.
    let images = client.admin_get("/mock/images").await.json();
    assert_eq!(images["total_count"], 3, "{images}");
    assert!(
        images["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["media_url"] == head_url && i["source"] == "task")
    );
    let tasks = client.admin_get("/mock/image-tasks").await.json();
    assert_eq!(tasks["total_count"], 3);

    // A read right after the clock moves finishes the task itself, not waiting for a tick.
    let late = unique("late");
    assert_eq!(
        client
            .call(&signer, Mode::Partner, &combine(&late, 500))
            .await
            .status,
        200
    );
    set_clock(&client, 120).await;
    let done = state(&client, &late, ImageGenerationType::CombineImage).await;
    assert_eq!(done["task_state"], "SUCCESS", "{done}");
    assert_eq!(receiver.wait_for(4, 5).await.len(), 4);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.count().await, 4);
}

#[tokio::test]
async fn task_queries_are_checked_and_tasks_are_partner_only() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let id = unique("task");
    let created = client
        .call(&merchant_signer(), Mode::Partner, &combine(&id, 100))
        .await;
    assert_eq!(created.status, 200, "{:?}", created.json());
    let path = format!("{P}/image-generation-tasks/{id}?brand_id={BRAND_ID}");
    // image_generation_type is required, and one of the two.
    let absent = signed_get(&client, &path).await;
    assert_signed(&absent);
    assert_eq!(
        param_field(&absent),
        (400, "PARAM_ERROR".into(), json!("image_generation_type"))
    );
    assert_eq!(absent.json()["detail"]["location"], "query");
    let wrong = signed_get(&client, &format!("{path}&image_generation_type=PHOTO")).await;
    assert_signed(&wrong);
    assert_eq!(
        param_field(&wrong),
        (400, "PARAM_ERROR".into(), json!("image_generation_type"))
    );
    let right = signed_get(
        &client,
        &format!("{path}&image_generation_type=COMBINE_IMAGE"),
    )
    .await;
    assert_eq!(right.status, 200, "{:?}", right.json());
    // An unknown task, or a task asked for under the other type: 404.
    for request in [
        get("no_such_task", ImageGenerationType::CombineImage),
        get(&id, ImageGenerationType::CutOut),
    ] {
        let answer = client
            .call(&merchant_signer(), Mode::Partner, &request)
            .await;
        assert_signed(&answer);
        assert_eq!(
            (answer.status.as_u16(), answer.code(), biz(&answer)),
            (404, "NOT_FOUND".into(), "268578608")
        );
    }
    // CUT_OUT takes only pictures on WeChat Pay's image host.
    let elsewhere = unchecked(
        &client,
        cut_out(&unique("cut"), "https://example.com/a.png"),
    )
    .await;
    assert_signed(&elsewhere);
    assert_eq!(
        param_field(&elsewhere),
        (400, "PARAM_ERROR".into(), json!("cut_out.image_url"))
    );
    // Brand-direct mode has no image tasks.
    let brand_path = "/brand/marketing/product-coupon/image-generation-tasks";
    let body = serde_json::to_vec(&combine(&unique("b"), 100)).unwrap();
    let answer = client.signed_post(&brand_signer(), brand_path, &body).await;
    assert_signed(&answer);
    assert_eq!(answer.status, 404);
    let query = format!("{brand_path}/{id}?image_generation_type=COMBINE_IMAGE");
    let auth = brand_signer()
        .authorization("GET", &query, b"")
        .unwrap()
        .to_string();
    let answer = client
        .raw(
            Method::GET,
            &query,
            &[("Authorization", &auth)],
            Bytes::new(),
        )
        .await;
    assert_signed(&answer);
    assert_eq!(
        (answer.status.as_u16(), answer.code()),
        (404, "NOT_FOUND".into())
    );
}

/// Sends a task `encode` would refuse, as JSON to its partner path.
async fn unchecked(client: &TestClient, mut request: CreateImageGenerationTaskRequest) -> Answer {
    request.brand_id = Some(BRAND_ID.into());
    let body = serde_json::to_vec(&request).unwrap();
    let path = format!("{P}{}", CreateImageGenerationTaskRequest::OPERATION.path);
    client.signed_post(&merchant_signer(), &path, &body).await
}
