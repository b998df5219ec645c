//! E11 预上传券Code: `POST …/stocks/{stock_id}/upload-coupon-codes`.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::check::{self, MAX_LIST};
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::validate::{Checker, Rule, ValidationError, index};

/// E11 预上传券Code (`POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes`).
const UPLOAD_COUPON_CODES: Operation = Operation {
    name: "UploadCouponCodes",
    kebab: "upload-coupon-codes",
    title: "预上传券Code",
    method: Method::Post,
    path: "/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes",
    retry: Retry::Keyed("out_request_no"),
    body: BodyKind::Json,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: true,
};

/// E11 预上传券Code — `POST /product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes`:
/// adds codes to an UPLOAD stock's pool. Answers [`UploadCouponCodesResponse`].
///
/// ```
/// use wxpay_models::stock::UploadCouponCodesRequest;
/// let codes = |list: &[&str]| list.iter().map(|code| code.to_string()).collect();
/// let r = UploadCouponCodesRequest::new(
///     "1000000013", "1000000013001", "CODES_20250801_01", codes(&["vCode_1", "vCode_2"]),
/// );
/// r.validate()?;
/// let r = UploadCouponCodesRequest::new(
///     "1000000013", "1000000013001", "CODES_20250801_01", codes(&["vCode_1", "vCode_2", "vCode_1"]),
/// );
/// assert!(r.validate().unwrap_err().to_string().contains("code_list has \"vCode_1\" more than once"));
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadCouponCodesRequest {
    /// The product coupon (path).
    #[serde(skip)]
    product_coupon_id: String,
    /// The stock (path).
    #[serde(skip)]
    stock_id: String,
    /// The brand's number for this upload: 6–40 of `[0-9A-Za-z_-]`.
    out_request_no: String,
    /// 1–200 distinct codes, each at most 40 of `[0-9A-Za-z_-]`.
    code_list: Vec<String>,
    /// The brand (partner mode).
    pub brand_id: Option<String>,
}

endpoint!(UploadCouponCodesRequest => UploadCouponCodesResponse, UPLOAD_COUPON_CODES,
    path: [product_coupon_id, stock_id], query: [], key: out_request_no, brand: brand_id);

accessors! {
    UploadCouponCodesRequest,
    get: [
        product_coupon_id / product_coupon_id_mut: String => str,
        stock_id / stock_id_mut: String => str,
        out_request_no / out_request_no_mut: String => str,
        code_list / code_list_mut: Vec<String> => [String],
    ],
    with: [
        with_brand_id => brand_id: String,
    ]
}

impl UploadCouponCodesRequest {
    /// Adds `code_list` to the pool of `stock_id` (of `product_coupon_id`), under
    /// `out_request_no`; see the [type](Self) for an example.
    pub fn new(
        product_coupon_id: impl Into<String>,
        stock_id: impl Into<String>,
        out_request_no: impl Into<String>,
        code_list: Vec<String>,
    ) -> Self {
        Self {
            product_coupon_id: product_coupon_id.into(),
            stock_id: stock_id.into(),
            out_request_no: out_request_no.into(),
            code_list,
            brand_id: None,
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        check::path_id(&mut c, "product_coupon_id", &self.product_coupon_id);
        check::path_id(&mut c, "stock_id", &self.stock_id);
        check::request_no(&mut c, "out_request_no", &self.out_request_no);
        if self.code_list.is_empty() {
            c.body("code_list", Rule::Required);
        } else {
            c.items("code_list", self.code_list.len(), 1, MAX_LIST);
        }
        for (i, code) in self.code_list.iter().enumerate() {
            c.id(&index("code_list", i), code, 1, 40);
        }
        c.unique("code_list", self.code_list.iter().map(String::as_str));
        check::body_brand(&mut c, self.brand_id.as_deref());
        c.finish()
    }
}

/// The answer of E11: what became of each code.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadCouponCodesResponse {
    /// Distinct codes in the request.
    pub total_count: i64,
    /// Codes added.
    pub success_code_list: Option<Vec<String>>,
    /// Codes refused.
    pub failed_code_list: Option<Vec<FailedCouponCode>>,
    /// Codes the pool had already.
    pub already_exist_code_list: Option<Vec<String>>,
    /// Codes given more than once.
    pub duplicate_code_list: Option<Vec<String>>,
}

/// A `failed_code_list` entry: the YAML writes the code alone, Tencent's samples an object
/// with the reason; either is read and written back as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FailedCouponCode {
    /// The code (YAML).
    Code(String),
    /// The code and why (Tencent's samples).
    Info(FailedCouponCodeInfo),
}

/// `FailedCouponCodeInfo` of Tencent's samples.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedCouponCodeInfo {
    /// The code.
    pub coupon_code: Option<String>,
    /// Error code.
    pub code: Option<String>,
    /// Error message.
    pub message: Option<String>,
}
