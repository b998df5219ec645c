//! Invariants: generated entities survive a JSON round trip; validation and decoding never
//! panic, whatever the input.

use proptest::option;
use proptest::prelude::*;
use wxpay_models::*;

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,24}"
}

fn time() -> impl Strategy<Value = WxTime> {
    (0i64..4_102_444_800).prop_map(|s| WxTime::from_unix(s).expect("in range"))
}

/// A known value or one WeChat Pay might add later.
fn wire<T: for<'a> From<&'a str> + Clone + std::fmt::Debug>(
    known: &'static [T],
) -> impl Strategy<Value = T> {
    prop_oneof![
        3 => prop::sample::select(known),
        1 => "[A-Z_]{3,12}".prop_map(|s| T::from(s.as_str())),
    ]
}

fn product() -> impl Strategy<Value = ProductCouponEntity> {
    (
        text(),
        wire(ProductCouponScope::KNOWN),
        wire(ProductCouponType::KNOWN),
        wire(UsageMode::KNOWN),
        option::of((option::of(any::<i64>()), option::of(any::<i64>()))),
        option::of(text()),
        option::of(prop::collection::vec(text(), 0..3)),
        wire(ProductCouponState::KNOWN),
        option::of(time()),
        text(),
    )
        .prop_map(
            |(id, scope, kind, mode, discount, name, images, state, deactivated, brand)| {
                ProductCouponEntity {
                    product_coupon_id: id,
                    scope,
                    coupon_type: kind,
                    usage_mode: mode,
                    single_usage_info: discount.map(|(threshold, percent_off)| SingleUsageInfo {
                        normal_coupon: None,
                        discount_coupon: Some(DiscountCouponUsageRule {
                            threshold,
                            percent_off,
                        }),
                    }),
                    progressive_bundle_usage_info: None,
                    sequential_usage_info: None,
                    display_info: ProductCouponDisplayInfo {
                        name,
                        detail_image_url_list: images,
                        ..Default::default()
                    },
                    out_product_no: None,
                    state,
                    deactivate_request_no: None,
                    deactivate_time: deactivated,
                    deactivate_reason: None,
                    brand_id: brand,
                }
            },
        )
}

fn stock() -> impl Strategy<Value = StockEntity> {
    (
        text(),
        wire(CouponCodeMode::KNOWN),
        (
            option::of(any::<i64>()),
            option::of(any::<i64>()),
            option::of(any::<i64>()),
        ),
        option::of((
            option::of(time()),
            option::of(time()),
            option::of(0i64..400),
        )),
        option::of(prop::collection::vec(wire(Weekday::KNOWN), 0..7)),
        option::of(prop::collection::vec(wire(CouponUsageMethod::KNOWN), 0..4)),
        wire(StockStoreScope::KNOWN),
        (option::of(0i64..1_000_000), option::of(0i64..1000)),
        wire(StockState::KNOWN),
    )
        .prop_map(
            |(
                id,
                mode,
                (max, per_day, per_user),
                period,
                days,
                methods,
                scope,
                (total, today),
                state,
            )| StockEntity {
                product_coupon_id: "1000000013".into(),
                stock_id: id,
                remark: None,
                coupon_code_mode: mode,
                coupon_code_count_info: None,
                stock_send_rule: StockSendRule {
                    max_count: max,
                    max_count_per_day: per_day,
                    max_count_per_user: per_user,
                },
                single_usage_rule: period.map(|(begin, end, available_days)| SingleUsageRule {
                    coupon_available_period: Some(CouponAvailablePeriod {
                        available_begin_time: begin,
                        available_end_time: end,
                        available_days,
                        weekly_available_period: days.map(|d| FixedWeekPeriod {
                            day_list: Some(d),
                            day_period_list: None,
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                usage_rule_display_info: UsageRuleDisplayInfo {
                    coupon_usage_method_list: methods,
                    ..Default::default()
                },
                coupon_display_info: CouponDisplayInfo::default(),
                notify_config: NotifyConfig::default(),
                store_scope: scope,
                sent_count_info: StockSentCountInfo {
                    total_count: total,
                    today_count: today,
                },
                state,
                deactivate_request_no: None,
                deactivate_time: None,
                deactivate_reason: None,
                brand_id: "120344".into(),
                ..Default::default()
            },
        )
}

fn entity() -> impl Strategy<Value = UserProductCouponEntity> {
    (
        (
            text(),
            wire(UserProductCouponState::KNOWN),
            time(),
            time(),
            time(),
            text(),
        ),
        wire(UserProductCouponSendChannel::KNOWN),
        (option::of(text()), option::of(time())),
        option::of(Just(CouponUsageDetail::default())),
        product(),
        stock(),
        option::of(text()),
        option::of(text().prop_map(CouponTagInfo::member)),
    )
        .prop_map(
            |(
                (code, state, begin, end, received, no),
                channel,
                (confirm_no, confirm_time),
                usage,
                product,
                stock,
                attach,
                tags,
            )| {
                UserProductCouponEntity {
                    coupon_code: code,
                    coupon_state: state,
                    valid_begin_time: begin,
                    valid_end_time: end,
                    receive_time: received,
                    send_request_no: no,
                    send_channel: channel,
                    confirm_request_no: confirm_no,
                    confirm_time,
                    deactivate_request_no: None,
                    deactivate_time: None,
                    deactivate_reason: None,
                    single_usage_detail: usage,
                    progressive_bundle_usage_detail: None,
                    sequential_usage_detail: None,
                    user_product_coupon_bundle_info: None,
                    product_coupon: product,
                    stock,
                    attach,
                    channel_custom_info: None,
                    coupon_tag_info: tags,
                    brand_id: "120344".into(),
                }
            },
        )
}

fn request() -> impl Strategy<Value = SendUserProductCouponRequest> {
    (
        ".{0,40}",
        option::of(".{0,50}"),
        (".{0,50}", ".{0,50}", ".{0,50}", ".{0,140}", ".{0,20}"),
        option::of(".{0,200}"),
        option::of((
            prop::collection::vec(".{0,10}", 0..3),
            option::of(".{0,10}"),
        )),
    )
        .prop_map(
            |(
                openid,
                coupon_code,
                (product_coupon_id, appid, stock_id, send_request_no, brand_id),
                attach,
                tags,
            )| {
                let mut r = SendUserProductCouponRequest::new(
                    openid,
                    product_coupon_id,
                    stock_id,
                    appid,
                    send_request_no,
                )
                .with_brand_id(brand_id);
                r.coupon_code = coupon_code;
                r.attach = attach;
                r.coupon_tag_info = tags.map(|(list, card)| CouponTagInfo {
                    coupon_tag_list: Some(
                        list.iter()
                            .map(|t| UserProductCouponTag::from(t.as_str()))
                            .collect(),
                    ),
                    member_tag_info: card.map(|member_card_id| MemberTagInfo { member_card_id }),
                });
                r
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn entity_json_round_trip(e in entity()) {
        let json = serde_json::to_string(&e).expect("serialize");
        let back: UserProductCouponEntity = serde_json::from_str(&json).expect("parse");
        prop_assert_eq!(&back, &e);
        prop_assert_eq!(serde_json::to_string(&back).expect("again"), json);
    }

    #[test]
    fn request_round_trip_and_validation_never_panics(r in request()) {
        let verdict = r.validate();
        let body = r.to_body().expect("serialize");
        let decoded = SendUserProductCouponRequest::from_body(r.openid(), &body);
        // The server-side decoder agrees with client-side validation.
        prop_assert_eq!(decoded.is_ok(), verdict.is_ok());
        if let Ok(decoded) = decoded {
            prop_assert_eq!(decoded, r);
        }
    }

    #[test]
    fn decoder_never_panics_on_bytes(openid in ".{0,10}", body in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = SendUserProductCouponRequest::from_body(&openid, &body);
    }

    #[test]
    fn decoder_never_panics_on_json_shapes(value in json_value()) {
        let body = serde_json::to_vec(&value).expect("json");
        let _ = SendUserProductCouponRequest::from_body("o1", &body);
    }

    #[test]
    fn times_round_trip(t in time()) {
        let again: WxTime = t.to_string().parse().expect("parse");
        prop_assert_eq!(again, t);
        prop_assert!(t.to_string().ends_with("+08:00"));
    }
}

/// Arbitrary JSON, with the request's field names likely so that typed paths are reached.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("stock_id".to_owned()),
        Just("coupon_tag_info".to_owned()),
        Just("coupon_tag_list".to_owned()),
        Just("member_tag_info".to_owned()),
        Just("member_card_id".to_owned()),
        Just("attach".to_owned()),
        Just("stock".to_owned()),
        Just("display_info".to_owned()),
        Just("associated_order_info".to_owned()),
        Just("use_time".to_owned()),
        Just("stock_bundle".to_owned()),
        Just("filename".to_owned()),
        Just("sha256".to_owned()),
        "[a-z_]{1,8}"
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

mod operations;
