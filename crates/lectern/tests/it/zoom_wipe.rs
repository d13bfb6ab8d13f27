//! "Delete all Zoom data" deletes all of it. It left guests' e-mails in
//! attendance keys (and so in the attendance page), the Zoom hosts on lessons, Zoom account
//! and user ids inside the rate counters' keys and queued jobs naming meetings; a session
//! live at that moment stayed `live` with no meeting, so after reconnecting "Open the
//! meeting as host" failed until it expired.
//!
//! The schema test below reads the database's catalogue and holds every column of every
//! table to a classification kept here, with the reason: a column added by a later
//! migration fails it until it is classified.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use lectern::courses::{self, LessonContent, LessonRecord, Schedule};
use lectern::db::{CourseId, LessonId, SchoolId, now_ms};
use lectern::zoom_connection::{self, Owner, hosts::Host};

use crate::support::live::{Live, setup};
use crate::support::{TestAppBuilder, TestClient, catalog, eventually};

/// What a column may hold, and so what "Delete all Zoom data" must leave in it.
#[derive(Clone, Copy, Debug)]
enum Holds {
    /// Lectern's own data: nothing of Zoom's is written here.
    Ours(&'static str),
    /// Names (or opens) a Zoom account, user or meeting: NULL or empty afterwards.
    Wiped(&'static str),
    /// Kept for history with whoever it named replaced: every row satisfies `ok` (SQL).
    Anonymised { ok: &'static str, why: &'static str },
    /// The rows go.
    RowsGone(&'static str),
    /// Text that a Zoom job or error may fill: held to the search for known identifiers.
    Searched(&'static str),
}

use Holds::*;

impl Holds {
    fn reason(self) -> &'static str {
        match self {
            Ours(why) | Wiped(why) | RowsGone(why) | Searched(why) => why,
            Anonymised { why, .. } => why,
        }
    }
}

const SCHOOL: Holds = Ours("the school, its domains and settings");
const ACCOUNT: Holds = Ours(
    "a Lectern account (its address may be its owner's Zoom login too: it is the person's own)",
);
/// Completion: what students did and instructors decided, counted in minutes and
/// percentages; attendance reaches it as minutes, never as a Zoom identifier.
const PROGRESS: Holds = Ours("students' completion evidence and its audit trail");
/// Certificates: copied from users, courses and schools when issued.
const CERTIFICATES: Holds = Ours("certificates and their settings");

const CONTENT: Holds = Ours("courses as people wrote them; a Zoom link typed into one is theirs");
/// Paid courses: prices, providers' accounts, orders, refunds, coupons and the providers'
/// webhooks; Zoom is never named in any of them.
const PAYMENTS: Holds =
    Ours("sales: prices, orders, refunds, coupons, Stripe's and PayPal's events and settings");
/// Analytics: counts per course and bucket; a label is a Lectern lesson, session or user id
/// or a currency, never a Zoom identifier.
const ANALYTICS: Holds = Ours("counts per course, day, lesson or session; no Zoom identifier");
const HISTORY: Holds = Ours("ids, states and instants: the anonymous history that stays");
const MAIL: Holds = Ours("mail to our users about our lessons; no Zoom link or id is put in");
const PREFS: Holds = Ours("a user's choice of which of our mails they receive");
const FILES: Holds = Ours(
    "files people uploaded to the school and where we keep them; Zoom's recordings are not copied here",
);
const CONNECTION_RECORD: Holds = Ours("the anonymous \"disconnected\" record of a connection");
/// Discussions: what members wrote (a Zoom link typed into a post is theirs), their reads,
/// subscriptions, preferences and reports, and SQLite's full-text index of the posts.
const DISCUSSIONS: Holds = Ours(
    "members' discussion posts, reads, subscriptions and reports; a Zoom link typed into one is theirs",
);

/// Private 1-on-1s: a coach's hours and the slots students booked, in our own terms (the
/// session a booking became keeps its Zoom data in `live_sessions`).
const BOOKINGS: Holds = Ours("coaches' bookable hours and students' bookings of them");

/// The JSON API: users' personal access tokens (a keyed hash, never the token) and the
/// stored answers of idempotent creates (an enrolment's JSON).
const API: Holds = Ours("API tokens (hashes, names, scopes, times) and idempotent create answers");

/// Outgoing webhooks: the endpoints a school's admin registered (URL, events, sealed
/// secret) and what was sent to them (our events' JSON: Lectern ids and instants, never a
/// Zoom identifier) with the receivers' answers.
const OUTBOUND: Holds =
    Ours("webhook endpoints a school registered and the Lectern events sent to them");

/// A school's export archives: who asked, their state, where the archive is kept (the
/// archive leaves the Zoom connection and its data out).
const EXPORTS: Holds = Ours("a school's export archives: state, size, storage key and times");

/// Every column of the schema. A new column must be added here, with its reason.
const COLUMNS: &[(&str, &[(&str, Holds)])] = &[
    (
        "lectern_migrations",
        &[
            ("version", Ours("the migrator's")),
            ("name", Ours("the migrator's")),
            ("applied_at", Ours("the migrator's")),
            ("checksum", Ours("the migrator's")),
        ],
    ),
    (
        "schools",
        &[
            ("certificate_paper", SCHOOL),
            ("currency", PAYMENTS),
            ("refund_removes_access", PAYMENTS),
            ("id", SCHOOL),
            ("slug", SCHOOL),
            ("name", SCHOOL),
            ("display_name", SCHOOL),
            ("logo_url", SCHOOL),
            ("favicon_url", SCHOOL),
            ("primary_color", SCHOOL),
            ("signup_open", SCHOOL),
            ("default_timezone", SCHOOL),
            ("is_default", SCHOOL),
            ("created_at", SCHOOL),
        ],
    ),
    (
        "school_domains",
        &[
            ("id", SCHOOL),
            ("school_id", SCHOOL),
            ("host", SCHOOL),
            ("created_at", SCHOOL),
            ("verified_at", SCHOOL),
        ],
    ),
    (
        "users",
        &[
            ("id", ACCOUNT),
            ("school_id", ACCOUNT),
            ("email", ACCOUNT),
            ("email_norm", ACCOUNT),
            ("display_name", ACCOUNT),
            ("password_hash", ACCOUNT),
            ("role", ACCOUNT),
            ("timezone", ACCOUNT),
            ("language", ACCOUNT),
            ("created_at", ACCOUNT),
            ("updated_at", ACCOUNT),
        ],
    ),
    (
        "sessions",
        &[
            ("id", ACCOUNT),
            ("school_id", ACCOUNT),
            ("user_id", ACCOUNT),
            ("created_at", ACCOUNT),
            ("expires_at", ACCOUNT),
        ],
    ),
    (
        "password_resets",
        &[
            ("id", ACCOUNT),
            ("school_id", ACCOUNT),
            ("user_id", ACCOUNT),
            ("token_hash", ACCOUNT),
            ("expires_at", ACCOUNT),
            ("used_at", ACCOUNT),
            ("created_at", ACCOUNT),
        ],
    ),
    (
        "rate_limits",
        &[
            (
                "bucket",
                Ours("sign-in and reset throttles, keyed by IP and our accounts"),
            ),
            ("window_start", Ours("throttle windows")),
            ("hits", Ours("throttle counts")),
        ],
    ),
    (
        "course_versions",
        &[
            ("course_id", Ours("our course ids")),
            ("version", Ours("how often a course's shared copy changed")),
        ],
    ),
    (
        "change_log",
        &[
            ("seq", Ours("the order of changes")),
            ("channel", Ours("which cache a change is for")),
            ("payload", Ours("our user ids")),
            ("created_at", Ours("when a change was made")),
        ],
    ),
    (
        "throttles",
        &[
            (
                "bucket",
                Ours("sign-in failure counts, keyed by client and our accounts"),
            ),
            ("failures", Ours("sign-in failure counts")),
            ("last_at", Ours("sign-in failure counts")),
        ],
    ),
    (
        "courses",
        &[
            ("id", CONTENT),
            ("school_id", CONTENT),
            ("slug", CONTENT),
            ("title", CONTENT),
            ("description", CONTENT),
            ("cover_url", CONTENT),
            ("status", CONTENT),
            ("price_minor", PAYMENTS),
            ("currency", PAYMENTS),
            ("created_at", CONTENT),
            ("updated_at", CONTENT),
        ],
    ),
    (
        "course_instructors",
        &[
            ("school_id", CONTENT),
            ("course_id", CONTENT),
            ("user_id", CONTENT),
        ],
    ),
    (
        "lessons",
        &[
            ("completion_rule", CONTENT),
            ("completion_value", CONTENT),
            ("recording_counts", CONTENT),
            ("max_attempts", CONTENT),
            ("private_user_id", BOOKINGS),
            ("private_cancelled_at", BOOKINGS),
            ("id", CONTENT),
            ("school_id", CONTENT),
            ("course_id", CONTENT),
            ("position", CONTENT),
            ("kind", CONTENT),
            ("title", CONTENT),
            ("required", CONTENT),
            ("body", CONTENT),
            ("url", CONTENT),
            ("quiz_json", CONTENT),
            ("pass_mark", CONTENT),
            ("starts_at", CONTENT),
            ("timezone", CONTENT),
            ("local_start", CONTENT),
            ("duration_min", CONTENT),
            ("created_at", CONTENT),
            ("updated_at", CONTENT),
            ("ics_sequence", CONTENT),
            ("host_user_id", Ours("the Lectern user who scheduled it")),
            (
                "zoom_connection_id",
                Wiped("the connection that was to host it: found again at the next Start"),
            ),
            ("zoom_host_id", Wiped("the Zoom user hosting it")),
            ("zoom_host_email", Wiped("the Zoom user hosting it")),
        ],
    ),
    (
        "enrollments",
        &[
            ("id", CONTENT),
            ("school_id", CONTENT),
            ("course_id", CONTENT),
            ("user_id", CONTENT),
            ("enrolled_at", CONTENT),
            ("completed_at", CONTENT),
        ],
    ),
    (
        "lesson_progress",
        &[
            ("school_id", CONTENT),
            ("lesson_id", CONTENT),
            ("user_id", CONTENT),
            ("completed_at", CONTENT),
        ],
    ),
    (
        "quiz_attempts",
        &[
            ("id", CONTENT),
            ("school_id", CONTENT),
            ("lesson_id", CONTENT),
            ("user_id", CONTENT),
            ("answers_json", CONTENT),
            ("score", CONTENT),
            ("passed", CONTENT),
            ("created_at", CONTENT),
        ],
    ),
    (
        "files",
        &[
            ("id", FILES),
            ("school_id", FILES),
            ("course_id", FILES),
            ("lesson_id", FILES),
            ("purpose", FILES),
            ("name", FILES),
            ("content_type", FILES),
            ("size", FILES),
            ("widths", FILES),
            ("storage_key", FILES),
            ("state", FILES),
            ("created_by", FILES),
            ("created_at", FILES),
            ("updated_at", FILES),
        ],
    ),
    (
        "storage_quotas",
        &[("school_id", SCHOOL), ("max_bytes", SCHOOL)],
    ),
    (
        "lesson_evidence",
        &[
            ("school_id", PROGRESS),
            ("lesson_id", PROGRESS),
            ("user_id", PROGRESS),
            ("opened_at", PROGRESS),
            ("marked_at", PROGRESS),
            ("attended_ms", PROGRESS),
            ("recording_at", PROGRESS),
            ("manual", PROGRESS),
            ("manual_reason", PROGRESS),
            ("manual_by", PROGRESS),
            ("updated_at", PROGRESS),
        ],
    ),
    (
        "completion_audit",
        &[
            ("id", PROGRESS),
            ("school_id", PROGRESS),
            ("course_id", PROGRESS),
            ("lesson_id", PROGRESS),
            ("user_id", PROGRESS),
            ("completed", PROGRESS),
            ("cause", PROGRESS),
            ("actor_id", PROGRESS),
            ("detail", PROGRESS),
            ("at", PROGRESS),
        ],
    ),
    (
        "certificate_settings",
        &[
            ("course_id", CERTIFICATES),
            ("school_id", CERTIFICATES),
            ("title", CERTIFICATES),
            ("body", CERTIFICATES),
            ("signer_name", CERTIFICATES),
            ("signer_title", CERTIFICATES),
            ("validity_months", CERTIFICATES),
            ("updated_at", CERTIFICATES),
        ],
    ),
    (
        "certificates",
        &[
            ("id", CERTIFICATES),
            ("school_id", CERTIFICATES),
            ("course_id", CERTIFICATES),
            ("user_id", CERTIFICATES),
            ("serial", CERTIFICATES),
            ("state", CERTIFICATES),
            ("learner_name", CERTIFICATES),
            ("course_title", CERTIFICATES),
            ("school_name", CERTIFICATES),
            ("title", CERTIFICATES),
            ("body", CERTIFICATES),
            ("signer_name", CERTIFICATES),
            ("signer_title", CERTIFICATES),
            ("completed_at", CERTIFICATES),
            ("live_minutes", CERTIFICATES),
            ("locale", CERTIFICATES),
            ("timezone", CERTIFICATES),
            ("expires_at", CERTIFICATES),
            ("issued_at", CERTIFICATES),
            ("revoked_at", CERTIFICATES),
            ("revoked_reason", CERTIFICATES),
            ("replaced_by", CERTIFICATES),
            ("last_error", CERTIFICATES),
            ("created_at", CERTIFICATES),
        ],
    ),
    (
        "payment_providers",
        &[
            ("school_id", PAYMENTS),
            ("provider", PAYMENTS),
            ("public_id", PAYMENTS),
            ("secret_sealed", PAYMENTS),
            ("webhook_secret_sealed", PAYMENTS),
            ("webhook_id", PAYMENTS),
            ("sandbox", PAYMENTS),
            ("account_hint", PAYMENTS),
            ("updated_at", PAYMENTS),
        ],
    ),
    (
        "orders",
        &[
            ("id", PAYMENTS),
            ("school_id", PAYMENTS),
            ("number", PAYMENTS),
            ("course_id", PAYMENTS),
            ("user_id", PAYMENTS),
            ("provider", PAYMENTS),
            ("status", PAYMENTS),
            ("amount_minor", PAYMENTS),
            ("currency", PAYMENTS),
            ("provider_ref", PAYMENTS),
            ("payment_ref", PAYMENTS),
            ("paid_minor", PAYMENTS),
            ("paid_currency", PAYMENTS),
            ("refunded_minor", PAYMENTS),
            ("coupon_id", PAYMENTS),
            ("discount_minor", PAYMENTS),
            ("flag", PAYMENTS),
            ("last_error", PAYMENTS),
            ("created_at", PAYMENTS),
            ("paid_at", PAYMENTS),
            ("updated_at", PAYMENTS),
        ],
    ),
    (
        "order_refunds",
        &[
            ("id", PAYMENTS),
            ("school_id", PAYMENTS),
            ("order_id", PAYMENTS),
            ("provider_refund_id", PAYMENTS),
            ("amount_minor", PAYMENTS),
            ("removed_access", PAYMENTS),
            ("created_at", PAYMENTS),
        ],
    ),
    (
        "payment_events",
        &[
            ("id", PAYMENTS),
            ("school_id", PAYMENTS),
            ("provider", PAYMENTS),
            ("event_id", PAYMENTS),
            ("event_type", PAYMENTS),
            ("body", PAYMENTS),
            ("received_at", PAYMENTS),
            ("processed_at", PAYMENTS),
        ],
    ),
    (
        "coupons",
        &[
            ("id", PAYMENTS),
            ("school_id", PAYMENTS),
            ("code", PAYMENTS),
            ("course_id", PAYMENTS),
            ("percent_off", PAYMENTS),
            ("amount_off_minor", PAYMENTS),
            ("currency", PAYMENTS),
            ("expires_at", PAYMENTS),
            ("max_uses", PAYMENTS),
            ("uses", PAYMENTS),
            ("active", PAYMENTS),
            ("created_at", PAYMENTS),
        ],
    ),
    (
        "video_watch",
        &[
            ("school_id", CONTENT),
            ("lesson_id", CONTENT),
            ("user_id", CONTENT),
            ("duration_ms", CONTENT),
            ("watched_ms", CONTENT),
            ("ranges", CONTENT),
            ("updated_at", CONTENT),
        ],
    ),
    (
        "jobs",
        &[
            ("id", HISTORY),
            ("school_id", HISTORY),
            ("kind", HISTORY),
            (
                "dedupe_key",
                Searched("a Zoom job's key names its meeting: those jobs go"),
            ),
            (
                "payload",
                Searched("a Zoom job's payload names its meeting: those jobs go"),
            ),
            ("state", HISTORY),
            ("run_at", HISTORY),
            ("attempts", HISTORY),
            ("max_attempts", HISTORY),
            ("locked_until", HISTORY),
            ("locked_by", Ours("a worker's name")),
            (
                "last_error",
                Searched("a Zoom job's error may quote Zoom: those jobs go"),
            ),
            ("created_at", HISTORY),
            ("updated_at", HISTORY),
        ],
    ),
    (
        "emails",
        &[
            ("id", MAIL),
            ("school_id", MAIL),
            ("to_addr", MAIL),
            ("subject", MAIL),
            ("body_text", MAIL),
            ("body_html", MAIL),
            ("status", MAIL),
            ("error", MAIL),
            ("created_at", MAIL),
            ("sent_at", MAIL),
            ("ics", MAIL),
            ("ics_method", MAIL),
            ("secret_sealed", MAIL),
            ("secret_user_id", MAIL),
            ("attachment_name", MAIL),
            ("attachment_type", MAIL),
            ("attachment_data", MAIL),
            ("headers", MAIL),
        ],
    ),
    (
        "live_mail_optouts",
        &[
            ("school_id", PREFS),
            ("user_id", PREFS),
            ("course_id", PREFS),
            ("created_at", PREFS),
        ],
    ),
    (
        "course_groups",
        &[
            ("id", CONTENT),
            ("school_id", CONTENT),
            ("course_id", CONTENT),
            ("name", CONTENT),
            ("created_at", CONTENT),
        ],
    ),
    (
        "course_group_members",
        &[
            ("group_id", CONTENT),
            ("school_id", CONTENT),
            ("user_id", CONTENT),
        ],
    ),
    (
        "course_live_options",
        &[
            ("course_id", CONTENT),
            ("school_id", CONTENT),
            ("options", CONTENT),
            ("updated_at", CONTENT),
        ],
    ),
    (
        "lesson_live_options",
        &[
            ("lesson_id", CONTENT),
            ("school_id", CONTENT),
            ("course_id", CONTENT),
            ("options", CONTENT),
            ("external_url", CONTENT),
            ("updated_at", CONTENT),
        ],
    ),
    (
        "booking_programs",
        &[
            ("id", BOOKINGS),
            ("school_id", BOOKINGS),
            ("course_id", BOOKINGS),
            ("coach_id", BOOKINGS),
            ("timezone", BOOKINGS),
            ("slot_min", BOOKINGS),
            ("buffer_min", BOOKINGS),
            ("horizon_days", BOOKINGS),
            ("notice_min", BOOKINGS),
            ("cutoff_min", BOOKINGS),
            ("one_per_student", BOOKINGS),
            ("created_at", BOOKINGS),
            ("updated_at", BOOKINGS),
        ],
    ),
    (
        "booking_windows",
        &[
            ("id", BOOKINGS),
            ("school_id", BOOKINGS),
            ("program_id", BOOKINGS),
            ("weekday", BOOKINGS),
            ("start_min", BOOKINGS),
            ("end_min", BOOKINGS),
        ],
    ),
    (
        "booking_exceptions",
        &[
            ("id", BOOKINGS),
            ("school_id", BOOKINGS),
            ("program_id", BOOKINGS),
            ("day", BOOKINGS),
            ("kind", BOOKINGS),
            ("start_min", BOOKINGS),
            ("end_min", BOOKINGS),
        ],
    ),
    (
        "exports",
        &[
            ("id", EXPORTS),
            ("school_id", EXPORTS),
            ("requested_by", EXPORTS),
            ("state", EXPORTS),
            ("storage_key", EXPORTS),
            ("bytes", EXPORTS),
            ("error", EXPORTS),
            ("created_at", EXPORTS),
            ("finished_at", EXPORTS),
            ("expires_at", EXPORTS),
        ],
    ),
    (
        "api_tokens",
        &[
            ("id", API),
            ("school_id", API),
            ("user_id", API),
            ("name", API),
            ("token_hash", API),
            ("prefix", API),
            ("scopes", API),
            ("created_at", API),
            ("expires_at", API),
            ("last_used_at", API),
            ("revoked_at", API),
        ],
    ),
    (
        "api_idempotency",
        &[
            ("school_id", API),
            ("user_id", API),
            ("idem_key", API),
            ("fingerprint", API),
            ("status", API),
            ("body", API),
            ("created_at", API),
        ],
    ),
    (
        "outbound_endpoints",
        &[
            ("id", OUTBOUND),
            ("school_id", OUTBOUND),
            ("url", OUTBOUND),
            ("events", OUTBOUND),
            ("allow_private", OUTBOUND),
            ("secret_sealed", OUTBOUND),
            ("key_id", OUTBOUND),
            ("disabled_at", OUTBOUND),
            ("disabled_reason", OUTBOUND),
            ("consecutive_failures", OUTBOUND),
            ("created_at", OUTBOUND),
            ("updated_at", OUTBOUND),
        ],
    ),
    (
        "outbound_deliveries",
        &[
            ("id", OUTBOUND),
            ("school_id", OUTBOUND),
            ("endpoint_id", OUTBOUND),
            ("event_key", OUTBOUND),
            ("event_id", OUTBOUND),
            ("event_type", OUTBOUND),
            ("body", OUTBOUND),
            ("state", OUTBOUND),
            ("round", OUTBOUND),
            ("attempts", OUTBOUND),
            ("last_status", OUTBOUND),
            ("last_response", OUTBOUND),
            ("last_error", OUTBOUND),
            ("last_duration_ms", OUTBOUND),
            ("last_attempt_at", OUTBOUND),
            ("next_attempt_at", OUTBOUND),
            ("created_at", OUTBOUND),
        ],
    ),
    (
        "bookings",
        &[
            ("id", BOOKINGS),
            ("school_id", BOOKINGS),
            ("program_id", BOOKINGS),
            ("course_id", BOOKINGS),
            ("coach_id", BOOKINGS),
            ("student_id", BOOKINGS),
            ("starts_at", BOOKINGS),
            ("ends_at", BOOKINGS),
            ("lesson_id", BOOKINGS),
            ("state", BOOKINGS),
            ("created_at", BOOKINGS),
            ("cancelled_at", BOOKINGS),
            ("cancelled_by", BOOKINGS),
        ],
    ),
    (
        "campaigns",
        &[
            ("id", MAIL),
            ("school_id", MAIL),
            ("author_id", MAIL),
            ("subject", MAIL),
            ("body_md", MAIL),
            ("audience", MAIL),
            ("course_id", MAIL),
            ("lesson_id", MAIL),
            ("send_at", MAIL),
            ("state", MAIL),
            ("recipients", MAIL),
            ("created_at", MAIL),
            ("updated_at", MAIL),
        ],
    ),
    (
        "campaign_recipients",
        &[
            ("campaign_id", MAIL),
            ("school_id", MAIL),
            ("user_id", MAIL),
            ("state", MAIL),
            ("email_id", MAIL),
            ("updated_at", MAIL),
        ],
    ),
    (
        "lesson_series",
        &[
            ("id", CONTENT),
            ("school_id", CONTENT),
            ("course_id", CONTENT),
            ("title", CONTENT),
            ("kind", CONTENT),
            ("freq", CONTENT),
            ("interval_n", CONTENT),
            ("weekdays", CONTENT),
            ("first_date", CONTENT),
            ("local_time", CONTENT),
            ("timezone", CONTENT),
            ("count_n", CONTENT),
            ("until_date", CONTENT),
            ("duration_min", CONTENT),
            ("created_by", CONTENT),
            ("created_at", CONTENT),
            ("updated_at", CONTENT),
        ],
    ),
    (
        "lesson_series_members",
        &[
            ("lesson_id", CONTENT),
            ("series_id", CONTENT),
            ("school_id", CONTENT),
            ("idx", CONTENT),
        ],
    ),
    (
        "mail_unsubscribes",
        &[
            ("school_id", PREFS),
            ("user_id", PREFS),
            ("created_at", PREFS),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", HISTORY),
            ("school_id", HISTORY),
            ("actor_user_id", HISTORY),
            ("action", HISTORY),
            (
                "detail",
                Ours("Zoom actions record the connection's scope key only"),
            ),
            ("created_at", HISTORY),
        ],
    ),
    (
        "zoom_connections",
        &[
            ("id", CONNECTION_RECORD),
            ("school_id", CONNECTION_RECORD),
            ("scope_key", Ours("'school' or 'user:<our user id>'")),
            ("owner_user_id", CONNECTION_RECORD),
            ("state", CONNECTION_RECORD),
            ("zoom_account_id", Wiped("the Zoom account")),
            ("zoom_user_id", Wiped("the Zoom user who connected")),
            ("zoom_email", Wiped("the Zoom user who connected")),
            ("zoom_display_name", Wiped("the Zoom user who connected")),
            ("scopes", Wiped("what the Zoom account granted")),
            ("api_url", Wiped("the Zoom account's API host")),
            ("connected_at", CONNECTION_RECORD),
            ("connected_by", CONNECTION_RECORD),
            ("disconnected_at", CONNECTION_RECORD),
            ("deauthorized_at", CONNECTION_RECORD),
            ("last_refresh_at", CONNECTION_RECORD),
            ("last_error", Wiped("Zoom's words about the account")),
            ("last_error_at", Wiped("goes with its error")),
            ("reconnect_notified_at", CONNECTION_RECORD),
            ("updated_at", CONNECTION_RECORD),
        ],
    ),
    (
        "zoom_tokens",
        &[
            ("connection_id", RowsGone("the Zoom account's tokens")),
            ("school_id", RowsGone("the Zoom account's tokens")),
            ("key_id", RowsGone("the Zoom account's tokens")),
            ("access_sealed", RowsGone("the Zoom account's tokens")),
            ("refresh_sealed", RowsGone("the Zoom account's tokens")),
            ("access_expires_at", RowsGone("the Zoom account's tokens")),
            ("version", RowsGone("the Zoom account's tokens")),
            ("refresh_lease_until", RowsGone("the Zoom account's tokens")),
            ("refresh_lease_by", RowsGone("the Zoom account's tokens")),
            ("updated_at", RowsGone("the Zoom account's tokens")),
        ],
    ),
    (
        "zoom_oauth_states",
        &[
            ("id", RowsGone("connect flows in progress")),
            ("school_id", RowsGone("connect flows in progress")),
            ("user_id", RowsGone("connect flows in progress")),
            ("session_hash", RowsGone("connect flows in progress")),
            ("state_hash", RowsGone("connect flows in progress")),
            ("scope_key", RowsGone("connect flows in progress")),
            ("verifier_sealed", RowsGone("connect flows in progress")),
            ("created_at", RowsGone("connect flows in progress")),
            ("expires_at", RowsGone("connect flows in progress")),
            ("used_at", RowsGone("connect flows in progress")),
        ],
    ),
    (
        "zoom_rate_counters",
        &[
            ("counter_key", RowsGone("keys name Zoom accounts and users")),
            ("hits", RowsGone("keys name Zoom accounts and users")),
            ("expires_at", RowsGone("keys name Zoom accounts and users")),
        ],
    ),
    (
        "zoom_events",
        &[
            ("id", RowsGone("webhook bodies name meetings and people")),
            (
                "dedupe_key",
                RowsGone("webhook bodies name meetings and people"),
            ),
            ("event", RowsGone("webhook bodies name meetings and people")),
            (
                "zoom_account_id",
                RowsGone("webhook bodies name meetings and people"),
            ),
            (
                "payload",
                RowsGone("webhook bodies name meetings and people"),
            ),
            (
                "event_ts",
                RowsGone("webhook bodies name meetings and people"),
            ),
            (
                "received_at",
                RowsGone("webhook bodies name meetings and people"),
            ),
            (
                "processed_at",
                RowsGone("webhook bodies name meetings and people"),
            ),
        ],
    ),
    (
        "live_sessions",
        &[
            ("id", HISTORY),
            ("school_id", HISTORY),
            ("course_id", HISTORY),
            ("lesson_id", HISTORY),
            ("is_webinar", HISTORY),
            ("state", HISTORY),
            ("attempt", HISTORY),
            ("starting_since", HISTORY),
            ("host_user_id", Ours("the Lectern user who hosted")),
            (
                "connection_id",
                Ours("our id of the anonymous connection record"),
            ),
            ("zoom_host_id", Wiped("the Zoom user hosting the meeting")),
            ("zoom_account_id", Wiped("the Zoom account of the meeting")),
            ("meeting_id", Wiped("the meeting")),
            ("meeting_uuid", Wiped("the meeting")),
            ("join_url_sealed", Wiped("opens the meeting")),
            ("passcode_sealed", Wiped("opens the meeting")),
            ("key_id", Ours("which of our keys sealed them")),
            ("host_present", HISTORY),
            ("linked_at", HISTORY),
            ("started_at", HISTORY),
            ("ended_at", HISTORY),
            ("zoom_deleted_at", HISTORY),
            ("cleaned_up_at", HISTORY),
            ("last_error", Wiped("may quote Zoom")),
            ("last_error_args", Wiped("may quote Zoom")),
            ("last_error_at", Wiped("goes with its error")),
            ("created_at", HISTORY),
            ("updated_at", HISTORY),
            ("expired_at", HISTORY),
            ("people_built", HISTORY),
        ],
    ),
    (
        "live_attendance_people",
        &[
            ("session_id", HISTORY),
            (
                "person_key",
                Anonymised {
                    ok: "person_key LIKE 'u:%' OR person_key LIKE 'g:%'",
                    why: "a guest's key was their e-mail, Zoom id or name; our users' keys are our ids",
                },
            ),
            ("school_id", HISTORY),
            ("user_id", Ours("the Lectern user it was matched to")),
            ("name", Wiped("the participant's Zoom name")),
            ("email", Wiped("the participant's Zoom e-mail")),
            ("is_host", HISTORY),
            ("lead_orphan", HISTORY),
            ("closed", HISTORY),
            ("closed_ms", HISTORY),
            ("open_from", HISTORY),
            ("first_join", HISTORY),
            ("last_leave", HISTORY),
            ("updated_at", HISTORY),
        ],
    ),
    (
        "usage_stats",
        &[
            (
                "id",
                Ours("the instance's one row of its anonymous usage statistics"),
            ),
            ("opted_in", Ours("the operator's choice")),
            ("changed_by", Ours("the Lectern admin who chose")),
            ("changed_at", HISTORY),
            ("last_period", HISTORY),
            ("last_sent_at", HISTORY),
        ],
    ),
    (
        "live_attendance_events",
        &[
            ("id", HISTORY),
            ("school_id", HISTORY),
            ("session_id", HISTORY),
            (
                "participant_key",
                Anonymised {
                    ok: "participant_key LIKE 'u:%' OR participant_key LIKE 'g:%'",
                    why: "a guest's key was their e-mail, Zoom id or name; our users' keys are our ids",
                },
            ),
            ("user_id", Ours("the Lectern user it was matched to")),
            ("name", Wiped("the participant's Zoom name")),
            ("email", Wiped("the participant's Zoom e-mail")),
            ("is_host", HISTORY),
            ("kind", HISTORY),
            ("at", HISTORY),
            ("source", HISTORY),
            ("created_at", HISTORY),
        ],
    ),
    (
        "live_recordings",
        &[
            ("id", HISTORY),
            ("school_id", HISTORY),
            ("session_id", HISTORY),
            (
                "file_id",
                Anonymised {
                    ok: "file_id LIKE 'wiped:%'",
                    why: "Zoom's id of the recording file",
                },
            ),
            ("file_type", HISTORY),
            ("play_url", Wiped("opens the recording in Zoom")),
            ("download_url", Wiped("fetches the recording from Zoom")),
            ("recording_start", HISTORY),
            ("recording_end", HISTORY),
            ("file_size", HISTORY),
            ("created_at", HISTORY),
            ("play_passcode_sealed", Wiped("opens the recording in Zoom")),
        ],
    ),
    (
        "live_gone_notices_sent",
        &[
            ("school_id", HISTORY),
            ("lesson_id", HISTORY),
            ("user_id", HISTORY),
            ("sequence", HISTORY),
            ("email_id", HISTORY),
            ("created_at", HISTORY),
        ],
    ),
    (
        "live_notifications_sent",
        &[
            ("school_id", HISTORY),
            ("lesson_id", HISTORY),
            ("user_id", HISTORY),
            ("kind", HISTORY),
            ("starts_at", HISTORY),
            ("sequence", HISTORY),
            ("email_id", HISTORY),
            ("created_at", HISTORY),
        ],
    ),
    (
        "analytics_buckets",
        &[
            ("school_id", ANALYTICS),
            ("course_id", ANALYTICS),
            ("metric", ANALYTICS),
            ("bucket", ANALYTICS),
            ("label", ANALYTICS),
            ("value", ANALYTICS),
        ],
    ),
    (
        "analytics_rollups",
        &[
            ("course_id", ANALYTICS),
            ("school_id", ANALYTICS),
            ("rolled_at", ANALYTICS),
            ("stale_since", ANALYTICS),
        ],
    ),
    (
        "live_dashboard_settings",
        &[
            ("lesson_id", CONTENT),
            ("school_id", CONTENT),
            ("late_grace_min", CONTENT),
            ("updated_at", CONTENT),
        ],
    ),
    (
        "calendar_feeds",
        &[
            ("user_id", ACCOUNT),
            ("school_id", ACCOUNT),
            ("token_hash", ACCOUNT),
            ("token_sealed", ACCOUNT),
            ("created_at", ACCOUNT),
        ],
    ),
    (
        "discussion_threads",
        &[
            ("id", DISCUSSIONS),
            ("school_id", DISCUSSIONS),
            ("course_id", DISCUSSIONS),
            ("lesson_id", DISCUSSIONS),
            ("author_id", DISCUSSIONS),
            ("title", DISCUSSIONS),
            ("pinned", DISCUSSIONS),
            ("locked", DISCUSSIONS),
            ("answer_post_id", DISCUSSIONS),
            ("post_count", DISCUSSIONS),
            ("created_at", DISCUSSIONS),
            ("last_post_at", DISCUSSIONS),
        ],
    ),
    (
        "discussion_posts",
        &[
            ("id", DISCUSSIONS),
            ("school_id", DISCUSSIONS),
            ("course_id", DISCUSSIONS),
            ("thread_id", DISCUSSIONS),
            ("author_id", DISCUSSIONS),
            ("title", DISCUSSIONS),
            ("body", DISCUSSIONS),
            ("body_html", DISCUSSIONS),
            ("state", DISCUSSIONS),
            ("moderated_by", DISCUSSIONS),
            ("created_at", DISCUSSIONS),
            ("edited_at", DISCUSSIONS),
            ("notified_at", DISCUSSIONS),
            ("search_vector", DISCUSSIONS),
            ("attachment_file_id", DISCUSSIONS),
        ],
    ),
    (
        "discussion_reads",
        &[
            ("thread_id", DISCUSSIONS),
            ("user_id", DISCUSSIONS),
            ("school_id", DISCUSSIONS),
            ("read_at", DISCUSSIONS),
        ],
    ),
    (
        "discussion_thread_subscriptions",
        &[
            ("thread_id", DISCUSSIONS),
            ("user_id", DISCUSSIONS),
            ("school_id", DISCUSSIONS),
            ("created_at", DISCUSSIONS),
        ],
    ),
    (
        "discussion_board_subscriptions",
        &[
            ("course_id", DISCUSSIONS),
            ("user_id", DISCUSSIONS),
            ("school_id", DISCUSSIONS),
            ("created_at", DISCUSSIONS),
        ],
    ),
    (
        "discussion_preferences",
        &[
            ("user_id", DISCUSSIONS),
            ("school_id", DISCUSSIONS),
            ("delivery", DISCUSSIONS),
            ("digest_through", DISCUSSIONS),
            ("updated_at", DISCUSSIONS),
        ],
    ),
    (
        "discussion_reports",
        &[
            ("id", DISCUSSIONS),
            ("school_id", DISCUSSIONS),
            ("course_id", DISCUSSIONS),
            ("post_id", DISCUSSIONS),
            ("reporter_id", DISCUSSIONS),
            ("reason", DISCUSSIONS),
            ("created_at", DISCUSSIONS),
            ("resolved_at", DISCUSSIONS),
            ("resolved_by", DISCUSSIONS),
        ],
    ),
    (
        "discussion_search",
        &[
            ("post_id", DISCUSSIONS),
            ("title", DISCUSSIONS),
            ("body", DISCUSSIONS),
        ],
    ),
    (
        "discussion_search_config",
        &[("k", DISCUSSIONS), ("v", DISCUSSIONS)],
    ),
    (
        "discussion_search_content",
        &[
            ("id", DISCUSSIONS),
            ("c0", DISCUSSIONS),
            ("c1", DISCUSSIONS),
            ("c2", DISCUSSIONS),
        ],
    ),
    (
        "discussion_search_data",
        &[("id", DISCUSSIONS), ("block", DISCUSSIONS)],
    ),
    (
        "discussion_search_docsize",
        &[("id", DISCUSSIONS), ("sz", DISCUSSIONS)],
    ),
    (
        "discussion_search_idx",
        &[
            ("segid", DISCUSSIONS),
            ("term", DISCUSSIONS),
            ("pgno", DISCUSSIONS),
        ],
    ),
];

/// Where a known identifier may still be, because it is also our own data: a Lectern
/// user's own address and name (the host's Zoom login is the instructor's address), and
/// the sign-in throttles keyed by that address (an address an account signed in from is
/// remembered there).
const OURS_TOO: &[(&str, &str)] = &[
    ("users", "email"),
    ("users", "email_norm"),
    ("users", "display_name"),
    ("throttles", "bucket"),
];

const GUEST_EMAIL: &str = "gus.guest@outside.example";
const GUEST_NAME: &str = "Gus Guest";
const LATE_GUEST_EMAIL: &str = "gina.guest@outside.example";
const LATE_GUEST_NAME: &str = "Gina Guest";

/// Three live lessons of one course, at the moment "Delete all Zoom data" is pressed:
/// `held` took place (a student, a guest and the host came), ended in Zoom and has its
/// recording; `under_way` is live with the host and a guest in it; `opened` was started
/// but nobody has come.
struct Scenario {
    t: Live,
    teacher: TestClient,
    held: (i64, i64),
    under_way: (i64, i64),
    opened: (i64, i64),
}

async fn add_lesson(t: &Live, title: &str) -> i64 {
    courses::insert_lesson(
        &t.app.db,
        &*t.app.state.course_hooks,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        &LessonRecord {
            title: title.into(),
            required: true,
            body: String::new(),
            content: LessonContent::Live {
                webinar: false,
                schedule: Schedule::at(now_ms() + 5 * 60_000, "Europe/Berlin", 60),
            },
        },
    )
    .await
    .unwrap()
    .0
}

/// Starts `t.lesson` as `teacher`; returns the meeting's id.
async fn started(t: &Live, teacher: &TestClient) -> i64 {
    let r = t.start(teacher).await;
    r.assert_status(303);
    assert!(
        r.location()
            .unwrap_or_default()
            .starts_with(&t.zoom.sim.base_url()),
        "the host is sent to Zoom: {:?}",
        r.location()
    );
    t.session().await.meeting_id.expect("linked to a meeting")
}

/// Waits until `email` has `n` attendance rows.
async fn attended(t: &Live, email: &str, n: i64) {
    eventually("attendance recorded", Duration::from_secs(10), || async {
        t.app.drain_jobs().await;
        let got: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM live_attendance_events WHERE email = $1")
                .bind(email)
                .fetch_one(&t.app.db.pool)
                .await
                .unwrap();
        (got >= n).then_some(())
    })
    .await;
}

async fn scenario(b: TestAppBuilder) -> Scenario {
    let mut t = setup(b).await;
    let teacher = t.app.signed_in(&t.app.instructor).await;
    let held_lesson = t.lesson;
    let under_way_lesson = add_lesson(&t, "Under way").await;
    let opened_lesson = add_lesson(&t, "Opened").await;
    // Saved with their Zoom host, as the lesson editor records it.
    let conn = zoom_connection::find(&t.app.db, t.app.school.id, Owner::School)
        .await
        .unwrap()
        .expect("connected");
    let host = courses::LessonHost {
        user_id: t.app.instructor.id,
        host: Host {
            connection_id: conn.id,
            zoom_user_id: conn.zoom_user_id.clone().unwrap(),
            zoom_email: conn.zoom_email.clone().unwrap(),
        },
    };
    for lesson in [held_lesson, under_way_lesson, opened_lesson] {
        courses::set_lesson_host(
            &t.app.db,
            SchoolId(t.app.school.id),
            LessonId(lesson),
            Some(&host),
        )
        .await
        .unwrap();
    }

    let m = started(&t, &teacher).await;
    t.host_in(m).await;
    let key = t.customer_key(t.app.student.id).await;
    t.zoom
        .sim
        .participant_join(m, "Sam Student", &t.app.student.email, &key);
    // A key that is not ours: a guest, kept by their e-mail until the wipe.
    t.zoom
        .sim
        .participant_join(m, GUEST_NAME, GUEST_EMAIL, "guest-key-1");
    attended(&t, GUEST_EMAIL, 1).await;
    t.zoom.sim.participant_leave(m, "guest-key-1");
    attended(&t, GUEST_EMAIL, 2).await;
    t.ended_in_zoom(m).await;
    t.recording_collected(m).await;
    let held = (held_lesson, m);

    t.lesson = under_way_lesson;
    let m = started(&t, &teacher).await;
    t.host_in(m).await;
    t.zoom
        .sim
        .participant_join(m, LATE_GUEST_NAME, LATE_GUEST_EMAIL, "guest-key-2");
    attended(&t, LATE_GUEST_EMAIL, 1).await;
    let under_way = (under_way_lesson, m);

    t.lesson = opened_lesson;
    let m = started(&t, &teacher).await;
    let opened = (opened_lesson, m);
    t.app.drain_jobs().await;
    Scenario {
        t,
        teacher,
        held,
        under_way,
        opened,
    }
}

async fn delete_all_zoom_data(t: &Live) {
    t.app
        .signed_in(&t.app.admin)
        .await
        .post_form("/integrations/zoom/delete-data", &[("confirm", "DELETE")])
        .await
        .assert_redirect_to("/settings/integrations");
}

async fn strings(t: &Live, sql: &'static str) -> Vec<String> {
    sqlx::query_scalar(sql)
        .fetch_all(&t.app.db.pool)
        .await
        .unwrap()
}

/// What names a Zoom account, user, meeting, recording or guest in this scenario: what the
/// simulator made, and what the Zoom columns and webhook bodies held before the wipe.
async fn zoom_identifiers(s: &Scenario) -> BTreeSet<String> {
    let t = &s.t;
    let mut ids: BTreeSet<String> = [
        t.zoom.account.clone(),
        t.zoom.zoom_user.clone(),
        GUEST_EMAIL.into(),
        GUEST_NAME.into(),
        LATE_GUEST_EMAIL.into(),
        LATE_GUEST_NAME.into(),
    ]
    .into();
    for (_, m) in [s.held, s.under_way, s.opened] {
        ids.insert(m.to_string());
        ids.insert(t.zoom.sim.meeting(m).expect("in Zoom").uuid);
    }
    for sql in [
        "SELECT meeting_uuid FROM live_sessions WHERE meeting_uuid IS NOT NULL",
        "SELECT zoom_host_id FROM lessons WHERE zoom_host_id IS NOT NULL",
        "SELECT zoom_host_email FROM lessons WHERE zoom_host_email IS NOT NULL",
        "SELECT file_id FROM live_recordings",
        "SELECT substr(participant_key, 3) FROM live_attendance_events WHERE participant_key NOT LIKE 'u:%'",
    ] {
        ids.extend(strings(t, sql).await);
    }
    // Participants' and meetings' ids in the webhook bodies.
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        const ID_KEYS: &[&str] = &[
            "account_id",
            "host_id",
            "uuid",
            "participant_uuid",
            "participant_user_id",
            "file_id",
        ];
        match v {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    match v.as_str() {
                        Some(s) if ID_KEYS.contains(&k.as_str()) && s.len() >= 8 => {
                            out.insert(s.to_string());
                        }
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    for body in strings(t, "SELECT payload FROM zoom_events").await {
        if let Ok(v) = serde_json::from_str(&body) {
            walk(&v, &mut ids);
        }
    }
    ids.retain(|s| s.len() >= 6);
    ids
}

/// Where each identifier is stored (outside [`OURS_TOO`]).
fn found(values: &[catalog::Value], ids: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        for v in catalog::containing(values, id) {
            if !OURS_TOO.contains(&(v.table.as_str(), v.column.as_str())) {
                out.push(format!(
                    "{id:?} in {}.{}: {:.120}",
                    v.table, v.column, v.text
                ));
            }
        }
    }
    out
}

db_test!(
    after_delete_all_zoom_data_no_column_of_any_table_names_a_zoom_account_user_meeting_or_guest
);
async fn after_delete_all_zoom_data_no_column_of_any_table_names_a_zoom_account_user_meeting_or_guest(
    b: TestAppBuilder,
) {
    let s = scenario(b).await;
    let t = &s.t;
    let ids = zoom_identifiers(&s).await;
    // The search can fail: before the wipe it finds them all.
    let before = catalog::values(&t.app.db).await;
    for id in [
        t.zoom.account.as_str(),
        &t.zoom.zoom_user,
        GUEST_EMAIL,
        &s.under_way.1.to_string(),
    ] {
        assert!(
            !found(&before, &BTreeSet::from([id.to_string()])).is_empty(),
            "{id} is stored before the wipe"
        );
    }
    for (what, sql) in [
        ("rate counters", "SELECT COUNT(*) FROM zoom_rate_counters"),
        ("webhook events", "SELECT COUNT(*) FROM zoom_events"),
        ("recordings", "SELECT COUNT(*) FROM live_recordings"),
        (
            "lesson hosts",
            "SELECT COUNT(*) FROM lessons WHERE zoom_host_id IS NOT NULL",
        ),
        (
            "jobs naming meetings",
            "SELECT COUNT(*) FROM jobs WHERE kind IN ('live_delete_meeting', 'live_attendance_report')",
        ),
    ] {
        assert!(t.app.scalar(sql).await > 0, "the scenario has {what}");
    }
    let attendance_rows = t
        .app
        .scalar("SELECT COUNT(*) FROM live_attendance_events")
        .await;

    delete_all_zoom_data(t).await;
    // The guest still in the meeting, which runs on in Zoom, leaves: Zoom tells us.
    t.zoom.sim.participant_leave(s.under_way.1, "guest-key-2");
    t.zoom
        .sim
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter().any(|x| {
                x.event == "meeting.participant_left"
                    && x.status == Some(200)
                    && x.body.contains(LATE_GUEST_EMAIL)
            })
        })
        .await;
    t.app.drain_jobs().await;

    // Every column of the schema is classified, and nothing classified is gone.
    let schema = catalog::columns(&t.app.db).await;
    let listed: BTreeMap<&str, BTreeMap<&str, Holds>> = COLUMNS
        .iter()
        .map(|(table, cols)| (*table, cols.iter().copied().collect()))
        .collect();
    let mut unclassified = Vec::new();
    for (table, cols) in &schema {
        for c in cols {
            if !listed
                .get(table.as_str())
                .is_some_and(|l| l.contains_key(c.as_str()))
            {
                unclassified.push(format!("{table}.{c}"));
            }
        }
    }
    assert!(
        unclassified.is_empty(),
        "columns that may hold Zoom data or not: classify them in zoom_wipe::COLUMNS \
                 (and make \"Delete all Zoom data\" wipe them if they do): {unclassified:?}"
    );
    for (table, cols) in &listed {
        for (c, holds) in cols {
            // Discussions' full-text index exists on one backend only (docs/discussions.md),
            // and so does SQLite's change log (migration 0034).
            let one_backend = (*table == "discussion_posts" && *c == "search_vector")
                || table.starts_with("discussion_search")
                || *table == "change_log";
            assert!(
                schema.get(*table).is_some_and(|s| s.iter().any(|x| x == c)) || one_backend,
                "{table}.{c} is classified but no longer exists"
            );
            assert!(!holds.reason().is_empty(), "{table}.{c}: say why");
        }
    }

    // Each class holds.
    for (table, cols) in &listed {
        for (col, holds) in cols {
            let (sql, why) = match holds {
                Wiped(why) => (
                    format!(
                        "SELECT COUNT(*) FROM {table} WHERE {col} IS NOT NULL AND CAST({col} AS TEXT) <> ''"
                    ),
                    *why,
                ),
                Anonymised { ok, why } => {
                    let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT COUNT(*) FROM {table}"
                    )))
                    .fetch_one(&t.app.db.pool)
                    .await
                    .unwrap();
                    assert!(rows > 0, "{table} keeps its history");
                    (
                        format!("SELECT COUNT(*) FROM {table} WHERE NOT ({ok})"),
                        *why,
                    )
                }
                RowsGone(why) => (format!("SELECT COUNT(*) FROM {table}"), *why),
                Ours(_) | Searched(_) => continue,
            };
            let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&t.app.db.pool)
                .await
                .unwrap();
            assert_eq!(left, 0, "{table}.{col} ({why}) is left after the wipe");
        }
    }
    let zoom_jobs = t
        .app
        .scalar(
            "SELECT COUNT(*) FROM jobs WHERE kind IN
                       ('live_reconcile', 'live_delete_meeting', 'live_end_overdue', 'live_attendance_report')",
        )
        .await;
    assert_eq!(zoom_jobs, 0, "no job is left to reach a meeting");

    // Belt and braces: no value of any column names them.
    let after = catalog::values(&t.app.db).await;
    let left = found(&after, &ids);
    assert!(left.is_empty(), "left after the wipe:\n{}", left.join("\n"));

    // The history stays, anonymous: every row, the student's minutes, the guest's.
    assert_eq!(
        t.app
            .scalar("SELECT COUNT(*) FROM live_attendance_events")
            .await,
        attendance_rows,
        "every row stays, anonymous (the late leave concerns no session any more)"
    );
    let page = s
        .teacher
        .get(&format!("/live/{}/attendance", s.held.0))
        .await;
    page.assert_status(200);
    for id in &ids {
        assert!(
            !page.text.contains(id.as_str()),
            "{id} on the attendance page"
        );
    }
    let student = format!("#attendance tr[data-key='u:{}']", t.app.student.id);
    assert_eq!(
        page.attr(&student, "data-attended").as_deref(),
        Some("true"),
        "the student's attendance stays"
    );
    assert_eq!(
        page.texts("#unmatched tbody tr").len(),
        1,
        "so does the guest's"
    );
    let guest = page
        .attr("#unmatched tr[data-key]", "data-key")
        .unwrap_or_default();
    assert!(
        guest.starts_with("g:"),
        "named by nothing of theirs: {guest}"
    );
    let csv = s
        .teacher
        .get(&format!("/live/{}/attendance.csv", s.held.0))
        .await;
    csv.assert_status(200);
    assert!(!csv.text.contains(GUEST_EMAIL) && !csv.text.contains(GUEST_NAME));
}

db_test!(a_meeting_under_way_during_delete_all_zoom_data_ends_and_after_reconnecting_start_works);
async fn a_meeting_under_way_during_delete_all_zoom_data_ends_and_after_reconnecting_start_works(
    b: TestAppBuilder,
) {
    let mut s = scenario(b).await;
    delete_all_zoom_data(&s.t).await;
    let admin = s.t.app.signed_in(&s.t.app.admin).await;
    s.t.zoom.connect(&admin, "school").await.assert_status(200);

    // The session that was under way ended cleanly when its meeting was forgotten.
    s.t.lesson = s.under_way.0;
    let under_way = s.t.session().await;
    assert_eq!(under_way.state, "ended");
    assert!(under_way.ended_at.is_some() && under_way.started_at.is_some());
    assert!(under_way.meeting_id.is_none() && !under_way.host_present());
    let page = s.teacher.get(&s.t.lesson_url()).await;
    assert!(
        !page.texts("#live-ended").is_empty(),
        "the host sees it ended"
    );
    assert!(
        page.texts("#live-start").is_empty(),
        "no \"Open the meeting as host\" that can only fail: {:?}",
        page.texts("#live-start")
    );

    // The one nobody had come to is back to scheduled: Start makes a new meeting.
    s.t.lesson = s.opened.0;
    let opened = s.t.session().await;
    assert_eq!(opened.state, "scheduled");
    let page = s.teacher.get(&s.t.lesson_url()).await;
    assert_eq!(page.texts("#live-start"), vec!["Start Meeting"]);
    let m = started(&s.t, &s.teacher).await;
    assert_ne!(m, s.opened.1, "a new meeting, in the reconnected account");
    assert_eq!(s.t.session().await.state, "live");
    // Zoom's news of it is heard (webhook ids that the wipe freed are used again).
    s.t.host_in(m).await;
    // And the host can open it again.
    let r = s.t.start(&s.teacher).await;
    r.assert_status(303);
    assert!(
        r.location()
            .unwrap_or_default()
            .starts_with(&s.t.zoom.sim.base_url()),
        "{:?}",
        r.location()
    );

    // The session that took place is still ended, with its anonymous minutes.
    s.t.lesson = s.held.0;
    let held = s.t.session().await;
    assert_eq!(held.state, "ended");
    let page = s.teacher.get(&s.t.lesson_url()).await;
    assert!(page.texts("#live-start").is_empty());
}

db_test!(deleting_one_schools_zoom_data_leaves_a_school_sharing_the_zoom_account_alone);
async fn deleting_one_schools_zoom_data_leaves_a_school_sharing_the_zoom_account_alone(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    let other = t.app.other_school().await;
    // The other school connected the same Zoom account (its own row), has counted
    // calls against it and has a webhook event waiting to be processed.
    sqlx::query(
        "INSERT INTO zoom_connections (school_id, scope_key, state, zoom_account_id, zoom_user_id, updated_at)
                 VALUES ($1, 'school', 'connected', $2, 'other-schools-zoom-user', 0)",
    )
    .bind(other.school.id)
    .bind(&t.zoom.account)
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    let far = now_ms() + 3_600_000;
    for key in [
        zoom::ratelimit::account_key_prefix(&t.zoom.account) + "light:blocked",
        zoom::ratelimit::host_key_prefix("other-schools-zoom-user") + "writes:2030-01-01",
        zoom::ratelimit::host_key_prefix(&t.zoom.zoom_user) + "writes:2030-01-01",
    ] {
        sqlx::query(
            "INSERT INTO zoom_rate_counters (counter_key, hits, expires_at) VALUES ($1, 1, $2)",
        )
        .bind(key)
        .bind(far)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO zoom_events (dedupe_key, event, zoom_account_id, payload, received_at)
                 VALUES ('pending', 'meeting.started', $1, '{}', 0)",
    )
    .bind(&t.zoom.account)
    .execute(&t.app.db.pool)
    .await
    .unwrap();

    delete_all_zoom_data(&t).await;

    let counters = strings(
        &t,
        "SELECT counter_key FROM zoom_rate_counters ORDER BY counter_key",
    )
    .await;
    for shared in [
        zoom::ratelimit::account_key_prefix(&t.zoom.account) + "light:blocked",
        zoom::ratelimit::host_key_prefix("other-schools-zoom-user") + "writes:2030-01-01",
    ] {
        assert!(counters.contains(&shared), "{shared} stays: {counters:?}");
    }
    let own = zoom::ratelimit::host_key_prefix(&t.zoom.zoom_user);
    assert!(
        !counters.iter().any(|c| c.starts_with(&own)),
        "what names only this school's Zoom user goes: {counters:?}"
    );
    assert_eq!(
        t.app
            .scalar("SELECT COUNT(*) FROM zoom_events WHERE dedupe_key = 'pending'")
            .await,
        1,
        "the other school's event is still owed its processing"
    );
    let theirs: (String, Option<String>) =
        sqlx::query_as("SELECT state, zoom_account_id FROM zoom_connections WHERE school_id = $1")
            .bind(other.school.id)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(theirs, ("connected".into(), Some(t.zoom.account.clone())));
}
