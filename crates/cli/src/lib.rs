//! wxpay-cli
