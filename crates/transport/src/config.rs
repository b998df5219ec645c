//! The client configuration file (TOML), shared by the facade, the `wxpay` CLI and the load
//! test.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use wxpay_models::Mode;
use wxpay_signing::{ApiV3Key, Certificate, KeyStore, PrivateKey, PublicKey, Signer};

use crate::key_source::{Secret, Source, Sources, from_env};

pub use crate::error::ConfigError;

/// WeChat Pay's primary API domain.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// WeChat Pay's backup domain (a remote access point), for failover.
pub const DEFAULT_BACKUP_BASE_URL: &str = "https://api2.mch.weixin.qq.com";
/// The largest config file read: a config is a few hundred bytes.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A client configuration, as in `client.toml`:
///
/// ```toml
/// mchid = "1900000001"
/// serial_no = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
/// private_key_file = "apiclient_key.pem"
/// wechatpay_public_key_id = "PUB_KEY_ID_0119000000012025112900000000000001"
/// wechatpay_public_key_file = "pub_key.pem"
/// ```
///
/// Relative file paths are relative to the configuration file. Unknown keys are an error
/// that names the key, so a typo never silently falls back to a default. The private key
/// comes from exactly one of `private_key_file`, `private_key_pem` (inline) and
/// `private_key_env` (an environment variable's name); `Debug` never shows key material.
///
/// ```
/// use wxpay_transport::ClientConfig;
/// let config = ClientConfig::from_toml_str(r#"
///     mchid = "1900000001"
///     serial_no = "5157F09E"
///     private_key_file = "key.pem"
///     wechatpay_public_key_id = "PUB_KEY_ID_01"
///     wechatpay_public_key_file = "pub.pem"
/// "#, None)?;
/// assert_eq!(config.base_url, "https://api.mch.weixin.qq.com");
/// assert_eq!(config.rate_limit_per_sec, 1000);
///
/// let err = ClientConfig::from_toml_str("mchid = \"1\"\nmax_retires = 3\n", None).unwrap_err();
/// assert!(err.to_string().contains("max_retires"));
/// # Ok::<(), wxpay_transport::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// `partner` (a service provider, `mchid`; the default) or `brand` (brand-direct,
    /// `brand_id`): which signature scheme and path prefix the product-coupon calls use.
    #[serde(default)]
    pub mode: Mode,
    /// The merchant (service provider) id; required in partner mode.
    #[serde(default)]
    pub mchid: String,
    /// Brand mode: the brand that signs. Partner mode: the default brand of requests that
    /// name none.
    pub brand_id: Option<String>,
    /// The default AppID of CLI commands that take `--appid`.
    pub appid: Option<String>,
    /// Serial number of the merchant (or brand) API certificate.
    pub serial_no: String,
    /// The merchant (or brand) API private key PEM file (`apiclient_key.pem`).
    pub private_key_file: Option<PathBuf>,
    /// The private key PEM, inline (for secrets injected into the file).
    pub private_key_pem: Option<Secret>,
    /// Name of an environment variable holding the private key PEM (`\n` escapes allowed).
    pub private_key_env: Option<String>,
    /// Id of the WeChat Pay public key (public-key mode).
    pub wechatpay_public_key_id: Option<String>,
    /// The WeChat Pay public key PEM (public-key mode).
    pub wechatpay_public_key_file: Option<PathBuf>,
    /// Platform certificates (certificate mode); several during a rotation.
    #[serde(default)]
    pub wechatpay_platform_cert_files: Vec<PathBuf>,
    /// File holding the 32-byte APIv3 key (callbacks; in certificate mode without
    /// certificate files, the key the downloaded certificates are encrypted with).
    pub apiv3_key_file: Option<PathBuf>,
    /// The APIv3 key inline.
    pub apiv3_key: Option<Secret>,
    /// Name of an environment variable holding the APIv3 key.
    pub apiv3_key_env: Option<String>,
    /// Certificate mode without certificate files: seconds between two downloads of the
    /// platform certificates (an answer naming an unknown serial also triggers one, at most
    /// once a minute).
    #[serde(default = "default_certificate_refresh_secs")]
    pub certificate_refresh_secs: u64,
    /// Primary base URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Backup base URL, used when the primary cannot be reached.
    #[serde(default = "default_backup_base_url")]
    pub backup_base_url: String,
    /// Client-side rate limit, requests per second (0 = off).
    #[serde(default = "default_rate")]
    pub rate_limit_per_sec: u32,
    /// Timeout of one attempt, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Retries after the first attempt.
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// HTTP proxy URL; `HTTPS_PROXY` / `NO_PROXY` are honoured when absent.
    pub proxy: Option<String>,
    /// PEM CA certificates to trust instead of the web PKI roots (a private gateway, or an
    /// emulator serving TLS).
    #[serde(default)]
    pub root_cert_files: Vec<PathBuf>,
    /// The directory relative paths are resolved against.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.into()
}
fn default_backup_base_url() -> String {
    DEFAULT_BACKUP_BASE_URL.into()
}
fn default_rate() -> u32 {
    1000
}
fn default_timeout_ms() -> u64 {
    10_000
}
fn default_max_retries() -> u32 {
    3
}
fn default_certificate_refresh_secs() -> u64 {
    12 * 3600
}

impl ClientConfig {
    /// Reads and checks a configuration file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text =
            wxpay_signing::file::read_to_string_limited(path, MAX_CONFIG_BYTES, "a client config")
                .map_err(|source| ConfigError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
        let dir = path.parent().map(Path::to_path_buf);
        Self::from_toml_str(&text, dir).map_err(|e| match e {
            ConfigError::Toml { message, .. } => ConfigError::Toml {
                path: Some(path.display().to_string()),
                message,
            },
            other => other,
        })
    }

    /// Parses and checks TOML text; relative paths resolve against `base_dir`.
    pub fn from_toml_str(text: &str, base_dir: Option<PathBuf>) -> Result<Self, ConfigError> {
        let mut config: Self = toml::from_str(text).map_err(|e| ConfigError::Toml {
            path: None,
            message: e.to_string(),
        })?;
        config.base_dir = base_dir;
        config.check()?;
        Ok(config)
    }

    /// Checks the rules a file cannot express.
    pub fn check(&self) -> Result<(), ConfigError> {
        let invalid = |key, problem: &str| ConfigError::Invalid {
            key,
            problem: problem.to_owned(),
        };
        match self.mode {
            Mode::Brand if self.brand_id.as_deref().is_none_or(str::is_empty) => {
                return Err(invalid(
                    "brand_id",
                    "is required in brand mode: the brand that signs (品牌ID)",
                ));
            }
            Mode::Brand if !self.mchid.is_empty() => {
                return Err(invalid(
                    "mchid",
                    "must not be set in brand mode (requests are signed with brand_id); remove it or set mode = \"partner\"",
                ));
            }
            Mode::Brand => {}
            _ if self.mchid.is_empty() || !self.mchid.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(invalid("mchid", "must be the merchant id, digits only"));
            }
            _ => {}
        }
        if self.brand_id.as_deref() == Some("") {
            return Err(invalid("brand_id", "must not be empty; remove it instead"));
        }
        if self.serial_no.trim().is_empty() {
            return Err(invalid(
                "serial_no",
                "must be the merchant API certificate serial number",
            ));
        }
        // Both go into the Authorization header as they are.
        for (key, value) in [
            ("brand_id", self.brand_id.as_deref()),
            ("serial_no", Some(self.serial_no.as_str())),
        ] {
            if let Some(value) = value
                && !wxpay_signing::authorization::is_valid_value(value)
            {
                return Err(invalid(
                    key,
                    &format!(
                        "{value:?} may only hold {}: it goes into the Authorization header",
                        wxpay_signing::authorization::VALUE_CHARS
                    ),
                ));
            }
        }
        match (
            &self.wechatpay_public_key_id,
            &self.wechatpay_public_key_file,
        ) {
            (Some(_), None) => {
                return Err(invalid(
                    "wechatpay_public_key_file",
                    "is required with wechatpay_public_key_id",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "wechatpay_public_key_id",
                    "is required with wechatpay_public_key_file",
                ));
            }
            (None, None)
                if self.wechatpay_platform_cert_files.is_empty()
                    && self.apiv3_sources().one()?.is_none() =>
            {
                return Err(invalid(
                    "wechatpay_public_key_file",
                    "no verification key: set wechatpay_public_key_id + wechatpay_public_key_file (public-key mode), \
                     wechatpay_platform_cert_files (certificate mode, fixed files) \
                     or apiv3_key_file (certificate mode: the platform certificates are downloaded)",
                ));
            }
            _ => {}
        }
        self.private_key_sources()
            .required("the merchant (or brand) API private key")?;
        self.apiv3_sources().one()?;
        if self.certificate_refresh_secs < 60 {
            return Err(invalid(
                "certificate_refresh_secs",
                "must be at least 60 (WeChat Pay rotates certificates with a day's notice; 43200 = 12 h is the default)",
            ));
        }
        check_base_url("base_url", &self.base_url)?;
        check_base_url("backup_base_url", &self.backup_base_url)?;
        if self.timeout_ms == 0 {
            return Err(invalid("timeout_ms", "must be more than 0"));
        }
        if let Some(proxy) = &self.proxy {
            url::Url::parse(proxy).map_err(|e| ConfigError::Invalid {
                key: "proxy",
                problem: format!("{proxy:?} is not a URL: {e}"),
            })?;
        }
        Ok(())
    }

    /// A path from the file, resolved against the file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match &self.base_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }

    /// The one-attempt timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    fn private_key_sources(&self) -> Sources<'_> {
        Sources {
            file: ("private_key_file", self.private_key_file.as_ref()),
            inline: ("private_key_pem", self.private_key_pem.as_ref()),
            env: ("private_key_env", self.private_key_env.as_ref()),
        }
    }

    fn apiv3_sources(&self) -> Sources<'_> {
        Sources {
            file: ("apiv3_key_file", self.apiv3_key_file.as_ref()),
            inline: ("apiv3_key", self.apiv3_key.as_ref()),
            env: ("apiv3_key_env", self.apiv3_key_env.as_ref()),
        }
    }

    /// Loads the merchant (or brand) API private key from its one source.
    pub fn private_key(&self) -> Result<PrivateKey, ConfigError> {
        let source = self
            .private_key_sources()
            .required("the merchant (or brand) API private key")?;
        let key = source.key();
        let loaded = match source {
            Source::File(_, path) => PrivateKey::from_pem_file(self.resolve(path)),
            Source::Inline(_, pem) => PrivateKey::from_pem(pem.expose().as_bytes()),
            Source::Env(_, name) => PrivateKey::from_pem(from_env(key, name)?.as_bytes()),
        };
        loaded.map_err(|source| ConfigError::Key { key, source })
    }

    /// Loads the private key and builds the request signer.
    pub fn signer(&self) -> Result<Signer, ConfigError> {
        let key = self.private_key()?;
        Ok(match (self.mode, &self.brand_id) {
            (Mode::Brand, Some(brand)) => Signer::brand(brand.clone(), self.serial_no.clone(), key),
            _ => Signer::new(self.mchid.clone(), self.serial_no.clone(), key),
        })
    }

    /// Loads the WeChat Pay public key and/or platform certificates.
    pub fn key_store(&self) -> Result<KeyStore, ConfigError> {
        let mut store = KeyStore::new();
        if let (Some(id), Some(file)) = (
            &self.wechatpay_public_key_id,
            &self.wechatpay_public_key_file,
        ) {
            let key = PublicKey::from_pem_file(self.resolve(file)).map_err(|source| {
                ConfigError::Key {
                    key: "wechatpay_public_key_file",
                    source,
                }
            })?;
            store.insert(id.clone(), key);
        }
        for file in &self.wechatpay_platform_cert_files {
            let cert = Certificate::from_pem_file(self.resolve(file)).map_err(|source| {
                ConfigError::Key {
                    key: "wechatpay_platform_cert_files",
                    source,
                }
            })?;
            store = store.with_certificate(cert);
        }
        Ok(store)
    }

    /// The certificates of `root_cert_files`.
    pub fn root_certificates(
        &self,
    ) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, ConfigError> {
        use rustls_pki_types::pem::PemObject;
        let mut roots = Vec::new();
        for file in &self.root_cert_files {
            let path = self.resolve(file);
            let invalid = |e: &dyn std::fmt::Display| ConfigError::Invalid {
                key: "root_cert_files",
                problem: format!("{}: {e}", path.display()),
            };
            let pem = wxpay_signing::file::read_limited(
                &path,
                wxpay_signing::file::MAX_PEM_BUNDLE_BYTES,
                "a PEM bundle",
            )
            .map_err(|e| invalid(&e))?;
            let certs = rustls_pki_types::CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| invalid(&e))?;
            if certs.is_empty() {
                return Err(ConfigError::Invalid {
                    key: "root_cert_files",
                    problem: format!("{}: no CERTIFICATE in it", path.display()),
                });
            }
            roots.extend(certs);
        }
        Ok(roots)
    }

    /// The APIv3 key (callbacks, certificate downloads) from its one source
    /// (`apiv3_key_file`, `apiv3_key` or `apiv3_key_env`), if configured.
    pub fn apiv3_key(&self) -> Result<Option<ApiV3Key>, ConfigError> {
        let Some(source) = self.apiv3_sources().one()? else {
            return Ok(None);
        };
        let key = source.key();
        let loaded = match source {
            Source::File(_, path) => ApiV3Key::from_file(self.resolve(path)),
            Source::Inline(_, value) => ApiV3Key::new(value.expose()),
            Source::Env(_, name) => ApiV3Key::new(from_env(key, name)?.trim()),
        };
        loaded.map(Some).map_err(|e| ConfigError::Invalid {
            key,
            problem: e.to_string(),
        })
    }

    /// Whether this is certificate mode without certificate files: no WeChat Pay public key,
    /// no `wechatpay_platform_cert_files`, an APIv3 key. The transport then downloads the
    /// platform certificates before the first call and keeps them fresh.
    pub fn downloads_certificates(&self) -> bool {
        self.wechatpay_public_key_id.is_none()
            && self.wechatpay_public_key_file.is_none()
            && self.wechatpay_platform_cert_files.is_empty()
            && matches!(self.apiv3_sources().one(), Ok(Some(_)))
    }

    /// The interval between two scheduled certificate downloads.
    pub fn certificate_refresh(&self) -> Duration {
        Duration::from_secs(self.certificate_refresh_secs)
    }

    /// The `Wechatpay-Serial` request header: the key id the client verifies with.
    pub fn wechatpay_serial(&self) -> Option<String> {
        self.wechatpay_public_key_id.clone()
    }
}

/// `https://` anywhere; `http://` only for a loopback host (the emulator).
pub(crate) fn check_base_url(key: &'static str, value: &str) -> Result<url::Url, ConfigError> {
    let url = url::Url::parse(value).map_err(|e| ConfigError::Invalid {
        key,
        problem: format!("{value:?} is not a URL: {e}"),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::Invalid {
            key,
            problem: format!(
                "plain http:// is only allowed for loopback hosts (an emulator); use https:// for {value}"
            ),
        }),
        other => Err(ConfigError::Invalid {
            key,
            problem: format!("scheme {other}:// is not supported; use https://"),
        }),
    }
}

/// Whether a URL's host is loopback (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "mchid = \"1900000001\"\nserial_no = \"S\"\nprivate_key_file = \"k.pem\"\n";

    fn parse(extra: &str) -> Result<ClientConfig, ConfigError> {
        ClientConfig::from_toml_str(&format!("{BASE}{extra}"), Some(PathBuf::from("/etc/wxpay")))
    }

    #[test]
    fn needs_a_verification_key() {
        let err = parse("").unwrap_err().to_string();
        assert!(err.contains("no verification key"), "{err}");
        assert!(parse("wechatpay_platform_cert_files = [\"c.pem\"]").is_ok());
        let err = parse("wechatpay_public_key_id = \"P\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("wechatpay_public_key_file"), "{err}");
    }

    #[test]
    fn plain_http_only_for_loopback() {
        let keys = "wechatpay_public_key_id = \"P\"\nwechatpay_public_key_file = \"p.pem\"\n";
        assert!(parse(&format!("{keys}base_url = \"http://127.0.0.1:8080\"")).is_ok());
        assert!(parse(&format!("{keys}base_url = \"http://localhost:8080\"")).is_ok());
        assert!(parse(&format!("{keys}base_url = \"http://[::1]:8080\"")).is_ok());
        let err = parse(&format!(
            "{keys}base_url = \"http://api.mch.weixin.qq.com\""
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("base_url") && err.contains("loopback"),
            "{err}"
        );
        let err = parse(&format!("{keys}backup_base_url = \"ftp://x\""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("backup_base_url"), "{err}");
    }

    #[test]
    fn relative_paths_resolve_against_the_file() {
        let c = parse("wechatpay_platform_cert_files = [\"c.pem\"]").unwrap();
        assert_eq!(
            c.resolve(c.private_key_file.as_deref().unwrap()),
            PathBuf::from("/etc/wxpay/k.pem")
        );
        assert_eq!(c.resolve(Path::new("/abs.pem")), PathBuf::from("/abs.pem"));
    }

    #[test]
    fn header_fields_and_files_are_bounded() {
        let keys = "wechatpay_platform_cert_files = [\"c.pem\"]\n";
        let injected = format!("{keys}{}", BASE.replace("\"S\"", r#""S\",x=\"y""#));
        let newline = format!("{BASE}{keys}brand_id = \"120344\\n\"");
        for (text, key) in [(injected, "serial_no"), (newline, "brand_id")] {
            let err = ClientConfig::from_toml_str(&text, None)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(key) && err.contains("printable ASCII"),
                "{err}"
            );
        }
        if Path::new("/dev/zero").exists() {
            let err = ClientConfig::from_file("/dev/zero")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("larger than 1 MiB, the limit for a client config"),
                "{err}"
            );
        }
    }

    #[test]
    fn wrong_types_name_the_key() {
        let err = parse("wechatpay_platform_cert_files = []\nrate_limit_per_sec = \"fast\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("rate_limit_per_sec"), "{err}");
    }
}
