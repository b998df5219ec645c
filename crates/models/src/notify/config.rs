//! E31 设置商品券事件通知地址 and E32 获取商品券事件通知地址: `{prefix}/notify-configs`.
//!
//! One URL per service provider in partner mode (shared by all its brands; callbacks carry
//! `brand_id`), one per brand in brand-direct mode; neither request carries `brand_id`.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::WxTime;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::validate::{Checker, Rule, ValidationError};

/// E32 获取商品券事件通知地址 (`GET /notify-configs`).
const GET_NOTIFY_CONFIG: Operation = Operation {
    name: "GetNotifyConfig",
    kebab: "get-notify-config",
    title: "获取商品券事件通知地址",
    method: Method::Get,
    path: "/notify-configs",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: false,
};

/// E31 设置商品券事件通知地址 (`POST /notify-configs`).
const SET_NOTIFY_CONFIG: Operation = Operation {
    name: "SetNotifyConfig",
    kebab: "set-notify-config",
    title: "设置商品券事件通知地址",
    method: Method::Post,
    path: "/notify-configs",
    retry: Retry::Overwrite,
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: false,
};

/// Sets where callbacks go.
///
/// ```
/// let r = wxpay_models::SetNotifyConfigRequest::new("http://example.com/cb");
/// assert!(r.validate().unwrap_err().to_string().contains("notify_url must start with https://"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetNotifyConfigRequest {
    /// HTTPS, at most 256 characters, no query string.
    notify_url: String,
}

endpoint!(SetNotifyConfigRequest => NotifyConfigEntity, SET_NOTIFY_CONFIG,
    path: [], query: [], key: none, brand: none);

accessors! {
    SetNotifyConfigRequest,
    get: [
        notify_url / notify_url_mut: String => str,
    ],
    with: []
}

impl SetNotifyConfigRequest {
    /// Sends callbacks to `notify_url`; see the [type](Self) for an example.
    pub fn new(notify_url: impl Into<String>) -> Self {
        Self {
            notify_url: notify_url.into(),
        }
    }

    /// Checks the URL's documented rules: an `https://` URL with a host and, when given, a
    /// port of 1 to 65535, at most 256 characters, no query string, no spaces. `http://` is
    /// accepted for loopback hosts only, so that tests can point an emulator at a local
    /// receiver; WeChat Pay itself also requires a public, ICP-registered host.
    ///
    /// ```
    /// let r = wxpay_models::SetNotifyConfigRequest::new("https://a.b:99999/c");
    /// assert!(r.validate().unwrap_err().to_string().contains("notify_url has a port out of range"));
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        let url = &self.notify_url;
        if url.is_empty() {
            c.body("notify_url", Rule::Required);
        } else if c.length("notify_url", url, 1, 256)
            && let Err(problem) = check_notify_url(url, PlainHttp::Loopback)
        {
            c.body("notify_url", Rule::Mode(problem));
        }
        c.finish()
    }
}

/// Where a notify URL may use plain `http://`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlainHttp {
    /// Only to a loopback host (the API's rule: WeChat Pay delivers over TLS).
    Loopback,
    /// To any host (an emulator's configuration, delivering to local receivers).
    Anywhere,
}

/// The notify URL rule shared by the API and the emulator's configuration: an `https://`
/// (or, as `plain_http` allows, `http://`) URL with a host and, when given, a port of 1 to
/// 65535, at most 256 characters, no query string, no spaces; the problem in words.
///
/// ```
/// use wxpay_models::notify::{PlainHttp, check_notify_url};
/// assert!(check_notify_url("https://a.b/n", PlainHttp::Loopback).is_ok());
/// assert!(check_notify_url("http://10.0.0.5/n", PlainHttp::Loopback).is_err());
/// assert!(check_notify_url("http://10.0.0.5/n", PlainHttp::Anywhere).is_ok());
/// assert!(check_notify_url("https://a.b/n?x=1", PlainHttp::Anywhere).is_err());
/// ```
pub fn check_notify_url(url: &str, plain_http: PlainHttp) -> Result<(), String> {
    if url.chars().count() > 256 {
        return Err(format!(
            "is {} characters; at most 256",
            url.chars().count()
        ));
    }
    match crate::check::web_url(url) {
        Err(problem) => Err(problem),
        Ok(parsed)
            if parsed.scheme() != "https"
                && plain_http == PlainHttp::Loopback
                && !is_loopback(&parsed) =>
        {
            Err("must start with https:// (http:// only for a loopback test host)".into())
        }
        Ok(_) if url.contains('?') => Err("must not have a query string".into()),
        Ok(_) => Ok(()),
    }
}

/// Reads where callbacks go. It has no fields; like every request it is made with `new`.
///
/// ```
/// use wxpay_models::{GetNotifyConfigRequest, Mode, Target, encode};
/// let wire = encode(&GetNotifyConfigRequest::new(), Target { mode: Mode::Brand, brand_id: None })?;
/// assert_eq!(wire.path_and_query, "/brand/marketing/product-coupon/notify-configs");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetNotifyConfigRequest {}

endpoint!(GetNotifyConfigRequest => NotifyConfigEntity, GET_NOTIFY_CONFIG,
    path: [], query: [], key: none, brand: none);

accessors! { GetNotifyConfigRequest, get: [], with: [] }

impl GetNotifyConfigRequest {
    /// The request (it has no fields).
    #[allow(clippy::new_without_default)] // no request type has Default (docs/client.md)
    pub fn new() -> Self {
        Self {}
    }

    /// Nothing to check.
    pub fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}

/// The notify configuration: both operations answer it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyConfigEntity {
    /// Where callbacks go.
    pub notify_url: String,
    /// When it was last set.
    pub update_time: Option<WxTime>,
}

/// `localhost`, `127.0.0.0/8` or `[::1]`.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
