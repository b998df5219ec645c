//! Concurrency: 16 identical copies of every keyed write act once and answer alike; the
//! same number with another body is refused; budgets hold exactly under 64-way races of
//! bundle sends, single sends and budget updates.

use serde_json::Value;
use tokio::task::JoinSet;
use wxpay_mock::fixtures::dev;
use wxpay_models::product_coupon::{
    CreateProductCouponRequest, DeactivateProductCouponRequest, UpdateProductCouponRequest,
};
use wxpay_models::stock::{
    CreateStockRequest, GetStockRequest, UpdateStockBudgetRequest, UpdateStockRequest,
    UploadCouponCodesRequest,
};
use wxpay_models::stock_bundle::{
    CreateStockBundleRequest, UpdateStockBundleBudgetRequest, UpdateStockBundleRequest,
};
use wxpay_models::user_coupon_bundle::{
    DeactivateUserProductCouponBundleRequest, PreSendUserProductCouponBundleRequest,
};
use wxpay_models::{
    CouponCodeMode, Endpoint, Mode, SendUserProductCouponRequest, StockSendRule, StockStoreScope,
    UpdateMode,
};
use wxpay_testkit::fixtures::ForBrand;
use wxpay_testkit::http_client::Answer;

use crate::catalog::bundles::{send, three_rounds};
use crate::catalog::{
    Api, biz, bundle, no, product_display, send_rule, server, single_product, single_stock, stock,
    stop_stock,
};

/// `n` copies of `request` at once.
async fn burst<E: Endpoint>(api: &Api, request: &E, n: usize) -> Vec<Answer> {
    let mut set = JoinSet::new();
    for _ in 0..n {
        let (api, request) = (api.clone(), request.clone());
        set.spawn(async move { api.call(&request).await });
    }
    set.join_all().await
}

/// 16 identical copies: all succeed with the same answer (one acted, the others replayed);
/// then the same number with `other` is refused with `conflict`. Returns the answer.
async fn once<E: Endpoint>(api: &Api, request: &E, other: &E, conflict: &str) -> Value {
    let answers = burst(api, request, 16).await;
    let first = answers[0].json();
    for a in &answers {
        assert_eq!(
            a.status,
            200,
            "{} ({}): {}",
            E::OPERATION.name,
            api.mode,
            String::from_utf8_lossy(&a.body)
        );
        assert_eq!(
            a.json(),
            first,
            "{} replays answer the first result",
            E::OPERATION.name
        );
    }
    let refused = api.call(other).await;
    assert_eq!(
        (refused.status.as_u16(), refused.code(), biz(&refused)),
        (400, conflict.to_owned(), Some(268_578_927)),
        "{} ({})",
        E::OPERATION.name,
        api.mode
    );
    first
}

async fn stock_of(api: &Api, pid: &str, sid: &str) -> wxpay_models::StockEntity {
    api.ok(&GetStockRequest::new(pid, sid).for_brand(api.brand_id()))
        .await
}

#[tokio::test]
async fn every_keyed_write_acts_once_under_sixteen_identical_copies() {
    let server = server().await;
    for api in Api::both(&server.base_url()) {
        let b = api.brand_id();
        const DUP: &str = "ALREADY_EXISTS";
        const OTHER: &str = "INVALID_REQUEST";
        let create = single_product(
            &api,
            stock(
                CouponCodeMode::Upload,
                StockStoreScope::None,
                send_rule(100, Some(50), 5),
            ),
        );
        let made = once(&api, &create, &renamed(&create), DUP).await;
        let pid = made["product_coupon_id"].as_str().unwrap().to_owned();
        let sid = made["stock"]["stock_id"].as_str().unwrap().to_owned();
        // Exactly one product coupon was made: the next one has the next id.
        let next: u64 = pid.parse().unwrap();
        let after = api
            .ok(&single_product(
                &api,
                stock(
                    CouponCodeMode::Wechatpay,
                    StockStoreScope::None,
                    send_rule(1, None, 1),
                ),
            ))
            .await;
        assert_eq!(
            after.product_coupon.product_coupon_id,
            (next + 1).to_string()
        );

        let update =
            UpdateProductCouponRequest::new(pid.clone(), no("UP"), product_display("改名了的券"))
                .for_brand(b.clone());
        once(
            &api,
            &update,
            &{
                let mut r = update.clone();
                *r.display_info_mut() = product_display("又改名的券");
                r
            },
            OTHER,
        )
        .await;

        let add = CreateStockRequest::new(
            pid.clone(),
            no("ST"),
            stock(
                CouponCodeMode::Wechatpay,
                StockStoreScope::None,
                send_rule(100, Some(50), 5),
            ),
        )
        .for_brand(b.clone());
        let mut other = add.clone();
        other.stock_mut().remark = Some("other".into());
        let added = once(&api, &add, &other, DUP).await;
        assert_eq!(added["stock_id"], format!("{pid}002"), "one stock added");

        let edit = {
            let mut r =
                UpdateStockRequest::new(pid.clone(), sid.clone(), no("US")).with_remark("a");
            r.brand_id = b.clone();
            r
        };
        once(&api, &edit, &edit.clone().with_remark("b"), OTHER).await;

        // A second application would fail (current_max_count no longer live).
        let budget =
            UpdateStockBudgetRequest::new(pid.clone(), sid.clone(), no("BU"), UpdateMode::MaxCount)
                .with_current_max_count(100)
                .with_target_max_count(90)
                .for_brand(b.clone());
        once(
            &api,
            &budget,
            &budget.clone().with_target_max_count(80),
            OTHER,
        )
        .await;

        let codes = UploadCouponCodesRequest::new(
            pid.clone(),
            sid.clone(),
            no("UC"),
            vec!["R1".into(), "R2".into()],
        )
        .for_brand(b.clone());
        let uploaded = once(
            &api,
            &codes,
            &{
                let mut r = codes.clone();
                *r.code_list_mut() = vec!["R3".into()];
                r
            },
            OTHER,
        )
        .await;
        assert_eq!(
            uploaded["success_code_list"],
            serde_json::json!(["R1", "R2"])
        );
        assert_eq!(
            stock_of(&api, &pid, &sid)
                .await
                .coupon_code_count_info
                .unwrap()
                .total_count,
            Some(2)
        );

        let stop = stop_stock(&api, &pid, &format!("{pid}002"));
        once(
            &api,
            &stop,
            &{
                let mut r = stop.clone();
                *r.deactivate_reason_mut() = "b".into();
                r
            },
            OTHER,
        )
        .await;

        let (bpid, first) = three_rounds(&api, send_rule(100, None, 5)).await;
        let add_bundle = CreateStockBundleRequest::new(
            bpid.clone(),
            no("SB"),
            bundle(3, send_rule(100, None, 5), StockStoreScope::None),
        )
        .for_brand(b.clone());
        let mut other = add_bundle.clone();
        other.stock_bundle_mut().remark = Some("other".into());
        let added = once(&api, &add_bundle, &other, DUP).await;
        assert_eq!(
            added["stock_bundle_id"],
            format!("{bpid}B002"),
            "one bundle added"
        );
        assert_eq!(
            added["stock_list"][2]["stock_id"],
            format!("{bpid}006"),
            "three stocks added"
        );

        let bid = first.stock_bundle_id.clone();
        let edit = {
            let mut r =
                UpdateStockBundleRequest::new(bpid.clone(), bid.clone(), no("UB")).with_remark("a");
            r.brand_id = b.clone();
            r
        };
        once(&api, &edit, &edit.clone().with_remark("b"), OTHER).await;
        let budget = UpdateStockBundleBudgetRequest::new(
            bpid.clone(),
            bid.clone(),
            no("BB"),
            UpdateMode::MaxCount,
        )
        .with_current_max_count(100)
        .with_target_max_count(90)
        .for_brand(b.clone());
        once(
            &api,
            &budget,
            &budget.clone().with_target_max_count(80),
            OTHER,
        )
        .await;

        if api.mode == Mode::Partner {
            let request = send(&bpid, &bid, "o-race");
            let sent = once(
                &api,
                &request,
                &{
                    let mut r = request.clone();
                    r.attach = None;
                    r
                },
                OTHER,
            )
            .await;
            for s in &first.stock_list {
                assert_eq!(
                    stock_of(&api, &bpid, &s.stock_id)
                        .await
                        .sent_count_info
                        .total_count,
                    Some(1),
                    "one coupon per round"
                );
            }
            let pre = PreSendUserProductCouponBundleRequest::new(
                "o-race-2",
                bpid.clone(),
                bid.clone(),
                dev::APPID,
                no("PS"),
            )
            .for_brand(b.clone());
            once(&api, &pre, &pre.clone().with_attach("x"), OTHER).await;
            let off = DeactivateUserProductCouponBundleRequest::new(
                "o-race",
                sent["user_coupon_bundle_id"].as_str().unwrap(),
                bpid.clone(),
                bid.clone(),
                dev::APPID,
                no("DU"),
                "a",
            )
            .for_brand(b.clone());
            once(
                &api,
                &off,
                &{
                    let mut r = off.clone();
                    *r.deactivate_reason_mut() = "b".into();
                    r
                },
                OTHER,
            )
            .await;
        }

        let gone =
            DeactivateProductCouponRequest::new(pid.clone(), no("DP"), "a").for_brand(b.clone());
        once(
            &api,
            &gone,
            &{
                let mut r = gone.clone();
                *r.deactivate_reason_mut() = "b".into();
                r
            },
            OTHER,
        )
        .await;
    }
}

/// `create` with another name: the same number, another body.
fn renamed(r: &CreateProductCouponRequest) -> CreateProductCouponRequest {
    {
        let mut r = r.clone();
        *r.display_info_mut() = product_display("别的名字券");
        r
    }
}

/// Statuses of a burst, counted.
fn tally(answers: &[Answer]) -> std::collections::BTreeMap<u16, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for a in answers {
        *counts.entry(a.status.as_u16()).or_default() += 1;
    }
    counts
}

/// A single-send stock made through the API with `rule`; (product coupon, stock).
async fn wechatpay_stock(api: &Api, rule: StockSendRule) -> (String, String) {
    single_stock(api, CouponCodeMode::Wechatpay, StockStoreScope::None, rule).await
}

fn single_send(pid: &str, sid: &str, openid: &str) -> SendUserProductCouponRequest {
    SendUserProductCouponRequest::new(openid, pid, sid, dev::APPID, no("R"))
        .with_brand_id(dev::BRAND_ID)
}

/// 64 sends at once, each built by `request(i)`.
async fn sixty_four<E: Endpoint>(api: &Api, request: impl Fn(usize) -> E) -> Vec<Answer> {
    let mut set = JoinSet::new();
    for i in 0..64 {
        let (api, request) = (api.clone(), request(i));
        set.spawn(async move { api.call(&request).await });
    }
    set.join_all().await
}

#[tokio::test]
async fn budgets_are_exact_under_sixty_four_concurrent_sends() {
    let server = server().await;
    let api = Api::partner(&server.base_url());

    // Bundles: max_count 50 per round → exactly 50 bundles, every round 50.
    let (pid, bundle_50) = three_rounds(&api, send_rule(50, None, 100)).await;
    let answers = sixty_four(&api, |i| {
        send(&pid, &bundle_50.stock_bundle_id, &format!("o-b50-{i}"))
    })
    .await;
    assert_eq!(tally(&answers), [(200, 50), (403, 14)].into());
    for s in &bundle_50.stock_list {
        assert_eq!(
            stock_of(&api, &pid, &s.stock_id)
                .await
                .sent_count_info
                .total_count,
            Some(50)
        );
    }
    // The per-user cap of bundles: 3 for one user.
    let (pid, per_user) = three_rounds(&api, send_rule(1000, None, 3)).await;
    let answers = sixty_four(&api, |_| {
        send(&pid, &per_user.stock_bundle_id, "o-one-user")
    })
    .await;
    assert_eq!(tally(&answers), [(200, 3), (400, 61)].into());
    assert!(
        answers
            .iter()
            .filter(|a| a.status == 400)
            .all(|a| biz(a) == Some(272_756_740))
    );

    // Single sends from API-made stocks: the total cap, then the daily cap.
    let (pid, sid) = wechatpay_stock(&api, send_rule(50, None, 1)).await;
    let answers = sixty_four(&api, |i| single_send(&pid, &sid, &format!("o-s50-{i}"))).await;
    assert_eq!(tally(&answers), [(200, 50), (403, 14)].into());
    assert_eq!(
        stock_of(&api, &pid, &sid).await.sent_count_info.total_count,
        Some(50)
    );
    let (pid, sid) = wechatpay_stock(&api, send_rule(1000, Some(20), 1)).await;
    let answers = sixty_four(&api, |i| single_send(&pid, &sid, &format!("o-d20-{i}"))).await;
    assert_eq!(tally(&answers), [(200, 20), (403, 44)].into());
    assert_eq!(
        stock_of(&api, &pid, &sid).await.sent_count_info.today_count,
        Some(20)
    );
}

#[tokio::test]
async fn budget_updates_racing_sends_never_let_sent_pass_the_cap() {
    let server = server().await;
    let api = Api::partner(&server.base_url());
    for (from, to) in [(40, 30), (20, 45)] {
        let (pid, sid) = wechatpay_stock(&api, send_rule(from, None, 1)).await;
        let mut set = JoinSet::new();
        for i in 0..64 {
            let (api, request) = (
                api.clone(),
                single_send(&pid, &sid, &format!("o-u{from}-{i}")),
            );
            set.spawn(async move { api.call(&request).await.status == 200 });
        }
        let update =
            UpdateStockBudgetRequest::new(pid.clone(), sid.clone(), no("BU"), UpdateMode::MaxCount)
                .with_current_max_count(from)
                .with_target_max_count(to)
                .for_brand(api.brand_id());
        let updated = api.call(&update).await;
        let sent_ok = set.join_all().await.into_iter().filter(|ok| *ok).count() as i64;
        let stock = stock_of(&api, &pid, &sid).await;
        let (sent, cap) = (
            stock.sent_count_info.total_count.unwrap(),
            stock.stock_send_rule.max_count.unwrap(),
        );
        assert_eq!(sent, sent_ok, "every success is one coupon");
        assert!(
            sent <= cap && sent <= from.max(to),
            "sent {sent}, cap {cap}"
        );
        // The update either applied (and nothing went past it) or came after more were sent.
        if updated.status == 200 {
            assert_eq!(cap, to);
        } else {
            assert!(
                updated.json()["message"]
                    .as_str()
                    .unwrap()
                    .contains("already sent"),
                "{}",
                String::from_utf8_lossy(&updated.body)
            );
            assert_eq!((cap, sent > to), (from, true));
        }
    }
    // The same for a bundle: every round moves together.
    let (pid, racing) = three_rounds(&api, send_rule(40, None, 1)).await;
    let mut set = JoinSet::new();
    for i in 0..64 {
        let (api, request) = (
            api.clone(),
            send(&pid, &racing.stock_bundle_id, &format!("o-ub-{i}")),
        );
        set.spawn(async move { api.call(&request).await.status == 200 });
    }
    let update = UpdateStockBundleBudgetRequest::new(
        pid.clone(),
        racing.stock_bundle_id.clone(),
        no("BB"),
        UpdateMode::MaxCount,
    )
    .with_current_max_count(40)
    .with_target_max_count(30)
    .for_brand(api.brand_id());
    let updated = api.call(&update).await.status == 200;
    let sent_ok = set.join_all().await.into_iter().filter(|ok| *ok).count() as i64;
    for s in &racing.stock_list {
        let stock = stock_of(&api, &pid, &s.stock_id).await;
        let (sent, cap) = (
            stock.sent_count_info.total_count.unwrap(),
            stock.stock_send_rule.max_count.unwrap(),
        );
        assert_eq!(sent, sent_ok);
        assert!(sent <= cap);
        assert_eq!(cap, if updated { 30 } else { 40 });
    }
}
