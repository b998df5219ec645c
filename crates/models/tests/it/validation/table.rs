//! One table over every operation: a valid request, one rule broken, exactly that
//! (field, location, rule) reported.

use std::collections::BTreeSet;

use wxpay_models::media::CutOut;
use wxpay_models::stock::StoreInfo;
use wxpay_models::*;

use wxpay_models::examples::*;

struct Case {
    line: u32,
    run: Box<dyn Fn() -> (&'static str, Vec<FieldError>)>,
    field: &'static str,
    location: Location,
    rule: &'static str,
}

fn errors<E: Endpoint>(r: &E) -> (&'static str, Vec<FieldError>) {
    let errors = Endpoint::validate(r)
        .err()
        .map(|e| e.errors().to_vec())
        .unwrap_or_default();
    (E::OPERATION.name, errors)
}

fn kind(rule: &Rule) -> &'static str {
    match rule {
        Rule::Required => "Required",
        Rule::Length { .. } => "Length",
        Rule::Charset(_) => "Charset",
        Rule::PathUnsafe => "PathUnsafe",
        Rule::MemberTagInfo => "MemberTagInfo",
        Rule::Mode(_) => "Mode",
        Rule::OneOf(_) => "OneOf",
        Rule::Range { .. } => "Range",
        Rule::Items { .. } => "Items",
        _ => "other",
    }
}

/// `t!(valid request, |r| break one rule, "field", Location, Rule kind)`.
macro_rules! t {
    ($base:expr, |$r:ident| $m:expr, $field:expr, $loc:ident, $rule:ident) => {
        Case {
            line: line!(),
            run: Box::new(|| {
                #[allow(unused_mut)]
                let mut $r = $base;
                $m;
                errors(&$r)
            }),
            field: $field,
            location: Location::$loc,
            rule: stringify!($rule),
        }
    };
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    vec![
        // E01 创建商品券, SINGLE of scope ALL.
        t!(create_product_coupon(), |r| *r.out_request_no_mut() = "abc".into(), "out_request_no", Body, Length),
        t!(create_product_coupon(), |r| *r.scope_mut() = Default::default(), "scope", Body, Required),
        t!(create_product_coupon(), |r| *r.usage_mode_mut() = "TWICE".into(), "usage_mode", Body, OneOf),
        t!(create_product_coupon(), |r| r.stock = None, "stock", Body, Required),
        t!(create_product_coupon(), |r| r.stock_bundle = Some(bundle_for_create()), "stock_bundle", Body, Mode),
        t!(create_product_coupon(), |r| r.single_usage_info = None, "single_usage_info", Body, Required),
        t!(create_product_coupon(), |r| r.display_info_mut().name = Some("ab".into()), "display_info.name", Body, Length),
        t!(create_product_coupon(), |r| r.display_info_mut().name = Some("一二三四五六七八九十一二三四五六".into()), "display_info.name", Body, Length),
        t!(create_product_coupon(), |r| r.display_info_mut().image_url = None, "display_info.image_url", Body, Required),
        t!(create_product_coupon(), |r| r.display_info_mut().detail_image_url_list = Some(vec![String::new(); 9]), "display_info.detail_image_url_list", Body, Items),
        t!(create_product_coupon(), |r| r.display_info_mut().combo_package_list = Some(vec![ComboPackage {name: Some("套餐".into()), pick_count: Some(1), choice_list: Some(vec![ComboPackageChoice {name: Some("美式".into()), price: Some(1), count: Some(100), ..Default::default() }]) }]), "display_info.combo_package_list[0].choice_list[0].count", Body, Range),
        t!(create_product_coupon(), |r| r.out_product_no = Some(long(41)), "out_product_no", Body, Length),
        t!(create_product_coupon(), |r| *r.coupon_type_mut() = ProductCouponType::Exchange, "type", Body, Mode),
        t!(create_product_coupon(), |r| r.single_usage_info = Some(SingleUsageInfo {normal_coupon: Some(NormalCouponUsageRule {threshold: Some(100), discount_amount: Some(200) }), discount_coupon: None }), "single_usage_info.normal_coupon.discount_amount", Body, Mode),
        t!(create_product_coupon(), |r| r.single_usage_info = Some(SingleUsageInfo {discount_coupon: Some(DiscountCouponUsageRule {threshold: Some(0), percent_off: Some(30) }), normal_coupon: None }), "single_usage_info.normal_coupon", Body, Required),
        t!(create_product_coupon(), |r| r .stock .as_mut() .map(|s| s.single_usage_rule.as_mut().map(|u| u.discount_coupon = Some(DiscountCouponUsageRule {threshold: Some(0), percent_off: Some(10) }))), "stock.single_usage_rule.discount_coupon", Body, Mode),
        t!(create_product_coupon(), |r| r.sequential_usage_info = Some(Default::default()), "sequential_usage_info", Body, Mode),
        t!(create_product_coupon(), |r| r .stock .as_mut() .map(|s| s.stock_send_rule.max_count = Some(100_000_001)), "stock.stock_send_rule.max_count", Body, Range),
        t!(create_product_coupon(), |r| r .stock .as_mut() .map(|s| s.stock_send_rule.max_count_per_user = Some(101)), "stock.stock_send_rule.max_count_per_user", Body, Range),
        t!(create_product_coupon(), |r| r .stock .as_mut() .map(|s| s.coupon_display_info.background_color = Some("Color999".into())), "stock.coupon_display_info.background_color", Body, OneOf),
        t!(create_product_coupon(), |r| r .stock .as_mut() .map(|s| s.coupon_display_info.code_display_mode = None), "stock.coupon_display_info.code_display_mode", Body, Required),
        t!(create_product_coupon(), |r| r.stock.as_mut().map(|s| {s.usage_rule_display_info.coupon_usage_method_list = Some(vec![CouponUsageMethod::MiniProgram]); s.usage_rule_display_info.mini_program_path = Some("/p".into()) }), "stock.usage_rule_display_info.mini_program_appid", Body, Required),
        t!(create_product_coupon(), |r| r .stock .as_mut() .map(|s| s.usage_rule_display_info.coupon_usage_method_list = Some(vec![CouponUsageMethod::App])), "stock.usage_rule_display_info.app_path", Body, Required),
        t!(create_product_coupon(), |r| r .stock .as_mut() .map(|s| s.usage_rule_display_info.usage_description = Some(long(1001))), "stock.usage_rule_display_info.usage_description", Body, Length),
        t!(create_product_coupon(), |r| r .stock .as_mut() .map(|s| s.notify_config.notify_appid = None), "stock.notify_config.notify_appid", Body, Required),
        t!(create_product_coupon(), |r| r.stock.as_mut().map(|s| s.remark = Some(long(21))), "stock.remark", Body, Length),
        t!(create_product_coupon(), |r| r.brand_id = Some(long(65)), "brand_id", Body, Length),
        // E01, PROGRESSIVE_BUNDLE.
        t!(create_bundle_coupon(), |r| r.progressive_bundle_usage_info = None, "progressive_bundle_usage_info", Body, Required),
        t!(create_bundle_coupon(), |r| r.progressive_bundle_usage_info = Some(ProgressiveBundleUsageInfo {count: Some(16), interval_days: None }), "progressive_bundle_usage_info.count", Body, Range),
        t!(create_bundle_coupon(), |r| r.progressive_bundle_usage_info = Some(ProgressiveBundleUsageInfo {count: Some(3), interval_days: Some(8) }), "progressive_bundle_usage_info.interval_days", Body, Range),
        t!(create_bundle_coupon(), |r| r.progressive_bundle_usage_info = Some(ProgressiveBundleUsageInfo {count: Some(4), interval_days: None }), "stock_bundle.progressive_bundle_usage_rule.discount_coupon_list", Body, Mode),
        t!(create_bundle_coupon(), |r| r.stock_bundle = None, "stock_bundle", Body, Required),
        t!(create_bundle_coupon(), |r| r.stock = Some(stock_for_create()), "stock", Body, Mode),
        t!(create_bundle_coupon(), |r| r .stock_bundle .as_mut() .and_then(|b| b.progressive_bundle_usage_rule.as_mut()) .map(|u| u.normal_coupon_list = Some(vec![])), "stock_bundle.progressive_bundle_usage_rule.normal_coupon_list", Body, Mode),
        t!(create_bundle_coupon(), |r| r .stock_bundle .as_mut() .and_then(|b| b.progressive_bundle_usage_rule.as_mut()) .map(|u| u .discount_coupon_list .as_mut() .map(|l| l[2].percent_off = Some(15))), "stock_bundle.progressive_bundle_usage_rule.discount_coupon_list[2].percent_off", Body, Mode),
        t!(create_bundle_coupon(), |r| r .stock_bundle .as_mut() .map(|b| b.coupon_code_mode = CouponCodeMode::ApiAssign), "stock_bundle.coupon_code_mode", Body, OneOf),
        t!(create_bundle_coupon(), |r| r .stock_bundle .as_mut() .map(|b| b.stock_send_rule.max_count_per_user = None), "stock_bundle.stock_send_rule.max_count_per_user", Body, Required),
        // Validity periods (on E05's stock).
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {available_end_time: Some("2025-07-01T00:00:00+08:00".parse().expect("t")), ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.available_end_time", Body, Mode),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {available_end_time: Some("2026-08-05T00:00:00+08:00".parse().expect("t")), ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.available_end_time", Body, Mode),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {available_begin_time: None, ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.available_begin_time", Body, Required),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {available_days: Some(366), ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.available_days", Body, Range),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {wait_days_after_receive: Some(31), ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.wait_days_after_receive", Body, Range),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {wait_days_after_receive: Some(1), available_days: None, ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.wait_days_after_receive", Body, Mode),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {irregular_available_period_list: Some(vec![TimePeriod {begin_time: period().available_begin_time, end_time: period().available_end_time }]), ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.available_days", Body, Mode),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {available_days: None, irregular_available_period_list: Some(vec![ TimePeriod {begin_time: period().available_begin_time, end_time: period().available_end_time }; 3 ]), ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.irregular_available_period_list", Body, Items),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {weekly_available_period: Some(FixedWeekPeriod {day_list: Some(vec![]), day_period_list: None }), ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.weekly_available_period.day_list", Body, Required),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {coupon_available_period: Some(CouponAvailablePeriod {weekly_available_period: Some(FixedWeekPeriod {day_list: Some(vec![Weekday::Monday]), day_period_list: Some(vec![PeriodOfTheDay {begin_time: Some(600), end_time: Some(60) }]) }), ..period() }), ..Default::default() }), "stock.single_usage_rule.coupon_available_period.weekly_available_period.day_period_list[0].end_time", Body, Mode),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = None, "stock.single_usage_rule", Body, Required),
        t!(create_stock(), |r| r.stock_mut().sequential_usage_rule = Some(SequentialUsageRule {coupon_available_period: Some(period()), ..Default::default() }), "stock.sequential_usage_rule", Body, Mode),
        t!(create_stock(), |r| r.stock_mut().single_usage_rule = Some(SingleUsageRule {discount_coupon: Some(DiscountCouponUsageRule {threshold: Some(0), percent_off: Some(100) }), coupon_available_period: Some(period()), ..Default::default() }), "stock.single_usage_rule.discount_coupon.percent_off", Body, Range),
        t!(create_stock(), |r| r.stock_mut().coupon_code_mode = Default::default(), "stock.coupon_code_mode", Body, Required),
        t!(create_stock(), |r| *r.product_coupon_id_mut() = "a b".into(), "product_coupon_id", Path, PathUnsafe),
        // E02–E04.
        t!(query_product_coupon(), |r| r.product_coupon_id_mut().clear(), "product_coupon_id", Path, Required),
        t!(query_product_coupon(), |r| r.brand_id = Some(long(65)), "brand_id", Query, Length),
        t!(update_product_coupon(), |r| r.display_info_mut().background_url = None, "display_info.background_url", Body, Required),
        t!(deactivate_product_coupon(), |r| *r.deactivate_reason_mut() = long(151), "deactivate_reason", Body, Length),
        t!(deactivate_product_coupon(), |r| r.deactivate_reason_mut().clear(), "deactivate_reason", Body, Required),
        // E06–E14.
        t!(list_stocks(), |r| r.page_size = Some(51), "page_size", Query, Range),
        t!(list_stocks(), |r| r.page_size = Some(0), "page_size", Query, Range),
        t!(list_stocks(), |r| r.state = Some("ARCHIVED".into()), "state", Query, OneOf),
        t!(list_stocks(), |r| r.stock_bundle_id = Some(long(41)), "stock_bundle_id", Query, Length),
        t!(get_stock(), |r| r.stock_id_mut().clear(), "stock_id", Path, Required),
        t!(update_stock(), |r| r.remark = Some(long(21)), "remark", Body, Length),
        t!(update_stock(), |r| r.store_scope = Some("SOME".into()), "store_scope", Body, OneOf),
        t!(update_stock(), |r| r.coupon_display_info = Some(CouponDisplayInfo {entrance_mini_program: Some(EntranceMiniProgram {appid: Some(APPID.into()), path: Some("/p".into()), entrance_wording: Some("六个字的文案".into()), guidance_wording: None }), ..Default::default() }), "coupon_display_info.entrance_mini_program.entrance_wording", Body, Length),
        t!(update_stock(), |r| r.usage_rule_display_info = Some(UsageRuleDisplayInfo {app_jump_type: Some("APPLET".into()), ..usage_display() }), "usage_rule_display_info.app_jump_type", Body, OneOf),
        t!(update_stock_budget(), |r| *r.update_mode_mut() = Default::default(), "update_mode", Body, Required),
        t!(update_stock_budget(), |r| r.target_max_count = None, "target_max_count", Body, Required),
        t!(update_stock_budget(), |r| r.target_max_count = Some(0), "target_max_count", Body, Range),
        t!(update_stock_budget(), |r| r.current_max_count_per_day = Some(1), "current_max_count_per_day", Body, Mode),
        t!(deactivate_stock(), |r| *r.out_request_no_mut() = "bad.number".into(), "out_request_no", Body, Charset),
        t!(upload_coupon_codes(), |r| *r.code_list_mut() = (0..201).map(|i| format!("c{i}")).collect(), "code_list", Body, Items),
        t!(upload_coupon_codes(), |r| r.code_list_mut().clear(), "code_list", Body, Required),
        t!(upload_coupon_codes(), |r| r.code_list_mut().push("vCode_2".into()), "code_list", Body, Mode),
        t!(upload_coupon_codes(), |r| r.code_list_mut()[0] = "v code".into(), "code_list[0]", Body, Charset),
        t!(upload_coupon_codes(), |r| r.code_list_mut()[1] = long(41), "code_list[1]", Body, Length),
        t!(associate_stores(), |r| *r.store_list_mut() = vec![ StoreInfo {store_id: "S1".into() }; 201 ], "store_list", Body, Items),
        t!(associate_stores(), |r| r.store_list_mut()[0].store_id.clear(), "store_list[0].store_id", Body, Required),
        t!(disassociate_stores(), |r| r.store_list_mut().clear(), "store_list", Body, Required),
        t!(list_associated_stores(), |r| r.page_size = Some(100), "page_size", Query, Range),
        t!(list_associated_stores(), |r| r.page_token = Some(long(257)), "page_token", Query, Length),
        // E15–E19.
        t!(create_stock_bundle(), |r| r.stock_bundle_mut().progressive_bundle_usage_rule = None, "stock_bundle.progressive_bundle_usage_rule", Body, Required),
        t!(create_stock_bundle(), |r| r .stock_bundle_mut() .progressive_bundle_usage_rule .as_mut() .map(|u| u.discount_coupon_list = None), "stock_bundle.progressive_bundle_usage_rule.normal_coupon_list", Body, Mode),
        t!(create_stock_bundle(), |r| r .stock_bundle_mut() .progressive_bundle_usage_rule .as_mut() .map(|u| u.discount_coupon_list.as_mut().map(|l| l.truncate(2))), "stock_bundle.progressive_bundle_usage_rule.discount_coupon_list", Body, Items),
        t!(create_stock_bundle(), |r| r.stock_bundle_mut().store_scope = Default::default(), "stock_bundle.store_scope", Body, Required),
        t!(update_stock_bundle(), |r| r.notify_config = Some(NotifyConfig {notify_appid: Some(String::new()) }), "notify_config.notify_appid", Body, Length),
        t!(update_stock_bundle(), |r| r.stock_bundle_id_mut().clear(), "stock_bundle_id", Path, Required),
        t!(update_stock_bundle_budget(), |r| r.target_max_count = Some(10), "target_max_count", Body, Mode),
        t!(update_stock_bundle_budget(), |r| r.current_max_count_per_day = Some(-1), "current_max_count_per_day", Body, Range),
        t!(associate_bundle_stores(), |r| r.store_list_mut()[0].store_id = long(65), "store_list[0].store_id", Body, Length),
        t!(disassociate_bundle_stores(), |r| *r.product_coupon_id_mut() = "a\nb".into(), "product_coupon_id", Path, PathUnsafe),
        // E20–E30.
        t!(send(), |r| *r.send_request_no_mut() = long(129), "send_request_no", Body, Length),
        t!(pre_send(), |r| *r.send_request_no_mut() = long(41), "send_request_no", Body, Length),
        t!(pre_send(), |r| r.coupon_code = Some("bad code".into()), "coupon_code", Body, Charset),
        t!(pre_send(), |r| r.attach = Some(long(151)), "attach", Body, Length),
        t!(pre_send(), |r| r.appid_mut().clear(), "appid", Body, Required),
        t!(confirm(), |r| *r.out_request_no_mut() = long(41), "out_request_no", Body, Length),
        t!(send_bundle(), |r| *r.send_request_no_mut() = long(129), "send_request_no", Body, Length),
        t!(send_bundle(), |r| r.coupon_tag_info = Some(CouponTagInfo {coupon_tag_list: Some(vec![UserProductCouponTag::Member]), member_tag_info: None }), "coupon_tag_info.member_tag_info", Body, MemberTagInfo),
        t!(send_bundle(), |r| r.stock_bundle_id_mut().clear(), "stock_bundle_id", Body, Required),
        t!(pre_send_bundle(), |r| *r.send_request_no_mut() = long(41), "send_request_no", Body, Length),
        t!(pre_send_bundle(), |r| r.attach = Some(long(151)), "attach", Body, Length),
        t!(use_coupon(), |r| *r.use_time_mut() = None, "use_time", Body, Required),
        t!(use_coupon(), |r| r.associated_order_info = None, "associated_order_info", Body, Mode),
        t!(use_coupon(), |r| r.associated_pay_score_order_info = Some(Default::default()), "associated_pay_score_order_info", Body, Mode),
        t!(use_coupon(), |r| r.associated_order_info = Some(AssociatedOrderInfo {out_trade_no: Some("T1".into()), ..Default::default() }), "associated_order_info.mchid", Body, Mode),
        t!(use_coupon(), |r| r.associated_order_info = Some(AssociatedOrderInfo {mchid: Some("1".into()), ..Default::default() }), "associated_order_info.transaction_id", Body, Mode),
        t!(use_coupon(), |r| r.sequential_coupon_index = Some(15), "sequential_coupon_index", Body, Range),
        t!(use_coupon(), |r| r.saved_amount = Some(-1), "saved_amount", Body, Range),
        t!(use_coupon(), |r| *r.coupon_code_mut() = long(41), "coupon_code", Path, Length),
        t!(get_coupon(), |r| r.appid_mut().clear(), "appid", Query, Required),
        t!(list_coupons(), |r| r.appid_mut().clear(), "appid", Query, Required),
        t!(list_coupons(), |r| r.coupon_state = Some("LOST".into()), "coupon_state", Query, OneOf),
        t!(list_coupons(), |r| r.page_size = Some(0), "page_size", Query, Range),
        t!(list_coupons(), |r| r.user_coupon_bundle_id = Some(long(41)), "user_coupon_bundle_id", Query, Length),
        t!(deactivate_coupon(), |r| r.deactivate_reason_mut().clear(), "deactivate_reason", Body, Required),
        t!(return_coupon(), |r| r.sequential_coupon_index = Some(-1), "sequential_coupon_index", Body, Range),
        t!(return_coupon(), |r| r.openid_mut().clear(), "openid", Path, Required),
        t!(deactivate_bundle(), |r| r.user_coupon_bundle_id_mut().clear(), "user_coupon_bundle_id", Path, Required),
        t!(deactivate_bundle(), |r| *r.deactivate_reason_mut() = long(151), "deactivate_reason", Body, Length),
        // E31, E33–E35.
        t!(set_notify(), |r| *r.notify_url_mut() = "https://pay.example.com/cb?x=1".into(), "notify_url", Body, Mode),
        t!(upload(), |r| *r.filename_mut() = "logo.gif".into(), "filename", Body, Mode),
        t!(upload(), |r| *r.filename_mut() = "lo\"go.png".into(), "filename", Body, Charset),
        t!(upload(), |r| *r.filename_mut() = format!("{}.png", long(147)), "filename", Body, Length),
        t!(upload(), |r| r.file_mut().clear(), "file", Body, Required),
        t!(upload(), |r| r.file_mut().resize(media::MAX_IMAGE_BYTES + 1, 0), "file", Body, Mode),
        t!(upload(), |r| *r.file_mut() = b"GIF89a".to_vec(), "file", Body, Mode),
        t!(upload(), |r| *r.filename_mut() = "logo.jpg".into(), "file", Body, Mode),
        t!(create_task(), |r| *r.task_id_mut() = "abc".into(), "task_id", Body, Length),
        t!(create_task(), |r| *r.image_generation_type_mut() = "DRAW".into(), "image_generation_type", Body, OneOf),
        t!(create_task(), |r| r.combine_image = None, "combine_image", Body, Required),
        t!(create_task(), |r| r.cut_out = Some(CutOut::default()), "cut_out", Body, Mode),
        t!(create_task(), |r| r .combine_image .as_mut() .map(|ci| ci.background_color = Some("#12345".into())), "combine_image.background_color", Body, Mode),
        t!(create_task(), |r| r.combine_image.as_mut().map(|ci| ci.normal_coupon = None), "combine_image.normal_coupon", Body, Required),
        t!(create_task(), |r| {*r.image_generation_type_mut() = ImageGenerationType::CutOut; r.combine_image = None; r.cut_out = Some(CutOut {image_url: "https://example.com/a.png".into(), }) }, "cut_out.image_url", Body, Mode),
        t!(get_task(), |r| *r.image_generation_type_mut() = None, "image_generation_type", Query, Required),
        t!(get_task(), |r| r.task_id_mut().clear(), "task_id", Path, Required),
        // Hostile input (issue 23), one named case per row: control characters in text,
        // URLs that are not http(s) or whose port is out of range.
        /* nul_in_name */ t!(create_product_coupon(), |r| r.display_info_mut().name = Some("咖啡\u{0}兑换券".into()), "display_info.name", Body, Charset),
        /* esc_in_name */ t!(create_product_coupon(), |r| r.display_info_mut().name = Some("\u{1b}[31m红色券".into()), "display_info.name", Body, Charset),
        /* newline_in_package_name */ t!(create_product_coupon(), |r| r.display_info_mut().combo_package_list = Some(vec![ComboPackage {name: Some("套\n餐".into()), pick_count: Some(1), choice_list: Some(vec![ComboPackageChoice {name: Some("美式".into()), price: Some(1), count: Some(1), ..Default::default() }]) }]), "display_info.combo_package_list[0].name", Body, Charset),
        /* javascript_image_url */ t!(create_product_coupon(), |r| r.display_info_mut().image_url = Some("javascript:alert(1)".into()), "display_info.image_url", Body, Mode),
        /* ftp_background_url */ t!(update_product_coupon(), |r| r.display_info_mut().background_url = Some("ftp://wxpaylogo.qpic.cn/bg.png".into()), "display_info.background_url", Body, Mode),
        /* data_detail_image_url */ t!(create_product_coupon(), |r| r.display_info_mut().detail_image_url_list = Some(vec!["data:image/png;base64,AAAA".into()]), "display_info.detail_image_url_list[0]", Body, Mode),
        /* hostless_choice_image_url */ t!(create_product_coupon(), |r| r.display_info_mut().combo_package_list = Some(vec![ComboPackage {name: Some("套餐".into()), pick_count: Some(1), choice_list: Some(vec![ComboPackageChoice {name: Some("美式".into()), price: Some(1), count: Some(1), image_url: Some("https:///a.png".into()), ..Default::default() }]) }]), "display_info.combo_package_list[0].choice_list[0].image_url", Body, Mode),
        /* javascript_finder_cover */ t!(update_stock(), |r| r.coupon_display_info = Some(CouponDisplayInfo {entrance_finder: Some(EntranceFinder {finder_id: Some("sph1".into()), finder_video_id: None, finder_video_cover_image_url: Some("javascript:alert(1)".into()) }), ..Default::default() }), "coupon_display_info.entrance_finder.finder_video_cover_image_url", Body, Mode),
        /* port_out_of_range_cut_out */ t!(create_task(), |r| {*r.image_generation_type_mut() = ImageGenerationType::CutOut; r.combine_image = None; r.cut_out = Some(CutOut {image_url: "https://wxpaylogo.qpic.cn:70000/x.png".into(), }) }, "cut_out.image_url", Body, Mode),
        /* notify_port_99999 */ t!(set_notify(), |r| *r.notify_url_mut() = "https://a.b:99999/c".into(), "notify_url", Body, Mode),
        /* notify_port_0 */ t!(set_notify(), |r| *r.notify_url_mut() = "https://a.b:0/c".into(), "notify_url", Body, Mode),
        /* notify_javascript */ t!(set_notify(), |r| *r.notify_url_mut() = "javascript:alert(1)".into(), "notify_url", Body, Mode),
        /* notify_newline */ t!(set_notify(), |r| *r.notify_url_mut() = "https://pay.example.com/cb\nHost: evil".into(), "notify_url", Body, Mode),
        /* esc_in_reason */ t!(deactivate_product_coupon(), |r| *r.deactivate_reason_mut() = "过期\u{1b}".into(), "deactivate_reason", Body, Charset),
        /* nul_in_description */ t!(create_stock(), |r| r.stock_mut().usage_rule_display_info.usage_description = Some("每单限用\u{0}一张".into()), "stock.usage_rule_display_info.usage_description", Body, Charset),
        /* nul_in_attach */ t!(send(), |r| r.attach = Some("a\u{0}b".into()), "attach", Body, Charset),
        /* nul_in_query_appid */ t!(list_coupons(), |r| *r.appid_mut() = "wx\u{0}1".into(), "appid", Query, Charset),
        /* newline_in_brand_id */ t!(get_stock(), |r| r.brand_id = Some("120344\n".into()), "brand_id", Query, Charset),
    ]
}

#[test]
fn create_wants_one_of_stock_and_stock_bundle_whatever_the_usage_mode() {
    let mut r = create_product_coupon();
    *r.usage_mode_mut() = Default::default();
    r.stock_bundle = Some(bundle_for_create());
    let got: Vec<(String, &str)> = errors(&r)
        .1
        .into_iter()
        .map(|e| (e.field, kind(&e.rule)))
        .collect();
    assert_eq!(
        got,
        [
            ("usage_mode".into(), "Required"),
            ("stock_bundle".into(), "Mode")
        ]
    );
    r.stock = None;
    r.stock_bundle = None;
    assert!(errors(&r).1.iter().any(|e| e.field == "stock"));
}

#[test]
fn every_fixture_is_valid() {
    let fixtures: Vec<(&str, Vec<FieldError>)> = vec![
        errors(&create_product_coupon()),
        errors(&create_bundle_coupon()),
        errors(&query_product_coupon()),
        errors(&update_product_coupon()),
        errors(&deactivate_product_coupon()),
        errors(&create_stock()),
        errors(&list_stocks()),
        errors(&get_stock()),
        errors(&update_stock()),
        errors(&update_stock_budget()),
        errors(&deactivate_stock()),
        errors(&upload_coupon_codes()),
        errors(&associate_stores()),
        errors(&disassociate_stores()),
        errors(&list_associated_stores()),
        errors(&create_stock_bundle()),
        errors(&update_stock_bundle()),
        errors(&update_stock_bundle_budget()),
        errors(&associate_bundle_stores()),
        errors(&disassociate_bundle_stores()),
        errors(&send()),
        errors(&pre_send()),
        errors(&confirm()),
        errors(&send_bundle()),
        errors(&pre_send_bundle()),
        errors(&use_coupon()),
        errors(&get_coupon()),
        errors(&list_coupons()),
        errors(&deactivate_coupon()),
        errors(&return_coupon()),
        errors(&deactivate_bundle()),
        errors(&set_notify()),
        errors(&upload()),
        errors(&create_task()),
        errors(&get_task()),
    ];
    for (name, errors) in fixtures {
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn each_broken_rule_names_its_field_location_and_rule() {
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    let cases = cases();
    for case in &cases {
        let (op, errors) = (case.run)();
        covered.insert(op);
        let got: Vec<(&str, Location, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.location, kind(&e.rule)))
            .collect();
        if got != [(case.field, case.location, case.rule)] {
            failures.push(format!("line {} ({op}): got {got:?}", case.line));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every operation that has a rule to break (GetNotifyConfig has none).
    let all: BTreeSet<&str> = operations::ALL
        .iter()
        .map(|op| op.name)
        .filter(|n| *n != "GetNotifyConfig")
        .collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "no case for {missing:?}");
    println!(
        "validation: {} cases over {} operations",
        cases.len(),
        covered.len()
    );
}
