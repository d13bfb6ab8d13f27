//! Request paths as they may appear in logs.

/// Path prefixes whose next segment is a secret (a bearer token in the URL): the one list
/// of routes that carry one, masked wherever a path is logged.
/// `/u/`: a campaign's unsubscribe token (whoever holds it can unsubscribe its user).
pub(crate) const SECRET_PATH_PREFIXES: &[&str] = &["/password/reset/", "/calendar/", "/u/"];

/// The request path as it may appear in logs: the segment after a secret prefix is masked.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in SECRET_PATH_PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{prefix}<redacted>{tail}").into();
        }
    }
    path.into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_path_segments_are_masked() {
        assert_eq!(
            super::loggable_path("/password/reset/abc123"),
            "/password/reset/<redacted>"
        );
        assert_eq!(
            super::loggable_path("/password/reset/abc/x"),
            "/password/reset/<redacted>/x"
        );
        assert_eq!(super::loggable_path("/signin"), "/signin");
        assert_eq!(
            super::loggable_path("/calendar/s3cr3t-token.ics"),
            "/calendar/<redacted>"
        );
    }
}
