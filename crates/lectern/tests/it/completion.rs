//! Completion rules end to end: live minutes from Zoom's events, rule changes with their
//! preview, decisions by hand with the audit trail, quiz attempts, and who may see a
//! course's students.

use lectern::accounts::Role;
use lectern::courses::{self, LessonContent, LessonRecord, Schedule};
use lectern::db::{CourseId, LessonId, SchoolId, now_ms};

use crate::support::courses::{add_lesson, document_course, lesson_ids, new_course, publish};
use crate::support::live::{Live, meeting_event, participant_event, setup, unix_now};
use crate::support::{TestApp, TestAppBuilder, TestClient};

/// The live lesson lasts `minutes` (scheduled), as the editor would save it.
async fn set_duration(t: &Live, minutes: i64) {
    let lesson = courses::lesson(
        &t.app.db,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        LessonId(t.lesson),
    )
    .await
    .unwrap()
    .unwrap();
    let record = LessonRecord {
        title: lesson.title.clone(),
        required: true,
        body: lesson.body.clone(),
        content: LessonContent::Live {
            webinar: false,
            schedule: Schedule::at(now_ms() + 5 * 60_000, "Europe/Berlin", minutes),
        },
    };
    courses::update_lesson(
        &t.app.db,
        &*t.app.state.course_hooks,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        LessonId(t.lesson),
        &record,
    )
    .await
    .unwrap();
}

fn rule_url(course: i64, lesson: i64) -> String {
    format!("/teach/courses/{course}/lessons/{lesson}/completion")
}

async fn completed(app: &TestApp, lesson: i64, user: i64) -> bool {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM lesson_progress WHERE lesson_id = $1 AND user_id = $2",
    )
    .bind(lesson)
    .bind(user)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    n == 1
}

async fn course_completed_at(app: &TestApp, course: i64, user: i64) -> Option<i64> {
    sqlx::query_scalar("SELECT completed_at FROM enrollments WHERE course_id = $1 AND user_id = $2")
        .bind(course)
        .bind(user)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Posts the rule form; returns the response.
async fn post_rule(c: &TestClient, course: i64, lesson: i64, fields: &[(&str, &str)]) -> String {
    let token = c
        .csrf_for(&format!("/teach/courses/{course}/lessons/{lesson}"))
        .await;
    let mut all = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post_form_raw(&rule_url(course, lesson), &all).await;
    format!("{} {}", r.status.as_u16(), r.text)
}

db_test!(live_minutes_complete_the_lesson_and_the_course_under_the_rule);
async fn live_minutes_complete_the_lesson_and_the_course_under_the_rule(b: TestAppBuilder) {
    let t = setup(b.with_smtp()).await;
    set_duration(&t, 120).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    inst.post_form(
        &format!("/teach/courses/{}/certificate", t.course_id),
        &[("enabled", "on"), ("title", "Certificate of Attendance")],
    )
    .await
    .assert_status(200);
    // Before anyone attended: nobody changes, so the rule is saved at once.
    let r = post_rule(
        &inst,
        t.course_id,
        t.lesson,
        &[("rule", "attended_minutes"), ("minutes", "60")],
    )
    .await;
    assert!(r.starts_with("303"), "{r}");
    t.app.drain_jobs().await;

    let (m, uuid) = t.started_meeting().await;
    let t0 = unix_now() - 3 * 3600;
    let account = t.zoom.account.clone();
    assert_eq!(
        t.hook(&meeting_event("meeting.started", &account, m, &uuid, t0))
            .await,
        200
    );
    let me = t.app.student.id;
    let key = t.customer_key(me).await;
    // 50 minutes, out for 5, back for 20: 70 minutes of a 120-minute session (58 %).
    // Events arrive out of order, one twice.
    let events = [
        (true, t0 + 600 + 50 * 60),
        (false, t0 + 600),
        (false, t0 + 600 + 55 * 60),
        (true, t0 + 600 + 75 * 60),
        (false, t0 + 600),
    ];
    for (left, at) in events {
        let ev = participant_event(left, &account, m, &uuid, (me, &key), at);
        assert_eq!(t.hook(&ev).await, 200);
    }
    t.app.drain_jobs().await;
    assert!(
        !completed(&t.app, t.lesson, me).await,
        "not before the session ends"
    );
    assert_eq!(
        t.hook(&meeting_event(
            "meeting.ended",
            &account,
            m,
            &uuid,
            t0 + 120 * 60
        ))
        .await,
        200
    );
    crate::support::eventually(
        "lesson completed",
        std::time::Duration::from_secs(10),
        || async {
            t.app.drain_jobs().await;
            completed(&t.app, t.lesson, me).await.then_some(())
        },
    )
    .await;
    let done_at = course_completed_at(&t.app, t.course_id, me)
        .await
        .expect("the course completed with its only required lesson");
    let minutes: i64 = sqlx::query_scalar(
        "SELECT attended_ms FROM lesson_evidence WHERE lesson_id = $1 AND user_id = $2",
    )
    .bind(t.lesson)
    .bind(me)
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        minutes,
        70 * 60_000,
        "rejoin counted once, the gap not at all"
    );
    let course_done: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'course_completed'")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(course_done, 1, "what follows a completion is queued once");

    // The certificate: issued, mailed with its PDF (through SMTP), valid for anyone.
    t.app.drain_jobs().await;
    let serial: String = sqlx::query_scalar(
        "SELECT serial FROM certificates WHERE course_id = $1 AND user_id = $2 AND state = 'issued'",
    )
    .bind(t.course_id)
    .bind(me)
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    let minutes_on_it: i64 =
        sqlx::query_scalar("SELECT live_minutes FROM certificates WHERE serial = $1")
            .bind(&serial)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(minutes_on_it, 70);
    t.app.drain_jobs().await;
    let sink = t.app.smtp.as_ref().expect("smtp");
    let sent = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    let mail = sent
        .iter()
        .find(|m| m.raw.contains(&format!("certificate-{serial}.pdf")))
        .unwrap_or_else(|| panic!("the certificate mail among {sent:?}"));
    assert_eq!(mail.to, ["<student@test.example>"]);
    assert!(mail.raw.contains("application/pdf"));
    assert!(
        mail.raw.contains("JVBERi0"),
        "a PDF (base64 of %PDF-) is attached"
    );
    let anon = t.app.client();
    let status = |page: &crate::support::Resp| page.attr("#certificate", "data-status");
    assert_eq!(
        status(&anon.get(&format!("/C/{serial}")).await).as_deref(),
        Some("valid")
    );
    let admin = t.app.signed_in(&t.app.admin).await;
    admin
        .post_form(
            &format!("/admin/certificates/{serial}/revoke"),
            &[("reason", "Attendance was misreported")],
        )
        .await
        .assert_status(303);
    assert_eq!(
        status(&anon.get(&format!("/C/{serial}")).await).as_deref(),
        Some("revoked")
    );

    // Under "90 % of the scheduled time" the same 70 minutes are not enough: the preview
    // says so before anything changes.
    let r = post_rule(
        &inst,
        t.course_id,
        t.lesson,
        &[("rule", "attended_percent"), ("percent", "90")],
    )
    .await;
    assert!(r.starts_with("200"), "{r}");
    assert!(r.contains("It would un-complete 1."), "{r}");
    assert!(
        completed(&t.app, t.lesson, me).await,
        "nothing changes before Apply"
    );
    // Apply on a form changed after its preview (100 % instead of 90 %) previews again.
    let r = post_rule(
        &inst,
        t.course_id,
        t.lesson,
        &[
            ("rule", "attended_percent"),
            ("percent", "100"),
            ("confirm", "1"),
            ("previewed", "attended_percent:90:false:0"),
        ],
    )
    .await;
    assert!(r.starts_with("200"), "{r}");
    let (rule, value): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT completion_rule, completion_value FROM lessons WHERE id = $1")
            .bind(t.lesson)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (rule.as_deref(), value),
        (Some("attended_minutes"), Some(60)),
        "the rule saved before stays"
    );
    let r = post_rule(
        &inst,
        t.course_id,
        t.lesson,
        &[
            ("rule", "attended_percent"),
            ("percent", "90"),
            ("confirm", "1"),
            ("previewed", "attended_percent:90:false:0"),
        ],
    )
    .await;
    assert!(r.starts_with("303"), "{r}");
    t.app.drain_jobs().await;
    assert!(!completed(&t.app, t.lesson, me).await);
    assert_eq!(
        course_completed_at(&t.app, t.course_id, me).await,
        Some(done_at),
        "the moment the course completed is kept"
    );

    // The instructor decides by hand, with a reason; an empty reason is refused.
    let student_page = format!("/teach/courses/{}/students/{}", t.course_id, me);
    let set_url = format!("{student_page}/lessons/{}", t.lesson);
    let token = inst.csrf_for(&student_page).await;
    let refused = inst
        .post_form_raw(
            &set_url,
            &[
                ("_csrf", &token),
                ("decision", "complete"),
                ("reason", "  "),
            ],
        )
        .await;
    refused.assert_status(422);
    assert!(
        !refused.texts(".reason-error").is_empty(),
        "{}",
        refused.text
    );
    assert!(!completed(&t.app, t.lesson, me).await);
    inst.post_form_raw(
        &set_url,
        &[
            ("_csrf", &token),
            ("decision", "complete"),
            ("reason", "Joined by phone <b>dial-in</b>"),
        ],
    )
    .await
    .assert_status(303);
    assert!(completed(&t.app, t.lesson, me).await);

    let page = inst.get(&student_page).await;
    page.assert_status(200);
    let causes: Vec<(String, String)> = page
        .doc()
        .select(&scraper::Selector::parse(".audit-entry").unwrap())
        .map(|e| {
            (
                e.value().attr("data-cause").unwrap().to_string(),
                e.value().attr("data-completed").unwrap().to_string(),
            )
        })
        .collect();
    // Newest first: by hand, un-completed by the new rule, the course, the lesson.
    assert_eq!(
        causes,
        [
            ("manual", "true"),
            ("rule", "false"),
            ("course", "true"),
            ("rule", "true"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string())),
        "{}",
        page.text
    );
    let details = page.texts(".audit-detail");
    assert!(
        details
            .iter()
            .any(|d| d.contains("Joined by phone <b>dial-in</b>")),
        "the reason, as text: {details:?}"
    );
    assert!(
        details.iter().any(|d| d.contains("attended 70 min")),
        "the evidence: {details:?}"
    );
    assert!(!page.text.contains("<b>dial-in</b></span>"), "escaped");

    // Back to the rule: the 90 % rule decides again (not complete).
    inst.post_form_raw(
        &set_url,
        &[
            ("_csrf", &token),
            ("decision", "rule"),
            ("reason", "Phone log was wrong"),
        ],
    )
    .await
    .assert_status(303);
    assert!(!completed(&t.app, t.lesson, me).await);
}

db_test!(rules_out_of_range_are_field_errors_and_change_nothing);
async fn rules_out_of_range_are_field_errors_and_change_nothing(b: TestAppBuilder) {
    let t = setup(b).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    for (fields, error) in [
        (
            vec![("rule", "attended_minutes"), ("minutes", "0")],
            "#minutes-error",
        ),
        (
            vec![("rule", "attended_percent"), ("percent", "150")],
            "#percent-error",
        ),
        (vec![("rule", "passed")], "#rule-error"),
    ] {
        let token = inst
            .csrf_for(&format!(
                "/teach/courses/{}/lessons/{}",
                t.course_id, t.lesson
            ))
            .await;
        let mut all = vec![("_csrf", token.as_str())];
        all.extend(fields);
        let r = inst
            .post_form_raw(&rule_url(t.course_id, t.lesson), &all)
            .await;
        r.assert_status(422);
        assert!(!r.texts(error).is_empty(), "{error}: {}", r.text);
    }
    let (rule, value): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT completion_rule, completion_value FROM lessons WHERE id = $1")
            .bind(t.lesson)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!((rule, value), (None, None), "the default stays");
    // The editor shows the default: 75 % of the scheduled time.
    let page = inst
        .get(&format!(
            "/teach/courses/{}/lessons/{}",
            t.course_id, t.lesson
        ))
        .await;
    assert_eq!(
        page.attr("#rule-attended_percent", "checked").as_deref(),
        Some(""),
        "{}",
        page.text
    );
    assert_eq!(page.input("percent").as_deref(), Some("75"));
}

db_test!(only_the_courses_managers_see_its_students_and_set_completion);
async fn only_the_courses_managers_see_its_students_and_set_completion(b: TestAppBuilder) {
    let t = setup(b).await;
    let me = t.app.student.id;
    let students = format!("/teach/courses/{}/students", t.course_id);
    let one = format!("{students}/{me}");
    let inst = t.app.signed_in(&t.app.instructor).await;
    let list = inst.get(&students).await;
    list.assert_status(200);
    assert_eq!(
        list.attr("#students tr[data-user-id]", "data-user-id"),
        Some(me.to_string()),
        "{}",
        list.text
    );
    // A student of the course: forbidden.
    let student = t.app.signed_in(&t.app.student).await;
    student.get(&students).await.assert_status(403);
    student.get(&one).await.assert_status(403);
    // Another instructor of this school who doesn't teach it: forbidden.
    let other_inst = t
        .app
        .create_user(
            t.app.school.id,
            "other-inst@test.example",
            "Ola Other",
            Role::Instructor,
        )
        .await;
    let oi = t.app.signed_in(&other_inst).await;
    oi.get(&one).await.assert_status(403);
    // Another school's admin: the course doesn't exist there.
    let other = t.app.other_school().await;
    let oa = other.signed_in(&other.admin).await;
    oa.get(&students).await.assert_status(404);
    oa.get(&one).await.assert_status(404);
    let token = oa.csrf_for("/").await;
    oa.post_form_raw(
        &format!("{one}/lessons/{}", t.lesson),
        &[("_csrf", &token), ("decision", "complete"), ("reason", "x")],
    )
    .await
    .assert_status(404);
    // Someone not enrolled has no page; a lesson of another course can't be set.
    let outsider = t
        .app
        .create_user(t.app.school.id, "out@test.example", "Out", Role::Student)
        .await;
    inst.get(&format!("{students}/{}", outsider.id))
        .await
        .assert_status(404);
    assert!(!completed(&t.app, t.lesson, me).await);
}

db_test!(quiz_attempts_are_bounded_and_a_pass_completes);
async fn quiz_attempts_are_bounded_and_a_pass_completes(app: TestApp) {
    let inst = app.signed_in(&app.instructor).await;
    let (course, slug) = new_course(&inst, "Quizzes").await;
    add_lesson(
        &inst,
        course,
        "quiz",
        &[
            ("title", "Check"),
            ("required", "on"),
            ("quiz", "? 2 + 2?\n- 3\n* 4"),
            ("pass_mark", "100"),
        ],
    )
    .await;
    publish(&inst, course).await;
    let quiz = lesson_ids(&inst, course).await[0];
    let token = inst
        .csrf_for(&format!("/teach/courses/{course}/lessons/{quiz}"))
        .await;
    inst.post_form_raw(
        &rule_url(course, quiz),
        &[("_csrf", &token), ("rule", "passed"), ("max_attempts", "2")],
    )
    .await
    .assert_status(303);
    let student = app.signed_in(&app.student).await;
    student
        .post_form(&format!("/courses/{slug}/enroll"), &[])
        .await;
    let lesson = format!("/courses/{slug}/lessons/{quiz}");
    let answer = |choice: &'static str| {
        let student = &student;
        let lesson = lesson.clone();
        async move {
            student
                .post_form(&format!("{lesson}/quiz"), &[("q0", choice)])
                .await
        }
    };
    answer("0").await.assert_status(200);
    assert!(!completed(&app, quiz, app.student.id).await);
    answer("1").await.assert_status(200);
    assert!(completed(&app, quiz, app.student.id).await, "passed");
    // Both attempts used: a third is refused and the page says so.
    answer("1").await.assert_status(400);
    let page = student.get(&lesson).await;
    assert!(page.texts("#submit-quiz").is_empty());
    // Passed: no "ask your instructor" for attempts that no longer matter.
    assert!(page.texts("#quiz-no-attempts").is_empty());
    assert_eq!(
        page.texts("#quiz-attempts-allowed"),
        ["You have 2 attempts."]
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts WHERE lesson_id = $1")
        .bind(quiz)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let done = course_completed_at(&app, course, app.student.id).await;
    assert!(done.is_some());
}

db_test!(a_document_opened_completes_under_the_opened_rule_and_not_before);
async fn a_document_opened_completes_under_the_opened_rule_and_not_before(app: TestApp) {
    let reading = document_course(&app, "Reading", "Read me").await;
    let (inst, course, slug, doc) = (&reading.instructor, reading.id, &reading.slug, reading.doc);
    let student = app.signed_in(&app.student).await;
    reading.enrol(&student).await;
    // Default for a document: marked done; opening it is recorded but doesn't complete.
    let page = student.get(&format!("/courses/{slug}/lessons/{doc}")).await;
    assert!(!page.texts("#mark-complete").is_empty());
    assert!(!completed(&app, doc, app.student.id).await);
    // Switching to "opened": the preview counts the student who opened it already.
    let token = inst
        .csrf_for(&format!("/teach/courses/{course}/lessons/{doc}"))
        .await;
    let preview = inst
        .post_form_raw(
            &rule_url(course, doc),
            &[("_csrf", &token), ("rule", "opened")],
        )
        .await;
    preview.assert_status(200);
    assert!(
        preview.texts("#completion-preview")[0].contains("complete 1 student"),
        "{}",
        preview.text
    );
    inst.post_form_raw(
        &rule_url(course, doc),
        &[
            ("_csrf", &token),
            ("rule", "opened"),
            ("confirm", "1"),
            ("previewed", "opened:0:false:0"),
        ],
    )
    .await
    .assert_status(303);
    app.drain_jobs().await;
    assert!(completed(&app, doc, app.student.id).await);
    // A video rule is refused for a document.
    inst.post_form_raw(
        &rule_url(course, doc),
        &[("_csrf", &token), ("rule", "watched"), ("percent", "50")],
    )
    .await
    .assert_status(422);
    // A mark on a lesson whose rule doesn't take marks is refused.
    let other = app
        .create_user(app.school.id, "s2@test.example", "Second", Role::Student)
        .await;
    let s2 = app.signed_in(&other).await;
    s2.post_form(&format!("/courses/{slug}/enroll"), &[]).await;
    let mark = s2
        .post_form(&format!("/courses/{slug}/lessons/{doc}/complete"), &[])
        .await;
    assert_eq!(mark.status.as_u16(), 400, "{}", mark.text);
}

db_test!(a_required_lesson_made_optional_or_deleted_completes_the_course_for_those_done);
async fn a_required_lesson_made_optional_or_deleted_completes_the_course_for_those_done(
    app: TestApp,
) {
    let inst = app.signed_in(&app.instructor).await;
    let (course, slug) = new_course(&inst, "Two parts").await;
    for title in ["Part one", "Part two", "Part three"] {
        add_lesson(
            &inst,
            course,
            "document",
            &[("title", title), ("required", "on"), ("body", "Text")],
        )
        .await;
    }
    publish(&inst, course).await;
    let ids = lesson_ids(&inst, course).await;
    let student = app.signed_in(&app.student).await;
    student
        .post_form(&format!("/courses/{slug}/enroll"), &[])
        .await;
    student
        .post_form(&format!("/courses/{slug}/lessons/{}/complete", ids[0]), &[])
        .await
        .assert_status(303);
    app.drain_jobs().await;
    assert_eq!(
        course_completed_at(&app, course, app.student.id).await,
        None
    );
    // Part two becomes optional: one required lesson is still open.
    inst.post_form(
        &format!("/teach/courses/{course}/lessons/{}", ids[1]),
        &[("title", "Part two"), ("body", "Text")],
    )
    .await
    .assert_status(303);
    app.drain_jobs().await;
    assert_eq!(
        course_completed_at(&app, course, app.student.id).await,
        None
    );
    // Part three is deleted: the student has done every required lesson left.
    inst.post_form(
        &format!("/teach/courses/{course}/lessons/{}/delete", ids[2]),
        &[],
    )
    .await
    .assert_status(303);
    app.drain_jobs().await;
    assert!(
        course_completed_at(&app, course, app.student.id)
            .await
            .is_some()
    );
}

db_test!(saving_an_optional_lesson_queues_a_course_recheck_only_when_it_was_required);
async fn saving_an_optional_lesson_queues_a_course_recheck_only_when_it_was_required(app: TestApp) {
    let inst = app.signed_in(&app.instructor).await;
    let (course, _slug) = new_course(&inst, "Rechecks").await;
    add_lesson(
        &inst,
        course,
        "document",
        &[("title", "Core"), ("required", "on"), ("body", "Text")],
    )
    .await;
    add_lesson(
        &inst,
        course,
        "document",
        &[("title", "Extra"), ("body", "Text")],
    )
    .await;
    let ids = lesson_ids(&inst, course).await;
    let rechecks = || async {
        app.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'completion_course_recheck'")
            .await
    };
    let save = |lesson: i64, title: &'static str, required: bool| {
        let inst = &inst;
        async move {
            let mut fields = vec![("title", title), ("body", "Text")];
            if required {
                fields.push(("required", "on"));
            }
            inst.post_form(
                &format!("/teach/courses/{course}/lessons/{lesson}"),
                &fields,
            )
            .await
            .assert_status(303);
        }
    };
    // Already optional, saved again: no required lesson went away.
    save(ids[1], "Extra, edited", false).await;
    // A required lesson saved as required: nothing to recheck either.
    save(ids[0], "Core, edited", true).await;
    assert_eq!(rechecks().await, 0);
    // Required → optional: one recheck.
    save(ids[0], "Core", false).await;
    assert_eq!(rechecks().await, 1);
    save(ids[0], "Core, optional now", false).await;
    assert_eq!(rechecks().await, 1, "saved again while optional");
}

db_test!(a_decision_that_changes_nothing_is_kept_only_with_its_audit_row);
async fn a_decision_that_changes_nothing_is_kept_only_with_its_audit_row(app: TestApp) {
    let audited = document_course(&app, "Audited", "Read").await;
    let (inst, course, doc) = (&audited.instructor, audited.id, audited.doc);
    let me = app.student.id;
    let student = app.signed_in(&app.student).await;
    audited.enrol(&student).await;
    audited.complete(&student).await.assert_status(303);
    assert!(completed(&app, doc, me).await);
    let audit_rows = || async {
        app.scalar("SELECT COUNT(*) FROM completion_audit WHERE cause = 'manual'")
            .await
    };
    let manual = || async {
        sqlx::query_scalar::<_, Option<i64>>(
            "SELECT manual FROM lesson_evidence WHERE lesson_id = $1 AND user_id = $2",
        )
        .bind(doc)
        .bind(me)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };

    // The audit trail refuses writes: a decision that changes nothing (complete → complete)
    // can't be kept without its audit row, so it isn't kept at all.
    let refuse = match app.backend() {
        lectern::db::Backend::Sqlite => vec![
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON completion_audit
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        ],
        lectern::db::Backend::Postgres => vec![
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON completion_audit
             FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ],
    };
    for sql in refuse {
        sqlx::query(sql).execute(&app.db.pool).await.unwrap();
    }
    let student_page = format!("/teach/courses/{course}/students/{me}");
    let set_url = format!("{student_page}/lessons/{doc}");
    let token = inst.csrf_for(&student_page).await;
    let fields = [
        ("_csrf", token.as_str()),
        ("decision", "complete"),
        ("reason", "Checked in class"),
    ];
    let decide = || inst.post_form_raw(&set_url, &fields);
    decide().await.assert_status(500);
    assert_eq!(manual().await, None, "no decision without its audit row");
    assert_eq!(audit_rows().await, 0);

    sqlx::query("DROP TRIGGER refuse_audit ON completion_audit")
        .execute(&app.db.pool)
        .await
        .ok();
    sqlx::query("DROP TRIGGER refuse_audit")
        .execute(&app.db.pool)
        .await
        .ok();
    decide().await.assert_status(303);
    assert_eq!(manual().await, Some(1));
    assert_eq!(audit_rows().await, 1);
    assert!(completed(&app, doc, me).await);
}

db_test!(a_recomputed_quiz_counts_each_students_own_attempts);
async fn a_recomputed_quiz_counts_each_students_own_attempts(app: TestApp) {
    let inst = app.signed_in(&app.instructor).await;
    let (course, slug) = new_course(&inst, "Quiz for two").await;
    add_lesson(
        &inst,
        course,
        "quiz",
        &[
            ("title", "Check"),
            ("required", "on"),
            ("quiz", "? 2 + 2?\n- 3\n* 4"),
            ("pass_mark", "100"),
        ],
    )
    .await;
    publish(&inst, course).await;
    let quiz = lesson_ids(&inst, course).await[0];
    let second = app
        .create_user(app.school.id, "s2@test.example", "Second", Role::Student)
        .await;
    // The seeded student passes at the second try; the second student fails twice.
    for (user, choices) in [(&app.student, ["0", "1"]), (&second, ["0", "0"])] {
        let c = app.signed_in(user).await;
        c.post_form(&format!("/courses/{slug}/enroll"), &[]).await;
        for choice in choices {
            c.post_form(
                &format!("/courses/{slug}/lessons/{quiz}/quiz"),
                &[("q0", choice)],
            )
            .await
            .assert_status(200);
        }
    }
    assert!(completed(&app, quiz, app.student.id).await);
    assert!(!completed(&app, quiz, second.id).await);
    // Forget the completions and re-apply the rule to every student: each one's own
    // attempts decide.
    sqlx::query("DELETE FROM lesson_progress")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let token = inst
        .csrf_for(&format!("/teach/courses/{course}/lessons/{quiz}"))
        .await;
    let preview = inst
        .post_form_raw(
            &rule_url(course, quiz),
            &[("_csrf", &token), ("rule", "passed"), ("max_attempts", "5")],
        )
        .await;
    preview.assert_status(200);
    assert!(
        preview.texts("#completion-preview")[0].contains("complete 1 student"),
        "{}",
        preview.text
    );
    inst.post_form_raw(
        &rule_url(course, quiz),
        &[
            ("_csrf", &token),
            ("rule", "passed"),
            ("max_attempts", "5"),
            ("confirm", "1"),
            ("previewed", "passed:0:false:5"),
        ],
    )
    .await
    .assert_status(303);
    app.drain_jobs().await;
    assert!(completed(&app, quiz, app.student.id).await);
    assert!(!completed(&app, quiz, second.id).await);
    // The audit keeps the best score of each.
    let scores: Vec<(i64, String)> = sqlx::query_as(
        "SELECT user_id, detail FROM completion_audit WHERE lesson_id = $1 ORDER BY id",
    )
    .bind(quiz)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        scores
            .last()
            .map(|(u, d)| (*u, d.contains("\"score\":100"))),
        Some((app.student.id, true)),
        "{scores:?}"
    );
}

db_test!(a_students_page_shows_each_lessons_own_rule);
async fn a_students_page_shows_each_lessons_own_rule(app: TestApp) {
    let inst = app.signed_in(&app.instructor).await;
    let (course, slug) = new_course(&inst, "Two rules").await;
    add_lesson(
        &inst,
        course,
        "document",
        &[("title", "Read"), ("required", "on"), ("body", "Text")],
    )
    .await;
    add_lesson(
        &inst,
        course,
        "quiz",
        &[
            ("title", "Check"),
            ("required", "on"),
            ("quiz", "? 2 + 2?\n- 3\n* 4"),
            ("pass_mark", "100"),
        ],
    )
    .await;
    publish(&inst, course).await;
    let ids = lesson_ids(&inst, course).await;
    // The document completes once opened: a rule of its own, not the kind's default.
    let token = inst
        .csrf_for(&format!("/teach/courses/{course}/lessons/{}", ids[0]))
        .await;
    inst.post_form_raw(
        &rule_url(course, ids[0]),
        &[
            ("_csrf", &token),
            ("rule", "opened"),
            ("confirm", "1"),
            ("previewed", "opened:0:false:0"),
        ],
    )
    .await
    .assert_status(303);
    app.signed_in(&app.student)
        .await
        .post_form(&format!("/courses/{slug}/enroll"), &[])
        .await;
    let page = inst
        .get(&format!(
            "/teach/courses/{course}/students/{}",
            app.student.id
        ))
        .await;
    page.assert_status(200);
    assert_eq!(
        page.texts(".student-lesson > p.muted"),
        [
            "Complete once the lesson is opened.",
            "Complete once the quiz is passed."
        ],
        "{}",
        page.text
    );
}
