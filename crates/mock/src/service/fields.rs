//! The fields a fault rule may match on: each operation's path and query parameters and its
//! body's top-level fields (read from the request type's serde form), and a decoded
//! request's values of them.

use std::cell::OnceCell;
use std::sync::LazyLock;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::Value;
use wxpay_models::{Decode, Operation};

/// The names serde reads a struct's fields under (`#[serde(skip)]` ones excluded): a
/// deserializer that only asks.
fn body_fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
    struct Ask(Option<&'static [&'static str]>);

    #[derive(Debug)]
    struct Asked;

    impl std::fmt::Display for Asked {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("asked")
        }
    }

    impl std::error::Error for Asked {}

    impl de::Error for Asked {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Asked
        }
    }

    impl<'de> Deserializer<'de> for &mut Ask {
        type Error = Asked;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Asked> {
            Err(Asked)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Asked> {
            self.0 = Some(fields);
            Err(Asked)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut ask = Ask(None);
    let _ = T::deserialize(&mut ask);
    ask.0.map(<[_]>::to_vec).unwrap_or_default()
}

fn fields_of<E: Decode>() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = E::OPERATION.path_params().collect();
    out.extend(E::QUERY_PARAMS);
    out.extend(body_fields::<E>());
    if E::OPERATION.carries_brand && !out.contains(&"brand_id") {
        out.push("brand_id");
    }
    out.sort_unstable();
    out.dedup();
    out
}

type FieldsFn = fn() -> Vec<&'static str>;

macro_rules! field_lists {
    ($($request:ty),* $(,)?) => {
        vec![$((<$request as wxpay_models::Endpoint>::OPERATION.name, fields_of::<$request> as FieldsFn)),*]
    };
}

static FIELDS: LazyLock<Vec<(&'static str, Vec<&'static str>)>> = LazyLock::new(|| {
    let lists: Vec<(&'static str, FieldsFn)> = wxpay_models::for_each_endpoint!(field_lists);
    lists.into_iter().map(|(name, f)| (name, f())).collect()
});

/// The fields a rule for `op` may match on.
pub(crate) fn of(op: &Operation) -> Vec<&'static str> {
    FIELDS
        .iter()
        .find(|(name, _)| *name == op.name)
        .map(|(_, fields)| fields.clone())
        .unwrap_or_default()
}

/// What a request offers a rule to match: its fields by name, as text.
pub(crate) trait Fields {
    /// The value of path, query or body field `name`, if the request has one.
    fn field(&self, name: &str) -> Option<String>;
}

/// A decoded request's fields, as text; the body's JSON is made only if a rule asks.
pub(crate) struct RequestFields<'a, E> {
    request: &'a E,
    body: OnceCell<Value>,
}

impl<'a, E: Decode> RequestFields<'a, E> {
    pub(crate) fn new(request: &'a E) -> Self {
        Self {
            request,
            body: OnceCell::new(),
        }
    }
}

impl<E: Decode> Fields for RequestFields<'_, E> {
    fn field(&self, name: &str) -> Option<String> {
        if let Some(value) = self.request.path_param(name) {
            return Some(value.to_owned());
        }
        if let Some((_, value)) = self.request.query().into_iter().find(|(k, _)| *k == name) {
            return Some(value.into_owned());
        }
        if name == "brand_id"
            && let Some(brand) = self.request.brand_id()
        {
            return Some(brand.to_owned());
        }
        let body = self
            .body
            .get_or_init(|| serde_json::to_value(self.request).unwrap_or(Value::Null));
        match body.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}
