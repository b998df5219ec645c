//! The emulator's configuration file (TOML, docs/contracts.md) and what it loads.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `wxpay-mock --config FILE`.
///
/// ```
/// let config = wxpay_mock::MockConfig::from_toml_str(r#"
///     [platform]
///     public_key_id = "PUB_KEY_ID_01"
///     private_key_file = "keys/platform_key.pem"
///     [[merchants]]
///     mchid = "1900000001"
///     serial_no = "5157F09E"
///     public_key_file = "keys/merchant_pub.pem"
///     brands = ["120344"]
/// "#, None)?;
/// assert_eq!(config.limits.rate_per_sec, 1000);
/// assert_eq!(config.listen, None);
/// # Ok::<(), wxpay_mock::ConfigError>(())
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockConfig {
    /// Listen address (`--listen` wins).
    pub listen: Option<SocketAddr>,
    /// Product coupons, stocks and uploaded codes to start with.
    pub fixtures_file: Option<PathBuf>,
    /// Required for the admin API when listening beyond loopback.
    pub admin_token: Option<String>,
    /// The key responses are signed with.
    pub platform: PlatformConfig,
    /// Service providers allowed to call (partner mode).
    #[serde(default)]
    pub merchants: Vec<MerchantConfig>,
    /// Brands allowed to call for themselves (brand-direct mode).
    #[serde(default)]
    pub brands: Vec<BrandConfig>,
    /// TLS; plain HTTP when absent.
    pub tls: Option<TlsConfig>,
    /// The sandbox CA's directory: with it the listener is also an HTTPS proxy for
    /// WeChat Pay's API hosts (`--ca-dir` wins; docs/sandbox.md).
    pub ca_dir: Option<PathBuf>,
    /// Limits.
    #[serde(default)]
    pub limits: Limits,
    /// Callback delivery.
    #[serde(default)]
    pub callbacks: CallbackConfig,
    /// Directory relative paths resolve against (the config file's).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

/// `[platform]`: the WeChat Pay key answers and callbacks are signed with. During the
/// certificate → public-key migration a merchant may verify with either, so both may be
/// configured; each answer is signed with the key the request's `Wechatpay-Serial` names
/// (docs/emulator.md, "Platform keys"). Platform certificates (`certificate_file`, or
/// several under `[[platform.certificates]]`) are also served by `GET /v3/certificates`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// The id written into `Wechatpay-Serial` (`PUB_KEY_ID_…`).
    pub public_key_id: String,
    /// The platform private key PEM (of the WeChat Pay public key).
    pub private_key_file: PathBuf,
    /// A platform certificate (X.509 PEM) over `certificate_private_key_file`'s key.
    pub certificate_file: Option<PathBuf>,
    /// The platform certificate's serial: read from `certificate_file` (and checked against
    /// it when both are given); without the file, a serial answers are signed under but no
    /// certificate is served.
    pub certificate_serial: Option<String>,
    /// The private key of that platform certificate.
    pub certificate_private_key_file: Option<PathBuf>,
    /// More platform certificates, e.g. the old and the new one of a rotation.
    #[serde(default)]
    pub certificates: Vec<PlatformCertificateConfig>,
}

/// `[[platform.certificates]]`: one platform certificate and its private key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformCertificateConfig {
    /// The X.509 PEM; its serial is the `Wechatpay-Serial` it signs under.
    pub file: PathBuf,
    /// The private key PEM of the certificate's public key.
    pub private_key_file: PathBuf,
}

/// `[[brands]]`: a brand calling for itself (品牌直连).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandConfig {
    /// Brand id (品牌ID).
    pub brand_id: String,
    /// Serial of its brand API certificate.
    pub serial_no: String,
    /// Its public key: SPKI PEM or the brand API certificate PEM.
    pub public_key_file: PathBuf,
    /// AppIDs bound to it; empty = any.
    #[serde(default)]
    pub appids: Vec<String>,
    /// 32-byte brand API key for callback encryption.
    pub apiv3_key: Option<String>,
    /// Where its PRODUCT_COUPON.* callbacks go.
    pub notify_url: Option<String>,
}

/// `[[merchants]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantConfig {
    /// Merchant id.
    pub mchid: String,
    /// Serial of its API certificate (the `serial_no` its requests must carry).
    pub serial_no: String,
    /// Its public key: SPKI PEM or an X.509 certificate PEM.
    pub public_key_file: PathBuf,
    /// Brands that authorised this provider.
    #[serde(default)]
    pub brands: Vec<String>,
    /// AppIDs bound to it; empty = any.
    #[serde(default)]
    pub appids: Vec<String>,
    /// 32-byte APIv3 key for callback encryption.
    pub apiv3_key: Option<String>,
    /// Where PRODUCT_COUPON.SEND callbacks go.
    pub notify_url: Option<String>,
}

/// `[tls]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Certificate chain PEM.
    pub cert_file: PathBuf,
    /// Private key PEM.
    pub key_file: PathBuf,
}

/// `[limits]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Sends (向用户发放商品券) per second per caller; 429 RATELIMIT_EXCEEDED beyond. Every
    /// other operation has its documented limit (docs/client.md), unless `operations` says
    /// otherwise.
    #[serde(default = "default_rate")]
    pub rate_per_sec: u32,
    /// Per-second limits by operation (kebab-case name, e.g.
    /// `confirm-send-user-product-coupon = 1000`), per caller, in both modes.
    #[serde(default)]
    pub operations: BTreeMap<String, u32>,
    /// Allowed clock difference of request timestamps.
    #[serde(default = "default_skew")]
    pub timestamp_skew_secs: i64,
    /// Largest accepted body.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            rate_per_sec: default_rate(),
            operations: BTreeMap::new(),
            timestamp_skew_secs: default_skew(),
            max_body_bytes: default_max_body(),
        }
    }
}

fn default_rate() -> u32 {
    1000
}
fn default_skew() -> i64 {
    300
}
fn default_max_body() -> usize {
    65_536
}

/// `[callbacks]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackConfig {
    /// Delays before each retry of an undelivered callback.
    #[serde(default = "default_retry_schedule")]
    pub retry_schedule_ms: Vec<u64>,
    /// How long a receiver has to answer 2xx.
    #[serde(default = "default_callback_timeout")]
    pub timeout_ms: u64,
    /// CA certificates (PEM) trusted for `https://` notify URLs besides the web PKI's, so
    /// that tests can use a local CA.
    #[serde(default)]
    pub root_cert_files: Vec<PathBuf>,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        Self {
            retry_schedule_ms: default_retry_schedule(),
            timeout_ms: default_callback_timeout(),
            root_cert_files: Vec::new(),
        }
    }
}

fn default_retry_schedule() -> Vec<u64> {
    // WeChat Pay's documented notification back-off: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h.
    [
        15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
    ]
    .iter()
    .map(|s| s * 1000)
    .collect()
}
fn default_callback_timeout() -> u64 {
    5000
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML/JSON, a wrong type, or an unknown key.
    #[error("{path}: {message}")]
    Parse {
        /// The file (or `config`).
        path: String,
        /// The parser's message.
        message: String,
    },
    /// A value breaks a rule.
    #[error("config: {key}: {problem}")]
    Invalid {
        /// The key.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A key could not be loaded.
    #[error("config: {key}: {source}")]
    Key {
        /// The config key naming the file.
        key: String,
        /// Why.
        source: wxpay_signing::KeyError,
    },
}

impl ConfigError {
    pub(crate) fn invalid(key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.into(),
            problem: problem.into(),
        }
    }
}

impl MockConfig {
    /// Reads a configuration file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = read_to_string(path, MAX_CONFIG_BYTES, "an emulator config")?;
        Self::from_toml_str(&text, path.parent().map(Path::to_path_buf)).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parses TOML text; relative paths resolve against `base_dir`.
    pub fn from_toml_str(text: &str, base_dir: Option<PathBuf>) -> Result<Self, ConfigError> {
        let mut config: Self = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "config".into(),
            message: e.to_string(),
        })?;
        config.base_dir = base_dir;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.limits.rate_per_sec == 0 {
            return Err(ConfigError::invalid(
                "limits.rate_per_sec",
                "must be at least 1",
            ));
        }
        if self.limits.timestamp_skew_secs <= 0 {
            return Err(ConfigError::invalid(
                "limits.timestamp_skew_secs",
                "must be positive",
            ));
        }
        if self.limits.max_body_bytes < 1024 {
            return Err(ConfigError::invalid(
                "limits.max_body_bytes",
                "must be at least 1024",
            ));
        }
        if self.admin_token.as_deref().is_some_and(str::is_empty) {
            return Err(ConfigError::invalid(
                "admin_token",
                "must not be empty (leave it out for loopback-only admin)",
            ));
        }
        for (name, rate) in &self.limits.operations {
            if wxpay_models::operations::find(name).is_none() {
                return Err(ConfigError::invalid(
                    format!("limits.operations.{name}"),
                    "is not an operation (see `wxpay call --list` for the names)",
                ));
            }
            if *rate == 0 {
                return Err(ConfigError::invalid(
                    format!("limits.operations.{name}"),
                    "must be at least 1",
                ));
            }
        }
        let p = &self.platform;
        if (p.certificate_serial.is_some() || p.certificate_file.is_some())
            != p.certificate_private_key_file.is_some()
        {
            return Err(ConfigError::invalid(
                "platform.certificate_private_key_file",
                "goes with certificate_file (or certificate_serial): a platform certificate needs both its certificate and its private key",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, b) in self.brands.iter().enumerate() {
            if b.brand_id.is_empty() || !seen.insert(&b.brand_id) {
                return Err(ConfigError::invalid(
                    format!("brands[{i}].brand_id"),
                    "must be non-empty and unique",
                ));
            }
            check_callback_keys(
                &format!("brands[{i}]"),
                b.apiv3_key.as_deref(),
                b.notify_url.as_deref(),
            )?;
        }
        let mut seen = std::collections::HashSet::new();
        for (i, m) in self.merchants.iter().enumerate() {
            if m.mchid.is_empty() || !seen.insert(&m.mchid) {
                return Err(ConfigError::invalid(
                    format!("merchants[{i}].mchid"),
                    "must be non-empty and unique",
                ));
            }
            check_callback_keys(
                &format!("merchants[{i}]"),
                m.apiv3_key.as_deref(),
                m.notify_url.as_deref(),
            )?;
        }
        Ok(())
    }

    /// A path from the file, resolved against its directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match &self.base_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }
}

fn check_callback_keys(
    at: &str,
    apiv3_key: Option<&str>,
    notify_url: Option<&str>,
) -> Result<(), ConfigError> {
    if let Some(key) = apiv3_key
        && key.len() != 32
    {
        return Err(ConfigError::invalid(
            format!("{at}.apiv3_key"),
            format!("must be exactly 32 bytes, got {}", key.len()),
        ));
    }
    if let Some(url) = notify_url {
        let field = format!("{at}.notify_url");
        check_notify_url(url).map_err(|problem| ConfigError::invalid(field.clone(), problem))?;
        if apiv3_key.is_none() {
            return Err(ConfigError::invalid(
                field,
                "needs apiv3_key (callbacks are encrypted with it)",
            ));
        }
    }
    Ok(())
}

/// Checks a notify URL the emulator can deliver to: the API's rule (wxpay-models), with
/// `http://` to any host allowed (handy for local receivers; `https://` is delivered over TLS
/// trusting `[callbacks] root_cert_files` besides the web PKI).
pub(crate) fn check_notify_url(url: &str) -> Result<(), String> {
    wxpay_models::notify::check_notify_url(url, wxpay_models::notify::PlainHttp::Anywhere)
}

/// The certificates of `root_cert_files` (resolved paths).
pub(crate) fn load_roots(
    files: &[std::path::PathBuf],
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, String> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = Vec::new();
    for path in files {
        let bad = |e: &dyn std::fmt::Display| {
            format!("callbacks.root_cert_files: {}: {e}", path.display())
        };
        let pem = wxpay_signing::file::read_limited(
            path,
            wxpay_signing::file::MAX_PEM_BUNDLE_BYTES,
            "a PEM bundle",
        )
        .map_err(|e| bad(&e))?;
        let certs = rustls_pki_types::CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(&e))?;
        if certs.is_empty() {
            return Err(format!(
                "callbacks.root_cert_files: {}: no CERTIFICATE in it",
                path.display()
            ));
        }
        roots.extend(certs);
    }
    Ok(roots)
}

/// The largest emulator config read (a few KiB even with hundreds of callers).
pub(crate) const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// The largest fixtures file read (entities and uploaded codes).
pub(crate) const MAX_FIXTURES_BYTES: u64 = 256 << 20;

pub(crate) fn read_to_string(path: &Path, limit: u64, what: &str) -> Result<String, ConfigError> {
    wxpay_signing::file::read_to_string_limited(path, limit, what).map_err(|source| {
        ConfigError::Io {
            path: path.display().to_string(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_merchant_keys(keys: &str) -> Result<MockConfig, ConfigError> {
        MockConfig::from_toml_str(
            &format!(
                "[platform]\npublic_key_id = \"P\"\nprivate_key_file = \"k.pem\"\n\
                 [[merchants]]\nmchid = \"1900000001\"\nserial_no = \"S\"\n\
                 public_key_file = \"m.pem\"\nbrands = [\"120344\"]\n{keys}"
            ),
            None,
        )
    }

    #[test]
    fn callback_keys_are_checked_and_named() {
        let key = "apiv3_key = \"0123456789abcdef0123456789abcdef\"\n";
        let ok = with_merchant_keys(&format!("{key}notify_url = \"http://127.0.0.1:9000/n\"\n"));
        assert!(ok.is_ok(), "{ok:?}");
        for (keys, field, needle) in [
            ("apiv3_key = \"short\"\n", "apiv3_key", "32 bytes"),
            (
                "notify_url = \"http://127.0.0.1/n\"\n",
                "notify_url",
                "needs apiv3_key",
            ),
            (
                &format!("{key}notify_url = \"https://example.com/n?x=1\"\n"),
                "notify_url",
                "query string",
            ),
            (
                &format!("{key}notify_url = \"ftp://x\"\n"),
                "notify_url",
                "must be an http:// or https:// URL",
            ),
        ] {
            let err = with_merchant_keys(keys).unwrap_err().to_string();
            assert!(
                err.contains(&format!("merchants[0].{field}")),
                "{keys}: {err}"
            );
            assert!(err.contains(needle), "{keys}: {err}");
        }
    }
}
