//! Zoom failures at Start, as messages saying what happened and what to do about it
//! (reconnect, grant the named scopes, get a webinar plan, wait for the daily limit to
//! reset, try again; `docs/zoom.md` lists the Zoom codes behind them). Stored on the
//! session row as a catalogue key plus arguments, rendered in the viewer's language;
//! never a 500.

use serde::{Deserialize, Serialize};
use zoom::{ErrorKind, Origin, ZoomError};

use crate::zoom_connection::hosts::HostError;
use crate::zoom_connection::tokens::AccessError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LiveError {
    /// Zoom is not configured on this server.
    NotConfigured,
    /// No usable connection (disconnected, deauthorized, needs reconnect).
    NotConnected,
    /// 4700/4711: the grant lacks scopes.
    MissingScopes(Vec<String>),
    /// Webinar plan is missing.
    WebinarPlanMissing,
    /// 3161 "not allowed to host", or a feature disabled for the account.
    NotEnabled,
    /// 200 "No permission." / 403.
    NoPermission,
    /// The host's (or account's) daily create limit; resets at this instant (ms).
    DailyLimit(i64),
    /// Zoom did not answer in time (or we could not tell what happened): try again.
    TryAgain,
    /// Zoom answered with this 5xx status: its problem, not the school's; try again later.
    ZoomServerError(u16),
    /// Zoom could not be reached at all (connection refused or broken).
    Unreachable,
    /// Zoom's per-second rate limit: try again in a moment.
    Busy,
    /// Zoom failed repeatedly, so Lectern paused calls to it for a moment (the circuit
    /// breaker): nothing was sent; try again shortly.
    ZoomPaused,
    /// The instructor's e-mail is not a user of the school's Zoom account.
    HostNotInAccount(String),
    /// The meeting was deleted in Zoom; Start creates a new one.
    MeetingDeleted,
    /// The start was interrupted (crash, lost answer) and nothing was found in Zoom.
    Interrupted,
    /// Zoom refused the request for another reason (its message).
    Refused(String),
    /// Too early / too late to start.
    NotNow,
}

impl LiveError {
    /// Catalogue key of the message.
    pub fn key(&self) -> &'static str {
        match self {
            LiveError::NotConfigured => "live-error-not-configured",
            LiveError::NotConnected => "live-error-not-connected",
            LiveError::MissingScopes(_) => "live-error-missing-scopes",
            LiveError::WebinarPlanMissing => "live-error-webinar-plan",
            LiveError::NotEnabled => "live-error-not-enabled",
            LiveError::NoPermission => "live-error-no-permission",
            LiveError::DailyLimit(_) => "live-error-daily-limit",
            LiveError::TryAgain => "live-error-try-again",
            LiveError::ZoomServerError(_) => "live-error-zoom-server",
            LiveError::Unreachable => "live-error-unreachable",
            LiveError::Busy => "live-error-busy",
            LiveError::ZoomPaused => "live-error-zoom-paused",
            LiveError::HostNotInAccount(_) => "live-error-host-not-in-account",
            LiveError::MeetingDeleted => "live-error-meeting-deleted",
            LiveError::Interrupted => "live-error-interrupted",
            LiveError::Refused(_) => "live-error-refused",
            LiveError::NotNow => "live-error-not-now",
        }
    }

    /// The message in `tr`'s language (instants in `tz`).
    pub fn message(&self, tr: &crate::i18n::Tr, tz: &jiff::tz::TimeZone) -> String {
        match self {
            LiveError::MissingScopes(scopes) => {
                let list = if scopes.is_empty() {
                    "meeting:write:meeting".to_string()
                } else {
                    scopes.join(", ")
                };
                tr.t1(self.key(), "scopes", list)
            }
            LiveError::DailyLimit(at) => {
                tr.t1(self.key(), "when", crate::web::time::format_in(*at, tz, tr))
            }
            LiveError::HostNotInAccount(email) => tr.t1(self.key(), "email", email),
            LiveError::Refused(m) => tr.t1(self.key(), "reason", m),
            LiveError::ZoomServerError(status) => tr.t1(self.key(), "status", *status),
            _ => tr.t(self.key()),
        }
    }

    /// The title of a failed Start ("Failed to create Zoom meeting/webinar"),
    /// or `None` for errors that are not a failed create (too early, meeting deleted).
    pub(crate) fn heading(&self, tr: &crate::i18n::Tr, webinar: bool) -> Option<String> {
        match self {
            LiveError::NotNow | LiveError::MeetingDeleted => None,
            _ if webinar => Some(tr.t("live-error-heading-webinar")),
            _ => Some(tr.t("live-error-heading-meeting")),
        }
    }

    /// The heading and the message in one line, for places that show a single text.
    pub fn with_heading(
        &self,
        tr: &crate::i18n::Tr,
        tz: &jiff::tz::TimeZone,
        webinar: bool,
    ) -> String {
        let message = self.message(tr, tz);
        match self.heading(tr, webinar) {
            Some(h) => tr.ta(
                "live-error-with-heading",
                &[("heading", h), ("message", message)],
            ),
            None => message,
        }
    }

    /// Errors that mean the Zoom connection itself must be fixed by an admin.
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            LiveError::NotConnected | LiveError::MissingScopes(_) | LiveError::NotConfigured
        )
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    pub fn from_json(s: &str) -> Option<LiveError> {
        serde_json::from_str(s).ok()
    }

    /// Whether the create call may have reached Zoom and created something.
    pub fn ambiguous(err: &ZoomError) -> bool {
        err.is_transient()
    }
}

impl From<&ZoomError> for LiveError {
    fn from(e: &ZoomError) -> Self {
        match e.kind() {
            ErrorKind::MissingScopes { scopes } => LiveError::MissingScopes(scopes),
            ErrorKind::TokenInvalid | ErrorKind::InvalidGrant | ErrorKind::InvalidClient => {
                LiveError::NotConnected
            }
            ErrorKind::WebinarPlanMissing => LiveError::WebinarPlanMissing,
            ErrorKind::NotEnabled => LiveError::NotEnabled,
            ErrorKind::NoPermission => {
                if e.message().to_lowercase().contains("not enabled") {
                    LiveError::NotEnabled
                } else {
                    LiveError::NoPermission
                }
            }
            ErrorKind::RateLimited { scope, retry_at } => match scope {
                zoom::RateLimitScope::PerSecond => LiveError::Busy,
                _ => LiveError::DailyLimit(retry_at.as_millisecond()),
            },
            // Say what happened: a time-out, a refused connection and Zoom's own 5xx ask for
            // the same retry, but only the time-out is "did not answer in time".
            ErrorKind::Transient => match (e.origin(), e.status()) {
                (Origin::Connect | Origin::Transport, _) => LiveError::Unreachable,
                (Origin::Api | Origin::TokenEndpoint, Some(status)) if status >= 500 => {
                    LiveError::ZoomServerError(status)
                }
                _ => LiveError::TryAgain,
            },
            ErrorKind::CircuitOpen { .. } => LiveError::ZoomPaused,
            _ => {
                let m = e.message();
                if m.to_lowercase().contains("not enabled") {
                    LiveError::NotEnabled
                } else {
                    LiveError::Refused(m.chars().take(200).collect())
                }
            }
        }
    }
}

impl From<&AccessError> for LiveError {
    fn from(e: &AccessError) -> Self {
        match e {
            AccessError::NotConfigured => LiveError::NotConfigured,
            AccessError::NotConnected | AccessError::NeedsReconnect | AccessError::Seal(_) => {
                LiveError::NotConnected
            }
            AccessError::Zoom(z) => LiveError::from(z),
            AccessError::RefreshTimeout | AccessError::Db(_) => LiveError::TryAgain,
        }
    }
}

impl From<&HostError> for LiveError {
    fn from(e: &HostError) -> Self {
        match e {
            HostError::NotConnected => LiveError::NotConnected,
            HostError::NotInAccount { email } => LiveError::HostNotInAccount(email.clone()),
            HostError::Access(a) => LiveError::from(a),
            HostError::Db(_) => LiveError::TryAgain,
        }
    }
}
