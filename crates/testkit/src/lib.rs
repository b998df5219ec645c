//! wxpay-testkit
