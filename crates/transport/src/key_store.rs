//! [`SharedKeyStore`]: the WeChat Pay keys a transport verifies answers with, replaceable
//! while calls are in flight.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;
use wxpay_signing::{Certificate, KeyStore, PublicKey};

/// The WeChat Pay public keys and platform certificates a [`Transport`](crate::Transport)
/// trusts, as one [`KeyStore`] that can be replaced at any time: every answer is verified
/// with the store of that moment, and a replacement never blocks or fails a call in flight
/// (an atomic pointer swap; a lookup costs a few nanoseconds more than a plain `KeyStore`'s,
/// `hot_path/key_lookup_shared` in docs/benchmarks.md). Clones share the store.
///
/// Certificate mode replaces it on every refresh. Users who rotate WeChat Pay public keys
/// themselves replace it too: add the new key before WeChat Pay starts signing with it, drop
/// the old one after.
///
/// ```
/// use wxpay_signing::{KeyStore, PublicKey};
/// use wxpay_transport::SharedKeyStore;
/// let old = PublicKey::from_pem(wxpay_mock::dev_keys::PLATFORM_PUB.as_bytes())?;
/// let shared = SharedKeyStore::new(KeyStore::new().with_public_key("PUB_KEY_ID_OLD", old.clone()));
/// let view = shared.clone(); // e.g. the one a transport holds
/// shared.insert("PUB_KEY_ID_NEW", old.clone()); // the new key, before WeChat Pay uses it
/// assert!(view.contains("PUB_KEY_ID_NEW"));
/// shared.replace(KeyStore::new().with_public_key("PUB_KEY_ID_NEW", old)); // the old one gone
/// assert!(!view.contains("PUB_KEY_ID_OLD"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SharedKeyStore {
    current: Arc<ArcSwap<KeyStore>>,
}

impl fmt::Debug for SharedKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.current.load();
        let mut ids: Vec<&str> = keys.ids().collect();
        ids.sort_unstable();
        f.debug_struct("SharedKeyStore").field("ids", &ids).finish()
    }
}

impl Default for SharedKeyStore {
    fn default() -> Self {
        Self::new(KeyStore::new())
    }
}

impl SharedKeyStore {
    /// A shared store holding `keys`.
    pub fn new(keys: KeyStore) -> Self {
        Self {
            current: Arc::new(ArcSwap::from_pointee(keys)),
        }
    }

    /// The store of this moment (it stays as it is, whatever replaces it later).
    pub fn snapshot(&self) -> Arc<KeyStore> {
        self.current.load_full()
    }

    /// Runs `f` on the store of this moment, without touching a reference count: the
    /// answer path's lookup.
    pub fn with<R>(&self, f: impl FnOnce(&KeyStore) -> R) -> R {
        f(&self.current.load())
    }

    /// Replaces the whole store; returns the one it replaced. Calls verifying at this instant
    /// finish with the store they started with.
    pub fn replace(&self, keys: KeyStore) -> Arc<KeyStore> {
        self.current.swap(Arc::new(keys))
    }

    /// Adds (or replaces) one key, keeping the others.
    pub fn insert(&self, id: &str, key: PublicKey) {
        self.current.rcu(|keys| {
            let mut next = KeyStore::clone(keys);
            next.insert(id, key.clone());
            next
        });
    }

    /// Adds a platform certificate under its serial, keeping the other keys.
    pub fn insert_certificate(&self, certificate: &Certificate) {
        self.insert(certificate.serial_no(), certificate.public_key().clone());
    }

    /// Whether a key with this id (compared as [`KeyStore::get`] does) is held now.
    pub fn contains(&self, id: &str) -> bool {
        self.with(|keys| keys.get(id).is_some())
    }

    /// Whether no key is held now.
    pub fn is_empty(&self) -> bool {
        self.with(KeyStore::is_empty)
    }
}
