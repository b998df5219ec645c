//! [`CouponClient`]: the product-coupon API, typed.

use std::path::Path;

use futures_util::{Stream, TryStreamExt, stream};
use serde::de::DeserializeOwned;
use wxpay_models::{
    ConfirmSendUserProductCouponRequest, Endpoint, Paged, SendUserProductCouponRequest,
    UserProductCouponEntity, encode,
};
use wxpay_transport::{ApiResponse, CallOptions, ClientConfig, Transport};

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
///     .send_user_product_coupon(
///         &SendUserProductCouponRequest::new(
///             "oh-394z-6CGkNoJrsDLTTUKiAnp4",
///             "1000000013",
///             "1000000013001",
///             "wx233544546545989",
///             "MCHSEND202003101234",
///         )
///         .with_coupon_code("Code_123456")
///         .with_attach("any attach content")
///         .with_coupon_tag_info(CouponTagInfo::member("MemberCardId_1234567890"))
///         .with_brand_id("120344"),
///     )
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

    /// A client as a configuration file describes it (docs/contracts.md, client config).
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

    /// Calls any operation of the family: validates the request, encodes it for the
    /// client's mode (path, query, `brand_id`), signs, sends, retries as the operation's
    /// retry class allows, verifies the answer and decodes `E::Response`.
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_coupons::CouponClient) -> Result<(), wxpay_coupons::CouponError> {
    /// use wxpay_coupons::models::user_coupon::GetUserProductCouponRequest;
    /// let coupon = client
    ///     // No brand_id: in partner mode the client's default brand is used.
    ///     .execute(&GetUserProductCouponRequest::new(
    ///         "oh-394z-6CGkNoJrsDLTTUKiAnp4",
    ///         "8000000000001",
    ///         "1000000013",
    ///         "1000000013001",
    ///         "wx233544546545989",
    ///     ))
    ///     .await?;
    /// println!("{} is {}", coupon.coupon_code, coupon.coupon_state);
    /// # Ok(()) }
    /// ```
    pub async fn execute<E: Endpoint>(&self, request: &E) -> Result<E::Response, CouponError> {
        self.execute_answered(request).await.map(|a| a.entity)
    }

    /// [`execute`](Self::execute), with the answer's Request-ID and the number of attempts it
    /// took (for records and audits).
    pub async fn execute_answered<E: Endpoint>(
        &self,
        request: &E,
    ) -> Result<Answered<E::Response>, CouponError> {
        let encoded = encode(request, self.transport.target())?;
        let response = self.transport.call(E::OPERATION, &encoded).await?;
        decode(response, std::any::type_name::<E::Response>())
    }

    /// [`execute`](Self::execute) with options of this call: a timeout per attempt instead
    /// of the client's, headers added to every attempt. Headers the SDK signs or sets itself
    /// are refused (`CouponError::Transport`, nothing sent).
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_coupons::CouponClient, request: wxpay_coupons::SendUserProductCouponRequest) -> Result<(), wxpay_coupons::CouponError> {
    /// use std::time::Duration;
    /// use wxpay_coupons::CallOptions;
    /// let options = CallOptions::new()
    ///     .timeout(Duration::from_secs(2))
    ///     .header(http::HeaderName::from_static("x-trace-id"), http::HeaderValue::from_static("order-42"));
    /// let coupon = client.execute_with(&request, &options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute_with<E: Endpoint>(
        &self,
        request: &E,
        options: &CallOptions,
    ) -> Result<E::Response, CouponError> {
        self.execute_answered_with(request, options)
            .await
            .map(|a| a.entity)
    }

    /// [`execute_answered`](Self::execute_answered) with [`CallOptions`].
    pub async fn execute_answered_with<E: Endpoint>(
        &self,
        request: &E,
        options: &CallOptions,
    ) -> Result<Answered<E::Response>, CouponError> {
        let encoded = encode(request, self.transport.target())?;
        let response = self
            .transport
            .call_with(E::OPERATION, &encoded, options)
            .await?;
        decode(response, std::any::type_name::<E::Response>())
    }

    /// Every item of a list operation, page after page (following `next_page_token`), as a
    /// stream; it ends after the last page or at the first error.
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_coupons::CouponClient) -> Result<(), wxpay_coupons::CouponError> {
    /// use futures_util::TryStreamExt;
    /// use wxpay_coupons::models::stock::ListStocksRequest;
    /// let request = ListStocksRequest::new("1000000013");
    /// let stocks: Vec<_> = client.paginate(request).try_collect().await?;
    /// println!("{} stocks", stocks.len());
    /// # Ok(()) }
    /// ```
    pub fn paginate<E: Paged>(
        &self,
        mut request: E,
    ) -> impl Stream<Item = Result<E::Item, CouponError>> + Send + 'static {
        let client = self.clone();
        request.set_page_token(None);
        let pages = stream::try_unfold(Some(request), move |next| {
            let client = client.clone();
            async move {
                let Some(mut request) = next else {
                    return Ok::<_, CouponError>(None);
                };
                let (items, token) = E::into_page(client.execute(&request).await?);
                let next = token.filter(|t| !t.is_empty()).map(|t| {
                    request.set_page_token(Some(t));
                    request
                });
                let items = stream::iter(items.into_iter().map(Ok::<_, CouponError>));
                Ok(Some((items, next)))
            }
        });
        pages.try_flatten()
    }

    /// 向用户发放商品券 (E20): sends one coupon to one user.
    ///
    /// Retried on 429, SYSTEM_ERROR, timeouts, lost and unverifiable answers with the same
    /// body: WeChat Pay answers a repeated `send_request_no` with the coupon it already issued,
    /// so a retry never issues twice.
    pub async fn send_user_product_coupon(
        &self,
        request: &SendUserProductCouponRequest,
    ) -> Result<UserProductCouponEntity, CouponError> {
        self.execute(request).await
    }

    /// [`send_user_product_coupon`](Self::send_user_product_coupon), with the answer's
    /// Request-ID and the number of attempts it took (for records and audits).
    pub async fn send_user_product_coupon_answered(
        &self,
        request: &SendUserProductCouponRequest,
    ) -> Result<Answered<UserProductCouponEntity>, CouponError> {
        self.execute_answered(request).await
    }

    /// 确认发放用户商品券 (E22): confirms a sent coupon (CONFIRMING → EFFECTIVE, or PENDING
    /// until its validity begins). Retried like sends: the same `out_request_no` makes a
    /// replay answer with the confirmed coupon.
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_coupons::CouponClient) -> Result<(), wxpay_coupons::CouponError> {
    /// let coupon = client
    ///     .confirm_send_user_product_coupon(
    ///         &wxpay_coupons::ConfirmSendUserProductCouponRequest::new(
    ///             "oh-394z-6CGkNoJrsDLTTUKiAnp4",
    ///             "Code_123456",
    ///             "1000000013",
    ///             "1000000013001",
    ///             "wx233544546545989",
    ///             "CONFIRM_Code_123456",
    ///         )
    ///         .with_brand_id("120344"),
    ///     )
    ///     .await?;
    /// assert_ne!(coupon.coupon_state, wxpay_coupons::UserProductCouponState::Confirming);
    /// # Ok(()) }
    /// ```
    pub async fn confirm_send_user_product_coupon(
        &self,
        request: &ConfirmSendUserProductCouponRequest,
    ) -> Result<UserProductCouponEntity, CouponError> {
        self.execute(request).await
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

/// What is wrong with an answer that did not decode, naming the field's JSON path (read
/// again only on this rare path, so decoding an answer costs one pass).
fn decode_problem<T: DeserializeOwned>(body: &[u8], error: serde_json::Error) -> String {
    if error.is_syntax() || error.is_eof() {
        return error.to_string();
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) if e.path().to_string() != "." => format!("at {}: {}", e.path(), e.inner()),
        _ => error.to_string(),
    }
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
                message: decode_problem::<T>(&response.body, e),
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

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_models::StockEntity;

    fn problem(body: &str) -> String {
        let error = serde_json::from_slice::<StockEntity>(body.as_bytes()).unwrap_err();
        decode_problem::<StockEntity>(body.as_bytes(), error)
    }

    #[test]
    fn a_bad_answer_names_the_field_path() {
        let message = problem(r#"{"stock_id": "1", "sent_count_info": {"total_count": "many"}}"#);
        assert!(
            message.starts_with("at sent_count_info.total_count: invalid type"),
            "{message}"
        );
        assert!(problem("{").contains("EOF"), "{}", problem("{"));
    }
}
