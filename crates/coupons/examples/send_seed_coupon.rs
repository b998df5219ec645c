//! Issues the API document's sample member coupon against the emulator:
//!
//! ```sh
//! cargo run -p wxpay-coupons --example send_seed_coupon
//! ```
//!
//! It starts wxpay-mock in-process (dev state, test-only keys), builds a client from values
//! and sends the seed's request. Against WeChat Pay, build the client from your own keys
//! instead (`CouponClient::from_config_file("client.toml")`).

use std::sync::Arc;

use wxpay_coupons::signing::{KeyStore, PrivateKey, PublicKey, Signer};
use wxpay_coupons::{CouponClient, CouponTagInfo, SendUserProductCouponRequest, Transport};
use wxpay_mock::fixtures::dev;

const MERCHANT_KEY: &[u8] = wxpay_mock::dev_keys::MERCHANT_KEY.as_bytes();
const PLATFORM_PUB: &[u8] = wxpay_mock::dev_keys::PLATFORM_PUB.as_bytes();

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = wxpay_mock::Server::start(
        Arc::new(wxpay_mock::Emulator::dev()),
        "127.0.0.1:0".parse()?,
        Default::default(),
    )
    .await?;

    let signer = Signer::new(
        dev::MCHID,
        dev::MERCHANT_SERIAL,
        PrivateKey::from_pem(MERCHANT_KEY)?,
    );
    let keys =
        KeyStore::new().with_public_key(dev::PLATFORM_KEY_ID, PublicKey::from_pem(PLATFORM_PUB)?);
    let transport = Transport::builder(signer, keys)
        .base_url(&server.base_url())
        .backup_base_url(&server.base_url())
        .build()?;
    let client = CouponClient::new(transport);

    let request = SendUserProductCouponRequest::new(
        "oh-394z-6CGkNoJrsDLTTUKiAnp4",
        "1000000013",
        "1000000013001",
        "wx233544546545989",
        "MCHSEND202003101234",
    )
    .with_coupon_code("Code_123456")
    .with_attach("any attach content")
    .with_coupon_tag_info(CouponTagInfo::member("MemberCardId_1234567890"))
    .with_brand_id("120344");
    let coupon = client.send_user_product_coupon(&request).await?;
    println!(
        "issued {} ({}), valid {} .. {}",
        coupon.coupon_code, coupon.coupon_state, coupon.valid_begin_time, coupon.valid_end_time
    );
    println!("{}", serde_json::to_string_pretty(&coupon)?);

    // The same request again is an idempotent replay: the same coupon, not a second one.
    let again = client.send_user_product_coupon(&request).await?;
    assert_eq!(again.coupon_code, coupon.coupon_code);
    println!("replayed: same coupon {}", again.coupon_code);
    server.shutdown().await;
    Ok(())
}
