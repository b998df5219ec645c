//! The emulator's back door as operations on the world: what a user does in WeChat (claim a
//! pre-send, delete a coupon), what a test sets up (product coupons, stocks, codes, the
//! business clock), and what the shell reports (a callback delivered or given up, due image
//! tasks). Each is checked with the same models rules as the API, and is a [`crate::Change`]
//! the state file keeps.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wxpay_models::{CouponCodeMode, ProductCouponEntity, StockEntity};

use crate::actor::{Actor, ActorKey};
use crate::catalog::beijing_day;
use crate::cx::Cx;
use crate::ledger::CouponState;
use crate::outbox::DeliveryState;
use crate::pre_sends::{Claimed, PreSent};
use crate::world::{BUSINESS_TIME_RANGE, Emitted, World};

use super::{user_coupon_bundles, user_coupons};

/// Largest code upload in one action (the shell splits bigger uploads, so that the world is
/// never held for long).
pub const MAX_CODES_PER_ACTION: usize = 10_000;

/// One admin change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AdminAction {
    /// `POST /mock/product-coupons`.
    AddProductCoupon {
        /// The entity, as an answer shows it.
        product: Box<ProductCouponEntity>,
    },
    /// `POST /mock/stocks`.
    AddStock {
        /// The entity, as an answer shows it.
        stock: Box<StockEntity>,
    },
    /// `POST /mock/stocks/{id}/codes` (at most [`MAX_CODES_PER_ACTION`] codes).
    UploadCodes {
        /// The UPLOAD stock.
        stock_id: String,
        /// Codes, 1–40 of `[0-9A-Za-z_-]` each.
        codes: Vec<String>,
    },
    /// `POST /mock/coupons/{stock_id}/{code}/delete`: the user deletes a coupon in WeChat.
    DeleteCoupon {
        /// Its stock.
        stock_id: String,
        /// Its code.
        coupon_code: String,
    },
    /// `POST /mock/pre-sends/{token}/claim`: the user claims a pre-sent coupon or bundle.
    ClaimPreSend {
        /// The pre-send's token.
        token: String,
    },
    /// `PUT /mock/clock`: business time is real time plus `offset_secs`.
    SetClock {
        /// Seconds.
        offset_secs: i64,
    },
    /// Finishes up to `limit` due image-generation tasks (the shell's tick).
    FinishTasks {
        /// At most this many.
        limit: usize,
    },
    /// A callback delivery ended.
    CallbackDone {
        /// The callback.
        id: String,
        /// Delivered (2xx in time), or given up.
        delivered: bool,
    },
    /// `POST /mock/callbacks/{id}/redeliver`: deliver it again.
    Redeliver {
        /// The callback.
        id: String,
    },
}

/// What an admin action did: the JSON answer and the events it reported.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminDone {
    /// 200 or 201.
    pub status: u16,
    /// The answer.
    pub answer: Value,
    /// Events, with their callback ids.
    pub emitted: Vec<Emitted>,
    /// Whether it changed the world (the state file keeps only those).
    pub changed: bool,
}

/// Why an admin action was refused (nothing changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct AdminError {
    /// HTTP status: 400, 404, 409, 410, or the send's own for a claim.
    pub status: u16,
    /// What is wrong and what to do.
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> AdminError {
    AdminError {
        status,
        message: message.into(),
    }
}

fn done(status: u16, answer: Value) -> AdminDone {
    AdminDone {
        status,
        answer,
        emitted: Vec::new(),
        changed: true,
    }
}

impl World {
    /// Applies an admin action at business time `now`; `actors` finds the caller of a
    /// pre-send being claimed.
    ///
    /// ```
    /// use wxpay_mock_core::{AdminAction, Fixtures, Seed, World, fixtures::dev};
    /// use wxpay_models::WxTime;
    /// let now = WxTime::now().unix_timestamp();
    /// let mut world = World::new(&Seed::new(Fixtures::dev(WxTime::now()), 1), now)?;
    /// let none = |_: &wxpay_mock_core::ActorKey| None;
    /// let upload = AdminAction::UploadCodes { stock_id: dev::STOCK_UPLOAD.into(), codes: vec!["EXTRA1".into()] };
    /// assert_eq!(world.admin(&upload, now, &none)?.answer["added"], 1);
    /// let bad = AdminAction::UploadCodes { stock_id: dev::STOCK_UPLOAD.into(), codes: vec!["a/b".into()] };
    /// assert_eq!(world.admin(&bad, now, &none).unwrap_err().status, 400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admin(
        &mut self,
        action: &AdminAction,
        now: i64,
        actors: &dyn Fn(&ActorKey) -> Option<Actor>,
    ) -> Result<AdminDone, AdminError> {
        match action {
            AdminAction::AddProductCoupon { product } => self.add_product(product),
            AdminAction::AddStock { stock } => self.add_stock(stock, now),
            AdminAction::UploadCodes { stock_id, codes } => self.upload_codes(stock_id, codes, now),
            AdminAction::DeleteCoupon {
                stock_id,
                coupon_code,
            } => self.delete_coupon(stock_id, coupon_code, now),
            AdminAction::ClaimPreSend { token } => self.claim(token, now, actors),
            AdminAction::SetClock { offset_secs } => self.set_clock(*offset_secs, now),
            AdminAction::FinishTasks { limit } => Ok(self.finish_tasks(*limit, now, actors)),
            AdminAction::CallbackDone { id, delivered } => {
                let state = if *delivered {
                    DeliveryState::Delivered
                } else {
                    DeliveryState::GivenUp
                };
                self.callback_state(id, state)
            }
            AdminAction::Redeliver { id } => self.callback_state(id, DeliveryState::Pending),
        }
    }

    fn add_product(&mut self, product: &ProductCouponEntity) -> Result<AdminDone, AdminError> {
        product
            .validate()
            .map_err(|e| refuse(400, format!("product coupon: {e}")))?;
        if !self.ledger.add_product(product.clone()) {
            return Err(refuse(
                409,
                format!("product coupon {} exists", product.product_coupon_id),
            ));
        }
        Ok(done(201, json!(product)))
    }

    fn add_stock(&mut self, stock: &StockEntity, now: i64) -> Result<AdminDone, AdminError> {
        stock
            .validate()
            .map_err(|e| refuse(400, format!("stock: {e}")))?;
        match self.ledger.product(&stock.product_coupon_id) {
            Some(p) if self.ledger.products[p as usize].brand_id != stock.brand_id => {
                return Err(refuse(
                    400,
                    format!(
                        "stock {}: brand_id {} is not the brand of product coupon {}",
                        stock.stock_id, stock.brand_id, stock.product_coupon_id
                    ),
                ));
            }
            _ => {}
        }
        match self.ledger.add_stock(stock.clone()) {
            Ok(index) => Ok(done(
                201,
                json!(self.ledger.stock_entity(index, beijing_day(now))),
            )),
            Err(true) => Err(refuse(409, format!("stock {} exists", stock.stock_id))),
            Err(false) => Err(refuse(
                404,
                format!(
                    "product coupon {} does not exist; create it first",
                    stock.product_coupon_id
                ),
            )),
        }
    }

    fn upload_codes(
        &mut self,
        stock_id: &str,
        codes: &[String],
        now: i64,
    ) -> Result<AdminDone, AdminError> {
        if codes.len() > MAX_CODES_PER_ACTION {
            return Err(refuse(
                400,
                format!("at most {MAX_CODES_PER_ACTION} codes per upload action"),
            ));
        }
        if let Some(bad) = codes.iter().find(|c| !is_code(c)) {
            return Err(refuse(
                400,
                format!("code {bad:?}: codes are 1–40 of [0-9A-Za-z_-]"),
            ));
        }
        let ledger = &mut self.ledger;
        let stock = ledger
            .stock(stock_id)
            .ok_or_else(|| refuse(404, format!("no stock {stock_id}")))?;
        if ledger.stocks[stock as usize].entity.coupon_code_mode != CouponCodeMode::Upload {
            return Err(refuse(
                400,
                format!("stock {stock_id} is not in UPLOAD mode"),
            ));
        }
        let added = ledger.upload_codes(stock, codes.iter().map(String::as_str));
        let entity = ledger.stock_entity(stock, beijing_day(now));
        Ok(AdminDone {
            changed: added > 0,
            ..done(200, json!({ "added": added, "stock": entity }))
        })
    }

    fn delete_coupon(
        &mut self,
        stock_id: &str,
        code: &str,
        now: i64,
    ) -> Result<AdminDone, AdminError> {
        let ledger = &mut self.ledger;
        let coupon = ledger
            .stock(stock_id)
            .and_then(|s| ledger.find_code(s, code))
            .ok_or_else(|| refuse(404, format!("no coupon {code} in stock {stock_id}")))?;
        ledger.coupons[coupon as usize].state = CouponState::Deleted;
        ledger.life_mut(coupon).deleted = u32::try_from(now).ok();
        Ok(done(200, json!(ledger.entity(coupon, now))))
    }

    /// The receive component's claim of a pre-sent coupon (E21) or bundle (E24): issued
    /// through the component (send channel RECEIVE_COMPONENT) with its SEND callbacks.
    fn claim(
        &mut self,
        token: &str,
        now: i64,
        actors: &dyn Fn(&ActorKey) -> Option<Actor>,
    ) -> Result<AdminDone, AdminError> {
        let pre = self
            .pre_sends
            .get(token)
            .cloned()
            .ok_or_else(|| refuse(404, format!("no pre-send token {token}")))?;
        if let Some(claimed) = pre.claimed {
            let what = match claimed {
                Claimed::Coupon(i) => format!("coupon {}", self.ledger.code(i)),
                Claimed::Bundle(b) => format!(
                    "user coupon bundle {}",
                    self.ledger.bundles.get(b as usize).map_or("", |b| &*b.id)
                ),
            };
            return Err(refuse(
                409,
                format!("token {token} was already claimed: {what}"),
            ));
        }
        if now > pre.expires() {
            return Err(refuse(
                410,
                format!(
                    "token {token} has expired: a pre-send token is valid for {} s",
                    crate::pre_sends::TOKEN_SECS
                ),
            ));
        }
        let caller = actors(&pre.caller)
            .ok_or_else(|| refuse(404, format!("the caller of token {token} is gone")))?;
        let cx = Cx {
            caller: &caller,
            mode: caller.mode,
            brand: &pre.brand,
            now,
            fail: false,
        };
        let answer = |e: crate::error::ErrorAnswer| refuse(e.status, e.message);
        let (response, events, claimed) = match &pre.sent {
            PreSent::Coupon(request) => {
                let done =
                    user_coupons::send(self, &cx, request, pre.params, true).map_err(answer)?;
                let claimed = self
                    .ledger
                    .find_request(&pre.brand, request.send_request_no())
                    .map(Claimed::Coupon);
                (json!(done.response), done.events, claimed)
            }
            PreSent::Bundle(request) => {
                let (entity, ub, events) =
                    user_coupon_bundles::claim(self, &cx, request, pre.params).map_err(answer)?;
                (json!(entity), events, Some(Claimed::Bundle(ub)))
            }
        };
        if let Some(claimed) = claimed {
            self.pre_sends.mark_claimed(token, claimed);
        }
        let emitted = self.emit(&caller.key(), caller.has_apiv3_key, events, now);
        Ok(AdminDone {
            emitted,
            ..done(200, response)
        })
    }

    /// Moves business time to real time plus `offset_secs`: refused unless business time
    /// stays within [`BUSINESS_TIME_RANGE`] (real time is `now` minus the current offset).
    fn set_clock(&mut self, offset_secs: i64, now: i64) -> Result<AdminDone, AdminError> {
        let real = now.saturating_sub(self.clock_offset);
        let business = real.checked_add(offset_secs);
        if !business.is_some_and(|b| BUSINESS_TIME_RANGE.contains(&b)) {
            return Err(refuse(
                400,
                format!(
                    "offset_secs {offset_secs} would put business time outside 2000-01-01..2099-12-31 (+08:00); the emulator keeps times it can represent (offset_secs from {} to {} now)",
                    BUSINESS_TIME_RANGE.start() - real,
                    BUSINESS_TIME_RANGE.end() - real
                ),
            ));
        }
        self.clock_offset = offset_secs;
        Ok(done(
            200,
            json!({ "offset_secs": offset_secs, "business_now": real + offset_secs }),
        ))
    }

    /// Finishes up to `limit` due image tasks; their callbacks go to their creators.
    fn finish_tasks(
        &mut self,
        limit: usize,
        now: i64,
        actors: &dyn Fn(&ActorKey) -> Option<Actor>,
    ) -> AdminDone {
        let finished = self.media.finish_due(now, limit);
        let mut emitted = Vec::new();
        for (creator, event) in finished {
            let has_key = actors(&creator).is_some_and(|a| a.has_apiv3_key);
            emitted.extend(self.emit(&creator, has_key, vec![event], now));
        }
        AdminDone {
            changed: !emitted.is_empty(),
            emitted,
            ..done(200, json!({}))
        }
    }

    fn callback_state(&mut self, id: &str, state: DeliveryState) -> Result<AdminDone, AdminError> {
        if !self.outbox.set_state(id, state) {
            return Err(refuse(404, format!("no callback {id}")));
        }
        Ok(done(200, json!({ "id": id })))
    }
}

/// An uploaded code: 1–40 of `[0-9A-Za-z_-]`.
fn is_code(code: &str) -> bool {
    (1..=40).contains(&code.len())
        && code
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
}
