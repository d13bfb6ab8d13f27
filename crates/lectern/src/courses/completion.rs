//! Completion rules: when a lesson counts as done for a student, decided from what the
//! student did (the evidence) and kept in `lesson_progress`, with every change written to
//! an audit trail.
//!
//! - A rule per lesson ([`Rule`], columns of `lessons`), each kind with its default: a
//!   video watched to 90 %, a document or link marked done, a quiz passed, a live session
//!   attended for 75 % of its scheduled duration.
//! - The evidence ([`Evidence`]): `lesson_evidence` (opened, marked, live minutes,
//!   recording, an instructor's decision), `video_watch` and `quiz_attempts`.
//! - [`reevaluate`] applies a lesson's rule to its students' evidence and writes only what
//!   changed, each change once (a conditional insert or delete decides, so two workers
//!   racing write one audit row). A course completes when its last required lesson does;
//!   that moment is recorded once and a [`CourseCompleted`] job is queued in the same
//!   transaction for what follows (the certificate).
//!
//! `live` reports minutes attended through [`record_attendance`]; `courses` never names it.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::LessonKind;
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId, flag, now_ms};
use crate::i18n::{Arg, Tr};
use crate::jobs::{self, Job, NewJob};
use crate::web::FieldErrors;

/// What completes a lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Completion {
    /// The student opened the lesson.
    Opened,
    /// The student pressed "Mark complete".
    Marked,
    /// The student watched at least `percent` of the uploaded video (a lesson without an
    /// uploaded video can't report it: there the student marks it done).
    Watched { percent: i64 },
    /// The student passed the quiz.
    Passed,
    /// The student attended at least `minutes` of the live session.
    AttendedMinutes { minutes: i64 },
    /// The student attended at least `percent` of the scheduled duration.
    AttendedPercent { percent: i64 },
}

pub(crate) const DEFAULT_WATCHED_PERCENT: i64 = 90;
pub(crate) const DEFAULT_ATTENDED_PERCENT: i64 = 75;
/// Longer than any session may last (`schedule::MAX_DURATION_MIN` is 24 h).
pub(crate) const MAX_MINUTES: i64 = 24 * 60;

impl Completion {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Completion::Opened => "opened",
            Completion::Marked => "marked",
            Completion::Watched { .. } => "watched",
            Completion::Passed => "passed",
            Completion::AttendedMinutes { .. } => "attended_minutes",
            Completion::AttendedPercent { .. } => "attended_percent",
        }
    }

    /// The rule's number, if it has one.
    pub(crate) fn value(self) -> Option<i64> {
        match self {
            Completion::Watched { percent } | Completion::AttendedPercent { percent } => {
                Some(percent)
            }
            Completion::AttendedMinutes { minutes } => Some(minutes),
            _ => None,
        }
    }

    pub(crate) fn default_for(kind: LessonKind) -> Completion {
        match kind {
            LessonKind::Video => Completion::Watched {
                percent: DEFAULT_WATCHED_PERCENT,
            },
            LessonKind::Document | LessonKind::ExternalLink => Completion::Marked,
            LessonKind::Quiz => Completion::Passed,
            LessonKind::LiveSession | LessonKind::Webinar => Completion::AttendedPercent {
                percent: DEFAULT_ATTENDED_PERCENT,
            },
        }
    }

    /// The rules a kind may store (keys), the default first. A live lesson held at an
    /// external link stores "marked" or "opened" (see [`Completion::offered`]).
    pub(crate) fn options(kind: LessonKind) -> &'static [&'static str] {
        match kind {
            LessonKind::Video => &["watched", "opened", "marked"],
            LessonKind::Document | LessonKind::ExternalLink => &["marked", "opened"],
            LessonKind::Quiz => &["passed"],
            LessonKind::LiveSession | LessonKind::Webinar => {
                &["attended_percent", "attended_minutes", "marked", "opened"]
            }
        }
    }

    /// The rules the editor offers and accepts for a lesson of `kind`, `external` when a
    /// live lesson is held at an external link: there Lectern sees no Zoom attendance, so
    /// only rules a student can meet ("marked", "opened"); on Zoom only attendance.
    pub(crate) fn offered(kind: LessonKind, external: bool) -> &'static [&'static str] {
        match kind {
            LessonKind::LiveSession | LessonKind::Webinar if external => &["marked", "opened"],
            LessonKind::LiveSession | LessonKind::Webinar => {
                &["attended_percent", "attended_minutes"]
            }
            _ => Completion::options(kind),
        }
    }

    fn is_attendance(self) -> bool {
        matches!(
            self,
            Completion::AttendedMinutes { .. } | Completion::AttendedPercent { .. }
        )
    }

    /// A stored rule; one that doesn't fit the kind (or none) is the kind's default.
    fn from_columns(kind: LessonKind, key: Option<&str>, value: Option<i64>) -> Completion {
        let parsed = match (key, value) {
            (Some("opened"), _) => Some(Completion::Opened),
            (Some("marked"), _) => Some(Completion::Marked),
            (Some("passed"), _) => Some(Completion::Passed),
            (Some("watched"), Some(p)) if (1..=100).contains(&p) => {
                Some(Completion::Watched { percent: p })
            }
            (Some("attended_percent"), Some(p)) if (1..=100).contains(&p) => {
                Some(Completion::AttendedPercent { percent: p })
            }
            (Some("attended_minutes"), Some(m)) if (1..=MAX_MINUTES).contains(&m) => {
                Some(Completion::AttendedMinutes { minutes: m })
            }
            _ => None,
        };
        parsed
            .filter(|c| Completion::options(kind).contains(&c.key()))
            .unwrap_or_else(|| Completion::default_for(kind))
    }
}

/// A lesson's rule as the editor and the evaluation see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub kind: LessonKind,
    pub completion: Completion,
    /// A live lesson also completes by watching its recording through Lectern.
    pub recording_counts: bool,
    /// A quiz's attempts (None = unlimited).
    pub max_attempts: Option<i64>,
}

impl Rule {
    /// Whether the evidence completes the lesson under this rule (an instructor's decision
    /// wins over the rule).
    pub(crate) fn satisfied(&self, ev: &Evidence) -> bool {
        if let Some(manual) = ev.manual {
            return manual;
        }
        let by_rule = match self.completion {
            Completion::Opened => ev.opened,
            Completion::Marked => ev.marked,
            Completion::Watched { percent } => {
                if ev.has_video {
                    ev.watched_share
                        .is_some_and(|s| s * 100.0 + 1e-9 >= percent as f64)
                } else {
                    ev.marked
                }
            }
            Completion::Passed => ev.passed,
            Completion::AttendedMinutes { minutes } => {
                ev.attended_ms.is_some_and(|ms| ms >= minutes * 60_000)
            }
            Completion::AttendedPercent { percent } => ev
                .attended_ms
                .is_some_and(|ms| ev.scheduled_ms > 0 && ms * 100 >= percent * ev.scheduled_ms),
        };
        by_rule || (self.recording_counts && self.kind.is_scheduled() && ev.recording)
    }

    /// The rule as one string, carried by the preview's form: "Apply" applies exactly the
    /// rule that was previewed.
    pub(crate) fn signature(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.completion.key(),
            self.completion.value().unwrap_or(0),
            self.recording_counts,
            self.max_attempts.unwrap_or(0)
        )
    }

    /// Whether the student's "Mark complete" button completes this lesson.
    pub(crate) fn markable(&self, has_video: bool) -> bool {
        match self.completion {
            Completion::Marked => true,
            Completion::Watched { .. } => !has_video,
            _ => false,
        }
    }

    /// The rule in words, for the player and the editor.
    pub(crate) fn describe(&self, tr: &Tr) -> String {
        let base = match self.completion {
            Completion::Opened => tr.t("completion-rule-opened"),
            Completion::Marked => tr.t("completion-rule-marked"),
            Completion::Watched { percent } => tr.t1("completion-rule-watched", "percent", percent),
            Completion::Passed => tr.t("completion-rule-passed"),
            Completion::AttendedMinutes { minutes } => {
                tr.t1("completion-rule-attended-minutes", "minutes", minutes)
            }
            Completion::AttendedPercent { percent } => {
                tr.t1("completion-rule-attended-percent", "percent", percent)
            }
        };
        if self.recording_counts && self.kind.is_scheduled() {
            format!("{base} {}", tr.t("completion-rule-or-recording"))
        } else {
            base
        }
    }
}

/// The editor's completion form; every field a string so any body parses.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct RuleForm {
    pub rule: String,
    pub percent: String,
    pub minutes: String,
    pub recording: String,
    pub max_attempts: String,
    /// Set by the preview's "Apply" button.
    pub confirm: String,
    /// The previewed rule ([`Rule::signature`]); a form changed after its preview is
    /// previewed again.
    pub previewed: String,
}

impl RuleForm {
    pub(crate) fn from_rule(r: &Rule) -> RuleForm {
        let mut f = RuleForm {
            rule: r.completion.key().into(),
            recording: if r.recording_counts {
                "on".into()
            } else {
                String::new()
            },
            max_attempts: r.max_attempts.map(|m| m.to_string()).unwrap_or_default(),
            ..Default::default()
        };
        match r.completion {
            Completion::Watched { percent } | Completion::AttendedPercent { percent } => {
                f.percent = percent.to_string();
            }
            Completion::AttendedMinutes { minutes } => f.minutes = minutes.to_string(),
            _ => {}
        }
        f
    }

    /// "Apply" was pressed on the preview of exactly `rule`.
    pub(crate) fn confirmed(&self, rule: &Rule) -> bool {
        !self.confirm.is_empty() && self.previewed == rule.signature()
    }

    /// The rule this form asks for, or field errors (a number out of range, a rule the
    /// kind doesn't have, an attendance rule for a session held at an external link).
    pub(crate) fn parse(
        &self,
        kind: LessonKind,
        external: bool,
        tr: &Tr,
    ) -> Result<Rule, FieldErrors> {
        let mut errors = FieldErrors::default();
        let number = |s: &str| s.trim().parse::<i64>().ok();
        let key = self.rule.trim();
        let percent = |errors: &mut FieldErrors| match number(&self.percent) {
            Some(p) if (1..=100).contains(&p) => p,
            _ => {
                errors.add("percent", tr.t("completion-percent-invalid"));
                0
            }
        };
        let completion = match key {
            "opened" => Completion::Opened,
            "marked" => Completion::Marked,
            "passed" => Completion::Passed,
            "watched" => Completion::Watched {
                percent: percent(&mut errors),
            },
            "attended_percent" => Completion::AttendedPercent {
                percent: percent(&mut errors),
            },
            "attended_minutes" => Completion::AttendedMinutes {
                minutes: match number(&self.minutes) {
                    Some(m) if (1..=MAX_MINUTES).contains(&m) => m,
                    _ => {
                        errors.add(
                            "minutes",
                            tr.t1("completion-minutes-invalid", "max", MAX_MINUTES),
                        );
                        0
                    }
                },
            },
            _ => {
                errors.add("rule", tr.t("completion-rule-invalid"));
                Completion::default_for(kind)
            }
        };
        if external && kind.is_scheduled() && completion.is_attendance() {
            errors.add("rule", tr.t("completion-rule-external-attendance"));
        } else if !Completion::offered(kind, external).contains(&completion.key()) {
            errors.add("rule", tr.t("completion-rule-invalid"));
        }
        let max_attempts = if kind == LessonKind::Quiz && !self.max_attempts.trim().is_empty() {
            match number(&self.max_attempts) {
                Some(n) if (1..=100).contains(&n) => Some(n),
                _ => {
                    errors.add("max_attempts", tr.t("completion-attempts-invalid"));
                    None
                }
            }
        } else {
            None
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Rule {
            kind,
            completion,
            recording_counts: kind.is_scheduled() && !self.recording.is_empty(),
            max_attempts,
        })
    }
}

/// What a student did that a rule may count.
#[derive(Clone, Debug, Default)]
pub(crate) struct Evidence {
    pub opened: bool,
    pub marked: bool,
    pub watched_share: Option<f64>,
    /// The lesson has an uploaded video (whose player reports the watched share).
    pub has_video: bool,
    pub passed: bool,
    pub best_score: Option<i64>,
    /// Merged live minutes inside the session's window, in ms.
    pub attended_ms: Option<i64>,
    /// The live lesson's scheduled duration, in ms.
    pub scheduled_ms: i64,
    pub recording: bool,
    /// An instructor's decision (None: the rule decides).
    pub manual: Option<bool>,
}

/// The evidence as the audit keeps it (JSON in `completion_audit.detail`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Detail {
    /// The rule at the time (`Completion::key`) and its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attended_min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attended_percent: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watched_percent: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recording: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// An instructor handed the decision back to the rule.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub to_rule: bool,
}

impl Detail {
    fn of(rule: &Rule, ev: &Evidence) -> Detail {
        let mut d = Detail {
            rule: Some(rule.completion.key().into()),
            value: rule.completion.value(),
            ..Default::default()
        };
        match rule.completion {
            Completion::AttendedMinutes { .. } | Completion::AttendedPercent { .. } => {
                let ms = ev.attended_ms.unwrap_or(0);
                d.attended_min = Some(ms / 60_000);
                if ev.scheduled_ms > 0 {
                    d.attended_percent = Some(ms * 100 / ev.scheduled_ms);
                }
                d.recording = rule.recording_counts && ev.recording;
            }
            Completion::Watched { .. } => {
                d.watched_percent = ev.watched_share.map(|s| (s * 100.0).floor() as i64);
            }
            Completion::Passed => d.score = ev.best_score,
            Completion::Opened | Completion::Marked => {}
        }
        d
    }

    /// The evidence in words for the audit trail.
    pub(crate) fn describe(&self, tr: &Tr) -> String {
        let mut parts = Vec::new();
        if let Some(reason) = &self.reason {
            parts.push(tr.t1("completion-detail-reason", "reason", reason.as_str()));
        }
        if let Some(m) = self.attended_min {
            let mut args: Vec<(&'static str, Arg)> = vec![("minutes", Arg::from(m))];
            args.push(("percent", Arg::from(self.attended_percent.unwrap_or(0))));
            parts.push(tr.ta("completion-detail-attended", &args));
        }
        if self.recording {
            parts.push(tr.t("completion-detail-recording"));
        }
        if let Some(p) = self.watched_percent {
            parts.push(tr.t1("completion-detail-watched", "percent", p));
        }
        if let Some(s) = self.score {
            parts.push(tr.t1("completion-detail-score", "score", s));
        }
        parts.join(" · ")
    }
}

/// Why a completion changed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cause<'a> {
    /// The rule, applied to the evidence.
    Rule,
    /// An instructor, with a reason; `to_rule`: handing the decision back to the rule.
    Manual {
        actor: UserId,
        reason: &'a str,
        to_rule: bool,
    },
}

/// Who completed and who lost a completion in one evaluation.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub completed: Vec<UserId>,
    pub uncompleted: Vec<UserId>,
}

/// What a student did (one fact at a time).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fact {
    Opened,
    Marked,
    Recording,
}

/// A lesson's completion rule as stored (`lessons`' columns), read with the lesson where
/// the lesson is read anyway (the course's [`super::shared`] copy).
#[derive(sqlx::FromRow, Clone, Debug)]
pub(crate) struct RuleColumns {
    kind: String,
    completion_rule: Option<String>,
    completion_value: Option<i64>,
    recording_counts: i64,
    max_attempts: Option<i64>,
}

/// The columns [`RuleColumns`] reads, from `lessons l`.
pub(crate) const RULE_COLUMNS: &str =
    "l.kind, l.completion_rule, l.completion_value, l.recording_counts, l.max_attempts";

impl RuleColumns {
    /// The stored rule (None: a kind this version doesn't know).
    pub(crate) fn rule(&self) -> Option<Rule> {
        let kind = LessonKind::parse(&self.kind)?;
        Some(Rule {
            kind,
            completion: Completion::from_columns(
                kind,
                self.completion_rule.as_deref(),
                self.completion_value,
            ),
            recording_counts: kind.is_scheduled() && flag(self.recording_counts),
            max_attempts: self.max_attempts.filter(|_| kind == LessonKind::Quiz),
        })
    }
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    course_id: i64,
    #[sqlx(flatten)]
    columns: RuleColumns,
    duration_min: Option<i64>,
}

impl RuleRow {
    fn rule(&self) -> Option<Rule> {
        self.columns.rule()
    }
}

/// A lesson's rule and what the evaluation needs of the lesson.
struct LessonRule {
    course_id: CourseId,
    rule: Rule,
    scheduled_ms: i64,
    has_video: bool,
}

/// The lesson's rule (None: no such lesson in this school).
pub(crate) async fn rule_of(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<Rule>> {
    Ok(read(db, school_id, lesson_id).await?.map(|l| l.rule))
}

/// The rules of a course's lessons, by lesson, in one query.
pub(crate) async fn rules_of_course(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<HashMap<LessonId, Rule>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        #[sqlx(flatten)]
        rule: RuleRow,
    }
    let rows = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, l.course_id, {RULE_COLUMNS}, l.duration_min
         FROM lessons l WHERE l.school_id = $1 AND l.course_id = $2"
    )))
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((LessonId(r.id), r.rule.rule()?)))
        .collect())
}

/// The rule and what evaluation needs of the lesson, with the uploaded video's presence.
async fn lesson_rule(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<LessonRule>> {
    let Some(mut l) = read(db, school_id, lesson_id).await? else {
        return Ok(None);
    };
    l.has_video = l.rule.kind == LessonKind::Video
        && crate::files::store::lesson_has(db, school_id, lesson_id, crate::files::Purpose::Video)
            .await?;
    Ok(Some(l))
}

async fn read(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<LessonRule>> {
    let Some(r) = sqlx::query_as::<_, RuleRow>(sqlx::AssertSqlSafe(format!(
        "SELECT l.course_id, {RULE_COLUMNS}, l.duration_min FROM lessons l
         WHERE l.school_id = $1 AND l.id = $2"
    )))
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let Some(rule) = r.rule() else {
        return Ok(None);
    };
    Ok(Some(LessonRule {
        course_id: CourseId(r.course_id),
        rule,
        scheduled_ms: r.duration_min.unwrap_or(0) * 60_000,
        has_video: false,
    }))
}

/// Stores a lesson's rule (the evaluation follows by a job, see [`Recompute`]).
pub(crate) async fn save_rule(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    rule: &Rule,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    let course_id = save_rule_in(&mut tx, school_id, lesson_id, rule).await?;
    tx.commit().await?;
    if let Some(c) = course_id {
        super::viewers::course_changed(db, c);
    }
    Ok(())
}

/// A live lesson's rule made to fit where it is held, in the caller's transaction: held at
/// an external link (`external`), an attendance rule (which could never be met: Zoom
/// reports no attendance there) becomes "marked done by the student"; back on Zoom, a
/// "marked" or "opened" rule becomes the kind's attendance default again. Other lessons
/// and rules that fit are left as they are.
pub(crate) async fn fit_venue_in(
    tx: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
    external: bool,
) -> sqlx::Result<()> {
    let row: Option<RuleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT l.course_id, {RULE_COLUMNS}, l.duration_min
         FROM lessons l WHERE l.school_id = $1 AND l.id = $2"
    )))
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(rule) = row.and_then(|r| r.rule()) else {
        return Ok(());
    };
    if !rule.kind.is_scheduled() || rule.completion.is_attendance() != external {
        return Ok(());
    }
    let completion = if external {
        Completion::Marked
    } else {
        Completion::default_for(rule.kind)
    };
    save_rule_in(tx, school_id, lesson_id, &Rule { completion, ..rule }).await?;
    Ok(())
}

async fn save_rule_in(
    tx: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
    rule: &Rule,
) -> sqlx::Result<Option<CourseId>> {
    let course_id = sqlx::query_scalar::<_, CourseId>(
        "UPDATE lessons SET completion_rule = $1, completion_value = $2, recording_counts = $3,
           max_attempts = $4, updated_at = $5
         WHERE school_id = $6 AND id = $7 RETURNING course_id",
    )
    .bind(rule.completion.key())
    .bind(rule.completion.value())
    .bind(i64::from(rule.recording_counts))
    .bind(rule.max_attempts)
    .bind(now_ms())
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&mut *tx)
    .await?;
    jobs::enqueue(
        &mut *tx,
        NewJob::of(&Recompute {
            school_id,
            lesson_id,
        })
        .school(school_id.0),
    )
    .await?;
    Ok(course_id)
}

#[derive(sqlx::FromRow)]
struct EvidenceRow {
    user_id: i64,
    opened_at: Option<i64>,
    marked_at: Option<i64>,
    attended_ms: Option<i64>,
    recording_at: Option<i64>,
    manual: Option<i64>,
    watched_ms: Option<i64>,
    duration_ms: Option<i64>,
    passed: Option<i64>,
    best_score: Option<i64>,
    completed_at: Option<i64>,
}

impl EvidenceRow {
    fn evidence(&self, l: &LessonRule) -> Evidence {
        Evidence {
            opened: self.opened_at.is_some(),
            marked: self.marked_at.is_some(),
            watched_share: match (self.watched_ms, self.duration_ms) {
                (Some(w), Some(d)) if d > 0 => Some((w as f64 / d as f64).min(1.0)),
                _ => None,
            },
            has_video: l.has_video,
            passed: self.passed.is_some_and(flag),
            best_score: self.best_score,
            attended_ms: self.attended_ms,
            scheduled_ms: l.scheduled_ms,
            recording: self.recording_at.is_some(),
            manual: self.manual.map(flag),
        }
    }
}

/// The evidence of the lesson's enrolled students (or of one).
async fn evidence(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
    lesson_id: LessonId,
    user: Option<UserId>,
) -> sqlx::Result<Vec<EvidenceRow>> {
    let (one, one_attempts) = if user.is_some() {
        (" AND e.user_id = $4", " AND user_id = $4")
    } else {
        ("", "")
    };
    // The attempts grouped once per student (limited to the one student when there is
    // one), rather than two correlated subqueries per row.
    let sql = format!(
        "SELECT e.user_id, ev.opened_at, ev.marked_at, ev.attended_ms, ev.recording_at, ev.manual,
           w.watched_ms, w.duration_ms, q.passed, q.best_score, p.completed_at
         FROM enrollments e
         LEFT JOIN lesson_evidence ev ON ev.lesson_id = $1 AND ev.user_id = e.user_id
         LEFT JOIN video_watch w ON w.lesson_id = $1 AND w.user_id = e.user_id
         LEFT JOIN (SELECT user_id, MAX(passed) AS passed, MAX(score) AS best_score
                    FROM quiz_attempts WHERE lesson_id = $1{one_attempts} GROUP BY user_id) q
           ON q.user_id = e.user_id
         LEFT JOIN lesson_progress p ON p.lesson_id = $1 AND p.user_id = e.user_id
         WHERE e.school_id = $2 AND e.course_id = $3{one}
         ORDER BY e.user_id"
    );
    let mut q = sqlx::query_as::<_, EvidenceRow>(sqlx::AssertSqlSafe(sql))
        .bind(lesson_id)
        .bind(school_id)
        .bind(course_id);
    if let Some(u) = user {
        q = q.bind(u);
    }
    q.fetch_all(&mut *conn).await
}

/// Applies the lesson's rule to the evidence of its students (`user`: one of them) and
/// writes what changed. Students not enrolled have no completion to change.
pub(crate) async fn reevaluate(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    user: Option<UserId>,
    cause: Cause<'_>,
) -> sqlx::Result<Changes> {
    let Some(l) = lesson_rule(db, school_id, lesson_id).await? else {
        return Ok(Changes::default());
    };
    // Read before the transaction: its first statement is then a write, which on SQLite
    // waits for the lock instead of failing when another writer committed since the read.
    let rows = evidence(
        &mut *db.pool.acquire().await?,
        school_id,
        l.course_id,
        lesson_id,
        user,
    )
    .await?;
    let mut tx = db.pool.begin().await?;
    let changes = apply(&mut tx, school_id, lesson_id, &l, &rows, cause, now_ms()).await?;
    tx.commit().await?;
    for user in changes.completed.iter().chain(&changes.uncompleted) {
        super::viewers::person_changed(db, *user);
    }
    Ok(changes)
}

/// Writes what the rule (or a decision) changes for these students, with audit rows.
async fn apply(
    tx: &mut AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
    l: &LessonRule,
    rows: &[EvidenceRow],
    cause: Cause<'_>,
    now: i64,
) -> sqlx::Result<Changes> {
    let mut changes = Changes::default();
    for row in rows {
        let ev = row.evidence(l);
        let done = l.rule.satisfied(&ev);
        let user_id = UserId(row.user_id);
        if done == row.completed_at.is_some() {
            continue;
        }
        let n = if done {
            sqlx::query(
                "INSERT INTO lesson_progress (school_id, lesson_id, user_id, completed_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (lesson_id, user_id) DO NOTHING",
            )
            .bind(school_id)
            .bind(lesson_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query("DELETE FROM lesson_progress WHERE lesson_id = $1 AND user_id = $2")
                .bind(lesson_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
        }
        .rows_affected();
        if n != 1 {
            // Another evaluation got there first and wrote the change and its audit row.
            continue;
        }
        let mut detail = Detail::of(&l.rule, &ev);
        let actor = match cause {
            Cause::Rule => None,
            Cause::Manual {
                actor,
                reason,
                to_rule,
            } => {
                detail.reason = Some(reason.to_string());
                detail.to_rule = to_rule;
                Some(actor)
            }
        };
        audit(
            tx,
            AuditRow {
                school_id,
                course_id: l.course_id,
                lesson_id: Some(lesson_id),
                user_id,
                completed: done,
                cause: match cause {
                    Cause::Rule => "rule",
                    Cause::Manual { .. } => "manual",
                },
                actor,
                detail: &detail,
                at: now,
            },
        )
        .await?;
        if done {
            // Keyed by the instant: a lesson un-completed and completed again is news.
            crate::outbound::emit(
                tx,
                school_id.0,
                crate::outbound::Event::LessonCompleted,
                &format!("lesson.completed:{lesson_id}:{user_id}:{now}"),
                serde_json::json!({
                    "course_id": l.course_id.0,
                    "lesson_id": lesson_id.0,
                    "user_id": user_id.0,
                    "completed_at": crate::outbound::rfc3339(now),
                }),
            )
            .await?;
            complete_course(tx, school_id, l.course_id, user_id, now).await?;
            changes.completed.push(user_id);
        } else {
            changes.uncompleted.push(user_id);
        }
    }
    Ok(changes)
}

/// How many students a new rule would complete and un-complete (decisions by hand stay).
pub(crate) async fn preview(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    rule: &Rule,
) -> sqlx::Result<(usize, usize)> {
    let Some(l) = lesson_rule(db, school_id, lesson_id).await? else {
        return Ok((0, 0));
    };
    let rows = evidence(
        &mut *db.pool.acquire().await?,
        school_id,
        l.course_id,
        lesson_id,
        None,
    )
    .await?;
    let (mut complete, mut uncomplete) = (0, 0);
    for row in &rows {
        match (
            rule.satisfied(&row.evidence(&l)),
            row.completed_at.is_some(),
        ) {
            (true, false) => complete += 1,
            (false, true) => uncomplete += 1,
            _ => {}
        }
    }
    Ok((complete, uncomplete))
}

/// Sets `enrollments.completed_at` the first time every required lesson is done; queues
/// what follows a course's completion in the same transaction.
async fn complete_course(
    tx: &mut AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
    now: i64,
) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE enrollments SET completed_at = $1
         WHERE school_id = $2 AND course_id = $3 AND user_id = $4 AND completed_at IS NULL
           AND EXISTS (SELECT 1 FROM lessons l WHERE l.course_id = $3 AND l.required = 1)
           AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.course_id = $3 AND l.required = 1
                 AND NOT EXISTS (SELECT 1 FROM lesson_progress p WHERE p.lesson_id = l.id AND p.user_id = $4))",
    )
    .bind(now)
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(false);
    }
    audit(
        tx,
        AuditRow {
            school_id,
            course_id,
            lesson_id: None,
            user_id,
            completed: true,
            cause: "course",
            actor: None,
            detail: &Detail::default(),
            at: now,
        },
    )
    .await?;
    crate::outbound::emit(
        tx,
        school_id.0,
        crate::outbound::Event::CourseCompleted,
        &format!("course.completed:{course_id}:{user_id}:{now}"),
        serde_json::json!({
            "course_id": course_id.0,
            "user_id": user_id.0,
            "completed_at": crate::outbound::rfc3339(now),
        }),
    )
    .await?;
    jobs::enqueue(
        tx,
        NewJob::of(&CourseCompleted {
            school_id,
            course_id,
            user_id,
        })
        .school(school_id.0)
        .dedupe(format!("course_completed:{course_id}:{user_id}")),
    )
    .await?;
    Ok(true)
}

struct AuditRow<'a> {
    school_id: SchoolId,
    course_id: CourseId,
    lesson_id: Option<LessonId>,
    user_id: UserId,
    completed: bool,
    cause: &'static str,
    actor: Option<UserId>,
    detail: &'a Detail,
    at: i64,
}

async fn audit(tx: &mut AnyConnection, a: AuditRow<'_>) -> sqlx::Result<()> {
    let detail = serde_json::to_string(a.detail).unwrap_or_else(|_| "{}".into());
    sqlx::query(
        "INSERT INTO completion_audit (school_id, course_id, lesson_id, user_id, completed, cause, actor_id, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(a.school_id)
    .bind(a.course_id)
    .bind(a.lesson_id)
    .bind(a.user_id)
    .bind(i64::from(a.completed))
    .bind(a.cause)
    .bind(a.actor)
    .bind(detail)
    .bind(a.at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Whether the student has completed the lesson (one read of `lesson_progress`'s key).
pub(crate) async fn is_completed(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    user_id: UserId,
) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT 1 FROM lesson_progress WHERE lesson_id = $1 AND user_id = $2 AND school_id = $3",
    )
    .bind(lesson_id)
    .bind(user_id)
    .bind(school_id)
    .fetch_optional(&db.pool)
    .await?
    .is_some())
}

/// Records what a student did and re-evaluates their completion of the lesson.
pub(crate) async fn note(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    user_id: UserId,
    fact: Fact,
) -> sqlx::Result<Changes> {
    let column = match fact {
        Fact::Opened => "opened_at",
        Fact::Marked => "marked_at",
        Fact::Recording => "recording_at",
    };
    let now = now_ms();
    let sql = format!(
        "INSERT INTO lesson_evidence (school_id, lesson_id, user_id, {column}, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (lesson_id, user_id) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at
         WHERE lesson_evidence.{column} IS NULL"
    );
    let n = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(school_id)
        .bind(lesson_id)
        .bind(user_id)
        .bind(now)
        .execute(&db.pool)
        .await?
        .rows_affected();
    if n == 0 {
        // Known already: nothing new to count.
        return Ok(Changes::default());
    }
    if matches!(fact, Fact::Opened) {
        // The player reads whether the lesson was opened.
        super::viewers::person_changed(db, user_id);
    }
    reevaluate(db, school_id, lesson_id, Some(user_id), Cause::Rule).await
}

/// The live minutes (ms inside the session's window) of the students who attended the
/// lesson's session; the rule is then applied to all of the lesson's students.
pub async fn record_attendance(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    attended: &[(UserId, i64)],
) -> sqlx::Result<Changes> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    for (user_id, ms) in attended {
        sqlx::query(
            "INSERT INTO lesson_evidence (school_id, lesson_id, user_id, attended_ms, updated_at)
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM lessons WHERE id = $2 AND school_id = $1)
             ON CONFLICT (lesson_id, user_id) DO UPDATE SET attended_ms = excluded.attended_ms, updated_at = excluded.updated_at",
        )
        .bind(school_id)
        .bind(lesson_id)
        .bind(user_id)
        .bind(*ms)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    reevaluate(db, school_id, lesson_id, None, Cause::Rule).await
}

/// An instructor decides a student's completion of a lesson (`None`: back to the rule),
/// with a reason; kept in the audit trail even when nothing changes.
pub(crate) async fn set_manual(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    user_id: UserId,
    decision: Option<bool>,
    actor: UserId,
    reason: &str,
) -> sqlx::Result<Changes> {
    let Some(l) = lesson_rule(db, school_id, lesson_id).await? else {
        return Ok(Changes::default());
    };
    let now = now_ms();
    // One transaction: the decision, what it changes and its audit row stand or fall
    // together. Its first statement writes, so the reads after it see the decision.
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO lesson_evidence (school_id, lesson_id, user_id, manual, manual_reason, manual_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (lesson_id, user_id) DO UPDATE SET manual = excluded.manual, manual_reason = excluded.manual_reason,
           manual_by = excluded.manual_by, updated_at = excluded.updated_at",
    )
    .bind(school_id)
    .bind(lesson_id)
    .bind(user_id)
    .bind(decision.map(i64::from))
    .bind(reason)
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let rows = evidence(&mut tx, school_id, l.course_id, lesson_id, Some(user_id)).await?;
    let changes = apply(
        &mut tx,
        school_id,
        lesson_id,
        &l,
        &rows,
        Cause::Manual {
            actor,
            reason,
            to_rule: decision.is_none(),
        },
        now,
    )
    .await?;
    if changes == Changes::default() {
        let completed = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM lesson_progress WHERE lesson_id = $1 AND user_id = $2",
        )
        .bind(lesson_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        audit(
            &mut tx,
            AuditRow {
                school_id,
                course_id: l.course_id,
                lesson_id: Some(lesson_id),
                user_id,
                completed: completed > 0,
                cause: "manual",
                actor: Some(actor),
                detail: &Detail {
                    reason: Some(reason.to_string()),
                    to_rule: decision.is_none(),
                    ..Default::default()
                },
                at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    super::viewers::person_changed(db, user_id);
    Ok(changes)
}

/// The instructor's decisions on a student's lessons (lesson → completed).
pub(crate) async fn manual_decisions(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<HashMap<LessonId, bool>> {
    let rows = sqlx::query_as::<_, (i64, i64)>(
        "SELECT ev.lesson_id, ev.manual FROM lesson_evidence ev JOIN lessons l ON l.id = ev.lesson_id
         WHERE ev.school_id = $1 AND l.course_id = $2 AND ev.user_id = $3 AND ev.manual IS NOT NULL",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(l, m)| (LessonId(l), flag(m)))
        .collect())
}

/// One entry of a student's audit trail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AuditEntry {
    pub lesson_title: Option<String>,
    pub completed: i64,
    pub cause: String,
    pub actor_name: Option<String>,
    pub detail: String,
    pub at: i64,
}

impl AuditEntry {
    pub(crate) fn detail(&self) -> Detail {
        serde_json::from_str(&self.detail).unwrap_or_default()
    }
    pub(crate) fn is_completed(&self) -> bool {
        flag(self.completed)
    }
}

/// A student's audit trail in a course, newest first.
pub(crate) async fn audit_trail(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<Vec<AuditEntry>> {
    sqlx::query_as::<_, AuditEntry>(
        "SELECT l.title AS lesson_title, a.completed, a.cause, u.display_name AS actor_name, a.detail, a.at
         FROM completion_audit a
         LEFT JOIN lessons l ON l.id = a.lesson_id
         LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.school_id = $1 AND a.course_id = $2 AND a.user_id = $3
         ORDER BY a.at DESC, a.id DESC",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Applies a lesson's (changed) rule to all its students.
#[derive(Serialize, Deserialize)]
pub struct Recompute {
    pub school_id: SchoolId,
    pub lesson_id: LessonId,
}

impl Job for Recompute {
    const KIND: &'static str = "completion_recompute";
    type Deps = Db;
    async fn run(self, db: &Db) -> anyhow::Result<()> {
        reevaluate(db, self.school_id, self.lesson_id, None, Cause::Rule).await?;
        Ok(())
    }
}

/// A course's required lessons changed (one made optional or deleted): students who have
/// now done every required lesson complete the course.
#[derive(Serialize, Deserialize)]
pub struct CourseRecheck {
    pub school_id: SchoolId,
    pub course_id: CourseId,
}

impl Job for CourseRecheck {
    const KIND: &'static str = "completion_course_recheck";
    type Deps = Db;
    async fn run(self, db: &Db) -> anyhow::Result<()> {
        let waiting: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM enrollments WHERE school_id = $1 AND course_id = $2 AND completed_at IS NULL",
        )
        .bind(self.school_id)
        .bind(self.course_id)
        .fetch_all(&db.pool)
        .await?;
        let now = now_ms();
        for chunk in waiting.chunks(500) {
            let mut tx = db.pool.begin().await?;
            for user in chunk {
                complete_course(&mut tx, self.school_id, self.course_id, UserId(*user), now)
                    .await?;
            }
            tx.commit().await?;
            super::viewers::course_changed(db, self.course_id);
        }
        Ok(())
    }
}

/// Queues a [`CourseRecheck`] in the transaction that changed the course's lessons.
pub(crate) async fn recheck_course(
    tx: &mut AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<()> {
    jobs::enqueue(
        tx,
        NewJob::of(&CourseRecheck {
            school_id,
            course_id,
        })
        .school(school_id.0),
    )
    .await?;
    Ok(())
}

/// What follows a course's completion (the certificate), provided by `app.rs`.
pub trait CompletionListener: Send + Sync {
    fn course_completed(
        &self,
        school_id: SchoolId,
        course_id: CourseId,
        user_id: UserId,
    ) -> BoxFuture<'_, anyhow::Result<()>>;
}

/// Queued once, in the transaction that records a course's completion.
#[derive(Serialize, Deserialize)]
pub struct CourseCompleted {
    pub school_id: SchoolId,
    pub course_id: CourseId,
    pub user_id: UserId,
}

impl Job for CourseCompleted {
    const KIND: &'static str = "course_completed";
    type Deps = Arc<dyn CompletionListener>;
    async fn run(self, deps: &Arc<dyn CompletionListener>) -> anyhow::Result<()> {
        deps.course_completed(self.school_id, self.course_id, self.user_id)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: LessonKind, completion: Completion) -> Rule {
        Rule {
            kind,
            completion,
            recording_counts: false,
            max_attempts: None,
        }
    }

    #[test]
    fn defaults_per_kind() {
        assert_eq!(
            Completion::default_for(LessonKind::Video),
            Completion::Watched { percent: 90 }
        );
        assert_eq!(
            Completion::default_for(LessonKind::LiveSession),
            Completion::AttendedPercent { percent: 75 }
        );
        assert_eq!(
            Completion::default_for(LessonKind::Document),
            Completion::Marked
        );
        assert_eq!(
            Completion::default_for(LessonKind::Quiz),
            Completion::Passed
        );
        // A stored rule the kind can't use, or out of range, is the default.
        assert_eq!(
            Completion::from_columns(LessonKind::Document, Some("watched"), Some(50)),
            Completion::Marked
        );
        assert_eq!(
            Completion::from_columns(LessonKind::Webinar, Some("attended_percent"), Some(150)),
            Completion::AttendedPercent { percent: 75 }
        );
        assert_eq!(
            Completion::from_columns(LessonKind::Webinar, Some("attended_minutes"), Some(60)),
            Completion::AttendedMinutes { minutes: 60 }
        );
    }

    #[test]
    fn live_rules_count_minutes_and_shares() {
        let hour = 60 * 60_000;
        let ev = |ms: i64| Evidence {
            attended_ms: Some(ms),
            scheduled_ms: 2 * hour,
            ..Default::default()
        };
        let minutes60 = rule(
            LessonKind::LiveSession,
            Completion::AttendedMinutes { minutes: 60 },
        );
        let percent90 = rule(
            LessonKind::LiveSession,
            Completion::AttendedPercent { percent: 90 },
        );
        // 70 minutes of a 2-hour session: 60 minutes yes, 90 % no.
        assert!(minutes60.satisfied(&ev(70 * 60_000)));
        assert!(!percent90.satisfied(&ev(70 * 60_000)));
        assert!(!minutes60.satisfied(&ev(59 * 60_000 + 59_999)));
        assert!(percent90.satisfied(&ev(108 * 60_000)));
        assert!(!percent90.satisfied(&Evidence::default()));
        // The recording counts only when the instructor allows it.
        let watched = Evidence {
            recording: true,
            scheduled_ms: 2 * hour,
            ..Default::default()
        };
        assert!(!percent90.satisfied(&watched));
        let with_recording = Rule {
            recording_counts: true,
            ..percent90
        };
        assert!(with_recording.satisfied(&watched));
        // An instructor's decision wins either way.
        let mut decided = ev(0);
        decided.manual = Some(true);
        assert!(percent90.satisfied(&decided));
        let mut refused = ev(2 * hour);
        refused.manual = Some(false);
        assert!(!percent90.satisfied(&refused));
    }

    #[test]
    fn videos_count_the_watched_share_or_a_mark_without_upload() {
        let r = rule(LessonKind::Video, Completion::Watched { percent: 90 });
        let ev = |share: Option<f64>, has_video: bool, marked: bool| Evidence {
            watched_share: share,
            has_video,
            marked,
            ..Default::default()
        };
        assert!(r.satisfied(&ev(Some(0.9), true, false)));
        assert!(!r.satisfied(&ev(Some(0.89), true, true)));
        assert!(r.satisfied(&ev(None, false, true)));
        assert!(!r.satisfied(&ev(Some(1.0), false, false)));
        assert!(r.markable(false));
        assert!(!r.markable(true));
    }

    #[test]
    fn the_form_refuses_numbers_out_of_range_and_foreign_rules() {
        let tr = Tr::default();
        let form = |rule: &str, percent: &str, minutes: &str| RuleForm {
            rule: rule.into(),
            percent: percent.into(),
            minutes: minutes.into(),
            ..Default::default()
        };
        for (f, field) in [
            (form("attended_minutes", "", "0"), "minutes"),
            (form("attended_percent", "150", ""), "percent"),
            (form("attended_percent", "abc", ""), "percent"),
            (form("watched", "50", ""), "rule"),
        ] {
            let errors = f.parse(LessonKind::LiveSession, false, &tr).unwrap_err();
            assert!(!errors.get(field).is_empty(), "{field}: {errors:?}");
        }
        let ok = form("attended_minutes", "", "60")
            .parse(LessonKind::Webinar, false, &tr)
            .unwrap();
        assert_eq!(ok.completion, Completion::AttendedMinutes { minutes: 60 });
        let quiz = RuleForm {
            rule: "passed".into(),
            max_attempts: "0".into(),
            ..Default::default()
        };
        assert!(quiz.parse(LessonKind::Quiz, false, &tr).is_err());
    }

    #[test]
    fn a_session_at_an_external_link_takes_only_rules_a_student_can_meet() {
        let tr = Tr::default();
        let form = |rule: &str| RuleForm {
            rule: rule.into(),
            percent: "75".into(),
            minutes: "30".into(),
            ..Default::default()
        };
        for kind in [LessonKind::LiveSession, LessonKind::Webinar] {
            for rule in ["attended_percent", "attended_minutes"] {
                let errors = form(rule).parse(kind, true, &tr).unwrap_err();
                assert!(!errors.get("rule").is_empty(), "{rule}: {errors:?}");
                assert!(form(rule).parse(kind, false, &tr).is_ok());
            }
            for rule in ["marked", "opened"] {
                assert!(form(rule).parse(kind, true, &tr).is_ok(), "{rule}");
                assert!(form(rule).parse(kind, false, &tr).is_err(), "{rule}");
            }
            assert_eq!(Completion::offered(kind, true), &["marked", "opened"]);
        }
        // Other kinds don't depend on the venue.
        assert!(
            form("marked")
                .parse(LessonKind::Document, true, &tr)
                .is_ok()
        );
    }
}
