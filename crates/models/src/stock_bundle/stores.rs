//! E18 批次组批量关联门店 and E19 批次组批量取消关联门店:
//! `…/stock-bundles/{stock_bundle_id}/associate-stores` and `…/disassociate-stores`.

use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::stock::store_request;

/// E18 批次组批量关联门店 (`POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/associate-stores`).
const ASSOCIATE_STORES_FOR_STOCK_BUNDLE: Operation = Operation {
    name: "AssociateStoresForStockBundle",
    kebab: "associate-stores-for-stock-bundle",
    title: "批次组批量关联门店",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/associate-stores",
    retry: Retry::Never,
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E19 批次组批量取消关联门店 (`POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/disassociate-stores`).
const DISASSOCIATE_STORES_FOR_STOCK_BUNDLE: Operation = Operation {
    name: "DisassociateStoresForStockBundle",
    kebab: "disassociate-stores-for-stock-bundle",
    title: "批次组批量取消关联门店",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/disassociate-stores",
    retry: Retry::Never,
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

store_request! {
    /// E18 批次组批量关联门店 — `POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/associate-stores`:
    /// lets the listed stores accept every stock of the bundle. Not retried blindly.
    ///
    /// ```
    /// use wxpay_models::{StoreInfo, stock_bundle::AssociateStoresForStockBundleRequest};
    /// let r = AssociateStoresForStockBundleRequest::new(
    ///     "1000000013", "712315129419284901", vec![StoreInfo { store_id: "100000001".into() }],
    /// );
    /// r.validate()?;
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    AssociateStoresForStockBundleRequest, ASSOCIATE_STORES_FOR_STOCK_BUNDLE,
    path: [product_coupon_id / product_coupon_id_mut: "The product coupon (path).", stock_bundle_id / stock_bundle_id_mut: "The bundle (path)."]
}

store_request! {
    /// E19 批次组批量取消关联门店 — `POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/disassociate-stores`:
    /// removes the listed stores from every stock of the bundle. Not retried blindly.
    ///
    /// ```
    /// use wxpay_models::{StoreInfo, stock_bundle::DisassociateStoresForStockBundleRequest};
    /// let r = DisassociateStoresForStockBundleRequest::new(
    ///     "1000000013", "712315129419284901", vec![StoreInfo { store_id: "100000001".into() }],
    /// );
    /// r.validate()?;
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    DisassociateStoresForStockBundleRequest, DISASSOCIATE_STORES_FOR_STOCK_BUNDLE,
    path: [product_coupon_id / product_coupon_id_mut: "The product coupon (path).", stock_bundle_id / stock_bundle_id_mut: "The bundle (path)."]
}
