//! E16 修改商品券批次组 (`PATCH …/stock-bundles/{stock_bundle_id}`) and E17
//! 修改商品券批次组发放预算 (`POST …/stock-bundles/{stock_bundle_id}/update-budget`).

use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::stock::{budget_request, changes_request};
use crate::stock_bundle::StockBundleEntity;

/// E16 修改商品券批次组 (`PATCH /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}`).
const UPDATE_STOCK_BUNDLE: Operation = Operation {
    name: "UpdateStockBundle",
    kebab: "update-stock-bundle",
    title: "修改商品券批次组",
    method: Method::Patch,
    path: "/product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E17 修改商品券批次组发放预算 (`POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/update-budget`).
const UPDATE_STOCK_BUNDLE_BUDGET: Operation = Operation {
    name: "UpdateStockBundleBudget",
    kebab: "update-stock-bundle-budget",
    title: "修改商品券批次组发放预算",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/update-budget",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

changes_request! {
    /// E16 修改商品券批次组 — `PATCH /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}`:
    /// changes the display, notify config or store scope of every stock in the bundle. Fields
    /// left `None` stay. Answers the [`StockBundleEntity`].
    ///
    /// ```
    /// use wxpay_models::{StockStoreScope, stock_bundle::UpdateStockBundleRequest};
    /// let r = UpdateStockBundleRequest::new("1000000013", "712315129419284901", "BUNDLE_UPD_0001")
    ///     .with_store_scope(StockStoreScope::All);
    /// r.validate()?;
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    UpdateStockBundleRequest => StockBundleEntity, UPDATE_STOCK_BUNDLE,
    path: [product_coupon_id / product_coupon_id_mut: "The product coupon (path).", stock_bundle_id / stock_bundle_id_mut: "The bundle (path)."]
}

budget_request! {
    /// E17 修改商品券批次组发放预算 — `POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/update-budget`:
    /// changes one cap of every stock in the bundle; the rules of
    /// [`UpdateStockBudgetRequest`](crate::stock::UpdateStockBudgetRequest). Answers the
    /// [`StockBundleEntity`].
    ///
    /// ```
    /// use wxpay_models::{UpdateMode, stock_bundle::UpdateStockBundleBudgetRequest};
    /// let r = UpdateStockBundleBudgetRequest::new(
    ///     "1000000013", "712315129419284901", "BUNDLE_BUDGET_01", UpdateMode::MaxCountPerDay,
    /// )
    /// .with_current_max_count_per_day(100)
    /// .with_target_max_count_per_day(50);
    /// r.validate()?;
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    UpdateStockBundleBudgetRequest => StockBundleEntity, UPDATE_STOCK_BUNDLE_BUDGET,
    path: [product_coupon_id / product_coupon_id_mut: "The product coupon (path).", stock_bundle_id / stock_bundle_id_mut: "The bundle (path)."]
}
