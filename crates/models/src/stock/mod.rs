//! Stocks (批次): the entity and its operations E05–E14.

mod codes;
mod create;
mod entity;
mod list;
mod stores;
mod update;

pub use codes::{
    FailedCouponCode, FailedCouponCodeInfo, UploadCouponCodesRequest, UploadCouponCodesResponse,
};
pub use create::{CreateStockRequest, StockForCreate};
pub use entity::{
    CouponAvailablePeriod, CouponAvailableStoreInfo, CouponCodeCountInfo, CouponDisplayInfo,
    EntranceFinder, EntranceMiniProgram, EntranceOfficialAccount, FailedStoreInfo, FixedWeekPeriod,
    NotifyConfig, PeriodOfTheDay, SequentialUsageRule, SingleUsageRule, StockBundleInfo,
    StockEntity, StockSendRule, StockSentCountInfo, StockUsageRule, StoreInfo, TimePeriod,
    UsageRuleDisplayInfo,
};
pub use list::{DEFAULT_PAGE_SIZE, GetStockRequest, ListStocksRequest, ListStocksResponse};
pub(crate) use stores::store_request;
pub use stores::{
    AssociateStoresRequest, DisassociateStoresRequest, ListAssociatedStoresRequest,
    ListAssociatedStoresResponse, StoreAssociationResult,
};
pub use update::{DeactivateStockRequest, UpdateStockBudgetRequest, UpdateStockRequest};
pub(crate) use update::{budget_request, changes_request, check_budget};
