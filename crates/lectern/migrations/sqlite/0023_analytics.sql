-- Course and school analytics (analytics/mod.rs). Kept in lockstep with the other
-- backend's 0023_analytics.sql.

-- A course's figures, recomputed from the raw rows by analytics::rollup (one transaction
-- that replaces all of the course's rows): `metric` names what is counted, `bucket` is
-- a UTC day (days since 1970-01-01), a week's Monday as such a day, a month (year * 12 +
-- month - 1), a lesson's position or a score decile, as the metric says; `label` tells
-- apart rows of one bucket (a lesson or session id, a currency, a host's user id) or is ''.
CREATE TABLE analytics_buckets (
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    value INTEGER NOT NULL,
    PRIMARY KEY (course_id, metric, bucket, label)
);
CREATE INDEX analytics_buckets_school ON analytics_buckets (school_id, metric, bucket);

-- When a course's figures were last recomputed, and whether a fact changed since
-- (`stale_since`, set by the enrolment hook; cleared by the roll-up that saw it).
CREATE TABLE analytics_rollups (
    course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    rolled_at INTEGER NOT NULL,
    stale_since INTEGER
);
