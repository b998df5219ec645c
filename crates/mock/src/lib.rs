//! wxpay-mock
