//! The demo's discussions: a pinned welcome thread, a question between students, and a
//! question in the live session's Q&A thread that the instructor answered (marked).

use super::{Board, posts};
use crate::db::{CourseId, Db, SchoolId};

async fn board_as(
    db: &Db,
    school: SchoolId,
    course: CourseId,
    user: i64,
    manager: bool,
) -> anyhow::Result<Board> {
    let course = crate::courses::by_id(db, school, course)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo course {course} missing"))?;
    let viewer = crate::accounts::by_id(db, school.0, user)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {user} missing"))?;
    Ok(Board {
        course,
        viewer,
        manager,
    })
}

/// Seeds the board of `course`: `instructor` moderates, `students` are enrolled.
pub async fn demo_board(
    db: &Db,
    school: SchoolId,
    course: CourseId,
    instructor: i64,
    students: &[i64],
) -> anyhow::Result<()> {
    let [first, second, ..] = students else {
        anyhow::bail!("the demo board needs two students");
    };
    let teacher = board_as(db, school, course, instructor, true).await?;
    let s1 = board_as(db, school, course, *first, false).await?;
    let s2 = board_as(db, school, course, *second, false).await?;

    let welcome = posts::create_thread(
        db,
        &teacher,
        "Welcome: introduce yourself",
        "Hello everyone! Tell us **who you are** and what you hope to learn.\n\n\
         Questions about a live session go in its *Q&A* thread, linked from the session.",
        None,
    )
    .await?;
    posts::set_flag(db, &teacher, welcome, posts::Flag::Pinned, true).await?;
    posts::reply(
        db,
        &s1,
        welcome,
        "Hi, I'm Sam. I teach evening classes and want to move some of them online.",
        None,
    )
    .await?;

    let question = posts::create_thread(
        db,
        &s2,
        "Does the quiz count towards the certificate?",
        "I missed one question the first time. Can I try again?",
        None,
    )
    .await?;
    posts::reply(
        db,
        &s1,
        question,
        "> Can I try again?\n\nYes, I retook it yesterday: the best attempt counts.",
        None,
    )
    .await?;

    // The live session's Q&A thread (made with the lesson): a question and its answer.
    let qa: Option<i64> = sqlx::query_scalar(
        "SELECT t.id FROM discussion_threads t JOIN lessons l ON l.id = t.lesson_id
         WHERE t.school_id = $1 AND t.course_id = $2 AND l.kind = 'live_session'
         ORDER BY l.position LIMIT 1",
    )
    .bind(school)
    .bind(course)
    .fetch_optional(&db.pool)
    .await?;
    if let Some(qa) = qa {
        posts::reply(
            db,
            &s1,
            qa,
            "Will the session be recorded for those who can't join live?",
            None,
        )
        .await?;
        let answer = posts::reply(
            db,
            &teacher,
            qa,
            "Yes: the recording appears in the lesson's player after the session, for everyone enrolled.",
            None,
        )
        .await?;
        posts::set_answer(db, &teacher, qa, Some(answer)).await?;
    }
    Ok(())
}
