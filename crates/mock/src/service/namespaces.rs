//! Namespaces (`/mock/namespaces`): one emulator, many isolated tests. Each namespace is a
//! world of its own (ledger, catalogue, clock, faults and fault rules, rate windows,
//! idempotency records, journal, callbacks) with a caller only it knows: a fresh RSA key, a
//! serial, an APIv3 key, and ids ready to send. The caller's identity selects the world, so a
//! request reaches its namespace whatever URL or proxy it came through.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wxpay_mock_core::{AdminError, Fixtures, Seed, fixtures::dev};
use wxpay_models::{Mode, WxTime};
use wxpay_signing::{ApiV3Key, PublicKey};

use super::Emulator;
use super::caller::Caller;
use super::log::Entry;
use super::space::{Space, fresh_salt};

/// The most namespaces an emulator holds at once.
pub const MAX_NAMESPACES: usize = 1_000;

/// What is kept of a namespace (the state file's `namespaces` table): enough to bring back
/// its caller and world; not its private key, which only the creator got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NamespaceRecord {
    pub(crate) name: String,
    pub(crate) mode: Mode,
    /// The caller's mchid (partner) or brand_id (brand).
    pub(crate) caller: String,
    pub(crate) brand_id: String,
    pub(crate) serial_no: String,
    pub(crate) public_key_pem: String,
    pub(crate) apiv3_key: String,
    pub(crate) salt: u64,
    /// Real time it was made, Unix seconds.
    pub(crate) created: i64,
}

/// A namespace: its world and what is kept of it.
#[derive(Debug)]
pub(crate) struct Namespace {
    pub(crate) space: Arc<Space>,
    pub(crate) record: NamespaceRecord,
}

fn refuse(status: u16, message: impl Into<String>) -> AdminError {
    AdminError {
        status,
        message: message.into(),
    }
}

/// `{"mode": "partner" | "brand"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NamespaceBody {
    mode: String,
}

/// A fresh RSA-2048 key pair as (private PKCS#8 PEM, public SPKI PEM). The ring backend
/// cannot generate RSA keys: namespaces need the default backend, aws-lc-rs.
fn fresh_key() -> Result<(String, String), String> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).map_err(|e| {
        format!("cannot generate the namespace's RSA key ({e}); namespaces need wxpay-mock built with its default crypto backend, aws-lc-rs")
    })?;
    Ok((key.serialize_pem(), key.public_key_pem()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The fixtures of a namespace: the dev catalogue, for its own brand.
fn fixtures_for(brand_id: &str, now: WxTime) -> Fixtures {
    let mut fixtures = Fixtures::dev(now);
    for p in &mut fixtures.product_coupons {
        p.brand_id = brand_id.to_owned();
    }
    for s in &mut fixtures.stocks {
        s.brand_id = brand_id.to_owned();
    }
    fixtures
}

impl Emulator {
    /// `POST /mock/namespaces`: a new namespace and its caller, whose private key is in the
    /// answer (and nowhere else).
    pub(crate) async fn create_namespace(&self, body: &NamespaceBody) -> Result<Value, AdminError> {
        let mode: Mode = body.mode.parse().map_err(|e: String| refuse(400, e))?;
        if self.namespaces.read().len() >= MAX_NAMESPACES {
            return Err(refuse(
                409,
                format!(
                    "at most {MAX_NAMESPACES} namespaces; delete some (DELETE /mock/namespaces/NAME)"
                ),
            ));
        }
        let (private_pem, public_pem) = fresh_key().map_err(|e| refuse(500, e))?;
        let n = self.namespaces_made.fetch_add(1, Ordering::Relaxed) + 1;
        // Ids no configured caller uses: 10-digit mchids from 1990000001, 6-digit brands from 800001.
        let serial = hex(&wxpay_mock_core::digest16(private_pem.as_bytes()))[..32].to_owned();
        let apiv3: String = wxpay_signing::new_nonce()
            .map_err(|e| refuse(500, e.to_string()))?
            .chars()
            .take(32)
            .collect();
        let mut record = NamespaceRecord {
            name: String::new(),
            mode,
            caller: String::new(),
            brand_id: String::new(),
            serial_no: serial,
            public_key_pem: public_pem,
            apiv3_key: apiv3,
            salt: fresh_salt(),
            created: self.real_now(),
        };
        // The first free ids (a namespace of an earlier run may hold some).
        let mut k = n;
        loop {
            let brand = format!("{}", 800_000 + k);
            let caller = match mode {
                Mode::Brand => brand.clone(),
                _ => format!("{}", 1_990_000_000 + k),
            };
            let name = format!("ns{k}");
            let taken = self.callers.read().contains_key(&(mode, caller.clone()))
                || self.namespaces.read().contains_key(&name);
            if !taken {
                record.name = name;
                record.caller = caller;
                record.brand_id = brand;
                break;
            }
            k += 1;
        }
        self.namespaces_made.store(k, Ordering::Relaxed);
        let space = self.add_namespace(&record).map_err(|e| refuse(500, e))?;
        let (snapshot, _, _) = space.snapshot().map_err(|e| refuse(500, e))?;
        let seq = self.log.append(Entry::Namespace {
            record: Box::new(record.clone()),
            snapshot: Arc::new(snapshot),
        });
        if let Err(e) = self.log.wait(seq).await {
            self.forget_namespace(&record.name);
            return Err(refuse(500, e.to_string()));
        }
        let public_pem_of_platform = self
            .platform
            .default_signer()
            .public_key()
            .to_pem()
            .map_err(|e| refuse(500, e.to_string()))?;
        let real = self.real_now();
        let stock = space
            .peek(|w| w.stock(dev::STOCK_LOAD_TEST, w.business_now(real)))
            .map(|s| s.stock_id);
        let id_field = match mode {
            Mode::Brand => "brand_id",
            _ => "mchid",
        };
        let mut answer = json!({
            "name": record.name,
            "mode": mode.as_str(),
            "serial_no": record.serial_no,
            "private_key_pem": private_pem,
            "wechatpay_public_key_id": self.platform.default_signer().serial(),
            "wechatpay_public_key_pem": public_pem_of_platform,
            "apiv3_key": record.apiv3_key,
            "brand_id": record.brand_id,
            "appid": dev::APPID,
            "product_coupon_id": dev::PRODUCT_COUPON_ID,
            "stock_id": stock,
        });
        answer[id_field] = json!(record.caller);
        Ok(answer)
    }

    /// Registers a namespace's caller and world (a creation, or a state file read back).
    pub(crate) fn add_namespace(&self, record: &NamespaceRecord) -> Result<Arc<Space>, String> {
        let key =
            PublicKey::from_pem(record.public_key_pem.as_bytes()).map_err(|e| e.to_string())?;
        let apiv3 = ApiV3Key::new(&record.apiv3_key).map_err(|e| e.to_string())?;
        let mut caller = Caller::new(
            record.mode,
            &record.caller,
            &record.serial_no,
            key,
            vec![record.brand_id.clone()],
            vec![dev::APPID.to_owned()],
            Some(apiv3),
        );
        caller.space = record.name.clone();
        let created = WxTime::from_unix_clamped(record.created);
        let seed = Seed::new(fixtures_for(&record.brand_id, created), record.salt);
        let space = Arc::new(
            Space::new(
                &record.name,
                seed,
                self.real_now(),
                &self.limits,
                self.log.clone(),
                self.wake.clone(),
            )
            .map_err(|e| e.to_string())?,
        );
        self.callers
            .write()
            .insert((record.mode, record.caller.clone()), Arc::new(caller));
        let namespace = Namespace {
            space: space.clone(),
            record: record.clone(),
        };
        self.namespaces
            .write()
            .insert(record.name.clone(), namespace);
        Ok(space)
    }

    /// `DELETE /mock/namespaces/NAME`: its caller is refused from now on (401), its world is
    /// gone.
    pub(crate) async fn delete_namespace(&self, name: &str) -> Result<(), AdminError> {
        if !self.forget_namespace(name) {
            return Err(refuse(
                404,
                format!("no namespace {name:?} (GET /mock/namespaces lists them)"),
            ));
        }
        let seq = self.log.append(Entry::DropNamespace {
            space: name.to_owned(),
        });
        self.log
            .wait(seq)
            .await
            .map_err(|e| refuse(500, e.to_string()))
    }

    /// Removes namespace `name` and its caller from memory; `false` if there is none.
    fn forget_namespace(&self, name: &str) -> bool {
        let Some(gone) = self.namespaces.write().remove(name) else {
            return false;
        };
        self.callers.write().retain(|_, c| c.space != name);
        gone.space.deliveries.clear();
        true
    }

    /// Every namespace: name, mode, caller, brand, when it was made.
    pub(crate) fn namespace_list(&self) -> Vec<Value> {
        self.namespaces
            .read()
            .values()
            .map(|n| {
                let r = &n.record;
                json!({
                    "name": r.name,
                    "mode": r.mode.as_str(),
                    "caller": r.caller,
                    "brand_id": r.brand_id,
                    "serial_no": r.serial_no,
                    "created_time": WxTime::from_unix_clamped(r.created).to_string(),
                })
            })
            .collect()
    }

    /// What the state file keeps of every namespace, with its world now.
    pub(crate) fn namespace_records(&self) -> Vec<(NamespaceRecord, Arc<Space>)> {
        self.namespaces
            .read()
            .values()
            .map(|n| (n.record.clone(), n.space.clone()))
            .collect()
    }

    /// Registers namespaces read back from a state file; the next ones are named after them.
    pub(crate) fn restore_namespace(&self, record: &NamespaceRecord) -> Result<Arc<Space>, String> {
        if let Some(k) = record
            .name
            .strip_prefix("ns")
            .and_then(|k| k.parse::<u64>().ok())
        {
            self.namespaces_made.fetch_max(k, Ordering::Relaxed);
        }
        self.add_namespace(record)
    }
}
