//! Which tables a school's archive holds, how their rows are found, and which columns name
//! rows of other tables (rewritten through the import's id maps). Every table of the schema
//! is either here or in [`EXCLUDED`] with its reason; `tests/it/export.rs` holds the
//! database's catalogue to that, so a new table fails the test until it is classified.

/// One exported table.
pub struct Table {
    pub name: &'static str,
    /// The `WHERE` clause selecting the school's rows (`$1` is the school's id).
    pub scope: &'static str,
    /// `ORDER BY` of the export: stable, and parents before the rows naming them where a
    /// table names itself (a replaced certificate names the newer one).
    pub order: &'static str,
    /// Has an integer `id` the target assigns anew (the old one goes into the id map).
    pub has_id: bool,
    /// Column → the table whose id it holds. A value ≤ 0 is kept (a sentinel, not a row).
    pub refs: &'static [(&'static str, &'static str)],
    /// Columns never written to the archive, with the reason: bound to this instance, to a
    /// connection that is not carried, or secret. They come back NULL or at their default.
    pub left_out: &'static [(&'static str, &'static str)],
    /// Columns holding a `/media/{file id}/…` path, rewritten to the new file id.
    pub media: &'static [&'static str],
}

const SCHOOL: (&str, &str) = ("school_id", "schools");
const IN_SCHOOL: &str = "school_id = $1";

const fn scoped(
    name: &'static str,
    order: &'static str,
    has_id: bool,
    refs: &'static [(&'static str, &'static str)],
) -> Table {
    Table {
        name,
        scope: IN_SCHOOL,
        order,
        has_id,
        refs,
        left_out: &[],
        media: &[],
    }
}

const ZOOM_LEFT_OUT: &str =
    "names a Zoom connection or user of this instance; the school connects Zoom again";

/// The exported tables, parents first (the import inserts them in this order).
pub const TABLES: &[Table] = &[
    Table {
        name: "schools",
        scope: "id = $1",
        order: "id",
        has_id: true,
        refs: &[],
        left_out: &[],
        media: &["logo_url", "favicon_url"],
    },
    Table {
        left_out: &[(
            "verified_at",
            "a custom domain routes only once this instance's operator approves it again",
        )],
        ..scoped("school_domains", "id", true, &[SCHOOL])
    },
    scoped("users", "id", true, &[SCHOOL]),
    Table {
        media: &["cover_url"],
        ..scoped("courses", "id", true, &[SCHOOL])
    },
    scoped(
        "course_instructors",
        "course_id, user_id",
        false,
        &[SCHOOL, ("course_id", "courses"), ("user_id", "users")],
    ),
    Table {
        left_out: &[
            ("zoom_connection_id", ZOOM_LEFT_OUT),
            ("zoom_host_id", ZOOM_LEFT_OUT),
            ("zoom_host_email", ZOOM_LEFT_OUT),
        ],
        ..scoped(
            "lessons",
            "id",
            true,
            &[
                SCHOOL,
                ("course_id", "courses"),
                ("host_user_id", "users"),
                ("private_user_id", "users"),
            ],
        )
    },
    Table {
        // Only files whose bytes are complete: an upload in progress or a file being
        // deleted has none to carry.
        scope: "school_id = $1 AND state = 'ready'",
        left_out: &[(
            "storage_key",
            "where this instance keeps the bytes; the import stores them under a new key",
        )],
        ..scoped(
            "files",
            "id",
            true,
            &[
                SCHOOL,
                ("course_id", "courses"),
                ("lesson_id", "lessons"),
                ("created_by", "users"),
            ],
        )
    },
    scoped(
        "enrollments",
        "id",
        true,
        &[SCHOOL, ("course_id", "courses"), ("user_id", "users")],
    ),
    scoped(
        "lesson_progress",
        "lesson_id, user_id",
        false,
        &[SCHOOL, ("lesson_id", "lessons"), ("user_id", "users")],
    ),
    scoped(
        "quiz_attempts",
        "id",
        true,
        &[SCHOOL, ("lesson_id", "lessons"), ("user_id", "users")],
    ),
    scoped(
        "lesson_evidence",
        "lesson_id, user_id",
        false,
        &[
            SCHOOL,
            ("lesson_id", "lessons"),
            ("user_id", "users"),
            ("manual_by", "users"),
        ],
    ),
    scoped(
        "completion_audit",
        "id",
        true,
        &[
            SCHOOL,
            ("course_id", "courses"),
            ("lesson_id", "lessons"),
            ("user_id", "users"),
            ("actor_id", "users"),
        ],
    ),
    scoped(
        "video_watch",
        "lesson_id, user_id",
        false,
        &[SCHOOL, ("lesson_id", "lessons"), ("user_id", "users")],
    ),
    scoped(
        "certificate_settings",
        "course_id",
        false,
        &[SCHOOL, ("course_id", "courses")],
    ),
    // Newest first: a replaced certificate names its replacement, which is then already in.
    scoped(
        "certificates",
        "id DESC",
        true,
        &[
            SCHOOL,
            ("course_id", "courses"),
            ("user_id", "users"),
            ("replaced_by", "certificates"),
        ],
    ),
    scoped(
        "course_groups",
        "id",
        true,
        &[SCHOOL, ("course_id", "courses")],
    ),
    scoped(
        "course_group_members",
        "group_id, user_id",
        false,
        &[SCHOOL, ("group_id", "course_groups"), ("user_id", "users")],
    ),
    scoped(
        "course_live_options",
        "course_id",
        false,
        &[SCHOOL, ("course_id", "courses")],
    ),
    scoped(
        "lesson_live_options",
        "lesson_id",
        false,
        &[SCHOOL, ("lesson_id", "lessons"), ("course_id", "courses")],
    ),
    scoped(
        "live_dashboard_settings",
        "lesson_id",
        false,
        &[SCHOOL, ("lesson_id", "lessons")],
    ),
    scoped(
        "lesson_series",
        "id",
        true,
        &[SCHOOL, ("course_id", "courses"), ("created_by", "users")],
    ),
    scoped(
        "lesson_series_members",
        "lesson_id",
        false,
        &[
            SCHOOL,
            ("lesson_id", "lessons"),
            ("series_id", "lesson_series"),
        ],
    ),
    scoped(
        "discussion_threads",
        "id",
        true,
        &[
            SCHOOL,
            ("course_id", "courses"),
            ("lesson_id", "lessons"),
            ("author_id", "users"),
            // A later table: filled in once the posts are in.
            ("answer_post_id", "discussion_posts"),
        ],
    ),
    scoped(
        "discussion_posts",
        "id",
        true,
        &[
            SCHOOL,
            ("course_id", "courses"),
            ("thread_id", "discussion_threads"),
            ("author_id", "users"),
            ("moderated_by", "users"),
            ("attachment_file_id", "files"),
        ],
    ),
    scoped(
        "discussion_reads",
        "thread_id, user_id",
        false,
        &[
            SCHOOL,
            ("thread_id", "discussion_threads"),
            ("user_id", "users"),
        ],
    ),
    scoped(
        "discussion_thread_subscriptions",
        "thread_id, user_id",
        false,
        &[
            SCHOOL,
            ("thread_id", "discussion_threads"),
            ("user_id", "users"),
        ],
    ),
    scoped(
        "discussion_board_subscriptions",
        "course_id, user_id",
        false,
        &[SCHOOL, ("course_id", "courses"), ("user_id", "users")],
    ),
    scoped(
        "discussion_preferences",
        "user_id",
        false,
        &[SCHOOL, ("user_id", "users")],
    ),
    scoped(
        "discussion_reports",
        "id",
        true,
        &[
            SCHOOL,
            ("course_id", "courses"),
            ("post_id", "discussion_posts"),
            ("reporter_id", "users"),
            ("resolved_by", "users"),
        ],
    ),
    scoped("coupons", "id", true, &[SCHOOL, ("course_id", "courses")]),
    scoped(
        "orders",
        "id",
        true,
        &[
            SCHOOL,
            ("course_id", "courses"),
            ("user_id", "users"),
            ("coupon_id", "coupons"),
        ],
    ),
    scoped(
        "order_refunds",
        "id",
        true,
        &[SCHOOL, ("order_id", "orders")],
    ),
    scoped(
        "booking_programs",
        "id",
        true,
        &[SCHOOL, ("course_id", "courses"), ("coach_id", "users")],
    ),
    scoped(
        "booking_windows",
        "id",
        true,
        &[SCHOOL, ("program_id", "booking_programs")],
    ),
    scoped(
        "booking_exceptions",
        "id",
        true,
        &[SCHOOL, ("program_id", "booking_programs")],
    ),
    scoped(
        "bookings",
        "id",
        true,
        &[
            SCHOOL,
            ("program_id", "booking_programs"),
            ("course_id", "courses"),
            ("coach_id", "users"),
            ("student_id", "users"),
            ("lesson_id", "lessons"),
            ("cancelled_by", "users"),
        ],
    ),
    scoped(
        "campaigns",
        "id",
        true,
        &[
            SCHOOL,
            ("author_id", "users"),
            ("course_id", "courses"),
            ("lesson_id", "lessons"),
        ],
    ),
    Table {
        left_out: &[(
            "email_id",
            "names a message of this instance's outbox, which is not carried",
        )],
        ..scoped(
            "campaign_recipients",
            "campaign_id, user_id",
            false,
            &[SCHOOL, ("campaign_id", "campaigns"), ("user_id", "users")],
        )
    },
    scoped(
        "mail_unsubscribes",
        "user_id",
        false,
        &[SCHOOL, ("user_id", "users")],
    ),
    // `course_id` 0 is "every course" (kept: a value ≤ 0 is never remapped).
    scoped(
        "live_mail_optouts",
        "user_id, course_id",
        false,
        &[SCHOOL, ("user_id", "users"), ("course_id", "courses")],
    ),
    scoped(
        "audit_log",
        "id",
        true,
        &[SCHOOL, ("actor_user_id", "users")],
    ),
];

/// What the archive must tell its reader to set up again on the new instance.
pub const RECONNECT: &[&str] = &[
    "Zoom: connect the school's Zoom account again (Settings → Zoom); live lessons keep their schedule, meetings are created at Start",
    "Stripe and PayPal: enter the school's payment provider keys and webhook secrets again (Settings → Payments)",
    "API tokens: every user creates new personal access tokens",
    "Outgoing webhooks: an admin registers the school's endpoints again (Admin → Webhooks); each gets a new signing secret for its receiver",
    "Calendar feeds: every user's private calendar URL changes; subscribe again from My courses",
    "Custom domains: the new instance's operator approves each domain again (`lectern admin approve-domain`)",
    "Storage quota: the new instance's operator sets it (`lectern admin storage-quota`)",
];

/// Every other table of the schema, with why its rows stay behind.
pub const EXCLUDED: &[(&str, &str)] = &[
    (
        "lectern_migrations",
        "the instance's schema history, not a school's",
    ),
    ("exports", "the export archives themselves"),
    (
        "outbound_endpoints",
        "outgoing webhook endpoints hold a sealed signing secret that the receivers share: registered again after a restore, with a new secret",
    ),
    (
        "outbound_deliveries",
        "this instance's delivery log of outgoing webhooks, to endpoints that are not carried",
    ),
    (
        "jobs",
        "this instance's work queue; what an import needs is queued anew",
    ),
    (
        "emails",
        "this instance's outbox (messages hold sealed links and were sent already)",
    ),
    ("sessions", "sign-ins to this instance; users sign in again"),
    ("password_resets", "one-hour secret links of this instance"),
    ("rate_limits", "this instance's throttling counters"),
    ("throttles", "this instance's throttling counters"),
    (
        "change_log",
        "SQLite only: this instance's recent changes to users and sessions, for its session cache",
    ),
    (
        "course_versions",
        "versions of this instance's cached course pages, bumped by triggers when an import writes the lessons",
    ),
    (
        "usage_stats",
        "the operator's choice for the whole instance",
    ),
    ("storage_quotas", "set by each instance's operator"),
    (
        "api_tokens",
        "secrets (keyed hashes under this instance's key): users create new tokens",
    ),
    (
        "api_idempotency",
        "stored answers of recent API calls, kept a day",
    ),
    (
        "calendar_feeds",
        "secret feed tokens (keyed hash and sealed copy under this instance's key)",
    ),
    (
        "payment_providers",
        "sealed Stripe and PayPal secrets: the school enters them again",
    ),
    (
        "payment_events",
        "the providers' raw webhook bodies, bound to the accounts reconnected; orders carry their outcome",
    ),
    (
        "zoom_connections",
        "the Zoom connection: reconnected on the new instance",
    ),
    ("zoom_tokens", "sealed Zoom OAuth tokens"),
    ("zoom_oauth_states", "OAuth flows in progress"),
    (
        "zoom_events",
        "Zoom's webhook bodies, bound to the connection",
    ),
    ("zoom_rate_counters", "this instance's Zoom rate budget"),
    (
        "live_sessions",
        "Zoom meetings of the connection that is not carried (sealed join links and passcodes); attendance already counted towards completion is in lesson_evidence",
    ),
    (
        "live_attendance_events",
        "Zoom participants' joins and leaves of meetings not carried",
    ),
    (
        "live_attendance_people",
        "aggregates of live_attendance_events",
    ),
    (
        "live_recordings",
        "Zoom cloud recordings (sealed passcodes), kept in the Zoom account",
    ),
    (
        "live_notifications_sent",
        "which mails this instance sent about a session",
    ),
    (
        "live_gone_notices_sent",
        "which mails this instance sent about a session",
    ),
    (
        "analytics_buckets",
        "derived from the exported rows; recomputed by the roll-up",
    ),
    (
        "analytics_rollups",
        "derived from the exported rows; recomputed by the roll-up",
    ),
    (
        "discussion_search",
        "SQLite's full-text index of the posts, rebuilt by its triggers on import",
    ),
    (
        "discussion_search_config",
        "part of SQLite's full-text index",
    ),
    (
        "discussion_search_content",
        "part of SQLite's full-text index",
    ),
    ("discussion_search_data", "part of SQLite's full-text index"),
    (
        "discussion_search_docsize",
        "part of SQLite's full-text index",
    ),
    ("discussion_search_idx", "part of SQLite's full-text index"),
];

/// The exported table of this name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}
