//! `#[serde(with = "crate::json")]`: a models type kept as its JSON text inside a snapshot.
//! The models' serde forms skip absent fields, which only a self-describing format reads
//! back; the snapshot's binary format is not one.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) fn serialize<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
    s.serialize_str(&text)
}

pub(crate) fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
    d: D,
) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    serde_json::from_str(&text).map_err(serde::de::Error::custom)
}

/// The same for a `Vec` of models values.
pub(crate) mod vec {
    use super::*;

    pub(crate) fn serialize<T: Serialize, S: Serializer>(
        values: &[T],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(values).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// A request kept as its wire form — path parameters and JSON body — and read back with the
/// server's decoder, so that path parameters (`#[serde(skip)]` in the body) survive.
pub(crate) mod request {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use wxpay_models::{Decode, RawRequest};

    #[derive(Serialize, Deserialize)]
    struct Wire {
        path: Vec<(String, String)>,
        body: String,
    }

    pub(crate) fn serialize<E: Decode, S: Serializer>(
        request: &E,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let body = serde_json::to_string(request).map_err(serde::ser::Error::custom)?;
        let path = E::OPERATION
            .path_params()
            .map(|name| {
                let value = request.path_param(name).unwrap_or_default();
                let encoded = percent_encoding::utf8_percent_encode(
                    value,
                    percent_encoding::NON_ALPHANUMERIC,
                );
                (name.to_owned(), encoded.to_string())
            })
            .collect();
        Wire { path, body }.serialize(s)
    }

    pub(crate) fn deserialize<'de, E: Decode, D: Deserializer<'de>>(d: D) -> Result<E, D::Error> {
        let wire = Wire::deserialize(d)?;
        let path: Vec<(&'static str, &str)> = E::OPERATION
            .path_params()
            .filter_map(|name| {
                let (_, value) = wire.path.iter().find(|(n, _)| n == name)?;
                Some((name, value.as_str()))
            })
            .collect();
        E::decode(&RawRequest {
            path: &path,
            query: None,
            body: wire.body.as_bytes(),
        })
        .map_err(serde::de::Error::custom)
    }
}
