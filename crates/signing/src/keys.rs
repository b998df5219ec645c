//! RSA keys and certificates loaded from PEM.
//!
//! WeChat Pay hands out three kinds of key material, and each has its own type here:
//!
//! | material | PEM label | type |
//! |---|---|---|
//! | merchant API private key (`apiclient_key.pem`) | `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) | [`PrivateKey`] |
//! | WeChat Pay public key (`pub_key.pem`) | `PUBLIC KEY` (SPKI) | [`PublicKey`] |
//! | WeChat Pay platform certificate | `CERTIFICATE` (X.509) | [`Certificate`] |
//!
//! Every loader checks what it was given and says precisely what is wrong: a PEM with another
//! label, a key that is not RSA, a key under 2048 bits, or bytes that are not PEM at all.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use pkcs1::der::{Decode, Encode};
use rustls_pki_types::pem::{PemObject, SectionKind};

use crate::backend::{RsaKeyPair, SystemRandom, VerifyingKey};
use crate::error::SignError;

/// The smallest RSA modulus WeChat Pay accepts (WECHATPAY2-SHA256-RSA2048).
pub const MIN_RSA_BITS: usize = 2048;

/// `rsaEncryption` (1.2.840.113549.1.1.1), the only key algorithm WeChat Pay uses.
const RSA_ENCRYPTION: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Why key material could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read key file {path}: {source}")]
    Io {
        /// The file that was asked for.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The input holds no PEM section at all.
    #[error("not PEM: expected a `-----BEGIN {expected}-----` section")]
    NotPem {
        /// The label that was expected.
        expected: &'static str,
    },
    /// The input is PEM, but of another kind than the loader wants.
    #[error("wrong PEM label: found `{found}`, expected {expected}")]
    WrongLabel {
        /// The label that was found.
        found: String,
        /// The labels that would have been accepted.
        expected: &'static str,
    },
    /// The key is not an RSA key (an EC or Ed25519 key, for example).
    #[error(
        "not an RSA key: algorithm {algorithm}; WeChat Pay APIv3 needs RSA (WECHATPAY2-SHA256-RSA2048)"
    )]
    NotRsa {
        /// The algorithm identifier found in the key.
        algorithm: String,
    },
    /// The RSA key is shorter than 2048 bits.
    #[error("RSA key too small: {bits} bits; WeChat Pay needs at least {MIN_RSA_BITS}")]
    TooSmall {
        /// The modulus length found.
        bits: usize,
    },
    /// The PEM section decoded, but its DER content is not a valid structure of that kind.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
}

impl KeyError {
    fn malformed(what: &'static str, detail: impl fmt::Display) -> Self {
        Self::Malformed {
            what,
            detail: detail.to_string(),
        }
    }
}

/// A merchant's RSA private key, parsed once and ready to sign.
///
/// `Debug` never shows key material.
///
/// ```
/// use wxpay_signing::PrivateKey;
/// let pem = std::fs::read("tests/data/keys/merchant_key.pem")?;
/// let key = PrivateKey::from_pem(&pem)?;
/// assert_eq!(key.bits(), 2048);
/// assert_eq!(format!("{key:?}"), "PrivateKey { bits: 2048, .. }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PrivateKey {
    pair: Arc<RsaKeyPair>,
    public: PublicKey,
    rng: SystemRandom,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Loads a PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) PEM.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        const EXPECTED: &str = "`PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1)";
        let (kind, der) = first_section(pem, "PRIVATE KEY", EXPECTED)?;
        let pkcs1 = match kind {
            SectionKind::PrivateKey => pkcs1_from_pkcs8(&der)?,
            SectionKind::RsaPrivateKey => der,
            SectionKind::EcPrivateKey => {
                return Err(KeyError::NotRsa {
                    algorithm: "EC (SEC1 `EC PRIVATE KEY`)".into(),
                });
            }
            other => return Err(wrong_label(other, EXPECTED)),
        };
        let parsed = pkcs1::RsaPrivateKeyRef::from_der(&pkcs1)
            .map_err(|e| KeyError::malformed("PKCS#1 RSA private key", e))?;
        let bits = check_size(parsed.modulus.as_bytes())?;
        let pair = RsaKeyPair::from_pkcs1_der(&pkcs1)
            .map_err(|e| KeyError::malformed("RSA private key", e))?;
        let public = PublicKey::from_checked_pkcs1_der(pair.public_pkcs1_der().to_vec(), bits)?;
        Ok(Self {
            pair: Arc::new(pair),
            public,
            rng: SystemRandom::new(),
        })
    }

    /// Reads and loads a private key PEM file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        Self::from_pem(&read(path.as_ref())?)
    }

    /// The modulus length in bits.
    pub fn bits(&self) -> usize {
        self.public.bits
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    /// RSA PKCS#1 v1.5 with SHA-256 over `message`: the raw signature bytes.
    ///
    /// ```
    /// # let key = wxpay_signing::PrivateKey::from_pem(&std::fs::read("tests/data/keys/merchant_key.pem")?)?;
    /// let signature = key.sign(b"hello")?;
    /// assert!(key.public_key().verify(b"hello", &signature));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut out = vec![0; self.pair.modulus_len()];
        self.pair
            .sign_pkcs1_sha256(&self.rng, message, &mut out)
            .map_err(|()| SignError::Random)?;
        Ok(out)
    }
}

/// An RSA public key: a WeChat Pay public key, a platform certificate's key, or a merchant's.
///
/// Cheap to clone. Parsed once into the crypto backend's form; equal keys have equal PKCS#1
/// `RSAPublicKey` DER.
///
/// ```
/// use wxpay_signing::PublicKey;
/// let key = PublicKey::from_pem(&std::fs::read("tests/data/keys/platform_pub.pem")?)?;
/// assert_eq!(key.bits(), 2048);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PublicKey {
    pkcs1_der: Arc<[u8]>,
    key: Arc<VerifyingKey>,
    bits: usize,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.pkcs1_der == other.pkcs1_der
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// Loads an SPKI (`PUBLIC KEY`) PEM, an X.509 `CERTIFICATE` (its key is taken), or a
    /// PKCS#1 `RSA PUBLIC KEY`.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        const EXPECTED: &str = "`PUBLIC KEY` (SPKI) or `CERTIFICATE` (X.509)";
        if let Some(der) = section_with_label(pem, "RSA PUBLIC KEY")? {
            return Self::from_pkcs1_der(der);
        }
        let (kind, der) = first_section(pem, "PUBLIC KEY", EXPECTED)?;
        match kind {
            SectionKind::PublicKey => Self::from_spki_der(&der),
            SectionKind::Certificate => Ok(Certificate::from_der(&der)?.public_key),
            other => Err(wrong_label(other, EXPECTED)),
        }
    }

    /// Reads and loads a public key (or certificate) PEM file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        Self::from_pem(&read(path.as_ref())?)
    }

    /// Loads a DER `SubjectPublicKeyInfo`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| KeyError::malformed("SubjectPublicKeyInfo", e))?;
        if info.algorithm.oid != RSA_ENCRYPTION {
            return Err(KeyError::NotRsa {
                algorithm: describe_oid(&info.algorithm.oid),
            });
        }
        let key = info.subject_public_key.as_bytes().ok_or_else(|| {
            KeyError::malformed(
                "SubjectPublicKeyInfo",
                "public key BIT STRING has unused bits",
            )
        })?;
        Self::from_pkcs1_der(key.to_vec())
    }

    fn from_pkcs1_der(der: Vec<u8>) -> Result<Self, KeyError> {
        let parsed = pkcs1::RsaPublicKeyRef::from_der(&der)
            .map_err(|e| KeyError::malformed("PKCS#1 RSA public key", e))?;
        let bits = check_size(parsed.modulus.as_bytes())?;
        Self::from_checked_pkcs1_der(der, bits)
    }

    /// A PKCS#1 DER whose structure and size are already checked.
    fn from_checked_pkcs1_der(der: Vec<u8>, bits: usize) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_pkcs1_der(&der)
            .map_err(|e| KeyError::malformed("RSA public key", e))?;
        Ok(Self {
            pkcs1_der: der.into(),
            key: Arc::new(key),
            bits,
        })
    }

    /// The modulus length in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Checks an RSA PKCS#1 v1.5 SHA-256 signature over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify(message, signature)
    }

    /// The key as an SPKI (`PUBLIC KEY`) PEM, as WeChat Pay hands out its public key.
    ///
    /// ```
    /// use wxpay_signing::PublicKey;
    /// let key = PublicKey::from_pem(&std::fs::read("tests/data/keys/platform_pub.pem")?)?;
    /// let pem = key.to_pem()?;
    /// assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    /// assert_eq!(PublicKey::from_pem(pem.as_bytes())?, key);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_pem(&self) -> Result<String, KeyError> {
        use base64::Engine as _;
        use pkcs1::der::asn1::{AnyRef, BitStringRef};
        let malformed = |e| KeyError::malformed("SubjectPublicKeyInfo", e);
        let info = spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: RSA_ENCRYPTION,
                parameters: Some(AnyRef::NULL),
            },
            subject_public_key: BitStringRef::from_bytes(&self.pkcs1_der).map_err(malformed)?,
        };
        let der = info.to_der().map_err(malformed)?;
        let text = base64::engine::general_purpose::STANDARD.encode(der);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in text.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        Ok(pem)
    }
}

/// A WeChat Pay platform certificate: its serial number (the `Wechatpay-Serial` it signs
/// under, in upper-case hex), its public key and its validity period.
///
/// ```
/// use wxpay_signing::Certificate;
/// let cert = Certificate::from_pem(&std::fs::read("tests/data/keys/platform_cert.pem")?)?;
/// assert_eq!(cert.serial_no(), "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
/// assert_eq!(cert.not_before(), 1795924660); // 2026-11-29T03:57:40Z
/// assert!(cert.is_valid_at(1795924660) && !cert.is_valid_at(cert.not_after() + 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    serial_no: String,
    public_key: PublicKey,
    not_before: i64,
    not_after: i64,
}

impl Certificate {
    /// Loads the first `CERTIFICATE` of a PEM.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        const EXPECTED: &str = "`CERTIFICATE` (X.509)";
        match first_section(pem, "CERTIFICATE", EXPECTED)? {
            (SectionKind::Certificate, der) => Self::from_der(&der),
            (other, _) => Err(wrong_label(other, EXPECTED)),
        }
    }

    /// Reads and loads a certificate PEM file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        Self::from_pem(&read(path.as_ref())?)
    }

    /// Loads a DER X.509 certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| KeyError::malformed("X.509 certificate", e))?;
        let tbs = cert.tbs_certificate();
        let serial_no = upper_hex(tbs.serial_number().as_bytes());
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| KeyError::malformed("X.509 certificate", e))?;
        let validity = tbs.validity();
        let unix = |t: x509_cert::time::Time| {
            i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
        };
        Ok(Self {
            serial_no,
            public_key: PublicKey::from_spki_der(&spki)?,
            not_before: unix(validity.not_before),
            not_after: unix(validity.not_after),
        })
    }

    /// Start of the validity period (`notBefore`), Unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// End of the validity period (`notAfter`), Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// Whether `now` (Unix seconds) lies within the validity period, both ends included.
    pub fn is_valid_at(&self, now: i64) -> bool {
        (self.not_before..=self.not_after).contains(&now)
    }

    /// The serial number in upper-case hex, as WeChat Pay writes it in `Wechatpay-Serial`.
    pub fn serial_no(&self) -> &str {
        &self.serial_no
    }

    /// The certified public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    crate::file::read_limited(path, crate::file::MAX_PEM_BYTES, "a PEM key or certificate").map_err(
        |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        },
    )
}

/// The first PEM section whose label this crate recognises.
fn first_section(
    pem: &[u8],
    wanted: &'static str,
    expected: &'static str,
) -> Result<(SectionKind, Vec<u8>), KeyError> {
    match <(SectionKind, Vec<u8>)>::from_pem_slice(pem) {
        Ok(section) => Ok(section),
        Err(rustls_pki_types::pem::Error::NoItemsFound) => Err(match first_label(pem) {
            Some(found) => KeyError::WrongLabel { found, expected },
            None => KeyError::NotPem { expected: wanted },
        }),
        Err(e) => Err(KeyError::malformed("PEM", e)),
    }
}

/// The DER of the first section labelled exactly `label`, for labels rustls-pki-types skips.
fn section_with_label(pem: &[u8], label: &str) -> Result<Option<Vec<u8>>, KeyError> {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(pem);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let Some(start) = text.find(&begin) else {
        return Ok(None);
    };
    let body = &text[start + begin.len()..];
    let Some(stop) = body.find(&end) else {
        return Err(KeyError::malformed("PEM", format!("no `{end}` line")));
    };
    let b64: String = body[..stop].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map(Some)
        .map_err(|e| KeyError::malformed("PEM", e))
}

/// The label of the first `-----BEGIN …-----` line, for error messages.
fn first_label(pem: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(pem);
    let rest = &text[text.find("-----BEGIN ")? + "-----BEGIN ".len()..];
    let label = &rest[..rest.find("-----")?];
    Some(label.chars().take(64).collect())
}

fn wrong_label(kind: SectionKind, expected: &'static str) -> KeyError {
    let found = match kind {
        SectionKind::Certificate => "CERTIFICATE",
        SectionKind::PublicKey => "PUBLIC KEY",
        SectionKind::RsaPrivateKey => "RSA PRIVATE KEY",
        SectionKind::PrivateKey => "PRIVATE KEY",
        SectionKind::EcPrivateKey => "EC PRIVATE KEY",
        SectionKind::Crl => "X509 CRL",
        SectionKind::Csr => "CERTIFICATE REQUEST",
        _ => "another PEM kind",
    };
    KeyError::WrongLabel {
        found: found.into(),
        expected,
    }
}

/// Unwraps PKCS#8 to the PKCS#1 `RSAPrivateKey` the backend and `pkcs1` read, after checking
/// the algorithm.
fn pkcs1_from_pkcs8(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|e| KeyError::malformed("PKCS#8 private key", e))?;
    if info.algorithm.oid != RSA_ENCRYPTION {
        return Err(KeyError::NotRsa {
            algorithm: describe_oid(&info.algorithm.oid),
        });
    }
    Ok(info.private_key.as_bytes().to_vec())
}

/// Bits of a big-endian unsigned modulus; rejects anything under [`MIN_RSA_BITS`].
fn check_size(modulus: &[u8]) -> Result<usize, KeyError> {
    let significant: &[u8] = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => &[],
    };
    let bits = match significant.first() {
        Some(first) => significant.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    };
    if bits < MIN_RSA_BITS {
        return Err(KeyError::TooSmall { bits });
    }
    Ok(bits)
}

fn describe_oid(oid: &spki::ObjectIdentifier) -> String {
    let name = match oid.to_string().as_str() {
        "1.2.840.10045.2.1" => " (EC)",
        "1.3.101.112" => " (Ed25519)",
        "1.3.101.113" => " (Ed448)",
        "1.2.840.10040.4.1" => " (DSA)",
        "1.2.840.113549.1.1.10" => " (RSASSA-PSS)",
        _ => "",
    };
    format!("{oid}{name}")
}

fn upper_hex(bytes: &[u8]) -> String {
    // DER INTEGERs carry a leading 0x00 when the top bit is set; the serial does not.
    let bytes = match bytes {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_counts_significant_bits() {
        assert!(matches!(
            check_size(&[0x01; 128]),
            Err(KeyError::TooSmall { bits: 1017 })
        ));
        assert_eq!(check_size(&[0xff; 256]).ok(), Some(2048));
        assert_eq!(
            check_size(&[[0u8].as_slice(), &[0x80; 256]].concat()).ok(),
            Some(2048)
        );
        assert!(matches!(
            check_size(&[]),
            Err(KeyError::TooSmall { bits: 0 })
        ));
    }

    #[test]
    fn serial_hex_drops_der_sign_byte() {
        assert_eq!(upper_hex(&[0x00, 0x9a, 0x01]), "9A01");
        assert_eq!(upper_hex(&[0x00]), "00");
        assert_eq!(upper_hex(&[0x1d, 0xde]), "1DDE");
    }
}
