//! wxpay-campaign
