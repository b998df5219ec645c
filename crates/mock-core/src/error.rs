//! Error answers: status, code, a message that says what to fix, and the numeric business
//! code ([`BizCode`]) that ends the answer's Request-ID (`…-268578608`), as Tencent's
//! troubleshooting guide tells integrators to read it.

use wxpay_models::{
    ApiErrorBody, BizCode, ErrorCode, ErrorDetail, ErrorRow, FieldError, ValidationError,
};

/// The numeric business codes of the fact sheet (§f) the emulator answers with.
/// An error answer of the emulator.
///
/// ```
/// use wxpay_mock_core::ErrorAnswer;
/// use wxpay_models::BizCode;
/// let e = ErrorAnswer::not_found("no such stock 1");
/// assert_eq!((e.status, e.code.as_str(), e.biz), (404, "NOT_FOUND", Some(BizCode::NotFound)));
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
    pub biz: Option<BizCode>,
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
            biz: row.biz(),
        }
    }

    /// Any status and code, with a numeric business code.
    pub fn coded(status: u16, code: ErrorCode, biz: BizCode, what: impl std::fmt::Display) -> Self {
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
    pub fn user_coupon_not_found(mode: wxpay_models::Mode, what: impl std::fmt::Display) -> Self {
        match mode {
            wxpay_models::Mode::Brand => Self::coded(
                404,
                ErrorCode::NotFound,
                BizCode::UserCouponNotFound,
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
            BizCode::NotFound,
            format!("当前访问对象不存在: {what}"),
        )
    }

    /// 400 INVALID_REQUEST with a business code: a rule of the operation is broken.
    pub fn rule(biz: BizCode, what: impl std::fmt::Display) -> Self {
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
            biz: Some(BizCode::ParamIllegal),
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

    /// 400 INVALID_REQUEST (268579803): the brand has not granted service provider `mchid`
    /// the product.
    pub fn unauthorised(mchid: &str, brand: &str) -> Self {
        let mut e = Self::new(
            ErrorRow::BusinessRule,
            format!("brand {brand} has not authorised service provider {mchid}"),
        );
        e.biz = Some(BizCode::NoAuth);
        e
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
