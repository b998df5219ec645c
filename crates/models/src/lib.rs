//! Typed models of WeChat Pay's product-coupon (商品券) API family, in partner (服务商) and
//! brand-direct (品牌直连) mode: every operation's request and response, the entities, enums,
//! validation and error bodies. Pure: no HTTP, no I/O.
//!
//! - Each operation is a request type implementing [`Endpoint`]: its [`Operation`] (method,
//!   path template, retry class, rate limit per mode), its path and query parameters, its
//!   body and response types. [`encode`] turns a request into the bytes sent and signed;
//!   [`Decode::decode`] reads one back as a server receives it. [`operations::ALL`] lists
//!   all 35; [`for_each_endpoint!`] names every request type.
//! - Every request is built with `Type::new(required…)`; optional fields are set with
//!   `with_*` (or assigned: they are public `Option`s). Required fields are private, with a
//!   getter and a `_mut` accessor each, and no request has `Default`, so a request that
//!   lacks a required field does not compile (docs/client.md, "Building requests").
//! - Request types live in their resource's module: [`product_coupon`] (E01–E04), [`stock`]
//!   (E05–E14), [`stock_bundle`] (E15–E19), [`user_coupon`] (E20–E22, E25–E29),
//!   [`user_coupon_bundle`] (E23, E24, E30), [`notify`] (E31, E32), [`media`] (E33–E35).
//!   Entities and enums are also at the crate root. Where the sources carry the older
//!   SEQUENTIAL generation, its fields are optional and marked deprecated.
//! - Field names are exactly the wire names; an absent optional field stays absent when
//!   serialized again, and an empty object (`"single_usage_detail": {}`) stays `{}`.
//! - Enums keep values WeChat Pay adds later in an `Unknown(String)` variant and write them
//!   back unchanged.
//! - Times are [`WxTime`]: RFC 3339, whole seconds, `+08:00`.
//! - `validate()` on every request checks the documented rules before anything is sent and
//!   names each broken field.
//!
//! ```
//! use wxpay_models::{Endpoint, Mode, SendUserProductCouponRequest, Target, UserProductCouponEntity, encode};
//! let request = SendUserProductCouponRequest::new(
//!     "oh-394z-6CGkNoJrsDLTTUKiAnp4", // openid
//!     "1000000013",                   // product_coupon_id
//!     "1000000013001",                // stock_id
//!     "wx233544546545989",            // appid
//!     "MCHSEND202003101234",          // send_request_no
//! );
//! let wire = encode(&request, Target { mode: Mode::Partner, brand_id: Some("120344") })?;
//! assert!(wire.body.ends_with(br#""brand_id":"120344"}"#));
//! let response: UserProductCouponEntity =
//!     serde_json::from_slice(&std::fs::read("tests/data/response-normal.json")?)?;
//! assert_eq!(response.send_request_no, "MCHSEND202003101234");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod accessors;
#[macro_use]
mod enums;
#[macro_use]
mod endpoint;
mod biz;
mod check;
mod entity_rules;
mod error;
pub mod examples;
pub mod media;
pub mod notify;
pub mod operation;
pub mod operations;
mod percent;
pub mod product_coupon;
pub mod server;
pub mod stock;
pub mod stock_bundle;
mod time;
pub mod user_coupon;
pub mod user_coupon_bundle;
mod validate;
mod wire;

pub use biz::BizCode;
pub use endpoint::{Encoded, Endpoint, Multipart, Paged, Target, encode};
pub use enums::{
    AppJumpType, BackgroundColor, CouponCodeDisplayMode, CouponCodeMode, CouponUsageMethod,
    DetailState, ImageGenerationType, ProductCouponScope, ProductCouponState, ProductCouponType,
    SequentialUsageType, StockState, StockStoreScope, TaskState, UpdateMode, UsageMode,
    UserProductCouponSendChannel, UserProductCouponState, UserProductCouponTag, Weekday, WireEnum,
};
pub use error::{ApiErrorBody, ErrorCode, ErrorDetail, ErrorRow};
pub use media::{ImageGenerationTaskEntity, MediaUrl};
pub use notify::{
    CouponEvent, CouponReturnedEvent, CouponSentEvent, CouponUsedEvent, EncryptedResource,
    GetNotifyConfigRequest, ImageGenerationEvent, ImageResult, Notification, NotifyConfigEntity,
    SetNotifyConfigRequest, event_type,
};
pub use operation::{BodyKind, BrandRule, Method, Mode, Operation, Period, RateLimit, Retry};
pub use product_coupon::{
    ComboPackage, ComboPackageChoice, CreateProductCouponResponse, DiscountCouponUsageRule,
    ExchangeCouponUsageRule, NormalCouponUsageRule, ProductCouponDisplayInfo, ProductCouponEntity,
    ProgressiveBundleUsageInfo, SequentialUsageInfo, SingleUsageInfo,
};
pub use server::{Decode, RawRequest};
pub use stock::{
    CouponAvailablePeriod, CouponAvailableStoreInfo, CouponCodeCountInfo, CouponDisplayInfo,
    EntranceFinder, EntranceMiniProgram, EntranceOfficialAccount, FailedStoreInfo, FixedWeekPeriod,
    NotifyConfig, PeriodOfTheDay, SequentialUsageRule, SingleUsageRule, StockBundleInfo,
    StockEntity, StockForCreate, StockSendRule, StockSentCountInfo, StockUsageRule,
    StoreAssociationResult, StoreInfo, TimePeriod, UsageRuleDisplayInfo,
};
pub use stock_bundle::{StockBundleEntity, StockBundleForCreate, StockBundleUsageRule};
pub use time::{BEIJING, TimeError, WxTime};
pub use user_coupon::{
    AssociatedOrderInfo, AssociatedPayScoreOrderInfo, ConfirmSendUserProductCouponRequest,
    CouponTagInfo, CouponUsageDetail, MAX_OPENID_CHARS, MemberTagInfo, PreSendToken,
    ProgressiveBundleUsageDetail, SendUserProductCouponRequest, SequentialUsageDetail,
    SequentialUsageDetailItem, UserProductCouponBundleInfo, UserProductCouponEntity,
};
pub use user_coupon_bundle::UserProductCouponBundleEntity;
pub use validate::{FieldError, Location, Rule, ValidationError};
