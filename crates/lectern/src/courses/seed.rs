//! Demo content: one published course with a lesson of every kind, the live session ten
//! minutes after the demo starts and a webinar the next day.

use super::quiz::{Question, Quiz};
use super::schedule::Schedule;
use super::{CourseFields, LessonContent, LessonRecord, progress};
use crate::db::{CourseId, Db, LessonId, UserId, now_ms};

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

/// A required lesson.
fn record(title: &str, body: &str, content: LessonContent) -> LessonRecord {
    LessonRecord {
        title: title.to_string(),
        required: true,
        body: body.to_string(),
        content,
    }
}

/// An optional live lesson at `at` (epoch ms), with its wall time in the demo zone.
fn scheduled(webinar: bool, title: &str, body: &str, at: i64, duration_min: i64) -> LessonRecord {
    let mut r = record(
        title,
        body,
        LessonContent::Live {
            webinar,
            schedule: demo_schedule(at, duration_min),
        },
    );
    r.required = false;
    r
}

fn demo_schedule(at: i64, duration_min: i64) -> Schedule {
    // Whole minutes, like a time typed into the editor.
    Schedule::at(at - at.rem_euclid(60_000), DEMO_TZ, duration_min)
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

/// The demo course's ids that the demo's uploads go to.
pub struct DemoCourse {
    pub course: CourseId,
    pub video_lesson: LessonId,
    pub document_lesson: LessonId,
}

pub async fn demo_course(
    db: &Db,
    hooks: &dyn super::CourseHooks,
    school_id: i64,
    instructor: i64,
    students: &[i64],
) -> anyhow::Result<DemoCourse> {
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
    // Its video is uploaded by the demo (an eight-second clip), so it plays offline.
    let video = record(
        "Welcome video",
        "An uploaded video: play it, skip around, and the course counts how much you watched.",
        LessonContent::Video { url: String::new() },
    );
    let document = record("How this course works", DOCUMENT, LessonContent::Document);
    let quiz = record(
        "Check your understanding",
        "Two questions; 50 % passes.",
        LessonContent::Quiz {
            quiz_json: demo_quiz().to_json(),
            pass_mark: 50,
        },
    );
    let live = scheduled(
        false,
        "Live Q&A with your instructor",
        "## Agenda\n\n1. Introductions\n2. Your questions\n3. Next steps",
        now + LIVE_LEAD_MIN * 60_000,
        60,
    );
    let webinar = scheduled(
        true,
        "Webinar: teaching online that works",
        "A talk for everyone enrolled, with time for questions at the end.",
        now + 24 * 60 * 60_000,
        90,
    );
    let link = record(
        "Further reading",
        "A good overview of active learning online.",
        LessonContent::ExternalLink {
            url: "https://en.wikipedia.org/wiki/Active_learning".into(),
        },
    );
    let mut ids = Vec::new();
    for r in [&video, &document, &quiz, &live, &webinar, &link] {
        ids.push(super::insert_lesson(db, hooks, course.school_id, course.id, r).await?);
    }
    super::set_published(db, course.school_id, course.id, true).await?;
    for s in students {
        progress::enroll(db, hooks, course.school_id, course.id, UserId(*s)).await?;
    }
    Ok(DemoCourse {
        course: course.id,
        video_lesson: ids[0],
        document_lesson: ids[1],
    })
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
    for lesson in super::lessons(db, course.school_id, course.id).await? {
        let LessonContent::Live { webinar, schedule } = &lesson.content else {
            continue;
        };
        if schedule.starts_at >= now {
            continue;
        }
        let at = if *webinar {
            now + 24 * 60 * 60_000
        } else {
            now + LIVE_LEAD_MIN * 60_000
        };
        let mut r = LessonRecord::from_lesson(&lesson);
        r.content = LessonContent::Live {
            webinar: *webinar,
            schedule: demo_schedule(at, schedule.duration_min),
        };
        super::update_lesson(db, hooks, course.school_id, course.id, lesson.id, &r).await?;
    }
    Ok(())
}

pub(crate) const PAID_COURSE_TITLE: &str = "Facilitation masterclass";

/// The demo's paid course: for sale at €49, nobody enrolled; buying it goes through the
/// simulated Stripe or PayPal checkout.
pub async fn paid_demo_course(
    db: &Db,
    hooks: &dyn super::CourseHooks,
    school_id: i64,
    instructor: i64,
) -> anyhow::Result<CourseId> {
    let course = super::create(
        db,
        school_id,
        instructor,
        CourseFields {
            title: PAID_COURSE_TITLE,
            description: "Run workshops people remember: four weeks of practice with live \
                          feedback.\n\nBuy it with the simulated Stripe or PayPal checkout \
                          (card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined).",
            cover_url: None,
        },
    )
    .await?;
    let lessons = [
        record(
            "Before the first workshop",
            "# Preparing\n\nWhat to read, and what to bring.",
            LessonContent::Document,
        ),
        record(
            "Energisers that work",
            "# Energisers\n\nFive exercises, and when each helps.",
            LessonContent::Document,
        ),
    ];
    for r in &lessons {
        super::insert_lesson(db, hooks, course.school_id, course.id, r).await?;
    }
    super::price::set(
        db,
        course.school_id,
        course.id,
        Some(&super::price::Price {
            minor: 4900,
            currency: "EUR".into(),
        }),
    )
    .await?;
    super::set_published(db, course.school_id, course.id, true).await?;
    Ok(course.id)
}
