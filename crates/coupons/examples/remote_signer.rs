//! A request signer whose private key never enters the client: signing happens in another
//! task, reached over a channel, the way a KMS, an HSM or a signing service is reached over
//! the network.
//!
//! ```sh
//! cargo run -p wxpay-coupons --example remote_signer
//! ```
//!
//! It starts wxpay-mock in-process (dev state, test-only keys), starts the "signing service"
//! (a task owning the key), and sends a coupon through a client that only holds a channel to
//! it. For a real KMS, replace the task with the KMS client call (RSASSA_PKCS1_V1_5_SHA_256
//! over the message) inside [`RequestSigner::sign`].

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use wxpay_coupons::signing::{
    KeyStore, Principal, PrivateKey, PublicKey, RequestSigner, SignError, SignFuture,
};
use wxpay_coupons::{CouponClient, SendUserProductCouponRequest, Transport};
use wxpay_mock::fixtures::dev;

const MERCHANT_KEY: &[u8] = wxpay_mock::dev_keys::MERCHANT_KEY.as_bytes();
const PLATFORM_PUB: &[u8] = wxpay_mock::dev_keys::PLATFORM_PUB.as_bytes();

/// One signing job: the message, and where the signature goes.
type Job = (Vec<u8>, oneshot::Sender<Result<Vec<u8>, String>>);

/// The client side: who signs, and a channel to whatever holds the key.
#[derive(Debug)]
pub(crate) struct ChannelSigner {
    principal: Principal,
    serial_no: String,
    jobs: mpsc::Sender<Job>,
}

impl RequestSigner for ChannelSigner {
    fn principal(&self) -> &Principal {
        &self.principal
    }

    fn serial_no(&self) -> &str {
        &self.serial_no
    }

    fn sign(&self, message: Vec<u8>) -> SignFuture<'_> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.jobs
                .send((message, reply))
                .await
                .map_err(|_| SignError::Signer("the signing service is gone".into()))?;
            answer
                .await
                .map_err(|_| SignError::Signer("the signing service dropped the job".into()))?
                .map_err(SignError::Signer)
        })
    }
}

/// The "signing service": owns the key, signs what it is sent until every sender is gone.
pub(crate) fn start_signing_service(key: PrivateKey) -> mpsc::Sender<Job> {
    let (jobs, mut queue) = mpsc::channel::<Job>(64);
    tokio::spawn(async move {
        while let Some((message, reply)) = queue.recv().await {
            let _ = reply.send(key.sign(&message).map_err(|e| e.to_string()));
        }
    });
    jobs
}

/// Sends one coupon of the dev state at `base_url` through a [`ChannelSigner`]; returns its
/// code.
pub(crate) async fn send_with_remote_signer(
    base_url: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let signer = ChannelSigner {
        principal: Principal::Merchant(dev::MCHID.into()),
        serial_no: dev::MERCHANT_SERIAL.into(),
        jobs: start_signing_service(PrivateKey::from_pem(MERCHANT_KEY)?),
    };
    let keys =
        KeyStore::new().with_public_key(dev::PLATFORM_KEY_ID, PublicKey::from_pem(PLATFORM_PUB)?);
    let transport = Transport::builder(signer, keys)
        .base_url(base_url)
        .backup_base_url(base_url)
        .build()?;
    let client = CouponClient::new(transport);
    let coupon = client
        .send_user_product_coupon(
            &SendUserProductCouponRequest::new(
                "oh-394z-6CGkNoJrsDLTTUKiAnp4",
                dev::PRODUCT_COUPON_ID,
                dev::STOCK_WECHATPAY,
                dev::APPID,
                format!("REMOTE{}", std::process::id()),
            )
            .with_brand_id(dev::BRAND_ID),
        )
        .await?;
    Ok(coupon.coupon_code)
}

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file for the functions above
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = wxpay_mock::Server::start(
        Arc::new(wxpay_mock::Emulator::dev()),
        "127.0.0.1:0".parse()?,
        Default::default(),
    )
    .await?;
    let code = send_with_remote_signer(&server.base_url()).await?;
    println!("issued {code}, signed by the signing service (the client never held the key)");
    server.shutdown().await;
    Ok(())
}
