//! The API endpoints after the HTTP checks: routing, authentication (step 2), the rate limit
//! (step 3), decoding (step 4), then each endpoint's rules.

use wxpay_models::{
    ConfirmSendUserProductCouponRequest, ErrorRow, FieldError, Location, NotifyConfigBody, Rule,
    SendUserProductCouponRequest,
};

use crate::auth::{Merchant, Presented, authenticate};
use crate::callbacks::check_notify_url;
use crate::confirm::ConfirmInput;
use crate::error::ApiError;
use crate::handler::{Answer, unknown};
use crate::rules::Caller;
use crate::state::Emulator;

const USERS_PREFIX: &str = "/v3/marketing/partner/product-coupon/users/";
/// The notify-config API (DESIGN.md §8).
pub const NOTIFY_CONFIG_PATH: &str = "/v3/marketing/partner/product-coupon/notify-configs";

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    Send { openid: &'a str },
    Confirm { openid: &'a str, code: &'a str },
    SetNotifyConfig,
    GetNotifyConfig,
    Unknown,
}

impl Route<'_> {
    /// The endpoint's name in the metrics.
    pub(crate) fn endpoint(self) -> &'static str {
        match self {
            Route::Send { .. } => "send",
            Route::Confirm { .. } => "confirm",
            Route::SetNotifyConfig | Route::GetNotifyConfig => "notify_config",
            Route::Unknown => "unknown",
        }
    }
}

pub(crate) fn route<'a>(method: &http::Method, path: &'a str) -> Route<'a> {
    let post = method == http::Method::POST;
    if path == NOTIFY_CONFIG_PATH {
        return match *method {
            http::Method::POST => Route::SetNotifyConfig,
            http::Method::GET => Route::GetNotifyConfig,
            _ => Route::Unknown,
        };
    }
    let Some(rest) = path.strip_prefix(USERS_PREFIX) else {
        return Route::Unknown;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [openid, "coupons"] if post => Route::Send { openid },
        [openid, "coupons", code, "confirm"] if post => Route::Confirm { openid, code },
        _ => Route::Unknown,
    }
}

fn path_segment(field: &str, raw: &str) -> Result<String, ApiError> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            ApiError::param(&FieldError {
                field: field.into(),
                location: Location::Path,
                rule: Rule::Charset("percent-encoded UTF-8"),
            })
        })
}

fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::param(&FieldError::body("(body)", Rule::Json(e.to_string()))))
}

impl Emulator {
    /// Steps 2 onward for a request whose head passed step 1 and whose body was read.
    pub(crate) fn answer(
        &self,
        parts: &http::request::Parts,
        route: Route<'_>,
        body: &[u8],
        fail: bool,
    ) -> (&'static str, Answer) {
        let endpoint = route.endpoint();
        if route == Route::Unknown {
            return (endpoint, unknown(parts).into());
        }
        // 2. Who is calling.
        let presented = Presented {
            authorization: parts
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok()),
            method: parts.method.as_str(),
            path_and_query: parts.uri.path_and_query().map_or("/", |pq| pq.as_str()),
            body,
        };
        let merchant = match authenticate(
            &self.merchants,
            &self.nonces,
            self.limits.timestamp_skew_secs,
            presented,
            self.real_now(),
        ) {
            Ok(m) => m,
            Err(e) => return (endpoint, e.into()),
        };
        // 3. Rate limit.
        if !self.admit(&merchant.mchid) {
            let e = ApiError::new(
                ErrorRow::RateLimited,
                format!(
                    "mchid {} is over {} requests/s; retry later with the same parameters",
                    merchant.mchid, self.limits.rate_per_sec
                ),
            );
            return (endpoint, e.into());
        }
        let answer = match route {
            Route::Send { openid } => self.answer_send(merchant, openid, body, fail),
            Route::Confirm { openid, code } => self.answer_confirm(merchant, openid, code, body),
            Route::SetNotifyConfig => self.set_notify_config(merchant, body),
            Route::GetNotifyConfig => self.get_notify_config(merchant),
            Route::Unknown => unknown(parts).into(),
        };
        (endpoint, answer)
    }

    fn answer_send(
        &self,
        merchant: &Merchant,
        raw_openid: &str,
        body: &[u8],
        fail: bool,
    ) -> Answer {
        // 4. Parameters.
        let request = match path_segment("openid", raw_openid).and_then(|openid| {
            SendUserProductCouponRequest::from_body(&openid, body)
                .map_err(|e| ApiError::validation(&e))
        }) {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        // 5–11. Business rules, atomically.
        match self.send_checked(merchant, &request, fail) {
            Ok((entity, new)) => {
                // Sized for the seed-shaped entity (3.3 KB) so that it is written without regrowing.
                let mut body = Vec::with_capacity(4096);
                if serde_json::to_writer(&mut body, &entity).is_err() {
                    body.clear();
                }
                if new {
                    Answer::Issued(body)
                } else {
                    Answer::Ok(body)
                }
            }
            Err(e) => e.into(),
        }
    }

    fn answer_confirm(
        &self,
        merchant: &Merchant,
        raw_openid: &str,
        raw_code: &str,
        body: &[u8],
    ) -> Answer {
        let decoded = path_segment("openid", raw_openid).and_then(|openid| {
            let coupon_code = path_segment("coupon_code", raw_code)?;
            let mut request: ConfirmSendUserProductCouponRequest = json(body)?;
            request.openid = openid;
            request.coupon_code = coupon_code;
            request.validate().map_err(|e| ApiError::validation(&e))?;
            Ok(request)
        });
        let request = match decoded {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let now = self.business_now();
        let input = ConfirmInput {
            caller: Caller {
                mchid: &merchant.mchid,
                brands: &merchant.brands,
                appids: &merchant.appids,
            },
            request: &request,
            now,
        };
        let mut ledger = self.ledger.lock();
        match ledger.confirm(&input) {
            Ok(coupon) => {
                Answer::Ok(serde_json::to_vec(&ledger.entity(coupon, now)).unwrap_or_default())
            }
            Err(e) => e.into(),
        }
    }

    fn set_notify_config(&self, merchant: &Merchant, body: &[u8]) -> Answer {
        let config: NotifyConfigBody = match json(body) {
            Ok(c) => c,
            Err(e) => return e.into(),
        };
        let url = config.notify_url.trim();
        if let Err(problem) = check_notify_url(url) {
            return ApiError::param(&FieldError::body("notify_url", Rule::Mode(problem))).into();
        }
        if merchant.apiv3_key.is_none() {
            return ApiError::new(
                ErrorRow::BusinessRule,
                format!(
                    "mchid {} has no apiv3_key in the emulator's config, so its callbacks could not be encrypted; add apiv3_key under its [[merchants]]",
                    merchant.mchid
                ),
            )
            .into();
        }
        *merchant.notify_url.write() = Some(url.to_owned());
        Answer::Ok(
            serde_json::to_vec(&NotifyConfigBody {
                notify_url: url.to_owned(),
            })
            .unwrap_or_default(),
        )
    }

    fn get_notify_config(&self, merchant: &Merchant) -> Answer {
        match merchant.notify_url.read().clone() {
            Some(notify_url) => {
                Answer::Ok(serde_json::to_vec(&NotifyConfigBody { notify_url }).unwrap_or_default())
            }
            None => ApiError {
                row: ErrorRow::StockNotFound,
                message: format!(
                    "no notify_url is set for mchid {}; POST one to {NOTIFY_CONFIG_PATH}",
                    merchant.mchid
                ),
                detail: None,
            }
            .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let (post, get) = (http::Method::POST, http::Method::GET);
        let users = "/v3/marketing/partner/product-coupon/users";
        assert_eq!(
            route(&post, &format!("{users}/o1/coupons")),
            Route::Send { openid: "o1" }
        );
        assert_eq!(
            route(&post, &format!("{users}/o1/coupons/C1/confirm")),
            Route::Confirm {
                openid: "o1",
                code: "C1"
            }
        );
        assert_eq!(route(&get, &format!("{users}/o1/coupons")), Route::Unknown);
        assert_eq!(
            route(&post, &format!("{users}/o1/coupons/x")),
            Route::Unknown
        );
        assert_eq!(route(&post, NOTIFY_CONFIG_PATH), Route::SetNotifyConfig);
        assert_eq!(route(&get, NOTIFY_CONFIG_PATH), Route::GetNotifyConfig);
        assert_eq!(route(&post, "/v3/other"), Route::Unknown);
    }
}
