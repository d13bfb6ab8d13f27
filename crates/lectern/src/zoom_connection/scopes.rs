//! Which Zoom scopes Lectern needs, and whether a grant covers them. Apps created today get
//! granular scopes; older apps keep classic ones; `:admin` variants cover the user-level ones.

/// The scopes Lectern needs, by their granular names, with every scope that also
/// satisfies each one (what each is for: `docs/zoom.md`, "Scopes").
const NEEDED: &[(&str, &[&str])] = &[
    (
        "meeting:write:meeting",
        &[
            "meeting:write:meeting",
            "meeting:write:meeting:admin",
            "meeting:write",
            "meeting:write:admin",
        ],
    ),
    (
        "meeting:read:meeting",
        &[
            "meeting:read:meeting",
            "meeting:read:meeting:admin",
            "meeting:read",
            "meeting:read:admin",
            "meeting:write",
            "meeting:write:admin",
        ],
    ),
    (
        "webinar:write:webinar",
        &[
            "webinar:write:webinar",
            "webinar:write:webinar:admin",
            "webinar:write",
            "webinar:write:admin",
        ],
    ),
    (
        "webinar:read:webinar",
        &[
            "webinar:read:webinar",
            "webinar:read:webinar:admin",
            "webinar:read",
            "webinar:read:admin",
            "webinar:write",
            "webinar:write:admin",
        ],
    ),
    // Live sessions: reconciliation lists the host's meetings and webinars, clean-up deletes them,
    // embedded joins outside the app's account need the host's on-behalf-of token, and
    // attendance reads the past participants.
    (
        "meeting:read:list_meetings",
        &[
            "meeting:read:list_meetings",
            "meeting:read:list_meetings:admin",
            "meeting:read",
            "meeting:read:admin",
            "meeting:write",
            "meeting:write:admin",
        ],
    ),
    (
        "webinar:read:list_webinars",
        &[
            "webinar:read:list_webinars",
            "webinar:read:list_webinars:admin",
            "webinar:read",
            "webinar:read:admin",
            "webinar:write",
            "webinar:write:admin",
        ],
    ),
    (
        "meeting:delete:meeting",
        &[
            "meeting:delete:meeting",
            "meeting:delete:meeting:admin",
            "meeting:write",
            "meeting:write:admin",
        ],
    ),
    (
        "webinar:delete:webinar",
        &[
            "webinar:delete:webinar",
            "webinar:delete:webinar:admin",
            "webinar:write",
            "webinar:write:admin",
        ],
    ),
    (
        "meeting:read:list_past_participants",
        &[
            "meeting:read:list_past_participants",
            "meeting:read:list_past_participants:admin",
            "meeting:read",
            "meeting:read:admin",
            "meeting:write",
            "meeting:write:admin",
        ],
    ),
    // Recording downloads are streamed from Zoom with the school's token.
    (
        "cloud_recording:read:list_recording_files",
        &[
            "cloud_recording:read:list_recording_files",
            "cloud_recording:read:list_recording_files:admin",
            "cloud_recording:read:list_recording_files:master",
            "recording:read",
            "recording:read:admin",
            "recording:write",
            "recording:write:admin",
        ],
    ),
    (
        "user:read:token",
        &[
            "user:read:token",
            "user:read:token:admin",
            "user:read",
            "user:read:admin",
        ],
    ),
    (
        "user:read:user",
        &[
            "user:read:user",
            "user:read:user:admin",
            "user:read",
            "user:read:admin",
            "user:write",
            "user:write:admin",
            "user_profile",
            "user_info:read",
        ],
    ),
];

pub fn needed() -> Vec<&'static str> {
    NEEDED.iter().map(|(n, _)| *n).collect()
}

/// The needed scopes (granular names) that `granted` does not cover.
pub fn missing(granted: &[&str]) -> Vec<&'static str> {
    NEEDED
        .iter()
        .filter(|(_, accepted)| !accepted.iter().any(|a| granted.contains(a)))
        .map(|(n, _)| *n)
        .collect()
}

/// Account-level grants let any user of the Zoom account host (several hosts): we
/// must be able to list the account's users and to create meetings for them.
pub fn account_level(granted: &[&str]) -> bool {
    granted
        .iter()
        .any(|s| matches!(*s, "user:read:admin" | "user:read:list_users:admin"))
        && granted
            .iter()
            .any(|s| matches!(*s, "meeting:write:admin" | "meeting:write:meeting:admin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granular_and_classic_grants_are_both_understood() {
        assert!(missing(&needed()).is_empty());
        assert!(
            missing(&[
                "meeting:write",
                "webinar:write",
                "user:read",
                "recording:read"
            ])
            .is_empty()
        );
        assert_eq!(
            missing(&["meeting:write", "webinar:write", "user:read"]),
            vec!["cloud_recording:read:list_recording_files"]
        );
        assert_eq!(
            missing(&[
                "meeting:write:meeting",
                "meeting:read:meeting",
                "meeting:read:list_meetings",
                "meeting:delete:meeting",
                "meeting:read:list_past_participants",
                "cloud_recording:read:list_recording_files",
                "user:read:token",
                "user:read:user"
            ]),
            vec![
                "webinar:write:webinar",
                "webinar:read:webinar",
                "webinar:read:list_webinars",
                "webinar:delete:webinar"
            ]
        );
        assert_eq!(missing(&[]).len(), NEEDED.len());
    }

    #[test]
    fn admin_scopes_mean_account_level() {
        assert!(account_level(&["user:read:admin", "meeting:write:admin"]));
        assert!(account_level(&[
            "user:read:list_users:admin",
            "meeting:write:meeting:admin"
        ]));
        assert!(
            !account_level(&["user:read:user:admin", "meeting:write:meeting:admin"]),
            "cannot list users"
        );
        assert!(!account_level(&["user:read:user", "meeting:write:meeting"]));
    }
}
