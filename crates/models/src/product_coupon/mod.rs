//! Product coupons (商品券): the entity and its operations E01–E04.

mod create;
mod entity;
mod query;

pub use create::{CreateProductCouponRequest, CreateProductCouponResponse};
pub use entity::{
    ComboPackage, ComboPackageChoice, DiscountCouponUsageRule, ExchangeCouponUsageRule,
    NormalCouponUsageRule, ProductCouponDisplayInfo, ProductCouponEntity,
    ProgressiveBundleUsageInfo, SequentialUsageInfo, SingleUsageInfo,
};
pub use query::{
    DeactivateProductCouponRequest, QueryProductCouponRequest, UpdateProductCouponRequest,
};
