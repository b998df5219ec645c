//! [`digest16`]: the 128-bit fingerprints the world keys records by (request parameters,
//! request numbers, derived ids).

use sha2::{Digest, Sha256};

/// The first 16 bytes of SHA-256.
///
/// ```
/// assert_eq!(wxpay_mock_core::digest16(b"abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
/// ```
pub fn digest16(bytes: &[u8]) -> [u8; 16] {
    let digest = Sha256::digest(bytes);
    let mut out = [0; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
