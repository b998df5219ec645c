//! E12 批次关联门店, E13 批次取消关联门店 and E14 查询批次关联门店列表:
//! `…/stocks/{stock_id}/associate-stores`, `…/disassociate-stores`, `…/associated-stores`.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::stock::{FailedStoreInfo, StoreInfo};
use crate::validate::{Checker, ValidationError};

/// E12 批次关联门店 (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/associate-stores`).
const ASSOCIATE_STORES: Operation = Operation {
    name: "AssociateStores",
    kebab: "associate-stores",
    title: "批次关联门店",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/associate-stores",
    retry: Retry::Never,
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E13 批次取消关联门店 (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/disassociate-stores`).
const DISASSOCIATE_STORES: Operation = Operation {
    name: "DisassociateStores",
    kebab: "disassociate-stores",
    title: "批次取消关联门店",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/disassociate-stores",
    retry: Retry::Never,
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E14 查询批次关联门店列表 (`GET /product-coupons/{product_coupon_id}/stocks/{stock_id}/associated-stores`).
const LIST_ASSOCIATED_STORES: Operation = Operation {
    name: "ListAssociatedStores",
    kebab: "list-associated-stores",
    title: "查询批次关联门店列表",
    method: Method::Get,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/associated-stores",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// Declares a store (dis)association request: `store_list` in the body, the listed path
/// parameters, answered by a [`StoreAssociationResult`]. E12, E13, E18 and E19 differ only in
/// operation and path.
macro_rules! store_request {
    ($(#[$doc:meta])* $name:ident, $op:path, path: [$($p:ident / $p_mut:ident: $pdoc:literal),+]) => {
        $(#[$doc])*
        #[serde_with::skip_serializing_none]
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(
                #[doc = $pdoc]
                #[serde(skip)]
                $p: String,
            )+
            /// 1–200 stores, by `store_id`.
            store_list: Vec<$crate::stock::StoreInfo>,
            /// The brand (partner mode).
            pub brand_id: Option<String>,
        }

        endpoint!($name => $crate::stock::StoreAssociationResult, $op,
            path: [$($p),+], query: [], key: none, brand: brand_id);

        accessors! {
            $name,
            get: [
                $($p / $p_mut: String => str,)+
                store_list / store_list_mut: Vec<$crate::stock::StoreInfo> => [$crate::stock::StoreInfo],
            ],
            with: [with_brand_id => brand_id: String]
        }

        impl $name {
            /// The stores `store_list` for the path parameters (in path order); see the
            /// [type](Self) for an example.
            pub fn new($($p: impl Into<String>,)+ store_list: Vec<$crate::stock::StoreInfo>) -> Self {
                Self {
                    $($p: $p.into(),)+
                    store_list,
                    brand_id: None,
                }
            }

            /// Checks every rule, naming each broken field.
            pub fn validate(&self) -> Result<(), $crate::validate::ValidationError> {
                let mut c = $crate::validate::Checker::default();
                $($crate::check::path_id(&mut c, stringify!($p), &self.$p);)+
                $crate::check::store_list(&mut c, &self.store_list);
                $crate::check::body_brand(&mut c, self.brand_id.as_deref());
                c.finish()
            }
        }
    };
}
pub(crate) use store_request;

store_request! {
    /// E12 批次关联门店 — `POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/associate-stores`:
    /// lets the listed stores accept a SPECIFIC stock. Not retried blindly (no request number).
    ///
    /// ```
    /// use wxpay_models::{StoreInfo, stock::AssociateStoresRequest};
    /// let r = AssociateStoresRequest::new(
    ///     "1000000013", "1000000013001", vec![StoreInfo { store_id: "100000001".into() }],
    /// );
    /// r.validate()?;
    /// # Ok::<(), wxpay_models::ValidationError>(())
    /// ```
    AssociateStoresRequest, ASSOCIATE_STORES,
    path: [product_coupon_id / product_coupon_id_mut: "The product coupon (path).", stock_id / stock_id_mut: "The stock (path)."]
}

store_request! {
    /// E13 批次取消关联门店 — `POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/disassociate-stores`:
    /// removes the listed stores from a SPECIFIC stock. Not retried blindly.
    ///
    /// ```
    /// use wxpay_models::stock::DisassociateStoresRequest;
    /// let r = DisassociateStoresRequest::new("1000000013", "1000000013001", vec![]);
    /// assert!(r.validate().unwrap_err().has("store_list"));
    /// ```
    DisassociateStoresRequest, DISASSOCIATE_STORES,
    path: [product_coupon_id / product_coupon_id_mut: "The product coupon (path).", stock_id / stock_id_mut: "The stock (path)."]
}

/// The answer of a store (dis)association (E12, E13, E18, E19).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreAssociationResult {
    /// Distinct stores in the request.
    pub total_count: i64,
    /// Stores done.
    pub success_store_list: Option<Vec<StoreInfo>>,
    /// Stores refused, with why.
    pub failed_store_list: Option<Vec<FailedStoreInfo>>,
}

/// E14 查询批次关联门店列表 — `GET /product-coupons/{product_coupon_id}/stocks/{stock_id}/associated-stores`:
/// one page of a SPECIFIC stock's stores.
///
/// ```
/// use wxpay_models::{Mode, Target, encode, stock::ListAssociatedStoresRequest};
/// let r = ListAssociatedStoresRequest::new("1000000013", "1000000013001").with_page_token("MTIzMjUK");
/// let wire = encode(&r, Target { mode: Mode::Brand, brand_id: None })?;
/// assert_eq!(wire.path_and_query, "/brand/marketing/product-coupon/product-coupons/1000000013/stocks/1000000013001/associated-stores?page_token=MTIzMjUK");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAssociatedStoresRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The stock (path).
    #[serde(skip)]
    stock_id: String,
    /// Stores per page, 1–50 (query).
    #[serde(skip)]
    pub page_size: Option<i64>,
    /// The previous answer's `next_page_token` (query).
    #[serde(skip)]
    pub page_token: Option<String>,
    /// The brand (partner mode, query).
    #[serde(skip)]
    pub brand_id: Option<String>,
}

endpoint!(ListAssociatedStoresRequest => ListAssociatedStoresResponse, LIST_ASSOCIATED_STORES,
    path: [product_coupon_id, stock_id], query: [page_size, page_token], key: none, brand: brand_id);

accessors! {
    ListAssociatedStoresRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
    ],
    with: [
        with_page_size => page_size: i64,
        with_page_token => page_token: String,
        with_brand_id => brand_id: String,
    ]
}

impl ListAssociatedStoresRequest {
    /// The first page of the stores of `stock_id` (of `product_coupon_id`); see the [type](Self) for an example.
    pub fn new(product_coupon_id: impl Into<String>, stock_id: impl Into<String>) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            page_size: None,
            page_token: None,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::path_id(&mut c, "stock_id", &self.stock_id);
        c.page_size(self.page_size);
        c.query_optional("page_token", self.page_token.as_deref(), 256);
        check::query_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// One page of a stock's stores.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAssociatedStoresResponse {
    /// Stores in all.
    pub total_count: Option<i64>,
    /// The token of the next page; absent or empty on the last.
    pub next_page_token: Option<String>,
    /// This page's stores.
    pub store_list: Option<Vec<StoreInfo>>,
}

paged!(ListAssociatedStoresRequest => ListAssociatedStoresResponse, StoreInfo, store_list);
