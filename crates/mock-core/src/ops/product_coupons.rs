//! Product coupons: create (E01), query (E02), update (E03), deactivate (E04).

use wxpay_models::product_coupon::{
    CreateProductCouponRequest, CreateProductCouponResponse, DeactivateProductCouponRequest,
    QueryProductCouponRequest, UpdateProductCouponRequest,
};
use wxpay_models::{
    ErrorRow, ProductCouponEntity, ProductCouponState, StockState, UsageMode, ValidationError,
};

use crate::catalog::{
    First, check_notify_appid, is_final, replay_hidden, require_effective, stock_state, wx_time,
};
use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::ops::stock_bundles::{add_bundle, non_decreasing_answer};
use crate::ops::stocks::add_stock;
use crate::ops::{Conflict, Done, Handle};
use crate::requests::Record;
use crate::world::World;

impl Handle for CreateProductCouponRequest {
    const CONFLICT: Conflict = Conflict::Create;

    fn invalid(e: &ValidationError) -> ErrorAnswer {
        non_decreasing_answer(e)
    }

    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        if *r.usage_mode() == UsageMode::Sequential {
            return Err(ErrorAnswer::new(
                ErrorRow::BusinessRule,
                "usage_mode SEQUENTIAL is the deprecated generation, which the emulator does not serve; create a PROGRESSIVE_BUNDLE product coupon with stock_bundle instead",
            ));
        }
        let appid = r.stock.as_ref().map(|s| ("stock", &s.notify_config)).or(r
            .stock_bundle
            .as_ref()
            .map(|b| ("stock_bundle", &b.notify_config)));
        if let Some((at, notify)) = appid {
            let field = format!("{at}.notify_config.notify_appid");
            check_notify_appid(cx, &field, notify.notify_appid.as_deref())?;
        }
        let id = world.catalog.product_id(&world.ledger);
        let display_info = r.display_info().clone();
        let added = world.ledger.add_product(ProductCouponEntity {
            product_coupon_id: id.clone(),
            scope: r.scope().clone(),
            coupon_type: r.coupon_type().clone(),
            usage_mode: r.usage_mode().clone(),
            single_usage_info: r.single_usage_info,
            progressive_bundle_usage_info: r.progressive_bundle_usage_info,
            sequential_usage_info: None,
            display_info,
            out_product_no: r.out_product_no,
            // No review is emulated: a new product coupon is EFFECTIVE at once.
            state: ProductCouponState::Effective,
            deactivate_request_no: None,
            deactivate_time: None,
            deactivate_reason: None,
            brand_id: cx.brand.to_owned(),
        });
        let p = match world.ledger.product(&id) {
            Some(p) if added => p,
            _ => {
                return Err(ErrorAnswer::system(format!(
                    "product coupon id {id} is taken"
                )));
            }
        };
        world.catalog.set_creator(p, cx);
        // The model's validation has checked the first stock or bundle against the product
        // coupon (rule placement, one rule per round), so creating it cannot fail.
        let first = match (&r.stock, &r.stock_bundle) {
            (Some(stock), _) => First::Stock(add_stock(world, cx, p, stock)?),
            (None, Some(bundle)) => First::Bundle(add_bundle(world, cx, p, bundle)?),
            (None, None) => return Err(ErrorAnswer::system("neither stock nor stock_bundle")),
        };
        world.catalog.created_with.insert(p, first);
        Ok(Done::wrote(created(world, cx, p), Record::Product(p)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        match record {
            Record::Product(p) if world.visible(*p, cx) => Ok(created(world, cx, *p)),
            _ => Err(replay_hidden()),
        }
    }
}

/// E01's answer for product coupon `p` now: it and what was created with it.
fn created(world: &World, cx: &Cx<'_>, p: u32) -> CreateProductCouponResponse {
    let first = world.catalog.created_with.get(&p).copied();
    CreateProductCouponResponse {
        product_coupon: world.product_view(p, cx),
        stock: match first {
            Some(First::Stock(s)) => Some(world.stock_view(s, cx)),
            _ => None,
        },
        stock_bundle: match first {
            Some(First::Bundle(b)) => Some(world.bundle_view(b, cx)),
            _ => None,
        },
    }
}

impl Handle for QueryProductCouponRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let p = world.find_product(cx, r.product_coupon_id())?;
        Ok(Done::read(world.product_view(p, cx)))
    }
}

impl Handle for UpdateProductCouponRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let p = world.find_product(cx, r.product_coupon_id())?;
        require_effective(&world.ledger, p, "UpdateProductCoupon")?;
        world.ledger.products[p as usize].display_info = r.display_info().clone();
        Ok(Done::wrote(world.product_view(p, cx), Record::Product(p)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        product_replay(world, cx, record)
    }
}

impl Handle for DeactivateProductCouponRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        r: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let p = world.find_product(cx, r.product_coupon_id())?;
        require_effective(&world.ledger, p, "DeactivateProductCoupon")?;
        let when = wx_time(cx.now);
        let product = &mut world.ledger.products[p as usize];
        product.state = ProductCouponState::Deactivated;
        product.deactivate_request_no = Some(r.out_request_no().to_owned());
        product.deactivate_time = Some(when);
        product.deactivate_reason = Some(r.deactivate_reason().to_owned());
        // Every stock that is not final yet goes with it; sent coupons stay as they are.
        let stocks: Vec<u32> = world
            .stocks_of(p)
            .filter(|&s| !is_final(&stock_state(&world.ledger, s, cx.now)))
            .collect();
        for s in stocks {
            let stock = &mut world.ledger.stocks[s as usize].entity;
            stock.state = StockState::Deactivated;
            stock.deactivate_request_no = Some(r.out_request_no().to_owned());
            stock.deactivate_time = Some(when);
            stock.deactivate_reason = Some(r.deactivate_reason().to_owned());
        }
        Ok(Done::wrote(world.product_view(p, cx), Record::Product(p)))
    }

    fn replay(world: &World, cx: &Cx<'_>, record: &Record) -> Result<Self::Response, ErrorAnswer> {
        product_replay(world, cx, record)
    }
}

fn product_replay(
    world: &World,
    cx: &Cx<'_>,
    record: &Record,
) -> Result<ProductCouponEntity, ErrorAnswer> {
    match record {
        Record::Product(p) if world.visible(*p, cx) => Ok(world.product_view(*p, cx)),
        _ => Err(replay_hidden()),
    }
}
