//! Lessons as input (the editor's form parsed into a [`LessonRecord`]) and as output (how a
//! lesson's content is shown: video embeds, rendered Markdown, schedule state).

use serde::Deserialize;

use super::quiz::{self, Quiz, QuizError};
use super::schedule::{self, OffsetChoice, ScheduleError};
use super::{Lesson, LessonContent, LessonKind, markdown};
use crate::i18n::Tr;
use crate::web::{FieldErrors, check_text, limits};

/// What the lesson editor posts. Every field is a string so any body parses.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct LessonForm {
    pub title: String,
    pub required: String,
    pub url: String,
    pub body: String,
    pub quiz: String,
    pub pass_mark: String,
    pub local_start: String,
    pub timezone: String,
    pub duration: String,
    /// The offset (seconds) chosen for an ambiguous wall time.
    pub offset: String,
    /// A live lesson's Zoom options and external-link switch (`live_options`).
    #[serde(flatten)]
    pub live: super::live_options::LiveOptionsForm,
}

impl LessonForm {
    /// A blank form for a new lesson: required, 120 minutes, the instructor's zone.
    pub fn blank(timezone: &str) -> LessonForm {
        LessonForm {
            required: "on".into(),
            pass_mark: quiz::DEFAULT_PASS_MARK.to_string(),
            timezone: timezone.to_string(),
            duration: schedule::DEFAULT_DURATION_MIN.to_string(),
            ..Default::default()
        }
    }

    pub(crate) fn from_lesson(l: &Lesson) -> LessonForm {
        let mut form = LessonForm {
            title: l.title.clone(),
            required: if l.is_required() {
                "on".into()
            } else {
                String::new()
            },
            body: l.body.clone(),
            ..Default::default()
        };
        match &l.content {
            LessonContent::Video { url } | LessonContent::ExternalLink { url } => {
                form.url = url.clone();
            }
            LessonContent::Document => {}
            LessonContent::Quiz {
                quiz_json,
                pass_mark,
            } => {
                form.quiz = Quiz::from_json(Some(quiz_json)).to_text();
                form.pass_mark = pass_mark.to_string();
            }
            LessonContent::Live { schedule, .. } => {
                form.local_start = schedule.local_start.clone();
                form.timezone = schedule.timezone.clone();
                form.duration = schedule.duration_min.to_string();
            }
        }
        form
    }

    pub(crate) fn is_required(&self) -> bool {
        !self.required.is_empty()
    }
}

/// A validated lesson, ready for its row (`LessonContent::columns`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonRecord {
    pub title: String,
    pub required: bool,
    pub body: String,
    pub content: LessonContent,
}

impl LessonRecord {
    pub fn kind(&self) -> LessonKind {
        self.content.kind()
    }

    /// The lesson as it is stored, to be written back changed.
    pub(crate) fn from_lesson(l: &Lesson) -> LessonRecord {
        LessonRecord {
            title: l.title.clone(),
            required: l.is_required(),
            body: l.body.clone(),
            content: l.content.clone(),
        }
    }
}

/// Why a lesson form was refused: messages per field, and for an ambiguous start time the
/// two offsets to choose from.
#[derive(Debug, Default)]
pub struct Rejected {
    pub errors: FieldErrors,
    /// Empty, or the two offsets of an ambiguous start time.
    pub fold: Vec<OffsetChoice>,
}

/// Every field this kind keeps is checked (free text with `check_text`, the rest parsed);
/// the fields it ignores are never stored.
pub fn parse(kind: LessonKind, form: &LessonForm, tr: &Tr) -> Result<LessonRecord, Rejected> {
    let mut rejected = Rejected::default();
    let errors = &mut rejected.errors;
    let title = form.title.trim().to_string();
    if check_text(errors, tr, "title", &title, limits::TITLE) && title.is_empty() {
        errors.add("title", tr.t("form-required"));
    }
    check_text(errors, tr, "body", &form.body, limits::BODY);
    let mut content = None;
    match kind {
        LessonKind::Video | LessonKind::ExternalLink => {
            let url = form.url.trim();
            if check_text(errors, tr, "url", url, limits::URL) {
                // A video lesson may have an uploaded video instead (added once saved).
                if url.is_empty() {
                    if kind == LessonKind::ExternalLink {
                        errors.add("url", tr.t("form-required"));
                    }
                } else if !crate::schools::routes::valid_http_url(url) {
                    errors.add("url", tr.t("form-url-invalid"));
                }
            }
            let url = url.to_string();
            content = Some(if kind == LessonKind::Video {
                LessonContent::Video { url }
            } else {
                LessonContent::ExternalLink { url }
            });
        }
        LessonKind::Document => content = Some(LessonContent::Document),
        LessonKind::Quiz => {
            let mut quiz_json = None;
            if check_text(errors, tr, "quiz", &form.quiz, limits::BODY) {
                match Quiz::parse_text(&form.quiz) {
                    Ok(q) => quiz_json = Some(q.to_json()),
                    Err(e) => errors.add("quiz", quiz_error(&e, tr)),
                }
            }
            let pass_mark = quiz::parse_pass_mark(&form.pass_mark);
            if pass_mark.is_none() {
                errors.add("pass_mark", tr.t("lesson-pass-mark-invalid"));
            }
            if let (Some(quiz_json), Some(pass_mark)) = (quiz_json, pass_mark) {
                content = Some(LessonContent::Quiz {
                    quiz_json,
                    pass_mark,
                });
            }
        }
        LessonKind::LiveSession | LessonKind::Webinar => {
            let offset = form.offset.trim().parse::<i32>().ok();
            match schedule::resolve(&form.local_start, &form.timezone, &form.duration, offset) {
                Ok(schedule) => {
                    content = Some(LessonContent::Live {
                        webinar: kind == LessonKind::Webinar,
                        schedule,
                    })
                }
                Err(ScheduleError::BadDateTime) => {
                    errors.add("local_start", tr.t("schedule-bad-datetime"))
                }
                Err(ScheduleError::BadTimezone) => {
                    errors.add("timezone", tr.t("form-timezone-invalid"))
                }
                Err(ScheduleError::BadDuration) => errors.add(
                    "duration",
                    tr.t1("schedule-bad-duration", "max", schedule::MAX_DURATION_MIN),
                ),
                Err(ScheduleError::Gap { from, to }) => errors.add(
                    "local_start",
                    tr.ta(
                        "schedule-gap",
                        &[
                            ("zone", form.timezone.trim().to_string()),
                            ("from", from),
                            ("to", to),
                        ],
                    ),
                ),
                Err(ScheduleError::Fold { choices }) => {
                    errors.add(
                        "local_start",
                        tr.t1("schedule-fold", "zone", form.timezone.trim()),
                    );
                    rejected.fold = Vec::from(choices);
                }
            }
        }
    }
    match content {
        Some(content) if rejected.errors.is_empty() => Ok(LessonRecord {
            title,
            required: form.is_required(),
            body: form.body.trim_end().to_string(),
            content,
        }),
        _ => Err(rejected),
    }
}

fn quiz_error(e: &QuizError, tr: &Tr) -> String {
    match e {
        QuizError::Empty => tr.t("quiz-error-empty"),
        QuizError::BadLine { line } => tr.t1("quiz-error-line", "line", line),
        QuizError::EmptyPrompt { question } => tr.t1("quiz-error-prompt", "n", question),
        QuizError::TooFewChoices { question } => tr.t1("quiz-error-choices", "n", question),
        QuizError::NoCorrectChoice { question } => tr.t1("quiz-error-no-correct", "n", question),
        QuizError::SeveralCorrectChoices { question } => {
            tr.t1("quiz-error-several-correct", "n", question)
        }
    }
}

/// How a video URL is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoEmbed {
    /// A player page for an `<iframe>` (YouTube, Vimeo).
    Iframe(String),
    /// A media file for a `<video>` tag.
    File(String),
    /// Anything else: a link.
    Link(String),
}

pub fn video_embed(raw: &str) -> VideoEmbed {
    let Ok(url) = url::Url::parse(raw.trim()) else {
        return VideoEmbed::Link(raw.to_string());
    };
    if !matches!(url.scheme(), "http" | "https") {
        return VideoEmbed::Link(String::new());
    }
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches("www.")
        .trim_start_matches("m.");
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let youtube_id = |id: &str| {
        (id.len() == 11
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then(|| format!("https://www.youtube-nocookie.com/embed/{id}"))
    };
    let embed = match (host, segments.as_slice()) {
        ("youtube.com", ["watch"]) => url
            .query_pairs()
            .find(|(k, _)| k == "v")
            .and_then(|(_, v)| youtube_id(&v)),
        ("youtube.com" | "youtube-nocookie.com", ["embed" | "shorts" | "live", id]) => {
            youtube_id(id)
        }
        ("youtu.be", [id]) => youtube_id(id),
        ("vimeo.com", [id, ..]) | ("player.vimeo.com", ["video", id])
            if id.chars().all(|c| c.is_ascii_digit()) =>
        {
            Some(format!("https://player.vimeo.com/video/{id}"))
        }
        _ => None,
    };
    if let Some(src) = embed {
        return VideoEmbed::Iframe(src);
    }
    let path = url.path().to_ascii_lowercase();
    if [".mp4", ".webm", ".ogg", ".ogv", ".mov", ".m4v"]
        .iter()
        .any(|ext| path.ends_with(ext))
    {
        VideoEmbed::File(url.to_string())
    } else {
        VideoEmbed::Link(url.to_string())
    }
}

/// A lesson prepared for the player page.
pub(crate) struct LessonView {
    pub lesson: Lesson,
    /// Sanitised HTML of the body (Markdown).
    pub body_html: String,
    pub iframe: String,
    pub video_file: String,
    pub link: String,
    pub quiz: Quiz,
}

impl LessonView {
    pub fn new(lesson: Lesson) -> LessonView {
        let body_html = markdown::render(&lesson.body);
        let (mut iframe, mut video_file, mut link) = (String::new(), String::new(), String::new());
        let mut quiz = Quiz::default();
        match &lesson.content {
            LessonContent::Video { url } => match video_embed(url) {
                VideoEmbed::Iframe(s) => iframe = s,
                VideoEmbed::File(s) => video_file = s,
                VideoEmbed::Link(s) => link = s,
            },
            LessonContent::ExternalLink { url } => {
                if crate::schools::routes::valid_http_url(url) {
                    link = url.clone();
                }
            }
            LessonContent::Quiz { quiz_json, .. } => quiz = Quiz::from_json(Some(quiz_json)),
            LessonContent::Document | LessonContent::Live { .. } => {}
        }
        LessonView {
            lesson,
            body_html,
            iframe,
            video_file,
            link,
            quiz,
        }
    }

    pub fn pass_mark(&self) -> i64 {
        match self.lesson.content {
            LessonContent::Quiz { pass_mark, .. } => pass_mark,
            _ => quiz::DEFAULT_PASS_MARK,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind_fields: &[(&str, &str)]) -> LessonForm {
        let mut f = LessonForm::blank("Europe/Berlin");
        f.title = "A lesson".into();
        for (k, v) in kind_fields {
            let v = v.to_string();
            match *k {
                "url" => f.url = v,
                "body" => f.body = v,
                "quiz" => f.quiz = v,
                "pass_mark" => f.pass_mark = v,
                "local_start" => f.local_start = v,
                "timezone" => f.timezone = v,
                "offset" => f.offset = v,
                "required" => f.required = v,
                _ => panic!("unknown field {k}"),
            }
        }
        f
    }

    #[test]
    fn parses_each_kind() {
        let tr = Tr::default();
        let v = parse(
            LessonKind::Video,
            &form(&[("url", "https://youtu.be/dQw4w9WgXcQ")]),
            &tr,
        )
        .unwrap();
        assert_eq!(v.content.url(), Some("https://youtu.be/dQw4w9WgXcQ"));
        assert!(v.required);
        let d = parse(
            LessonKind::Document,
            &form(&[("body", "# Hi"), ("required", "")]),
            &tr,
        )
        .unwrap();
        assert!(!d.required);
        let q = parse(LessonKind::Quiz, &form(&[("quiz", "? a\n* b\n- c")]), &tr).unwrap();
        let LessonContent::Quiz {
            quiz_json,
            pass_mark,
        } = q.content
        else {
            panic!("not a quiz: {q:?}");
        };
        assert_eq!(pass_mark, 70);
        assert!(quiz_json.contains("\"correct\":0"));
        let l = parse(
            LessonKind::LiveSession,
            &form(&[("local_start", "2026-06-10T18:30")]),
            &tr,
        )
        .unwrap();
        let schedule = l.content.schedule().unwrap();
        assert_eq!(schedule.duration_min, 120);
        assert_eq!(schedule.timezone, "Europe/Berlin");
        let e = parse(
            LessonKind::ExternalLink,
            &form(&[("url", "javascript:alert(1)")]),
            &tr,
        )
        .unwrap_err();
        assert!(e.errors.has("url"));
    }

    #[test]
    fn schedule_problems_are_reported_on_the_form() {
        let tr = Tr::default();
        let gap = parse(
            LessonKind::Webinar,
            &form(&[("local_start", "2026-03-29T02:30")]),
            &tr,
        )
        .unwrap_err();
        let msg = gap.errors.get("local_start");
        assert!(
            msg.contains("doesn't exist") && msg.contains("02:00") && msg.contains("03:00"),
            "{msg}"
        );
        assert!(gap.fold.is_empty());
        let fold = parse(
            LessonKind::Webinar,
            &form(&[("local_start", "2026-10-25T02:30")]),
            &tr,
        )
        .unwrap_err();
        assert_eq!(fold.fold.len(), 2);
        let chosen = parse(
            LessonKind::Webinar,
            &form(&[("local_start", "2026-10-25T02:30"), ("offset", "3600")]),
            &tr,
        );
        assert!(chosen.is_ok());
    }

    #[test]
    fn videos_embed_where_possible() {
        let yt = VideoEmbed::Iframe("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ".into());
        assert_eq!(
            video_embed("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1"),
            yt
        );
        assert_eq!(video_embed("https://youtu.be/dQw4w9WgXcQ"), yt);
        assert_eq!(video_embed("https://m.youtube.com/shorts/dQw4w9WgXcQ"), yt);
        assert_eq!(
            video_embed("https://www.youtube.com/watch?v=bad\"id"),
            VideoEmbed::Link("https://www.youtube.com/watch?v=bad%22id".into())
        );
        assert_eq!(
            video_embed("https://vimeo.com/76979871"),
            VideoEmbed::Iframe("https://player.vimeo.com/video/76979871".into())
        );
        assert_eq!(
            video_embed("https://cdn.example/a/talk.MP4"),
            VideoEmbed::File("https://cdn.example/a/talk.MP4".into())
        );
        assert_eq!(
            video_embed("https://example.com/page"),
            VideoEmbed::Link("https://example.com/page".into())
        );
        assert_eq!(
            video_embed("javascript:alert(1)"),
            VideoEmbed::Link(String::new())
        );
    }
}
