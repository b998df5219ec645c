//! [`Operation`]: one operation of the family as data — method, path template, what makes a
//! retry safe, how its body travels, its rate limit per mode, whether it carries `brand_id` —
//! so that the client, the emulator's router and the tests all read the same facts.

use std::fmt;

use serde::Serialize;

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// Reads.
    Get,
    /// Creates and actions.
    Post,
    /// Partial updates.
    Patch,
}

impl Method {
    /// `GET`, `POST` or `PATCH`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who calls: a service provider for its brands, or a brand for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Mode {
    /// 服务商: `WECHATPAY2-SHA256-RSA2048 mchid="…"`, paths under
    /// `/v3/marketing/partner/product-coupon`, `brand_id` in every body and GET query.
    #[default]
    Partner,
    /// 品牌直连: `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…"`, paths under
    /// `/brand/marketing/product-coupon`, no `brand_id` in bodies or queries.
    Brand,
}

impl Mode {
    /// Both modes.
    pub const ALL: [Mode; 2] = [Mode::Partner, Mode::Brand];

    /// The path prefix of every operation in this mode.
    ///
    /// ```
    /// assert_eq!(wxpay_models::Mode::Brand.prefix(), "/brand/marketing/product-coupon");
    /// ```
    pub const fn prefix(self) -> &'static str {
        match self {
            Mode::Partner => "/v3/marketing/partner/product-coupon",
            Mode::Brand => "/brand/marketing/product-coupon",
        }
    }

    /// `partner` or `brand`, as in client configs and `wxpay call --list`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Partner => "partner",
            Mode::Brand => "brand",
        }
    }

    /// The mode whose path prefix `path` starts with, and the rest of the path.
    ///
    /// ```
    /// use wxpay_models::Mode;
    /// assert_eq!(Mode::split_path("/brand/marketing/product-coupon/notify-configs"), Some((Mode::Brand, "/notify-configs")));
    /// assert_eq!(Mode::split_path("/v3/other"), None);
    /// ```
    pub fn split_path(path: &str) -> Option<(Mode, &str)> {
        Mode::ALL.into_iter().find_map(|mode| {
            let rest = path.strip_prefix(mode.prefix())?;
            (rest.is_empty() || rest.starts_with('/')).then_some((mode, rest))
        })
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "partner" => Ok(Mode::Partner),
            "brand" => Ok(Mode::Brand),
            other => Err(format!(
                "mode must be \"partner\" or \"brand\", got {other:?}"
            )),
        }
    }
}

/// Whether the client may send the same request again after an attempt went unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Retry {
    /// A read: always safe.
    Read,
    /// A write whose body carries this request number; WeChat Pay answers a repeated number
    /// with the first result, so a retry never acts twice.
    Keyed(&'static str),
    /// A write that sets state to what the body says (notify URL): repeating it is harmless.
    Overwrite,
    /// A write with no request number (store association, image upload): never retried
    /// blindly, the caller decides.
    Never,
}

impl Retry {
    /// Whether the transport may resend the same bytes.
    pub const fn is_safe(self) -> bool {
        !matches!(self, Retry::Never)
    }
}

/// A documented request rate: `count` calls per second or per minute, per caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Calls allowed in one `period`.
    pub count: u32,
    /// The period.
    pub period: Period,
}

/// The period of a [`RateLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Period {
    /// One second.
    Second,
    /// One minute.
    Minute,
}

impl RateLimit {
    /// `count` per second.
    pub const fn per_second(count: u32) -> Self {
        Self {
            count,
            period: Period::Second,
        }
    }

    /// `count` per minute.
    pub const fn per_minute(count: u32) -> Self {
        Self {
            count,
            period: Period::Minute,
        }
    }

    /// The period in seconds.
    pub const fn period_secs(self) -> u64 {
        match self.period {
            Period::Second => 1,
            Period::Minute => 60,
        }
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.period {
            Period::Second => write!(f, "{}/s", self.count),
            Period::Minute => write!(f, "{}/min", self.count),
        }
    }
}

/// How an operation's body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyKind {
    /// No body (GET); the signed body line is empty.
    Empty,
    /// `application/json`, signed as sent.
    Json,
    /// `multipart/form-data` with a `meta` JSON part and a `file` part; only `meta` is signed.
    Multipart,
}

/// The static description of one operation of the family, shared by both modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation's name in Tencent's samples, e.g. `SendUserProductCoupon`.
    pub name: &'static str,
    /// Its kebab-case, e.g. `send-user-product-coupon` (`wxpay call NAME`).
    pub kebab: &'static str,
    /// The Chinese title of WeChat Pay's document, e.g. `向用户发放商品券`.
    pub title: &'static str,
    /// HTTP method.
    pub method: Method,
    /// The path after the mode's prefix, with `{param}` placeholders.
    pub path: &'static str,
    /// What makes a retry safe.
    pub retry: Retry,
    /// Body encoding.
    pub body: BodyKind,
    /// Rate limit per service provider (mchid) in partner mode; `None` where not offered.
    pub partner: Option<RateLimit>,
    /// Rate limit per brand in brand-direct mode; `None` where not offered.
    pub brand: Option<RateLimit>,
    /// Whether the request carries `brand_id` in partner mode: all but notify-configs (the
    /// service provider's own URL) and the image upload (a multipart `meta` of file name and
    /// hash only, in the YAML and Tencent's samples).
    pub carries_brand: bool,
}

/// `count` calls per second: the limit of an operation in a mode that offers it.
pub(crate) const fn per_second(count: u32) -> Option<RateLimit> {
    Some(RateLimit::per_second(count))
}

impl Operation {
    /// Whether the operation exists in `mode`.
    pub const fn supports(&self, mode: Mode) -> bool {
        self.limit(mode).is_some()
    }

    /// The documented rate limit in `mode`, or `None` if the mode lacks the operation.
    pub const fn limit(&self, mode: Mode) -> Option<RateLimit> {
        match mode {
            Mode::Partner => self.partner,
            Mode::Brand => self.brand,
        }
    }

    /// The full path template in `mode`, as in the spec.
    ///
    /// ```
    /// use wxpay_models::{Endpoint, Mode, SendUserProductCouponRequest as Send};
    /// assert_eq!(Send::OPERATION.template(Mode::Partner), "/v3/marketing/partner/product-coupon/users/{openid}/coupons");
    /// ```
    pub fn template(&self, mode: Mode) -> String {
        format!("{}{}", mode.prefix(), self.path)
    }

    /// The placeholder names of the path, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    }

    /// Matches a path suffix (after the mode prefix) against the template; returns the raw
    /// (still percent-encoded) value of each placeholder, in order.
    ///
    /// ```
    /// use wxpay_models::{ConfirmSendUserProductCouponRequest as Confirm, Endpoint};
    /// const OP: &wxpay_models::Operation = Confirm::OPERATION;
    /// assert_eq!(OP.match_path("/users/o1/coupons/C1/confirm"), Some(vec![("openid", "o1"), ("coupon_code", "C1")]));
    /// assert_eq!(OP.match_path("/users/o1/coupons"), None);
    /// ```
    pub fn match_path<'a>(&self, rest: &'a str) -> Option<Vec<(&'static str, &'a str)>> {
        let mut wanted = self.path.split('/');
        let mut given = rest.split('/');
        let mut out = Vec::new();
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return Some(out),
                (Some(w), Some(g)) => match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    Some(name) if !g.is_empty() => out.push((name, g)),
                    Some(_) => return None,
                    None if w == g => {}
                    None => return None,
                },
                _ => return None,
            }
        }
    }
}

/// Which brand a request acts for, by the mode's rule (shared by the client's encoder and the
/// emulator): partner mode names it in the request (or the client's default), brand mode acts
/// for the calling brand and refuses a `brand_id` naming another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrandRule<'a> {
    /// The request carries no brand (brand mode; partner mode's notify-configs and upload).
    None,
    /// The brand it acts for.
    Brand(&'a str),
    /// Partner mode and neither the request nor a default names one.
    Missing,
    /// Brand mode and the request names `given`, not the calling brand `own`.
    OtherBrand {
        /// What the request says.
        given: &'a str,
        /// The calling brand.
        own: &'a str,
    },
}

impl Operation {
    /// The brand a request of this operation acts for in `mode`: `given` is the request's
    /// `brand_id`; `own` is, in partner mode, a default brand (the client's) and in brand mode
    /// the calling brand.
    ///
    /// ```
    /// use wxpay_models::{BrandRule, Endpoint, Mode, SendUserProductCouponRequest as Send};
    /// let op = Send::OPERATION;
    /// assert_eq!(op.brand_rule(Mode::Partner, Some("120344"), None), BrandRule::Brand("120344"));
    /// assert_eq!(op.brand_rule(Mode::Partner, None, None), BrandRule::Missing);
    /// assert_eq!(op.brand_rule(Mode::Brand, Some("9"), Some("120344")), BrandRule::OtherBrand { given: "9", own: "120344" });
    /// assert_eq!(op.brand_rule(Mode::Brand, None, Some("120344")), BrandRule::None);
    /// ```
    pub fn brand_rule<'a>(
        &self,
        mode: Mode,
        given: Option<&'a str>,
        own: Option<&'a str>,
    ) -> BrandRule<'a> {
        let given = given.filter(|b| !b.is_empty());
        match mode {
            Mode::Partner if !self.carries_brand => BrandRule::None,
            Mode::Partner => given.or(own).map_or(BrandRule::Missing, BrandRule::Brand),
            Mode::Brand => match (given, own) {
                (Some(given), Some(own)) if given != own => BrandRule::OtherBrand { given, own },
                _ => BrandRule::None,
            },
        }
    }
}
