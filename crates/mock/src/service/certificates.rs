//! `GET /v3/certificates`: the platform certificates, each encrypted with the caller's APIv3
//! key (AEAD_AES_256_GCM, associated_data `certificate`), as WeChat Pay serves them to
//! merchants in certificate mode. The same path in both modes; the caller signs in its own
//! scheme. Also where the configured certificates are loaded and checked.

use serde_json::{Value, json};
use wxpay_models::{ErrorCode, Mode, WxTime};
use wxpay_signing::authorization::BRAND_SCHEME;
use wxpay_signing::{ApiV3Key, Certificate, PlatformSigner, PrivateKey};

use wxpay_mock_core::ErrorAnswer;

use super::Emulator;
use super::caller::Presented;
use super::pipeline::Outcome;
use crate::config::{ConfigError, MockConfig, read_to_string};

/// The download's path.
pub(crate) const PATH: &str = "/v3/certificates";

/// The name the metrics and the journal give the download.
pub(crate) const NAME: &str = "download-certificates";

/// A platform certificate the emulator serves and signs with.
#[derive(Debug, Clone)]
pub(crate) struct Served {
    pub(crate) certificate: Certificate,
    /// The PEM as configured (what a caller decrypts).
    pub(crate) pem: String,
}

/// Whether a request is the certificate download.
pub(crate) fn is_download(parts: &http::request::Parts) -> bool {
    parts.method == http::Method::GET && parts.uri.path() == PATH
}

/// Loads `[platform] certificate_*` and `[[platform.certificates]]`: a signer for each
/// serial, and the certificates to serve (a `certificate_serial` without a file is signed
/// under but not served).
pub(crate) fn load(config: &MockConfig) -> Result<(Vec<PlatformSigner>, Vec<Served>), ConfigError> {
    let p = &config.platform;
    let load_key = |key: &str, file: &std::path::Path| {
        PrivateKey::from_pem_file(config.resolve(file)).map_err(|source| ConfigError::Key {
            key: key.into(),
            source,
        })
    };
    let mut signers = Vec::new();
    // (where in the config, certificate file, its key, the serial the config gives)
    let mut entries = Vec::new();
    if let Some(key_file) = &p.certificate_private_key_file {
        let key = load_key("platform.certificate_private_key_file", key_file)?;
        match (&p.certificate_file, &p.certificate_serial) {
            (Some(file), serial) => {
                entries.push((
                    "platform.certificate_".to_owned(),
                    file,
                    key,
                    serial.as_deref(),
                ));
            }
            (None, Some(serial)) => signers.push(PlatformSigner::new(serial.clone(), key)),
            (None, None) => {}
        }
    }
    for (i, c) in p.certificates.iter().enumerate() {
        let at = format!("platform.certificates[{i}].");
        let key = load_key(&format!("{at}private_key_file"), &c.private_key_file)?;
        entries.push((at, &c.file, key, None));
    }
    let mut served: Vec<Served> = Vec::new();
    for (at, file, key, serial) in entries {
        let path = config.resolve(file);
        let pem = read_to_string(&path, wxpay_signing::file::MAX_PEM_BYTES, "a certificate")?;
        let certificate =
            Certificate::from_pem(pem.as_bytes()).map_err(|source| ConfigError::Key {
                key: format!("{at}file"),
                source,
            })?;
        if let Some(serial) = serial
            && !serial.eq_ignore_ascii_case(certificate.serial_no())
        {
            return Err(ConfigError::invalid(
                format!("{at}serial"),
                format!(
                    "{serial} is not the serial of {} ({}); leave it out to take the certificate's",
                    path.display(),
                    certificate.serial_no()
                ),
            ));
        }
        if *certificate.public_key() != key.public_key() {
            return Err(ConfigError::invalid(
                format!("{at}private_key_file"),
                format!(
                    "is not the private key of {} (serial {})",
                    path.display(),
                    certificate.serial_no()
                ),
            ));
        }
        if served
            .iter()
            .any(|s| s.certificate.serial_no() == certificate.serial_no())
        {
            return Err(ConfigError::invalid(
                format!("{at}file"),
                format!(
                    "certificate {} is configured twice",
                    certificate.serial_no()
                ),
            ));
        }
        signers.push(PlatformSigner::new(certificate.serial_no(), key));
        served.push(Served { certificate, pem });
    }
    Ok((signers, served))
}

/// The certificate the download's answer is signed with: the one `Wechatpay-Serial` names,
/// else the newest valid at `now`.
pub(crate) fn signing_serial<'a>(
    served: &'a [Served],
    named: Option<&str>,
    now: i64,
) -> Option<&'a str> {
    let serial = |s: &'a Served| s.certificate.serial_no();
    named
        .and_then(|n| served.iter().find(|s| serial(s).eq_ignore_ascii_case(n)))
        .or_else(|| newest(served, now))
        .map(serial)
}

/// The newest certificate valid at `now` (else the newest at all).
pub(crate) fn newest(served: &[Served], now: i64) -> Option<&Served> {
    let by_start = |s: &&Served| s.certificate.not_before();
    served
        .iter()
        .filter(|s| s.certificate.is_valid_at(now))
        .max_by_key(by_start)
        .or_else(|| served.iter().max_by_key(by_start))
}

/// The answer to an authenticated caller: every certificate not yet expired at `now`,
/// encrypted with `apiv3_key`. A caller without one: 400 INVALID_REQUEST (our choice, no
/// error is documented); no certificate to serve: 404 RESOURCE_NOT_EXISTS, as WeChat Pay
/// answers merchants that have only a public key.
pub(crate) fn answer(
    served: &[Served],
    apiv3_key: Option<&ApiV3Key>,
    now: i64,
) -> Result<Vec<u8>, ErrorAnswer> {
    let Some(key) = apiv3_key else {
        return Err(ErrorAnswer {
            status: 400,
            code: ErrorCode::InvalidRequest,
            message: "商户未设置APIv3密钥: this caller has no apiv3_key in the emulator's config, so certificates cannot be encrypted for it; add apiv3_key to its entry".into(),
            detail: None,
            biz: None,
        });
    };
    let mut data = Vec::new();
    for s in served.iter().filter(|s| s.certificate.not_after() >= now) {
        let nonce: String = wxpay_signing::new_nonce()
            .map_err(ErrorAnswer::system)?
            .chars()
            .take(12)
            .collect();
        let ciphertext = key
            .encrypt(s.pem.as_bytes(), &nonce, "certificate")
            .map_err(ErrorAnswer::system)?;
        data.push(json!({
            "serial_no": s.certificate.serial_no(),
            "effective_time": time(s.certificate.not_before()),
            "expire_time": time(s.certificate.not_after()),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": ciphertext,
            },
        }));
    }
    if data.is_empty() {
        return Err(ErrorAnswer {
            status: 404,
            code: ErrorCode::Unknown("RESOURCE_NOT_EXISTS".into()),
            message: "无可用证书: the emulator has no platform certificate valid now; configure [platform] certificate_file or [[platform.certificates]] (docs/emulator.md), or use the public key".into(),
            detail: None,
            biz: None,
        });
    }
    serde_json::to_vec(&json!({ "data": data })).map_err(ErrorAnswer::system)
}

fn time(secs: i64) -> String {
    WxTime::from_unix_clamped(secs).to_string()
}

/// Runs the download for `parts` (step 1 already passed): authentication in the scheme the
/// header uses, the optional `algorithm_type=RSA`, then [`answer`].
pub(crate) fn run(emu: &Emulator, parts: &http::request::Parts) -> Outcome {
    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let mode = match authorization {
        Some(h) if h.starts_with(BRAND_SCHEME) => Mode::Brand,
        _ => Mode::Partner,
    };
    let presented = Presented {
        mode,
        authorization,
        method: "GET",
        path_and_query: parts.uri.path_and_query().map_or(PATH, |pq| pq.as_str()),
        body: b"",
    };
    let caller = match emu.authenticate(presented) {
        Ok(caller) => caller,
        Err(failure) => {
            let mut outcome = Outcome::error(failure.answer.clone());
            outcome.auth = Some(failure);
            return outcome;
        }
    };
    let algorithm = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "algorithm_type")
        .map(|(_, v)| v.into_owned());
    let result = match algorithm.as_deref() {
        None | Some("RSA") => answer(
            emu.platform.certificates(),
            caller.apiv3_key.as_ref(),
            emu.real_now(),
        ),
        Some(other) => Err(ErrorAnswer::param(&wxpay_models::FieldError {
            field: "algorithm_type".into(),
            location: wxpay_models::Location::Query,
            rule: wxpay_models::Rule::Mode(format!(
                "is {other:?}; the emulator's platform certificates are RSA (algorithm_type=RSA or leave it out)"
            )),
        })),
    };
    let mut outcome = match result {
        Ok(body) => Outcome::ok(body, false),
        Err(e) => Outcome::error(e),
    };
    outcome.caller = Some(caller.label());
    outcome.space = emu.space_of(&caller);
    outcome
}

/// The certificates for the console's overview: serial and validity.
pub(crate) fn overview(emu: &Emulator) -> Vec<Value> {
    let now = emu.real_now();
    emu.platform
        .certificates()
        .iter()
        .map(|s| {
            let c = &s.certificate;
            json!({
                "serial_no": c.serial_no(),
                "not_before": time(c.not_before()),
                "not_after": time(c.not_after()),
                "valid_now": c.is_valid_at(now),
            })
        })
        .collect()
}
