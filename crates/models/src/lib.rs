//! wxpay-models
