//! E06 查询商品券批次列表 (`GET …/product-coupons/{product_coupon_id}/stocks`) and E07
//! 查询商品券指定批次 (`GET …/stocks/{stock_id}`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check;
use crate::enums::StockState;
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::stock::StockEntity;
use crate::validate::{Checker, ValidationError};

/// E07 查询商品券指定批次 (`GET /product-coupons/{product_coupon_id}/stocks/{stock_id}`).
const GET_STOCK: Operation = Operation {
    name: "GetStock",
    kebab: "get-stock",
    title: "查询商品券指定批次",
    method: Method::Get,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E06 查询商品券批次列表 (`GET /product-coupons/{product_coupon_id}/stocks`).
const LIST_STOCKS: Operation = Operation {
    name: "ListStocks",
    kebab: "list-stocks",
    title: "查询商品券批次列表",
    method: Method::Get,
    path: "/product-coupons/{product_coupon_id}/stocks",
    retry: Retry::Read,
    body: BodyKind::Empty,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// The page size WeChat Pay uses when `page_size` is not given.
pub const DEFAULT_PAGE_SIZE: i64 = 20;

/// E06 查询商品券批次列表 — `GET /product-coupons/{product_coupon_id}/stocks`: one page of a
/// product coupon's stocks, optionally of one state or one stock bundle. Every field is a
/// path or query parameter.
///
/// ```
/// use wxpay_models::{Mode, StockState, Target, encode, stock::ListStocksRequest};
/// let r = ListStocksRequest::new("1000000013")
///     .with_state(StockState::Sending)
///     .with_page_size(20);
/// r.validate()?;
/// let wire = encode(&r, Target { mode: Mode::Partner, brand_id: Some("120344") })?;
/// assert_eq!(wire.path_and_query, "/v3/marketing/partner/product-coupon/product-coupons/1000000013/stocks?brand_id=120344&page_size=20&state=SENDING");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListStocksRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// Only stocks in this state (query).
    #[serde(skip)]
    pub state: Option<StockState>,
    /// Only the stocks of this stock bundle (query; in Tencent's samples, not in the YAML).
    #[serde(skip)]
    pub stock_bundle_id: Option<String>,
    /// Stocks per page, 1–50; WeChat Pay's default is [`DEFAULT_PAGE_SIZE`] (query).
    #[serde(skip)]
    pub page_size: Option<i64>,
    /// The previous answer's `next_page_token`; `None` for the first page (query).
    #[serde(skip)]
    pub page_token: Option<String>,
    /// The brand (partner mode, query).
    #[serde(skip)]
    pub brand_id: Option<String>,
}

endpoint!(ListStocksRequest => ListStocksResponse, LIST_STOCKS,
    path: [product_coupon_id], query: [state, stock_bundle_id, page_size, page_token],
    key: none, brand: brand_id);

accessors! {
    ListStocksRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
    ],
    with: [
        with_state => state: StockState,
        with_stock_bundle_id => stock_bundle_id: String,
        with_page_size => page_size: i64,
        with_page_token => page_token: String,
        with_brand_id => brand_id: String,
    ]
}

impl ListStocksRequest {
    /// The first page of `product_coupon_id`'s stocks; the filters and the page are set with
    /// `with_*`. See the [type](Self) for an example.
    pub fn new(product_coupon_id: impl Into<String>) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            state: None,
            stock_bundle_id: None,
            page_size: None,
            page_token: None,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        if let Some(state) = &self.state {
            c.known_query("state", state);
        }
        c.query_optional("stock_bundle_id", self.stock_bundle_id.as_deref(), 40);
        c.page_size(self.page_size);
        c.query_optional("page_token", self.page_token.as_deref(), 256);
        check::query_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// One page of stocks.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListStocksResponse {
    /// Stocks in all (brand mode: given on the first page only).
    pub total_count: Option<i64>,
    /// The token of the next page; absent or empty on the last.
    pub next_page_token: Option<String>,
    /// This page's stocks.
    pub stock_list: Option<Vec<StockEntity>>,
}

paged!(ListStocksRequest => ListStocksResponse, StockEntity, stock_list);

/// E07 查询商品券指定批次 — `GET /product-coupons/{product_coupon_id}/stocks/{stock_id}`:
/// one stock, with live counters. Answers the [`StockEntity`].
///
/// ```
/// use wxpay_models::{Mode, Target, encode, stock::GetStockRequest};
/// let r = GetStockRequest::new("1000000013", "1000000013001");
/// r.validate()?;
/// let wire = encode(&r, Target { mode: Mode::Brand, brand_id: None })?;
/// assert_eq!(wire.path_and_query, "/brand/marketing/product-coupon/product-coupons/1000000013/stocks/1000000013001");
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetStockRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The stock (path).
    #[serde(skip)]
    stock_id: String,
    /// The brand (partner mode, query).
    #[serde(skip)]
    pub brand_id: Option<String>,
}

endpoint!(GetStockRequest => StockEntity, GET_STOCK,
    path: [product_coupon_id, stock_id], query: [], key: none, brand: brand_id);

accessors! {
    GetStockRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl GetStockRequest {
    /// Reads `stock_id` of `product_coupon_id`; see the [type](Self) for an example.
    pub fn new(product_coupon_id: impl Into<String>, stock_id: impl Into<String>) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::path_id(&mut c, "stock_id", &self.stock_id);
        check::query_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}
