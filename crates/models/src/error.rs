//! API errors: the body WeChat Pay answers with, its codes, and the send endpoint's error table.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use crate::BizCode;

wire_enum! {
    /// The `code` of an error body.
    ErrorCode {
        /// 400: a parameter is missing or breaks its format.
        ParamError = "PARAM_ERROR",
        /// 400: the HTTP request or the business rules are not met.
        InvalidRequest = "INVALID_REQUEST",
        /// 401: the signature did not verify.
        SignError = "SIGN_ERROR",
        /// 500: WeChat Pay failed; retry with the same parameters.
        SystemError = "SYSTEM_ERROR",
        /// 400: the request number or coupon code was used before.
        AlreadyExists = "ALREADY_EXISTS",
        /// 403: budget or uploaded codes exhausted.
        NotEnough = "NOT_ENOUGH",
        /// 404: product coupon or stock not found.
        NotFound = "NOT_FOUND",
        /// 429: over the rate limit; retry with the same parameters.
        RatelimitExceeded = "RATELIMIT_EXCEEDED",
        /// 403: the service provider lacks the permission (the brand has not granted it).
        NoAuth = "NO_AUTH",
    }
}

impl ErrorCode {
    /// Whether the same request may succeed later: WeChat Pay says to retry SYSTEM_ERROR and
    /// RATELIMIT_EXCEEDED with the original parameters.
    ///
    /// ```
    /// use wxpay_models::ErrorCode;
    /// assert!(ErrorCode::RatelimitExceeded.is_retryable());
    /// assert!(!ErrorCode::NotEnough.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, ErrorCode::SystemError | ErrorCode::RatelimitExceeded)
    }
}

/// The JSON body of an error answer: `{"code", "message", "detail"?}`.
///
/// ```
/// use wxpay_models::{ApiErrorBody, ErrorCode};
/// let body: ApiErrorBody = serde_json::from_str(r#"{"code":"PARAM_ERROR","message":"stock_id is required","detail":{"field":"stock_id","location":"body","issue":"is required"}}"#)?;
/// assert_eq!(body.code, ErrorCode::ParamError);
/// assert_eq!(body.detail.and_then(|d| d.field).as_deref(), Some("stock_id"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// The error code.
    pub code: ErrorCode,
    /// Human-readable message.
    pub message: String,
    /// Details, e.g. the offending field for PARAM_ERROR.
    pub detail: Option<ErrorDetail>,
}

/// `detail` of an error body. WeChat Pay fills `field`, `location` and `issue` (and sometimes
/// `value`) for PARAM_ERROR; anything else it sends is kept in `extra`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// JSON path of the offending field.
    pub field: Option<String>,
    /// `body`, `path`, `query` or `header`.
    pub location: Option<String>,
    /// The offending value.
    pub value: Option<Value>,
    /// The rule broken.
    pub issue: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One row of the send endpoint's error table (错误码): status, code and meaning.
///
/// The same code can mean different things (three INVALID_REQUEST rows); the row says which.
///
/// ```
/// use wxpay_models::{ErrorCode, ErrorRow};
/// assert_eq!(ErrorRow::ALL.len(), 13);
/// assert_eq!(ErrorRow::UserLimitReached.status(), 400);
/// assert_eq!(ErrorRow::UserLimitReached.code(), ErrorCode::InvalidRequest);
/// assert_eq!(ErrorRow::UserLimitReached.description(), "用户领取已达到上限");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorRow {
    /// 400 PARAM_ERROR 参数错误.
    ParamError,
    /// 400 INVALID_REQUEST: the HTTP request breaks the APIv3 rules.
    InvalidHttpRequest,
    /// 401 SIGN_ERROR.
    SignError,
    /// 500 SYSTEM_ERROR.
    SystemError,
    /// 400 INVALID_REQUEST: parameters break a business rule.
    BusinessRule,
    /// 400 INVALID_REQUEST: the user reached the per-user limit.
    UserLimitReached,
    /// 400 ALREADY_EXISTS: request number reused with other parameters.
    RequestNoConflict,
    /// 400 ALREADY_EXISTS: coupon code already issued in the stock.
    CouponCodeConflict,
    /// 403 NOT_ENOUGH: budget (total or daily) exhausted.
    BudgetExhausted,
    /// 403 NOT_ENOUGH: uploaded codes exhausted.
    CodesExhausted,
    /// 404 NOT_FOUND: product coupon.
    ProductCouponNotFound,
    /// 404 NOT_FOUND: stock.
    StockNotFound,
    /// 429 RATELIMIT_EXCEEDED.
    RateLimited,
}

impl ErrorRow {
    /// Every row, in the document's order.
    pub const ALL: [ErrorRow; 13] = [
        ErrorRow::ParamError,
        ErrorRow::InvalidHttpRequest,
        ErrorRow::SignError,
        ErrorRow::SystemError,
        ErrorRow::BusinessRule,
        ErrorRow::UserLimitReached,
        ErrorRow::RequestNoConflict,
        ErrorRow::CouponCodeConflict,
        ErrorRow::BudgetExhausted,
        ErrorRow::CodesExhausted,
        ErrorRow::ProductCouponNotFound,
        ErrorRow::StockNotFound,
        ErrorRow::RateLimited,
    ];

    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            ErrorRow::SignError => 401,
            ErrorRow::SystemError => 500,
            ErrorRow::BudgetExhausted | ErrorRow::CodesExhausted => 403,
            ErrorRow::ProductCouponNotFound | ErrorRow::StockNotFound => 404,
            ErrorRow::RateLimited => 429,
            _ => 400,
        }
    }

    /// The error code.
    pub fn code(self) -> ErrorCode {
        match self {
            ErrorRow::ParamError => ErrorCode::ParamError,
            ErrorRow::InvalidHttpRequest | ErrorRow::BusinessRule | ErrorRow::UserLimitReached => {
                ErrorCode::InvalidRequest
            }
            ErrorRow::SignError => ErrorCode::SignError,
            ErrorRow::SystemError => ErrorCode::SystemError,
            ErrorRow::RequestNoConflict | ErrorRow::CouponCodeConflict => ErrorCode::AlreadyExists,
            ErrorRow::BudgetExhausted | ErrorRow::CodesExhausted => ErrorCode::NotEnough,
            ErrorRow::ProductCouponNotFound | ErrorRow::StockNotFound => ErrorCode::NotFound,
            ErrorRow::RateLimited => ErrorCode::RatelimitExceeded,
        }
    }

    /// The description column (描述), verbatim.
    pub fn description(self) -> &'static str {
        match self {
            ErrorRow::ParamError => "参数错误",
            ErrorRow::InvalidHttpRequest => "HTTP 请求不符合微信支付 APIv3 接口规则",
            ErrorRow::SignError => "验证不通过",
            ErrorRow::SystemError => "系统异常,请稍后重试",
            ErrorRow::BusinessRule => "传入参数不符合业务规则",
            ErrorRow::UserLimitReached => "用户领取已达到上限",
            ErrorRow::RequestNoConflict => "out_request_no 冲突",
            ErrorRow::CouponCodeConflict => "coupon_code 冲突",
            ErrorRow::BudgetExhausted => "商品券批次发放预算不足",
            ErrorRow::CodesExhausted => "商品券批次预上传券Code剩余数量不足",
            ErrorRow::ProductCouponNotFound => "未找到 product_coupon_id 对应的商品券",
            ErrorRow::StockNotFound => "未找到 stock_id 对应的商品券批次",
            ErrorRow::RateLimited => "请求超过接口频率限制",
        }
    }

    /// The numeric business code answers of this row end their Request-ID with, where the
    /// troubleshooting guides give one.
    ///
    /// ```
    /// use wxpay_models::{BizCode, ErrorRow};
    /// assert_eq!(ErrorRow::UserLimitReached.biz(), Some(BizCode::UserLimit));
    /// assert_eq!(ErrorRow::SystemError.biz(), None);
    /// ```
    pub fn biz(self) -> Option<BizCode> {
        Some(match self {
            ErrorRow::ParamError => BizCode::ParamIllegal,
            ErrorRow::UserLimitReached => BizCode::UserLimit,
            ErrorRow::RequestNoConflict => BizCode::SameNoOtherData,
            ErrorRow::ProductCouponNotFound | ErrorRow::StockNotFound => BizCode::NotFound,
            ErrorRow::RateLimited => BizCode::TooFrequent,
            _ => return None,
        })
    }

    /// The solution column (解决方案), in English.
    pub fn solution(self) -> &'static str {
        match self {
            ErrorRow::ParamError => "pass the parameters as the error message says",
            ErrorRow::InvalidHttpRequest => {
                "follow the APIv3 interface rules (headers, content type, body size)"
            }
            ErrorRow::SignError => {
                "check the signature: key, serial number, clock and the exact bytes signed"
            }
            ErrorRow::SystemError => "retry later with the same parameters",
            ErrorRow::BusinessRule => "check each field's requirements and how they combine",
            ErrorRow::UserLimitReached => "this user cannot receive more coupons of this stock",
            ErrorRow::RequestNoConflict => "use a new request number for a different request",
            ErrorRow::CouponCodeConflict => "use another coupon code",
            ErrorRow::BudgetExhausted => "check the stock's total and daily budget",
            ErrorRow::CodesExhausted => "upload more coupon codes to the stock",
            ErrorRow::ProductCouponNotFound => {
                "check product_coupon_id exists and belongs to the brand"
            }
            ErrorRow::StockNotFound => "check stock_id exists and belongs to the product coupon",
            ErrorRow::RateLimited => "retry later with the original parameters",
        }
    }
}
