//! [`BizCode`]: the numeric business code that ends an error answer's `Request-ID`
//! (`…-268578608`), which Tencent's troubleshooting guides tell integrators to read: it tells
//! apart errors that share an HTTP status and `code` (an expired coupon and one in the wrong
//! state are both 400 INVALID_REQUEST).

use std::fmt;

macro_rules! biz_codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $text:literal;)*) => {
        /// A documented business code, or [`BizCode::Unknown`] for any other number, so that a
        /// code WeChat Pay adds later still parses.
        ///
        /// ```
        /// use wxpay_models::BizCode;
        /// let code = BizCode::from_request_id("08F7A1B2C3D4E5F60718293A4B5C-268578776");
        /// assert_eq!(code, Some(BizCode::CouponExpired));
        /// assert_eq!(BizCode::CouponExpired.value(), 268_578_776);
        /// assert_eq!(BizCode::from(268_578_367), BizCode::CouponState);
        /// assert_eq!(BizCode::from(123), BizCode::Unknown(123));
        /// assert_eq!(BizCode::from_request_id("08F7A1B2C3D4E5F60718293A4B5C"), None);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum BizCode {
            $($(#[$doc])* $name,)*
            /// A number this version does not document.
            Unknown(u32),
        }

        impl BizCode {
            /// Every documented code.
            pub const ALL: &'static [BizCode] = &[$(BizCode::$name),*];

            /// The number.
            pub const fn value(self) -> u32 {
                match self {
                    $(BizCode::$name => $value,)*
                    BizCode::Unknown(n) => n,
                }
            }

            /// What the fact sheet says it means (Chinese, as the guides word it); empty for
            /// an unknown code.
            pub const fn description(self) -> &'static str {
                match self {
                    $(BizCode::$name => $text,)*
                    BizCode::Unknown(_) => "",
                }
            }
        }

        impl From<u32> for BizCode {
            fn from(n: u32) -> Self {
                match n {
                    $($value => BizCode::$name,)*
                    other => BizCode::Unknown(other),
                }
            }
        }
    };
}

biz_codes! {
    /// 参数非法: a parameter breaks its format.
    ParamIllegal = 268_435_461, "参数非法";
    /// 参数过长.
    ParamTooLong = 268_435_462, "参数过长";
    /// 参数过短.
    ParamTooShort = 268_435_463, "参数过短";
    /// 参数超出取值范围.
    OutOfRange = 268_435_464, "参数超出取值范围";
    /// 入参不合法: invalid JSON, missing field, wrong nesting.
    InvalidInput = 268_578_101, "入参不合法";
    /// 参数错误 (count 3–15, validity window …), see the message.
    ParamRule = 268_578_224, "参数错误";
    /// 当前访问对象不存在: unknown id, another brand's, or created by another provider.
    NotFound = 268_578_608, "当前访问对象不存在";
    /// 用户券不存在 (brand mode's code for an unknown user coupon).
    UserCouponNotFound = 268_578_851, "用户券不存在";
    /// 用户券状态非法.
    CouponState = 268_578_367, "用户券状态非法";
    /// 用户券已过期.
    CouponExpired = 268_578_776, "用户券已过期";
    /// 券已过期，不可再操作 (brand mode).
    ExpiredFinal = 272_756_790, "券已过期，不可再操作";
    /// 券已被删除.
    CouponDeleted = 272_756_769, "券已被删除";
    /// 券已被其他订单核销.
    UsedByOtherOrder = 272_756_745, "券已被其他订单核销";
    /// 券已被其他订单锁定.
    LockedByOtherOrder = 272_756_746, "券已被其他订单锁定";
    /// 券不在使用有效期 (absolute validity).
    OutsideValidity = 272_755_715, "券不在使用有效期";
    /// 券不在使用有效期 (weekly / irregular periods).
    OutsidePeriod = 272_755_717, "券不在可用时间段";
    /// 批次状态不是发放中.
    StockNotSending = 268_577_984, "批次状态不是发放中";
    /// 用户领取券张数已达上限.
    UserLimit = 272_756_740, "用户领取券张数已达上限";
    /// 发券请求重入但单号不一致.
    SendReentry = 272_755_200, "发券请求重入但单号不一致";
    /// 使用了相同单号，但与上次请求的数据不一致.
    SameNoOtherData = 268_578_927, "使用了相同单号，但与上次请求的数据不一致";
    /// 传入的 AppID 非法.
    AppidIllegal = 268_578_704, "传入的AppID非法";
    /// 解析 OpenID 错误 (partner mode).
    OpenidPartner = 268_578_526, "解析OpenID错误";
    /// 解析 OpenID 错误 (brand mode).
    OpenidBrand = 268_578_532, "解析OpenID错误";
    /// 缺少必传的图片 (brand mode).
    ImageMissing = 268_578_404, "缺少必传的图片";
    /// 核销门店非法.
    StoreIllegal = 268_584_404, "核销门店非法";
    /// 当前券批次全部门店可用.
    AllStores = 268_578_813, "当前券批次全部门店可用";
    /// 服务商没有此接口权限 (the brand has not granted the product).
    NoAuth = 268_579_803, "服务商没有此接口权限";
    /// 频率过快.
    TooFrequent = 270_924_289, "频率过快";
    /// 非递减优惠: each round at least as strong as the previous.
    NonDecreasing = 268_586_067, "优惠力度需非递减";
    /// 图片超过指定大小.
    ImageTooLarge = 270_087_680, "图片超过指定大小";
}

impl BizCode {
    /// The code that ends a `Request-ID` (`…-268578608`), if it has one.
    pub fn from_request_id(request_id: &str) -> Option<Self> {
        let (_, tail) = request_id.rsplit_once('-')?;
        if tail.is_empty() || !tail.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        tail.parse::<u32>().ok().map(Self::from)
    }

    /// Whether this version documents the code.
    pub const fn is_known(self) -> bool {
        !matches!(self, BizCode::Unknown(_))
    }
}

impl fmt::Display for BizCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_round_trips_through_its_number() {
        for &code in BizCode::ALL {
            assert_eq!(BizCode::from(code.value()), code);
            assert!(code.is_known());
            assert!(!code.description().is_empty());
        }
        let mut values: Vec<u32> = BizCode::ALL.iter().map(|c| c.value()).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), BizCode::ALL.len(), "a number is listed twice");
    }

    #[test]
    fn request_ids_without_a_numeric_tail_have_no_code() {
        for id in ["", "ABC", "ABC-", "ABC-12x", "ABC-99999999999"] {
            assert_eq!(BizCode::from_request_id(id), None, "{id}");
        }
        assert_eq!(
            BizCode::from_request_id("A-B-270924289"),
            Some(BizCode::TooFrequent)
        );
    }
}
