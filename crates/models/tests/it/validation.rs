//! Each documented rule, broken on purpose, names its field and rule.

use wxpay_models::{
    CouponTagInfo, Decode, Endpoint, Location, MemberTagInfo, Mode, Rule,
    SendUserProductCouponRequest, UserProductCouponTag,
};

fn valid() -> SendUserProductCouponRequest {
    SendUserProductCouponRequest::new(
        "oh-394z-6CGkNoJrsDLTTUKiAnp4",
        "1000000013",
        "1000000013001",
        "wx233544546545989",
        "MCHSEND202003101234",
    )
    .with_brand_id("120344")
}

fn only_error(r: &SendUserProductCouponRequest) -> (String, Location, Rule) {
    let err = r.validate().expect_err("must be invalid");
    assert_eq!(err.errors().len(), 1, "{err}");
    let e = err.first().expect("one").clone();
    (e.field, e.location, e.rule)
}

#[test]
fn valid_request_passes() {
    assert!(valid().validate().is_ok());
}

#[test]
fn required_fields_must_not_be_empty() {
    for field in ["product_coupon_id", "appid", "stock_id", "send_request_no"] {
        let mut r = valid();
        match field {
            "product_coupon_id" => r.product_coupon_id_mut().clear(),
            "appid" => r.appid_mut().clear(),
            "stock_id" => r.stock_id_mut().clear(),
            _ => r.send_request_no_mut().clear(),
        }
        assert_eq!(
            only_error(&r),
            (field.to_owned(), Location::Body, Rule::Required)
        );
    }
}

#[test]
fn send_request_no_is_6_to_128_of_the_id_charset() {
    let mut r = valid();
    for (value, ok) in [
        ("abcde", false),
        ("abcdef", true),
        ("A_b-9z", true),
        ("abc def", false),
        ("单号123456", false),
    ] {
        *r.send_request_no_mut() = value.into();
        assert_eq!(r.validate().is_ok(), ok, "{value}");
    }
    *r.send_request_no_mut() = "x".repeat(128);
    assert!(r.validate().is_ok());
    *r.send_request_no_mut() = "x".repeat(129);
    assert_eq!(
        only_error(&r).2,
        Rule::Length {
            min: 6,
            max: 128,
            actual: 129
        }
    );
    *r.send_request_no_mut() = "abc.def".into();
    let (field, _, rule) = only_error(&r);
    assert_eq!(field, "send_request_no");
    assert!(matches!(rule, Rule::Charset(_)));
}

#[test]
fn coupon_code_is_at_most_40_of_the_id_charset() {
    let mut r = valid();
    r.coupon_code = Some("C".repeat(40));
    assert!(r.validate().is_ok());
    r.coupon_code = Some("C".repeat(41));
    assert_eq!(only_error(&r).0, "coupon_code");
    r.coupon_code = Some("Code#1".into());
    assert!(matches!(only_error(&r).2, Rule::Charset(_)));
    r.coupon_code = Some(String::new());
    assert_eq!(only_error(&r).2, Rule::Required);
}

#[test]
fn attach_counts_characters_not_bytes() {
    let mut r = valid();
    r.attach = Some("券".repeat(150)); // 450 bytes, 150 characters
    assert!(r.validate().is_ok());
    r.attach = Some("券".repeat(151));
    assert_eq!(
        only_error(&r),
        (
            "attach".into(),
            Location::Body,
            Rule::Length {
                min: 0,
                max: 150,
                actual: 151
            }
        )
    );
}

#[test]
fn member_tag_requires_member_tag_info() {
    let mut r = valid();
    r.coupon_tag_info = Some(CouponTagInfo {
        coupon_tag_list: Some(vec![UserProductCouponTag::Member]),
        member_tag_info: None,
    });
    assert_eq!(
        only_error(&r),
        (
            "coupon_tag_info.member_tag_info".into(),
            Location::Body,
            Rule::MemberTagInfo
        )
    );
    r.coupon_tag_info = Some(CouponTagInfo {
        coupon_tag_list: Some(vec![UserProductCouponTag::Member]),
        member_tag_info: Some(MemberTagInfo {
            member_card_id: String::new(),
        }),
    });
    assert_eq!(
        only_error(&r).0,
        "coupon_tag_info.member_tag_info.member_card_id"
    );
    r.coupon_tag_info = Some(CouponTagInfo::member("card"));
    assert!(r.validate().is_ok());
}

#[test]
fn openid_must_be_safe_in_a_path() {
    let mut r = valid();
    *r.openid_mut() = String::new();
    assert_eq!(
        only_error(&r),
        ("openid".into(), Location::Path, Rule::Required)
    );
    *r.openid_mut() = "o id".into();
    assert_eq!(
        only_error(&r),
        ("openid".into(), Location::Path, Rule::PathUnsafe)
    );
    *r.openid_mut() = "o\nid".into();
    assert_eq!(only_error(&r).2, Rule::PathUnsafe);
    // Reserved characters are fine: they are percent-encoded.
    *r.openid_mut() = "o/../x?y#z%".into();
    assert!(r.validate().is_ok());
    assert_eq!(
        r.path(Mode::Partner),
        "/v3/marketing/partner/product-coupon/users/o%2F..%2Fx%3Fy%23z%25/coupons"
    );
}

#[test]
fn every_broken_rule_is_reported_at_once() {
    let r = SendUserProductCouponRequest::new("", "", "", "", "bad").with_attach("a".repeat(200));
    let err = r.validate().expect_err("invalid");
    let fields: Vec<&str> = err.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "openid",
            "product_coupon_id",
            "appid",
            "attach",
            "stock_id",
            "send_request_no",
        ]
    );
}

#[test]
fn decoder_names_mistyped_and_missing_fields() {
    let err = SendUserProductCouponRequest::from_body("o1", br#"{"product_coupon_id":1,"appid":"wx","stock_id":"s","send_request_no":"123456","brand_id":"b","coupon_tag_info":{"coupon_tag_list":"MEMBER"}}"#)
        .expect_err("mistyped");
    let fields: Vec<(&str, &Rule)> = err
        .errors()
        .iter()
        .map(|e| (e.field.as_str(), &e.rule))
        .collect();
    // The first problem, in document order, as WeChat Pay answers one at a time.
    assert_eq!(fields, [("product_coupon_id", &Rule::Type("a string"))]);
    let err = SendUserProductCouponRequest::from_body("o1", br#"{"product_coupon_id":"1","appid":"wx","stock_id":"s","send_request_no":"123456","coupon_tag_info":{"coupon_tag_list":"MEMBER"}}"#)
        .expect_err("mistyped");
    assert_eq!(
        err.first().map(|e| (e.field.as_str(), &e.rule)),
        Some(("coupon_tag_info.coupon_tag_list", &Rule::Type("an array")))
    );
}

#[test]
fn decoder_reports_bad_json_and_utf8() {
    for (body, needle) in [
        (&b"{\"appid\":"[..], "truncated"),
        (b"{]", "syntax error"),
        (b"", "empty"),
        (b"\"x\"", "a JSON object"),
        (b"{\"appid\":\"\xff\"}", "UTF-8"),
    ] {
        let err = SendUserProductCouponRequest::from_body("o1", body).expect_err("invalid");
        let first = err.first().expect("error");
        assert_eq!(first.field, "(body)");
        assert!(err.to_string().contains(needle), "{err}");
    }
}

/// Path and query parameters as a server receives them: each hostile escape a named case,
/// with the parameter, the location and the words of the message it gets.
#[test]
fn invalid_percent_encoding_names_the_parameter() {
    use wxpay_models::RawRequest;
    use wxpay_models::user_coupon::ListUserProductCouponsRequest as List;
    /// The decoded openid, or (parameter, location, words of the message).
    type Want = Result<&'static str, (&'static str, Location, &'static str)>;
    let escape = "invalid percent-escape";
    let cases: &[(&str, &str, &str, Want)] = &[
        (
            "bare_percent",
            "%",
            "appid=wx1",
            Err(("openid", Location::Path, escape)),
        ),
        (
            "not_hex",
            "%zz",
            "appid=wx1",
            Err(("openid", Location::Path, escape)),
        ),
        (
            "truncated",
            "%2",
            "appid=wx1",
            Err(("openid", Location::Path, escape)),
        ),
        (
            "trailing_percent",
            "o1%",
            "appid=wx1",
            Err(("openid", Location::Path, escape)),
        ),
        (
            "not_utf8",
            "%ff",
            "appid=wx1",
            Err(("openid", Location::Path, "percent-encoded UTF-8")),
        ),
        (
            "query_not_hex",
            "o1",
            "appid=wx%zz",
            Err(("appid", Location::Query, escape)),
        ),
        ("escaped_percent", "%25", "appid=wx1", Ok("%")),
        ("escaped_plus", "o%2B1", "appid=wx1", Ok("o+1")),
    ];
    for (name, openid, query, want) in cases {
        let path = [("openid", *openid)];
        let raw = RawRequest {
            path: &path,
            query: Some(query),
            body: b"",
        };
        match (List::decode(&raw), want) {
            (Ok(r), Ok(decoded)) => assert_eq!(r.openid(), *decoded, "{name}"),
            (Err(e), Err((field, location, words))) => {
                let first = e.first().expect("an error");
                assert_eq!(
                    (first.field.as_str(), first.location),
                    (*field, *location),
                    "{name}"
                );
                assert!(e.to_string().contains(words), "{name}: {e}");
            }
            (got, _) => panic!("{name}: want {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn descriptions_may_break_lines_and_loopback_notify_urls_may_be_http() {
    let mut r = wxpay_models::examples::create_stock();
    r.stock_mut().usage_rule_display_info.usage_description =
        Some("每单限用一张\r\n不与其他优惠同享".into());
    assert!(Endpoint::validate(&r).is_ok());
    for url in [
        "http://127.0.0.1:9000/cb",
        "http://localhost/cb",
        "http://[::1]:1/cb",
        "https://pay.example.com:8443/cb",
    ] {
        let r = wxpay_models::SetNotifyConfigRequest::new(url);
        assert!(r.validate().is_ok(), "{url}");
    }
}

mod table;
