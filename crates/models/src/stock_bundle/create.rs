//! E15 添加商品券批次组: `POST {prefix}/product-coupons/{product_coupon_id}/stock-bundles`.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::stock_bundle::{BundleShape, StockBundleEntity, StockBundleForCreate};
use crate::validate::{Checker, ValidationError};

/// E15 添加商品券批次组 (`POST /product-coupons/{product_coupon_id}/stock-bundles`).
const CREATE_STOCK_BUNDLE: Operation = Operation {
    name: "CreateStockBundle",
    kebab: "create-stock-bundle",
    title: "添加商品券批次组",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stock-bundles",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E15 添加商品券批次组 — `POST /product-coupons/{product_coupon_id}/stock-bundles`: adds a
/// stock bundle (one stock per round) to a PROGRESSIVE_BUNDLE product coupon. Answers the
/// [`StockBundleEntity`].
///
/// ```
/// use wxpay_models::{Endpoint, Mode, StockBundleForCreate, stock_bundle::CreateStockBundleRequest};
/// let r = CreateStockBundleRequest::new("1000000013", "", StockBundleForCreate::default());
/// let err = r.validate().unwrap_err();
/// assert!(err.has("out_request_no") && err.has("stock_bundle.stock_send_rule.max_count_per_user"));
/// assert_eq!(r.path(Mode::Partner), "/v3/marketing/partner/product-coupon/product-coupons/1000000013/stock-bundles");
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateStockBundleRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The brand's number for this create: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// The new bundle.
    stock_bundle: StockBundleForCreate,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(CreateStockBundleRequest => StockBundleEntity, CREATE_STOCK_BUNDLE,
    path: [product_coupon_id], query: [], key: out_request_no, brand: brand_id);

accessors! {
    CreateStockBundleRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
        stock_bundle / stock_bundle_mut: StockBundleForCreate,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl CreateStockBundleRequest {
    /// Adds `stock_bundle` to `product_coupon_id`, under `out_request_no`; see the [type](Self) for an example.
    pub fn new(
        product_coupon_id: impl Into<String>,
        out_request_no: impl Into<String>,
        stock_bundle: StockBundleForCreate,
    ) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            out_request_no: out_request_no.into(),
            stock_bundle,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        self.stock_bundle
            .check(&mut c, "stock_bundle", BundleShape::default());
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
