//! Nonces: generated from a CSPRNG, validated on input.

use crate::authorization::is_valid_value;
use crate::backend::{self, SystemRandom};
use crate::error::SignError;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Length of the nonces this crate generates.
pub const NONCE_LEN: usize = 32;

/// A fresh nonce: 32 characters of `[0-9A-Za-z]` from the operating system's CSPRNG.
///
/// ```
/// let nonce = wxpay_signing::new_nonce()?;
/// assert_eq!(nonce.len(), 32);
/// # Ok::<(), wxpay_signing::SignError>(())
/// ```
pub fn new_nonce() -> Result<String, SignError> {
    generate(&SystemRandom::new())
}

pub(crate) fn generate(rng: &SystemRandom) -> Result<String, SignError> {
    let mut out = String::with_capacity(NONCE_LEN);
    let mut buf = [0u8; 48];
    while out.len() < NONCE_LEN {
        backend::fill(rng, &mut buf).map_err(|()| SignError::Random)?;
        // Rejection sampling: 248 = 4 × 62, so every accepted byte maps uniformly.
        for &b in buf.iter().filter(|&&b| b < 248) {
            if out.len() == NONCE_LEN {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(b % 62)]));
        }
    }
    Ok(out)
}

/// Whether `nonce` is one WeChat Pay's rules accept: non-empty printable ASCII without `"`
/// or `,` (which would break the Authorization header): the rule of every header field,
/// [`authorization::is_valid_value`](crate::authorization::is_valid_value).
pub fn is_valid(nonce: &str) -> bool {
    is_valid_value(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_nonces_are_valid_and_distinct() {
        let rng = SystemRandom::new();
        let a = generate(&rng).unwrap_or_default();
        let b = generate(&rng).unwrap_or_default();
        assert_eq!(a.len(), NONCE_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert!(is_valid(&a));
        assert_ne!(a, b);
    }

    #[test]
    fn validity_rules() {
        assert!(is_valid("pct-nonce-0000000000000000000000000"));
        assert!(!is_valid(""));
        assert!(!is_valid("a\"b"));
        assert!(!is_valid("a,b"));
        assert!(!is_valid("a b"));
        assert!(!is_valid("é"));
    }
}
