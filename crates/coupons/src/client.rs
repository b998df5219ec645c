//! [`CouponClient`]: the product-coupon API, typed.

use std::path::Path;

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use wxpay_models::{
    ConfirmSendUserProductCouponRequest, SendUserProductCouponRequest, UserProductCouponEntity,
};
use wxpay_transport::{ApiResponse, ClientConfig, Transport};

use crate::error::{ApiError, CouponError};

/// Issues product coupons: validates, signs, sends, retries safely, verifies, decodes.
///
/// Cheap to clone; clones share the connection pool, rate limiter and failover state.
///
/// ```no_run
/// # async fn run() -> Result<(), wxpay_coupons::CouponError> {
/// use wxpay_coupons::{CouponClient, CouponTagInfo, SendUserProductCouponRequest};
/// let client = CouponClient::from_config_file("client.toml")?;
/// let coupon = client
///     .send_user_product_coupon(&SendUserProductCouponRequest {
///         openid: "oh-394z-6CGkNoJrsDLTTUKiAnp4".into(),
///         coupon_code: Some("Code_123456".into()),
///         product_coupon_id: "1000000013".into(),
///         appid: "wx233544546545989".into(),
///         attach: Some("any attach content".into()),
///         coupon_tag_info: Some(CouponTagInfo::member("MemberCardId_1234567890")),
///         stock_id: "1000000013001".into(),
///         send_request_no: "MCHSEND202003101234".into(),
///         brand_id: "120344".into(),
///     })
///     .await?;
/// println!("{} is {}", coupon.coupon_code, coupon.coupon_state);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CouponClient {
    transport: Transport,
}

impl CouponClient {
    /// A client over a configured transport (see [`Transport::builder`] to build one from
    /// values).
    pub fn new(transport: Transport) -> Self {
        Self { transport }
    }

    /// A client as a configuration file describes it (DESIGN.md §4).
    pub fn from_config(config: &ClientConfig) -> Result<Self, CouponError> {
        Ok(Self::new(Transport::from_config(config)?))
    }

    /// Reads a configuration file and builds the client.
    pub fn from_config_file(path: impl AsRef<Path>) -> Result<Self, CouponError> {
        Self::from_config(&ClientConfig::from_file(path)?)
    }

    /// The transport underneath.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// 向用户发放商品券: sends one coupon to one user.
    ///
    /// Retried on 429, SYSTEM_ERROR, timeouts, lost and unverifiable answers with the same
    /// body: WeChat Pay answers a repeated `send_request_no` with the coupon it already issued,
    /// so a retry never issues twice.
    pub async fn send_user_product_coupon(
        &self,
        request: &SendUserProductCouponRequest,
    ) -> Result<UserProductCouponEntity, CouponError> {
        self.send_user_product_coupon_answered(request)
            .await
            .map(|a| a.entity)
    }

    /// [`send_user_product_coupon`](Self::send_user_product_coupon), with the answer's
    /// Request-ID and the number of attempts it took (for records and audits).
    pub async fn send_user_product_coupon_answered(
        &self,
        request: &SendUserProductCouponRequest,
    ) -> Result<Answered<UserProductCouponEntity>, CouponError> {
        request.validate()?;
        let body = request_body(request.to_body())?;
        self.call(
            Method::POST,
            &request.path(),
            body,
            "UserProductCouponEntity",
        )
        .await
    }

    /// 确认发放用户商品券: confirms a sent coupon (CONFIRMING → EFFECTIVE, or PENDING until
    /// its validity begins). Retried like sends, with the same body: the same
    /// `out_request_no` makes a replay answer with the confirmed coupon.
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_coupons::CouponClient) -> Result<(), wxpay_coupons::CouponError> {
    /// let coupon = client
    ///     .confirm_send_user_product_coupon(&wxpay_coupons::ConfirmSendUserProductCouponRequest {
    ///         openid: "oh-394z-6CGkNoJrsDLTTUKiAnp4".into(),
    ///         coupon_code: "Code_123456".into(),
    ///         product_coupon_id: "1000000013".into(),
    ///         stock_id: "1000000013001".into(),
    ///         appid: "wx233544546545989".into(),
    ///         out_request_no: "CONFIRM_Code_123456".into(),
    ///         brand_id: "120344".into(),
    ///     })
    ///     .await?;
    /// assert_ne!(coupon.coupon_state, wxpay_coupons::UserProductCouponState::Confirming);
    /// # Ok(()) }
    /// ```
    pub async fn confirm_send_user_product_coupon(
        &self,
        request: &ConfirmSendUserProductCouponRequest,
    ) -> Result<UserProductCouponEntity, CouponError> {
        request.validate()?;
        let body = request_body(request.to_body())?;
        self.call(
            Method::POST,
            &request.path(),
            body,
            "UserProductCouponEntity",
        )
        .await
        .map(|a| a.entity)
    }

    /// Sends a JSON body and decodes a 2xx answer as `T`; any other answer is an error.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Bytes,
        what: &'static str,
    ) -> Result<Answered<T>, CouponError> {
        let response = self.transport.execute(method, path, body).await?;
        decode(response, what)
    }
}

/// A decoded answer with what records need besides the entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered<T> {
    /// The entity.
    pub entity: T,
    /// The answer's Request-ID.
    pub request_id: Option<String>,
    /// Attempts made (1 when the first answered).
    pub attempts: u32,
}

fn decode<T: DeserializeOwned>(
    response: ApiResponse,
    what: &'static str,
) -> Result<Answered<T>, CouponError> {
    if response.status.is_success() {
        return match serde_json::from_slice(&response.body) {
            Ok(entity) => Ok(Answered {
                entity,
                request_id: response.request_id,
                attempts: response.attempts,
            }),
            Err(e) => Err(CouponError::Decode {
                what,
                message: e.to_string(),
                request_id: response.request_id,
            }),
        };
    }
    let (code, message, detail) = match response.error_body() {
        Some(body) => (body.code, body.message, body.detail),
        None => (
            wxpay_models::ErrorCode::Unknown(format!("HTTP_{}", response.status.as_u16())),
            String::from_utf8_lossy(&response.body)
                .chars()
                .take(500)
                .collect(),
            None,
        ),
    };
    Err(CouponError::Api(Box::new(ApiError {
        status: response.status.as_u16(),
        code,
        message,
        detail,
        request_id: response.request_id,
        attempts: response.attempts,
    })))
}

/// A serialized request body; serializing our own request types cannot fail in practice, but
/// if it ever does the error says so instead of panicking.
fn request_body(body: Result<Vec<u8>, serde_json::Error>) -> Result<Bytes, CouponError> {
    body.map(Bytes::from).map_err(|e| CouponError::Decode {
        what: "request",
        message: e.to_string(),
        request_id: None,
    })
}
