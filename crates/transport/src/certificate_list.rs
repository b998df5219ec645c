//! The answer of `GET /v3/certificates`: parsed, each certificate decrypted with the APIv3 key
//! and checked (its serial, its validity now). Asking for it and verifying its signature are
//! the transport's part (`transport/refresh.rs`).

use serde::Deserialize;
use wxpay_models::WxTime;
use wxpay_signing::{ApiV3Key, Certificate};

use crate::error::CertificateError;

/// A platform certificate as downloaded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformCertificate {
    /// Its serial, upper-case hex.
    pub serial_no: String,
    /// `effective_time` as answered (RFC 3339).
    pub effective_time: String,
    /// `expire_time` as answered (RFC 3339).
    pub expire_time: String,
    /// The decrypted X.509 PEM (public material).
    pub pem: String,
    /// The parsed certificate (key and validity).
    pub certificate: Certificate,
}

impl PlatformCertificate {
    /// Its own validity period, `notBefore` to `notAfter`, as RFC 3339 `+08:00`.
    pub fn validity(&self) -> (String, String) {
        let show =
            |secs| WxTime::from_unix(secs).map_or_else(|_| secs.to_string(), |t| t.to_string());
        (
            show(self.certificate.not_before()),
            show(self.certificate.not_after()),
        )
    }
}

#[derive(Deserialize)]
struct Answer {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    serial_no: String,
    effective_time: String,
    expire_time: String,
    encrypt_certificate: Encrypted,
}

#[derive(Deserialize)]
struct Encrypted {
    algorithm: String,
    nonce: String,
    associated_data: String,
    ciphertext: String,
}

/// Parses and decrypts the answer; keeps what is valid at `now`.
pub(crate) fn decrypt_all(
    body: &[u8],
    apiv3_key: &ApiV3Key,
    now: i64,
) -> Result<Vec<PlatformCertificate>, CertificateError> {
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|e| CertificateError::BadAnswer(format!("the JSON: {e}")))?;
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for item in answer.data {
        let sealed = &item.encrypt_certificate;
        if sealed.algorithm != "AEAD_AES_256_GCM" {
            return Err(CertificateError::BadAnswer(format!(
                "certificate {} is encrypted with {:?}; only AEAD_AES_256_GCM is known",
                item.serial_no, sealed.algorithm
            )));
        }
        let plain = apiv3_key
            .decrypt(&sealed.ciphertext, &sealed.nonce, &sealed.associated_data)
            .map_err(|source| CertificateError::Decrypt {
                serial_no: item.serial_no.clone(),
                source,
            })?;
        let pem = String::from_utf8(plain).map_err(|_| {
            CertificateError::BadAnswer(format!("certificate {} is not PEM text", item.serial_no))
        })?;
        let certificate = Certificate::from_pem(pem.as_bytes()).map_err(|e| {
            CertificateError::BadAnswer(format!("certificate {}: {e}", item.serial_no))
        })?;
        if !certificate
            .serial_no()
            .eq_ignore_ascii_case(&item.serial_no)
        {
            return Err(CertificateError::BadAnswer(format!(
                "serial_no {} names a certificate whose serial is {}",
                item.serial_no,
                certificate.serial_no()
            )));
        }
        let cert = PlatformCertificate {
            serial_no: certificate.serial_no().to_owned(),
            effective_time: item.effective_time,
            expire_time: item.expire_time,
            pem,
            certificate,
        };
        if cert.certificate.is_valid_at(now) {
            kept.push(cert);
        } else {
            let (from, to) = cert.validity();
            dropped.push(format!("{} (valid {from} to {to})", cert.serial_no));
        }
    }
    if !dropped.is_empty() {
        tracing::warn!(
            "platform certificates not valid now, left out: {}",
            dropped.join(", ")
        );
    }
    if kept.is_empty() {
        return Err(CertificateError::NoneValid(if dropped.is_empty() {
            "the list is empty".into()
        } else {
            dropped.join(", ")
        }));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_bad_answer_naming_the_problem() {
        let key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        for (body, needle) in [
            (&b"not json"[..], "the JSON"),
            (br#"{"data":[{"serial_no":"1"}]}"#, "the JSON"),
            (
                br#"{"data":[{"serial_no":"1","effective_time":"","expire_time":"","encrypt_certificate":{"algorithm":"SM4","nonce":"n","associated_data":"certificate","ciphertext":""}}]}"#,
                "SM4",
            ),
        ] {
            let err = decrypt_all(body, &key, 0).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
        let err = decrypt_all(br#"{"data":[]}"#, &key, 0).unwrap_err();
        assert!(matches!(err, CertificateError::NoneValid(_)), "{err}");
    }

    /// A certificate outside its own validity (not yet valid, or expired) is left out, and
    /// a list of only such certificates is refused naming each with its period.
    #[test]
    fn only_certificates_valid_now_are_kept() {
        let pem = std::fs::read_to_string(wxpay_testkit::key_path("platform_cert.pem")).unwrap();
        let cert = Certificate::from_pem(pem.as_bytes()).unwrap();
        let key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let sealed = key
            .encrypt(pem.as_bytes(), "0123456789ab", "certificate")
            .unwrap();
        let body = format!(
            r#"{{"data":[{{"serial_no":"{}","effective_time":"","expire_time":"","encrypt_certificate":{{"algorithm":"AEAD_AES_256_GCM","nonce":"0123456789ab","associated_data":"certificate","ciphertext":"{sealed}"}}}}]}}"#,
            cert.serial_no()
        );
        let kept = decrypt_all(body.as_bytes(), &key, cert.not_before() + 1).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].serial_no, cert.serial_no());
        for now in [cert.not_before() - 1, cert.not_after() + 1] {
            let err = decrypt_all(body.as_bytes(), &key, now).unwrap_err();
            assert!(matches!(err, CertificateError::NoneValid(_)), "{err}");
            let text = err.to_string();
            assert!(
                text.contains(cert.serial_no()) && text.contains("(valid "),
                "{text}"
            );
        }
    }

    #[test]
    fn a_wrong_key_names_the_serial_and_the_config_key() {
        let right = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let wrong = ApiV3Key::new("ffffffffffffffffffffffffffffffff").unwrap();
        let sealed = right
            .encrypt(
                b"-----BEGIN CERTIFICATE-----",
                "0123456789ab",
                "certificate",
            )
            .unwrap();
        let body = format!(
            r#"{{"data":[{{"serial_no":"ABC","effective_time":"","expire_time":"","encrypt_certificate":{{"algorithm":"AEAD_AES_256_GCM","nonce":"0123456789ab","associated_data":"certificate","ciphertext":"{sealed}"}}}}]}}"#
        );
        let err = decrypt_all(body.as_bytes(), &wrong, 0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ABC") && err.contains("apiv3_key_file"),
            "{err}"
        );
        let err = decrypt_all(body.as_bytes(), &right, 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("certificate ABC"), "{err}");
    }
}
