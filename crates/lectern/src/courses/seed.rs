//! Demo content: one published course with a lesson of every kind, the live session ten
//! minutes after the demo starts and a webinar the next day.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::quiz::{Question, Quiz};
use super::{CourseFields, LessonKind, LessonRecord, progress};
use crate::db::{Db, now_ms};

pub(crate) const DEMO_COURSE_TITLE: &str = "Teaching live with Lectern";
const DEMO_TZ: &str = "Europe/Berlin";
const LIVE_LEAD_MIN: i64 = 10;

const DESCRIPTION: &str = "A short tour of what a Lectern course can hold: videos, readings, a quiz, \
a live session and a webinar with Zoom, and links to the wider web.\n\n\
Enrol, work through the lessons and watch your progress grow.";

const DOCUMENT: &str = "# How this course works\n\n\
Each lesson appears in the outline on the left. Lessons marked *required* count towards \
your progress; when all of them are done the course is complete.\n\n\
- **Videos** and **readings**: press *Mark complete* when you're done.\n\
- **Quizzes**: pass with the mark shown to complete them. You can try again.\n\
- **Live sessions** and **webinars**: join from the lesson when they start.\n\n\
> Times are always shown in *your* time zone.\n\n\
More about Markdown: [CommonMark](https://commonmark.org/help/).\n";

/// A record with the common fields filled in.
fn record(kind: LessonKind, title: &str, body: &str) -> LessonRecord {
    LessonRecord {
        kind,
        title: title.to_string(),
        required: true,
        body: body.to_string(),
        url: None,
        quiz_json: None,
        pass_mark: None,
        starts_at: None,
        timezone: None,
        local_start: None,
        duration_min: None,
    }
}

/// A scheduled lesson at `at` (epoch ms), with its wall time in the demo zone.
fn scheduled(
    kind: LessonKind,
    title: &str,
    body: &str,
    at: i64,
    duration_min: i64,
) -> LessonRecord {
    let mut r = record(kind, title, body);
    r.required = false;
    set_start(&mut r, at);
    r.duration_min = Some(duration_min);
    r
}

fn set_start(r: &mut LessonRecord, at: i64) {
    // Whole minutes, like a time typed into the editor.
    let at = at - at.rem_euclid(60_000);
    let tz = TimeZone::get(DEMO_TZ).unwrap_or(TimeZone::UTC);
    let local = Timestamp::from_millisecond(at)
        .map(|ts| {
            ts.to_zoned(tz)
                .datetime()
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default();
    r.starts_at = Some(at);
    r.timezone = Some(DEMO_TZ.to_string());
    r.local_start = Some(local);
}

fn demo_quiz() -> Quiz {
    Quiz {
        questions: vec![
            Question {
                prompt: "Where do live sessions open for students?".into(),
                choices: vec![
                    "In a separate Zoom account they must create".into(),
                    "Embedded in the course player".into(),
                    "Only by e-mail".into(),
                ],
                correct: 1,
            },
            Question {
                prompt: "Which lessons count towards your progress?".into(),
                choices: vec!["Required lessons".into(), "Only quizzes".into()],
                correct: 0,
            },
        ],
    }
}

pub async fn demo_course(
    db: &Db,
    hooks: &dyn super::CourseHooks,
    school_id: i64,
    instructor: i64,
    students: &[i64],
) -> anyhow::Result<()> {
    let course = super::create(
        db,
        school_id,
        instructor,
        CourseFields {
            title: DEMO_COURSE_TITLE,
            description: DESCRIPTION,
            cover_url: None,
        },
    )
    .await?;
    let now = now_ms();
    let mut video = record(
        LessonKind::Video,
        "Welcome video",
        "A two-minute welcome. (The demo works offline; the player needs the network.)",
    );
    video.url = Some("https://www.youtube.com/watch?v=aqz-KE-bpKQ".into());
    let document = record(LessonKind::Document, "How this course works", DOCUMENT);
    let mut quiz = record(
        LessonKind::Quiz,
        "Check your understanding",
        "Two questions; 50 % passes.",
    );
    quiz.quiz_json = Some(demo_quiz().to_json());
    quiz.pass_mark = Some(50);
    let live = scheduled(
        LessonKind::LiveSession,
        "Live Q&A with your instructor",
        "## Agenda\n\n1. Introductions\n2. Your questions\n3. Next steps",
        now + LIVE_LEAD_MIN * 60_000,
        60,
    );
    let webinar = scheduled(
        LessonKind::Webinar,
        "Webinar: teaching online that works",
        "A talk for everyone enrolled, with time for questions at the end.",
        now + 24 * 60 * 60_000,
        90,
    );
    let mut link = record(
        LessonKind::ExternalLink,
        "Further reading",
        "A good overview of active learning online.",
    );
    link.url = Some("https://en.wikipedia.org/wiki/Active_learning".into());
    for r in [&video, &document, &quiz, &live, &webinar, &link] {
        super::insert_lesson(db, hooks, school_id, course.id, r).await?;
    }
    super::set_published(db, school_id, course.id, true).await?;
    for s in students {
        progress::enroll(db, hooks, school_id, course.id, *s).await?;
    }
    Ok(())
}

/// Called on every demo start: a demo live session in the past moves to ten minutes from
/// now, and a past webinar to the same time tomorrow, so the demo always has something to
/// count down to.
pub async fn refresh_demo_schedule(db: &Db, hooks: &dyn super::CourseHooks) -> anyhow::Result<()> {
    let Some(school) = crate::schools::by_slug(db, "demo").await? else {
        return Ok(());
    };
    let Some(course) =
        super::by_slug(db, school.id, &super::slug::slugify(DEMO_COURSE_TITLE)).await?
    else {
        return Ok(());
    };
    let now = now_ms();
    for lesson in super::lessons(db, school.id, course.id).await? {
        let at = match (lesson.kind, lesson.starts_at) {
            (LessonKind::LiveSession, Some(s)) if s < now => now + LIVE_LEAD_MIN * 60_000,
            (LessonKind::Webinar, Some(s)) if s < now => now + 24 * 60 * 60_000,
            _ => continue,
        };
        let mut r = LessonRecord {
            kind: lesson.kind,
            title: lesson.title.clone(),
            required: lesson.is_required(),
            body: lesson.body.clone(),
            url: lesson.url.clone(),
            quiz_json: lesson.quiz_json.clone(),
            pass_mark: lesson.pass_mark,
            starts_at: None,
            timezone: None,
            local_start: None,
            duration_min: lesson.duration_min,
        };
        set_start(&mut r, at);
        super::update_lesson(db, hooks, school.id, course.id, lesson.id, &r).await?;
    }
    Ok(())
}
