//! Fixtures for the criterion benches in `benches/`: the seed's member request and its 3.3 KB
//! response, signed the way the real parties sign them. See `docs/benchmarks.md`.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use wxpay_models::{CouponTagInfo, SendUserProductCouponRequest};
use wxpay_signing::{
    KeyError, KeyStore, PlatformSigner, PrivateKey, SignedHeaders, Signer, Verifier,
};

/// The seed's member-coupon response sample (3.3 KB).
pub const RESPONSE_MEMBER: &[u8] =
    include_bytes!("../../crates/models/tests/data/response-member.json");
const MERCHANT_KEY: &[u8] = include_bytes!("../../crates/mock/dev-keys/merchant_key.pem");
const PLATFORM_KEY: &[u8] = include_bytes!("../../crates/mock/dev-keys/platform_key.pem");
/// The dev platform key id.
pub const PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0119000000012025112900000000000001";

/// The seed's member-coupon request.
pub fn seed_request() -> SendUserProductCouponRequest {
    SendUserProductCouponRequest::new(
        "oh-394z-6CGkNoJrsDLTTUKiAnp4",
        "1000000013",
        "1000000013001",
        "wx233544546545989",
        "MCHSEND202003101234",
    )
    .with_coupon_code("Code_123456")
    .with_attach("any attach content")
    .with_coupon_tag_info(CouponTagInfo::member("MemberCardId_1234567890"))
    .with_brand_id("120344")
}

/// Request `i` of the load test's mix: WeChat Pay–assigned codes from the dev load-test
/// stock, every other one a member coupon, no attach.
pub fn load_test_request(i: usize) -> SendUserProductCouponRequest {
    let request = SendUserProductCouponRequest::new(
        format!("oLT{i:025}"),
        "1000000013",
        "1000000013005",
        "wx233544546545989",
        format!("LT20261129{i:014}"),
    )
    .with_brand_id("120344");
    if i.is_multiple_of(2) {
        request.with_coupon_tag_info(CouponTagInfo::member(format!("MemberCard_{i:010}")))
    } else {
        request
    }
}

/// Everything a bench needs, built once.
#[derive(Debug)]
pub struct Fixture {
    /// The merchant key.
    pub merchant_key: PrivateKey,
    /// The merchant's request signer.
    pub signer: Signer,
    /// A verifier holding the platform key.
    pub verifier: Verifier,
    /// Headers signing [`RESPONSE_MEMBER`] now.
    pub response_headers: SignedHeaders,
    /// The platform key (for raw verification).
    pub platform_key: PrivateKey,
}

impl Fixture {
    /// Loads the dev keys and signs the sample response.
    pub fn new() -> Result<Self, Box<dyn std::error::Error>> {
        let merchant_key = PrivateKey::from_pem(MERCHANT_KEY)?;
        let platform_key = PrivateKey::from_pem(PLATFORM_KEY)?;
        let signer = Signer::new(
            "1900000001",
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            merchant_key.clone(),
        );
        let response_headers =
            PlatformSigner::new(PLATFORM_KEY_ID, platform_key.clone()).sign(RESPONSE_MEMBER)?;
        let verifier = Verifier::new(
            KeyStore::new().with_public_key(PLATFORM_KEY_ID, platform_key.public_key()),
        );
        Ok(Self {
            merchant_key,
            signer,
            verifier,
            response_headers,
            platform_key,
        })
    }
}

/// Loads a key the way the benches do (exposed for the smoke test below).
pub fn load_merchant_key() -> Result<PrivateKey, KeyError> {
    PrivateKey::from_pem(MERCHANT_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_response_verifies_and_parses() {
        let f = Fixture::new().unwrap();
        f.verifier
            .verify(&f.response_headers.as_headers(), RESPONSE_MEMBER)
            .unwrap();
        let entity: wxpay_models::UserProductCouponEntity =
            serde_json::from_slice(RESPONSE_MEMBER).unwrap();
        assert_eq!(entity.coupon_code, "Code_123456");
        assert!(load_merchant_key().is_ok());
    }
}
