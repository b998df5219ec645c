//! AEAD_AES_256_GCM with the merchant's APIv3 key: how WeChat Pay encrypts the `resource` of a
//! callback (and sensitive fields). The crate's crypto backend does the AES-GCM.

use std::fmt;
use std::path::Path;

use base64::Engine as _;

use crate::backend;

/// AES-GCM nonce length in bytes.
const NONCE_LEN: usize = 12;

/// The merchant's APIv3 key: 32 ASCII bytes, set in the merchant platform. `Debug` never
/// shows it.
///
/// ```
/// let key = wxpay_signing::ApiV3Key::new("0123456789abcdef0123456789ABCDEF")?;
/// assert_eq!(format!("{key:?}"), "ApiV3Key(..)");
/// assert!(wxpay_signing::ApiV3Key::new("too short").is_err());
/// # Ok::<(), wxpay_signing::AeadError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiV3Key([u8; 32]);

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(..)")
    }
}

/// Why decryption (or key loading) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AeadError {
    /// The key is not 32 bytes.
    #[error("APIv3 key must be exactly 32 bytes, got {0}")]
    KeyLength(usize),
    /// The key file could not be read.
    #[error("cannot read APIv3 key file {path}: {message}")]
    KeyFile {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The nonce is not 12 bytes.
    #[error("AEAD nonce must be 12 bytes, got {0}")]
    NonceLength(usize),
    /// The ciphertext is not base64.
    #[error("ciphertext is not valid base64")]
    Base64,
    /// Authentication failed: a wrong APIv3 key, or altered ciphertext, nonce or associated data.
    #[error(
        "decryption failed: wrong APIv3 key, or the ciphertext, nonce or associated_data were altered"
    )]
    Open,
    /// Encryption failed (only on an internal error).
    #[error("encryption failed")]
    Seal,
}

impl ApiV3Key {
    /// A key from its 32 ASCII characters.
    pub fn new(key: &str) -> Result<Self, AeadError> {
        let bytes = key.as_bytes();
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| AeadError::KeyLength(bytes.len()))?;
        Ok(Self(array))
    }

    /// Reads a key file (surrounding whitespace, such as a final newline, is ignored).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, AeadError> {
        let path = path.as_ref();
        // 32 characters and a newline; a bound far above that still fails fast on a wrong path.
        let text =
            crate::file::read_to_string_limited(path, 1024, "an APIv3 key file").map_err(|e| {
                AeadError::KeyFile {
                    path: path.display().to_string(),
                    message: e.to_string(),
                }
            })?;
        Self::new(text.trim())
    }

    /// Decrypts `ciphertext_b64` (base64 of ciphertext ‖ 16-byte tag).
    ///
    /// ```
    /// let key = wxpay_signing::ApiV3Key::new("0123456789abcdef0123456789ABCDEF")?;
    /// let sealed = key.encrypt(b"{\"coupon_code\":\"C1\"}", "0123456789ab", "product_coupon")?;
    /// assert_eq!(key.decrypt(&sealed, "0123456789ab", "product_coupon")?, b"{\"coupon_code\":\"C1\"}");
    /// let other = wxpay_signing::ApiV3Key::new("ffffffffffffffffffffffffffffffff")?;
    /// assert_eq!(other.decrypt(&sealed, "0123456789ab", "product_coupon"), Err(wxpay_signing::AeadError::Open));
    /// # Ok::<(), wxpay_signing::AeadError>(())
    /// ```
    pub fn decrypt(
        &self,
        ciphertext_b64: &str,
        nonce: &str,
        associated_data: &str,
    ) -> Result<Vec<u8>, AeadError> {
        let nonce = nonce_of(nonce)?;
        let mut data = base64::engine::general_purpose::STANDARD
            .decode(ciphertext_b64)
            .map_err(|_| AeadError::Base64)?;
        let plain = backend::aes256gcm_open(&self.0, nonce, associated_data.as_bytes(), &mut data)
            .map_err(|()| AeadError::Open)?;
        Ok(plain.to_vec())
    }

    /// Encrypts, as WeChat Pay does (for emulators and tests): base64 of ciphertext ‖ tag.
    pub fn encrypt(
        &self,
        plaintext: &[u8],
        nonce: &str,
        associated_data: &str,
    ) -> Result<String, AeadError> {
        let nonce = nonce_of(nonce)?;
        let mut data = plaintext.to_vec();
        backend::aes256gcm_seal(&self.0, nonce, associated_data.as_bytes(), &mut data)
            .map_err(|()| AeadError::Seal)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(data))
    }
}

fn nonce_of(nonce: &str) -> Result<[u8; NONCE_LEN], AeadError> {
    nonce
        .as_bytes()
        .try_into()
        .map_err(|_| AeadError::NonceLength(nonce.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_from_an_independent_implementation() {
        // Python `cryptography` (OpenSSL): AESGCM(key).encrypt(nonce, plaintext, aad).
        let key = ApiV3Key::new("0123456789abcdef0123456789ABCDEF").unwrap();
        let plain = br#"{"coupon_code":"C1"}"#;
        let sealed = "ToVQ//iCx2jXnlPqWLfAjfdZd2e0m/fPpUpxdDyYjtlTRSfL";
        assert_eq!(
            key.encrypt(plain, "0123456789ab", "product_coupon")
                .unwrap(),
            sealed
        );
        assert_eq!(
            key.decrypt(sealed, "0123456789ab", "product_coupon")
                .unwrap(),
            plain
        );
    }

    #[test]
    fn tampering_and_bad_inputs_are_refused() {
        let key = ApiV3Key::new("0123456789abcdef0123456789ABCDEF").unwrap();
        let sealed = key
            .encrypt(b"secret", "nonce-123456", "product_coupon")
            .unwrap();
        assert_eq!(
            key.decrypt(&sealed, "nonce-123457", "product_coupon"),
            Err(AeadError::Open)
        );
        assert_eq!(
            key.decrypt(&sealed, "nonce-123456", "other"),
            Err(AeadError::Open)
        );
        assert_eq!(
            key.decrypt("!!", "nonce-123456", "product_coupon"),
            Err(AeadError::Base64)
        );
        assert_eq!(
            key.decrypt(&sealed, "short", "product_coupon"),
            Err(AeadError::NonceLength(5))
        );
        let mut raw = base64::engine::general_purpose::STANDARD
            .decode(&sealed)
            .unwrap();
        raw[0] ^= 1;
        let tampered = base64::engine::general_purpose::STANDARD.encode(raw);
        assert_eq!(
            key.decrypt(&tampered, "nonce-123456", "product_coupon"),
            Err(AeadError::Open)
        );
    }
}
