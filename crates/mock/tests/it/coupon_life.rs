//! A user coupon's life over HTTP, in both modes: send → confirm → use → return →
//! deactivate, the list, pre-send and claim, and every error row of those operations.

use serde_json::Value;
use wxpay_mock::fixtures::dev;
use wxpay_models::user_coupon::{
    ConfirmSendUserProductCouponRequest, DeactivateUserProductCouponRequest,
    GetUserProductCouponRequest, ListUserProductCouponsRequest, PreSendUserProductCouponRequest,
    ReturnUserProductCouponRequest, SendUserProductCouponRequest, UseUserProductCouponRequest,
};
use wxpay_models::{AssociatedOrderInfo, Mode, UserProductCouponState, WxTime};
use wxpay_signing::Signer;
use wxpay_testkit::fixtures::{assert_signed, unique};
use wxpay_testkit::http_client::{Answer, TestClient};
use wxpay_testkit::{brand_signer, merchant_signer, mock};

/// One mode's caller: who signs and how.
struct Caller {
    signer: Signer,
    mode: Mode,
}

fn partner() -> Caller {
    Caller {
        signer: merchant_signer(),
        mode: Mode::Partner,
    }
}

fn brand() -> Caller {
    Caller {
        signer: brand_signer(),
        mode: Mode::Brand,
    }
}

/// A coupon in the load-test stock (usable every day), sent and confirmed.
struct Coupon {
    openid: String,
    code: String,
}

async fn call<E: wxpay_models::Endpoint>(c: &TestClient, who: &Caller, r: &E) -> Answer {
    let answer = c.call(&who.signer, who.mode, r).await;
    assert_signed(&answer);
    answer
}

fn ok(answer: &Answer) -> Value {
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

/// The error code and the numeric business code the Request-ID ends with.
fn error(answer: &Answer) -> (u16, String, String) {
    let biz = answer
        .header("Request-ID")
        .and_then(|id| id.split_once('-'))
        .map_or_else(String::new, |(_, code)| code.to_owned());
    (answer.status.as_u16(), answer.code(), biz)
}

async fn sent(c: &TestClient, who: &Caller, stock_id: &str) -> Coupon {
    let openid = unique("o");
    let r = SendUserProductCouponRequest::new(
        openid.clone(),
        dev::PRODUCT_COUPON_ID,
        stock_id,
        dev::APPID,
        unique("SEND"),
    );
    let coupon = ok(&call(c, who, &r).await);
    Coupon {
        openid,
        code: coupon["coupon_code"].as_str().unwrap().to_owned(),
    }
}

async fn confirmed(c: &TestClient, who: &Caller) -> Coupon {
    let coupon = sent(c, who, dev::STOCK_LOAD_TEST).await;
    let r = ConfirmSendUserProductCouponRequest::new(
        coupon.openid.clone(),
        coupon.code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        unique("CONF"),
    );
    assert_eq!(ok(&call(c, who, &r).await)["coupon_state"], "EFFECTIVE");
    coupon
}

fn use_of(coupon: &Coupon, no: &str) -> UseUserProductCouponRequest {
    UseUserProductCouponRequest::new(
        coupon.openid.clone(),
        coupon.code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        no,
        WxTime::now(),
    )
    .with_associated_order_info(AssociatedOrderInfo {
        transaction_id: Some("4200000000123456789123456789".into()),
        ..Default::default()
    })
    .with_saved_amount(300)
}

fn return_of(coupon: &Coupon, no: &str) -> ReturnUserProductCouponRequest {
    ReturnUserProductCouponRequest::new(
        coupon.openid.clone(),
        coupon.code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        no,
    )
}

fn deactivate_of(coupon: &Coupon, no: &str) -> DeactivateUserProductCouponRequest {
    DeactivateUserProductCouponRequest::new(
        coupon.openid.clone(),
        coupon.code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        no,
        "test",
    )
}

fn get_of(coupon: &Coupon) -> GetUserProductCouponRequest {
    GetUserProductCouponRequest::new(
        coupon.openid.clone(),
        coupon.code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
    )
}

async fn lifecycle(who: Caller) {
    let server = mock::start().await;
    let c = TestClient::new(&server.base_url());
    let coupon = confirmed(&c, &who).await;

    // Use, then its replay (same number, same body) and another order's use.
    // Built once: use_of stamps use_time with now, and a replay must be the same body.
    let first = use_of(&coupon, "USE_000001");
    let used = ok(&call(&c, &who, &first).await);
    assert_eq!(used["coupon_state"], "USED");
    assert_eq!(used["single_usage_detail"]["use_request_no"], "USE_000001");
    assert_eq!(
        used["single_usage_detail"]["associated_order_info"]["transaction_id"],
        "4200000000123456789123456789"
    );
    assert_eq!(used["single_usage_detail"]["saved_amount"], 300);
    let replay = ok(&call(&c, &who, &first).await);
    assert_eq!(replay["single_usage_detail"], used["single_usage_detail"]);
    let other = call(&c, &who, &use_of(&coupon, "USE_000002")).await;
    assert_eq!(
        error(&other),
        (400, "INVALID_REQUEST".into(), "272756745".into())
    );
    let mut changed = first.clone();
    changed.saved_amount = Some(1);
    let conflict = call(&c, &who, &changed).await;
    assert_eq!(
        error(&conflict),
        (400, "INVALID_REQUEST".into(), "268578927".into())
    );

    // Return: EFFECTIVE again, usable again; a second return needs it USED.
    let returned = ok(&call(&c, &who, &return_of(&coupon, "RET_000001")).await);
    assert_eq!(returned["coupon_state"], "EFFECTIVE");
    assert_eq!(
        returned["single_usage_detail"]["return_request_no"],
        "RET_000001"
    );
    let again = call(&c, &who, &return_of(&coupon, "RET_000002")).await;
    assert_eq!(
        error(&again),
        (400, "INVALID_REQUEST".into(), "268578367".into())
    );

    // Deactivate: terminal.
    let gone = ok(&call(&c, &who, &deactivate_of(&coupon, "DEA_000001")).await);
    assert_eq!(
        (
            gone["coupon_state"].as_str(),
            gone["deactivate_request_no"].as_str(),
            gone["deactivate_reason"].as_str()
        ),
        (Some("DEACTIVATED"), Some("DEA_000001"), Some("test"))
    );
    let late = call(&c, &who, &use_of(&coupon, "USE_000003")).await;
    assert_eq!(
        error(&late),
        (400, "INVALID_REQUEST".into(), "268578367".into())
    );
    let read = ok(&call(&c, &who, &get_of(&coupon)).await);
    assert_eq!(read["coupon_state"], "DEACTIVATED");
    // Brand-direct answers carry no brand_id anywhere; partner ones do.
    assert_eq!(
        read.to_string().contains("brand_id"),
        who.mode == Mode::Partner,
        "{read}"
    );
}

#[tokio::test]
async fn a_coupon_lives_and_dies_in_partner_mode() {
    lifecycle(partner()).await;
}

#[tokio::test]
async fn a_coupon_lives_and_dies_in_brand_mode() {
    lifecycle(brand()).await;
}

#[tokio::test]
async fn state_rules_of_use_return_and_deactivate() {
    let server = mock::start().await;
    let c = TestClient::new(&server.base_url());
    let who = partner();
    // Unconfirmed coupons cannot be used; unknown ones are not found.
    let pending = sent(&c, &who, dev::STOCK_LOAD_TEST).await;
    let refused = call(&c, &who, &use_of(&pending, "USE_100001")).await;
    assert_eq!(
        error(&refused),
        (400, "INVALID_REQUEST".into(), "268578367".into())
    );
    let nobody = Coupon {
        openid: unique("o"),
        code: "8999999999999".into(),
    };
    let missing = call(&c, &who, &use_of(&nobody, "USE_100002")).await;
    assert_eq!(
        error(&missing),
        (404, "NOT_FOUND".into(), "268578608".into())
    );
    let in_brand_mode = call(&c, &brand(), &use_of(&nobody, "USE_100002")).await;
    assert_eq!(
        error(&in_brand_mode),
        (404, "NOT_FOUND".into(), "268578851".into())
    );
    // A confirm of an unknown coupon answers the same codes as the other operations.
    let confirm_nobody = ConfirmSendUserProductCouponRequest::new(
        nobody.openid.clone(),
        nobody.code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        unique("CONF"),
    );
    for (caller, code) in [(partner(), "268578608"), (brand(), "268578851")] {
        let answer = call(&c, &caller, &confirm_nobody).await;
        assert_eq!(error(&answer), (404, "NOT_FOUND".into(), code.into()));
    }
    // A use outside the coupon's validity.
    let coupon = confirmed(&c, &who).await;
    let mut early = use_of(&coupon, "USE_100003");
    *early.use_time_mut() = Some(WxTime::now().plus_days(-2));
    let outside = call(&c, &who, &early).await;
    assert_eq!(
        error(&outside),
        (400, "INVALID_REQUEST".into(), "272755715".into())
    );
    // The message names the use_time and the range it missed, so a client sees why.
    let message = outside.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let when = early
        .use_time()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        message.contains(&format!("use_time {when} is outside")) && message.contains(".."),
        "{message}"
    );
    // The wrong AppID.
    let mut wrong = use_of(&coupon, "USE_100004");
    *wrong.appid_mut() = "wx0000000000000000".into();
    assert_eq!(error(&call(&c, &who, &wrong).await).2, "268578704");
    // Deleted by the user (admin): every operation says so.
    let path = format!(
        "/mock/coupons/{}/{}/delete",
        dev::STOCK_LOAD_TEST,
        coupon.code
    );
    assert_eq!(
        c.admin(http::Method::POST, &path, &Value::Null)
            .await
            .status,
        200
    );
    let deleted = call(&c, &who, &use_of(&coupon, "USE_100005")).await;
    assert_eq!(
        error(&deleted),
        (400, "INVALID_REQUEST".into(), "272756769".into())
    );
    // Past validity: EXPIRED, and nothing more can be done with it.
    let expiring = confirmed(&c, &who).await;
    c.admin(
        http::Method::PUT,
        "/mock/clock",
        &serde_json::json!({"offset_secs": 40 * 86_400}),
    )
    .await;
    assert_eq!(
        ok(&call(&c, &who, &get_of(&expiring)).await)["coupon_state"],
        "EXPIRED"
    );
    let mut late = use_of(&expiring, "USE_100006");
    *late.use_time_mut() = Some(WxTime::now().plus_days(40));
    assert_eq!(error(&call(&c, &who, &late).await).2, "268578776");
    assert_eq!(
        error(&call(&c, &who, &deactivate_of(&expiring, "DEA_100001")).await).2,
        "268578776"
    );
    assert_eq!(
        error(&call(&c, &brand(), &deactivate_of(&expiring, "DEA_100002")).await).2,
        "272756790"
    );
}

#[tokio::test]
async fn the_seed_stock_is_usable_on_weekdays_only() {
    let server = mock::start().await;
    let c = TestClient::new(&server.base_url());
    let who = partner();
    let coupon = sent(&c, &who, dev::STOCK_WECHATPAY).await;
    let confirm = ConfirmSendUserProductCouponRequest::new(
        coupon.openid.clone(),
        coupon.code.clone(),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_WECHATPAY,
        dev::APPID,
        unique("CONF"),
    );
    ok(&call(&c, &who, &confirm).await);
    // The first Saturday and the first Monday within the validity (which starts now).
    let day = |from_now: i64| WxTime::now().plus_days(from_now);
    let weekday = |t: WxTime| {
        t.as_offset_date_time()
            .to_offset(wxpay_models::BEIJING)
            .weekday()
    };
    let saturday = (1..8)
        .map(day)
        .find(|t| weekday(*t) == time::Weekday::Saturday)
        .unwrap();
    let monday = (1..8)
        .map(day)
        .find(|t| weekday(*t) == time::Weekday::Monday)
        .unwrap();
    let mut r = use_of(&coupon, "USE_200001");
    *r.stock_id_mut() = dev::STOCK_WECHATPAY.into();
    *r.use_time_mut() = Some(saturday);
    assert_eq!(error(&call(&c, &who, &r).await).2, "272755717");
    *r.use_time_mut() = Some(monday);
    assert_eq!(ok(&call(&c, &who, &r).await)["coupon_state"], "USED");
}

#[tokio::test]
async fn lists_page_in_a_stable_order_with_filters() {
    let server = mock::start().await;
    let c = TestClient::new(&server.base_url());
    let who = partner();
    let openid = unique("o");
    let other = unique("o");
    let mut codes = Vec::new();
    // Two stocks in turn, another user's coupon between each: the list is this user's, in
    // issue order across stocks.
    for n in 0..5 {
        let stock = [dev::STOCK_LOAD_TEST, dev::STOCK_WECHATPAY][n % 2];
        let send = |openid: &str| {
            SendUserProductCouponRequest::new(
                openid,
                dev::PRODUCT_COUPON_ID,
                stock,
                dev::APPID,
                unique("SEND"),
            )
        };
        codes.push(
            ok(&call(&c, &who, &send(&openid)).await)["coupon_code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        ok(&call(&c, &who, &send(&other)).await);
    }
    let mut request =
        ListUserProductCouponsRequest::new(openid.clone(), dev::APPID).with_page_size(2);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = ok(&call(&c, &who, &request).await);
        assert_eq!(page["total_count"], 5);
        pages += 1;
        for coupon in page["user_coupon_list"].as_array().unwrap() {
            seen.push(coupon["coupon_code"].as_str().unwrap().to_owned());
        }
        match page["next_page_token"].as_str() {
            Some(token) if !token.is_empty() => request.page_token = Some(token.into()),
            _ => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!((pages, seen), (3, codes.clone()));
    let by_stock = ListUserProductCouponsRequest::new(openid.clone(), dev::APPID)
        .with_stock_id(dev::STOCK_WECHATPAY);
    let page = ok(&call(&c, &who, &by_stock).await);
    let listed: Vec<&str> = page["user_coupon_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["coupon_code"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [codes[1].as_str(), codes[3].as_str()]);
    // By state: none is EFFECTIVE before a confirm.
    let by_state = ListUserProductCouponsRequest::new(openid, dev::APPID)
        .with_coupon_state(UserProductCouponState::Effective);
    assert_eq!(ok(&call(&c, &who, &by_state).await)["total_count"], 0);
}

#[tokio::test]
async fn a_pre_send_token_is_claimed_through_the_component() {
    let server = mock::start().await;
    let c = TestClient::new(&server.base_url());
    let who = partner();
    let r = PreSendUserProductCouponRequest::new(
        unique("o"),
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_LOAD_TEST,
        dev::APPID,
        unique("PRE"),
    );
    let token = ok(&call(&c, &who, &r).await)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Same number, same body: the same token.
    assert_eq!(ok(&call(&c, &who, &r).await)["token"], token);
    let before = wxpay_testkit::fixtures::issued(&c, dev::STOCK_LOAD_TEST).await;
    let claim = c
        .admin(
            http::Method::POST,
            &format!("/mock/pre-sends/{token}/claim"),
            &Value::Null,
        )
        .await;
    let coupon = ok(&claim);
    assert_eq!(
        (
            coupon["coupon_state"].as_str(),
            coupon["send_channel"].as_str()
        ),
        (Some("CONFIRMING"), Some("RECEIVE_COMPONENT"))
    );
    assert_eq!(
        wxpay_testkit::fixtures::issued(&c, dev::STOCK_LOAD_TEST).await,
        before + 1
    );
    let twice = c
        .admin(
            http::Method::POST,
            &format!("/mock/pre-sends/{token}/claim"),
            &Value::Null,
        )
        .await;
    assert_eq!(twice.status, 409, "a token is claimed once");
    assert!(
        twice.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("already claimed")),
        "{}",
        String::from_utf8_lossy(&twice.body)
    );
    // A pre-send checks what a send checks: a paused stock is refused.
    let mut paused = r.clone();
    *paused.stock_id_mut() = dev::STOCK_PAUSED.into();
    *paused.send_request_no_mut() = unique("PRE");
    assert_eq!(error(&call(&c, &who, &paused).await).2, "268577984");
}
