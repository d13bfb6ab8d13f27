//! What a lesson holds besides its title and body, by kind, and the one conversion between
//! it and the `lessons` row, whose content columns are nullable because each kind uses only
//! some of them.

use std::fmt;

use super::schedule::{DEFAULT_DURATION_MIN, Schedule};
use super::{Lesson, LessonKind, quiz};
use crate::db::{CourseId, LessonId};

/// A lesson's content. A live lesson always has its schedule: a row of a live kind without
/// a start, zone or wall time does not decode (see [`LessonDecodeError`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonContent {
    Video {
        url: String,
    },
    Document,
    Quiz {
        /// The questions as JSON (`quiz::Quiz::to_json`).
        quiz_json: String,
        pass_mark: i64,
    },
    /// A live session, or a webinar (Zoom's webinar instead of a meeting).
    Live {
        webinar: bool,
        schedule: Schedule,
    },
    ExternalLink {
        url: String,
    },
}

impl LessonContent {
    pub fn kind(&self) -> LessonKind {
        match self {
            LessonContent::Video { .. } => LessonKind::Video,
            LessonContent::Document => LessonKind::Document,
            LessonContent::Quiz { .. } => LessonKind::Quiz,
            LessonContent::Live { webinar: false, .. } => LessonKind::LiveSession,
            LessonContent::Live { webinar: true, .. } => LessonKind::Webinar,
            LessonContent::ExternalLink { .. } => LessonKind::ExternalLink,
        }
    }

    /// A live lesson's schedule.
    pub fn schedule(&self) -> Option<&Schedule> {
        match self {
            LessonContent::Live { schedule, .. } => Some(schedule),
            _ => None,
        }
    }

    /// The address of a video or an external link.
    pub fn url(&self) -> Option<&str> {
        match self {
            LessonContent::Video { url } | LessonContent::ExternalLink { url } => Some(url),
            _ => None,
        }
    }

    /// The row's content columns for this content (the rest NULL).
    pub fn columns(&self) -> ContentColumns {
        let mut c = ContentColumns::default();
        match self {
            LessonContent::Video { url } | LessonContent::ExternalLink { url } => {
                c.url = Some(url.clone());
            }
            LessonContent::Document => {}
            LessonContent::Quiz {
                quiz_json,
                pass_mark,
            } => {
                c.quiz_json = Some(quiz_json.clone());
                c.pass_mark = Some(*pass_mark);
            }
            LessonContent::Live { schedule, .. } => {
                c.starts_at = Some(schedule.starts_at);
                c.timezone = Some(schedule.timezone.clone());
                c.local_start = Some(schedule.local_start.clone());
                c.duration_min = Some(schedule.duration_min);
            }
        }
        c
    }

    /// The content of lesson `lesson_id` of `kind` from its row's columns. Columns a kind
    /// does not use are ignored. A quiz without a pass mark passes at the default mark and
    /// a live lesson without a duration lasts the editor's default; what the outline does
    /// not read (a URL, a quiz) comes back empty.
    pub(crate) fn from_columns(
        lesson_id: LessonId,
        kind: LessonKind,
        c: ContentColumns,
    ) -> Result<LessonContent, LessonDecodeError> {
        let missing = |what| LessonDecodeError::Missing {
            lesson_id,
            kind,
            what,
        };
        Ok(match kind {
            LessonKind::Video => LessonContent::Video {
                url: c.url.unwrap_or_default(),
            },
            LessonKind::ExternalLink => LessonContent::ExternalLink {
                url: c.url.unwrap_or_default(),
            },
            LessonKind::Document => LessonContent::Document,
            LessonKind::Quiz => LessonContent::Quiz {
                quiz_json: c.quiz_json.unwrap_or_default(),
                pass_mark: c.pass_mark.unwrap_or(quiz::DEFAULT_PASS_MARK),
            },
            LessonKind::LiveSession | LessonKind::Webinar => LessonContent::Live {
                webinar: kind == LessonKind::Webinar,
                schedule: Schedule {
                    starts_at: c.starts_at.ok_or_else(|| missing("a start (starts_at)"))?,
                    timezone: c
                        .timezone
                        .ok_or_else(|| missing("a time zone (timezone)"))?,
                    local_start: c
                        .local_start
                        .ok_or_else(|| missing("a local start time (local_start)"))?,
                    duration_min: c.duration_min.unwrap_or(DEFAULT_DURATION_MIN),
                },
            },
        })
    }
}

/// The nullable content columns of `lessons`.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ContentColumns {
    pub url: Option<String>,
    pub quiz_json: Option<String>,
    pub pass_mark: Option<i64>,
    pub starts_at: Option<i64>,
    pub timezone: Option<String>,
    pub local_start: Option<String>,
    pub duration_min: Option<i64>,
}

/// [`ContentColumns`] of `lessons l`, for a query that reads a lesson beside other tables.
pub const CONTENT_SQL: &str =
    "l.url, l.quiz_json, l.pass_mark, l.starts_at, l.timezone, l.local_start, l.duration_min";

/// The schedule of lesson `lesson_id` of `kind` read by such a query; `None` when it is not
/// a live lesson.
pub fn schedule_of(
    lesson_id: LessonId,
    kind: &str,
    c: ContentColumns,
) -> Result<Option<Schedule>, LessonDecodeError> {
    let kind = LessonKind::parse(kind).ok_or_else(|| LessonDecodeError::UnknownKind {
        lesson_id,
        kind: kind.to_string(),
    })?;
    Ok(match LessonContent::from_columns(lesson_id, kind, c)? {
        LessonContent::Live { schedule, .. } => Some(schedule),
        _ => None,
    })
}

impl From<LessonDecodeError> for sqlx::Error {
    fn from(e: LessonDecodeError) -> sqlx::Error {
        sqlx::Error::Decode(Box::new(e))
    }
}

/// A `lessons` row as stored (`LESSON_COLUMNS`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LessonRow {
    pub id: LessonId,
    pub course_id: CourseId,
    pub position: i64,
    pub kind: String,
    pub title: String,
    pub required: i64,
    pub body: String,
    #[sqlx(flatten)]
    pub content: ContentColumns,
}

/// A `lessons` row that is not a lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonDecodeError {
    UnknownKind {
        lesson_id: LessonId,
        kind: String,
    },
    Missing {
        lesson_id: LessonId,
        kind: LessonKind,
        what: &'static str,
    },
}

impl fmt::Display for LessonDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LessonDecodeError::UnknownKind { lesson_id, kind } => {
                write!(f, "lesson {} has an unknown kind {kind:?}", lesson_id)
            }
            LessonDecodeError::Missing {
                lesson_id,
                kind,
                what,
            } => write!(
                f,
                "lesson {} is a {} without {what}",
                lesson_id,
                kind.as_str()
            ),
        }
    }
}

impl std::error::Error for LessonDecodeError {}

impl TryFrom<LessonRow> for Lesson {
    type Error = LessonDecodeError;
    fn try_from(r: LessonRow) -> Result<Lesson, LessonDecodeError> {
        let kind = LessonKind::parse(&r.kind).ok_or_else(|| LessonDecodeError::UnknownKind {
            lesson_id: r.id,
            kind: r.kind.clone(),
        })?;
        Ok(Lesson {
            content: LessonContent::from_columns(r.id, kind, r.content)?,
            id: r.id,
            course_id: r.course_id,
            position: r.position,
            title: r.title,
            required: r.required,
            body: r.body,
        })
    }
}

impl Lesson {
    #[cfg(test)]
    pub(crate) fn to_row(&self) -> LessonRow {
        LessonRow {
            id: self.id,
            course_id: self.course_id,
            position: self.position,
            kind: self.kind().as_str().to_string(),
            title: self.title.clone(),
            required: self.required,
            body: self.body.clone(),
            content: self.content.columns(),
        }
    }
}

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for Lesson {
    fn from_row(row: &'r sqlx::any::AnyRow) -> sqlx::Result<Lesson> {
        Ok(Lesson::try_from(LessonRow::from_row(row)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: LessonKind, content: ContentColumns) -> LessonRow {
        LessonRow {
            id: LessonId(7),
            course_id: CourseId(3),
            position: 2,
            kind: kind.as_str().to_string(),
            title: "A lesson".into(),
            required: 1,
            body: "Body".into(),
            content,
        }
    }

    fn schedule_columns() -> ContentColumns {
        ContentColumns {
            starts_at: Some(1_781_109_000_000),
            timezone: Some("Europe/Berlin".into()),
            local_start: Some("2026-06-10T18:30".into()),
            duration_min: Some(90),
            ..Default::default()
        }
    }

    #[test]
    fn every_kind_round_trips_through_its_row() {
        let url = ContentColumns {
            url: Some("https://example.com/talk".into()),
            ..Default::default()
        };
        let quiz = ContentColumns {
            quiz_json: Some("{\"questions\":[]}".into()),
            pass_mark: Some(80),
            ..Default::default()
        };
        for kind in LessonKind::ALL {
            let columns = match kind {
                LessonKind::Video | LessonKind::ExternalLink => url.clone(),
                LessonKind::Document => ContentColumns::default(),
                LessonKind::Quiz => quiz.clone(),
                LessonKind::LiveSession | LessonKind::Webinar => schedule_columns(),
            };
            let r = row(kind, columns);
            let lesson = Lesson::try_from(r.clone()).unwrap();
            assert_eq!(lesson.kind(), kind);
            assert_eq!(lesson.to_row(), r, "{kind:?}");
        }
    }

    #[test]
    fn a_live_row_without_a_start_does_not_decode() {
        for kind in [LessonKind::LiveSession, LessonKind::Webinar] {
            let mut columns = schedule_columns();
            columns.starts_at = None;
            let err = Lesson::try_from(row(kind, columns)).unwrap_err();
            assert_eq!(
                err,
                LessonDecodeError::Missing {
                    lesson_id: LessonId(7),
                    kind,
                    what: "a start (starts_at)",
                }
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "lesson 7 is a {} without a start (starts_at)",
                    kind.as_str()
                )
            );
        }
        let mut columns = schedule_columns();
        columns.timezone = None;
        let err = Lesson::try_from(row(LessonKind::Webinar, columns)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "lesson 7 is a webinar without a time zone (timezone)"
        );
    }

    #[test]
    fn a_live_row_without_a_duration_lasts_the_default() {
        let mut columns = schedule_columns();
        columns.duration_min = None;
        let lesson = Lesson::try_from(row(LessonKind::LiveSession, columns)).unwrap();
        assert_eq!(
            lesson.schedule().map(|s| s.duration_min),
            Some(DEFAULT_DURATION_MIN)
        );
    }

    #[test]
    fn an_unknown_kind_does_not_decode() {
        let mut r = row(LessonKind::Document, ContentColumns::default());
        r.kind = "podcast".into();
        assert_eq!(
            Lesson::try_from(r).unwrap_err().to_string(),
            "lesson 7 has an unknown kind \"podcast\""
        );
    }
}
