//! The WeChat Pay keys answers and callbacks are signed with.

use wxpay_signing::PlatformSigner;

/// The public key first (the default), then a platform certificate's, if configured.
#[derive(Debug)]
pub(crate) struct Platform {
    signers: Vec<PlatformSigner>,
}

impl Platform {
    /// `default` signs unless a request's `Wechatpay-Serial` names one of `others`.
    pub(crate) fn new(default: PlatformSigner, others: Vec<PlatformSigner>) -> Self {
        let mut signers = vec![default];
        signers.extend(others);
        Self { signers }
    }

    /// The signer `Wechatpay-Serial` names, else the default one.
    pub(crate) fn for_serial(&self, serial: Option<&str>) -> &PlatformSigner {
        serial
            .and_then(|s| {
                self.signers
                    .iter()
                    .find(|p| p.serial().eq_ignore_ascii_case(s))
            })
            .unwrap_or_else(|| self.default_signer())
    }

    /// The default signer (callbacks).
    pub(crate) fn default_signer(&self) -> &PlatformSigner {
        // `new` always puts one first.
        &self.signers[0]
    }
}
