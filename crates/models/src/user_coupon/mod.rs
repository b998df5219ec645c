//! User coupons (用户商品券): the entity, and the operations on one coupon of one user —
//! send (E20), pre-send (E21), confirm (E22), use (E25), get (E26), list (E27),
//! deactivate (E28), return (E29).

mod confirm;
mod entity;
mod get;
mod send;

pub use confirm::ConfirmSendUserProductCouponRequest;
pub use entity::{
    AssociatedOrderInfo, AssociatedPayScoreOrderInfo, CouponTagInfo, CouponUsageDetail,
    MemberTagInfo, UserProductCouponBundleInfo, UserProductCouponEntity,
};
pub use get::GetUserProductCouponRequest;
pub(crate) use send::check_tags;
pub use send::{MAX_OPENID_CHARS, SEND_PATH_TEMPLATE, SendUserProductCouponRequest};
