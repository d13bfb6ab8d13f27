//! Languages: e-mails and pages in the reader's language with that language's dates, and
//! the visitors' language switcher (cookie, precedence, no open redirect).

use jiff::tz::TimeZone;
use lectern::accounts::Role;
use lectern::db::now_ms;
use lectern::i18n::Tr;

use crate::support::reminders;
use crate::support::{TestApp, TestAppBuilder, TestClient, TestUser};

const HOUR: i64 = 3_600_000;

/// English weekday and month abbreviations as strftime wrote them before: none may
/// appear as a word in a German, Spanish or French text.
const ENGLISH_NAMES: [&str; 19] = [
    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[track_caller]
fn assert_no_english_names(lang: &str, text: &str) {
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        assert!(
            !ENGLISH_NAMES.contains(&word),
            "{lang}: English {word:?} in {text}"
        );
    }
}

/// A header as a mail client shows it: RFC 2047 encoded words (`=?utf-8?b?…?=`) decoded,
/// the blank between two adjacent encoded words dropped.
fn decode_header(raw: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut last_encoded = false;
    for (i, token) in raw.split(' ').enumerate() {
        let lower = token.to_ascii_lowercase();
        let decoded = lower
            .strip_prefix("=?utf-8?b?")
            .and_then(|_| token[10..].strip_suffix("?="))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        if i > 0 && !(last_encoded && decoded.is_some()) {
            out.push(' ');
        }
        last_encoded = decoded.is_some();
        out.push_str(decoded.as_deref().unwrap_or(token));
    }
    out
}

fn local(ms: i64, lang: &str) -> String {
    lectern::web::time::format_in(ms, &TimeZone::get("Asia/Tokyo").unwrap(), &Tr::new(lang))
}

async fn set_language(app: &TestApp, user: &TestUser, lang: &str) {
    sqlx::query("UPDATE users SET language = $1, timezone = 'Asia/Tokyo' WHERE id = $2")
        .bind(lang)
        .bind(user.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

/// A published course with one live lesson three days ahead; a German, a Spanish and a
/// French student (in Tokyo) enrolled. Returns (slug, lesson id, start, students).
async fn live_course(app: &TestApp) -> (String, i64, i64, Vec<(&'static str, TestUser)>) {
    let course = reminders::live_course(app).await;
    let mut students = Vec::new();
    for (lang, email) in [
        ("de", "dora@test.example"),
        ("es", "elena@test.example"),
        ("fr", "fanny@test.example"),
    ] {
        let u = app
            .create_user(app.school.id, email, "Student", Role::Student)
            .await;
        set_language(app, &u, lang).await;
        reminders::enrol(app, &course, &u).await;
        students.push((lang, u));
    }
    let starts = (now_ms() + 72 * HOUR) / 60_000 * 60_000;
    let lesson = reminders::live_lesson(app, course.id, "Office hours", starts).await;
    (course.slug, lesson, starts, students)
}

db_test!(reminders_carry_dates_in_each_recipients_language);
async fn reminders_carry_dates_in_each_recipients_language(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let (_slug, lesson, starts, students) = live_course(&app).await;
    reminders::fire(&app, &format!("reminder:{lesson}:{starts}:24h")).await;

    let mails = app.smtp.as_ref().expect("smtp").messages();
    for (lang, user) in &students {
        let want = local(starts, lang);
        // The reminder (not the invitation sent when the session was scheduled).
        let reminder = mails
            .iter()
            .filter(|m| m.to.iter().any(|t| t.contains(&user.email)))
            .map(|m| m.parse())
            .find(|m| {
                m.text
                    .as_deref()
                    .is_some_and(|t| t.contains(&want) && t.contains("24"))
            })
            .unwrap_or_else(|| panic!("{lang}: a reminder with {want:?}"));
        let text = reminder.text.clone().unwrap();
        let subject = decode_header(reminder.header("subject").unwrap_or_default());
        assert!(subject.contains(&want), "{lang}: subject {subject}");
        assert_no_english_names(lang, &text);
        assert_no_english_names(lang, &subject);
        assert!(!text.contains("starts in"), "{lang}: English body {text}");
    }
    // The languages really differ (no silent fallback to one of them).
    let whens: std::collections::HashSet<String> =
        ["en-US", "de", "es", "fr"].map(|l| local(starts, l)).into();
    assert_eq!(whens.len(), 4, "{whens:?}");
}

db_test!(html_mails_carry_the_recipients_language_on_their_html_element);
async fn html_mails_carry_the_recipients_language_on_their_html_element(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let (_slug, lesson, starts, students) = live_course(&app).await;
    reminders::fire(&app, &format!("reminder:{lesson}:{starts}:24h")).await;
    let mails = app.smtp.as_ref().expect("smtp").messages();
    for (lang, user) in &students {
        let theirs: Vec<_> = mails
            .iter()
            .filter(|m| m.to.iter().any(|t| t.contains(&user.email)))
            .map(|m| m.parse())
            .collect();
        // The invitation sent when they enrolled and the reminder: each in their language.
        assert!(theirs.len() >= 2, "{lang}: {} mails", theirs.len());
        for mail in theirs {
            let html = mail.html.expect("an HTML part");
            let doc = scraper::Html::parse_document(&html);
            let root = doc.root_element();
            assert_eq!(root.value().attr("lang"), Some(*lang), "{html}");
            assert_eq!(root.value().attr("dir"), Some("ltr"), "{html}");
        }
    }
}

db_test!(lesson_page_shows_the_start_in_the_readers_language);
async fn lesson_page_shows_the_start_in_the_readers_language(app: TestApp) {
    let (slug, lesson, starts, students) = live_course(&app).await;
    for (lang, user) in &students {
        let c = app.signed_in(user).await;
        let page = c.get(&format!("/courses/{slug}/lessons/{lesson}")).await;
        page.assert_status(200);
        assert_eq!(page.attr("html", "lang").as_deref(), Some(*lang));
        assert_eq!(page.attr("html", "dir").as_deref(), Some("ltr"));
        let main = page.texts("main").join(" ");
        let want = local(starts, lang);
        assert!(main.contains(&want), "{lang}: {want:?} not in {main}");
        assert_no_english_names(lang, &main);
    }
}

async fn page_in(c: &TestClient, path: &str, accept: &str) -> crate::support::client::Resp {
    c.send(
        c.request(reqwest::Method::GET, path)
            .header("accept-language", accept),
    )
    .await
}

async fn signin_page(c: &TestClient, accept: &str) -> crate::support::client::Resp {
    page_in(c, "/signin", accept).await
}

db_test!(switcher_sets_a_cookie_the_next_page_follows);
async fn switcher_sets_a_cookie_the_next_page_follows(app: TestApp) {
    let c = app.client();
    // A visitor's page offers every language, each link coming back here.
    let page = signin_page(&c, "de").await;
    assert_eq!(page.attr("html", "lang").as_deref(), Some("de"));
    for tag in ["en-US", "de", "es", "fr"] {
        assert_eq!(
            page.attr(&format!(".lang-switch a[data-lang=\"{tag}\"]"), "href")
                .as_deref(),
            Some(format!("/lang?to={tag}&back=%2Fsignin").as_str()),
            "{tag}"
        );
    }

    let r = c.get("/lang?to=es&back=%2Fsignin").await;
    r.assert_redirect_to("/signin");
    assert_eq!(r.location(), Some("/signin"));
    let set = r.header("set-cookie").unwrap_or_default();
    assert!(set.starts_with("lectern_lang=es;"), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    // The cookie wins over the browser's Accept-Language.
    let page = signin_page(&c, "de").await;
    assert_eq!(page.attr("html", "lang").as_deref(), Some("es"));
    assert_eq!(page.texts("h1").join(""), "Iniciar sesión");
    assert_eq!(
        page.attr(".lang-switch a[aria-current]", "data-lang")
            .as_deref(),
        Some("es")
    );

    c.get("/lang?to=fr&back=/").await.assert_redirect_to("/");
    let page = signin_page(&c, "de").await;
    assert_eq!(page.attr("html", "lang").as_deref(), Some("fr"));
    assert_eq!(page.texts("h1").join(""), "Connexion");

    // A cookie naming no language of ours is ignored: Accept-Language decides again.
    c.set_cookie("lectern_lang", "xx");
    assert_eq!(
        signin_page(&c, "de").await.attr("html", "lang").as_deref(),
        Some("de")
    );

    // A signed-in user's profile language wins over the cookie.
    let s = app.signed_in(&app.student).await;
    set_language(&app, &app.student, "de").await;
    s.get("/lang?to=es&back=/").await.assert_redirect_to("/");
    let page = page_in(&s, "/", "fr").await;
    page.assert_status(200);
    assert_eq!(page.attr("html", "lang").as_deref(), Some("de"));
    // Signed-in users choose in their profile, which offers all four by name.
    assert!(page.texts(".lang-switch a").is_empty());
    let profile = s.get("/profile").await;
    let names = profile.texts("select[name=language] option");
    for name in ["English", "Deutsch", "Español", "Français"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
}

db_test!(switcher_refuses_foreign_targets_and_unknown_languages);
async fn switcher_refuses_foreign_targets_and_unknown_languages(app: TestApp) {
    let c = app.client();
    for back in [
        "https://evil.example/",
        "//evil.example/x",
        "/%2F%2Fevil.example",
        "/\\evil.example",
        "%2F%5Cevil.example",
        "/%09/evil.example",
        "javascript:alert(1)",
        "",
    ] {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("to", "de")
            .append_pair("back", back)
            .finish();
        let r = c.get(&format!("/lang?{q}")).await;
        assert!(r.status.is_redirection(), "{back}: {}", r.status);
        let to = r.location().unwrap_or_default();
        // Where a browser would go from a page of ours: still our origin.
        let base = url::Url::parse("http://school.test/page").unwrap();
        let went = base.join(to).unwrap();
        assert!(
            to.starts_with('/') && !to.starts_with("//") && !to.contains('\\'),
            "{back:?} went to {to:?}"
        );
        assert_eq!(
            went.host_str(),
            Some("school.test"),
            "{back:?} went to {to:?}"
        );
    }
    // A path with a query comes back whole.
    let r = c.get("/lang?to=de&back=%2Fcourses%3Fpage%3D2").await;
    assert_eq!(r.location(), Some("/courses?page=2"));
    // Only our languages; nothing is set otherwise.
    for to in ["xx", "", "de%0d%0aSet-Cookie:%20a=b", "DE"] {
        let r = c.get(&format!("/lang?to={to}&back=/")).await;
        r.assert_status(400);
        assert!(
            r.header("set-cookie")
                .is_none_or(|s| !s.contains("lectern_lang"))
        );
    }
}
