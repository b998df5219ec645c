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
/// let r = wxpay_models::SetNotifyConfigRequest { notify_url: "http://example.com/cb".into() };
/// assert!(r.validate().unwrap_err().to_string().contains("notify_url must start with https://"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetNotifyConfigRequest {
    /// HTTPS, at most 256 characters, no query string.
    pub notify_url: String,
}

endpoint!(SetNotifyConfigRequest => NotifyConfigEntity, SET_NOTIFY_CONFIG,
    path: [], query: [], key: none, brand: none);

impl SetNotifyConfigRequest {
    /// Checks the URL's documented rules. `http://` is accepted for loopback hosts only, so
    /// that tests can point an emulator at a local receiver; WeChat Pay itself also requires
    /// a public, ICP-registered host.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.required("notify_url", &self.notify_url, 256);
        let url = &self.notify_url;
        if !url.is_empty() && !url.starts_with("https://") && !is_loopback_http(url) {
            c.body(
                "notify_url",
                Rule::Mode(
                    "must start with https:// (http:// only for a loopback test host)".into(),
                ),
            );
        } else if url.contains('?') {
            c.body(
                "notify_url",
                Rule::Mode("must not have a query string".into()),
            );
        } else if url.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
            c.body("notify_url", Rule::Mode("must not contain spaces".into()));
        }
        c.finish()
    }
}

/// Reads where callbacks go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetNotifyConfigRequest {}

endpoint!(GetNotifyConfigRequest => NotifyConfigEntity, GET_NOTIFY_CONFIG,
    path: [], query: [], key: none, brand: none);

impl GetNotifyConfigRequest {
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

/// `http://127.0.0.1…`, `http://localhost…` or `http://[::1]…`.
fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
