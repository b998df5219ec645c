//! Test support shared by every crate's integration tests: the dev keys, ready-made signers
//! and verifiers, config files. A dev-dependency only; never linked into a release binary.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use wxpay_signing::{KeyStore, PlatformSigner, PrivateKey, PublicKey, Signer, Verifier};

/// The dev merchant of the emulator's built-in state.
pub const MCHID: &str = "1900000001";
/// Its API certificate serial.
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// The emulator's platform public key id.
pub const PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0119000000012025112900000000000001";
/// Serial of the self-signed platform certificate over the same key.
pub const PLATFORM_CERT_SERIAL: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
/// Dev brand, appid, product coupon and the API_ASSIGN stock of the seed sample.
pub const BRAND_ID: &str = "120344";
pub const APPID: &str = "wx233544546545989";
pub const PRODUCT_COUPON_ID: &str = "1000000013";
pub const STOCK_ID: &str = "1000000013001";

/// The workspace root: above the crate cargo runs the test in (`CARGO_MANIFEST_DIR` at run
/// time), since a target directory shared between checkouts may hold this library compiled in
/// another one; the compile-time directory only when run outside cargo.
fn workspace() -> PathBuf {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Some(running) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return compiled;
    };
    Path::new(&running)
        .ancestors()
        .find(|dir| dir.join("crates/testkit/tls").is_dir())
        .map_or(compiled, Path::to_path_buf)
}

/// The workspace root (the checkout the tests run in).
pub fn workspace_dir() -> PathBuf {
    workspace()
}

/// A file of the dev keys directory (`crates/mock/dev-keys`).
pub fn key_path(name: &str) -> PathBuf {
    workspace().join("crates/mock/dev-keys").join(name)
}

/// The test TLS files (`crates/testkit/tls`: a CA, and a server certificate it signed for
/// `localhost` and 127.0.0.1).
pub fn tls_dir() -> PathBuf {
    workspace().join("crates/testkit/tls")
}

/// The signing vectors of an independent implementation.
pub fn vectors_path() -> PathBuf {
    workspace().join("crates/signing/tests/data/signing-vectors.json")
}

pub fn merchant_key() -> PrivateKey {
    PrivateKey::from_pem_file(key_path("merchant_key.pem")).expect("dev merchant key")
}

pub fn platform_key() -> PrivateKey {
    PrivateKey::from_pem_file(key_path("platform_key.pem")).expect("dev platform key")
}

pub fn platform_public_key() -> PublicKey {
    PublicKey::from_pem_file(key_path("platform_pub.pem")).expect("dev platform public key")
}

pub fn merchant_signer() -> Signer {
    Signer::new(MCHID, MERCHANT_SERIAL, merchant_key())
}

/// The dev brand's serial in brand-direct mode (it signs with the dev merchant key pair).
pub const BRAND_SERIAL: &str = wxpay_mock::fixtures::dev::BRAND_SERIAL;

/// The dev brand signing for itself (`WECHATPAY-BRAND-SHA256-RSA2048`).
pub fn brand_signer() -> Signer {
    Signer::brand(BRAND_ID, BRAND_SERIAL, merchant_key())
}

/// Writes a brand-mode client config for the dev brand pointing at `base_url`.
pub fn write_brand_client_config(dir: &Path, base_url: &str, extra: &str) -> PathBuf {
    let path = dir.join("brand-client.toml");
    let text = format!(
        "mode = \"brand\"\nbrand_id = \"{BRAND_ID}\"\nserial_no = \"{BRAND_SERIAL}\"\nprivate_key_file = \"{}\"\n\
         wechatpay_public_key_id = \"{PLATFORM_KEY_ID}\"\nwechatpay_public_key_file = \"{}\"\n\
         base_url = \"{base_url}\"\nbackup_base_url = \"{base_url}\"\n{extra}\n",
        key_path("merchant_key.pem").display(),
        key_path("platform_pub.pem").display(),
    );
    std::fs::write(&path, text).expect("write brand client config");
    path
}

pub fn platform_signer() -> PlatformSigner {
    PlatformSigner::new(PLATFORM_KEY_ID, platform_key())
}

pub fn platform_verifier() -> Verifier {
    Verifier::new(KeyStore::new().with_public_key(PLATFORM_KEY_ID, platform_public_key()))
}

/// Writes a client config TOML for the dev merchant pointing at `base_url` (and
/// `backup_base_url`, default the same) into `dir`, and returns its path.
pub fn write_client_config(dir: &Path, base_url: &str, extra: &str) -> PathBuf {
    let path = dir.join("client.toml");
    let text = format!(
        "mchid = \"{MCHID}\"\nserial_no = \"{MERCHANT_SERIAL}\"\nprivate_key_file = \"{}\"\n\
         wechatpay_public_key_id = \"{PLATFORM_KEY_ID}\"\nwechatpay_public_key_file = \"{}\"\n\
         base_url = \"{base_url}\"\n{extra}\n",
        key_path("merchant_key.pem").display(),
        key_path("platform_pub.pem").display(),
    );
    let text = if text.contains("backup_base_url") {
        text
    } else {
        format!("{text}backup_base_url = \"{base_url}\"\n")
    };
    std::fs::write(&path, text).expect("write client config");
    path
}

/// A fresh temporary directory, removed when dropped.
pub fn temp_dir() -> TempDir {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "wxpay-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&path).expect("temp dir");
    TempDir(path)
}

/// A directory deleted on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub mod callbacks;
pub mod certs;
pub mod fixtures;
pub mod http_client;
pub mod mock;
pub mod pg;
pub mod proxy;
pub mod receiver;
