//! Every public error of the SDK crates is a `std::error::Error + Send + Sync` (checked at
//! compile time), and an API error's business code is typed.

use wxpay_coupons::models::user_coupon::GetUserProductCouponRequest;
use wxpay_coupons::{BizCode, CouponError};
use wxpay_mock::fixtures::dev;
use wxpay_testkit::mock;

use crate::common::client;

/// Compiles only for errors that can cross threads and be boxed (`?` into
/// `Box<dyn Error + Send + Sync>`, anyhow, tower).
const fn is_error<T: std::error::Error + Send + Sync + 'static>() {}

#[allow(dead_code)]
const EVERY_PUBLIC_ERROR: () = {
    is_error::<wxpay_coupons::CouponError>();
    is_error::<wxpay_coupons::ApiError>();
    is_error::<wxpay_coupons::CallbackError>();
    is_error::<wxpay_coupons::notify::DedupError>();
    is_error::<wxpay_coupons::TransportError>();
    is_error::<wxpay_coupons::transport::ConfigError>();
    is_error::<wxpay_coupons::transport::exchange::ConnectError>();
    is_error::<wxpay_coupons::ValidationError>();
    is_error::<wxpay_coupons::models::TimeError>();
    is_error::<wxpay_coupons::signing::VerifyError>();
    is_error::<wxpay_coupons::signing::SignError>();
    is_error::<wxpay_coupons::signing::KeyError>();
    is_error::<wxpay_coupons::signing::AeadError>();
    is_error::<wxpay_coupons::signing::AuthorizationError>();
};

#[tokio::test]
async fn an_api_error_carries_its_typed_business_code() {
    let server = mock::start().await;
    let client = client(&server.base_url());
    let missing = GetUserProductCouponRequest::new(
        "o-nobody",
        "C-none",
        dev::PRODUCT_COUPON_ID,
        dev::STOCK_WECHATPAY,
        dev::APPID,
    )
    .with_brand_id(dev::BRAND_ID);
    let err = client.execute(&missing).await.unwrap_err();
    assert_eq!(err.biz_code(), Some(BizCode::NotFound), "{err}");
    let CouponError::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.biz_code(), Some(BizCode::NotFound));
    // As a boxed error it keeps its message, and `?` works into the usual boxes.
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert!(boxed.to_string().contains("NOT_FOUND"), "{boxed}");
    server.shutdown().await;
}
