//! Validators of the objects many operations share (discount rules, validity periods, display
//! and send rules, store lists), each given the JSON path it sits at.

use crate::enums::{BackgroundColor, CouponUsageMethod, WireEnum};
use crate::product_coupon::{
    DiscountCouponUsageRule, ExchangeCouponUsageRule, NormalCouponUsageRule,
    ProductCouponDisplayInfo,
};
use crate::stock::{
    CouponAvailablePeriod, CouponDisplayInfo, NotifyConfig, SingleUsageRule, StockSendRule,
    StoreInfo, UsageRuleDisplayInfo,
};
use crate::validate::{Checker, Location, Rule, index, join};

/// Budgets: `max_count` and `max_count_per_day` are at most 100,000,000.
pub(crate) const MAX_BUDGET: i64 = 100_000_000;
/// `max_count_per_user` is at most 100.
pub(crate) const MAX_PER_USER: i64 = 100;
/// A stock's validity window is at most 365 days.
const MAX_WINDOW_SECS: i64 = 365 * 86_400;
/// Stores or codes in one call.
pub(crate) const MAX_LIST: usize = 200;

/// A required optional string of `min..=max` characters of printable text.
pub(crate) fn text(c: &mut Checker, field: &str, value: Option<&str>, min: usize, max: usize) {
    match value {
        Some("") | None => c.body(field, Rule::Required),
        Some(v) => {
            if c.length(field, v, min, max) {
                c.printable(Location::Body, field, v);
            }
        }
    }
}

/// A required description of at most `max` characters: printable text that may have line
/// breaks and tabs, but no other control characters.
pub(crate) fn description(c: &mut Checker, field: &str, value: Option<&str>, max: usize) {
    match value {
        Some("") | None => c.body(field, Rule::Required),
        Some(v) => {
            if c.length(field, v, 1, max)
                && v.chars()
                    .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
            {
                c.body(
                    field,
                    Rule::Charset("printable text (line breaks and tabs allowed, no other control characters)"),
                );
            }
        }
    }
}

/// An absolute `http://` or `https://` URL as it is sent: a host, a port (when given) of 1 to
/// 65535, no spaces or control characters. Otherwise the problem, in words.
pub(crate) fn web_url(value: &str) -> Result<url::Url, String> {
    const PORTS: &str = "has a port out of range: ports are 1 to 65535";
    if value
        .chars()
        .any(|ch| ch.is_whitespace() || ch.is_control())
    {
        return Err("must not contain spaces or control characters".into());
    }
    let host = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    if !host.is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', '\\'])) {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    let url = url::Url::parse(value).map_err(|e| match e {
        url::ParseError::InvalidPort => PORTS.to_owned(),
        other => format!("is not a valid URL: {other}"),
    })?;
    if url.port() == Some(0) {
        return Err(PORTS.into());
    }
    Ok(url)
}

/// A picture's URL: `min..=max` characters (an absent or empty one is required when `min` is
/// 1) of an http(s) URL ([`web_url`]). Whether it passed.
pub(crate) fn image_url(
    c: &mut Checker,
    field: &str,
    value: Option<&str>,
    min: usize,
    max: usize,
) -> bool {
    match value {
        Some("") | None if min > 0 => c.body(field, Rule::Required),
        Some(v) if !v.is_empty() => {
            if !c.length(field, v, min, max) {
                return false;
            }
            if let Err(problem) = web_url(v) {
                c.body(field, Rule::Mode(problem));
            } else {
                return true;
            }
        }
        _ => return true,
    }
    false
}

/// A brand's request number (`out_request_no`): 6–40 of `[0-9A-Za-z_-]`.
pub(crate) fn request_no(c: &mut Checker, field: &str, value: &str) {
    c.id(field, value, 6, 40);
}

/// `deactivate_reason`: required, at most 150 characters.
pub(crate) fn reason(c: &mut Checker, value: &str) {
    c.required("deactivate_reason", value, 150);
}

/// One user's coupon: `openid` and `coupon_code` in the path, its product coupon, stock and
/// AppID in the body.
pub(crate) fn user_coupon(
    c: &mut Checker,
    openid: &str,
    coupon_code: &str,
    product_coupon_id: &str,
    stock_id: &str,
    appid: &str,
) {
    c.path("openid", openid, crate::user_coupon::MAX_OPENID_CHARS);
    c.path("coupon_code", coupon_code, 40);
    coupon_ref(c, product_coupon_id, stock_id, appid);
}

/// The body fields that name one coupon: its product coupon, stock and AppID.
pub(crate) fn coupon_ref(c: &mut Checker, product_coupon_id: &str, stock_id: &str, appid: &str) {
    c.required("product_coupon_id", product_coupon_id, 40);
    c.required("stock_id", stock_id, 40);
    c.required("appid", appid, 64);
}

/// `normal_coupon`: threshold ≥ 0, discount_amount ≥ 1 and, with a threshold, not above it.
pub(crate) fn normal(c: &mut Checker, prefix: &str, rule: &NormalCouponUsageRule) {
    let threshold = join(prefix, "threshold");
    let amount = join(prefix, "discount_amount");
    c.required_range(&threshold, rule.threshold, 0, i64::MAX);
    c.required_range(&amount, rule.discount_amount, 1, i64::MAX);
    if let (Some(t), Some(a)) = (rule.threshold, rule.discount_amount)
        && t > 0
        && a > t
    {
        c.body(
            &amount,
            Rule::Mode(format!("must not exceed threshold ({t})")),
        );
    }
}

/// `discount_coupon`: threshold ≥ 0, percent_off 1–99.
pub(crate) fn discount(c: &mut Checker, prefix: &str, rule: &DiscountCouponUsageRule) {
    c.required_range(&join(prefix, "threshold"), rule.threshold, 0, i64::MAX);
    c.required_range(&join(prefix, "percent_off"), rule.percent_off, 1, 99);
}

/// `exchange_coupon`: threshold ≥ 0, exchange_price ≥ 0.
pub(crate) fn exchange(c: &mut Checker, prefix: &str, rule: &ExchangeCouponUsageRule) {
    c.required_range(&join(prefix, "threshold"), rule.threshold, 0, i64::MAX);
    c.required_range(
        &join(prefix, "exchange_price"),
        rule.exchange_price,
        0,
        i64::MAX,
    );
}

/// `coupon_available_period`: the window (≤ 365 days), and its exclusive refinements.
pub(crate) fn period(c: &mut Checker, prefix: &str, p: &CouponAvailablePeriod) {
    let begin = c.present(
        &join(prefix, "available_begin_time"),
        &p.available_begin_time,
    );
    let end_field = join(prefix, "available_end_time");
    let end = c.present(&end_field, &p.available_end_time);
    if let (Some(begin), Some(end)) = (begin, end) {
        let span = end.unix_timestamp() - begin.unix_timestamp();
        if span <= 0 {
            c.body(
                &end_field,
                Rule::Mode("must be after available_begin_time".into()),
            );
        } else if span > MAX_WINDOW_SECS {
            c.body(
                &end_field,
                Rule::Mode("must be at most 365 days after available_begin_time".into()),
            );
        }
    }
    c.optional_range(&join(prefix, "available_days"), p.available_days, 1, 365);
    let wait = join(prefix, "wait_days_after_receive");
    c.optional_range(&wait, p.wait_days_after_receive, 0, 30);
    if p.wait_days_after_receive.is_some() && p.available_days.is_none() {
        c.body(&wait, Rule::Mode("needs available_days".into()));
    }
    c.optional_range(
        &join(prefix, "available_seconds"),
        p.available_seconds,
        1,
        i64::MAX,
    );
    if let Some(week) = &p.weekly_available_period {
        let at = join(prefix, "weekly_available_period");
        let days_field = join(&at, "day_list");
        match week.day_list.as_deref() {
            None | Some([]) => c.body(&days_field, Rule::Required),
            Some(days) => {
                c.items(&days_field, days.len(), 1, 7);
                for (i, day) in days.iter().enumerate() {
                    c.known(&index(&days_field, i), day);
                }
                c.unique(&days_field, days.iter().map(|d| d.as_wire()));
            }
        }
        let hours = join(&at, "day_period_list");
        for (i, h) in week.day_period_list.iter().flatten().enumerate() {
            let item = index(&hours, i);
            let b = join(&item, "begin_time");
            let e = join(&item, "end_time");
            c.required_range(&b, h.begin_time, 0, 86_400);
            c.required_range(&e, h.end_time, 0, 86_400);
            if let (Some(bv), Some(ev)) = (h.begin_time, h.end_time)
                && bv >= ev
            {
                c.body(&e, Rule::Mode("must be after begin_time".into()));
            }
        }
    }
    if let Some(list) = &p.irregular_available_period_list {
        let at = join(prefix, "irregular_available_period_list");
        c.items(&at, list.len(), 1, 2);
        for (i, w) in list.iter().enumerate() {
            let item = index(&at, i);
            let b = c.present(&join(&item, "begin_time"), &w.begin_time);
            let e_field = join(&item, "end_time");
            let e = c.present(&e_field, &w.end_time);
            if let (Some(b), Some(e)) = (b, e)
                && b >= e
            {
                c.body(&e_field, Rule::Mode("must be after begin_time".into()));
            }
        }
        let why = "together with irregular_available_period_list";
        c.forbidden(
            &join(prefix, "available_days"),
            p.available_days.is_some(),
            why,
        );
        c.forbidden(&wait, p.wait_days_after_receive.is_some(), why);
        c.forbidden(
            &join(prefix, "weekly_available_period"),
            p.weekly_available_period.is_some(),
            why,
        );
    }
}

/// `single_usage_rule` (and a bundle stock's `progressive_bundle_usage_rule`): the period is
/// required; the discount rules present are checked.
pub(crate) fn single_usage_rule(c: &mut Checker, prefix: &str, r: &SingleUsageRule) {
    let at = join(prefix, "coupon_available_period");
    if let Some(p) = c.present(&at, &r.coupon_available_period) {
        period(c, &at, p);
    }
    if let Some(n) = &r.normal_coupon {
        normal(c, &join(prefix, "normal_coupon"), n);
    }
    if let Some(d) = &r.discount_coupon {
        discount(c, &join(prefix, "discount_coupon"), d);
    }
    if let Some(x) = &r.exchange_coupon {
        exchange(c, &join(prefix, "exchange_coupon"), x);
    }
}

/// `stock_send_rule`: total cap required (1–100,000,000), daily cap optional (same range),
/// per-user cap 1–100 (required for bundles).
pub(crate) fn send_rule(c: &mut Checker, prefix: &str, r: &StockSendRule, per_user_required: bool) {
    c.required_range(&join(prefix, "max_count"), r.max_count, 1, MAX_BUDGET);
    c.optional_range(
        &join(prefix, "max_count_per_day"),
        r.max_count_per_day,
        1,
        MAX_BUDGET,
    );
    let per_user = join(prefix, "max_count_per_user");
    if per_user_required {
        c.required_range(&per_user, r.max_count_per_user, 1, MAX_PER_USER);
    } else {
        c.optional_range(&per_user, r.max_count_per_user, 1, MAX_PER_USER);
    }
}

/// `usage_rule_display_info`: methods, with the mini-program or app target they need, and
/// the texts (≤ 1000 characters).
pub(crate) fn usage_display(c: &mut Checker, prefix: &str, d: &UsageRuleDisplayInfo) {
    let list_field = join(prefix, "coupon_usage_method_list");
    let methods = d.coupon_usage_method_list.as_deref().unwrap_or_default();
    if methods.is_empty() {
        c.body(&list_field, Rule::Required);
    }
    for (i, m) in methods.iter().enumerate() {
        c.known(&index(&list_field, i), m);
    }
    c.unique(&list_field, methods.iter().map(|m| m.as_wire()));
    let mini = methods.contains(&CouponUsageMethod::MiniProgram);
    for (name, value) in [
        ("mini_program_appid", &d.mini_program_appid),
        ("mini_program_path", &d.mini_program_path),
    ] {
        let field = join(prefix, name);
        if mini {
            text(c, &field, value.as_deref(), 1, 256);
        } else {
            c.optional(&field, value.as_deref(), 1, 256);
        }
    }
    let app = join(prefix, "app_path");
    if methods.contains(&CouponUsageMethod::App) {
        text(c, &app, d.app_path.as_deref(), 1, 256);
    } else {
        c.optional(&app, d.app_path.as_deref(), 1, 256);
    }
    description(
        c,
        &join(prefix, "usage_description"),
        d.usage_description.as_deref(),
        1000,
    );
    if let Some(store) = &d.coupon_available_store_info {
        let at = join(prefix, "coupon_available_store_info");
        description(
            c,
            &join(&at, "description"),
            store.description.as_deref(),
            1000,
        );
    }
    if let Some(jump) = &d.app_jump_type {
        c.known(&join(prefix, "app_jump_type"), jump);
    }
}

/// `coupon_display_info`: code mode (required on create), one of the ten colours, and the
/// entrances with their required parts (entrance ≤ 5, guidance ≤ 6 characters).
pub(crate) fn coupon_display(c: &mut Checker, prefix: &str, d: &CouponDisplayInfo, create: bool) {
    let mode = join(prefix, "code_display_mode");
    match &d.code_display_mode {
        Some(m) => c.required_enum(&mode, m),
        None if create => c.body(&mode, Rule::Required),
        None => {}
    }
    if let Some(color) = &d.background_color
        && !BackgroundColor::from(color.as_str()).is_known()
    {
        c.body(
            &join(prefix, "background_color"),
            Rule::OneOf(BackgroundColor::NAMES),
        );
    }
    if let Some(e) = &d.entrance_mini_program {
        let at = join(prefix, "entrance_mini_program");
        text(c, &join(&at, "appid"), e.appid.as_deref(), 1, 64);
        text(c, &join(&at, "path"), e.path.as_deref(), 1, 256);
        text(
            c,
            &join(&at, "entrance_wording"),
            e.entrance_wording.as_deref(),
            1,
            5,
        );
        c.optional(
            &join(&at, "guidance_wording"),
            e.guidance_wording.as_deref(),
            1,
            6,
        );
    }
    if let Some(e) = &d.entrance_official_account {
        let at = join(prefix, "entrance_official_account");
        text(c, &join(&at, "appid"), e.appid.as_deref(), 1, 64);
    }
    if let Some(e) = &d.entrance_finder {
        let at = join(prefix, "entrance_finder");
        text(c, &join(&at, "finder_id"), e.finder_id.as_deref(), 1, 64);
        c.optional(
            &join(&at, "finder_video_id"),
            e.finder_video_id.as_deref(),
            1,
            64,
        );
        image_url(
            c,
            &join(&at, "finder_video_cover_image_url"),
            e.finder_video_cover_image_url.as_deref(),
            0,
            512,
        );
    }
}

/// `notify_config.notify_appid`: required on create (Tencent's guide), at most 64.
pub(crate) fn notify_config(c: &mut Checker, prefix: &str, n: &NotifyConfig, create: bool) {
    let field = join(prefix, "notify_appid");
    if create {
        text(c, &field, n.notify_appid.as_deref(), 1, 64);
    } else {
        c.optional(&field, n.notify_appid.as_deref(), 1, 64);
    }
}

/// `remark`: at most 20 characters.
pub(crate) fn remark(c: &mut Checker, prefix: &str, remark: Option<&str>) {
    c.optional(&join(prefix, "remark"), remark, 0, 20);
}

/// `store_list`: 1–200 stores, each with a `store_id`.
pub(crate) fn store_list(c: &mut Checker, stores: &[StoreInfo]) {
    if stores.is_empty() {
        c.body("store_list", Rule::Required);
    } else {
        c.items("store_list", stores.len(), 1, MAX_LIST);
    }
    for (i, s) in stores.iter().enumerate() {
        c.required(&join(&index("store_list", i), "store_id"), &s.store_id, 64);
    }
}

/// `display_info` of a product coupon: name 3–15 characters, both pictures, ≤ 8 detail
/// pictures, ≤ 50 combo packages of 1–99 choices; every picture an http(s) URL.
pub(crate) fn product_display(c: &mut Checker, prefix: &str, d: &ProductCouponDisplayInfo) {
    text(c, &join(prefix, "name"), d.name.as_deref(), 3, 15);
    for (name, value) in [
        ("image_url", &d.image_url),
        ("background_url", &d.background_url),
    ] {
        image_url(c, &join(prefix, name), value.as_deref(), 1, 512);
    }
    if let Some(list) = &d.detail_image_url_list {
        let at = join(prefix, "detail_image_url_list");
        c.items(&at, list.len(), 0, 8);
        if list.len() <= 8 {
            for (i, url) in list.iter().enumerate() {
                image_url(c, &index(&at, i), Some(url), 1, 512);
            }
        }
    }
    c.optional_range(
        &join(prefix, "original_price"),
        d.original_price,
        0,
        i64::MAX,
    );
    let Some(packages) = &d.combo_package_list else {
        return;
    };
    let at = join(prefix, "combo_package_list");
    c.items(&at, packages.len(), 1, 50);
    for (i, p) in packages.iter().enumerate() {
        let item = index(&at, i);
        text(c, &join(&item, "name"), p.name.as_deref(), 1, 15);
        c.required_range(&join(&item, "pick_count"), p.pick_count, 1, 99);
        let choices_field = join(&item, "choice_list");
        let choices = p.choice_list.as_deref().unwrap_or_default();
        if choices.is_empty() {
            c.body(&choices_field, Rule::Required);
        } else {
            c.items(&choices_field, choices.len(), 1, 99);
        }
        for (j, ch) in choices.iter().enumerate() {
            let at = index(&choices_field, j);
            text(c, &join(&at, "name"), ch.name.as_deref(), 1, 15);
            c.required_range(&join(&at, "price"), ch.price, 0, i64::MAX);
            c.required_range(&join(&at, "count"), ch.count, 1, 99);
            image_url(c, &join(&at, "image_url"), ch.image_url.as_deref(), 0, 512);
        }
    }
}

/// A GET's required path parameter `name`, at most 40 characters.
pub(crate) fn path_id(c: &mut Checker, name: &str, value: &str) {
    c.path(name, value, 40);
}

/// The brand of a POST or PATCH body.
pub(crate) fn body_brand(c: &mut Checker, brand_id: Option<&str>) {
    c.brand(Location::Body, brand_id);
}

/// The brand of a GET's query.
pub(crate) fn query_brand(c: &mut Checker, brand_id: Option<&str>) {
    c.brand(Location::Query, brand_id);
}
