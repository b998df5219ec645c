//! The API's lax spots, closed in wxpay-models and so in the emulator: each hostile request a
//! named case, signed correctly, answered with a signed 400 PARAM_ERROR naming the field and
//! its location. Parameters: invalid percent-encoding in the path; bodies: control
//! characters in text, URLs that are not http(s), a notify URL's port out of range.

use http::Method;
use serde_json::{Value, json};
use wxpay_mock::fixtures::dev;
use wxpay_models::product_coupon::CreateProductCouponRequest;
use wxpay_models::user_coupon::ListUserProductCouponsRequest;
use wxpay_models::{Endpoint, Mode, SetNotifyConfigRequest, Target, encode, examples};
use wxpay_testkit::fixtures::assert_signed;
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{brand_signer, merchant_signer, mock};

/// A request signed in `mode` exactly as given (a correct client would not send it).
async fn signed(
    client: &TestClient,
    mode: Mode,
    method: Method,
    path_and_query: &str,
    body: &[u8],
) -> Answer {
    let signer = match mode {
        Mode::Brand => brand_signer(),
        _ => merchant_signer(),
    };
    let auth = signer
        .authorization(method.as_str(), path_and_query, body)
        .expect("sign")
        .to_string();
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Accept", "application/json"),
        ("Wechatpay-Serial", dev::PLATFORM_KEY_ID),
    ];
    if method != Method::GET {
        headers.push(("Content-Type", "application/json"));
    }
    let answer = client
        .raw(method, path_and_query, &headers, body.to_vec())
        .await;
    assert_signed(&answer);
    answer
}

/// A valid JSON body of `request` for partner mode, with `change` applied to it.
fn body_of<E: Endpoint>(request: &E, change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let wire = encode(
        request,
        Target {
            mode: Mode::Partner,
            brand_id: Some(dev::BRAND_ID),
        },
    )
    .expect("a valid example");
    let mut json: Value = serde_json::from_slice(&wire.body).expect("JSON body");
    change(&mut json);
    serde_json::to_vec(&json).expect("JSON")
}

/// Checks a 400 PARAM_ERROR whose detail names `field` at `location`, and whose message
/// holds `words`.
fn param_error(name: &str, answer: &Answer, field: &str, location: &str, words: &str) {
    let json = answer.json();
    assert_eq!(
        (answer.status.as_u16(), json["code"].as_str()),
        (400, Some("PARAM_ERROR")),
        "{name}: {json}"
    );
    assert_eq!(json["detail"]["field"], field, "{name}: {json}");
    assert_eq!(json["detail"]["location"], location, "{name}: {json}");
    let message = json["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(words),
        "{name}: {message:?} lacks {words:?}"
    );
}

#[tokio::test]
async fn invalid_percent_encoding_in_the_path_is_a_param_error() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let list = |mode: Mode, openid: &str| {
        let path = <ListUserProductCouponsRequest as Endpoint>::OPERATION
            .template(mode)
            .replace("{openid}", openid);
        match mode {
            Mode::Partner => format!("{path}?appid={}&brand_id={}", dev::APPID, dev::BRAND_ID),
            _ => format!("{path}?appid={}", dev::APPID),
        }
    };
    let escape = "invalid percent-escape";
    for (name, mode, openid, words) in [
        ("bare_percent", Mode::Partner, "%", escape),
        ("not_hex", Mode::Partner, "%zz", escape),
        ("truncated_escape", Mode::Partner, "%2", escape),
        ("trailing_percent", Mode::Partner, "o1%", escape),
        ("bare_percent_brand_mode", Mode::Brand, "%", escape),
        ("not_utf8", Mode::Partner, "o%FF", "percent-encoded UTF-8"),
    ] {
        let answer = signed(&client, mode, Method::GET, &list(mode, openid), b"").await;
        param_error(name, &answer, "openid", "path", words);
    }
    // `%25` is the user whose openid is "%": another user than an invalid `%` would be.
    let answer = signed(
        &client,
        Mode::Partner,
        Method::GET,
        &list(Mode::Partner, "%25"),
        b"",
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json());
    // The query is decoded as strictly.
    let path = format!(
        "{}?appid=wx%zz&brand_id={}",
        <ListUserProductCouponsRequest as Endpoint>::OPERATION
            .template(Mode::Partner)
            .replace("{openid}", "o1"),
        dev::BRAND_ID
    );
    let answer = signed(&client, Mode::Partner, Method::GET, &path, b"").await;
    param_error("query_not_hex", &answer, "appid", "query", escape);
}

#[tokio::test]
async fn control_characters_and_bad_urls_in_bodies_are_param_errors() {
    let server = mock::start().await;
    let client = TestClient::new(&server.base_url());
    let create = <CreateProductCouponRequest as Endpoint>::OPERATION.template(Mode::Partner);
    let notify = <SetNotifyConfigRequest as Endpoint>::OPERATION.template(Mode::Partner);
    // The example, with an AppID bound in the dev state: valid but for the hostile field.
    let mut coupon = examples::create_product_coupon();
    if let Some(stock) = coupon.stock.as_mut() {
        stock.notify_config.notify_appid = Some(dev::APPID.into());
    }
    let set_url = |url: &str| serde_json::to_vec(&json!({ "notify_url": url })).expect("JSON");
    let printable = "may only contain printable text";
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, Vec<u8>, &str, &str)> = vec![
        ("nul_in_name", create.as_str(),
            body_of(&coupon, |j| j["display_info"]["name"] = json!("咖啡\u{0}兑换券")),
            "display_info.name", printable),
        ("esc_in_name", create.as_str(),
            body_of(&coupon, |j| j["display_info"]["name"] = json!("\u{1b}[2J清屏券")),
            "display_info.name", printable),
        ("javascript_image_url", create.as_str(),
            body_of(&coupon, |j| j["display_info"]["image_url"] = json!("javascript:alert(1)")),
            "display_info.image_url", "must be an http:// or https:// URL with a host"),
        ("data_detail_image_url", create.as_str(),
            body_of(&coupon, |j| j["display_info"]["detail_image_url_list"] = json!(["data:image/png;base64,AAAA"])),
            "display_info.detail_image_url_list[0]", "http:// or https://"),
        ("notify_port_99999", notify.as_str(), set_url("https://a.b:99999/c"),
            "notify_url", "has a port out of range: ports are 1 to 65535"),
        ("notify_port_0", notify.as_str(), set_url("https://a.b:0/c"),
            "notify_url", "port out of range"),
        ("notify_javascript", notify.as_str(), set_url("javascript:alert(1)"),
            "notify_url", "http:// or https://"),
    ];
    for (name, path, body, field, words) in cases {
        let answer = signed(&client, Mode::Partner, Method::POST, path, &body).await;
        param_error(name, &answer, field, "body", words);
    }
    // Nothing was created: the valid body is still new to the emulator.
    let answer = signed(
        &client,
        Mode::Partner,
        Method::POST,
        &create,
        &body_of(&coupon, |_| {}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json());
}
