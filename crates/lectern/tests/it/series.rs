//! Recurring series (issue 17, L12) through the course editor's forms: a weekly series
//! previewed and created in one step with the right UTC instants across a DST change;
//! "this and all following" edits exactly those still scheduled; one occurrence and the
//! rest of the series cancelled; invitations, updates and cancellations per occurrence
//! (same UID, rising SEQUENCE); field errors that keep the input; a failed edit that
//! leaves every occurrence as it was; the tenant wall.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use lectern::accounts::Role;
use lectern::courses::{self, CourseFields};
use lectern::db::{Backend, CourseId, SchoolId, UserId};

use crate::invitations::seq;
use crate::support::client::TestClient;
use crate::support::mail::Mail;
use crate::support::{TestApp, TestAppBuilder, TestUser};

const BERLIN: &str = "Europe/Berlin";

struct Fx {
    app: TestApp,
    course: CourseId,
    slug: String,
    teacher: TestClient,
}

async fn setup(b: TestAppBuilder) -> Fx {
    fixture(b.with_smtp().start().await).await
}

/// A published course taught by the test instructor, the test student enrolled.
async fn fixture(app: TestApp) -> Fx {
    let (teacher, id, slug) = crate::support::courses::taught_course(&app, "Cohort").await;
    crate::support::courses::enroll(&app, id, app.student.id).await;
    Fx {
        course: CourseId(id),
        slug,
        teacher,
        app,
    }
}

/// The first Monday at least two weeks ahead, in Berlin.
fn next_monday() -> Date {
    let today = Timestamp::now()
        .to_zoned(TimeZone::get(BERLIN).unwrap())
        .date()
        .checked_add(14.days())
        .unwrap();
    let mut d = today;
    while d.weekday() != Weekday::Monday {
        d = d.tomorrow().unwrap();
    }
    d
}

fn series_fields(first: Date, count: usize) -> Fields {
    vec![
        ("title", "Weekly coaching".into()),
        ("first_date", first.to_string()),
        ("time", "09:00".into()),
        ("timezone", BERLIN.into()),
        ("duration", "60".into()),
        ("freq", "weekly".into()),
        ("interval", "1".into()),
        ("wd1", "on".into()),
        ("end", "count".into()),
        ("count", count.to_string()),
        ("required", "on".into()),
    ]
}

type Fields = Vec<(&'static str, String)>;

fn borrow<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

impl Fx {
    fn new_url(&self) -> String {
        format!(
            "/teach/courses/{}/series/new?kind=live_session",
            self.course
        )
    }

    /// Preview, then "Create": returns the series page's path.
    async fn create(&self, fields: &[(&'static str, String)]) -> String {
        let preview = self
            .teacher
            .post_form(&self.new_url(), &borrow(fields))
            .await;
        preview.assert_status(200);
        let confirm = preview
            .attr("#series-create", "value")
            .expect("a Create button after the preview");
        let mut all = borrow(fields);
        all.push(("confirm", confirm.as_str()));
        let r = self.teacher.post_form(&self.new_url(), &all).await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
        r.location().unwrap().to_string()
    }

    /// (lesson id, place) of every occurrence, in order.
    async fn members(&self) -> Vec<i64> {
        sqlx::query_scalar("SELECT lesson_id FROM lesson_series_members ORDER BY idx")
            .fetch_all(&self.app.db.pool)
            .await
            .unwrap()
    }

    async fn starts(&self, lessons: &[i64]) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        for id in lessons {
            let row: (i64, i64) =
                sqlx::query_as("SELECT starts_at, duration_min FROM lessons WHERE id = $1")
                    .bind(id)
                    .fetch_one(&self.app.db.pool)
                    .await
                    .unwrap();
            out.push(row);
        }
        out
    }

    async fn state(&self, lesson: i64) -> Option<String> {
        sqlx::query_scalar("SELECT state FROM live_sessions WHERE lesson_id = $1")
            .bind(lesson)
            .fetch_optional(&self.app.db.pool)
            .await
            .unwrap()
    }

    fn occurrence_url(&self, series: &str, lesson: i64) -> String {
        format!("{series}/{lesson}")
    }

    async fn cancel(&self, series: &str, lesson: i64, scope: &str) -> crate::support::client::Resp {
        let url = format!("{}/cancel", self.occurrence_url(series, lesson));
        self.teacher.post_form(&url, &[("scope", scope)]).await
    }

    fn mails_to(&self, who: &TestUser) -> Vec<Mail> {
        self.app
            .smtp
            .as_ref()
            .expect("smtp")
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.contains(&who.email)))
            .map(|m| m.parse())
            .collect()
    }

    /// METHOD, SEQUENCE of the mails about `lesson`, in order.
    fn mails_about(&self, who: &TestUser, lesson: i64) -> Vec<(String, i64)> {
        self.mails_to(who)
            .iter()
            .map(seq)
            .filter(|(_, uid, _)| uid.starts_with(&format!("lesson-{lesson}@")))
            .map(|(m, _, s)| (m, s))
            .collect()
    }
}

/// 09:00 Berlin on `d`, as epoch ms.
fn nine_berlin(d: Date, time: Time) -> i64 {
    d.to_datetime(time)
        .to_zoned(TimeZone::get(BERLIN).unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

fn local_in_berlin(ms: i64) -> jiff::civil::DateTime {
    Timestamp::from_millisecond(ms)
        .unwrap()
        .to_zoned(TimeZone::get(BERLIN).unwrap())
        .datetime()
}

db_test!(weekly_series_is_previewed_then_created_with_its_instants_and_invitations);
async fn weekly_series_is_previewed_then_created_with_its_instants_and_invitations(
    b: TestAppBuilder,
) {
    let fx = setup(b).await;
    let first = next_monday();
    // 30 weeks always cross one of Berlin's two DST changes.
    let fields = series_fields(first, 30);
    let preview = fx.teacher.post_form(&fx.new_url(), &borrow(&fields)).await;
    preview.assert_status(200);
    let lines = preview.texts("#series-preview .series-local");
    assert_eq!(lines.len(), 30, "every date before creating");
    assert!(lines.iter().all(|l| l.contains("09:00")), "{lines:?}");
    assert!(
        preview.text.contains("daylight-saving"),
        "the rule is stated"
    );
    // Nothing is written by a preview.
    assert_eq!(fx.app.scalar("SELECT COUNT(*) FROM lesson_series").await, 0);
    assert_eq!(fx.app.scalar("SELECT COUNT(*) FROM lessons").await, 0);

    // A confirmation of other input than the previewed one only previews again.
    let mut stale = borrow(&fields);
    stale.push(("confirm", "2020-01-01|stale"));
    fx.teacher
        .post_form(&fx.new_url(), &stale)
        .await
        .assert_status(200);
    assert_eq!(fx.app.scalar("SELECT COUNT(*) FROM lessons").await, 0);

    let series = fx.create(&fields).await;
    assert!(series.starts_with(&format!("/teach/courses/{}/series/", fx.course)));
    let lessons = fx.members().await;
    assert_eq!(lessons.len(), 30);
    let starts = fx.starts(&lessons).await;
    let mut offsets = std::collections::BTreeSet::new();
    for (i, (ms, duration)) in starts.iter().enumerate() {
        let day = first.checked_add((7 * i as i64).days()).unwrap();
        assert_eq!(
            *ms,
            nine_berlin(day, Time::constant(9, 0, 0, 0)),
            "occurrence {i}"
        );
        assert_eq!(local_in_berlin(*ms).time(), Time::constant(9, 0, 0, 0));
        assert_eq!(*duration, 60);
        offsets.insert((ms / 3_600_000) % 24);
    }
    assert_eq!(
        offsets.len(),
        2,
        "the UTC hour moves across the DST change: {offsets:?}"
    );
    // One course, consecutive positions, each a live session of its own.
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, position FROM lessons WHERE course_id = $1 ORDER BY position")
            .bind(fx.course)
            .fetch_all(&fx.app.db.pool)
            .await
            .unwrap();
    assert!(kinds.iter().all(|(k, _)| k == "live_session"));
    assert_eq!(
        kinds.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        (1..=30).collect::<Vec<_>>()
    );
    // Each has its Q&A thread, as a single live lesson does.
    assert_eq!(
        fx.app
            .scalar("SELECT COUNT(DISTINCT lesson_id) FROM discussion_threads WHERE lesson_id IS NOT NULL")
            .await,
        30
    );

    // Listed together in the curriculum.
    let editor = fx
        .teacher
        .get(&format!("/teach/courses/{}", fx.course))
        .await;
    let badges = editor.texts(".series-badge");
    assert_eq!(badges.len(), 30);
    assert_eq!(badges[0], "Weekly coaching · 1 of 30");
    assert_eq!(badges[29], "Weekly coaching · 30 of 30");
    let page = fx.teacher.get(&series).await;
    page.assert_status(200);
    assert_eq!(page.texts(".series-occurrence").len(), 30);

    // One invitation per occurrence, each its own calendar event.
    fx.app.drain_jobs().await;
    let mails = fx.mails_to(&fx.app.student);
    assert_eq!(mails.len(), 30);
    let uids: std::collections::BTreeSet<String> = mails.iter().map(|m| seq(m).1).collect();
    assert_eq!(uids.len(), 30);
    assert!(mails.iter().all(|m| seq(m).0 == "REQUEST"));
}

db_test!(this_and_following_changes_exactly_those_still_scheduled);
async fn this_and_following_changes_exactly_those_still_scheduled(b: TestAppBuilder) {
    let fx = setup(b).await;
    let first = next_monday();
    let series = fx.create(&series_fields(first, 6)).await;
    let lessons = fx.members().await;
    fx.app.drain_jobs().await;
    let before = fx.starts(&lessons).await;
    // Occurrence 5 is live already: a "following" edit leaves it alone.
    sqlx::query(
        "INSERT INTO live_sessions (school_id, course_id, lesson_id, is_webinar, state, attempt, host_present, created_at, updated_at)
         VALUES ($1, $2, $3, 0, 'live', 1, 1, 0, 0)",
    )
    .bind(fx.app.school.id)
    .bind(fx.course)
    .bind(lessons[4])
    .execute(&fx.app.db.pool)
    .await
    .unwrap();

    let r = fx
        .teacher
        .post_form(
            &fx.occurrence_url(&series, lessons[2]),
            &[
                ("date", ""),
                ("time", "10:30"),
                ("duration", "45"),
                ("scope", "following"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let after = fx.starts(&lessons).await;
    assert_eq!(after[..2], before[..2], "the earlier ones are unchanged");
    assert_eq!(after[4], before[4], "the live one is unchanged");
    for i in [2usize, 3, 5] {
        let day = first.checked_add((7 * i as i64).days()).unwrap();
        assert_eq!(
            after[i].0,
            nine_berlin(day, Time::constant(10, 30, 0, 0)),
            "{i}"
        );
        assert_eq!(after[i].1, 45);
    }

    // Each changed occurrence: its own update, same UID, higher SEQUENCE; the others none.
    fx.app.drain_jobs().await;
    let student = &fx.app.student;
    for (i, lesson) in lessons.iter().enumerate() {
        let mails = fx.mails_about(student, *lesson);
        if [2usize, 3, 5].contains(&i) {
            assert_eq!(mails.len(), 2, "invitation and update of {i}: {mails:?}");
            assert_eq!(mails[1].0, "REQUEST");
            assert!(mails[1].1 > mails[0].1, "{mails:?}");
        } else {
            assert_eq!(mails.len(), 1, "only the invitation of {i}: {mails:?}");
        }
    }

    // "This occurrence": a new day for occurrence 2 only.
    let moved_day = first.checked_add(9.days()).unwrap();
    let r = fx
        .teacher
        .post_form(
            &fx.occurrence_url(&series, lessons[1]),
            &[
                ("date", moved_day.to_string().as_str()),
                ("time", "08:15"),
                ("duration", "60"),
                ("scope", "this"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let again = fx.starts(&lessons).await;
    assert_eq!(
        again[1].0,
        nine_berlin(moved_day, Time::constant(8, 15, 0, 0))
    );
    for i in [0usize, 2, 3, 4, 5] {
        assert_eq!(again[i], after[i], "{i}");
    }

    // The live one can't be edited on its own.
    let r = fx
        .teacher
        .post_form(
            &fx.occurrence_url(&series, lessons[4]),
            &[
                ("date", first.to_string().as_str()),
                ("time", "11:00"),
                ("duration", "60"),
                ("scope", "this"),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(fx.starts(&lessons[4..5]).await[0], before[4]);
}

db_test!(cancel_one_occurrence_then_the_rest);
async fn cancel_one_occurrence_then_the_rest(b: TestAppBuilder) {
    let fx = setup(b).await;
    let series = fx.create(&series_fields(next_monday(), 5)).await;
    let lessons = fx.members().await;
    fx.app.drain_jobs().await;

    let r = fx.cancel(&series, lessons[1], "this").await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    for (i, l) in lessons.iter().enumerate() {
        let want = (i == 1).then(|| "cancelled".to_string());
        assert_eq!(fx.state(*l).await, want, "{i}");
    }
    // Cancelling it again: nothing to cancel.
    fx.cancel(&series, lessons[1], "this")
        .await
        .assert_status(422);

    let r = fx.cancel(&series, lessons[2], "following").await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    assert_eq!(
        fx.state(lessons[0]).await,
        None,
        "the first stays scheduled"
    );
    for l in &lessons[1..] {
        assert_eq!(fx.state(*l).await.as_deref(), Some("cancelled"));
    }
    // Each cancelled occurrence: one METHOD:CANCEL with a higher SEQUENCE than its invitation.
    fx.app.drain_jobs().await;
    let student = &fx.app.student;
    assert_eq!(fx.mails_about(student, lessons[0]).len(), 1);
    for l in &lessons[1..] {
        let mails = fx.mails_about(student, *l);
        assert_eq!(mails.len(), 2, "{mails:?}");
        assert_eq!(mails[1].0, "CANCEL");
        assert!(mails[1].1 > mails[0].1);
    }
    // The series page says which can't change any more.
    let page = fx.teacher.get(&series).await;
    assert_eq!(page.texts(".series-closed").len(), 4);
}

db_test!(bad_series_input_gets_field_errors_and_keeps_what_was_typed);
async fn bad_series_input_gets_field_errors_and_keeps_what_was_typed(b: TestAppBuilder) {
    let fx = setup(b).await;
    let first = next_monday();
    let set = |changes: &[(&'static str, &str)]| {
        let mut f = series_fields(first, 10);
        for (k, v) in changes {
            f.retain(|(name, _)| name != k);
            if !v.is_empty() {
                f.push((k, v.to_string()));
            }
        }
        f
    };
    let past = Timestamp::now()
        .to_zoned(TimeZone::get(BERLIN).unwrap())
        .date()
        .yesterday()
        .unwrap()
        .to_string();
    let before_first = first.yesterday().unwrap().to_string();
    let two_years = first.checked_add(2.years()).unwrap().to_string();
    // (the form, the error's element, what it says)
    let cases: Vec<(Fields, &str, &str)> = vec![
        (
            set(&[("wd1", "")]),
            "#weekdays-error",
            "at least one weekday",
        ),
        (
            set(&[("end", "until"), ("until", &before_first)]),
            "#until-error",
            "before the first day",
        ),
        (set(&[("count", "261")]), "#count-error", "from 1 to 260"),
        (
            set(&[("freq", "daily"), ("end", "until"), ("until", &two_years)]),
            "#until-error",
            "at most 260",
        ),
        (
            set(&[("end", "until"), ("until", &past)]),
            "#until-error",
            "in the past",
        ),
        (set(&[("timezone", "Mars/Olympus")]), "#timezone-error", ""),
        (set(&[("time", "25:99")]), "#time-error", ""),
        (set(&[("interval", "0")]), "#interval-error", ""),
    ];
    for (fields, error, says) in cases {
        let r = fx.teacher.post_form(&fx.new_url(), &borrow(&fields)).await;
        r.assert_status(422);
        let shown = r.texts(error);
        assert_eq!(shown.len(), 1, "{error} for {fields:?}: {}", r.text);
        assert!(shown[0].contains(says), "{shown:?} should say {says}");
        // What was typed is still there.
        assert_eq!(r.input("title").as_deref(), Some("Weekly coaching"));
        assert_eq!(r.input("first_date"), Some(first.to_string()));
    }
    assert_eq!(fx.app.scalar("SELECT COUNT(*) FROM lesson_series").await, 0);
    assert_eq!(fx.app.scalar("SELECT COUNT(*) FROM lessons").await, 0);
}

db_test!(a_series_edit_that_fails_half_way_leaves_every_occurrence_as_it_was);
async fn a_series_edit_that_fails_half_way_leaves_every_occurrence_as_it_was(b: TestAppBuilder) {
    let fx = setup(b).await;
    let series = fx.create(&series_fields(next_monday(), 5)).await;
    let lessons = fx.members().await;
    fx.app.drain_jobs().await;
    let jobs_before = fx.app.scalar("SELECT COUNT(*) FROM jobs").await;
    let before = fx.starts(&lessons).await;
    // The fourth occurrence's row refuses to change: the edit fails after three were written.
    let fail = format!(
        "CREATE TRIGGER series_fail BEFORE UPDATE ON lessons FOR EACH ROW WHEN (NEW.id = {} AND NEW.starts_at <> OLD.starts_at)",
        lessons[3]
    );
    match fx.app.backend() {
        Backend::Sqlite => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{fail} BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )))
            .execute(&fx.app.db.pool)
            .await
            .unwrap();
        }
        Backend::Postgres => {
            sqlx::query(
                "CREATE FUNCTION series_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
            )
            .execute(&fx.app.db.pool)
            .await
            .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{fail} EXECUTE FUNCTION series_fail()"
            )))
            .execute(&fx.app.db.pool)
            .await
            .unwrap();
        }
    }
    let r = fx
        .teacher
        .post_form(
            &fx.occurrence_url(&series, lessons[0]),
            &[
                ("date", ""),
                ("time", "12:00"),
                ("duration", "30"),
                ("scope", "following"),
            ],
        )
        .await;
    r.assert_status(500);
    assert_eq!(
        fx.starts(&lessons).await,
        before,
        "every occurrence as it was"
    );
    assert_eq!(
        fx.app.scalar("SELECT COUNT(*) FROM jobs").await,
        jobs_before,
        "no update queued"
    );
}

db_test!(another_school_or_a_stranger_cannot_touch_the_series);
async fn another_school_or_a_stranger_cannot_touch_the_series(b: TestAppBuilder) {
    let fx = setup(b).await;
    let series = fx.create(&series_fields(next_monday(), 3)).await;
    let lessons = fx.members().await;
    let before = fx.starts(&lessons).await;
    let edit = [
        ("date", ""),
        ("time", "12:00"),
        ("duration", "30"),
        ("scope", "following"),
    ];
    let other = fx.app.other_school().await;
    let theirs = other.signed_in(&other.instructor).await;
    theirs.get(&series).await.assert_status(404);
    theirs
        .post_form(&fx.occurrence_url(&series, lessons[0]), &edit)
        .await
        .assert_status(404);
    theirs
        .post_form(
            &format!("{}/cancel", fx.occurrence_url(&series, lessons[0])),
            &[("scope", "following")],
        )
        .await
        .assert_status(404);
    // The other school's own course can't reach this series by its id either.
    let their_course = courses::create(
        &fx.app.db,
        other.school.id,
        other.instructor.id,
        CourseFields {
            title: "Theirs",
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    let series_id = series.rsplit('/').next().unwrap();
    theirs
        .post_form(
            &format!(
                "/teach/courses/{}/series/{series_id}/{}",
                their_course.id, lessons[0]
            ),
            &edit,
        )
        .await
        .assert_status(404);
    // An instructor of this school who does not teach the course: forbidden.
    let stranger = fx
        .app
        .create_user(
            fx.app.school.id,
            "stranger@test.example",
            "Stranger",
            Role::Instructor,
        )
        .await;
    let stranger = fx.app.signed_in(&stranger).await;
    stranger
        .post_form(&fx.occurrence_url(&series, lessons[0]), &edit)
        .await
        .assert_status(403);
    assert_eq!(fx.starts(&lessons).await, before);
    assert_eq!(fx.app.scalar("SELECT COUNT(*) FROM live_sessions").await, 0);
}

db_test!(this_and_following_can_carry_this_sessions_zoom_options);
/// "This and all following" with "give the following sessions this session's Zoom
/// options": each still-scheduled following occurrence ends up with exactly the options of
/// the edited one (a different set of its own replaced); earlier and live ones keep theirs;
/// without the box nobody's options change.
async fn this_and_following_can_carry_this_sessions_zoom_options(b: TestAppBuilder) {
    let fx = setup(b).await;
    let first = next_monday();
    let series = fx.create(&series_fields(first, 6)).await;
    let lessons = fx.members().await;
    let set = |lesson: i64, json: &'static str| {
        let pool = fx.app.db.pool.clone();
        let (school, course) = (fx.app.school.id, fx.course);
        async move {
            sqlx::query(
                "INSERT INTO lesson_live_options (lesson_id, school_id, course_id, options, updated_at)
                 VALUES ($1, $2, $3, $4, 0)",
            )
            .bind(lesson)
            .bind(school)
            .bind(course)
            .bind(json)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    let options = |lesson: i64| {
        let pool = fx.app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT options FROM lesson_live_options WHERE lesson_id = $1",
            )
            .bind(lesson)
            .fetch_optional(&pool)
            .await
            .unwrap()
        }
    };
    const MINE: &str = r#"{"waiting_room":true,"auto_recording":"local"}"#;
    const OTHER: &str = r#"{"mute_upon_entry":true}"#;
    set(lessons[0], OTHER).await;
    set(lessons[2], MINE).await;
    set(lessons[5], OTHER).await;
    sqlx::query(
        "INSERT INTO live_sessions (school_id, course_id, lesson_id, is_webinar, state, attempt, host_present, created_at, updated_at)
         VALUES ($1, $2, $3, 0, 'live', 1, 1, 0, 0)",
    )
    .bind(fx.app.school.id)
    .bind(fx.course)
    .bind(lessons[4])
    .execute(&fx.app.db.pool)
    .await
    .unwrap();
    let edit = |copy: bool| {
        let mut fields = vec![
            ("date", ""),
            ("time", "09:00"),
            ("duration", "60"),
            ("scope", "following"),
        ];
        if copy {
            fields.push(("copy_options", "1"));
        }
        let url = fx.occurrence_url(&series, lessons[2]);
        let teacher = &fx.teacher;
        async move { teacher.post_form(&url, &fields).await }
    };
    let r = edit(false).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    assert_eq!(options(lessons[3]).await, None, "no box, no copy");
    assert_eq!(options(lessons[5]).await.as_deref(), Some(OTHER));

    let r = edit(true).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let mine = options(lessons[2]).await;
    assert_eq!(mine.as_deref(), Some(MINE));
    assert_eq!(options(lessons[3]).await, mine, "the next one takes them");
    assert_eq!(options(lessons[5]).await, mine, "its own set is replaced");
    assert_eq!(
        options(lessons[4]).await,
        None,
        "the live one is left alone"
    );
    assert_eq!(options(lessons[0]).await.as_deref(), Some(OTHER), "earlier");
    assert_eq!(options(lessons[1]).await, None, "earlier");
}

db_test!(a_new_series_is_optional_and_copies_the_course_default_which_later_changes_do_not_touch);
async fn a_new_series_is_optional_and_copies_the_course_default_which_later_changes_do_not_touch(
    b: TestAppBuilder,
) {
    let fx = setup(b).await;
    // Optional unless ticked: a weekly office hour must not block completion.
    let page = fx.teacher.get(&fx.new_url()).await;
    page.assert_status(200);
    assert!(page.attr("#series-required", "id").is_some());
    assert!(page.attr("#series-required", "checked").is_none());
    let defaults = format!("/teach/courses/{}/live-options", fx.course);
    fx.teacher
        .post_form(
            &defaults,
            &[("waiting_room", "on"), ("auto_recording", "local")],
        )
        .await
        .assert_status(303);
    let mut fields = series_fields(next_monday(), 3);
    fields.retain(|(k, _)| *k != "required");
    fx.create(&fields).await;
    let lessons = fx.members().await;
    assert_eq!(lessons.len(), 3);
    for l in &lessons {
        let required: i64 = sqlx::query_scalar("SELECT required FROM lessons WHERE id = $1")
            .bind(l)
            .fetch_one(&fx.app.db.pool)
            .await
            .unwrap();
        assert_eq!(required, 0, "{l}");
    }
    let editor = |l: i64| format!("/teach/courses/{}/lessons/{l}", fx.course);
    for l in &lessons {
        let page = fx.teacher.get(&editor(*l)).await;
        assert!(page.attr("#opt-waiting-room", "checked").is_some(), "{l}");
        assert_eq!(
            page.attr("#opt-recording option[selected]", "value")
                .as_deref(),
            Some("local")
        );
    }
    // The default changes: the occurrences keep their copy.
    fx.teacher
        .post_form(&defaults, &[("mute_upon_entry", "on")])
        .await
        .assert_status(303);
    for l in &lessons {
        let page = fx.teacher.get(&editor(*l)).await;
        assert!(page.attr("#opt-waiting-room", "checked").is_some(), "{l}");
        assert!(page.attr("#opt-mute", "checked").is_none(), "{l}");
    }
    // A series created now copies the new default.
    fx.create(&series_fields(
        next_monday().checked_add(7.days()).unwrap(),
        1,
    ))
    .await;
    let newest = *fx.members().await.iter().max().unwrap();
    let page = fx.teacher.get(&editor(newest)).await;
    assert!(page.attr("#opt-mute", "checked").is_some());
    assert!(page.attr("#opt-waiting-room", "checked").is_none());
}

db_test!(cancelled_occurrences_read_cancelled_and_each_links_to_its_lesson_editor_and_back);
async fn cancelled_occurrences_read_cancelled_and_each_links_to_its_lesson_editor_and_back(
    b: TestAppBuilder,
) {
    let fx = setup(b).await;
    let series = fx.create(&series_fields(next_monday(), 3)).await;
    let lessons = fx.members().await;
    let r = fx.cancel(&series, lessons[1], "this").await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);

    // The series page: "Cancelled" in words beside the cancelled one only, and an "Edit"
    // link to each occurrence's lesson editor.
    let page = fx.teacher.get(&series).await;
    for (i, l) in lessons.iter().enumerate() {
        let li = format!(".series-occurrence[data-lesson-id=\"{l}\"]");
        let cancelled = page.texts(&format!("{li} .series-cancelled")).join("");
        if i == 1 {
            assert_eq!(cancelled.trim(), "Cancelled");
        } else {
            assert_eq!(cancelled, "", "{i}");
        }
        let href = page
            .attr(&format!("{li} a.series-lesson-edit"), "href")
            .expect("an Edit link");
        assert_eq!(href, format!("/teach/courses/{}/lessons/{l}", fx.course));
        // The lesson editor links back: "Part of the series … — edit the series".
        let editor = fx.teacher.get(&href).await;
        editor.assert_status(200);
        assert_eq!(
            editor.attr("#lesson-series-link", "href").as_deref(),
            Some(series.as_str())
        );
        let text = editor.texts("#lesson-series").join("");
        assert!(text.contains("Weekly coaching"), "{text}");
        assert!(text.contains(&format!("{} of 3", i + 1)), "{text}");
    }
    // The occurrence's own page says it and links to its lesson editor too.
    let page = fx
        .teacher
        .get(&fx.occurrence_url(&series, lessons[1]))
        .await;
    assert_eq!(
        page.texts("#occurrence-cancelled").join("").trim(),
        "Cancelled"
    );
    assert_eq!(
        page.attr("#occurrence-lesson-edit", "href"),
        Some(format!(
            "/teach/courses/{}/lessons/{}",
            fx.course, lessons[1]
        ))
    );
    // A lesson that is no occurrence has no series line.
    crate::support::courses::add_lesson(
        &fx.teacher,
        fx.course.0,
        "document",
        &[("title", "Reading"), ("body", "Read this.")],
    )
    .await;
    let ids = crate::support::courses::lesson_ids(&fx.teacher, fx.course.0).await;
    let reading = ids.iter().find(|i| !lessons.contains(i)).unwrap();
    let editor = fx
        .teacher
        .get(&format!("/teach/courses/{}/lessons/{reading}", fx.course))
        .await;
    assert!(editor.attr("#lesson-series", "id").is_none());

    // The course editor's curriculum marks it too.
    let page = fx
        .teacher
        .get(&format!("/teach/courses/{}", fx.course))
        .await;
    for (i, l) in lessons.iter().enumerate() {
        let text = page
            .texts(&format!(
                "#lesson-list li[data-lesson-id=\"{l}\"] .lesson-cancelled"
            ))
            .join("");
        assert_eq!(text.trim(), if i == 1 { "Cancelled" } else { "" }, "{i}");
    }
    // The student's outline badges sessions from the live states: "Cancelled" for it.
    let stu = fx.app.signed_in(&fx.app.student).await;
    let r = stu.get(&format!("/courses/{}/live/states", fx.slug)).await;
    r.assert_status(200);
    let states: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    for (i, l) in lessons.iter().enumerate() {
        let s = states["lessons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["lesson"] == serde_json::json!(l))
            .unwrap();
        if i == 1 {
            assert_eq!(s["display"], "cancelled");
            assert_eq!(s["label"], "Cancelled");
        } else {
            assert_ne!(s["display"], "cancelled");
        }
    }
}

db_test!(an_occurrences_host_is_checked_as_a_single_lessons_host_is);
async fn an_occurrences_host_is_checked_as_a_single_lessons_host_is(b: TestAppBuilder) {
    // An account-level connection: Lectern can ask Zoom who is a user of the account.
    let mut scopes: Vec<String> = lectern::zoom_connection::scopes::needed()
        .iter()
        .map(|s| s.to_string())
        .collect();
    scopes.extend([
        "user:read:list_users:admin".to_string(),
        "meeting:write:meeting:admin".to_string(),
    ]);
    let (app, _zoom) =
        crate::support::live::connected(b.with_smtp(), Some(scopes), Vec::new()).await;
    let fx = fixture(app).await;
    let series = fx.create(&series_fields(next_monday(), 2)).await;
    let lessons = fx.members().await;
    // A co-instructor of the course who is no user of the school's Zoom account.
    let outsider = fx
        .app
        .create_user(
            fx.app.school.id,
            "outsider@test.example",
            "Otto Outsider",
            Role::Instructor,
        )
        .await;
    courses::add_instructor(
        &fx.app.db,
        SchoolId(fx.app.school.id),
        fx.course,
        UserId(outsider.id),
    )
    .await
    .unwrap();
    let before = fx.starts(&lessons).await;
    let url = fx.occurrence_url(&series, lessons[0]);
    let r = fx
        .teacher
        .post_form(
            &url,
            &[
                ("date", &next_monday().to_string()),
                ("time", "10:00"),
                ("duration", "60"),
                ("host", &outsider.id.to_string()),
                ("scope", "following"),
            ],
        )
        .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    // The very message of the single lesson editor (`editor::check_host`).
    assert!(
        r.texts("#host-error")
            .join(" ")
            .contains("outsider@test.example is not a user of the school's Zoom account"),
        "{:?}",
        r.texts("#host-error")
    );
    assert_eq!(fx.starts(&lessons).await, before);
    // The course's own instructor, a Zoom user, is accepted as host.
    let r = fx
        .teacher
        .post_form(
            &url,
            &[
                ("date", &next_monday().to_string()),
                ("time", "10:00"),
                ("duration", "60"),
                ("host", &fx.app.instructor.id.to_string()),
                ("scope", "this"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
}
