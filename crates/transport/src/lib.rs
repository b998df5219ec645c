//! wxpay-transport
