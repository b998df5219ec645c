//! What requests and servers share about the wire form of parameters: the percent-encoding
//! of path segments and query values, and how a query value is written and read.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use crate::validate::Rule;

/// Everything but RFC 3986 unreserved characters is percent-encoded in a path segment or a
/// query value.
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A query parameter's value: how it is written and read.
pub(crate) trait QueryValue: Sized {
    /// The text sent.
    fn to_query(&self) -> Cow<'_, str>;
    /// Reads the text back.
    fn from_query(text: &str) -> Result<Self, Rule>;
}

impl QueryValue for String {
    fn to_query(&self) -> Cow<'_, str> {
        self.as_str().into()
    }
    fn from_query(text: &str) -> Result<Self, Rule> {
        Ok(text.to_owned())
    }
}

impl QueryValue for i64 {
    fn to_query(&self) -> Cow<'_, str> {
        self.to_string().into()
    }
    fn from_query(text: &str) -> Result<Self, Rule> {
        text.parse().map_err(|_| Rule::Type("an integer"))
    }
}

impl<T: crate::enums::WireEnum> QueryValue for T {
    fn to_query(&self) -> Cow<'_, str> {
        self.as_wire().into()
    }
    fn from_query(text: &str) -> Result<Self, Rule> {
        Ok(T::from(text))
    }
}

/// A request field sent as a query parameter: a required `String` (sent when non-empty) or
/// an `Option` of a [`QueryValue`].
pub(crate) trait QueryField {
    /// The text to send, if any.
    fn query_text(&self) -> Option<Cow<'_, str>>;
    /// Sets the field from the text received.
    fn set_query_text(&mut self, text: &str) -> Result<(), Rule>;
}

impl QueryField for String {
    fn query_text(&self) -> Option<Cow<'_, str>> {
        (!self.is_empty()).then(|| self.as_str().into())
    }
    fn set_query_text(&mut self, text: &str) -> Result<(), Rule> {
        text.clone_into(self);
        Ok(())
    }
}

impl<T: QueryValue> QueryField for Option<T> {
    fn query_text(&self) -> Option<Cow<'_, str>> {
        self.as_ref().map(QueryValue::to_query)
    }
    fn set_query_text(&mut self, text: &str) -> Result<(), Rule> {
        *self = Some(T::from_query(text)?);
        Ok(())
    }
}
