//! The operations beyond send: entities and requests survive JSON; `validate` and
//! `Decode::decode` never panic; what `encode` sends, `decode` reads back unchanged.

use std::fmt::Debug;

use proptest::option;
use proptest::prelude::*;
use wxpay_models::media::{ImageGenerationTaskEntity, UploadImageRequest};
use wxpay_models::product_coupon::CreateProductCouponRequest;
use wxpay_models::stock::{
    FailedCouponCode, FailedCouponCodeInfo, ListStocksResponse, UpdateStockBudgetRequest,
    UploadCouponCodesResponse,
};
use wxpay_models::user_coupon::{ListUserProductCouponsRequest, UseUserProductCouponRequest};
use wxpay_models::*;

use super::{json_value, stock, text, time, wire};
use wxpay_models::examples as fixtures;

fn id(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[0-9A-Za-z_-]{{6,{max}}}")).expect("regex")
}

/// A path segment: printable, no spaces, reserved characters included.
fn segment() -> impl Strategy<Value = String> {
    "[!-~\u{4e00}-\u{4e10}]{1,24}"
}

fn order() -> impl Strategy<Value = AssociatedOrderInfo> {
    (option::of("[0-9]{10,28}"), "[A-Za-z0-9]{6,32}", "[0-9]{10}").prop_map(
        |(transaction_id, out_trade_no, mchid)| AssociatedOrderInfo {
            transaction_id,
            out_trade_no: Some(out_trade_no),
            mchid: Some(mchid),
            sub_mchid: None,
        },
    )
}

fn use_request() -> impl Strategy<Value = UseUserProductCouponRequest> {
    (
        (segment(), segment(), id(40)),
        time(),
        prop_oneof![
            order().prop_map(|o| (Some(o), None)),
            "[0-9]{10,28}".prop_map(|id| (
                None,
                Some(AssociatedPayScoreOrderInfo {
                    order_id: Some(id),
                    ..Default::default()
                })
            )),
        ],
        (
            option::of(0i64..15),
            option::of("[0-9]{1,20}"),
            option::of(0i64..1_000_000),
        ),
    )
        .prop_map(
            |(
                (openid, coupon_code, out_request_no),
                use_time,
                (order, pay_score),
                (index, store, saved),
            )| {
                let mut r = fixtures::use_coupon();
                *r.openid_mut() = openid;
                *r.coupon_code_mut() = coupon_code;
                *r.use_time_mut() = Some(use_time);
                r.associated_order_info = order;
                r.associated_pay_score_order_info = pay_score;
                *r.out_request_no_mut() = out_request_no;
                r.sequential_coupon_index = index;
                r.store_id = store;
                r.saved_amount = saved;
                r
            },
        )
}

fn list_request() -> impl Strategy<Value = ListUserProductCouponsRequest> {
    (
        segment(),
        "\\PC{1,30}",
        option::of("\\PC{1,20}"),
        option::of(prop::sample::select(UserProductCouponState::KNOWN)),
        option::of(1i64..=50),
        option::of("[A-Za-z0-9+/=]{1,40}"),
    )
        .prop_map(|(openid, appid, stock_id, state, page_size, page_token)| {
            let mut r = ListUserProductCouponsRequest::new(openid, appid);
            r.stock_id = stock_id;
            r.coupon_state = state;
            r.page_size = page_size;
            r.page_token = page_token;
            r
        })
}

fn create_request() -> impl Strategy<Value = CreateProductCouponRequest> {
    (
        "\\PC{3,15}",
        1i64..1_000_000,
        any::<prop::sample::Index>(),
        option::of("\\PC{1,40}"),
    )
        .prop_map(|(name, threshold, cut, out_product_no)| {
            let mut r = fixtures::create_product_coupon();
            r.display_info_mut().name = Some(name);
            r.out_product_no = out_product_no;
            r.single_usage_info = Some(SingleUsageInfo {
                normal_coupon: Some(NormalCouponUsageRule {
                    threshold: Some(threshold),
                    discount_amount: Some(1 + cut.index(threshold as usize) as i64),
                }),
                discount_coupon: None,
            });
            r
        })
}

fn budget_request() -> impl Strategy<Value = UpdateStockBudgetRequest> {
    (
        any::<bool>(),
        0i64..=100_000_000,
        1i64..=100_000_000,
        segment(),
    )
        .prop_map(|(total, current, target, stock_id)| {
            let mut r = fixtures::update_stock_budget();
            *r.stock_id_mut() = stock_id;
            if total {
                r.current_max_count = Some(current);
                r.target_max_count = Some(target);
            } else {
                *r.update_mode_mut() = UpdateMode::MaxCountPerDay;
                r.current_max_count = None;
                r.target_max_count = None;
                r.current_max_count_per_day = Some(current);
                r.target_max_count_per_day = Some(target);
            }
            r
        })
}

fn upload_request() -> impl Strategy<Value = UploadImageRequest> {
    (
        "[a-z0-9_\u{4e00}-\u{4e10}]{1,20}",
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..2000),
    )
        .prop_map(|(stem, png, tail)| {
            let (ext, magic): (&str, &[u8]) = if png {
                ("png", b"\x89PNG\r\n\x1a\n")
            } else {
                ("JPG", b"\xff\xd8\xff")
            };
            let mut file = magic.to_vec();
            file.extend(tail);
            UploadImageRequest::new(format!("{stem}.{ext}"), file)
        })
}

/// Encodes for `mode`, then decodes as a server would from the path, query and body.
fn wire_round_trip<E: Decode + PartialEq + Debug>(
    request: &E,
    mode: Mode,
) -> Result<(), TestCaseError> {
    let brand = Some("120344");
    let wire = encode(
        request,
        Target {
            mode,
            brand_id: brand,
        },
    )
    .map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
    let (path, query) = match wire.path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (wire.path_and_query.as_str(), None),
    };
    let (got_mode, rest) = Mode::split_path(path).expect("prefix");
    prop_assert_eq!(got_mode, mode);
    let params = E::OPERATION.match_path(rest).expect("template");
    let decoded = E::decode(&RawRequest {
        path: &params,
        query,
        body: &wire.body,
    })
    .map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
    let mut expected = request.clone();
    let carried = mode == Mode::Partner && E::OPERATION.carries_brand;
    expected.set_brand_id(if carried {
        brand.map(str::to_owned)
    } else {
        None
    });
    prop_assert_eq!(decoded, expected);
    Ok(())
}

fn json_round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + Debug>(
    value: &T,
) -> Result<(), TestCaseError> {
    let json = serde_json::to_string(value).expect("serialize");
    let back: T = serde_json::from_str(&json).expect("parse");
    prop_assert_eq!(&back, value);
    prop_assert_eq!(serde_json::to_string(&back).expect("again"), json);
    Ok(())
}

fn detail() -> impl Strategy<Value = ProgressiveBundleUsageDetail> {
    (
        option::of(text()),
        option::of(time()),
        option::of(order()),
        option::of(0i64..100),
        option::of(prop::collection::vec(
            (option::of(wire(DetailState::KNOWN)), option::of(time())),
            0..3,
        )),
    )
        .prop_map(
            |(use_no, use_time, order, total, items)| ProgressiveBundleUsageDetail {
                usage: CouponUsageDetail {
                    use_request_no: use_no,
                    use_time,
                    associated_order_info: order,
                    ..Default::default()
                },
                rounds: SequentialUsageDetail {
                    total_count: total,
                    used_count: None,
                    detail_item_list: items.map(|items| {
                        items
                            .into_iter()
                            .map(|(state, deleted)| SequentialUsageDetailItem {
                                detail_state: state,
                                delete_time: deleted,
                                ..Default::default()
                            })
                            .collect()
                    }),
                },
            },
        )
}

fn failed_code() -> impl Strategy<Value = FailedCouponCode> {
    prop_oneof![
        text().prop_map(FailedCouponCode::Code),
        (option::of(text()), option::of(text())).prop_map(|(code, message)| {
            FailedCouponCode::Info(FailedCouponCodeInfo {
                coupon_code: Some("C1".into()),
                code,
                message,
            })
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn new_entities_survive_json(
        d in detail(),
        failed in prop::collection::vec(failed_code(), 0..3),
        s in stock(),
        bundle_index in 0i64..15,
        task_state in wire(TaskState::KNOWN),
    ) {
        json_round_trip(&d)?;
        json_round_trip(&UploadCouponCodesResponse {
            total_count: 3,
            failed_code_list: Some(failed),
            ..Default::default()
        })?;
        let mut in_bundle = s.clone();
        in_bundle.stock_bundle_info = Some(StockBundleInfo { stock_bundle_id: "B1".into(), stock_bundle_index: bundle_index });
        in_bundle.progressive_bundle_usage_rule = s.single_usage_rule.clone();
        json_round_trip(&StockBundleEntity { stock_bundle_id: "B1".into(), stock_list: vec![in_bundle] })?;
        json_round_trip(&ListStocksResponse { total_count: Some(1), next_page_token: None, stock_list: Some(vec![s]) })?;
        json_round_trip(&ImageGenerationTaskEntity { task_id: "T1".into(), task_state, ..Default::default() })?;
    }

    #[test]
    fn new_requests_survive_json(u in use_request(), c in create_request(), b in budget_request()) {
        // Path parameters are not in the body: the body alone must come back the same.
        let body = serde_json::to_value(&u).expect("json");
        let again: UseUserProductCouponRequest = serde_json::from_value(body.clone()).expect("parse");
        prop_assert_eq!(serde_json::to_value(&again).expect("json"), body);
        json_round_trip(&c)?;
        let body = serde_json::to_value(&b).expect("json");
        let again: UpdateStockBudgetRequest = serde_json::from_value(body.clone()).expect("parse");
        prop_assert_eq!(serde_json::to_value(&again).expect("json"), body);
    }

    #[test]
    fn valid_requests_decode_to_what_was_encoded(
        u in use_request(),
        l in list_request(),
        c in create_request(),
        b in budget_request(),
        up in upload_request(),
    ) {
        for mode in Mode::ALL {
            wire_round_trip(&u, mode)?;
            wire_round_trip(&l, mode)?;
            wire_round_trip(&c, mode)?;
            wire_round_trip(&b, mode)?;
            wire_round_trip(&up, mode)?;
        }
    }

    #[test]
    fn validate_never_panics(u in use_request(), up in upload_request(), s in "\\PC{0,50}", n in any::<i64>()) {
        let mut u = u;
        *u.openid_mut() = s.clone();
        u.sequential_coupon_index = Some(n);
        let _ = u.validate();
        let mut c = fixtures::create_bundle_coupon();
        c.progressive_bundle_usage_info = Some(ProgressiveBundleUsageInfo { count: Some(n), interval_days: Some(n) });
        c.display_info_mut().name = Some(s);
        let _ = c.validate();
        let _ = up.validate();
    }

    #[test]
    fn decode_never_panics_on_bytes(
        body in prop::collection::vec(any::<u8>(), 0..400),
        query in "\\PC{0,60}",
        segment in "\\PC{0,20}",
    ) {
        let path = [("openid", segment.as_str()), ("coupon_code", segment.as_str())];
        let raw = RawRequest { path: &path, query: Some(&query), body: &body };
        let _ = UseUserProductCouponRequest::decode(&raw);
        let _ = CreateProductCouponRequest::decode(&raw);
        let _ = UploadImageRequest::decode(&raw);
        let list_path = [("openid", segment.as_str())];
        let _ = ListUserProductCouponsRequest::decode(&RawRequest { path: &list_path, query: Some(&query), body: &[] });
    }

    #[test]
    fn decode_never_panics_on_json_shapes(value in json_value(), meta in json_value()) {
        let body = serde_json::to_vec(&value).expect("json");
        let raw = RawRequest { body: &body, ..Default::default() };
        let _ = UseUserProductCouponRequest::decode(&raw);
        let _ = CreateProductCouponRequest::decode(&raw);
        let _ = wxpay_models::stock_bundle::CreateStockBundleRequest::decode(&raw);
        // A well-formed multipart body with an arbitrary meta part.
        let mut multipart = b"--b\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n".to_vec();
        multipart.extend(serde_json::to_vec(&meta).expect("json"));
        multipart.extend(b"\r\n--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\x89PNG\r\n\x1a\n\r\n--b--\r\n");
        let _ = UploadImageRequest::decode(&RawRequest { body: &multipart, ..Default::default() });
    }
}
