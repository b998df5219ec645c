//! The accessors every request type has beside its `new` (docs/client.md, "Building
//! requests"): a getter and a `_mut` accessor per required field (the fields are private, so
//! a request without them does not compile) and a builder-style `with_*` setter per optional
//! field (public `Option` fields).

/// Implements, for `$req`:
/// - `get`: the getter and `_mut` accessor of each required field; `name / name_mut: Type =>
///   View` returns `&View` (`String => str`, for instance), without `=> View` `&Type`;
/// - `get_opt`: the same for a required field kept as an `Option` so that a decoded request
///   can lack it (its getter returns `Option<&Type>`);
/// - `with`: the setter of each optional field; `with_name => name: Type` sets `name:
///   Option<Type>` from any `impl Into<Type>`;
/// - `blank()`, private: every field empty, what [`crate::server::Decode::empty`] answers.
///
/// Together the lists name every field, so `blank` does not compile if one is left out.
macro_rules! accessors {
    (
        $req:ty,
        get: [$($field:ident / $field_mut:ident: $t:ty $(=> $view:ty)?),* $(,)?],
        $(get_opt: [$($ofield:ident / $ofield_mut:ident: $ot:ty),* $(,)?],)?
        with: [$($setter:ident => $opt:ident: $wt:ty),* $(,)?] $(,)?
    ) => {
        impl $req {
            $(
                #[doc = concat!("The required `", stringify!($field), "` (set by [`new`](Self::new)).")]
                pub fn $field(&self) -> &accessors!(@view $t $(, $view)?) {
                    &self.$field
                }

                #[doc = concat!("The required `", stringify!($field), "`, to change it in place.")]
                pub fn $field_mut(&mut self) -> &mut $t {
                    &mut self.$field
                }
            )*
            $($(
                #[doc = concat!(
                    "The required `", stringify!($ofield), "` (set by [`new`](Self::new); `None` ",
                    "only in a decoded request that lacks it, which does not validate)."
                )]
                pub fn $ofield(&self) -> Option<&$ot> {
                    self.$ofield.as_ref()
                }

                #[doc = concat!("The required `", stringify!($ofield), "`, to change it in place.")]
                pub fn $ofield_mut(&mut self) -> &mut Option<$ot> {
                    &mut self.$ofield
                }
            )*)?
            $(
                #[doc = concat!("Sets the optional `", stringify!($opt), "`.")]
                #[must_use]
                pub fn $setter(mut self, value: impl Into<$wt>) -> Self {
                    self.$opt = Some(value.into());
                    self
                }
            )*

            /// Every field empty: the value a decoder starts from.
            fn blank() -> Self {
                Self {
                    $($field: Default::default(),)*
                    $($($ofield: None,)*)?
                    $($opt: None,)*
                }
            }
        }
    };
    (@view $t:ty) => { $t };
    (@view $t:ty, $view:ty) => { $view };
}
