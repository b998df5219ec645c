//! Lookups through the whole world that every ID-addressed operation shares: a product
//! coupon, stock or stock bundle as the caller may see it, and the views of them.

use wxpay_models::{ErrorRow, Mode, ProductCouponEntity, StockEntity};

use crate::catalog::{MAX_EFFECTIVE_STOCKS, beijing_day, is_final, stock_state};
use crate::cx::Cx;
use crate::error::ErrorAnswer;
use crate::world::World;

impl World {
    /// The product coupon `id` as `cx` may see it, or 404 NOT_FOUND (268578608).
    pub(crate) fn find_product(&self, cx: &Cx<'_>, id: &str) -> Result<u32, ErrorAnswer> {
        self.ledger
            .product(id)
            .filter(|&p| self.visible(p, cx))
            .ok_or_else(|| {
                ErrorAnswer::not_found(format!(
                    "product coupon {id} does not exist, is not brand {}'s{}; check product_coupon_id",
                    cx.brand,
                    match cx.mode {
                        Mode::Brand => "",
                        _ => " or was created by another service provider",
                    }
                ))
            })
    }

    /// 404 NOT_FOUND (268578608) when product coupon `id` is the caller's brand's but was
    /// created by another service provider ("属于当前品牌且由当前服务商创建" holds for every
    /// ID-addressed operation, sends included). An unknown id or another brand's is left to
    /// the operation's own checks, which say so in their words.
    pub(crate) fn check_creator(&self, cx: &Cx<'_>, id: &str) -> Result<(), ErrorAnswer> {
        match self.ledger.product(id) {
            Some(p)
                if self.ledger.products[p as usize].brand_id == cx.brand
                    && !self.visible(p, cx) =>
            {
                self.find_product(cx, id).map(|_| ())
            }
            _ => Ok(()),
        }
    }

    /// Whether `cx` may see product coupon `p`.
    pub(crate) fn visible(&self, p: u32, cx: &Cx<'_>) -> bool {
        let brand = &self.ledger.products[p as usize].brand_id;
        self.catalog.visible(p, brand, cx)
    }

    /// Stock `stock_id` of product coupon `product_id`, as (product, stock), or 404.
    pub(crate) fn find_stock(
        &self,
        cx: &Cx<'_>,
        product_id: &str,
        stock_id: &str,
    ) -> Result<(u32, u32), ErrorAnswer> {
        let p = self.find_product(cx, product_id)?;
        let s = self
            .ledger
            .stock(stock_id)
            .filter(|&s| self.ledger.stocks[s as usize].product == p)
            .ok_or_else(|| {
                ErrorAnswer::not_found(format!(
                    "stock {stock_id} does not exist in product coupon {product_id}; check stock_id (ListStocks lists them)"
                ))
            })?;
        Ok((p, s))
    }

    /// Stock bundle `bundle_id` of product coupon `product_id`, as (product, bundle), or 404.
    pub(crate) fn find_bundle(
        &self,
        cx: &Cx<'_>,
        product_id: &str,
        bundle_id: &str,
    ) -> Result<(u32, u32), ErrorAnswer> {
        let p = self.find_product(cx, product_id)?;
        let b = self
            .catalog
            .bundle(bundle_id)
            .filter(|&b| self.catalog.bundles[b as usize].product == p)
            .ok_or_else(|| {
                ErrorAnswer::not_found(format!(
                    "stock bundle {bundle_id} does not exist in product coupon {product_id}; check stock_bundle_id"
                ))
            })?;
        Ok((p, b))
    }

    /// The product coupon as `cx`'s mode shows it.
    pub(crate) fn product_view(&self, p: u32, cx: &Cx<'_>) -> ProductCouponEntity {
        let mut product = self.ledger.products[p as usize].clone();
        if cx.mode == Mode::Brand {
            product.brand_id.clear();
        }
        product
    }

    /// The stock as `cx`'s mode shows it at `cx.now`: live counters, STOPPED once its
    /// availability window is over.
    pub(crate) fn stock_view(&self, s: u32, cx: &Cx<'_>) -> StockEntity {
        let mut stock = self.ledger.stock_entity(s, beijing_day(cx.now));
        stock.state = stock_state(&self.ledger, s, cx.now);
        if cx.mode == Mode::Brand {
            stock.brand_id.clear();
        }
        stock
    }

    /// Stocks of product coupon `p`, in creation order.
    pub(crate) fn stocks_of(&self, p: u32) -> impl Iterator<Item = u32> + '_ {
        self.ledger
            .stocks
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.product == p)
            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
    }

    /// Refuses when product coupon `p` already has `adding` too many effective stocks.
    pub(crate) fn check_stock_room(
        &self,
        p: u32,
        adding: usize,
        now: i64,
    ) -> Result<(), ErrorAnswer> {
        let effective = self
            .stocks_of(p)
            .filter(|&s| !is_final(&stock_state(&self.ledger, s, now)))
            .count();
        if effective + adding > MAX_EFFECTIVE_STOCKS {
            return Err(ErrorAnswer::new(
                ErrorRow::BusinessRule,
                format!(
                    "product coupon {} has {effective} effective stocks; at most {MAX_EFFECTIVE_STOCKS} may be effective (deactivate some first)",
                    self.ledger.products[p as usize].product_coupon_id
                ),
            ));
        }
        Ok(())
    }
}
