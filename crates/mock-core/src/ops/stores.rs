//! Stores of SPECIFIC stocks: associate (E12), disassociate (E13), list (E14), and the same
//! for every stock of a stock bundle (E18, E19). `World::stores` is what a use checks.

use wxpay_models::stock::{
    AssociateStoresRequest, DisassociateStoresRequest, ListAssociatedStoresRequest,
    ListAssociatedStoresResponse,
};
use wxpay_models::stock_bundle::{
    AssociateStoresForStockBundleRequest, DisassociateStoresForStockBundleRequest,
};
use wxpay_models::{FailedStoreInfo, StockStoreScope, StoreAssociationResult, StoreInfo};

use crate::catalog::{MANAGEABLE, page, refuse_bundle_stock, require_stock_state};
use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::ops::{Done, Handle};
use crate::world::World;

/// Refuses unless every stock of `stocks` is SPECIFIC (268578813) and still manageable.
fn check_specific(world: &World, cx: &Cx<'_>, stocks: &[u32], op: &str) -> Result<(), ErrorAnswer> {
    for &s in stocks {
        let stock = &world.ledger.stocks[s as usize].entity;
        if stock.store_scope != StockStoreScope::Specific {
            return Err(ErrorAnswer::rule(
                BizCode::AllStores,
                format!(
                    "当前券批次全部门店可用: stock {} has store_scope {}; {op} needs store_scope SPECIFIC (change it with UpdateStock / UpdateStockBundle first)",
                    stock.stock_id, stock.store_scope
                ),
            ));
        }
        require_stock_state(&world.ledger, s, cx.now, op, &MANAGEABLE)?;
    }
    Ok(())
}

/// Adds (or removes) each distinct store of `stores` to (from) every stock of `stocks`. A
/// store fails when there is nothing to do: already associated with every stock, or (when
/// removing) with none.
fn change(
    world: &mut World,
    stocks: &[u32],
    stores: &[StoreInfo],
    add: bool,
) -> StoreAssociationResult {
    let mut distinct: Vec<&str> = Vec::with_capacity(stores.len());
    for store in stores {
        if !distinct.contains(&store.store_id.as_str()) {
            distinct.push(&store.store_id);
        }
    }
    let mut success = Vec::new();
    let mut failed = Vec::new();
    for store in &distinct {
        let has = |s: &u32| world.stores.get(s).is_some_and(|set| set.contains(*store));
        let nothing_to_do = if add {
            stocks.iter().all(has)
        } else {
            !stocks.iter().any(has)
        };
        if nothing_to_do {
            let (code, message) = if add {
                ("ALREADY_EXISTS", "is already associated")
            } else {
                ("NOT_FOUND", "is not associated")
            };
            failed.push(FailedStoreInfo {
                store_id: (*store).to_owned(),
                code: code.into(),
                message: format!("store {store} {message}; nothing changed"),
            });
            continue;
        }
        for &s in stocks {
            let set = world.stores.entry(s).or_default();
            if add {
                set.insert((*store).to_owned());
            } else {
                set.remove(*store);
            }
        }
        success.push(StoreInfo {
            store_id: (*store).to_owned(),
        });
    }
    StoreAssociationResult {
        total_count: i64::try_from(distinct.len()).unwrap_or(i64::MAX),
        success_store_list: Some(success),
        failed_store_list: Some(failed),
    }
}

/// A store change of one stock (E12, E13).
fn stock_change(
    world: &mut World,
    cx: &Cx<'_>,
    (product_id, stock_id): (&str, &str),
    stores: &[StoreInfo],
    add: bool,
) -> Result<Done<StoreAssociationResult>, ErrorAnswer> {
    let (op, bundle_op) = if add {
        ("AssociateStores", "AssociateStoresForStockBundle")
    } else {
        ("DisassociateStores", "DisassociateStoresForStockBundle")
    };
    let (_, s) = world.find_stock(cx, product_id, stock_id)?;
    refuse_bundle_stock(&world.ledger, s, bundle_op)?;
    check_specific(world, cx, &[s], op)?;
    let result = change(world, &[s], stores, add);
    Ok(changed(result))
}

/// A store change of every stock of a bundle (E18, E19).
fn bundle_change(
    world: &mut World,
    cx: &Cx<'_>,
    (product_id, bundle_id): (&str, &str),
    stores: &[StoreInfo],
    add: bool,
) -> Result<Done<StoreAssociationResult>, ErrorAnswer> {
    let op = if add {
        "AssociateStoresForStockBundle"
    } else {
        "DisassociateStoresForStockBundle"
    };
    let (_, b) = world.find_bundle(cx, product_id, bundle_id)?;
    let stocks = world.catalog.bundles[b as usize].stocks.clone();
    check_specific(world, cx, &stocks, op)?;
    let result = change(world, &stocks, stores, add);
    Ok(changed(result))
}

/// Not keyed: nothing to replay, but the world changed.
fn changed(result: StoreAssociationResult) -> Done<StoreAssociationResult> {
    Done {
        new: true,
        ..Done::read(result)
    }
}

impl Handle for AssociateStoresRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        stock_change(
            world,
            cx,
            (r.product_coupon_id(), r.stock_id()),
            r.store_list(),
            true,
        )
    }
}

impl Handle for DisassociateStoresRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        stock_change(
            world,
            cx,
            (r.product_coupon_id(), r.stock_id()),
            r.store_list(),
            false,
        )
    }
}

impl Handle for AssociateStoresForStockBundleRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        bundle_change(
            world,
            cx,
            (r.product_coupon_id(), r.stock_bundle_id()),
            r.store_list(),
            true,
        )
    }
}

impl Handle for DisassociateStoresForStockBundleRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        bundle_change(
            world,
            cx,
            (r.product_coupon_id(), r.stock_bundle_id()),
            r.store_list(),
            false,
        )
    }
}

impl Handle for ListAssociatedStoresRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let (_, s) = world.find_stock(cx, r.product_coupon_id(), r.stock_id())?;
        check_specific(world, cx, &[s], "ListAssociatedStores")?;
        let all: Vec<String> = world
            .stores
            .get(&s)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
        let (stores, next) = page(all, r.page_size, r.page_token.as_deref(), Clone::clone)?;
        Ok(Done::read(ListAssociatedStoresResponse {
            total_count: Some(total),
            next_page_token: next,
            store_list: Some(
                stores
                    .into_iter()
                    .map(|store_id| StoreInfo { store_id })
                    .collect(),
            ),
        }))
    }
}
