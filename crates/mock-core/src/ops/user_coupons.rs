//! User coupons: send (E20), confirm (E22), get (E26).

use wxpay_models::Endpoint;
use wxpay_models::user_coupon::{
    ConfirmSendUserProductCouponRequest, DeactivateUserProductCouponRequest,
    GetUserProductCouponRequest, ReturnUserProductCouponRequest, SendUserProductCouponRequest,
    UseUserProductCouponRequest, UserProductCouponEntity,
};

use crate::event::Event;
use crate::rules::ConfirmInput;
use wxpay_models::BizCode;

use crate::cx::Cx;
use crate::digest::digest16;
use crate::error::ErrorAnswer;
use crate::ops::{Done, Handle};
use crate::requests::Record;
use crate::rules::{SendInput, Sent};
use crate::world::World;

impl Handle for SendUserProductCouponRequest {
    // The ledger keeps (brand, send_request_no) compactly, and the seed document places the
    // injected SYSTEM_ERROR after the limits (docs/emulator.md step 10).
    const OWN_IDEMPOTENCY: bool = true;
    const OWN_FAULTS: bool = true;
    const OWN_BRAND_CHECK: bool = true;
    const SEND: bool = true;

    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let params = digest16(
            &request
                .json_body()
                .map_err(|e| ErrorAnswer::system(e.to_string()))?,
        );
        send(world, cx, &request, params, false)
    }
}

/// Sends (or, for a claimed pre-send, issues through the component) one coupon.
pub(crate) fn send(
    world: &mut World,
    cx: &Cx<'_>,
    request: &SendUserProductCouponRequest,
    params: [u8; 16],
    component: bool,
) -> Result<Done<UserProductCouponEntity>, ErrorAnswer> {
    {
        world.check_creator(cx, request.product_coupon_id())?;
        let input = SendInput {
            cx,
            request,
            params,
            dry_run: false,
            component,
        };
        let ledger = &mut world.ledger;
        let sent = ledger.send(&input)?;
        let Some(coupon) = sent.coupon() else {
            return Err(ErrorAnswer::system("a send issued nothing"));
        };
        let entity = ledger.entity(coupon, cx.now);
        Ok(match sent {
            Sent::New(i) => Done {
                events: vec![Event::Sent {
                    openid: request.openid().to_owned(),
                    appid: request.appid().to_owned(),
                    entity: Box::new(entity.clone()),
                }],
                ..Done::wrote(entity, Record::Coupon(i))
            },
            Sent::Replay(_) | Sent::Checked => Done::read(entity),
        })
    }
}

impl Handle for ConfirmSendUserProductCouponRequest {
    const OWN_IDEMPOTENCY: bool = true;

    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        // The ledger's confirm checks that the coupon is of this product coupon.
        world.check_creator(cx, request.product_coupon_id())?;
        let ledger = &mut world.ledger;
        let (coupon, new) = ledger.confirm(&ConfirmInput {
            cx,
            request: &request,
        })?;
        let entity = ledger.entity(coupon, cx.now);
        Ok(if new {
            Done::wrote(entity, Record::Coupon(coupon))
        } else {
            Done::read(entity)
        })
    }
}

impl Handle for GetUserProductCouponRequest {
    fn handle(
        world: &mut World,
        cx: &Cx<'_>,
        request: Self,
    ) -> Result<Done<Self::Response>, ErrorAnswer> {
        let coupon = addressed(world, cx, &request)?;
        Ok(Done::read(world.ledger.entity(coupon, cx.now)))
    }
}

/// What names one user coupon in get, use, return and deactivate: its user, code, stock and
/// product coupon, and the AppID it was sent under.
pub(crate) struct CouponAddress<'a> {
    openid: &'a str,
    code: &'a str,
    stock_id: &'a str,
    product_coupon_id: &'a str,
    appid: &'a str,
}

/// A request that names one user coupon.
pub(crate) trait Addressed {
    fn address(&self) -> CouponAddress<'_>;
}

macro_rules! addressed_by {
    ($($request:ty),* $(,)?) => {$(
        impl Addressed for $request {
            fn address(&self) -> CouponAddress<'_> {
                CouponAddress {
                    openid: self.openid(),
                    code: self.coupon_code(),
                    stock_id: self.stock_id(),
                    product_coupon_id: self.product_coupon_id(),
                    appid: self.appid(),
                }
            }
        }
    )*};
}

addressed_by!(
    GetUserProductCouponRequest,
    UseUserProductCouponRequest,
    ReturnUserProductCouponRequest,
    DeactivateUserProductCouponRequest,
);

/// The coupon `request` names, sent under the AppID it gives.
pub(crate) fn addressed(
    world: &World,
    cx: &Cx<'_>,
    request: &impl Addressed,
) -> Result<u32, ErrorAnswer> {
    let a = request.address();
    let coupon = find_coupon(world, cx, a.openid, a.code, a.stock_id, a.product_coupon_id)?;
    if world.ledger.appid_of(coupon) != a.appid {
        return Err(ErrorAnswer::rule(
            BizCode::AppidIllegal,
            format!(
                "appid {} is not the AppID coupon {} was sent under",
                a.appid, a.code
            ),
        ));
    }
    Ok(coupon)
}

/// The user coupon `code` of `openid` in `stock_id` of `product_coupon_id`, of the calling
/// brand: what every user-coupon operation addresses.
pub(crate) fn find_coupon(
    world: &World,
    cx: &Cx<'_>,
    openid: &str,
    code: &str,
    stock_id: &str,
    product_coupon_id: &str,
) -> Result<u32, ErrorAnswer> {
    let ledger = &world.ledger;
    ledger
        .stock(stock_id)
        .and_then(|s| ledger.find_code(s, code))
        .filter(|&i| {
            ledger.text(i).openid == openid
                && ledger.brand(i) == cx.brand
                && ledger.product_id_of(i) == product_coupon_id
                && world.visible(ledger.product_of(i), cx)
        })
        .ok_or_else(|| {
            let what = format!(
                "no user coupon {code} of openid {openid} in stock {stock_id} of product coupon {product_coupon_id} for brand {}",
                cx.brand
            );
            ErrorAnswer::user_coupon_not_found(cx.mode, what)
        })
}
