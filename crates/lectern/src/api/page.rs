//! Cursor pages: `limit` (1–100, default 50) and an opaque `cursor` from the previous
//! page's `next_cursor`. A cursor names the list it belongs to and the last key seen, so
//! it cannot be used on another list (422 `cursor`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 100;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The `limit` asked for, checked.
pub fn limit(raw: Option<i64>) -> ApiResult<i64> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field(
            "limit",
            format!("between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// The last key a `cursor` for list `list` carries (0: from the start).
pub fn after(list: &str, cursor: Option<&str>) -> ApiResult<i64> {
    let Some(c) = cursor else { return Ok(0) };
    let bad = || ApiError::field("cursor", "not a cursor of this list; start without one");
    let raw = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let rest = raw
        .strip_prefix("v1|")
        .and_then(|r| r.strip_prefix(list))
        .and_then(|r| r.strip_prefix('|'))
        .ok_or_else(bad)?;
    rest.parse::<i64>().ok().filter(|k| *k > 0).ok_or_else(bad)
}

/// A page of `limit` asked with one row more fetched: the extra row only says that a
/// next page exists, and the cursor carries the last returned row's key.
pub fn page<R, T>(
    list: &str,
    limit: i64,
    mut rows: Vec<R>,
    key: impl Fn(&R) -> i64,
    out: impl Fn(R) -> T,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = match rows.last() {
        Some(last) if more => Some(URL_SAFE_NO_PAD.encode(format!("v1|{list}|{}", key(last)))),
        _ => None,
    };
    Page {
        data: rows.into_iter().map(out).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_list() {
        let p = page("courses", 2, vec![1, 5, 9], |r| *r, |r| r);
        assert_eq!(p.data, vec![1, 5]);
        let c = p.next_cursor.unwrap();
        assert_eq!(after("courses", Some(&c)).unwrap(), 5);
        assert!(
            after("enrolments/3", Some(&c))
                .unwrap_err()
                .fields
                .contains_key("cursor")
        );
        assert!(after("courses", Some("not-base64!")).is_err());
        assert!(
            page("courses", 2, vec![1, 5], |r| *r, |r| r)
                .next_cursor
                .is_none()
        );
        assert_eq!(after("courses", None).unwrap(), 0);
        assert!(limit(Some(0)).is_err() && limit(Some(101)).is_err());
        assert_eq!(limit(Some(100)).unwrap(), 100);
    }
}
