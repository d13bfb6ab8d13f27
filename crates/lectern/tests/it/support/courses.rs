//! Courses made the way an instructor makes them: through the editor's forms.

use lectern::accounts::Role;
use lectern::db::{CourseId, SchoolId, UserId};

use super::{TestApp, TestClient, TestUser};

/// Creates a course through the editor as `c`; returns its id and slug.
pub async fn new_course(c: &TestClient, title: &str) -> (i64, String) {
    let r = c
        .post_form(
            "/teach/courses/new",
            &[
                ("title", title),
                ("description", "About *this*."),
                ("cover_url", ""),
            ],
        )
        .await;
    r.assert_redirect_to("/teach/courses/");
    let id: i64 = r
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let editor = c.get(&format!("/teach/courses/{id}")).await;
    editor.assert_status(200);
    let href = editor.attr("#view-course", "href").expect("view link");
    (id, href.trim_start_matches("/courses/").to_string())
}

pub async fn add_lesson(c: &TestClient, course: i64, kind: &str, fields: &[(&str, &str)]) {
    let path = format!("/teach/courses/{course}/lessons/new?kind={kind}");
    let r = c.post_form(&path, fields).await;
    r.assert_redirect_to(&format!("/teach/courses/{course}"));
}

pub async fn publish(c: &TestClient, course: i64) {
    c.post_form(&format!("/teach/courses/{course}/publish"), &[])
        .await
        .assert_redirect_to(&format!("/teach/courses/{course}"));
}

/// Lesson ids in course order, from the editor.
pub async fn lesson_ids(c: &TestClient, course: i64) -> Vec<i64> {
    let page = c.get(&format!("/teach/courses/{course}")).await;
    let doc = page.doc();
    let sel = scraper::Selector::parse("#lesson-list li").unwrap();
    doc.select(&sel)
        .map(|li| li.value().attr("data-lesson-id").unwrap().parse().unwrap())
        .collect()
}

/// A published course the instructor made with these lessons (kind, fields).
pub struct Made {
    pub instructor: TestClient,
    pub id: i64,
    pub slug: String,
    pub lessons: Vec<i64>,
}

pub async fn published_course(
    app: &TestApp,
    title: &str,
    lessons: &[(&str, Vec<(&str, &str)>)],
) -> Made {
    let t = app.signed_in(&app.instructor).await;
    let (id, slug) = new_course(&t, title).await;
    for (kind, fields) in lessons {
        add_lesson(&t, id, kind, fields).await;
    }
    publish(&t, id).await;
    let lessons = lesson_ids(&t, id).await;
    Made {
        instructor: t,
        id,
        slug,
        lessons,
    }
}

/// A published course taught by the test instructor, made through the editor's forms: the
/// instructor's client, the course's id and slug (the set-up of the booking and series
/// tests; with [`enroll`] / [`enrolled_student`] for its students and
/// `support::live::connected` for a Zoom connection).
pub async fn taught_course(app: &TestApp, title: &str) -> (TestClient, i64, String) {
    let t = app.signed_in(&app.instructor).await;
    let (id, slug) = new_course(&t, title).await;
    publish(&t, id).await;
    (t, id, slug)
}

/// Enrols the user `user_id` of the test school in `course` (through the course hooks, as
/// any enrolment).
pub async fn enroll(app: &TestApp, course: i64, user_id: i64) {
    lectern::courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        CourseId(course),
        UserId(user_id),
    )
    .await
    .unwrap();
}

/// A published course of `school` taught by `instructor`, made through the library (no
/// pages), e.g. another school's course for the cross-school tests.
pub async fn published_in(
    app: &TestApp,
    school: i64,
    instructor: i64,
    title: &str,
) -> lectern::courses::Course {
    let course = lectern::courses::create(
        &app.db,
        school,
        instructor,
        lectern::courses::CourseFields {
            title,
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    lectern::courses::set_published(&app.db, course.school_id, course.id, true)
        .await
        .unwrap();
    course
}

/// A new student of the test school, enrolled in `course`.
pub async fn enrolled_student(app: &TestApp, course: i64, email: &str, name: &str) -> TestUser {
    let u = app
        .create_user(app.school.id, email, name, Role::Student)
        .await;
    enroll(app, course, u.id).await;
    u
}

/// A published course of one required document lesson, made through the editor's forms
/// (the set-up of the completion, certificate-webhook and outbound tests): the
/// instructor's client, the course's id and slug, the lesson's id.
pub struct DocumentCourse {
    pub instructor: TestClient,
    pub id: i64,
    pub slug: String,
    pub doc: i64,
}

pub async fn document_course(app: &TestApp, title: &str, lesson_title: &str) -> DocumentCourse {
    let inst = app.signed_in(&app.instructor).await;
    let (id, slug) = new_course(&inst, title).await;
    add_lesson(
        &inst,
        id,
        "document",
        &[
            ("title", lesson_title),
            ("required", "on"),
            ("body", "Text"),
        ],
    )
    .await;
    publish(&inst, id).await;
    let doc = lesson_ids(&inst, id).await[0];
    DocumentCourse {
        instructor: inst,
        id,
        slug,
        doc,
    }
}

impl DocumentCourse {
    /// `student` enrols through the course page.
    pub async fn enrol(&self, student: &TestClient) {
        student
            .post_form(&format!("/courses/{}/enroll", self.slug), &[])
            .await;
    }

    /// `student` marks the lesson done ("Mark complete").
    pub async fn complete(&self, student: &TestClient) -> super::client::Resp {
        student
            .post_form(
                &format!("/courses/{}/lessons/{}/complete", self.slug, self.doc),
                &[],
            )
            .await
    }
}
