//! [`RequestSigner`]: whatever holds the merchant's (or brand's) API private key. The
//! key-file [`Signer`] is the default; a key kept in a KMS, an HSM or another process
//! implements the trait and signs wherever it lives.
//!
//! **Why async.** Transports sign each attempt inside an async call, and a remote signer is
//! naturally async (a network round trip, a channel to another task). The trait returns a
//! boxed future ([`SignFuture`]) so that it stays usable as `dyn RequestSigner`. The cost is
//! one small heap allocation per signature, next to an RSA-2048 operation of ≈ 0.3 ms
//! (`hot_path/request_dyn_signer` in docs/benchmarks.md). The in-memory [`Signer`] answers
//! with an already-completed future, so it never suspends.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::authorization::{Authorization, Principal};
use crate::clock::{Clock, SystemClock};
use crate::error::SignError;
use crate::signer::{assemble, check_fields, request_message};
use crate::{Signer, nonce};

/// What [`RequestSigner::sign`] returns: the raw RSA signature bytes, later.
pub type SignFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, SignError>> + Send + 'a>>;

/// Signs request messages with the merchant's (or brand's) API private key, wherever that
/// key is. Implement it to keep the key in a KMS, an HSM or a signing service; [`Signer`]
/// (a key in memory) is the default implementation. [`authorize`] turns it into the
/// `Authorization` header.
///
/// ```
/// use wxpay_signing::{Principal, PrivateKey, RequestSigner, SignFuture};
///
/// /// Signs in another task, as a KMS client would over the network.
/// #[derive(Debug)]
/// struct Elsewhere { principal: Principal, key: PrivateKey }
///
/// impl RequestSigner for Elsewhere {
///     fn principal(&self) -> &Principal { &self.principal }
///     fn serial_no(&self) -> &str { "5157F09EFDC096DE15EBE81A47057A7232F1B8E1" }
///     fn sign(&self, message: Vec<u8>) -> SignFuture<'_> {
///         let key = self.key.clone();
///         Box::pin(async move { key.sign(&message) })
///     }
/// }
///
/// let signer = Elsewhere {
///     principal: Principal::Merchant("1900000001".into()),
///     key: PrivateKey::from_pem_file("tests/data/keys/merchant_key.pem")?,
/// };
/// let auth = block_on(wxpay_signing::authorize(&signer, "GET", "/v3/certificates", b""))?;
/// assert!(auth.to_string().starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\""));
/// # // Any executor works (tokio in a real program); here a plain poll loop.
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait RequestSigner: Debug + Send + Sync {
    /// Who signs: the merchant (`mchid`, `WECHATPAY2-SHA256-RSA2048`) or the brand
    /// (`brand_id`, `WECHATPAY-BRAND-SHA256-RSA2048`).
    fn principal(&self) -> &Principal;

    /// The serial of the API certificate whose key signs (`serial_no` in the header).
    fn serial_no(&self) -> &str;

    /// RSA PKCS#1 v1.5 with SHA-256 over `message`: the raw signature bytes (256 for
    /// RSA-2048). A failure is [`SignError::Signer`] with what went wrong, never the key.
    fn sign(&self, message: Vec<u8>) -> SignFuture<'_>;

    /// "Now" for the header's timestamp, Unix seconds (default: the system clock).
    fn now_unix(&self) -> i64 {
        SystemClock.now_unix()
    }
}

impl RequestSigner for Signer {
    fn principal(&self) -> &Principal {
        Signer::principal(self)
    }

    fn serial_no(&self) -> &str {
        Signer::serial_no(self)
    }

    fn sign(&self, message: Vec<u8>) -> SignFuture<'_> {
        Box::pin(std::future::ready(self.sign_message(&message)))
    }

    fn now_unix(&self) -> i64 {
        Signer::now_unix(self)
    }
}

impl<T: RequestSigner + ?Sized> RequestSigner for Arc<T> {
    fn principal(&self) -> &Principal {
        (**self).principal()
    }

    fn serial_no(&self) -> &str {
        (**self).serial_no()
    }

    fn sign(&self, message: Vec<u8>) -> SignFuture<'_> {
        (**self).sign(message)
    }

    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

impl<T: RequestSigner + ?Sized> RequestSigner for Box<T> {
    fn principal(&self) -> &Principal {
        (**self).principal()
    }

    fn serial_no(&self) -> &str {
        (**self).serial_no()
    }

    fn sign(&self, message: Vec<u8>) -> SignFuture<'_> {
        (**self).sign(message)
    }

    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

/// Signs a request with any [`RequestSigner`]: the signer's time, a fresh 32-character
/// nonce, the message `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`, and the header fields around
/// the signature. What a transport calls for every attempt.
///
/// ```
/// use wxpay_signing::{PrivateKey, Signer, authorize};
/// let signer = Signer::new("1900000001", "5157F09E", PrivateKey::from_pem_file("tests/data/keys/merchant_key.pem")?);
/// let mut future = std::pin::pin!(authorize(&signer, "GET", "/v3/certificates", b""));
/// // The in-memory signer completes at the first poll.
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let std::task::Poll::Ready(auth) = future.as_mut().poll(&mut cx) else { unreachable!() };
/// assert_eq!(auth?.serial_no, "5157F09E");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn authorize<S: RequestSigner + ?Sized>(
    signer: &S,
    method: &str,
    url: &str,
    body: &[u8],
) -> Result<Authorization, SignError> {
    check_fields(signer.principal(), signer.serial_no())?;
    let nonce = nonce::new_nonce()?;
    let timestamp = signer.now_unix().to_string();
    let message = request_message(method, url, body, &timestamp, &nonce)?;
    let signature = signer.sign(message).await?;
    if signature.is_empty() {
        return Err(SignError::Signer("returned an empty signature".into()));
    }
    Ok(assemble(
        signer.principal().clone(),
        signer.serial_no(),
        nonce,
        timestamp,
        &signature,
    ))
}
