//! Every operation of the product-coupon family (E01–E35 of the fact sheet), as data.
//!
//! Rate limits are the latest documented ones, per caller (the service provider's mchid in
//! partner mode, the brand in brand-direct mode); where the documents are silent we chose the
//! limit of the operation's group (20/s for catalogue calls, 500/s for user-coupon calls).
//! `docs/client.md` lists each operation with its limit and retry class. Brand-direct mode
//! offers 30 of the 35 (no bundle sends, bundle deactivation, bundle pre-send or image
//! generation).

use crate::endpoint::{BodyKind, Method, Operation, RateLimit, Retry};

const fn s(count: u32) -> Option<RateLimit> {
    Some(RateLimit::per_second(count))
}

/// E01 创建商品券 (`POST /product-coupons`).
pub const CREATE_PRODUCT_COUPON: Operation = Operation {
    name: "CreateProductCoupon",
    kebab: "create-product-coupon",
    title: "创建商品券",
    method: Method::Post,
    path: "/product-coupons",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E02 查询商品券 (`GET /product-coupons/{product_coupon_id}`).
pub const QUERY_PRODUCT_COUPON: Operation = Operation {
    name: "QueryProductCoupon",
    kebab: "query-product-coupon",
    title: "查询商品券",
    method: Method::Get,
    path: "/product-coupons/{product_coupon_id}",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: s(20),
    brand: s(20),
};

/// E03 修改商品券 (`PATCH /product-coupons/{product_coupon_id}`).
pub const UPDATE_PRODUCT_COUPON: Operation = Operation {
    name: "UpdateProductCoupon",
    kebab: "update-product-coupon",
    title: "修改商品券",
    method: Method::Patch,
    path: "/product-coupons/{product_coupon_id}",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E04 失效商品券 (`POST /product-coupons/{product_coupon_id}/deactivate`).
pub const DEACTIVATE_PRODUCT_COUPON: Operation = Operation {
    name: "DeactivateProductCoupon",
    kebab: "deactivate-product-coupon",
    title: "失效商品券",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/deactivate",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E05 添加商品券批次 (`POST /product-coupons/{product_coupon_id}/stocks`).
pub const CREATE_STOCK: Operation = Operation {
    name: "CreateStock",
    kebab: "create-stock",
    title: "添加商品券批次",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E06 查询商品券批次列表 (`GET /product-coupons/{product_coupon_id}/stocks`).
pub const LIST_STOCKS: Operation = Operation {
    name: "ListStocks",
    kebab: "list-stocks",
    title: "查询商品券批次列表",
    method: Method::Get,
    path: "/product-coupons/{product_coupon_id}/stocks",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: s(20),
    brand: s(20),
};

/// E07 查询商品券指定批次 (`GET /product-coupons/{product_coupon_id}/stocks/{stock_id}`).
pub const GET_STOCK: Operation = Operation {
    name: "GetStock",
    kebab: "get-stock",
    title: "查询商品券指定批次",
    method: Method::Get,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: s(20),
    brand: s(20),
};

/// E08 修改商品券指定批次 (`PATCH /product-coupons/{product_coupon_id}/stocks/{stock_id}`).
pub const UPDATE_STOCK: Operation = Operation {
    name: "UpdateStock",
    kebab: "update-stock",
    title: "修改商品券指定批次",
    method: Method::Patch,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E09 修改商品券批次发放预算 (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/update-budget`).
pub const UPDATE_STOCK_BUDGET: Operation = Operation {
    name: "UpdateStockBudget",
    kebab: "update-stock-budget",
    title: "修改商品券批次发放预算",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/update-budget",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E10 失效商品券批次 (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/deactivate`).
pub const DEACTIVATE_STOCK: Operation = Operation {
    name: "DeactivateStock",
    kebab: "deactivate-stock",
    title: "失效商品券批次",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/deactivate",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E11 预上传券Code (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes`).
pub const UPLOAD_COUPON_CODES: Operation = Operation {
    name: "UploadCouponCodes",
    kebab: "upload-coupon-codes",
    title: "预上传券Code",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E12 批次关联门店 (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/associate-stores`).
pub const ASSOCIATE_STORES: Operation = Operation {
    name: "AssociateStores",
    kebab: "associate-stores",
    title: "批次关联门店",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/associate-stores",
    retry: Retry::Never,
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E13 批次取消关联门店 (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/disassociate-stores`).
pub const DISASSOCIATE_STORES: Operation = Operation {
    name: "DisassociateStores",
    kebab: "disassociate-stores",
    title: "批次取消关联门店",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/disassociate-stores",
    retry: Retry::Never,
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E14 查询批次关联门店列表 (`GET /product-coupons/{product_coupon_id}/stocks/{stock_id}/associated-stores`).
pub const LIST_ASSOCIATED_STORES: Operation = Operation {
    name: "ListAssociatedStores",
    kebab: "list-associated-stores",
    title: "查询批次关联门店列表",
    method: Method::Get,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/associated-stores",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: s(20),
    brand: s(20),
};

/// E15 添加商品券批次组 (`POST /product-coupons/{product_coupon_id}/stock-bundles`).
pub const CREATE_STOCK_BUNDLE: Operation = Operation {
    name: "CreateStockBundle",
    kebab: "create-stock-bundle",
    title: "添加商品券批次组",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stock-bundles",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E16 修改商品券批次组 (`PATCH /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}`).
pub const UPDATE_STOCK_BUNDLE: Operation = Operation {
    name: "UpdateStockBundle",
    kebab: "update-stock-bundle",
    title: "修改商品券批次组",
    method: Method::Patch,
    path: "/product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E17 修改商品券批次组发放预算 (`POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/update-budget`).
pub const UPDATE_STOCK_BUNDLE_BUDGET: Operation = Operation {
    name: "UpdateStockBundleBudget",
    kebab: "update-stock-bundle-budget",
    title: "修改商品券批次组发放预算",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/update-budget",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E18 批次组批量关联门店 (`POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/associate-stores`).
pub const ASSOCIATE_STORES_FOR_STOCK_BUNDLE: Operation = Operation {
    name: "AssociateStoresForStockBundle",
    kebab: "associate-stores-for-stock-bundle",
    title: "批次组批量关联门店",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/associate-stores",
    retry: Retry::Never,
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E19 批次组批量取消关联门店 (`POST /product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/disassociate-stores`).
pub const DISASSOCIATE_STORES_FOR_STOCK_BUNDLE: Operation = Operation {
    name: "DisassociateStoresForStockBundle",
    kebab: "disassociate-stores-for-stock-bundle",
    title: "批次组批量取消关联门店",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stock-bundles/{stock_bundle_id}/disassociate-stores",
    retry: Retry::Never,
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E20 向用户发放商品券 (`POST /users/{openid}/coupons`).
pub const SEND_USER_PRODUCT_COUPON: Operation = Operation {
    name: "SendUserProductCoupon",
    kebab: "send-user-product-coupon",
    title: "向用户发放商品券",
    method: Method::Post,
    path: "/users/{openid}/coupons",
    retry: Retry::Keyed("send_request_no"),
    body: BodyKind::Json,
    partner: s(1000),
    brand: s(500),
};

/// E21 向用户预发放商品券 (`POST /users/{openid}/pre-send-coupon`).
pub const PRE_SEND_USER_PRODUCT_COUPON: Operation = Operation {
    name: "PreSendUserProductCoupon",
    kebab: "pre-send-user-product-coupon",
    title: "向用户预发放商品券",
    method: Method::Post,
    path: "/users/{openid}/pre-send-coupon",
    retry: Retry::Keyed("send_request_no"),
    body: BodyKind::Json,
    partner: s(500),
    brand: s(500),
};

/// E22 确认发放用户商品券 (`POST /users/{openid}/coupons/{coupon_code}/confirm`).
pub const CONFIRM_SEND_USER_PRODUCT_COUPON: Operation = Operation {
    name: "ConfirmSendUserProductCoupon",
    kebab: "confirm-send-user-product-coupon",
    title: "确认发放用户商品券",
    method: Method::Post,
    path: "/users/{openid}/coupons/{coupon_code}/confirm",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(500),
    brand: s(500),
};

/// E23 向用户发放商品券批次组 (`POST /users/{openid}/coupon-bundles`).
pub const SEND_USER_PRODUCT_COUPON_BUNDLE: Operation = Operation {
    name: "SendUserProductCouponBundle",
    kebab: "send-user-product-coupon-bundle",
    title: "向用户发放商品券批次组",
    method: Method::Post,
    path: "/users/{openid}/coupon-bundles",
    retry: Retry::Keyed("send_request_no"),
    body: BodyKind::Json,
    partner: s(500),
    brand: None,
};

/// E24 向用户预发放商品券批次组 (`POST /users/{openid}/pre-send-coupon-bundle`).
pub const PRE_SEND_USER_PRODUCT_COUPON_BUNDLE: Operation = Operation {
    name: "PreSendUserProductCouponBundle",
    kebab: "pre-send-user-product-coupon-bundle",
    title: "向用户预发放商品券批次组",
    method: Method::Post,
    path: "/users/{openid}/pre-send-coupon-bundle",
    retry: Retry::Keyed("send_request_no"),
    body: BodyKind::Json,
    partner: s(500),
    brand: None,
};

/// E25 核销用户商品券 (`POST /users/{openid}/coupons/{coupon_code}/use`).
pub const USE_USER_PRODUCT_COUPON: Operation = Operation {
    name: "UseUserProductCoupon",
    kebab: "use-user-product-coupon",
    title: "核销用户商品券",
    method: Method::Post,
    path: "/users/{openid}/coupons/{coupon_code}/use",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(500),
    brand: s(500),
};

/// E26 查询用户商品券详情 (`GET /users/{openid}/coupons/{coupon_code}`).
pub const GET_USER_PRODUCT_COUPON: Operation = Operation {
    name: "GetUserProductCoupon",
    kebab: "get-user-product-coupon",
    title: "查询用户商品券详情",
    method: Method::Get,
    path: "/users/{openid}/coupons/{coupon_code}",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: s(500),
    brand: s(500),
};

/// E27 指定券状态查询用户商品券列表 (`GET /users/{openid}/coupons`).
pub const LIST_USER_PRODUCT_COUPONS: Operation = Operation {
    name: "ListUserProductCoupons",
    kebab: "list-user-product-coupons",
    title: "指定券状态查询用户商品券列表",
    method: Method::Get,
    path: "/users/{openid}/coupons",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: s(500),
    brand: s(500),
};

/// E28 失效用户商品券 (`POST /users/{openid}/coupons/{coupon_code}/deactivate`).
pub const DEACTIVATE_USER_PRODUCT_COUPON: Operation = Operation {
    name: "DeactivateUserProductCoupon",
    kebab: "deactivate-user-product-coupon",
    title: "失效用户商品券",
    method: Method::Post,
    path: "/users/{openid}/coupons/{coupon_code}/deactivate",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(500),
    brand: s(500),
};

/// E29 退券 (`POST /users/{openid}/coupons/{coupon_code}/return`).
pub const RETURN_USER_PRODUCT_COUPON: Operation = Operation {
    name: "ReturnUserProductCoupon",
    kebab: "return-user-product-coupon",
    title: "退券",
    method: Method::Post,
    path: "/users/{openid}/coupons/{coupon_code}/return",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(500),
    brand: s(500),
};

/// E30 失效用户商品券组 (`POST /users/{openid}/coupon-bundles/{user_coupon_bundle_id}/deactivate`).
pub const DEACTIVATE_USER_PRODUCT_COUPON_BUNDLE: Operation = Operation {
    name: "DeactivateUserProductCouponBundle",
    kebab: "deactivate-user-product-coupon-bundle",
    title: "失效用户商品券组",
    method: Method::Post,
    path: "/users/{openid}/coupon-bundles/{user_coupon_bundle_id}/deactivate",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: s(500),
    brand: None,
};

/// E31 设置商品券事件通知地址 (`POST /notify-configs`).
pub const SET_NOTIFY_CONFIG: Operation = Operation {
    name: "SetNotifyConfig",
    kebab: "set-notify-config",
    title: "设置商品券事件通知地址",
    method: Method::Post,
    path: "/notify-configs",
    retry: Retry::Overwrite,
    body: BodyKind::Json,
    partner: s(20),
    brand: s(20),
};

/// E32 获取商品券事件通知地址 (`GET /notify-configs`).
pub const GET_NOTIFY_CONFIG: Operation = Operation {
    name: "GetNotifyConfig",
    kebab: "get-notify-config",
    title: "获取商品券事件通知地址",
    method: Method::Get,
    path: "/notify-configs",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: s(20),
    brand: s(20),
};

/// E33 图片上传 (`POST /media/upload-image`).
pub const UPLOAD_IMAGE: Operation = Operation {
    name: "UploadImage",
    kebab: "upload-image",
    title: "图片上传",
    method: Method::Post,
    path: "/media/upload-image",
    retry: Retry::Never,
    body: BodyKind::Multipart,
    partner: s(20),
    brand: s(20),
};

/// E34 提交图片生成任务 (`POST /image-generation-tasks`).
pub const CREATE_IMAGE_GENERATION_TASK: Operation = Operation {
    name: "CreateImageGenerationTask",
    kebab: "create-image-generation-task",
    title: "提交图片生成任务",
    method: Method::Post,
    path: "/image-generation-tasks",
    retry: Retry::Keyed("task_id"),
    body: BodyKind::Json,
    partner: s(10),
    brand: None,
};

/// E35 查询图片生成任务执行结果 (`GET /image-generation-tasks/{task_id}`).
pub const GET_IMAGE_GENERATION_TASK: Operation = Operation {
    name: "GetImageGenerationTask",
    kebab: "get-image-generation-task",
    title: "查询图片生成任务执行结果",
    method: Method::Get,
    path: "/image-generation-tasks/{task_id}",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: s(20),
    brand: None,
};

/// All 35, in the order of the fact sheet (E01–E35).
pub const ALL: [&Operation; 35] = [
    &CREATE_PRODUCT_COUPON,
    &QUERY_PRODUCT_COUPON,
    &UPDATE_PRODUCT_COUPON,
    &DEACTIVATE_PRODUCT_COUPON,
    &CREATE_STOCK,
    &LIST_STOCKS,
    &GET_STOCK,
    &UPDATE_STOCK,
    &UPDATE_STOCK_BUDGET,
    &DEACTIVATE_STOCK,
    &UPLOAD_COUPON_CODES,
    &ASSOCIATE_STORES,
    &DISASSOCIATE_STORES,
    &LIST_ASSOCIATED_STORES,
    &CREATE_STOCK_BUNDLE,
    &UPDATE_STOCK_BUNDLE,
    &UPDATE_STOCK_BUNDLE_BUDGET,
    &ASSOCIATE_STORES_FOR_STOCK_BUNDLE,
    &DISASSOCIATE_STORES_FOR_STOCK_BUNDLE,
    &SEND_USER_PRODUCT_COUPON,
    &PRE_SEND_USER_PRODUCT_COUPON,
    &CONFIRM_SEND_USER_PRODUCT_COUPON,
    &SEND_USER_PRODUCT_COUPON_BUNDLE,
    &PRE_SEND_USER_PRODUCT_COUPON_BUNDLE,
    &USE_USER_PRODUCT_COUPON,
    &GET_USER_PRODUCT_COUPON,
    &LIST_USER_PRODUCT_COUPONS,
    &DEACTIVATE_USER_PRODUCT_COUPON,
    &RETURN_USER_PRODUCT_COUPON,
    &DEACTIVATE_USER_PRODUCT_COUPON_BUNDLE,
    &SET_NOTIFY_CONFIG,
    &GET_NOTIFY_CONFIG,
    &UPLOAD_IMAGE,
    &CREATE_IMAGE_GENERATION_TASK,
    &GET_IMAGE_GENERATION_TASK,
];

/// The operation named `name` (kebab-case as in `wxpay call`, or Tencent's CamelCase).
///
/// ```
/// let op = wxpay_models::operations::find("use-user-product-coupon").unwrap();
/// assert_eq!(op.name, "UseUserProductCoupon");
/// assert_eq!(wxpay_models::operations::find("UseUserProductCoupon"), Some(op));
/// ```
pub fn find(name: &str) -> Option<&'static Operation> {
    ALL.into_iter()
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
