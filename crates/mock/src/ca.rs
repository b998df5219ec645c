//! The sandbox CA of `--ca-dir`: made once (rcgen), reused on every start, and the leaf
//! certificate for WeChat Pay's API hosts it issues at each start. Clients that trust
//! `DIR/ca.pem` reach the emulator through its HTTPS proxy unchanged (docs/sandbox.md).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints,
};
use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

/// The hosts the proxy impersonates: WeChat Pay's primary and backup API domains. A CONNECT
/// to another host is refused, and the leaf certificate names only these.
pub const API_HOSTS: [&str; 2] = ["api.mch.weixin.qq.com", "api2.mch.weixin.qq.com"];
/// The CA certificate in the CA directory: what clients trust.
pub const CA_FILE: &str = "ca.pem";
/// The CA's private key beside it (PKCS#8 PEM, mode 0600).
pub const CA_KEY_FILE: &str = "ca-key.pem";
/// Held locked while a CA is made or read, so that emulators starting together on one new
/// directory make one CA between them.
const LOCK_FILE: &str = "ca.lock";

/// How long a new CA is valid.
const CA_VALIDITY: Duration = Duration::days(3650);
/// How long a leaf is valid (a new one is issued at every start), at most until the CA ends.
const LEAF_VALIDITY: Duration = Duration::days(365);

/// Why a CA directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// A file or the directory could not be read, created or written.
    #[error("--ca-dir: {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is there but cannot be used; `problem` says why and what to do.
    #[error("--ca-dir: {path}: {problem}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// Making a certificate failed (rcgen).
    #[error("--ca-dir: cannot make {what}: {message}")]
    Generate {
        /// The CA, its key or the leaf.
        what: &'static str,
        /// rcgen's or rustls's message.
        message: String,
    },
}

/// The sandbox CA of a directory, and the TLS configuration of the proxy: a fresh leaf for
/// [`API_HOSTS`] signed by the CA, ALPN `h2` and `http/1.1`, and a handshake only for a
/// ClientHello whose SNI is one of those hosts.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("wxpay-ca-doc-{}", std::process::id()));
/// let ca = wxpay_mock::SandboxCa::open(&dir)?;            // made: DIR/ca.pem, DIR/ca-key.pem
/// assert!(ca.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// let again = wxpay_mock::SandboxCa::open(&dir)?;         // reused
/// assert_eq!(again.ca_pem(), ca.ca_pem());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SandboxCa {
    dir: PathBuf,
    ca_pem: String,
    created: bool,
    server: Arc<ServerConfig>,
}

impl fmt::Debug for SandboxCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the keys.
        f.debug_struct("SandboxCa")
            .field("dir", &self.dir)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

impl SandboxCa {
    /// Opens the CA in `dir`: creates the directory and a new CA when neither `ca.pem` nor
    /// `ca-key.pem` is there; otherwise reads both and checks that the certificate is a CA
    /// valid now and the key is its key. Then issues the leaf.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, CaError> {
        let dir = dir.as_ref().to_path_buf();
        let _lock = lock(&dir)?;
        let (cert_path, key_path) = (dir.join(CA_FILE), dir.join(CA_KEY_FILE));
        let (ca_pem, key, created) = match (cert_path.exists(), key_path.exists()) {
            (false, false) => {
                let (pem, key) = create(&dir, &cert_path, &key_path)?;
                (pem, key, true)
            }
            (true, true) => {
                let (pem, key) = load(&cert_path, &key_path)?;
                (pem, key, false)
            }
            (true, false) => return Err(half(&key_path, &cert_path)),
            (false, true) => return Err(half(&cert_path, &key_path)),
        };
        let server = server_config(&cert_path, &ca_pem, key)?;
        Ok(Self {
            dir,
            ca_pem,
            created,
            server,
        })
    }

    /// `DIR/ca.pem`: the file clients trust.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join(CA_FILE)
    }

    /// The CA certificate (PEM).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Whether this open made the CA (rather than reusing one).
    pub fn created(&self) -> bool {
        self.created
    }

    /// The proxy's TLS configuration.
    pub(crate) fn server_config(&self) -> Arc<ServerConfig> {
        self.server.clone()
    }
}

fn half(missing: &Path, present: &Path) -> CaError {
    CaError::Invalid {
        path: missing.to_path_buf(),
        problem: format!(
            "is missing while {} is there: restore it, or remove {} to make a new CA (clients must then trust the new ca.pem)",
            present.display(),
            present.display()
        ),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn generate(what: &'static str) -> impl FnOnce(rcgen::Error) -> CaError {
    move |e| CaError::Generate {
        what,
        message: e.to_string(),
    }
}

/// Makes `dir` if missing and locks its `ca.lock` until the file is dropped: a second
/// emulator opening the directory meanwhile waits, then finds the CA the first one made.
/// In a directory where nothing can be created, no CA can be made either, so an existing one
/// is read without the lock.
fn lock(dir: &Path) -> Result<Option<std::fs::File>, CaError> {
    use std::io::ErrorKind;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&path);
    match file {
        Ok(file) => {
            file.lock().map_err(io(&path))?;
            Ok(Some(file))
        }
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(io(&path)(e)),
    }
}

/// A new CA in `dir`: the key first (0600, never overwritten), then the certificate.
fn create(dir: &Path, cert_path: &Path, key_path: &Path) -> Result<(String, KeyPair), CaError> {
    let key = KeyPair::generate().map_err(generate("the CA key"))?;
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "wxpay-mock sandbox");
    name.push(
        DnType::CommonName,
        "wxpay-mock sandbox CA for api.mch.weixin.qq.com (tests only)",
    );
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // Trusting this CA can vouch for WeChat Pay's API hosts only, should its key leak.
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: API_HOSTS
            .iter()
            .map(|h| GeneralSubtree::DnsName((*h).to_owned()))
            .collect(),
        excluded_subtrees: Vec::new(),
    });
    params.not_before = now - Duration::days(1);
    params.not_after = now + CA_VALIDITY;
    let cert = params.self_signed(&key).map_err(generate("the CA"))?;
    write_new(key_path, key.serialize_pem().as_bytes(), true)?;
    let pem = cert.pem();
    write_new(cert_path, pem.as_bytes(), false)?;
    tracing::info!("made a sandbox CA in {}", dir.display());
    Ok((pem, key))
}

fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), CaError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io(path))
}

/// Reads an existing CA and checks it: a CA certificate, valid now, whose key is `key_path`.
fn load(cert_path: &Path, key_path: &Path) -> Result<(String, KeyPair), CaError> {
    let invalid = |path: &Path, problem: String| CaError::Invalid {
        path: path.to_path_buf(),
        problem,
    };
    let read = |path: &Path, what: &str| {
        wxpay_signing::file::read_limited(path, wxpay_signing::file::MAX_PEM_BUNDLE_BYTES, what)
            .map_err(io(path))
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|_| invalid(path, "is not a PEM file (not UTF-8)".into()))
            })
    };
    let pem = read(cert_path, "a CA certificate")?;
    let key_pem = read(key_path, "a CA key")?;
    warn_if_readable(key_path);
    let key = KeyPair::from_pem(&key_pem).map_err(|e| {
        invalid(
            key_path,
            format!("is not a PKCS#8 private key rcgen can sign with ({e})"),
        )
    })?;
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
        .map(|der: CertificateDer<'static>| der)
        .map_err(|e| invalid(cert_path, format!("holds no PEM CERTIFICATE ({e})")))?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| invalid(cert_path, format!("is not an X.509 certificate ({e})")))?;
    if !cert.is_ca() {
        return Err(invalid(
            cert_path,
            "is not a CA certificate (basicConstraints CA:TRUE is missing)".into(),
        ));
    }
    if !cert.validity().is_valid() {
        return Err(invalid(
            cert_path,
            format!(
                "is not valid now (valid {} to {}): remove {} and {} to make a new CA",
                cert.validity().not_before,
                cert.validity().not_after,
                cert_path.display(),
                key_path.display()
            ),
        ));
    }
    if cert.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        return Err(invalid(
            key_path,
            format!(
                "is not the key of {}: put the CA's own key there, or remove both to make a new CA",
                cert_path.display()
            ),
        ));
    }
    Ok((pem, key))
}

#[cfg(unix)]
fn warn_if_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "{} is readable by others (mode {:o}); chmod 600 it",
            path.display(),
            meta.permissions().mode() & 0o777
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable(_: &Path) {}

/// A fresh leaf for [`API_HOSTS`] signed by the CA, in a rustls server configuration.
fn server_config(
    cert_path: &Path,
    ca_pem: &str,
    ca_key: KeyPair,
) -> Result<Arc<ServerConfig>, CaError> {
    let issuer = Issuer::from_ca_cert_pem(ca_pem, ca_key).map_err(|e| CaError::Invalid {
        path: cert_path.to_path_buf(),
        problem: format!("cannot issue with it ({e})"),
    })?;
    let ca_end = x509_parser::pem::parse_x509_pem(ca_pem.as_bytes())
        .ok()
        .and_then(|(_, pem)| {
            let (_, cert) = x509_parser::parse_x509_certificate(&pem.contents).ok()?;
            Some(cert.validity().not_after.to_datetime())
        });
    let key = KeyPair::generate().map_err(generate("the leaf key"))?;
    let mut params = CertificateParams::new(API_HOSTS.map(str::to_owned).to_vec())
        .map_err(generate("the leaf"))?;
    params
        .distinguished_name
        .push(DnType::CommonName, API_HOSTS[0]);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = ca_end.map_or(now + LEAF_VALIDITY, |end| end.min(now + LEAF_VALIDITY));
    let leaf = params
        .signed_by(&key, &issuer)
        .map_err(generate("the leaf"))?;
    let provider = crate::tls::crypto_provider();
    let certified = CertifiedKey::from_der(
        vec![leaf.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        &provider,
    )
    .map_err(|e| CaError::Generate {
        what: "the leaf",
        message: e.to_string(),
    })?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CaError::Generate {
            what: "the TLS configuration",
            message: e.to_string(),
        })?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(ApiHostsOnly(Arc::new(certified))));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// `Ok` for a ClientHello's SNI naming one of [`API_HOSTS`] (any case); otherwise why the
/// handshake is refused.
pub fn check_sni(server_name: Option<&str>) -> Result<(), String> {
    match server_name {
        None => Err(format!(
            "the ClientHello has no SNI; the proxy serves only {} and {} and needs the name",
            API_HOSTS[0], API_HOSTS[1]
        )),
        Some(name) if API_HOSTS.iter().any(|h| h.eq_ignore_ascii_case(name)) => Ok(()),
        Some(name) => Err(format!(
            "the ClientHello names {name:?}; the proxy serves only {} and {}",
            API_HOSTS[0], API_HOSTS[1]
        )),
    }
}

/// The leaf, only for a ClientHello naming an API host; rustls answers any other with a
/// fatal `access_denied` alert.
#[derive(Debug)]
struct ApiHostsOnly(Arc<CertifiedKey>);

impl ResolvesServerCert for ApiHostsOnly {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match check_sni(hello.server_name()) {
            Ok(()) => Some(self.0.clone()),
            Err(why) => {
                tracing::warn!("proxy: TLS handshake refused: {why}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sni_must_name_an_api_host() {
        assert!(check_sni(Some("api.mch.weixin.qq.com")).is_ok());
        assert!(check_sni(Some("API2.mch.weixin.qq.com")).is_ok());
        assert!(check_sni(None).unwrap_err().contains("no SNI"));
        let err = check_sni(Some("example.com")).unwrap_err();
        assert!(
            err.contains("example.com") && err.contains(API_HOSTS[0]),
            "{err}"
        );
    }
}
