//! Lenient serde helpers: Zoom sends the same field as a number in one place and as a
//! string in another (meeting `id` is int64 in REST and in `meeting.deleted`, a string in
//! `meeting.started`), and sometimes an empty string where a value is absent.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `i64` from a number or a numeric string; `None` for null, "", or anything else.
pub(crate) fn value_to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().and_then(|u| i64::try_from(u).ok())),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// String from a string or a number; `None` for null, "" or other types.
pub(crate) fn value_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn opt_i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?
        .as_ref()
        .and_then(value_to_i64))
}

pub(crate) fn i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    value_to_i64(&v).ok_or_else(|| serde::de::Error::custom("expected an integer id"))
}

pub(crate) fn opt_string_lenient<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?
        .as_ref()
        .and_then(value_to_string))
}

/// A string that may be null/absent/number: always yields a `String` (possibly empty).
pub(crate) fn string_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string_lenient(d)?.unwrap_or_default())
}

/// An instant from an RFC 3339 string; `None` if absent, empty or not an instant (Zoom
/// sends local times without offset in a few places — those are not instants).
pub(crate) fn opt_timestamp_lenient<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<jiff::Timestamp>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?
        .as_ref()
        .and_then(value_to_timestamp))
}

pub(crate) fn value_to_timestamp(v: &Value) -> Option<jiff::Timestamp> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn opt_secret<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::Secret>, D::Error> {
    Ok(opt_string_lenient(d)?.map(crate::Secret::new))
}
