//! wxpay-loadtest
