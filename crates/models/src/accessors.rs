//! The accessors every request type has beside its `new` (docs/client.md, "Building
//! requests"): a getter and a `_mut` accessor per required field (the fields are private, so
//! a request without them does not compile) and a builder-style `with_*` setter per optional
//! field (public `Option` fields).

/// Implements, for `$req`, the getter and `_mut` accessor of each required field
/// (`name / name_mut: Type => View` returns `&View`, `String => str` for instance; without
/// `=> View`, `&Type`) and the `with_*` setter of each optional one (`with_name => name:
/// Type` sets `name: Option<Type>` from any `impl Into<Type>`).
macro_rules! accessors {
    (
        $req:ty,
        get: [$($field:ident / $field_mut:ident: $t:ty $(=> $view:ty)?),* $(,)?],
        with: [$($setter:ident => $opt:ident: $ot:ty),* $(,)?] $(,)?
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
            $(
                #[doc = concat!("Sets the optional `", stringify!($opt), "`.")]
                #[must_use]
                pub fn $setter(mut self, value: impl Into<$ot>) -> Self {
                    self.$opt = Some(value.into());
                    self
                }
            )*
        }
    };
    (@view $t:ty) => { $t };
    (@view $t:ty, $view:ty) => { $view };
}
