//! The WeChat Pay keys answers and callbacks are signed with, and the platform certificates
//! `GET /v3/certificates` serves.

use wxpay_signing::PlatformSigner;
use wxpay_signing::clock::{Clock, SystemClock};

use super::certificates::{Served, newest, signing_serial};

/// The public key first (the default), then the platform certificates' keys, if configured.
#[derive(Debug)]
pub(crate) struct Platform {
    signers: Vec<PlatformSigner>,
    certificates: Vec<Served>,
}

impl Platform {
    /// `default` signs unless a request's `Wechatpay-Serial` names one of `others`;
    /// `certificates` are served by the download.
    pub(crate) fn new(
        default: PlatformSigner,
        others: Vec<PlatformSigner>,
        certificates: Vec<Served>,
    ) -> Self {
        let mut signers = vec![default];
        signers.extend(others);
        Self {
            signers,
            certificates,
        }
    }

    /// Serves `served` too, signing with `signer` when a request names its serial.
    pub(crate) fn add_certificate(&mut self, signer: PlatformSigner, served: Served) {
        self.signers.push(signer);
        self.certificates.push(served);
    }

    /// The certificates the download serves.
    pub(crate) fn certificates(&self) -> &[Served] {
        &self.certificates
    }

    /// The signer `Wechatpay-Serial` names. When it names none the emulator holds, and is no
    /// `PUB_KEY_ID_…` (a rotated-out certificate, or no header at all, as certificate-mode
    /// clients such as wechatpayv3 send unless they encrypt a field), the newest valid
    /// certificate, as WeChat Pay signs for merchants that have certificates; else (no
    /// certificate served, or an unknown public key id) the public key.
    pub(crate) fn for_serial(&self, serial: Option<&str>) -> &PlatformSigner {
        let named = |s: &str| {
            self.signers
                .iter()
                .find(|p| p.serial().eq_ignore_ascii_case(s))
        };
        serial
            .and_then(named)
            .or_else(|| {
                let wants_certificate = serial.is_none_or(|s| !s.starts_with("PUB_KEY_ID_"));
                newest(&self.certificates, SystemClock.now_unix())
                    .filter(|_| wants_certificate)
                    .and_then(|c| named(c.certificate.serial_no()))
            })
            .unwrap_or_else(|| self.default_signer())
    }

    /// The signer of the certificate download: the certificate `Wechatpay-Serial` names,
    /// else the newest valid one.
    pub(crate) fn for_download(&self, serial: Option<&str>) -> &PlatformSigner {
        let now = SystemClock.now_unix();
        signing_serial(&self.certificates, serial, now)
            .map_or_else(|| self.for_serial(serial), |s| self.for_serial(Some(s)))
    }

    /// The signer of a callback to a caller whose last request named `last` (see
    /// [`Caller::last_serial`](super::caller::Caller::last_serial)): the key that request
    /// was answered with, so a client in certificate mode can verify its callbacks too; the
    /// public key before the caller's first request.
    pub(crate) fn for_callback(&self, last: Option<Option<&str>>) -> &PlatformSigner {
        match last {
            Some(serial) => self.for_serial(serial),
            None => self.default_signer(),
        }
    }

    /// The default signer: the public key.
    pub(crate) fn default_signer(&self) -> &PlatformSigner {
        // `new` always puts one first.
        &self.signers[0]
    }
}
