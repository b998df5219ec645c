//! Regressions found by the fuzz targets (fuzz/README.md): each test is one input a target
//! failed on, reduced, with what must hold instead.

use wxpay_models::user_coupon::ListUserProductCouponsRequest as List;
use wxpay_models::{Decode, Location, RawRequest};

/// `decode`: a query pair with no name and a broken escape (`&=%zz`) was refused with an
/// empty field name, so the answer named nothing.
#[test]
fn a_query_pair_without_a_name_is_named_in_the_error() {
    let path = [("openid", "o1")];
    for query in ["appid=wx1&=%zz", "=%", "appid=wx1&=%ff"] {
        let raw = RawRequest {
            path: &path,
            query: Some(query),
            body: b"",
        };
        let err = List::decode(&raw).expect_err("a broken escape");
        let first = err.first().expect("an error");
        assert_eq!(
            (first.field.as_str(), first.location),
            ("(query)", Location::Query),
            "{query}"
        );
        assert!(
            err.to_string().starts_with("invalid request: (query) "),
            "{err}"
        );
    }
}
