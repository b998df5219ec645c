//! Product coupons (商品券): the entity and its operations E01–E04.

mod entity;

pub use entity::{
    ComboPackage, ComboPackageChoice, DiscountCouponUsageRule, ExchangeCouponUsageRule,
    NormalCouponUsageRule, ProductCouponDisplayInfo, ProductCouponEntity,
    ProgressiveBundleUsageInfo, SingleUsageInfo,
};
