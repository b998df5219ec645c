//! Stock bundles (批次组) of PROGRESSIVE_BUNDLE product coupons: the entity and the
//! operations E15–E19.

mod create;
mod entity;
mod stores;
mod update;

pub use create::CreateStockBundleRequest;
pub(crate) use entity::{BundleShape, ROUNDS};
pub use entity::{StockBundleEntity, StockBundleForCreate, StockBundleUsageRule};
pub use stores::{AssociateStoresForStockBundleRequest, DisassociateStoresForStockBundleRequest};
pub use update::{UpdateStockBundleBudgetRequest, UpdateStockBundleRequest};
