//! User coupons (用户商品券): the entity, and the operations on one coupon of one user —
//! send (E20), pre-send (E21), confirm (E22), use (E25), get (E26), list (E27),
//! deactivate (E28), return (E29).

mod confirm;
mod deactivate;
mod entity;
mod get;
mod list;
mod pre_send;
mod send;
mod use_coupon;

pub use confirm::ConfirmSendUserProductCouponRequest;
pub use deactivate::{DeactivateUserProductCouponRequest, ReturnUserProductCouponRequest};
pub use entity::{
    AssociatedOrderInfo, AssociatedPayScoreOrderInfo, CouponTagInfo, CouponUsageDetail,
    MemberTagInfo, ProgressiveBundleUsageDetail, SequentialUsageDetail, SequentialUsageDetailItem,
    UserProductCouponBundleInfo, UserProductCouponEntity,
};
pub use get::GetUserProductCouponRequest;
pub use list::{ListUserProductCouponsRequest, ListUserProductCouponsResponse};
pub use pre_send::{PreSendToken, PreSendUserProductCouponRequest};
pub(crate) use send::check_tags;
pub use send::{MAX_OPENID_CHARS, SendUserProductCouponRequest};
pub use use_coupon::UseUserProductCouponRequest;
