//! The crypto backend behind keys, signatures, nonces and AEAD: aws-lc-rs (feature
//! `aws-lc-rs`, the default) or ring (feature `ring`).
//!
//! Each backend module offers the same small crate-private surface, so nothing outside this
//! folder names a crypto crate. When both features are enabled (feature unification), ring
//! is used: enabling `ring` is always a deliberate choice, and the default can only be turned
//! off by the crate that depends on us directly. See docs/signing.md.

#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
compile_error!(
    "wxpay-signing needs a crypto backend: enable its feature `aws-lc-rs` (the default) or `ring`"
);

#[cfg(all(feature = "aws-lc-rs", not(feature = "ring")))]
mod aws_lc;
#[cfg(all(feature = "aws-lc-rs", not(feature = "ring")))]
pub(crate) use aws_lc::*;

#[cfg(feature = "ring")]
mod ring;
#[cfg(feature = "ring")]
pub(crate) use self::ring::*;

#[cfg(test)]
mod tests {
    #[test]
    fn the_backend_is_the_one_the_features_choose() {
        let expected = if cfg!(feature = "ring") {
            "ring"
        } else {
            "aws-lc-rs"
        };
        assert_eq!(super::NAME, expected);
    }

    #[test]
    fn sha256_known_answer() {
        // `hashlib.sha256(b"wxpay")` (Python, OpenSSL).
        let hex: String = super::sha256(b"wxpay")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "1d368e08d7bd396fe322a2988b373d1644a22c5a1b531b01e7987472244e1418"
        );
    }
}
