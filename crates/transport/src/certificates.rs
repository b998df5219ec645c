//! Certificate mode without certificate files: the platform certificates come from
//! `GET /v3/certificates` (signed in the caller's own scheme, the same path in both modes).
//!
//! Each `encrypt_certificate` is AEAD_AES_256_GCM under the merchant's APIv3 key; a
//! certificate is kept when it decrypts, parses, carries the serial the answer names and is
//! valid now (its own `notBefore`/`notAfter`). A certificate published ahead of its validity
//! is picked up by a later download.
//!
//! **Trust.** The answer's own signature must verify: with a key the client already trusts
//! when it names one, otherwise with one of the certificates in the answer — what WeChat Pay's
//! own SDKs do the first time. That second case is sound because of the AEAD: only WeChat Pay
//! and the merchant know the APIv3 key, so a certificate that decrypts under it (its tag
//! checks the ciphertext, nonce and `associated_data`) was put there by WeChat Pay; a
//! forged answer cannot bring its own certificate.
//!
//! **Refresh.** Before the first call, then lazily on the first call after each
//! `certificate_refresh_secs` (default 12 h), and at once when an answer names a serial the
//! client does not hold (at most once a minute). A failed or garbage download keeps the
//! certificates already held and says why in a warning; only when none is held does the call
//! fail, with [`TransportError::Certificates`](crate::TransportError::Certificates).

// The public face of certificate mode: the answer's format and checks are in
// certificate_list.rs, the downloads and refreshes in transport/refresh.rs.

use wxpay_signing::ApiV3Key;

use crate::transport::Transport;

pub use crate::certificate_list::PlatformCertificate;
pub use crate::error::{CERTIFICATES_PATH as PATH, CertificateError};
pub use crate::transport::refresh::{DEFAULT_REFRESH, MIN_UNKNOWN_SERIAL_GAP};

/// Downloads the platform certificates valid now through `transport` (signed as its
/// signer), decrypts them with `apiv3_key`, and verifies the answer's signature with the
/// transport's trusted keys or, failing that, with the downloaded certificates (module
/// docs). Changes nothing in the transport: what `wxpay certificates download` calls.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use wxpay_transport::{ClientConfig, Transport, certificates};
/// let config = ClientConfig::from_file("client.toml")?;
/// let transport = Transport::from_config(&config)?;
/// let key = config.apiv3_key()?.ok_or("apiv3_key_file is needed")?;
/// for cert in certificates::download(&transport, &key).await? {
///     println!("{} valid until {}", cert.serial_no, cert.expire_time);
/// }
/// # Ok(()) }
/// ```
pub async fn download(
    transport: &Transport,
    apiv3_key: &ApiV3Key,
) -> Result<Vec<PlatformCertificate>, CertificateError> {
    transport.fetch_certificates(apiv3_key).await
}
