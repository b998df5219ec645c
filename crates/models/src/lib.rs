//! Typed models of WeChat Pay's product-coupon send endpoint
//! (`POST /v3/marketing/partner/product-coupon/users/{openid}/coupons`): request, response,
//! error body, enums and validation. Pure: no HTTP, no I/O.
//!
//! - Field names are exactly the wire names; an absent optional field stays absent when
//!   serialized again, and an empty object (`"single_usage_detail": {}`) stays `{}`.
//! - Enums keep values WeChat Pay adds later in an `Unknown(String)` variant and write them
//!   back unchanged.
//! - Times are [`WxTime`]: RFC 3339, whole seconds, `+08:00`.
//! - [`SendUserProductCouponRequest::validate`] checks every documented rule before anything
//!   is sent and names each broken field.
//!
//! ```
//! use wxpay_models::{SendUserProductCouponRequest, UserProductCouponEntity};
//! let request = SendUserProductCouponRequest {
//!     openid: "oh-394z-6CGkNoJrsDLTTUKiAnp4".into(),
//!     product_coupon_id: "1000000013".into(),
//!     appid: "wx233544546545989".into(),
//!     stock_id: "1000000013001".into(),
//!     send_request_no: "MCHSEND202003101234".into(),
//!     brand_id: "120344".into(),
//!     ..Default::default()
//! };
//! request.validate()?;
//! let response: UserProductCouponEntity =
//!     serde_json::from_slice(&std::fs::read("tests/data/response-normal.json")?)?;
//! assert_eq!(response.send_request_no, "MCHSEND202003101234");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod enums;
mod confirm;
mod coupon;
mod error;
mod notify;
mod product;
mod request;
mod stock;
mod time;
mod validate;

pub use confirm::ConfirmSendUserProductCouponRequest;
pub use coupon::{
    AssociatedOrderInfo, AssociatedPayScoreOrderInfo, CouponTagInfo, CouponUsageDetail,
    MemberTagInfo, UserProductCouponBundleInfo, UserProductCouponEntity,
};
pub use enums::{
    CouponCodeDisplayMode, CouponCodeMode, CouponUsageMethod, ProductCouponScope,
    ProductCouponState, ProductCouponType, StockState, StockStoreScope, UsageMode,
    UserProductCouponSendChannel, UserProductCouponState, UserProductCouponTag, Weekday,
};
pub use error::{ApiErrorBody, ErrorCode, ErrorDetail, ErrorRow};
pub use notify::{
    CouponEvent, CouponReturnedEvent, CouponSentEvent, CouponUsedEvent, EncryptedResource,
    Notification, NotifyConfigBody, event_type,
};
pub use product::{
    ComboPackage, ComboPackageChoice, DiscountCouponUsageRule, ExchangeCouponUsageRule,
    NormalCouponUsageRule, ProductCouponDisplayInfo, ProductCouponEntity,
    ProgressiveBundleUsageInfo, SingleUsageInfo,
};
pub use request::{MAX_OPENID_CHARS, SEND_PATH_TEMPLATE, SendUserProductCouponRequest};
pub use stock::{
    CouponAvailablePeriod, CouponAvailableStoreInfo, CouponCodeCountInfo, CouponDisplayInfo,
    EntranceFinder, EntranceMiniProgram, EntranceOfficialAccount, FixedWeekPeriod, NotifyConfig,
    PeriodOfTheDay, SingleUsageRule, StockEntity, StockSendRule, StockSentCountInfo, TimePeriod,
    UsageRuleDisplayInfo,
};
pub use time::{BEIJING, TimeError, WxTime};
pub use validate::{FieldError, Location, Rule, ValidationError};
