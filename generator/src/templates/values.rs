//! Small builders of template values.

use std::collections::BTreeMap;
use tera::Value;

/// Builds a template map value from `(key, value)` pairs.
pub(crate) fn map(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let map: BTreeMap<&'static str, Value> = pairs.into_iter().collect();
    Value::from(map)
}

/// A string marked safe (not escaped again): rendered HTML.
pub(crate) fn html(text: &str) -> Value {
    Value::safe_string(text)
}

/// An optional string: the value, or none.
pub(crate) fn opt(text: Option<&str>) -> Value {
    text.map_or_else(Value::none, Value::from)
}
