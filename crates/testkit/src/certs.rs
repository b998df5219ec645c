//! Platform certificates for tests (rcgen): any serial, any validity period, over the dev
//! keys; and an emulator config that serves them.

use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SerialNumber};
use time::OffsetDateTime;

use crate::{BRAND_ID, BRAND_SERIAL, MCHID, MERCHANT_SERIAL, PLATFORM_KEY_ID, key_path};

/// The dev keys a test certificate can be made over (both RSA-2048, PKCS#8).
pub const PLATFORM_KEY: &str = "platform_key.pem";
/// The second one: the dev merchant key, standing in for a new platform key.
pub const OTHER_KEY: &str = "merchant_key.pem";

/// A self-signed X.509 PEM over the dev key `key_file`, serial `serial_hex` (upper-case hex,
/// as WeChat Pay writes it), valid from `not_before` to `not_after` (Unix seconds).
pub fn certificate(key_file: &str, serial_hex: &str, not_before: i64, not_after: i64) -> String {
    let pem = std::fs::read_to_string(key_path(key_file)).expect("dev key");
    let key = KeyPair::from_pem(&pem).expect("rcgen reads the dev key");
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(
        DnType::CommonName,
        "wxpay-coupons test platform certificate",
    );
    params.distinguished_name = name;
    let serial: Vec<u8> = (0..serial_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&serial_hex[i..i + 2], 16).expect("hex serial"))
        .collect();
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.not_before = OffsetDateTime::from_unix_timestamp(not_before).expect("time");
    params.not_after = OffsetDateTime::from_unix_timestamp(not_after).expect("time");
    params.self_signed(&key).expect("self-signed").pem()
}

/// Now, Unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Writes an emulator config into `dir`: the dev platform public key, the dev merchant and
/// the dev brand (both with the dev APIv3 key), the dev fixtures, and `platform_extra`
/// appended to `[platform]` (certificate keys). Returns its path.
pub fn write_mock_config(dir: &Path, platform_extra: &str) -> PathBuf {
    let fixtures = wxpay_mock::Fixtures::dev(wxpay_models::WxTime::now());
    std::fs::write(
        dir.join("fixtures.json"),
        serde_json::to_vec(&fixtures).expect("fixtures"),
    )
    .expect("write fixtures");
    let key = wxpay_mock::fixtures::dev::APIV3_KEY;
    let text = format!(
        "fixtures_file = \"fixtures.json\"\n\
         [platform]\npublic_key_id = \"{PLATFORM_KEY_ID}\"\nprivate_key_file = \"{platform}\"\n{platform_extra}\n\
         [[merchants]]\nmchid = \"{MCHID}\"\nserial_no = \"{MERCHANT_SERIAL}\"\npublic_key_file = \"{merchant}\"\n\
         brands = [\"{BRAND_ID}\"]\nappids = [\"{appid}\"]\napiv3_key = \"{key}\"\n\
         [[brands]]\nbrand_id = \"{BRAND_ID}\"\nserial_no = \"{BRAND_SERIAL}\"\npublic_key_file = \"{merchant}\"\n\
         appids = [\"{appid}\"]\napiv3_key = \"{key}\"\n",
        platform = key_path("platform_key.pem").display(),
        merchant = key_path("merchant_pub.pem").display(),
        appid = crate::APPID,
    );
    let path = dir.join("mock.toml");
    std::fs::write(&path, text).expect("write mock config");
    path
}

/// An emulator from [`write_mock_config`].
pub fn emulator(dir: &Path, platform_extra: &str) -> wxpay_mock::Emulator {
    let config = wxpay_mock::MockConfig::from_file(write_mock_config(dir, platform_extra))
        .expect("mock config");
    wxpay_mock::Emulator::from_config(&config).expect("emulator from config")
}

/// `[[platform.certificates]]` entries for certificates written into `dir` as
/// `<serial>.pem`: (key file, serial, not_before, not_after) each.
pub fn certificates_config(dir: &Path, certs: &[(&str, &str, i64, i64)]) -> String {
    let mut out = String::new();
    for &(key_file, serial, from, to) in certs {
        let file = dir.join(format!("{serial}.pem"));
        std::fs::write(&file, certificate(key_file, serial, from, to)).expect("write cert");
        out.push_str(&format!(
            "[[platform.certificates]]\nfile = \"{}\"\nprivate_key_file = \"{}\"\n",
            file.display(),
            key_path(key_file).display()
        ));
    }
    out
}
