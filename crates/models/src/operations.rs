//! Every operation of the product-coupon family (E01–E35 of the fact sheet), as data.
//!
//! Rate limits are the latest documented ones, per caller (the service provider's mchid in
//! partner mode, the brand in brand-direct mode); where the documents are silent we chose the
//! limit of the operation's group (20/s for catalogue calls, 500/s for user-coupon calls).
//! `docs/client.md` lists each operation with its limit and retry class. Brand-direct mode
//! offers 30 of the 35 (no bundle sends, bundle deactivation, bundle pre-send or image
//! generation).

use crate::endpoint::Endpoint;
use crate::operation::Operation;

macro_rules! operations_of {
    ($($request:ty),* $(,)?) => {
        [$(<$request as Endpoint>::OPERATION),*]
    };
}

/// Every operation (E01–E35, in the order of the fact sheet), from [`for_each_endpoint!`]:
/// the one list of the family.
pub const ALL: &[&Operation] = &crate::for_each_endpoint!(operations_of);

/// The operation named `name` (kebab-case as in `wxpay call`, or Tencent's CamelCase).
///
/// ```
/// let op = wxpay_models::operations::find("use-user-product-coupon").unwrap();
/// assert_eq!(op.name, "UseUserProductCoupon");
/// assert_eq!(wxpay_models::operations::find("UseUserProductCoupon"), Some(op));
/// ```
pub fn find(name: &str) -> Option<&'static Operation> {
    ALL.iter()
        .copied()
        .find(|op| op.kebab == name || op.name == name)
}

/// Calls `$m!` with every request type (all 35, in the order of [`ALL`]), so that routers
/// and dispatchers cover every operation from one list: `$m! { path::Type, … }`.
#[macro_export]
macro_rules! for_each_endpoint {
    ($m:ident) => {
        $m! {
            $crate::product_coupon::CreateProductCouponRequest,
            $crate::product_coupon::QueryProductCouponRequest,
            $crate::product_coupon::UpdateProductCouponRequest,
            $crate::product_coupon::DeactivateProductCouponRequest,
            $crate::stock::CreateStockRequest,
            $crate::stock::ListStocksRequest,
            $crate::stock::GetStockRequest,
            $crate::stock::UpdateStockRequest,
            $crate::stock::UpdateStockBudgetRequest,
            $crate::stock::DeactivateStockRequest,
            $crate::stock::UploadCouponCodesRequest,
            $crate::stock::AssociateStoresRequest,
            $crate::stock::DisassociateStoresRequest,
            $crate::stock::ListAssociatedStoresRequest,
            $crate::stock_bundle::CreateStockBundleRequest,
            $crate::stock_bundle::UpdateStockBundleRequest,
            $crate::stock_bundle::UpdateStockBundleBudgetRequest,
            $crate::stock_bundle::AssociateStoresForStockBundleRequest,
            $crate::stock_bundle::DisassociateStoresForStockBundleRequest,
            $crate::user_coupon::SendUserProductCouponRequest,
            $crate::user_coupon::PreSendUserProductCouponRequest,
            $crate::user_coupon::ConfirmSendUserProductCouponRequest,
            $crate::user_coupon_bundle::SendUserProductCouponBundleRequest,
            $crate::user_coupon_bundle::PreSendUserProductCouponBundleRequest,
            $crate::user_coupon::UseUserProductCouponRequest,
            $crate::user_coupon::GetUserProductCouponRequest,
            $crate::user_coupon::ListUserProductCouponsRequest,
            $crate::user_coupon::DeactivateUserProductCouponRequest,
            $crate::user_coupon::ReturnUserProductCouponRequest,
            $crate::user_coupon_bundle::DeactivateUserProductCouponBundleRequest,
            $crate::notify::SetNotifyConfigRequest,
            $crate::notify::GetNotifyConfigRequest,
            $crate::media::UploadImageRequest,
            $crate::media::CreateImageGenerationTaskRequest,
            $crate::media::GetImageGenerationTaskRequest,
        }
    };
}
