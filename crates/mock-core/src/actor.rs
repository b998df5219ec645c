//! [`Actor`]: who calls, as the rules see it — the mode, the id, the brands it may act for,
//! its AppIDs — without the keys that authenticated it (those stay in the shell).

use serde::{Deserialize, Serialize};
use wxpay_models::Mode;

/// A caller's identity in the world: `(mode, id)`.
pub type ActorKey = (Mode, String);

/// A caller of the API: a service provider (partner mode, `mchid`) acting for the brands that
/// authorised it, or a brand (brand-direct mode, `brand_id`) acting for itself.
///
/// ```
/// use wxpay_mock_core::Actor;
/// use wxpay_models::Mode;
/// let sp = Actor::new(Mode::Partner, "1900000001", vec!["120344".into()], vec![], true);
/// assert!(sp.may_act_for("120344") && !sp.may_act_for("999"));
/// assert!(sp.appid_bound("wx-any"), "no AppIDs configured: any");
/// assert_eq!(sp.label(), "mchid 1900000001");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub(crate) mode: Mode,
    pub(crate) id: String,
    pub(crate) brands: Vec<String>,
    pub(crate) appids: Vec<String>,
    pub(crate) has_apiv3_key: bool,
}

impl Actor {
    /// A caller of `mode` with `id`, the `brands` it may act for (a brand: itself), its
    /// bound `appids` (empty: any), and whether it has an APIv3 key (callbacks need one).
    pub fn new(
        mode: Mode,
        id: impl Into<String>,
        brands: Vec<String>,
        appids: Vec<String>,
        has_apiv3_key: bool,
    ) -> Self {
        Self {
            mode,
            id: id.into(),
            brands,
            appids,
            has_apiv3_key,
        }
    }

    /// Partner or brand.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The mchid (partner) or brand_id (brand).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `(mode, id)`.
    pub fn key(&self) -> ActorKey {
        (self.mode, self.id.clone())
    }

    /// The brands it may act for.
    pub fn brands(&self) -> &[String] {
        &self.brands
    }

    /// AppIDs bound to it (empty = any).
    pub fn appids(&self) -> &[String] {
        &self.appids
    }

    /// Whether it has an APIv3 key (callbacks are encrypted with it).
    pub fn has_apiv3_key(&self) -> bool {
        self.has_apiv3_key
    }

    /// Whether the brand `brand_id` authorised it.
    pub fn may_act_for(&self, brand_id: &str) -> bool {
        self.brands.iter().any(|b| b == brand_id)
    }

    /// Whether `appid` is bound to it.
    pub fn appid_bound(&self, appid: &str) -> bool {
        self.appids.is_empty() || self.appids.iter().any(|a| a == appid)
    }

    /// `mchid 1900000001` or `brand 120344`, for messages.
    pub fn label(&self) -> String {
        label(self.mode, &self.id)
    }
}

/// `mchid …` or `brand …`.
pub(crate) fn label(mode: Mode, id: &str) -> String {
    match mode {
        Mode::Brand => format!("brand {id}"),
        _ => format!("mchid {id}"),
    }
}
