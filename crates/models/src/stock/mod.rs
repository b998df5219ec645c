//! Stocks (批次): the entity and its operations E05–E14.

mod entity;

pub use entity::{
    CouponAvailablePeriod, CouponAvailableStoreInfo, CouponCodeCountInfo, CouponDisplayInfo,
    EntranceFinder, EntranceMiniProgram, EntranceOfficialAccount, FixedWeekPeriod, NotifyConfig,
    PeriodOfTheDay, SingleUsageRule, StockEntity, StockSendRule, StockSentCountInfo, TimePeriod,
    UsageRuleDisplayInfo,
};
