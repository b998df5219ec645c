//! The seed's samples: responses parse and re-serialize to the same JSON value; requests
//! serialize to the seed's JSON (and to the signing vectors' exact bytes).

use serde_json::Value;
use wxpay_models::{Endpoint, Mode};

use crate::data;
use wxpay_models::{
    CouponCodeMode, CouponTagInfo, SendUserProductCouponRequest, UserProductCouponEntity,
    UserProductCouponState, Weekday,
};

fn seed_request(member: bool) -> SendUserProductCouponRequest {
    let mut r = SendUserProductCouponRequest::new(
        "oh-394z-6CGkNoJrsDLTTUKiAnp4",
        "1000000013",
        "1000000013001",
        "wx233544546545989",
        "MCHSEND202003101234",
    )
    .with_coupon_code("Code_123456")
    .with_attach("any attach content")
    .with_brand_id("120344");
    r.coupon_tag_info = member.then(|| CouponTagInfo::member("MemberCardId_1234567890"));
    r
}

#[test]
fn response_samples_round_trip_to_the_same_value() {
    for name in ["response-member.json", "response-normal.json"] {
        let text = data(name);
        let entity: UserProductCouponEntity = serde_json::from_str(&text).expect(name);
        let original: Value = serde_json::from_str(&text).expect("json");
        let again = serde_json::to_value(&entity).expect("serialize");
        assert_eq!(again, original, "{name}");
        // `single_usage_detail: {}` survives as an empty object.
        assert_eq!(again["single_usage_detail"], serde_json::json!({}));
    }
}

#[test]
fn response_sample_fields_are_typed() {
    let entity: UserProductCouponEntity =
        serde_json::from_str(&data("response-member.json")).expect("parse");
    assert_eq!(entity.coupon_state, UserProductCouponState::Confirming);
    assert_eq!(entity.stock.coupon_code_mode, CouponCodeMode::Upload);
    assert_eq!(entity.stock.stock_send_rule.max_count, Some(10_000_000));
    assert_eq!(entity.stock.stock_send_rule.max_count_per_day, None);
    let period = entity
        .stock
        .single_usage_rule
        .and_then(|r| r.coupon_available_period)
        .expect("period");
    assert_eq!(period.available_days, Some(30));
    assert_eq!(
        period
            .weekly_available_period
            .and_then(|w| w.day_list)
            .map(|d| d.len()),
        Some(5)
    );
    assert!(!Weekday::KNOWN.is_empty());
    assert_eq!(entity.receive_time.to_string(), "2025-08-02T00:00:00+08:00");
    assert!(entity.coupon_tag_info.expect("tags").is_member());
    assert_eq!(entity.confirm_time, None);
}

#[test]
fn request_samples_serialize_to_the_seed_json() {
    for (member, name) in [
        (true, "request-member.json"),
        (false, "request-normal.json"),
    ] {
        let request = seed_request(member);
        request.validate().expect("seed request is valid");
        let ours: Value = serde_json::from_slice(&request.to_body().expect("body")).expect("json");
        let seed: Value = serde_json::from_str(&data(name)).expect("seed");
        assert_eq!(ours, seed, "{name}");
    }
}

#[test]
fn request_body_bytes_match_the_signing_vector() {
    // The first signing vector signs the seed's member request, compact, in the seed's order.
    let vectors: Value =
        serde_json::from_str(&data("signing-vectors-request0.json")).expect("vector");
    let body = seed_request(true).to_body().expect("body");
    assert_eq!(
        std::str::from_utf8(&body).expect("utf8"),
        vectors["body"].as_str().expect("body")
    );
    assert_eq!(
        seed_request(true).path(Mode::Partner),
        vectors["url"].as_str().expect("url")
    );
}

#[test]
fn request_decodes_from_the_wire_like_a_server() {
    let request = SendUserProductCouponRequest::from_body(
        "oh-394z-6CGkNoJrsDLTTUKiAnp4",
        data("request-member.json").as_bytes(),
    )
    .expect("decode");
    assert_eq!(request, seed_request(true));
}

#[test]
fn brand_mode_answers_without_brand_id_parse_and_stay_without_it() {
    // Brand-direct answers carry no brand_id in the coupon, its product coupon or its stock.
    let mut json: Value = serde_json::from_str(&data("response-normal.json")).expect("json");
    for at in ["", "/product_coupon", "/stock"] {
        let object = json
            .pointer_mut(at)
            .and_then(Value::as_object_mut)
            .expect("object");
        assert!(object.remove("brand_id").is_some(), "{at}");
    }
    let entity: UserProductCouponEntity = serde_json::from_value(json.clone()).expect("parse");
    assert!(entity.brand_id.is_empty() && entity.stock.brand_id.is_empty());
    assert_eq!(serde_json::to_value(&entity).expect("serialize"), json);
}
