//! wxpay-mock-core: the rules of wxpay-mock, WeChat Pay's product-coupon (商品券) API emulated
//! as a pure, synchronous value.
//!
//! A [`World`] holds everything the API reads and changes: product coupons, stocks, stock
//! bundles, every issued coupon (compactly), the records of keyed requests, stores,
//! pre-sends, pictures and image tasks, notify URLs, the callbacks owed and the business
//! clock. [`World::apply`] applies one decoded request from an [`Actor`] and returns what
//! happened: the answer (or the documented error answer), whether it acted, and the typed
//! [`Event`]s it reported with their callback ids. [`World::admin`] does the same for the
//! emulator's back door (a user claiming a pre-send, deleting a coupon, the clock, …). What
//! changed can be kept as a [`Change`] and applied again ([`World::replay`]); the whole world
//! is a snapshot ([`World::snapshot`], [`World::from_snapshot`]).
//!
//! This crate does no I/O: no sockets, threads, files or clocks. It does not check
//! signatures, rate limits or HTTP rules; the emulator (`wxpay-mock`) does those, owns the
//! lock around a world, delivers callbacks and keeps the state file. Many worlds can exist
//! side by side.
//!
//! ```
//! use wxpay_mock_core::{Actor, Fixtures, Seed, World, fixtures::dev};
//! use wxpay_models::{ConfirmSendUserProductCouponRequest, Mode, SendUserProductCouponRequest, WxTime};
//! let now = WxTime::now().unix_timestamp();
//! let mut world = World::new(&Seed::new(Fixtures::dev(WxTime::now()), 7), now)?;
//! let brand = Actor::new(Mode::Brand, dev::BRAND_ID, vec![dev::BRAND_ID.into()], vec![], false);
//! let send = SendUserProductCouponRequest::new(
//!     "o1", dev::PRODUCT_COUPON_ID, dev::STOCK_WECHATPAY, dev::APPID, "REQ1",
//! );
//! let sent = world.apply(&brand, send, now, false).result?;
//! assert_eq!(sent.coupon_state.as_str(), "CONFIRMING");
//! let copy = World::from_snapshot(&world.snapshot()?)?;
//! assert_eq!(copy.coupon_count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod actor;
mod apply;
mod catalog;
mod change;
mod cx;
mod digest;
mod error;
mod event;
pub mod fixtures;
mod json;
mod ledger;
mod lookup;
mod media;
mod notify;
mod ops;
mod outbox;
mod pre_sends;
mod requests;
mod rules;
mod snapshot;
mod views;
mod world;

pub use actor::{Actor, ActorKey};
pub use apply::Applied;
pub use change::{Change, ReplayError};
pub use cx::Cx;
pub use digest::digest16;
pub use error::ErrorAnswer;
pub use event::Event;
pub use fixtures::Fixtures;
pub use media::Image;
pub use ops::admin::{AdminAction, AdminDone, AdminError, MAX_CODES_PER_ACTION};
pub use ops::{Conflict, Done, Handle};
pub use outbox::{Callback, DeliveryState};
pub use requests::Record;
pub use snapshot::{FORMAT as SNAPSHOT_FORMAT, SnapshotError};
pub use views::{CouponFilter, CouponRow, ImageTaskRow, LedgerCounts};
pub use world::{BUSINESS_TIME_RANGE, Emitted, Seed, SeedError, World};
