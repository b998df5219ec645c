//! Error answers: a row of the seed's error table plus a message that says what to fix.

use wxpay_models::{ApiErrorBody, ErrorDetail, ErrorRow, FieldError, ValidationError};

/// An error answer of the emulator.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The error-table row (status and code).
    pub row: ErrorRow,
    /// The message: the row's description, then what exactly is wrong and what to do.
    pub message: String,
    /// PARAM_ERROR details.
    pub detail: Option<Box<ErrorDetail>>,
}

impl ApiError {
    /// An error of `row`; the message starts with the row's description.
    pub fn new(row: ErrorRow, what: impl std::fmt::Display) -> Self {
        Self {
            row,
            message: format!("{}: {what}", row.description()),
            detail: None,
        }
    }

    /// 400 PARAM_ERROR for one field, with WeChat Pay's `detail` shape.
    pub fn param(e: &FieldError) -> Self {
        Self {
            row: ErrorRow::ParamError,
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

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.row.status()
    }

    /// The JSON body.
    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody {
            code: self.row.code(),
            message: self.message.clone(),
            detail: self.detail.as_deref().cloned(),
        }
    }
}
