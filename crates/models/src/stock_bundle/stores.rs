//! E18 批次组批量关联门店 and E19 批次组批量取消关联门店:
//! `…/stock-bundles/{stock_bundle_id}/associate-stores` and `…/disassociate-stores`.

use crate::operations::{ASSOCIATE_STORES_FOR_STOCK_BUNDLE, DISASSOCIATE_STORES_FOR_STOCK_BUNDLE};
use crate::stock::store_request;

store_request! {
    /// E18 批次组批量关联门店 — `POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/associate-stores`:
    /// lets the listed stores accept every stock of the bundle. Not retried blindly.
    ///
    /// ```
    /// use wxpay_models::{StoreInfo, stock_bundle::AssociateStoresForStockBundleRequest};
    /// let r = AssociateStoresForStockBundleRequest {
    ///     product_coupon_id: "1000000013".into(), stock_bundle_id: "712315129419284901".into(),
    ///     store_list: vec![StoreInfo { store_id: "100000001".into() }], brand_id: None,
    /// };
    /// r.validate()?;
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    AssociateStoresForStockBundleRequest, ASSOCIATE_STORES_FOR_STOCK_BUNDLE,
    path: [product_coupon_id: "The product coupon (path).", stock_bundle_id: "The bundle (path)."]
}

store_request! {
    /// E19 批次组批量取消关联门店 — `POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/disassociate-stores`:
    /// removes the listed stores from every stock of the bundle. Not retried blindly.
    ///
    /// ```
    /// use wxpay_models::{StoreInfo, stock_bundle::DisassociateStoresForStockBundleRequest};
    /// let r = DisassociateStoresForStockBundleRequest {
    ///     product_coupon_id: "1000000013".into(), stock_bundle_id: "712315129419284901".into(),
    ///     store_list: vec![StoreInfo { store_id: "100000001".into() }], brand_id: None,
    /// };
    /// r.validate()?;
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    DisassociateStoresForStockBundleRequest, DISASSOCIATE_STORES_FOR_STOCK_BUNDLE,
    path: [product_coupon_id: "The product coupon (path).", stock_bundle_id: "The bundle (path)."]
}
