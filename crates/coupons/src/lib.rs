//! wxpay-coupons
