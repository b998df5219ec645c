//! TLS with the crate's crypto backend: the server's configuration from PEM files, and the
//! provider every rustls configuration of the emulator names.

use std::sync::Arc;

use rustls::ServerConfig;

use crate::config::{ConfigError, TlsConfig};

/// A rustls server configuration (the crate's crypto backend, ALPN h2 + http/1.1) from PEM
/// files.
pub fn tls_config(
    tls: &TlsConfig,
    resolve: impl Fn(&std::path::Path) -> std::path::PathBuf,
) -> Result<Arc<ServerConfig>, ConfigError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |key: &str, e: &dyn std::fmt::Display| ConfigError::invalid(key, e.to_string());
    let pem = |key: &str, path: &std::path::Path| {
        wxpay_signing::file::read_limited(
            path,
            wxpay_signing::file::MAX_PEM_BUNDLE_BYTES,
            "a PEM file",
        )
        .map_err(|e| bad(key, &format!("{}: {e}", path.display())))
    };
    let cert_path = resolve(&tls.cert_file);
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&pem("tls.cert_file", &cert_path)?)
            .collect::<Result<_, _>>()
            .map_err(|e| bad("tls.cert_file", &format!("{}: {e}", cert_path.display())))?;
    if certs.is_empty() {
        return Err(bad(
            "tls.cert_file",
            &format!("{}: no CERTIFICATE in it", cert_path.display()),
        ));
    }
    let key_path = resolve(&tls.key_file);
    let key = PrivateKeyDer::from_pem_slice(&pem("tls.key_file", &key_path)?)
        .map_err(|e| bad("tls.key_file", &format!("{}: {e}", key_path.display())))?;
    let mut config = ServerConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("tls", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("tls", &e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
compile_error!(
    "wxpay-mock needs a crypto backend: enable its feature `aws-lc-rs` (the default) or `ring`"
);

/// rustls on the backend this crate was built with, named explicitly (with both compiled in,
/// rustls has no process default); ring when both features are on, as in wxpay-signing.
pub(crate) fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[cfg(all(feature = "aws-lc-rs", not(feature = "ring")))]
    use rustls::crypto::aws_lc_rs as tls_backend;
    #[cfg(feature = "ring")]
    use rustls::crypto::ring as tls_backend;
    Arc::new(tls_backend::default_provider())
}
