//! ring: its own constant-time RSA, AES-256-GCM, SHA-256 and the operating system's
//! CSPRNG.

use ::ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ::ring::rand::SecureRandom as _;
use ::ring::signature::{self, KeyPair as _};

pub(crate) use ::ring::rand::SystemRandom;

/// The backend's name, as [`crate::BACKEND`] reports it.
pub(crate) const NAME: &str = "ring";

/// Fills `buf` from the CSPRNG.
pub(crate) fn fill(rng: &SystemRandom, buf: &mut [u8]) -> Result<(), ()> {
    rng.fill(buf).map_err(|_| ())
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = ::ring::digest::digest(&::ring::digest::SHA256, data);
    let mut out = [0; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// An RSA private key ready to sign.
pub(crate) struct RsaKeyPair(signature::RsaKeyPair);

impl RsaKeyPair {
    /// Parses a PKCS#1 `RSAPrivateKey` DER; the error is the backend's reason.
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self, String> {
        signature::RsaKeyPair::from_der(der)
            .map(Self)
            .map_err(|e| e.to_string())
    }

    /// The modulus length in bytes (= the signature length).
    pub(crate) fn modulus_len(&self) -> usize {
        self.0.public().modulus_len()
    }

    /// The public key as a PKCS#1 `RSAPublicKey` DER.
    pub(crate) fn public_pkcs1_der(&self) -> &[u8] {
        self.0.public_key().as_ref()
    }

    /// RSA PKCS#1 v1.5 SHA-256 of `message` into `out` (exactly [`Self::modulus_len`] bytes).
    pub(crate) fn sign_pkcs1_sha256(
        &self,
        rng: &SystemRandom,
        message: &[u8],
        out: &mut [u8],
    ) -> Result<(), ()> {
        self.0
            .sign(&signature::RSA_PKCS1_SHA256, rng, message, out)
            .map_err(|_| ())
    }
}

/// An RSA public key. ring has no parsed form of an RSA verification key: its
/// `UnparsedPublicKey` decodes the DER on every check.
pub(crate) struct VerifyingKey(Box<[u8]>);

impl VerifyingKey {
    /// Keeps a PKCS#1 `RSAPublicKey` DER (checked by the caller's `pkcs1` parse).
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self, String> {
        Ok(Self(der.into()))
    }

    /// Whether `signature` is a valid RSA PKCS#1 v1.5 SHA-256 signature of `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &*self.0)
            .verify(message, signature)
            .is_ok()
    }
}

fn aes_key(key: &[u8; 32]) -> Result<LessSafeKey, ()> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| ())
}

/// AES-256-GCM: encrypts `data` in place and appends the 16-byte tag.
pub(crate) fn aes256gcm_seal(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    data: &mut Vec<u8>,
) -> Result<(), ()> {
    aes_key(key)?
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), data)
        .map_err(|_| ())
}

/// AES-256-GCM: checks the tag at the end of `data` and decrypts in place; the plaintext.
pub(crate) fn aes256gcm_open<'a>(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    data: &'a mut [u8],
) -> Result<&'a mut [u8], ()> {
    aes_key(key)?
        .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), data)
        .map_err(|_| ())
}
