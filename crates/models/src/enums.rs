//! The string enums of the API. WeChat Pay adds values over time; each enum keeps unknown
//! values in `Unknown(String)` and writes them back unchanged, so parsing never breaks.

/// What every wire enum offers, for generic validation and query parameters.
pub trait WireEnum: for<'a> From<&'a str> {
    /// The wire strings this version knows.
    const NAMES: &'static [&'static str];
    /// Whether the value is one of [`NAMES`](Self::NAMES).
    fn is_known(&self) -> bool;
    /// The string on the wire.
    fn as_wire(&self) -> &str;
}

/// Declares a wire enum: variants with their wire strings, plus `Unknown(String)`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know yet, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// Every value this version knows, in the order of the API document.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire strings of [`KNOWN`](Self::KNOWN).
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            /// Whether this is a value this version knows (not `Unknown`).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// The string on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(other) => other,
                }
            }
        }

        impl $crate::enums::WireEnum for $name {
            const NAMES: &'static [&'static str] = $name::NAMES;
            fn is_known(&self) -> bool {
                $name::is_known(self)
            }
            fn as_wire(&self) -> &str {
                self.as_str()
            }
        }

        /// An empty [`Unknown`](Self::Unknown): what a request's required enum field holds
        /// until it is set; `validate()` reports it as required.
        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok($name::from(text.as_ref()))
            }
        }
    };
}

wire_enum! {
    /// `coupon_state`: where a user's coupon is in its life.
    UserProductCouponState {
        /// Sent, waiting for the brand to confirm (every coupon this endpoint sends starts here).
        Confirming = "CONFIRMING",
        /// Confirmed, valid_begin_time not reached yet.
        Pending = "PENDING",
        /// Usable.
        Effective = "EFFECTIVE",
        /// Redeemed.
        Used = "USED",
        /// Past its validity.
        Expired = "EXPIRED",
        /// Deleted by the user.
        Deleted = "DELETED",
        /// Deactivated by the brand.
        Deactivated = "DEACTIVATED",
    }
}

wire_enum! {
    /// `send_channel`: how a coupon reached the user.
    UserProductCouponSendChannel {
        /// 摇一摇有优惠.
        BrandManage = "BRAND_MANAGE",
        /// This API.
        Api = "API",
        /// The mini-program receive component (领券组件, after a pre-send).
        ReceiveComponent = "RECEIVE_COMPONENT",
        /// 名片优惠 (YAML only).
        MerchantCard = "MERCHANT_CARD",
        /// 会员优惠 (YAML and the SEND callback).
        Member = "MEMBER",
        /// 小活动 (YAML only).
        SmallActivity = "SMALL_ACTIVITY",
    }
}

wire_enum! {
    /// `coupon_tag_list` entries.
    UserProductCouponTag {
        /// A member coupon; needs `member_tag_info`.
        Member = "MEMBER",
    }
}

wire_enum! {
    /// `scope` of a product coupon.
    ProductCouponScope {
        /// Whole order.
        All = "ALL",
        /// A single product.
        Single = "SINGLE",
        /// A product category (品类券): NORMAL or DISCOUNT only.
        Category = "CATEGORY",
    }
}

wire_enum! {
    /// `type` of a product coupon.
    ProductCouponType {
        /// Amount off.
        Normal = "NORMAL",
        /// Percent off.
        Discount = "DISCOUNT",
        /// Exchange for a product at a price.
        Exchange = "EXCHANGE",
    }
}

wire_enum! {
    /// `usage_mode` of a product coupon.
    UsageMode {
        /// One use per coupon.
        Single = "SINGLE",
        /// A bundle used progressively; cannot be sent with this endpoint.
        ProgressiveBundle = "PROGRESSIVE_BUNDLE",
        /// Deprecated: the older multi-use generation that PROGRESSIVE_BUNDLE replaced; still in
        /// the YAML of create and the user-coupon operations.
        Sequential = "SEQUENTIAL",
    }
}

wire_enum! {
    /// `state` of a product coupon.
    ProductCouponState {
        /// Under review.
        Auditing = "AUDITING",
        /// Active.
        Effective = "EFFECTIVE",
        /// Deactivated.
        Deactivated = "DEACTIVATED",
    }
}

wire_enum! {
    /// `coupon_code_mode` of a stock: who assigns coupon codes.
    CouponCodeMode {
        /// WeChat Pay generates codes.
        Wechatpay = "WECHATPAY",
        /// Codes the brand uploaded beforehand are handed out.
        Upload = "UPLOAD",
        /// The brand passes `coupon_code` with each send.
        ApiAssign = "API_ASSIGN",
    }
}

wire_enum! {
    /// `coupon_usage_method_list` entries.
    CouponUsageMethod {
        /// In store.
        Offline = "OFFLINE",
        /// In a mini program.
        MiniProgram = "MINI_PROGRAM",
        /// In an app.
        App = "APP",
        /// With the payment code.
        PaymentCode = "PAYMENT_CODE",
    }
}

wire_enum! {
    /// `code_display_mode`: how the code shows in the user's wallet.
    CouponCodeDisplayMode {
        /// Not shown.
        Invisible = "INVISIBLE",
        /// As a barcode.
        Barcode = "BARCODE",
        /// As a QR code.
        Qrcode = "QRCODE",
    }
}

wire_enum! {
    /// `store_scope` of a stock.
    StockStoreScope {
        /// No store.
        None = "NONE",
        /// Every store of the brand.
        All = "ALL",
        /// Listed stores.
        Specific = "SPECIFIC",
    }
}

wire_enum! {
    /// `state` of a stock.
    StockState {
        /// Under review.
        Auditing = "AUDITING",
        /// Coupons can be sent.
        Sending = "SENDING",
        /// Sending paused.
        Paused = "PAUSED",
        /// Sending stopped.
        Stopped = "STOPPED",
        /// Deactivated.
        Deactivated = "DEACTIVATED",
    }
}

wire_enum! {
    /// `day_list` entries of a weekly availability period.
    Weekday {
        /// Monday.
        Monday = "MONDAY",
        /// Tuesday.
        Tuesday = "TUESDAY",
        /// Wednesday.
        Wednesday = "WEDNESDAY",
        /// Thursday.
        Thursday = "THURSDAY",
        /// Friday.
        Friday = "FRIDAY",
        /// Saturday.
        Saturday = "SATURDAY",
        /// Sunday.
        Sunday = "SUNDAY",
    }
}

wire_enum! {
    /// `update_mode` of a budget update: which cap changes.
    UpdateMode {
        /// The total cap (`current_max_count` → `target_max_count`).
        MaxCount = "MAX_COUNT",
        /// The daily cap (`current_max_count_per_day` → `target_max_count_per_day`).
        MaxCountPerDay = "MAX_COUNT_PER_DAY",
    }
}

wire_enum! {
    /// `image_generation_type` of an image generation task.
    ImageGenerationType {
        /// A head image made of brand elements and the offer text (全场类头图).
        CombineImage = "COMBINE_IMAGE",
        /// A product picture with its background removed (单品类抠图).
        CutOut = "CUT_OUT",
    }
}

wire_enum! {
    /// `task_state` of an image generation task.
    TaskState {
        /// Still running.
        Processing = "PROCESSING",
        /// Failed.
        Fail = "FAIL",
        /// Done; the result has the image URL.
        Success = "SUCCESS",
    }
}

wire_enum! {
    /// `app_jump_type` of `usage_rule_display_info`: how `app_path` opens the app.
    AppJumpType {
        /// An H5 page.
        H5 = "H5",
        /// A passcode link (`passcode_link`).
        PasscodeLink = "PASSCODE_LINK",
        /// A usage guide.
        UsageGuide = "USAGE_GUIDE",
    }
}

wire_enum! {
    /// `coupon_display_info.background_color`: one of ten named colours (default Color020).
    BackgroundColor {
        /// Colour 010.
        Color010 = "Color010",
        /// Colour 020, the default.
        Color020 = "Color020",
        /// Colour 030.
        Color030 = "Color030",
        /// Colour 040.
        Color040 = "Color040",
        /// Colour 050.
        Color050 = "Color050",
        /// Colour 060.
        Color060 = "Color060",
        /// Colour 070.
        Color070 = "Color070",
        /// Colour 080.
        Color080 = "Color080",
        /// Colour 090.
        Color090 = "Color090",
        /// Colour 100.
        Color100 = "Color100",
    }
}

wire_enum! {
    /// Deprecated `sequential_usage_info.type` (SEQUENTIAL generation).
    SequentialUsageType {
        /// Each round's discount grows.
        Incremental = "INCREMENTAL",
        /// Every round gives the same discount.
        Equal = "EQUAL",
    }
}

wire_enum! {
    /// Deprecated `detail_item_list[].detail_state`: one round of a SEQUENTIAL coupon.
    DetailState {
        /// Not valid yet.
        Pending = "PENDING",
        /// Usable.
        Effective = "EFFECTIVE",
        /// Used.
        Used = "USED",
        /// Expired.
        Expired = "EXPIRED",
        /// Deleted by the user.
        Deleted = "DELETED",
        /// Deactivated.
        Deactivated = "DEACTIVATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_and_unknown_ones_survive() {
        for state in UserProductCouponState::KNOWN {
            let json = serde_json::to_string(state).unwrap_or_default();
            assert_eq!(
                serde_json::from_str::<UserProductCouponState>(&json)
                    .ok()
                    .as_ref(),
                Some(state)
            );
        }
        let later: StockState = serde_json::from_str("\"ARCHIVED\"").unwrap_or(StockState::Sending);
        assert_eq!(later, StockState::Unknown("ARCHIVED".into()));
        assert_eq!(
            serde_json::to_string(&later).ok().as_deref(),
            Some("\"ARCHIVED\"")
        );
    }
}
