//! wxpay-coupons: issue WeChat Pay product coupons (商品券) from Rust.
//!
//! [`CouponClient::send_user_product_coupon`] validates a [`SendUserProductCouponRequest`]
//! before anything is sent, signs it (WECHATPAY2-SHA256-RSA2048 in partner mode,
//! WECHATPAY-BRAND-SHA256-RSA2048 in brand-direct mode), sends it over a pooled
//! hyper + rustls client, retries what is safe to retry with the same body (WeChat Pay
//! deduplicates by `send_request_no`, so a retry never issues twice), fails over to the
//! backup domain, stays under the rate limit, verifies the answer's signature and returns a
//! typed [`UserProductCouponEntity`] — or a typed [`CouponError`]. Every operation of the
//! family (35; 30 in brand-direct mode) goes the same way through [`CouponClient::execute`]
//! with its typed request from [`models`], and lists through [`CouponClient::paginate`];
//! `docs/client.md` lists each with its retry class and rate limit.
//!
//! The layers are separate crates, re-exported here: [`signing`] (pure), [`models`] (pure),
//! [`transport`] (HTTP). Test against `wxpay-mock`, the emulator: see
//! `examples/send_seed_coupon.rs`.
//!
//! ```no_run
//! # async fn run() -> Result<(), wxpay_coupons::CouponError> {
//! let client = wxpay_coupons::CouponClient::from_config_file("client.toml")?;
//! let request = wxpay_coupons::SendUserProductCouponRequest::new(
//!     "oh-394z-6CGkNoJrsDLTTUKiAnp4", // openid
//!     "1000000013",                   // product_coupon_id
//!     "1000000013002",                // stock_id
//!     "wx233544546545989",            // appid
//!     "MCHSEND202003101234",          // send_request_no
//! )
//! .with_brand_id("120344");
//! match client.send_user_product_coupon(&request).await {
//!     Ok(coupon) => println!("issued {}", coupon.coupon_code),
//!     Err(e) if e.is_retryable() => println!("try again later, same request: {e}"),
//!     Err(e) => println!("failed for good: {e}"),
//! }
//! # Ok(()) }
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "axum")]
pub mod axum;
mod client;
mod error;
pub mod notify;

pub use client::{Answered, CouponClient};
pub use error::{ApiError, CouponError};
pub use notify::{
    Callback, CallbackDedup, CallbackError, CallbackHandler, CallbackOutcome, CallbackService,
    MemoryDedup,
};
pub use wxpay_models::BizCode;
pub use wxpay_models::{
    ConfirmSendUserProductCouponRequest, CouponEvent, CouponTagInfo, ErrorCode,
    SendUserProductCouponRequest, UserProductCouponEntity, UserProductCouponState, ValidationError,
};
pub use wxpay_signing::{ApiV3Key, VerifyError};
pub use wxpay_transport::{
    CallOptions, ClientConfig, RetryPolicy, Transport, TransportBuilder, TransportError,
};

pub use wxpay_models as models;
pub use wxpay_signing as signing;
pub use wxpay_transport as transport;
