//! Error answers: status, code, a message that says what to fix, and the numeric business
//! code that ends the answer's Request-ID (`…-268578608`), as Tencent's troubleshooting
//! guide tells integrators to read it.

use wxpay_models::{ApiErrorBody, ErrorCode, ErrorDetail, ErrorRow, FieldError, ValidationError};

/// The numeric business codes of the fact sheet (§f) the emulator answers with.
pub mod biz {
    /// 参数非法: a parameter breaks its format.
    pub const PARAM_ILLEGAL: u32 = 268_435_461;
    /// 入参不合法: invalid JSON, missing field, wrong nesting.
    pub const INVALID_INPUT: u32 = 268_578_101;
    /// 当前访问对象不存在: unknown id, other brand, or created by another provider.
    pub const NOT_FOUND: u32 = 268_578_608;
    /// 用户券不存在 (brand mode's code for an unknown user coupon).
    pub const USER_COUPON_NOT_FOUND: u32 = 268_578_851;
    /// 用户券状态非法.
    pub const COUPON_STATE: u32 = 268_578_367;
    /// 用户券已过期.
    pub const COUPON_EXPIRED: u32 = 268_578_776;
    /// 券已被删除.
    pub const COUPON_DELETED: u32 = 272_756_769;
    /// 券已被其他订单核销.
    pub const USED_BY_OTHER_ORDER: u32 = 272_756_745;
    /// 券不在使用有效期 (absolute validity).
    pub const OUTSIDE_VALIDITY: u32 = 272_755_715;
    /// 券不在使用有效期 (weekly / irregular periods).
    pub const OUTSIDE_PERIOD: u32 = 272_755_717;
    /// 批次状态不是发放中.
    pub const STOCK_NOT_SENDING: u32 = 268_577_984;
    /// 用户领取券张数已达上限.
    pub const USER_LIMIT: u32 = 272_756_740;
    /// 发券请求重入但单号不一致.
    pub const SEND_REENTRY: u32 = 272_755_200;
    /// 使用了相同单号，但与上次请求的数据不一致.
    pub const SAME_NO_OTHER_DATA: u32 = 268_578_927;
    /// 传入的 AppID 非法.
    pub const APPID_ILLEGAL: u32 = 268_578_704;
    /// 解析 OpenID 错误 (partner).
    pub const OPENID_PARTNER: u32 = 268_578_526;
    /// 核销门店非法.
    pub const STORE_ILLEGAL: u32 = 268_584_404;
    /// 当前券批次全部门店可用.
    pub const ALL_STORES: u32 = 268_578_813;
    /// 服务商没有此接口权限 (NO_AUTH).
    pub const NO_AUTH: u32 = 268_579_803;
    /// 频率过快.
    pub const TOO_FREQUENT: u32 = 270_924_289;
    /// 参数错误 (e.g. count 3–15, validity window), see detail.
    pub const PARAM_RULE: u32 = 268_578_224;
    /// 参数超出取值范围.
    pub const OUT_OF_RANGE: u32 = 268_435_464;
    /// 非递减优惠: each round at least as strong as the previous.
    pub const NON_DECREASING: u32 = 268_586_067;
    /// 图片超过指定大小.
    pub const IMAGE_TOO_LARGE: u32 = 270_087_680;
}

/// An error answer of the emulator.
///
/// ```
/// use wxpay_mock::ErrorAnswer;
/// let e = ErrorAnswer::not_found("no such stock 1");
/// assert_eq!((e.status, e.code.as_str(), e.biz), (404, "NOT_FOUND", Some(268578608)));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ErrorAnswer {
    /// HTTP status.
    pub status: u16,
    /// The error code of the body.
    pub code: ErrorCode,
    /// What exactly is wrong and what to do.
    pub message: String,
    /// PARAM_ERROR details.
    pub detail: Option<Box<ErrorDetail>>,
    /// The numeric business code the Request-ID ends with, when one is documented.
    pub biz: Option<u32>,
}

impl ErrorAnswer {
    /// An answer of the send endpoint's error-table `row`; the message starts with the
    /// row's description.
    pub fn new(row: ErrorRow, what: impl std::fmt::Display) -> Self {
        Self {
            status: row.status(),
            code: row.code(),
            message: format!("{}: {what}", row.description()),
            detail: None,
            biz: row_biz(row),
        }
    }

    /// Any status and code, with a numeric business code.
    pub fn coded(status: u16, code: ErrorCode, biz: u32, what: impl std::fmt::Display) -> Self {
        Self {
            status,
            code,
            message: what.to_string(),
            detail: None,
            biz: Some(biz),
        }
    }

    /// 404 NOT_FOUND for an unknown user coupon: brand mode has its own code (用户券不存在,
    /// 268578851), partner mode the generic one.
    pub(crate) fn user_coupon_not_found(
        mode: wxpay_models::Mode,
        what: impl std::fmt::Display,
    ) -> Self {
        match mode {
            wxpay_models::Mode::Brand => Self::coded(
                404,
                ErrorCode::NotFound,
                biz::USER_COUPON_NOT_FOUND,
                format!("用户券不存在: {what}"),
            ),
            _ => Self::not_found(what),
        }
    }

    /// 404 NOT_FOUND (268578608): unknown id, another brand's, or another provider's.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::coded(
            404,
            ErrorCode::NotFound,
            biz::NOT_FOUND,
            format!("当前访问对象不存在: {what}"),
        )
    }

    /// 400 INVALID_REQUEST with a business code: a rule of the operation is broken.
    pub fn rule(biz: u32, what: impl std::fmt::Display) -> Self {
        Self::coded(
            400,
            ErrorCode::InvalidRequest,
            biz,
            format!("传入参数不符合业务规则: {what}"),
        )
    }

    /// 400 PARAM_ERROR for one field, with WeChat Pay's `detail` shape.
    pub fn param(e: &FieldError) -> Self {
        Self {
            status: 400,
            code: ErrorCode::ParamError,
            message: format!(
                "{}: {} {}",
                ErrorRow::ParamError.description(),
                e.field,
                e.rule
            ),
            detail: Some(Box::new(ErrorDetail {
                field: Some(e.field.clone()),
                location: Some(e.location.as_str().to_owned()),
                issue: Some(e.rule.to_string()),
                ..ErrorDetail::default()
            })),
            biz: Some(biz::PARAM_ILLEGAL),
        }
    }

    /// PARAM_ERROR for the first broken rule; the message lists all of them.
    pub fn validation(e: &ValidationError) -> Self {
        match e.first() {
            Some(first) => {
                let mut err = Self::param(first);
                if e.errors().len() > 1 {
                    err.message = format!("{}: {}", ErrorRow::ParamError.description(), e)
                        .replacen("invalid request: ", "", 1);
                }
                err
            }
            None => Self::new(ErrorRow::ParamError, "invalid request"),
        }
    }

    /// 401 SIGN_ERROR.
    pub fn sign(what: impl std::fmt::Display) -> Self {
        Self::new(ErrorRow::SignError, what)
    }

    /// 500 SYSTEM_ERROR.
    pub fn system(what: impl std::fmt::Display) -> Self {
        Self::new(ErrorRow::SystemError, what)
    }

    /// The JSON body.
    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody {
            code: self.code.clone(),
            message: self.message.clone(),
            detail: self.detail.as_deref().cloned(),
        }
    }
}

/// The business code of a send-table row, where the troubleshooting guides give one.
fn row_biz(row: ErrorRow) -> Option<u32> {
    Some(match row {
        ErrorRow::ParamError => biz::PARAM_ILLEGAL,
        ErrorRow::UserLimitReached => biz::USER_LIMIT,
        ErrorRow::RequestNoConflict => biz::SAME_NO_OTHER_DATA,
        ErrorRow::ProductCouponNotFound | ErrorRow::StockNotFound => biz::NOT_FOUND,
        ErrorRow::RateLimited => biz::TOO_FREQUENT,
        _ => return None,
    })
}
